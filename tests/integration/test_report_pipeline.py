"""The report on a ledger built through the real broker and ingest, on SQLite and
PostgreSQL: every section's numbers are the scorer's projections, a rebuild is
byte-identical, `report verify` catches an edit, and the quarters list 63 and 34
provinces."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from shared.db.dead_letters import DeadLetterStore
from shared.db.projections import ScorerStore
from shared.scoring.projector import Projector

from services.cli import main
from services.scorer.replay import rebuild
from tests.factories import signed_bytes
from tests.integration.pipeline import Pipeline
from tests.unit.report import dataset
from tests.unit.report.ledger import event, ratio


@pytest.fixture
def pipeline(settings):
    """The known data set, signed and sent through the broker, and ingested; plus a
    tampered event (bad signature), an unsigned one and bytes that are not JSON."""
    p = Pipeline(settings)
    events = dataset.events()
    keys = {a: p.issue_key(a) for a in sorted({e["agency_id"] for e in events})}
    messages = [(e["agency_id"], signed_bytes(e, keys[e["agency_id"]])) for e in events]
    tampered = signed_bytes(event("hue", dataset.RATE, "2025-05-31", ratio(1, 2),
                                          reported_at="2025-06-20T10:00:00+07:00"), keys["hue"])
    unsigned = json.dumps(event("nghe-an", dataset.RATE, "2025-04-30", ratio(1, 2),
                                        reported_at="2025-05-02T10:00:00+07:00"), ensure_ascii=False).encode()
    messages += [("hue", tampered.replace(b'"numerator":1', b'"numerator":2')), ("nghe-an", unsigned),
                 ("ha-noi", b"{not json")]
    p.publish(messages)
    p.ingest()
    yield p
    p.dispose()


def tiendo(env, *args):
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def build(env, out, period, *extra, formats="md"):
    result = tiendo(env, "report", "build", "--period", period, "--format", formats, "--out", str(out), "--json",
                    *extra)
    return json.loads(result.stdout)


def figures(path) -> dict:
    text = open(path, encoding="utf-8").read()
    return json.loads(re.search(r"<!-- tiendo-report-figures\n(.*)\n-->", text, re.S).group(1))["report"]


def test_the_reports_are_the_scorers_figures_from_the_real_pipeline(pipeline, env_for, tmp_path):
    assert {d.reason_code for d in DeadLetterStore(pipeline.engine).list()} == \
        {"bad_signature", "missing_signature", "not_json"}
    built = build(env_for, tmp_path, "2025-Q2")
    assert built["cutoff"]["seq"] == pipeline.ledger.head_seq() == len(dataset.events())
    report = figures(built["files"]["md"]["path"])

    rebuild(ScorerStore(pipeline.engine), pipeline.ledger, Projector(), date(2025, 6, 30))
    rows = ScorerStore(pipeline.engine).projection_rows()
    national = {(r["target_id"], r["block"]): r for r in rows["national_figures"]}
    assert {(line["target_id"], line["block"]) for line in report["targets"]} == set(national)
    for line in report["targets"]:
        row = national[(line["target_id"], line["block"])]
        assert (line["value"], line["completion"], line["status"], line["reporting"]) == \
            (row["value"], row["completion"], row["status"], row["reporting"])
    late = {(r["agency_id"], r["target_id"]): r["status"] for r in rows["agency_target_values"]
            if r["status"] in ("overdue", "at_risk")}
    assert {(t["agency_id"], t["target_id"]): t["status"] for t in report["late"]} == late
    scores = {r["agency_id"]: (r["rank"], r["score"]) for r in rows["agency_scores"]}
    assert {s["agency_id"]: (s["rank"], s["score"]) for s in report["provinces"] + report["ministries"]} == scores
    # Dated by reported_at: the tampered and the unsigned events were sent in the quarter;
    # the unreadable message is dated by its rejection (today), outside it.
    assert report["rejections"] == {"bad_signature": 1, "missing_signature": 1}
    assert {a["event_id"] for a in report["amendments"]} == {"btp-20250605-0001", "hn-rate-05-fix"}

    # The first quarter lists the 63 provinces of the time, the fourth the 34 after the mergers.
    q1 = build(env_for, tmp_path, "2025-Q1")
    q4 = build(env_for, tmp_path, "2025-Q4")
    assert len(figures(q1["files"]["md"]["path"])["provinces"]) == 63
    assert len(figures(q4["files"]["md"]["path"])["provinces"]) == 34
    assert "### 2. Khối địa phương (63 tỉnh, thành phố)" in open(q1["files"]["md"]["path"], encoding="utf-8").read()
    q4_text = open(q4["files"]["md"]["path"], encoding="utf-8").read()
    assert "### 2. Khối địa phương (34 tỉnh, thành phố)" in q4_text
    assert "Hà Giang" not in q4_text.split("## IV.")[1].split("## V.")[0]


def test_a_rebuild_is_identical_and_verify_catches_an_edit(pipeline, env_for, tmp_path):
    first = build(env_for, tmp_path / "a", "2025-06", formats="md,html")
    cut_off = first["cutoff"]["at"]
    pipeline.publish([("ha-noi", signed_bytes(event("ha-noi", dataset.RATE, "2025-06-30",
                                                            ratio(1, 10_000), event_id="after-cut-off"),
                                              pipeline.issue_key("ha-noi")))])
    pipeline.ingest(replay_clock=False)  # recorded now, after the first build's cut-off
    second = build(env_for, tmp_path / "b", "2025-06", "--cut-off", cut_off, formats="md,html")
    for fmt in ("md", "html"):
        assert open(first["files"][fmt]["path"], "rb").read() == open(second["files"][fmt]["path"], "rb").read()
    assert tiendo(env_for, "report", "verify", first["files"]["html"]["path"]).output.count("matches the ledger")

    md = first["files"]["md"]["path"]
    text = open(md, encoding="utf-8").read()
    edited = re.sub(r"(\| 1 \| [^|]+\| [^|]+\| [^|]+\| )([0-9]+,[0-9]%)", r"\g<1>99,9%", text, count=1)
    assert edited != text
    open(md, "w", encoding="utf-8").write(edited)
    result = CliRunner(env=env_for).invoke(main, ["report", "verify", md])
    assert result.exit_code == 1 and "99,9%" in result.output


def test_reports_read_the_scorers_snapshots_and_the_ledger_fold_gives_the_same_bytes(pipeline, env_for, tmp_path):
    folded = build(env_for, tmp_path / "fold", "2025-Q2", formats="md,html")
    assert folded["figures_from"] == "ledger"  # no scorer has run: nothing else to read

    tiendo(env_for, "scorer", "run", "--until-idle", "--today", "2026-01-05")
    from_snapshots = build(env_for, tmp_path / "snap", "2025-Q2", formats="md,html")
    assert from_snapshots["figures_from"] == "snapshots"
    assert from_snapshots["cutoff"]["seq"] == folded["cutoff"]["seq"]
    for fmt in ("md", "html"):
        assert open(folded["files"][fmt]["path"], "rb").read() == \
            open(from_snapshots["files"][fmt]["path"], "rb").read()
    # `report verify` folds the ledger itself and finds the same report.
    assert "matches the ledger" in tiendo(env_for, "report", "verify", from_snapshots["files"]["md"]["path"]).output

    # An as-of query on a month end reads the snapshot, and says so; a day that is no
    # snapshot is folded from the ledger; both agree with the fold.
    snap = json.loads(tiendo(env_for, "score", "national", "--as-of", "2025-06-30", "--json").stdout)
    fold = json.loads(tiendo(env_for, "score", "national", "--as-of", "2025-06-30", "--at-seq",
                             str(pipeline.ledger.head_seq() - 1), "--json").stdout)
    assert snap["source"] == "snapshot" and fold["source"] == "ledger"
    mid = json.loads(tiendo(env_for, "score", "national", "--as-of", "2025-06-29", "--json").stdout)
    assert mid["source"] == "ledger"
    rebuilt = ScorerStore(pipeline.engine)
    rebuild(rebuilt, pipeline.ledger, Projector(), date(2025, 6, 30))
    assert snap["targets"] == [t for t in json.loads(tiendo(env_for, "score", "national", "--json").stdout)["targets"]]

    # A figure arriving after the build leaves the snapshots behind the ledger until the
    # scorer takes it in: the report then folds the ledger rather than show stale figures.
    pipeline.publish([("ha-noi", signed_bytes(event("ha-noi", dataset.RATE, "2025-06-30", ratio(1, 10_000),
                                                    event_id="late-june"), pipeline.issue_key("ha-noi")))])
    pipeline.ingest(replay_clock=False)
    behind = build(env_for, tmp_path / "behind", "2025-Q2")
    assert behind["figures_from"] == "ledger"
    tiendo(env_for, "scorer", "run", "--until-idle", "--today", "2026-01-05")
    caught_up = build(env_for, tmp_path / "caught-up", "2025-Q2")
    assert caught_up["figures_from"] == "snapshots"
    assert open(behind["files"]["md"]["path"], "rb").read() == open(caught_up["files"]["md"]["path"], "rb").read()
