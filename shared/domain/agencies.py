"""The agency registry: ministries and provinces over time, with the 2025 reorganisations,
and who answers for each unit's tasks.

Data lives in ``data/agencies.yaml`` (its header explains ids and codes). Every function
here is pure; the file is read once, on first use.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.data import load


class AgencyKind(StrEnum):
    """The two kinds of reporting agency the targets are set for."""

    MINISTRY = "ministry"
    PROVINCE = "province"


class UnitType(StrEnum):
    """The legal form within a kind: bộ / cơ quan ngang bộ, tỉnh / thành phố trực thuộc trung ương."""

    MINISTRY = "ministry"
    MINISTERIAL_AGENCY = "ministerial_agency"
    PROVINCE = "province"
    CITY = "city"


class Agency(BaseModel):
    """One legal unit and the days it existed (``valid_to`` is its last day, inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: AgencyKind
    unit_type: UnitType
    name_vi: str
    name_en: str | None = None
    code: str | None = None
    code_confirmed: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    successor: str | None = None
    predecessors: tuple[str, ...] = ()
    head: str | None = None
    """The accountable head's position where it is not the default of the unit type
    (Bộ trưởng Bộ …, Chủ tịch UBND tỉnh …): "Thống đốc Ngân hàng Nhà nước Việt Nam"."""
    head_en: str | None = None
    """``head`` in English; set whenever ``head`` is."""
    name_in_text: str | None = None
    """The name mid-sentence where the unit type keeps its capital ("Thành phố Hồ Chí
    Minh": the unit type is part of the proper name); otherwise derived, see
    :func:`name_in_text`."""
    abbreviation: str | None = None
    """The issuing body's abbreviation in document symbols where it is not the initials
    of its name ("NHNN", not "NHNNVN")."""
    notes: str = ""


class Reorganisation(BaseModel):
    """A legal act that dissolved agencies and formed their successors on one day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    effective: date
    kind: AgencyKind
    basis: str
    summary: str


class _Registry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reorganisations: tuple[Reorganisation, ...]
    agencies: tuple[Agency, ...] = Field(min_length=1)


def _check(registry: _Registry, by_id: dict[str, Agency]) -> None:
    """Refuse a registry whose history does not add up; the data file is hand-edited."""
    if len(by_id) != len(registry.agencies):
        raise ValueError("agencies.yaml: duplicate agency id")
    cutovers = {r.effective for r in registry.reorganisations}
    for agency in registry.agencies:
        # A ministerial agency's head has a title of its own (Thống đốc, Tổng Thanh tra, Bộ
        # trưởng, Chủ nhiệm): no default to fall back on.
        if agency.unit_type is UnitType.MINISTERIAL_AGENCY and agency.head is None:
            raise ValueError(f"agencies.yaml: {agency.id} is a ministerial agency and needs a head")
        if (agency.head is None) != (agency.head_en is None):
            raise ValueError(f"agencies.yaml: {agency.id} needs both head and head_en, or neither")
        if agency.valid_from is not None and agency.valid_from not in cutovers:
            raise ValueError(f"agencies.yaml: {agency.id} starts outside a reorganisation")
        if (agency.successor is None) != (agency.valid_to is None):
            raise ValueError(f"agencies.yaml: {agency.id} needs both valid_to and successor, or neither")
        if agency.successor is None:
            continue
        successor = by_id.get(agency.successor)
        if successor is None or successor.kind is not agency.kind:
            raise ValueError(f"agencies.yaml: {agency.id} names a missing or foreign successor")
        if successor.valid_from != agency.valid_to + timedelta(days=1):
            raise ValueError(f"agencies.yaml: {agency.id} does not end the day before {successor.id} starts")


@cache
def _data() -> _Registry:
    return _Registry.model_validate(load("agencies.yaml"))


@cache
def _registry() -> dict[str, Agency]:
    registry = _data()
    by_id = {agency.id: agency for agency in registry.agencies}
    _check(registry, by_id)
    predecessors: dict[str, list[str]] = {}
    for agency in registry.agencies:
        if agency.successor:
            predecessors.setdefault(agency.successor, []).append(agency.id)
    return {
        agency.id: agency.model_copy(update={"predecessors": tuple(predecessors.get(agency.id, ()))})
        for agency in registry.agencies
    }


def reorganisations() -> tuple[Reorganisation, ...]:
    """The reorganisations in the registry, oldest first."""
    return tuple(sorted(_data().reorganisations, key=lambda r: r.effective))


def all_agencies() -> tuple[Agency, ...]:
    """Every agency that ever existed since 2020, in data-file order."""
    return tuple(_registry().values())


def get_agency(agency_id: str) -> Agency:
    """The agency with this id; ``KeyError`` if the registry has none."""
    try:
        return _registry()[agency_id]
    except KeyError:
        raise KeyError(agency_id) from None


def _exists_on(agency: Agency, day: date) -> bool:
    starts_ok = agency.valid_from is None or agency.valid_from <= day
    ends_ok = agency.valid_to is None or day <= agency.valid_to
    return starts_ok and ends_ok


def is_active(agency_id: str, day: date) -> bool:
    """Whether the agency existed on ``day``; ``KeyError`` for an unknown id."""
    return _exists_on(get_agency(agency_id), day)


def _sort_key(agency: Agency) -> tuple[int, str, str]:
    kinds = list(AgencyKind)
    # Codes are zero-padded ("01", "G01"), so string order is code order; codeless units go last.
    return (kinds.index(agency.kind), agency.code or "\uffff", agency.id)


def agencies_on(day: date, kind: AgencyKind | None = None) -> list[Agency]:
    """The agencies that existed on ``day`` (optionally of one kind).

    Ministries first, then provinces; each by official code, then id.
    """
    return sorted(
        (
            agency
            for agency in _registry().values()
            if _exists_on(agency, day) and (kind is None or agency.kind is kind)
        ),
        key=_sort_key,
    )


def successor_of(agency_id: str, day: date) -> str:
    """The agency that carries ``agency_id``'s history on ``day``.

    Follows successor links past every dissolution on or before ``day``; an agency still in
    existence (or not yet dissolved) on ``day`` is its own successor. ``KeyError`` if unknown.
    """
    agency = get_agency(agency_id)
    while agency.successor is not None and agency.valid_to is not None and day > agency.valid_to:
        agency = get_agency(agency.successor)
    return agency.id


def predecessors_of(agency_id: str, *, transitive: bool = False) -> tuple[str, ...]:
    """The agencies merged into ``agency_id`` when it was formed.

    With ``transitive=True``, also their predecessors, and so on (nearest first). A merged
    unit's history before its formation is the sum over these.
    """
    direct = get_agency(agency_id).predecessors
    if not transitive:
        return direct
    found = list(direct)
    for predecessor in direct:
        found.extend(predecessors_of(predecessor, transitive=True))
    return tuple(found)


_UNIT_TYPE_PREFIX = {UnitType.PROVINCE: "Tỉnh ", UnitType.CITY: "Thành phố "}


def name_in_text(agency_id: str) -> str:
    """The unit's Vietnamese name in running text: "tỉnh Cao Bằng", "thành phố Hà Nội", "Bộ Công an".

    A province's or city's unit type is a common noun and takes a small letter mid-sentence
    (Nghị định 30/2020/NĐ-CP, Phụ lục II); "Thành phố Hồ Chí Minh" keeps its capital, as the
    registry records. Ministries' names are proper names throughout.
    """
    agency = get_agency(agency_id)
    if agency.name_in_text is not None:
        return agency.name_in_text
    prefix = _UNIT_TYPE_PREFIX.get(agency.unit_type)
    if prefix is not None and agency.name_vi.startswith(prefix):
        return prefix.lower() + agency.name_vi.removeprefix(prefix)
    return agency.name_vi


def _english_unit(agency: Agency) -> str:
    name = agency.name_en or agency.name_vi
    if agency.unit_type is UnitType.PROVINCE:
        return f"{name} province"
    return name if name.endswith("City") else f"{name} City"


def accountable_head(agency_id: str, day: date, *, lang: str = "vi") -> str:
    """The position that answers for ``agency_id``'s tasks on ``day`` ("rõ trách nhiệm").

    By position, never a person's name: "Bộ trưởng Bộ Công an", "Chủ tịch UBND tỉnh Cao
    Bằng", "Thống đốc Ngân hàng Nhà nước Việt Nam". A unit that ended before ``day`` answers
    through its successor: a task of the Ministry of Information and Communications is, from
    01/03/2025, the Minister of Science and Technology's. ``lang`` is ``"vi"`` or ``"en"``.
    ``KeyError`` for an unknown id.
    """
    unit = get_agency(successor_of(agency_id, day))
    if unit.head is not None:
        return unit.head if lang == "vi" else str(unit.head_en)
    if unit.kind is AgencyKind.MINISTRY:
        if lang == "vi":
            return f"Bộ trưởng {unit.name_vi}"
        return (unit.name_en or unit.name_vi).replace("Ministry", "Minister", 1)
    if lang == "vi":
        return f"Chủ tịch UBND {name_in_text(unit.id)}"
    return f"Chairman of the People's Committee of {_english_unit(unit)}"
