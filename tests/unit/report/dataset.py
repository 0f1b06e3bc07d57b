"""A known 2025 data set for the report's tests: monthly figures of a few provinces and
ministries (two of the provinces merge on 01/07/2025), milestones met on time and late,
a correction and a retraction in the second quarter, a reporter whose name is HTML, a province that stops reporting, and
rejected messages. The unit tests write it straight into a ledger; the integration tests
send it, signed, through the real broker and ingest."""

from __future__ import annotations

import json

from shared.domain.temporal import month_end
from tests.unit.report.ledger import count, event, milestone, ratio

RATE = "online_dossier_rate"
HTML_REPORTER = ("<script>alert('x')</script>", "Chuyên viên <b>CNTT</b> & \"quản trị\" | hệ thống")
MONTHS = range(1, 13)


def _month_end(month: int) -> str:
    return month_end(2025, month).isoformat()


def _rate(agency: str, month: int, base: int, step: int, den: int = 10_000, **kw) -> dict:
    return event(agency, RATE, _month_end(month), ratio(min(den, base + step * month), den),
                 event_id=f"{agency}-rate-{month:02d}", **kw)


def events() -> list[dict]:
    """Every accepted event, in the order it is sent."""
    out: list[dict] = []
    for m in MONTHS:
        out.append(_rate("ha-noi", m, 6_000, 250))
        out.append(_rate("hue", m, 5_000, 300, den=8_000))
        out.append(_rate("nghe-an", m, 7_000, 120, den=12_000))
        if m <= 3:  # then it stops reporting
            out.append(_rate("lai-chau", m, 800, 80, den=2_000, reporter=HTML_REPORTER))
        if m <= 6:
            out.append(_rate("ha-giang", m, 2_000, 200, den=5_000))
            out.append(_rate("tuyen-quang", m, 3_000, 150, den=6_000))
            out.append(_rate("ho-chi-minh", m, 40_000, 1_500, den=60_000))
            out.append(_rate("binh-duong", m, 9_000, 400, den=20_000))
        else:
            out.append(_rate("tuyen-quang-2025", m, 5_000, 300, den=11_000))
            out.append(_rate("ho-chi-minh-2025", m, 50_000, 2_000, den=80_000))
        out.append(_rate("bo-cong-an", m, 700, 20, den=1_000))
        out.append(_rate("bo-tu-phap", m, 400, 35, den=1_000))
    out += [
        event("ha-noi", "r57_plan_issued", "2025-02-28", milestone(True, "2025-02-20"), kind="milestone",
              event_id="hn-r57"),
        event("nghe-an", "r57_plan_issued", "2025-02-28", milestone(True, "2025-02-25"), kind="milestone",
              event_id="na-r57",
              reporter=("Lê Thị Hương", "Giám đốc Sở Khoa học và Công nghệ"),
              evidence="Kế hoạch 145/KH-UBND ngày 25/02/2025"),
        event("hue", "r57_plan_issued", "2025-02-28", milestone(False), kind="milestone",
              event_id="hue-r57-feb"),
        event("hue", "r57_plan_issued", "2025-03-15", milestone(True, "2025-03-10"), kind="milestone",
              event_id="hue-r57-mar"),
        event("ha-noi", "civil_registry_digitised", "2025-01-31", ratio(95, 100), event_id="hn-hotich-01"),
        event("ha-noi", "civil_registry_digitised", "2025-03-31", ratio(100, 100), event_id="hn-hotich-03"),
        event("hue", "civil_registry_digitised", "2025-02-28", ratio(80, 100), event_id="hue-hotich-02"),
        event("hue", "civil_registry_digitised", "2025-03-31", ratio(90, 100), event_id="hue-hotich-03"),
        event("lai-chau", "civil_registry_digitised", "2025-02-28", ratio(50, 100), event_id="lc-hotich-02",
              reporter=HTML_REPORTER),
        event("bo-cong-an", "essential_services", "2025-02-28", count(30), event_id="bca-dvc-02"),
        event("bo-tu-phap", "essential_services", "2025-02-28", count(14), event_id="btp-dvc-02"),
        event("bo-cong-an", "essential_services", "2025-06-30", count(40), event_id="bca-dvc-06"),
        event("ha-noi", "procedures_local_data", "2025-03-31", count(120), event_id="hn-tthc-03"),
        event("hue", "procedures_local_data", "2025-03-31", count(60), event_id="hue-tthc-03"),
        event("ha-noi", "procedures_local_data", "2025-09-30", count(200), event_id="hn-tthc-09"),
        # Second quarter: a count reported then withdrawn, and a mistyped rate corrected.
        event("bo-tu-phap", "procedures_vneid", "2025-05-31", count(17), event_id="btp-20250603-0007",
              reported_at="2025-06-03T16:05:00+07:00",
              reporter=("Trần Văn Minh", "Cục trưởng Cục Kiểm soát thủ tục hành chính")),
        event("bo-tu-phap", "procedures_vneid", "2025-05-31", kind="retraction", amends="btp-20250603-0007",
              event_id="btp-20250605-0001", reported_at="2025-06-05T10:00:00+07:00",
              reporter=("Trần Văn Minh", "Cục trưởng Cục Kiểm soát thủ tục hành chính")),
        event("ha-noi", RATE, _month_end(5), ratio(7_300, 10_000), kind="correction", amends="ha-noi-rate-05",
              event_id="hn-rate-05-fix", reported_at="2025-06-04T14:00:00+07:00",
              evidence="Văn bản 118/UBND-KSTTHC đính chính số liệu"),
    ]
    return out


def rejected() -> list[tuple[str, bytes, str | None]]:
    """(reason code, original bytes, agency id) of messages the unit tests record as
    dead letters: three sent in the second quarter, one that cannot be read."""
    def sent(agency: str, reported_at: str) -> bytes:
        d = event(agency, RATE, "2025-05-31", ratio(1, 2), reported_at=reported_at)
        return json.dumps(d, ensure_ascii=False).encode("utf-8")

    return [
        ("bad_signature", sent("ha-noi", "2025-05-02T10:00:00+07:00"), "ha-noi"),
        ("bad_signature", sent("hue", "2025-06-20T10:00:00+07:00"), "hue"),
        ("numerator_exceeds_denominator", sent("nghe-an", "2025-04-10T08:00:00+07:00"), "nghe-an"),
        ("bad_signature", sent("nghe-an", "2025-08-10T08:00:00+07:00"), "nghe-an"),
        ("not_json", b"{not json", None),
    ]
