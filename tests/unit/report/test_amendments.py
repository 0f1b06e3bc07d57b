"""The corrections section does not grow with the ledger: every correction and retraction
of the period is counted by target and by agency, only the most recent few dozen are
shown in full, and the report says how many more there are and how to list them."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from shared.domain.agencies import AgencyKind, agencies_on

from services.report import amendments
from services.report.build import ReportBuilder
from services.report.facts import Fact
from services.report.period import Period
from services.report.render import render_markdown
from services.report.view import build_view
from tests.unit.report.ledger import LedgerFile, event, ratio

RATE = "online_dossier_rate"
CUTOFF = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
Q2 = Period.parse("2025-Q2")


def fact(seq: int, agency: str = "ha-noi", target: str = RATE, kind: str = "correction",
         reported_on: date = date(2025, 6, 10)) -> Fact:
    return Fact(seq=seq, agency_id=agency, event_id=f"e{seq}", target_id=target, kind=kind,
                observed_at=date(2025, 5, 31), reported_on=reported_on, figure=None, amends=f"m{seq}",
                reporter_name="Nguyễn Thị Lan", reporter_role="Chánh Văn phòng", evidence=None)


def test_the_most_recent_are_listed_newest_first_ledger_order_breaking_ties():
    facts = [fact(seq, reported_on=date(2025, 6, 1 + seq % 20)) for seq in range(1, 101)]
    listed = amendments.most_recent(facts)
    assert len(listed) == amendments.MAX_LISTED
    keys = [(f.reported_on, f.seq) for f in listed]
    assert keys == sorted(((f.reported_on, f.seq) for f in facts), reverse=True)[:amendments.MAX_LISTED]
    assert amendments.most_recent(facts[:3]) == sorted(facts[:3], key=lambda f: (f.reported_on, f.seq),
                                                       reverse=True)


def test_the_summary_counts_every_one_by_target_and_names_only_the_agencies_that_sent_most():
    provinces = [a.id for a in agencies_on(date(2025, 6, 30), AgencyKind.PROVINCE)][:15]
    facts = []
    for i, agency in enumerate(provinces):  # the i-th province sends i + 1, one of them a retraction
        for j in range(i + 1):
            facts.append(fact(len(facts) + 1, agency, RATE if j % 2 else "essential_services",
                              "retraction" if j == 0 else "correction"))
    order = {a: i for i, a in enumerate(provinces)}
    summary = amendments.summarise(facts, {RATE: 0, "essential_services": 1}, order)
    assert (summary.total, summary.retractions, summary.corrections, summary.agencies) == \
        (len(facts), 15, len(facts) - 15, 15)
    assert [t.target_id for t in summary.by_target] == [RATE, "essential_services"]
    assert sum(t.corrections + t.retractions for t in summary.by_target) == len(facts)
    assert summary.by_target[1].agencies == 15 and summary.by_target[0].agencies == 14
    assert len(summary.by_agency) == amendments.MAX_AGENCIES
    assert [a.agency_id for a in summary.by_agency] == provinces[::-1][:amendments.MAX_AGENCIES]
    assert (summary.by_agency[0].corrections, summary.by_agency[0].retractions) == (14, 1)


def _ledger(path, provinces: list[str], per_province: int) -> ReportBuilder:
    """Each province reports its May rate ``per_province`` times (as if from as many
    systems) and corrects every one in June; one of them is retracted."""
    ledger = LedgerFile(path)
    for agency in provinces:
        sent = []
        for i in range(per_province):
            sent.append(event(agency, RATE, "2025-05-31", ratio(5_000 + i, 10_000), event_id=f"{agency}-m{i}",
                              reported_at="2025-06-02T09:00:00+07:00"))
        for i in range(per_province):
            kind = "retraction" if i == 0 else "correction"
            sent.append(event(agency, RATE, "2025-05-31", None if i == 0 else ratio(6_000 + i, 10_000), kind=kind,
                              amends=f"{agency}-m{i}", event_id=f"{agency}-c{i}",
                              reported_at=f"2025-06-{10 + i % 15:02d}T09:00:00+07:00"))
        ledger.append(*sent)
    ledger.backdate(datetime(2026, 1, 4, 9, 0, tzinfo=timezone.utc))
    return ReportBuilder(ledger.engine)


@pytest.fixture(scope="module")
def provinces() -> list[str]:
    return [a.id for a in agencies_on(date(2025, 6, 30), AgencyKind.PROVINCE)][:12]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_report_with_ten_times_the_corrections_is_no_longer(tmp_path, provinces, lang):
    small = _ledger(tmp_path / "small.db", provinces, 4)
    large = _ledger(tmp_path / "large.db", provinces, 40)
    texts = {}
    for name, builder in (("small", small), ("large", large)):
        report = builder.report(Q2, builder.cutoff_at(CUTOFF))
        texts[name] = render_markdown(build_view(report, lang, draw_charts=False))
        total = 4 * 12 if name == "small" else 40 * 12
        assert report.amendment_summary.total == total
        assert len(report.amendments) == amendments.MAX_LISTED
        assert report.amendment_summary.retractions == 12
        assert len(report.amendment_summary.by_agency) == amendments.MAX_AGENCIES
    small_lines, large_lines = texts["small"].splitlines(), texts["large"].splitlines()
    assert len(large_lines) == len(small_lines)
    # The figures block (one line) lists the same number of amendments too.
    assert len(texts["large"]) < 1.2 * len(texts["small"])
    command = "tiendo report amendments --period 2025-Q2 --cut-off 2026-01-05T09:00:00+00:00"
    assert command in texts["large"]
    more = 40 * 12 - amendments.MAX_LISTED
    more = f"{more} lượt khác không in ở đây" if lang == "vi" else f"{more} more are not printed"
    assert more in texts["large"]


def test_a_report_with_few_corrections_lists_them_all(tmp_path, provinces):
    builder = _ledger(tmp_path / "few.db", provinces[:2], 3)
    report = builder.report(Q2, builder.cutoff_at(CUTOFF))
    text = render_markdown(build_view(report, "vi", draw_charts=False))
    assert len(report.amendments) == report.amendment_summary.total == 6
    assert "Toàn bộ 6 lượt đính chính, thu hồi trong kỳ, mới nhất trước." in text
    body, appendix = text.split("PHỤ LỤC I.")
    assert "tiendo report amendments" not in body, "commands are technical material: the appendix's"
    assert "tiendo report amendments" in appendix
    newest = report.amendments[0]
    assert (newest.reported_on, newest.event_id) == (date(2025, 6, 12), f"{provinces[1]}-c2")
    assert newest.before == {"type": "ratio", "numerator": 5_002, "denominator": 10_000}


def test_the_amendments_command_lists_every_one_in_the_order_sent(tmp_path, provinces):
    builder = _ledger(tmp_path / "all.db", provinces, 40)
    cutoff = builder.cutoff_at(CUTOFF)
    listed = builder.amendments(Q2, cutoff)
    assert len(listed) == 40 * 12
    assert all(x.reported_on <= y.reported_on for x, y in zip(listed, listed[1:]))
    assert {a.event_id for a in builder.report(Q2, cutoff).amendments} <= {a.event_id for a in listed}
    withdrawn = [a for a in listed if a.kind == "retraction"]
    assert len(withdrawn) == 12 and all(a.after is None and a.before["numerator"] == 5_000 for a in withdrawn)
    assert builder.amendments(Period.parse("2025-Q3"), cutoff) == []
