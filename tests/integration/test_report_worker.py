"""`report run`: the scheduled reports are built once each, signed, recorded and announced
on the reports topic with the Merkle proof of their cut-off; a worker that stopped
half-way finishes the same report; a report whose cut-off no signed head covers yet waits
for one."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from shared.db.report_queries import ReportStore

from services.cli import main
from services.report.build import ReportBuilder, utc_now
from tests.factories import signed_bytes
from tests.integration.pipeline import Pipeline
from tests.unit.report.ledger import event, ratio


def run(env, today: str, since: str = "2025-06") -> dict:
    """`tiendo report run --once` as if it were ``today``."""
    result = CliRunner(env=env).invoke(main, ["report", "run", "--once", "--since", since, "--today", today,
                                              "--format", "md", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_due_reports_are_built_recorded_and_announced_exactly_once(settings, env_for):
    p = Pipeline(settings)
    key = p.issue_key("ha-noi")
    p.publish([("ha-noi", signed_bytes(event("ha-noi", "online_dossier_rate", f"2025-0{m}-28", ratio(60 + m, 100)),
                                       key)) for m in (5, 6, 7)])
    p.ingest()

    assert run(env_for, "2025-06-30") == {"built": [], "resumed": [], "announced": 0, "waiting": []}
    first = run(env_for, "2025-07-01")
    assert first == {"built": ["2025-06/vi", "2025-Q2/vi"], "resumed": [], "announced": 2, "waiting": []}
    again = run(env_for, "2025-07-01")
    assert again == {"built": [], "resumed": [], "announced": 0, "waiting": []}

    records = ReportStore(p.engine).all()
    assert [(r.period, r.lang) for r in records] == [("2025-06", "vi"), ("2025-Q2", "vi")]
    assert all(r.built_at and r.published_at and r.cutoff_seq == 3 for r in records)
    # One partition per period key: the order across partitions is the report ids'.
    messages = sorted((json.loads(m.value) for m in p.broker.read_all(settings.topics.reports)),
                      key=lambda m: m["report_id"])
    assert [(m["period"], m["kind"], m["as_of"]) for m in messages] == \
        [("2025-06", "month", "2025-06-30"), ("2025-Q2", "quarter", "2025-06-30")]
    md = records[1].files["md"]
    assert md["path"].endswith("reports/tiendo-2025-Q2-vi.md")
    assert md["sha256"] == messages[1]["files"]["md"]["sha256"]
    assert md["signature"] == md["path"] + ".sig"
    # The announcement carries the proof the report carries: three entries under the head of three.
    tree = messages[1]["cutoff"]["tree"]
    assert (tree["size"], tree["head"]["tree_size"], tree["consistency"]) == (3, 3, [])
    assert tree == records[1].tree
    checked = CliRunner(env=env_for).invoke(main, ["report", "verify", md["path"]])
    assert checked.exit_code == 0 and "signed by the reports key" in checked.output, checked.output
    p.dispose()


def test_a_worker_that_stopped_after_claiming_builds_the_same_report_on_restart(settings, env_for):
    p = Pipeline(settings)
    key = p.issue_key("hue")
    p.publish([("hue", signed_bytes(event("hue", "online_dossier_rate", "2025-05-31", ratio(70, 100)), key))])
    p.ingest()
    builder = ReportBuilder(p.engine)
    cutoff = builder.cutoff_at(utc_now())
    # A worker claimed May's report with this cut-off, then died before writing it.
    ReportStore(p.engine).claim("2025-05", "vi", cutoff.at, cutoff.seq, cutoff.dead_letter_id)
    p.publish([("hue", signed_bytes(event("hue", "online_dossier_rate", "2025-05-31", ratio(90, 100)), key))])
    p.ingest()
    assert p.ledger.head_seq() == cutoff.seq + 1

    result = run(env_for, "2025-06-01", since="2025-05")
    assert result == {"built": [], "resumed": ["2025-05/vi"], "announced": 1, "waiting": []}
    may = ReportStore(p.engine).all()[0]
    text = open(may.files["md"]["path"], encoding="utf-8").read()
    block = json.loads(re.search(r"<!-- tiendo-report-figures\n(.*)\n-->", text, re.S).group(1))
    assert block["report"]["cutoff"]["seq"] == cutoff.seq, "the claimed cut-off, not the ledger's head now"
    # The claimed entry, proven by the first head that covers it (not the newest, which covers the later one).
    assert (may.cutoff_seq, may.tree["size"], may.tree["head"]["tree_size"]) == (cutoff.seq, 1, 1)
    assert block["report"]["cutoff"]["tree"] == may.tree
    p.dispose()


def test_a_report_whose_cut_off_no_signed_head_covers_waits_for_one(settings, env_for):
    p = Pipeline(settings)
    key = p.issue_key("hue")
    p.publish([("hue", signed_bytes(event("hue", "online_dossier_rate", "2025-05-31", ratio(70, 100)), key))])
    p.ingest(heads=None)  # an ingest worker that signs no head

    waiting = run(env_for, "2025-06-01", since="2025-05")
    assert waiting == {"built": [], "resumed": [], "announced": 0, "waiting": ["2025-05/vi"]}
    assert [(r.period, r.built_at, r.tree) for r in ReportStore(p.engine).all()] == [("2025-05", None, None)]
    again = run(env_for, "2025-06-01", since="2025-05")
    assert again["waiting"] == ["2025-05/vi"] and again["resumed"] == []

    p.ingest()  # signs a head once caught up
    done = run(env_for, "2025-06-01", since="2025-05")
    assert done == {"built": [], "resumed": ["2025-05/vi"], "announced": 1, "waiting": []}
    assert ReportStore(p.engine).all()[0].tree["head"]["tree_size"] == 1
    p.dispose()
