"""The operator's view of the scorer through `tiendo` (click's CliRunner): real broker and
both databases."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from services.cli import main
from tests.factories import event_dict
from tests.integration.scorer_support import LedgerFeed


@pytest.fixture
def tiendo(env_for):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), env=env_for, catch_exceptions=False)

    return invoke


@pytest.fixture
def feed(settings):
    f = LedgerFeed(settings)
    yield f
    f.dispose()


def _count(agency, day, n, **kw):
    return event_dict(agency, "essential_services", observed_at=day, figure={"type": "count", "count": n}, **kw)


def _civil(agency, day, num, den):
    return event_dict(agency, "civil_registry_digitised", observed_at=day,
                      figure={"type": "ratio", "numerator": num, "denominator": den})


def test_run_show_national_ranking_and_alerts(tiendo, feed):
    feed.feed([_count("bo-cong-an", "2025-02-06", 54), _civil("ha-noi", "2025-03-01", 95, 100),
               _civil("hue", "2025-03-01", 100, 100)])
    r = tiendo("scorer", "run", "--until-idle", "--today", "2025-03-18", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["applied"] == 3

    r = tiendo("score", "national", "--target", "essential_services", "--json")
    out = json.loads(r.stdout)
    assert (out["as_of"], out["source"]) == ("2025-03-18", "projections")
    [ess] = out["targets"]
    assert (ess["value"], ess["completion_pct"], ess["name_vi"]) == (
        54.0, 71.05, "Dịch vụ công thiết yếu tích hợp trên Cổng Dịch vụ công quốc gia")

    r = tiendo("score", "show", "--agency", "bo-cong-an", "--target", "essential_services")
    assert r.exit_code == 0
    assert "Bộ Công an" in r.stdout and "54/76 dịch vụ" in r.stdout and "71,05%" in r.stdout

    r = tiendo("score", "show", "--target", "civil_registry_digitised", "--status", "met", "--json")
    assert [f["agency_id"] for f in json.loads(r.stdout)["figures"]] == ["hue"]

    r = tiendo("score", "national")
    assert "Số hóa dữ liệu hộ tịch" in r.stdout and "97,50% (195/200)" in r.stdout and "Khối địa phương" in r.stdout

    r = tiendo("score", "ranking", "--kind", "province", "--json")
    scores = json.loads(r.stdout)["scores"]
    assert scores[0]["agency_id"] == "hue" and scores[0]["rank"] == 1 and scores[0]["peers"] == 63
    assert scores[0]["agency_name_vi"] == "Thành phố Huế"

    r = tiendo("alerts", "list", "--target", "civil_registry_digitised", "--json")
    alerts = json.loads(r.stdout)["alerts"]
    # Alerts are an event log: one emitted before hue's figure was applied stays, so only
    # what holds whatever the batches: every alert is 30 days out, ha-noi's among them.
    assert {a["threshold"] for a in alerts} == {"30d"} and "ha-noi" in {a["agency_id"] for a in alerts}
    assert "quá hạn" in tiendo("alerts", "list", "--threshold", "overdue").stdout


def test_as_of_a_day_and_a_ledger_position_come_from_the_ledger(tiendo, feed):
    first = feed.append([_count("bo-cong-an", "2025-02-06", 54, event_id="feb")])
    feed.append([_count("bo-cong-an", "2025-03-18", 58, event_id="mar")])
    r = tiendo("score", "national", "--target", "essential_services", "--as-of", "2025-03-18", "--json")
    out = json.loads(r.stdout)
    assert (out["source"], out["at_seq"], out["targets"][0]["completion_pct"]) == ("ledger", 2, 76.32)
    assert out["targets"][0]["status"] == "on_track"
    r = tiendo("score", "national", "--target", "essential_services", "--as-of", "2025-03-18",
               "--at-seq", str(first[0].seq), "--json")
    assert json.loads(r.stdout)["targets"][0]["completion_pct"] == 71.05
    r = tiendo("score", "show", "--agency", "bo-cong-an", "--target", "essential_services", "--as-of", "2025-02-06",
               "--json")
    [fig] = json.loads(r.stdout)["figures"]
    assert (fig["value"], fig["source_event_id"], fig["status"], fig["status_vi"]) == (
        54.0, "feb", "on_track", "Đang thực hiện, trong hạn")  # one figure: where its path starts


def test_rebuild_prints_progress_to_stderr_and_equals_the_worker(tiendo, feed, settings):
    feed.feed([_civil("ha-noi", "2025-03-01", 95, 100), _civil("ha-giang", "2025-06-01", 50, 100),
               _civil("tuyen-quang", "2025-06-02", 30, 50)])
    assert tiendo("scorer", "run", "--until-idle", "--today", "2025-07-15").exit_code == 0
    by_worker = feed.store.projection_rows()
    r = tiendo("scorer", "rebuild", "--today", "2025-07-15", "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["entries"] == 3
    assert "Rebuilding projections" in r.stderr
    assert feed.store.projection_rows() == by_worker
    r = tiendo("score", "show", "--agency", "tuyen-quang-2025", "--target", "civil_registry_digitised")
    assert "⊕" in r.stdout and "53,33% (80/150)" in r.stdout and "Tỉnh Tuyên Quang" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("score", "show", "--agency", "khong-co"), "unknown agency 'khong-co'"),
        (("score", "show", "--target", "khong_co"), "unknown target 'khong_co'"),
        (("score", "show", "--agency", "ha-giang", "--as-of", "2025-08-01"),
         "ceased after 2025-06-30; its history is carried by Tỉnh Tuyên Quang (tuyen-quang-2025)"),
        (("score", "national", "--at-seq", "99"), "--at-seq 99 is past the ledger head (seq 0)"),
        (("score", "national"), "no projections yet"),
        (("score", "show", "--as-of", "2025-13-01"), "'2025-13-01' is not a valid day"),
        (("alerts", "list", "--agency", "khong-co"), "unknown agency"),
    ],
)
def test_errors_are_one_line(tiendo, feed, args, message):
    r = tiendo(*args)
    assert r.exit_code != 0
    assert message in r.stderr
    assert "Traceback" not in r.output
    assert len([line for line in r.stderr.splitlines() if line.startswith("Error: ")]) == 1


def test_every_command_has_help_with_an_example(tiendo):
    for cmd in (["scorer", "run"], ["scorer", "rebuild"], ["score", "show"], ["score", "national"],
                ["score", "ranking"], ["alerts", "list"]):
        r = tiendo(*cmd, "--help")
        assert r.exit_code == 0 and "Example" in r.stdout and "tiendo " in r.stdout, cmd


def test_tables_fit_the_terminal_and_a_pipe_gets_whole_rows(env_for, feed):
    """COLUMNS=100: no line wider than 100 characters (the national table, every target's
    long name in it, once printed 237-character rows); a pipe with no COLUMNS gets each
    row on one line, as scripts and grep want it."""
    feed.feed([_count("bo-cong-an", "2025-02-06", 54), _civil("ha-noi", "2025-03-01", 95, 100)])
    runner = CliRunner()
    assert runner.invoke(main, ["scorer", "run", "--until-idle", "--today", "2025-03-18"], env=env_for).exit_code == 0
    for args in (["score", "national"], ["score", "show"], ["score", "ranking"], ["alerts", "list"]):
        narrow = runner.invoke(main, args, env={**env_for, "COLUMNS": "100"}, catch_exceptions=False)
        assert narrow.exit_code == 0 and max(map(len, narrow.stdout.splitlines())) <= 100, (args, narrow.stdout)
    whole = runner.invoke(main, ["score", "national"], env={**env_for, "COLUMNS": None}).stdout.splitlines()
    [row] = [line for line in whole if line.startswith("essential_services ")]
    assert "54/76" in row and "Dịch vụ công thiết yếu" in row and max(map(len, whole)) > 100
