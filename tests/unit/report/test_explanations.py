"""The late-task table carries the agency's latest explanation (giải trình) recorded up to
the report's cut-off, and flags a committed completion date that has passed."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from services.report.assemble import committed_passed
from services.report.build import ReportBuilder
from services.report.model import plain
from services.report.period import Period
from tests.unit.report.ledger import LedgerFile, event, ratio

AGENCY, TARGET = "lai-chau", "civil_registry_digitised"  # a province task due 31/03/2025


def _explanation(observed_at: str, committed_on: str, cause: str) -> dict:
    d = event(AGENCY, TARGET, observed_at, kind="explanation", reported_at=f"{observed_at}T10:00:00+07:00")
    d["explanation"] = {"cause": cause, "action": "Bổ sung nhân lực số hóa sổ hộ tịch", "committed_on": committed_on}
    return d


@pytest.mark.parametrize(("committed_on", "as_of", "status", "passed"), [
    (date(2025, 5, 31), date(2025, 6, 30), "overdue", True),
    (date(2025, 6, 29), date(2025, 6, 30), "at_risk", True),
    (date(2025, 6, 30), date(2025, 6, 30), "overdue", False),  # the committed day itself has not passed
    (date(2025, 9, 30), date(2025, 6, 30), "overdue", False),
    (date(2025, 5, 31), date(2025, 6, 30), "met", False),  # kept, late or not
    (date(2025, 5, 31), date(2025, 6, 30), "met_late", False),
])
def test_a_committed_date_has_passed_when_it_is_before_the_day_and_the_task_is_not_met(
        committed_on, as_of, status, passed) -> None:
    assert committed_passed(committed_on, as_of, status) is passed


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> LedgerFile:
    ledger = LedgerFile(tmp_path_factory.mktemp("explanations") / "ledger.db")
    ledger.append(event(AGENCY, TARGET, "2025-03-31", ratio(40, 100)))
    ledger.append(_explanation("2025-04-10", "2025-05-31", "Thiếu nhân lực số hóa"))
    ledger.append(_explanation("2025-08-05", "2025-09-30", "Kinh phí bố trí chậm"))
    yield ledger
    ledger.engine.dispose()


def _late(ledger: LedgerFile, period: str, cutoff: datetime):
    builder = ReportBuilder(ledger.engine)
    report = builder.report(Period.parse(period), builder.cutoff_at(cutoff))
    return {(t.agency_id, t.target_id): t for t in report.late}[(AGENCY, TARGET)]


def test_no_explanation_before_one_is_recorded(ledger) -> None:
    task = _late(ledger, "2025-Q1", datetime(2025, 4, 5, tzinfo=timezone.utc))
    assert task.explanation is None  # the explanation of 10/04 was recorded after the cut-off


def test_the_latest_explanation_up_to_the_cutoff_and_its_passed_commitment(ledger) -> None:
    task = _late(ledger, "2025-Q2", datetime(2025, 7, 5, tzinfo=timezone.utc))
    e = task.explanation
    assert (e.cause, e.committed_on, e.observed_at) == ("Thiếu nhân lực số hóa", date(2025, 5, 31), date(2025, 4, 10))
    assert e.committed_passed  # 31/05 is before 30/06 and the task is still overdue
    assert plain(task)["explanation"]["committed_on"] == "2025-05-31"


def test_a_newer_explanation_supersedes_the_earlier(ledger) -> None:
    on_the_day = _late(ledger, "2025-Q3", datetime(2025, 10, 5, tzinfo=timezone.utc)).explanation
    assert (on_the_day.cause, on_the_day.committed_on, on_the_day.committed_passed) == (
        "Kinh phí bố trí chậm", date(2025, 9, 30), False)  # due 30/09: the Q3 report's own day
    year_end = _late(ledger, "2025", datetime(2026, 1, 5, tzinfo=timezone.utc)).explanation
    assert (year_end.event_id, year_end.committed_passed) == (on_the_day.event_id, True)
    # Built after the newer one was given, the Q2 report still quotes the one given by its
    # last day: it uses nothing known only after the quarter.
    early = _late(ledger, "2025-Q2", datetime(2025, 8, 20, tzinfo=timezone.utc))
    assert (early.explanation.cause, early.explanation.committed_passed) == ("Thiếu nhân lực số hóa", True)
