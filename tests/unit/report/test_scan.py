"""The period's activity a report reads from the ledger: who sent anything during the
period and which corrections and retractions, dated by when ingest recorded them in
Vietnam (a real SQLite ledger: the queries are the thing under test)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from shared.db.report_queries import ReportQueries

from services.report.period import Period
from services.report.scan import amending_in, period_instants
from tests.unit.report.ledger import LedgerFile, event, ratio

RATE = "online_dossier_rate"
Q2 = Period.parse("2025-Q2")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def ledger(tmp_path):
    lf = LedgerFile(tmp_path / "ledger.db")
    yield lf
    lf.engine.dispose()


def activity(ledger: LedgerFile, period: Period, upto: int):
    queries = ReportQueries(ledger.engine)
    start, end = period_instants(period)
    return queries.agencies_recorded(start, end, upto), amending_in(queries.amending_entries(upto), period)


def test_activity_is_dated_by_when_it_was_recorded_in_vietnam(ledger):
    # Recorded 31 March 23:30 in Vietnam: the first quarter's; its correction the third's.
    ledger.append(event("ha-noi", RATE, "2025-03-31", ratio(1, 2), event_id="a",
                        reported_at="2025-03-31T23:30:00+07:00"))
    # 31 March 18:00 UTC is 1 April 01:00 in Vietnam: in the quarter.
    ledger.append(event("hue", RATE, "2025-03-31", ratio(1, 2), event_id="b", reported_at="2025-03-31T18:00:00Z"))
    ledger.append(event("ha-noi", RATE, "2025-03-31", ratio(2, 3), kind="correction", amends="a", event_id="c",
                        reported_at="2025-07-01T08:00:00+07:00"))
    ledger.append(event("nghe-an", RATE, "2025-03-31", ratio(1, 3), event_id="d",
                        reported_at="2025-04-03T08:00:00+07:00"))
    ledger.append(event("nghe-an", RATE, "2025-03-31", kind="retraction", amends="d", event_id="e",
                        reported_at="2025-06-30T23:59:00+07:00"))
    reported, amending = activity(ledger, Q2, 5)
    assert reported == {"hue", "nghe-an"}
    assert [(f.event_id, f.kind, f.reported_on) for f in amending] == [("e", "retraction", date(2025, 6, 30))]
    # Up to an earlier position the later entries do not count.
    reported, amending = activity(ledger, Q2, 2)
    assert reported == {"hue"} and amending == ()


def test_activity_is_dated_by_when_ingest_recorded_it_not_by_a_backdated_reported_at(ledger):
    ledger.append(event("ha-noi", RATE, "2025-03-31", ratio(1, 2), event_id="a",
                        reported_at="2025-04-02T08:00:00+07:00"), recorded_at=at("2025-07-03T08:00:00+07:00"))
    # Claims to have been sent in June; arrived in July: it is the third quarter's.
    ledger.append(event("ha-noi", RATE, "2025-03-31", ratio(2, 3), kind="correction", amends="a", event_id="c",
                        reported_at="2025-06-30T08:00:00+07:00"), recorded_at=at("2025-07-03T08:00:00+07:00"))
    ledger.append(event("hue", RATE, "2025-03-31", ratio(1, 2), event_id="h", reported_at="2025-06-29T08:00:00+07:00"),
                  recorded_at=at("2025-07-03T08:00:00+07:00"))
    reported, amending = activity(ledger, Q2, 3)
    assert reported == set() and amending == ()
    reported, amending = activity(ledger, Period.parse("2025-Q3"), 3)
    assert reported == {"ha-noi", "hue"} and [f.event_id for f in amending] == ["c"]
