"""From raw message bytes to one JSON object, with a reason code for each way that fails."""

from __future__ import annotations

import json
from typing import Any

from shared.domain.reasons import ContractViolation, ReasonCode


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build an object, refusing repeated names.

    Parsers disagree on which duplicate wins, so an agency could sign one value while we
    record another; the only safe answer is to refuse.
    """
    obj: dict[str, Any] = {}
    for name, value in pairs:
        if name in obj:
            raise ContractViolation(
                ReasonCode.DUPLICATE_FIELD, f"member '{name}' appears more than once", field=name
            )
        obj[name] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise ContractViolation(ReasonCode.NOT_JSON, f"{name} is not a JSON number")


def _first_lone_surrogate(value: Any) -> str | None:
    """Return a string holding a lone surrogate (from a ``\\ud800``-style escape), if any.

    Walks with an explicit stack: a message nested nearly as deep as the JSON parser allows
    must not overflow Python's recursion limit here.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def decode_object(raw: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """Decode a message into a JSON object or raise :class:`ContractViolation`.

    ``raw`` may be the message bytes, already-decoded text, or an already-parsed object.
    """
    if isinstance(raw, dict):
        obj: Any = raw
    else:
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ContractViolation(
                    ReasonCode.NOT_UTF8, f"byte {exc.start} is not valid UTF-8 ({exc.reason})"
                ) from None
        else:
            text = raw
        try:
            obj = json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise ContractViolation(
                ReasonCode.NOT_JSON, f"{exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise ContractViolation(ReasonCode.NOT_JSON, "JSON nesting is too deep") from None
        except ContractViolation:
            raise  # from the hooks above (a repeated member, NaN): already the right code
        except ValueError:
            # Valid JSON, but an integer longer than Python converts (4300 digits): far
            # past the contract's 2^53 − 1, and it must not stop the worker.
            raise ContractViolation(
                ReasonCode.INVALID_VALUE, "a number has thousands of digits; integers are at most 2^53 − 1"
            ) from None
    if not isinstance(obj, dict):
        raise ContractViolation(
            ReasonCode.NOT_AN_OBJECT, f"expected a JSON object, got {json_type_name(obj)}"
        )
    surrogate = _first_lone_surrogate(obj)
    if surrogate is not None:
        # Valid JSON escapes can still name half a UTF-16 pair, which no UTF-8 text can hold.
        raise ContractViolation(
            ReasonCode.NOT_UTF8, f"text {shorten(surrogate)} holds a lone surrogate escape, not a character"
        )
    return obj


def json_type_name(value: Any) -> str:
    """Name the JSON type of a decoded value, for messages a person reads."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def shorten(value: Any, limit: int = 60) -> str:
    """Show a value in messages as JSON where possible, cut to ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
