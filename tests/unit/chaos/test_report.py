"""docs/reliability.md as chaos/report.py writes it: the summary line is its last line and
adds up the runs; the document says what was run, where, when, how to rerun, and whether
it passed."""

from __future__ import annotations

import re
from collections import Counter

from chaos.check import Check, Verdict
from chaos.report import summary_line, write_report
from chaos.run import Run, parse
from chaos.scenarios import Result

SUMMARY = re.compile(r"^chaos: faults=\d+ sent=\d+ lost=\d+ duplicated=\d+ bad_inputs=\d+ bad_accepted=\d+$")


def _run(lost: int = 0) -> Run:
    run = Run(parse(["--pg-url", "postgresql+psycopg://tiendo:secret@127.0.0.1:5432/tiendo"]))
    crash = Verdict(sent=1000, valid=950, recorded=950 - lost, bad=30, lost_valid=lost,
                    projections_match=True, dead_letters=Counter({"bad_signature": 20, "not_json": 10}))
    outage = Verdict(sent=500, valid=480, recorded=480, bad=10, projections_match=True,
                     dead_letters=Counter({"bad_signature": 10}))
    run.results = [Result("crash", "postgresql", ["SIGKILL ingest"] * 3 + ["SIGKILL scorer"] * 3, crash, 12.0),
                   Result("broker outage", "sqlite", ["broker stopped 10 s"], outage, 8.0, [2.5])]
    run.tampering = [("sqlite", Check("edit", "an entry changed", "verify names entry seq=5", "seq=5: …", True))]
    forged = Check("revoked key", "a revoked key signs", "revoked_key", "revoked_key", True)
    run.access = [("sqlite", forged), ("sqlite", Check("agency text in html", "<script>", "escaped", "ok", True))]
    run.forged = [forged]
    run.access_sent = 4
    run.seconds = 120
    return run


def test_the_last_line_is_the_summary_and_adds_up_the_runs():
    text, line = write_report(_run())
    assert text.endswith(line + "\n") and text.splitlines()[-1] == line
    assert SUMMARY.match(line)
    assert line == "chaos: faults=8 sent=1504 lost=0 duplicated=0 bad_inputs=41 bad_accepted=0"


def test_an_auditor_reads_the_verdict_date_machine_totals_and_how_to_rerun():
    text, _ = write_report(_run())
    assert "**Result: passed.**" in text
    assert re.search(r"- date: finished \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "- machine: " in text and "## How to rerun" in text and "make chaos" in text
    assert "| **total** | | 7 | 1,500 | 1,430 | 1,430 | 0 | 0 | 40 | 0 |" in text
    assert "| `bad_signature` | 30 |" in text
    assert "secret" not in text, "the database password is starred out"
    assert "## How fault tests wait" in text and "never for a time" in text


def test_a_loss_fails_the_verdict():
    text, line = write_report(_run(lost=2))
    assert "**Result: FAILED.**" in text and " lost=2 " in line
    assert summary_line(_run(lost=2)) == line


def test_a_worker_that_exited_on_its_own_fails_the_run_and_is_listed():
    run = _run()
    run.results[1].unplanned_exits = {"ingest": [1], "scorer": []}
    text, _ = write_report(run)
    assert "**Result: FAILED.**" in text
    assert "- broker outage (sqlite): ingest exited on its own 1 time(s), exit codes [1]" in text
