"""Tables and Vietnamese labels for the catalogue commands (laid out by the CLI toolkit,
numbers and days written by the one formatter)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from shared.domain.agencies import Agency, AgencyKind, UnitType, get_agency, successor_of
from shared.domain.catalogue import Target, TargetKind
from shared.presentation.cli import table_text
from shared.presentation.figures import day_text, number, pct

KIND_LABEL = {TargetKind.RATIO: "tỷ lệ", TargetKind.COUNT: "số lượng", TargetKind.MILESTONE: "mốc"}
UNIT_TYPE_LABEL = {
    UnitType.MINISTRY: "bộ",
    UnitType.MINISTERIAL_AGENCY: "cơ quan ngang bộ",
    UnitType.PROVINCE: "tỉnh",
    UnitType.CITY: "thành phố",
}
_APPLIES_LABEL = {AgencyKind.MINISTRY.value: "bộ, ngành", AgencyKind.PROVINCE.value: "tỉnh, thành phố"}
UNCONFIRMED_MARK = "*"


def deadline_text(target: Target) -> str:
    """A target's deadline, or that no source gives one."""
    return day_text(target.deadline) if target.deadline else "không thời hạn"


def target_value_text(target: Target) -> str:
    """The goal as a reader says it: 80%, 324 thủ tục, hoàn thành."""
    if target.kind is TargetKind.RATIO:
        return pct(target.target_value, digits=None)
    if target.kind is TargetKind.COUNT:
        return f"{number(target.target_value)} {target.unit}"
    return "hoàn thành"


def _bound_agency_text(agency_id: str, day: date) -> str:
    # A task set for a unit that has since merged is its successor's on ``day``.
    carrier = successor_of(agency_id, day)
    name = get_agency(agency_id).name_vi
    return name if carrier == agency_id else f"{get_agency(carrier).name_vi} (kế thừa {name})"


def applies_text(target: Target, day: date) -> str:
    """Whom a target binds on ``day``, by kind label or agency name."""
    labels = [_APPLIES_LABEL[item] for item in sorted(target.applies_to) if item in _APPLIES_LABEL]
    labels += sorted(_bound_agency_text(item, day) for item in target.applies_to if item not in _APPLIES_LABEL)
    return "; ".join(labels)


def targets_table(targets: Sequence[Target], day: date) -> str:
    """The catalogue on ``day`` as a table, one target per row."""
    rows = [
        [
            target.id,
            KIND_LABEL[target.kind],
            target_value_text(target),
            deadline_text(target),
            applies_text(target, day),
            ", ".join(target.seeds),
            target.name_vi,
        ]
        for target in targets
    ]
    return table_text(["Mã chỉ tiêu", "Loại", "Mục tiêu", "Hạn", "Áp dụng", "Nguồn", "Tên chỉ tiêu"], rows,
                      wrap=(2, 4, 5, 6))


def lineage_text(agency: Agency) -> str:
    """Where an agency's history goes (→ successor) or comes from (← predecessors)."""
    if agency.successor:
        return f"→ {get_agency(agency.successor).name_vi} ({agency.successor})"
    if agency.predecessors:
        return "← " + ", ".join(get_agency(item).name_vi for item in agency.predecessors)
    return ""


def agencies_table(agencies: Sequence[Agency]) -> str:
    """Agencies as a table; an unconfirmed code carries a mark."""
    rows = [
        [
            (agency.code or "–") + ("" if agency.code_confirmed else UNCONFIRMED_MARK),
            agency.id,
            agency.name_vi,
            UNIT_TYPE_LABEL[agency.unit_type],
            day_text(agency.valid_from),
            day_text(agency.valid_to),
            lineage_text(agency),
        ]
        for agency in agencies
    ]
    return table_text(["Mã", "ID", "Tên", "Loại", "Từ ngày", "Đến ngày", "Kế thừa"], rows, wrap=(2, 3, 6))
