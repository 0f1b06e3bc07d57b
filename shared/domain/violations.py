"""Turn pydantic's validation errors into one :class:`ContractViolation` a person can act on."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from shared.domain.decoding import json_type_name, shorten
from shared.domain.reasons import ContractViolation, ReasonCode

_FIGURE_TAGS = frozenset({"ratio", "count", "milestone"})
_CUSTOM_CODES = frozenset(code.value for code in ReasonCode)

# When one event has several problems, the reported code is the most fundamental one:
# a wrong version makes every other complaint moot, a missing or unknown member usually
# explains the rest, and the catch-all INVALID_VALUE comes last.
_RANK = {
    ReasonCode.UNKNOWN_SCHEMA_VERSION: 0,
    ReasonCode.MISSING_FIELD: 1,
    ReasonCode.UNKNOWN_FIELD: 2,
    ReasonCode.WRONG_TYPE: 3,
    ReasonCode.INVALID_VALUE: 5,
}
_SPECIFIC_RANK = 4

# Patterns read badly in a message; say what they mean instead.
_PATTERN_MEANING = {
    "event_id": "1 to 128 visible ASCII characters, no spaces",
    "amends": "an event_id: 1 to 128 visible ASCII characters, no spaces",
    "agency_id": "a registry id: lower-case ASCII words joined by hyphens, e.g. ha-noi",
    "target_id": "a catalogue id: lower-case ASCII words joined by underscores, e.g. online_dossier_rate",
    "reporter.name": "a name, not blank",
    "reporter.role": "a role, not blank",
    "evidence": "a reference, not blank",
    "signature.key_id": "1 to 128 visible ASCII characters, no spaces",
    "signature.value": "64 lower-case hexadecimal digits",
}


def _path(loc: tuple[int | str, ...]) -> str:
    """Dotted member path, without the discriminator tag pydantic inserts after ``figure``."""
    parts = [
        str(part)
        for index, part in enumerate(loc)
        if not (index > 0 and loc[index - 1] == "figure" and part in _FIGURE_TAGS)
    ]
    return ".".join(parts)


def _code(error: Any, path: str) -> ReasonCode:
    kind = error["type"]
    if kind in _CUSTOM_CODES:
        return ReasonCode(kind)
    if kind in ("missing", "union_tag_not_found"):
        return ReasonCode.MISSING_FIELD
    if kind == "extra_forbidden":
        return ReasonCode.UNKNOWN_FIELD
    if kind.endswith("_type") or kind in ("int_from_float", "none_required"):
        return ReasonCode.WRONG_TYPE
    if path.startswith("figure.") and kind in ("greater_than", "greater_than_equal"):
        # The only "greater than" bound on a figure is denominator > 0; any other is ≥ 0.
        return ReasonCode.DENOMINATOR_ZERO if error.get("input") == 0 else ReasonCode.NEGATIVE_FIGURE
    return ReasonCode.INVALID_VALUE


def _detail(error: Any, code: ReasonCode, path: str) -> str:
    if error["type"] in _CUSTOM_CODES:
        return error["msg"]
    if error["type"] == "union_tag_not_found":
        return "needs a type member: ratio, count or milestone"
    if code is ReasonCode.MISSING_FIELD:
        return "is required but missing"
    if code is ReasonCode.UNKNOWN_FIELD:
        return "is not a member of the contract (unknown members are rejected)"
    got = error.get("input")
    if code is ReasonCode.DENOMINATOR_ZERO:
        return "is 0; a ratio needs a denominator of at least 1"
    if code is ReasonCode.NEGATIVE_FIGURE:
        return f"is {got}; figures are never negative"
    if error["type"] == "string_pattern_mismatch" and path in _PATTERN_MEANING:
        return f"should be {_PATTERN_MEANING[path]}, got {shorten(got)}"
    if error["type"] == "union_tag_invalid":
        return f"type {shorten(error['ctx']['tag'])} is not one of ratio, count, milestone"
    msg = error["msg"]
    if msg.startswith("Input should be "):
        wanted = "should be " + msg.removeprefix("Input should be ")
    else:
        wanted = msg[0].lower() + msg[1:]
    if code is ReasonCode.WRONG_TYPE:
        return f"{wanted}, got {json_type_name(got)} {shorten(got)}"
    return f"{wanted}, got {shorten(got)}"


def _violation(error: Any) -> ContractViolation:
    path = (error.get("ctx") or {}).get("field") or _path(error["loc"])
    code = _code(error, path)
    detail = _detail(error, code, path)
    return ContractViolation(code, f"{path}: {detail}" if path else detail, field=path or None)


def violation_from(exc: ValidationError) -> ContractViolation:
    """The single most fundamental problem in ``exc``, with the others attached as ``also``."""
    found = [_violation(error) for error in exc.errors()]
    ordered = sorted(found, key=lambda v: _RANK.get(v.code, _SPECIFIC_RANK))
    first, rest = ordered[0], tuple(ordered[1:])
    return ContractViolation(first.code, first.message, field=first.field, also=rest)
