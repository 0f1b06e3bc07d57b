"""The report as an administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I): the
issuing body, the national name and motto, the number and symbol, place and date, the
subject ("V/v …"), the recipients ("Nơi nhận") and the signing authority.

The issuing office is configured here, in one place: the Government Steering Committee
(Ban Chỉ đạo) the reports are for. The number is left blank, as in any draft: the office's
clerk (văn thư) gives it when the document is registered and issued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Issuer:
    """The issuing office as the header, the symbol and the signature block name it."""

    name: str  # upper case, as the header prints it
    symbol: str  # the office's abbreviation after "BC-"
    place: str  # where it sits, as the date line names it
    authority: tuple[str, ...]  # the signature block's lines: "TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN"
    recipients: tuple[str, ...]  # "Nơi nhận", one line each, the last one the file copy


ISSUERS: dict[str, Issuer] = {
    "vi": Issuer(
        name="BAN CHỈ ĐẠO CỦA CHÍNH PHỦ VỀ PHÁT TRIỂN KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO, CHUYỂN ĐỔI SỐ "
             "VÀ ĐỀ ÁN 06",
        symbol="BCĐ",
        place="Hà Nội",
        authority=("TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"),
        recipients=(
            "Thủ tướng Chính phủ, Trưởng Ban Chỉ đạo (để báo cáo);",
            "Các Phó Thủ tướng Chính phủ, Phó Trưởng Ban Chỉ đạo;",
            "Các thành viên Ban Chỉ đạo;",
            "Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ;",
            "UBND các tỉnh, thành phố trực thuộc trung ương;",
            "VPCP: BTCN, các PCN, Cục Kiểm soát TTHC;",
            "Lưu: VT, BCĐ.",
        ),
    ),
    "en": Issuer(
        name="GOVERNMENT STEERING COMMITTEE FOR SCIENCE, TECHNOLOGY, INNOVATION, DIGITAL TRANSFORMATION "
             "AND PROJECT 06",
        symbol="BCĐ",
        place="Hanoi",
        authority=("ON BEHALF OF THE STEERING COMMITTEE", "FOR THE HEAD", "DEPUTY HEAD"),
        recipients=(
            "The Prime Minister, Head of the Steering Committee (for information);",
            "The Deputy Prime Ministers, Deputy Heads of the Steering Committee;",
            "The members of the Steering Committee;",
            "Ministries, ministerial-level agencies and Government agencies;",
            "People's Committees of the provinces and centrally governed cities;",
            "Government Office: the Minister-Chairman, the Vice-Chairmen, the Administrative Procedure "
            "Control Agency;",
            "Filed: Records office, Steering Committee.",
        ),
    ),
}

NATION = {"vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "en": "SOCIALIST REPUBLIC OF VIETNAM"}
MOTTO = {"vi": "Độc lập - Tự do - Hạnh phúc", "en": "Independence - Freedom - Happiness"}
KIND = {"vi": "BÁO CÁO", "en": "REPORT"}
RECIPIENTS = {"vi": "Nơi nhận:", "en": "Recipients:"}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
# Where the clerk writes the number in: "Số: …/BC-BCĐ".
_BLANK_NUMBER = "…"


@dataclass(frozen=True)
class Header:
    """The parts of the document around its body, written out in one language."""

    issuer: str
    nation: str
    motto: str
    number: str
    place_date: str
    kind: str
    subject: str  # the trích yếu under the document's name
    reference: str  # "V/v …" under the number
    recipients_label: str
    recipients: tuple[str, ...]
    authority: tuple[str, ...]


def number_line(issuer: Issuer, lang: str) -> str:
    """"Số: …/BC-BCĐ": the number left for the clerk, the symbol of a report (BC) of the office."""
    label = "Số" if lang == "vi" else "No."
    return f"{label}: {_BLANK_NUMBER}/BC-{issuer.symbol}"


def place_date(place: str, day: date, lang: str) -> str:
    """"Hà Nội, ngày 05 tháng 01 năm 2026": a day below 10 and the months January and
    February with a leading zero, as Nghị định 30/2020/NĐ-CP writes them."""
    if lang == "vi":
        d = f"{day.day:02d}" if day.day < 10 else str(day.day)
        m = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"{place}, ngày {d} tháng {m} năm {day.year}"
    return f"{place}, {day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def header(lang: str, issued_on: date, subject: str, reference: str) -> Header:
    """The header and closing of a report issued on ``issued_on`` about ``subject``
    (``reference``: the same in the "V/v …" form under the number)."""
    issuer = ISSUERS[lang]
    return Header(
        issuer=issuer.name, nation=NATION[lang], motto=MOTTO[lang], number=number_line(issuer, lang),
        place_date=place_date(issuer.place, issued_on, lang), kind=KIND[lang], subject=subject, reference=reference,
        recipients_label=RECIPIENTS[lang], recipients=issuer.recipients, authority=issuer.authority,
    )
