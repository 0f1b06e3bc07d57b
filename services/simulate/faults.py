"""The deliberately bad events: what an agency system gets wrong, and the reason code each earns.

Every fault takes one valid report an agency has just sent (the *primary*) and derives the
broken message a real system might send next to it: truncated, mis-encoded, mis-typed,
mis-dated, mis-keyed, signed with the wrong key, or contradicting the ledger. Each names
the single :class:`ReasonCode` ingest must give it (the most fundamental problem, see
docs/contract.md §7), so the dead letters can be checked exactly. Faults that contradict
the ledger (a reused event id, a correction of the wrong event) are sent after the
primary, on the same partition, so ingest always judges them against the same state.
Pure.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.domain.agencies import AgencyKind, all_agencies, get_agency
from shared.domain.catalogue import TargetKind
from shared.domain.reasons import ReasonCode

from services.simulate.keys import KeyRing
from services.simulate.trajectories import Truth
from services.simulate.wire import encode, signed

Message = tuple[str | None, bytes]
"""A Kafka key and value."""


@dataclass(frozen=True)
class Primary:
    """The valid event a fault is derived from, and what the fault may need besides."""

    event: dict[str, Any]
    truth: Truth
    keys: KeyRing
    rng: random.Random
    fresh_id: Callable[[], str]
    """A new event id of the primary's agency, never used before."""
    retracted: str | None = None
    """The event id an earlier retraction of this report withdrew (second_retraction only)."""

    @property
    def agency_id(self) -> str:
        return self.event["agency_id"]

    def sign(self, event: dict[str, Any], agency_id: str | None = None) -> bytes:
        return encode(signed(event, self.keys[agency_id or self.agency_id]))

    def variant(self, **changes: Any) -> dict[str, Any]:
        """The primary with a new event id and ``changes`` (``None`` removes a member)."""
        event = {**self.event, "event_id": self.fresh_id(), **changes}
        return {k: v for k, v in event.items() if v is not None}


@dataclass(frozen=True)
class Fault:
    """One way of getting it wrong."""

    name: str
    code: ReasonCode
    what: str
    build: Callable[[Primary], Message]
    needs_measurement: bool = False

    def applies(self, event_kind: str) -> bool:
        """Whether the fault can be derived from a report of ``event_kind``."""
        return not self.needs_measurement or event_kind == "measurement"


# ---- figures ----------------------------------------------------------------------------
def _altered(figure: dict[str, Any]) -> dict[str, Any]:
    """A different, still valid figure of the same shape."""
    if figure["type"] == "ratio":
        n = figure["numerator"]
        return {**figure, "numerator": n - 1 if n > 0 else n + 1}
    if figure["type"] == "count":
        return {**figure, "count": figure["count"] + 1}
    return {**figure, "done_on": (date.fromisoformat(figure["done_on"]) - timedelta(days=1)).isoformat()}


def _magnitude(figure: dict[str, Any]) -> int:
    return {"ratio": figure.get("numerator"), "count": figure.get("count")}.get(figure["type"]) or 1


def _figure_for(p: Primary, target_id: str) -> dict[str, Any]:
    """The agency's true figure for another target on the primary's day."""
    target = p.truth.targets[target_id]
    if target.kind is TargetKind.MILESTONE:
        return {"type": "milestone", "done": False}
    value = p.truth.value(p.agency_id, target_id, date.fromisoformat(p.event["observed_at"]))
    if target.kind is TargetKind.RATIO:
        return {"type": "ratio", "numerator": value[0], "denominator": value[1]}
    return {"type": "count", "count": value}


