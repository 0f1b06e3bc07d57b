"""The JSON convention (docs/cli.md), checked on what the commands that need no broker
print from a real SQLite database: one object, snake_case keys, lists under a named key,
every instant in ISO 8601 with its offset."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from click.testing import CliRunner

from services.cli import main

SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _check(value, where="$"):
    """Every key snake_case, every instant with an offset."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert SNAKE.fullmatch(key), f"{where}.{key}"
            _check(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{where}[{i}]")
    elif isinstance(value, str) and INSTANT.match(value):
        assert datetime.fromisoformat(value).utcoffset() is not None, f"{where}: {value!r} has no offset"


@pytest.fixture(scope="module")
def tiendo(tmp_path_factory):
    root = tmp_path_factory.mktemp("json")
    env = {"DATABASE_URL": f"sqlite:///{root / 't.db'}", "TIENDO_DATA_DIR": str(root)}
    runner = CliRunner()

    def run(*args: str) -> dict:
        result = runner.invoke(main, [*args, "--json"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
        out = json.loads(result.stdout)
        assert isinstance(out, dict), f"{args}: not one object"
        _check(out)
        return out

    made = run("agency", "key", "new", "--agency", "ha-noi", "--out", str(root / "keys"))
    run("agency", "key", "register", "ha-noi", "--public-key", made["public_key_file"], "--valid-from", "2025-01-01")
    run("web", "subscription", "add", "--email", "lanh.dao@chinhphu.vn", "--role", "leadership")
    return run


@pytest.mark.parametrize(("args", "key"), [
    (("catalogue", "targets"), "targets"),
    (("catalogue", "agencies"), "agencies"),
    (("agency", "key", "list"), "key_events"),
    (("dlq", "list"), "dead_letters"),
    (("alerts", "list"), "alerts"),
    (("report", "list"), "reports"),
    (("web", "user", "list"), "users"),
    (("web", "subscription", "list"), "subscriptions"),
    (("web", "delivery", "list"), "deliveries"),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else v)
def test_a_list_is_under_its_key(tiendo, args, key):
    assert isinstance(tiendo(*args)[key], list)


def test_instants_carry_their_offset(tiendo):
    [event] = tiendo("agency", "key", "list")["key_events"]
    assert event["effective_at"] == "2024-12-31T17:00:00+00:00"  # 2025-01-01 in Vietnam, in UTC
    assert datetime.fromisoformat(event["recorded_at"]).utcoffset().total_seconds() == 0
    [sub] = tiendo("web", "subscription", "list")["subscriptions"]
    assert sub["created_at"].endswith("+00:00")
