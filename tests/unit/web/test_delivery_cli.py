"""`tiendo web subscription …` and `tiendo web delivery …` over a SQLite database: the
subscriptions, and the delivery record as operators read it."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from shared.db.deliveries import DeliveryStore
from shared.db.engine import make_engine, migrate
from shared.db.report_queries import ReportStore

from services.cli import main


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{path / 'tiendo.db'}"
    migrate(url)
    return path, url


@pytest.fixture
def tiendo(database):
    path, url = database
    engine = make_engine(url)
    with engine.begin() as conn:  # each test starts from no subscription, report or delivery
        for table in ("report_deliveries", "report_subscriptions", "reports"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    engine.dispose()
    env = {"TIENDO_DATA_DIR": str(path), "DATABASE_URL": url}

    def run(*args: str, code: int = 0) -> str:
        result = CliRunner(env=env).invoke(main, list(args))
        assert result.exit_code == code, result.output
        return result.output

    run.url = env["DATABASE_URL"]
    return run


def test_subscriptions_are_added_listed_and_removed(tiendo):
    assert "subscription 1: lanh.dao@chinhphu.vn (leadership, vi)" in tiendo(
        "web", "subscription", "add", "--email", "lanh.dao@chinhphu.vn", "--role", "leadership")
    tiendo("web", "subscription", "add", "--email", "vanphong@hanoi.gov.vn", "--agency", "ha-noi", "--lang", "en")
    assert "subscribed already" in tiendo("web", "subscription", "add", "--email", "vanphong@hanoi.gov.vn",
                                          "--role", "auditor", code=1)
    assert "give --role or --agency" in tiendo("web", "subscription", "add", "--email", "a@b.vn", code=2)
    assert "unknown agency" in tiendo("web", "subscription", "add", "--email", "a@b.vn", "--agency", "x", code=2)
    assert "not an e-mail address" in tiendo("web", "subscription", "add", "--email", "a@b", "--role", "auditor",
                                             code=2)
    listed = json.loads(tiendo("web", "subscription", "list", "--json"))["subscriptions"]
    assert [(s["email"], s["role"], s["agency_id"], s["lang"]) for s in listed] == [
        ("lanh.dao@chinhphu.vn", "leadership", None, "vi"), ("vanphong@hanoi.gov.vn", None, "ha-noi", "en")]
    tiendo("web", "subscription", "remove", "2")
    assert "no subscription 2" in tiendo("web", "subscription", "remove", "2", code=1)
    assert "vanphong" not in tiendo("web", "subscription", "list")


def test_operators_read_the_delivery_record_and_retry_failed_ones(tiendo, tmp_path):
    tiendo("web", "subscription", "add", "--email", "lanh.dao@chinhphu.vn", "--role", "leadership")
    engine = make_engine(tiendo.url)
    reports, deliveries = ReportStore(engine), DeliveryStore(engine)
    record = reports.claim("2025-Q2", "vi", datetime(2025, 7, 1, tzinfo=timezone.utc), 10, 0)
    reports.mark_built(record.id, {"pdf": {"path": str(tmp_path / "r.pdf"), "sha256": "0" * 64}}, None)
    now = datetime.now(timezone.utc)
    assert deliveries.schedule(now) == 1
    [due] = deliveries.due(now)
    deliveries.claim(due, now)
    deliveries.mark_failed(due.id, "550 5.7.1 Message rejected by policy", None)
    engine.dispose()

    listed = tiendo("web", "delivery", "list")
    assert "2025-Q2/vi" in listed and "failed: 550 5.7.1 Message rejected by policy (given up)" in listed
    [row] = json.loads(tiendo("web", "delivery", "list", "--json"))["deliveries"]
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 1, None)
    assert "1 failed e-mails due now" in tiendo("web", "delivery", "retry")
    assert json.loads(tiendo("web", "delivery", "list", "--json"))["deliveries"][0]["next_attempt_at"] is not None
