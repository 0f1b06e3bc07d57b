"""`tiendo simulate --dry-run` through click's test runner (no broker, no database)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from click.testing import CliRunner

from services.cli import main
from services.simulate.trajectories import ANCHORS


def _run(*args: str):
    return CliRunner().invoke(main, ["simulate", *args])


def test_dry_run_writes_messages_and_expectations(tmp_path) -> None:
    out, expect = tmp_path / "events.jsonl", tmp_path / "expect" / "sim.json"
    result = _run("--dry-run", "--scale", "0.05", "--out", str(out), "--expectations", str(expect), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    expected = json.loads(expect.read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    assert summary["dry_run"] is True and summary["topic"] is None and summary["agencies"] == 114
    assert summary["messages"] == expected["messages"] == len(lines)
    assert summary["ledger"] == expected["ledger"]
    assert expected["ledger"]["events"] == sum(line["outcome"] == "recorded" for line in lines)
    assert expected["duplicates"] == sum(line["outcome"] == "duplicate" for line in lines)
    rejected = {r["sha256"]: r["reason_code"] for r in expected["rejected"]}
    assert len(rejected) == expected["dead_letters"]["count"] == len(expected["rejected"])
    for r in expected["rejected"]:
        assert hashlib.sha256(base64.b64decode(r["original_b64"])).hexdigest() == r["sha256"]
    sent_bad = {}
    for line in lines:
        if line["outcome"] == "rejected":
            value = line["value"].encode("utf-8") if "value" in line else base64.b64decode(line["value_b64"])
            sent_bad[hashlib.sha256(value).hexdigest()] = line["reason_code"]
    assert sent_bad == rejected
    assert {(a["on"], a["value"], a["total"]) for a in expected["anchors"]} == {
        (a.on.isoformat(), str(a.value), a.total) for a in ANCHORS}
    assert expected["silences"]


def test_dry_run_is_reproducible_byte_for_byte(tmp_path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path in (first, second):
        assert _run("--dry-run", "--scale", "0.05", "--seed", "11", "--out", str(path)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_human_output_says_what_must_happen() -> None:
    result = _run("--dry-run", "--scale", "0.05", "--until", "2025-03-15")
    assert result.exit_code == 0, result.output
    assert "until 2025-03-15" in result.output and "nothing (dry run)" in result.output
    assert "ledger must gain" in result.output and "bad events for the dead letters" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--year", "2024"], "no trajectories for 2024"),
    (["--scale", "0"], "scale must be above 0"),
    (["--scale", "5000"], "at most 1000"),
    (["--until", "2999-01-01"], "is after today"),
    (["--until", "2024-12-30"], "before the baseline of the simulated year"),
])
def test_bad_options_are_one_line_errors(args, message) -> None:
    result = _run("--dry-run", *args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_help_has_an_example() -> None:
    result = _run("--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output and "tiendo simulate --expectations" in result.output
