"""`report verify`: a report matches the ledger it came from, and an edit to its numbers,
to its text or to the ledger below its cut-off is caught."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from sqlalchemy import text

from services.report.build import ReportBuilder, write_report
from services.report.figures import NotAReport
from services.report.period import Period
from services.report.verify import verify_file
from tests.unit.report.conftest import CUTOFF, write_dataset
from tests.unit.report.ledger import LedgerFile, event, ratio


@pytest.fixture
def ledger(tmp_path):
    """A ledger of its own, for a test that changes it."""
    lg = LedgerFile(tmp_path / "ledger.db")
    write_dataset(lg)
    yield lg
    lg.engine.dispose()


@pytest.fixture(scope="module")
def originals(builder, tmp_path_factory):
    """The Q2 report built once from the module's known ledger (never changed)."""
    report = builder.report(Period.parse("2025-Q2"), builder.cutoff_at(CUTOFF))
    return write_report(report, "vi", ["md", "html"], tmp_path_factory.mktemp("reports"))


@pytest.fixture
def written(builder, originals, tmp_path):
    """Copies of the report files a test may edit."""
    copies = {}
    for fmt, f in originals.items():
        copies[fmt] = tmp_path / f.path.name
        shutil.copyfile(f.path, copies[fmt])
    return builder, copies


def _own_report(ledger, tmp_path):
    builder = ReportBuilder(ledger.engine)
    report = builder.report(Period.parse("2025-Q2"), builder.cutoff_at(CUTOFF))
    return builder, write_report(report, "vi", ["md"], tmp_path / "out")["md"].path


def test_an_untouched_report_matches(written):
    builder, files = written
    for fmt in ("md", "html"):
        verdict = verify_file(builder, files[fmt])
        assert verdict.matches, verdict.problems
        assert (verdict.format, verdict.period, verdict.lang) == (fmt, "2025-Q2", "vi")


def test_a_number_edited_in_the_text_is_caught(written):
    builder, files = written
    path = files["md"]
    original = path.read_text(encoding="utf-8")
    # The first target's national figure in the summary table, whatever it is.
    row = re.search(r"^\| 1 \| (?:[^|]+\| ){3}([0-9]+,[0-9] %) \|", original, re.M)
    shown = row.group(1)
    edited = original.replace(row.group(0), row.group(0).replace(shown, "99,9 %"), 1)
    path.write_text(edited, encoding="utf-8")
    verdict = verify_file(builder, path)
    assert not verdict.matches
    assert "99,9 %" in verdict.problems[0] and shown in verdict.problems[0]


def test_a_number_edited_in_the_figures_block_is_caught(written):
    builder, files = written
    path = files["html"]
    html = path.read_text(encoding="utf-8")
    edited = re.sub(r'("completion":)([0-9.]+)', r"\g<1>0.123", html, count=1)
    assert edited != html
    path.write_text(edited, encoding="utf-8")
    verdict = verify_file(builder, path)
    assert not verdict.matches
    assert any("completion" in p and "0.123" in p for p in verdict.problems), verdict.problems


def test_later_entries_do_not_change_a_report_with_an_earlier_cut_off(ledger, tmp_path):
    builder, path = _own_report(ledger, tmp_path)
    ledger.append(event("ha-noi", "online_dossier_rate", "2025-06-30", ratio(9_999, 10_000), kind="measurement",
                        event_id="late-june-figure"))
    assert verify_file(builder, path).matches


def test_a_ledger_edited_below_the_cut_off_is_caught(ledger, tmp_path):
    builder, path = _own_report(ledger, tmp_path)
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET payload = replace(payload, '7250', '9250') "
                          "WHERE event_id = 'ha-noi-rate-05'"))
    verdict = verify_file(builder, path)
    assert not verdict.matches
    assert "altered below the cut-off" in verdict.problems[0] and "ha-noi" in verdict.problems[0]


def test_a_file_that_is_not_a_report_is_refused(tmp_path, builder):
    path = tmp_path / "notes.md"
    path.write_text("# notes\n", encoding="utf-8")
    with pytest.raises(NotAReport, match="no Tiến độ figures block"):
        verify_file(builder, path)
    bad = tmp_path / "bad.md"
    bad.write_text("<!-- tiendo-report-figures\n" + json.dumps({"format": "other"}) + "\n-->\n", encoding="utf-8")
    with pytest.raises(NotAReport, match="unknown figures format"):
        verify_file(builder, bad)
