"""Check a well-formed event against the agency registry and the target catalogue."""

from __future__ import annotations

from datetime import date

from shared.domain.agencies import get_agency, is_active, successor_of
from shared.domain.catalogue import TargetKind, catalogue_on, target_applies_to
from shared.domain.events import ProgressReported
from shared.domain.figures import CountFigure, MilestoneFigure, RatioFigure
from shared.domain.reasons import ContractViolation, ReasonCode

_FIGURE_FOR_KIND = {
    TargetKind.RATIO: RatioFigure,
    TargetKind.COUNT: CountFigure,
    TargetKind.MILESTONE: MilestoneFigure,
}


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
    day = on or event.observed_at
    try:
        agency = get_agency(event.agency_id)
    except KeyError:
        raise ContractViolation(
            ReasonCode.UNKNOWN_AGENCY,
            f"agency_id: {event.agency_id} is not in the agency registry (see `tiendo catalogue agencies`)",
            field="agency_id",
        ) from None
    if not is_active(agency.id, day):
        raise ContractViolation(
            ReasonCode.AGENCY_NOT_ACTIVE, _inactive_message(agency.id, day), field="agency_id"
        )
    target = catalogue_on(day).get(event.target_id)
    if target is None:
        raise ContractViolation(
            ReasonCode.UNKNOWN_TARGET,
            f"target_id: {event.target_id} is not in the target catalogue (see `tiendo catalogue targets`)",
            field="target_id",
        )
    if not target_applies_to(target, agency):
        raise ContractViolation(
            ReasonCode.TARGET_NOT_APPLICABLE,
            f"target_id: {target.id} does not apply to {agency.name_vi} ({agency.id})",
            field="target_id",
        )
    expected = _FIGURE_FOR_KIND[target.kind]
    if event.figure is not None and not isinstance(event.figure, expected):
        raise ContractViolation(
            ReasonCode.FIGURE_SHAPE_MISMATCH,
            f"figure: {target.id} is a {target.kind} target and takes a {target.kind} figure, "
            f"got a {event.figure.type} figure",
            field="figure",
        )
