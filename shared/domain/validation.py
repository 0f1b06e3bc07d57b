"""Check a well-formed event against the agency registry and the target catalogue."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from functools import cache, lru_cache

from shared.domain.agencies import all_agencies, get_agency, is_active, successor_of
from shared.domain.catalogue import catalogue_on, target_applies_to, target_revisions
from shared.domain.events import ProgressReported
from shared.domain.reasons import ContractViolation, ReasonCode

# The catalogue on a day is fixed data, but each call re-validates its revised targets.
_catalogue_on = lru_cache(maxsize=64)(catalogue_on)


def _inactive_message(agency_id: str, day: date) -> str:
    agency = get_agency(agency_id)
    if agency.valid_from is not None and day < agency.valid_from:
        return f"agency_id: {agency.name_vi} ({agency.id}) was formed on {agency.valid_from}, after {day}"
    successor = successor_of(agency_id, day)
    return (
        f"agency_id: {agency.name_vi} ({agency.id}) ceased after {agency.valid_to}; "
        f"figures for {day} belong to {get_agency(successor).name_vi} ({successor})"
    )


def check_event_against_registry(event: ProgressReported, *, on: date | None = None) -> None:
    """Raise :class:`ContractViolation` unless the event fits the registry and catalogue.

    The agency must exist and have existed on the day, the target must exist and apply to
    the agency, and the figure must have the target's shape. ``on`` is the day to judge by;
    by default the event's ``observed_at``, so a late report about a dissolved province's
    June figures is still accepted under that province's id.
    """
    figure_type = event.figure.type if event.figure is not None else None
    check_against_registry(event.agency_id, event.target_id, figure_type, on or event.observed_at)


def check_against_registry(agency_id: str, target_id: str, figure_type: str | None, day: date) -> None:
    """:func:`check_event_against_registry` on the only fields it reads (``figure_type``:
    ``"ratio"``, ``"count"``, ``"milestone"`` or None), for callers that hold no model."""
    try:
        agency = get_agency(agency_id)
    except KeyError:
        raise ContractViolation(
            ReasonCode.UNKNOWN_AGENCY,
            f"agency_id: {agency_id} is not in the agency registry (see `tiendo catalogue agencies`)",
            field="agency_id",
        ) from None
    if not is_active(agency.id, day):
        raise ContractViolation(
            ReasonCode.AGENCY_NOT_ACTIVE, _inactive_message(agency.id, day), field="agency_id"
        )
    target = _catalogue_on(day).get(target_id)
    if target is None:
        raise ContractViolation(
            ReasonCode.UNKNOWN_TARGET,
            f"target_id: {target_id} is not in the target catalogue (see `tiendo catalogue targets`)",
            field="target_id",
        )
    if not target_applies_to(target, agency):
        raise ContractViolation(
            ReasonCode.TARGET_NOT_APPLICABLE,
            f"target_id: {target.id} does not apply to {agency.name_vi} ({agency.id})",
            field="target_id",
        )
    if figure_type is not None and figure_type != target.kind.value:
        raise ContractViolation(
            ReasonCode.FIGURE_SHAPE_MISMATCH,
            f"figure: {target.id} is a {target.kind} target and takes a {target.kind} figure, "
            f"got a {figure_type} figure",
            field="figure",
        )


@cache
def _change_days() -> tuple[date, ...]:
    """The days from which the registry or the catalogue reads otherwise than the day
    before: an agency formed, the day after one ceased, a target revised."""
    days = {revision.effective for revision in target_revisions()}
    for agency in all_agencies():
        days.update(d for d in (agency.valid_from, agency.valid_to and agency.valid_to + timedelta(days=1)) if d)
    return tuple(sorted(days))


def registry_problem(agency_id: str, target_id: str, figure_type: str | None,
                     day: date) -> tuple[ReasonCode, str] | None:
    """:func:`check_against_registry`'s verdict, as (reason code, message), or None when
    the event fits; cached for ingest, which asks it of every event."""
    days = _change_days()
    # Keyed by the span of days over which nothing changes, not by the day: keyed by the
    # day, nearly every event was a new key (95,882 misses in 100,000, issue 15).
    span = bisect_right(days, day)
    verdict = _verdict(agency_id, target_id, figure_type, days[span - 1] if span else date.min)
    if verdict is not None and verdict[0] is ReasonCode.AGENCY_NOT_ACTIVE:
        return _uncached_verdict(agency_id, target_id, figure_type, day)  # its message names the day
    return verdict


def _uncached_verdict(agency_id: str, target_id: str, figure_type: str | None,
                      day: date) -> tuple[ReasonCode, str] | None:
    try:
        check_against_registry(agency_id, target_id, figure_type, day)
    except ContractViolation as exc:
        return exc.code, exc.message
    return None


# Bounded: agency and target ids come from the wire, and unknown ones are keys too.
_verdict = lru_cache(maxsize=65_536)(_uncached_verdict)