# ---- malformed bytes --------------------------------------------------------------------
def _truncated(p: Primary) -> Message:
    text = p.sign(p.variant()).decode("utf-8")
    # Cut between characters: a cut inside a UTF-8 sequence would be not_utf8, not not_json.
    return p.agency_id, text[: len(text) // 2].encode("utf-8")


def _windows_1258(p: Primary) -> Message:
    return p.agency_id, p.sign(p.variant()).decode("utf-8").encode("cp1258", errors="replace")


def _repeated_member(p: Primary) -> Message:
    body = p.sign(p.variant())
    return p.agency_id, b'{"kind":"' + p.event["kind"].encode() + b'",' + body[1:]


# ---- contract violations ----------------------------------------------------------------
def _future_schema(p: Primary) -> Message:
    return p.agency_id, p.sign(p.variant(schema_version=3))


def _no_reporter(p: Primary) -> Message:
    return p.agency_id, p.sign(p.variant(reporter=None))


def _extra_member(p: Primary) -> Message:
    return p.agency_id, p.sign(p.variant(ghi_chu="Số liệu sơ bộ, chưa thẩm định"))


def _quoted_number(p: Primary) -> Message:
    figure = dict(p.event["figure"])
    member = {"ratio": "numerator", "count": "count", "milestone": "done"}[figure["type"]]
    figure[member] = str(figure[member]).lower()
    return p.agency_id, p.sign(p.variant(figure=figure))


def _spaced_timestamp(p: Primary) -> Message:
    return p.agency_id, p.sign(p.variant(reported_at=p.event["reported_at"].replace("T", " ")))


def _zero_denominator(p: Primary) -> Message:
    return p.agency_id, p.sign(p.variant(figure={"type": "ratio", "numerator": 0, "denominator": 0}))


def _swapped_ratio(p: Primary) -> Message:
    figure = p.event["figure"]
    # 0 of n swapped would be n of 0 (another fault); "n of 1" is no swap of 0 of 1 either
    # (1 of 1 is a valid figure): a zero numerator takes the general case.
    if figure["type"] == "ratio" and 0 < figure["numerator"] < figure["denominator"]:
        swapped = {"type": "ratio", "numerator": figure["denominator"], "denominator": figure["numerator"]}
    else:
        size = _magnitude(figure)
        swapped = {"type": "ratio", "numerator": size + 1, "denominator": size}
    return p.agency_id, p.sign(p.variant(figure=swapped))


def _negative(p: Primary) -> Message:
    figure = p.event["figure"]
    if figure["type"] == "ratio":
        negative = {**figure, "numerator": -max(1, figure["numerator"])}
    else:
        negative = {"type": "count", "count": -_magnitude(figure)}
    return p.agency_id, p.sign(p.variant(figure=negative))


def _prefilled(p: Primary) -> Message:
    day_before = date.fromisoformat(p.event["observed_at"]) - timedelta(days=1)
    reported = f"{day_before.isoformat()}T16:00:00+07:00"
    return p.agency_id, p.sign(p.variant(reported_at=reported))


def _planned_milestone(p: Primary) -> Message:
    milestones = [t.id for t in p.truth.applicable[p.agency_id] if t.kind is TargetKind.MILESTONE]
    planned = date.fromisoformat(p.event["observed_at"]) + timedelta(days=p.rng.randint(3, 30))
    figure = {"type": "milestone", "done": True, "done_on": planned.isoformat()}
    return p.agency_id, p.sign(p.variant(kind="milestone", target_id=p.rng.choice(milestones), figure=figure))


def _percentage_as_count(p: Primary) -> Message:
    figure = p.event["figure"]
    if figure["type"] == "ratio":
        # The classic: a percentage where the contract wants the two counts.
        wrong = {"type": "count", "count": 100 * figure["numerator"] // figure["denominator"]}
        return p.agency_id, p.sign(p.variant(figure=wrong))
    if figure["type"] == "count":
        wrong = {"type": "ratio", "numerator": figure["count"], "denominator": max(1, figure["count"])}
        return p.agency_id, p.sign(p.variant(figure=wrong))
    return p.agency_id, p.sign(p.variant(kind="measurement"))


def _measurement_with_amends(p: Primary) -> Message:
    return p.agency_id, p.sign(p.variant(amends=p.event["event_id"]))


def _correction_without_amends(p: Primary) -> Message:
    return p.agency_id, p.sign(p.variant(kind="correction", figure=_altered(p.event["figure"])))


def _retraction_with_figure(p: Primary) -> Message:
    return p.agency_id, p.sign(p.variant(kind="retraction", amends=p.event["event_id"]))


def _year_typo(p: Primary) -> Message:
    observed = p.event["observed_at"]
    return p.agency_id, p.sign(p.variant(observed_at=f"{int(observed[:4]) - 10}{observed[4:]}"))


# ---- registry and catalogue -------------------------------------------------------------
def _unknown_target(p: Primary) -> Message:
    target = p.event["target_id"]
    typo = target.replace("_", "", 1) if "_" in target else f"{target}_cu"
    return p.agency_id, p.sign(p.variant(target_id=typo))


def _unknown_agency(p: Primary) -> Message:
    # The id as a hurried developer types it: no hyphens ("hanoi"); the producer keys by it.
    typo = p.agency_id.replace("-", "")
    known = {a.id for a in all_agencies()}
    while typo in known:
        typo += "-cu"
    return typo, p.sign(p.variant(agency_id=typo))


def _old_id(p: Primary) -> Message:
    """A figure under the id of a unit that does not exist on observed_at: a dissolved unit
    after a merger, or the merged unit before it was formed."""
    day = date.fromisoformat(p.event["observed_at"])
    agency = get_agency(p.agency_id)
    inactive = [a for a in p.truth.agencies if a.kind is agency.kind
                and ((a.valid_to is not None and a.valid_to < day) or (a.valid_from is not None and a.valid_from > day))]
    preferred = [a for a in inactive if a.id in agency.predecessors or a.id == agency.successor]
    chosen = (preferred or inactive)[0].id
    return chosen, p.sign(p.variant(agency_id=chosen), chosen)


def _foreign_target(p: Primary) -> Message:
    applicable = {t.id for t in p.truth.applicable[p.agency_id]}
    kind = get_agency(p.agency_id).kind
    # A province reporting a ministry's target, or the other way round.
    foreign = next(t for t in p.truth.targets.values() if t.id not in applicable and t.kind is not TargetKind.MILESTONE
                   and (AgencyKind.PROVINCE.value if kind is AgencyKind.MINISTRY else AgencyKind.MINISTRY.value)
                   in t.applies_to)
    figure = ({"type": "count", "count": 3} if foreign.kind is TargetKind.COUNT
              else {"type": "ratio", "numerator": 1, "denominator": 2})
    # A measurement whatever the primary was: kept a milestone, the count or ratio would be
    # refused first for its shape (figure_shape_mismatch), not for its target.
    return p.agency_id, p.sign(p.variant(target_id=foreign.id, figure=figure, kind="measurement"))


# ---- signatures and transport -----------------------------------------------------------
def _unsigned(p: Primary) -> Message:
    return p.agency_id, encode(p.variant())


def _tampered(p: Primary) -> Message:
    event = signed(p.variant(), p.keys[p.agency_id])
    return p.agency_id, encode({**event, "figure": _altered(event["figure"])})


def _other_key(p: Primary) -> Message:
    return p.agency_id, encode(signed(p.variant(), p.keys.other_than(p.agency_id)))


def _invented_key(p: Primary) -> Message:
    return p.agency_id, encode(signed(p.variant(), p.keys.forged(p.agency_id)))


def _keyed_by_code(p: Primary) -> Message:
    return get_agency(p.agency_id).code or p.agency_id.upper(), p.sign(p.variant())


def _no_kafka_key(p: Primary) -> Message:
    return None, p.sign(p.variant())


# ---- against the ledger -----------------------------------------------------------------
def _reused_event_id(p: Primary) -> Message:
    return p.agency_id, p.sign({**p.event, "figure": _altered(p.event["figure"])})


def _correction_of_unknown(p: Primary) -> Message:
    # Our event ids never end in "-0", so this amends an event that was never sent.
    return p.agency_id, p.sign(p.variant(kind="correction", amends=f"{p.event['event_id']}-0"))


def _correction_of_other_target(p: Primary) -> Message:
    others = [t.id for t in p.truth.applicable[p.agency_id] if t.id != p.event["target_id"]]
    other = p.rng.choice(others)
    return p.agency_id, p.sign(p.variant(kind="correction", target_id=other, figure=_figure_for(p, other),
                                         amends=p.event["event_id"]))


def _second_retraction(p: Primary) -> Message:
    assert p.retracted is not None, "second_retraction follows a retraction"
    return p.agency_id, p.sign(p.variant(kind="retraction", figure=None, amends=p.retracted))


FAULTS: tuple[Fault, ...] = (
    Fault("truncated", ReasonCode.NOT_JSON, "message cut in half in transit", _truncated),
    Fault("windows_1258", ReasonCode.NOT_UTF8, "legacy system encoded the event in Windows-1258", _windows_1258),
    Fault("repeated_member", ReasonCode.DUPLICATE_FIELD, "hand-written serialiser wrote kind twice",
          _repeated_member),
    Fault("future_schema", ReasonCode.UNKNOWN_SCHEMA_VERSION, "schema_version 3 sent before it exists",
          _future_schema),
    Fault("no_reporter", ReasonCode.MISSING_FIELD, "reporter left out", _no_reporter),
    Fault("extra_member", ReasonCode.UNKNOWN_FIELD, "a member the contract does not have (ghi_chu)",
          _extra_member),
    Fault("quoted_number", ReasonCode.WRONG_TYPE, "a figure written as a string, as a spreadsheet exports it",
          _quoted_number),
    Fault("spaced_timestamp", ReasonCode.INVALID_VALUE, "reported_at with a space instead of T",
          _spaced_timestamp),
    Fault("zero_denominator", ReasonCode.DENOMINATOR_ZERO, "ratio of 0 out of 0", _zero_denominator),
    Fault("swapped_ratio", ReasonCode.NUMERATOR_EXCEEDS_DENOMINATOR, "numerator and denominator swapped",
          _swapped_ratio),
    Fault("negative", ReasonCode.NEGATIVE_FIGURE, "a negative figure", _negative),
    Fault("prefilled", ReasonCode.OBSERVED_AFTER_REPORTED, "figure reported the day before the day it is for",
          _prefilled),
    Fault("planned_milestone", ReasonCode.DONE_AFTER_OBSERVED, "milestone reported done on a planned future day",
          _planned_milestone),
    Fault("percentage_as_count", ReasonCode.FIGURE_SHAPE_MISMATCH, "figure of the wrong shape for the target",
          _percentage_as_count),
    Fault("measurement_with_amends", ReasonCode.AMENDS_NOT_ALLOWED, "a new figure that names an event it amends",
          _measurement_with_amends),
    Fault("correction_without_amends", ReasonCode.AMENDS_MISSING, "a correction that does not say what it corrects",
          _correction_without_amends),
    Fault("retraction_with_figure", ReasonCode.RETRACTION_WITH_FIGURE, "a retraction that carries a figure",
          _retraction_with_figure),
    Fault("year_typo", ReasonCode.OBSERVED_BEFORE_2020, "observed_at ten years early (2015 for 2025)", _year_typo),
    Fault("unknown_target", ReasonCode.UNKNOWN_TARGET, "target id misspelt", _unknown_target),
    Fault("unknown_agency", ReasonCode.UNKNOWN_AGENCY, "agency id misspelt", _unknown_agency),
    Fault("old_id", ReasonCode.AGENCY_NOT_ACTIVE, "figure under a unit that does not exist that day "
          "(dissolved, or not yet formed)", _old_id),
    Fault("foreign_target", ReasonCode.TARGET_NOT_APPLICABLE, "figure for another kind of agency's target",
          _foreign_target),
    Fault("unsigned", ReasonCode.MISSING_SIGNATURE, "sent without a signature", _unsigned),
    Fault("tampered", ReasonCode.BAD_SIGNATURE, "figure changed after signing", _tampered),
    Fault("other_key", ReasonCode.FOREIGN_SIGNATURE, "forged: signed with another agency's key", _other_key),
    Fault("invented_key", ReasonCode.UNKNOWN_KEY, "forged: signed with a key nobody issued", _invented_key),
    Fault("keyed_by_code", ReasonCode.KEY_MISMATCH, "Kafka key is the official code, not the agency id",
          _keyed_by_code),
    Fault("no_kafka_key", ReasonCode.MISSING_KEY, "Kafka message without a key", _no_kafka_key),
    Fault("reused_event_id", ReasonCode.EVENT_ID_CONFLICT, "event id reused for a different figure",
          _reused_event_id),
    Fault("correction_of_unknown", ReasonCode.UNKNOWN_AMENDED_EVENT, "correction of an event never sent",
          _correction_of_unknown),
    Fault("correction_of_other_target", ReasonCode.AMENDED_EVENT_MISMATCH,
          "correction for one target amending an event of another", _correction_of_other_target),
    Fault("second_retraction", ReasonCode.ALREADY_RETRACTED, "the same event retracted twice", _second_retraction,
          needs_measurement=True),
)
FAULTS_BY_NAME = {f.name: f for f in FAULTS}
