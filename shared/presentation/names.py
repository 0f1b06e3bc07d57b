"""Agencies' names as a report writes them: mid-sentence, as an issuing body's abbreviation,
and in a document symbol ("Báo cáo số 241/BC-UBND").

The registry (``shared/domain/agencies.py``) holds the facts; the rules of writing them
follow Nghị định 30/2020/NĐ-CP (Phụ lục I on document symbols, Phụ lục II on capitals).
Each body sets its own abbreviation; the registry records one where it is not the
initials of the name.
"""

from __future__ import annotations

import unicodedata

from shared.domain import agencies
from shared.domain.agencies import Agency, AgencyKind, get_agency

PROVINCE_OFFICE = "UBND"
"""The issuing body of a province's or city's reports: its People's Committee."""

_SKIPPED_WORDS = {"và"}
"""Words that leave no letter in an abbreviation ("Bộ Giáo dục và Đào tạo" → "BGDĐT")."""


def _agency(agency: Agency | str) -> Agency:
    return get_agency(agency) if isinstance(agency, str) else agency


def name_in_text(agency: Agency | str, lang: str = "vi") -> str:
    """The agency's name in running text.

    Vietnamese: the unit type lower-case ("UBND tỉnh Cao Bằng", "thành phố Hà Nội", "Bộ
    Công an") except where it is part of the proper name ("Thành phố Hồ Chí Minh").
    English: the registry's English name ("Cao Bang", "Ministry of Public Security").
    """
    unit = _agency(agency)
    if lang == "vi":
        return agencies.name_in_text(unit.id)
    return unit.name_en or unit.name_vi


def _initial(word: str) -> str:
    # Đ is a letter of its own, not D with a mark: it stays ("BGDĐT"); other marks go ("Ủy" → U).
    first = word[0].upper()
    return first if first == "Đ" else unicodedata.normalize("NFD", first)[0]


def abbreviation(agency: Agency | str) -> str:
    """The issuing body's abbreviation in a document symbol.

    A ministry: the registry's abbreviation, else the initials of its name with Đ kept
    ("BCA", "BGDĐT", "BKHĐT", "BLĐTBXH"). A province or city: "UBND".
    """
    unit = _agency(agency)
    if unit.kind is AgencyKind.PROVINCE:
        return PROVINCE_OFFICE
    if unit.abbreviation is not None:
        return unit.abbreviation
    words = unit.name_vi.replace(",", " ").replace("-", " ").split()
    return "".join(_initial(word) for word in words if word.lower() not in _SKIPPED_WORDS)


def document_symbol(agency: Agency | str, number: int, form: str = "BC") -> str:
    """A document's number and symbol: ``241/BC-UBND``, ``224/BC-BGDĐT`` (``form`` "BC": báo cáo)."""
    return f"{number}/{form}-{abbreviation(agency)}"
