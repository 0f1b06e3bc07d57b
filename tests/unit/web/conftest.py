"""A web application on a temporary SQLite database, seeded through the stores: two
agencies' cells and the national rows of one task today (the live projections) and at
the month end before (a snapshot), a few ledger entries and dead letters, and one user
of each role. Built once per session: tests only read, or use names of their own."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import insert

from shared.db.engine import HEAD_REVISION, Engine, make_engine
from shared.db.projections import ScorerStore
from shared.db.schema import dead_letters, ledger_entries, metadata
from shared.db.web_users import WebUserStore

from services.web.app import create_app
from services.web.auth import PasswordAuthenticator, hash_password
from services.web.freshness import ShortLived

TODAY = date(2025, 11, 20)
MONTH_END = date(2025, 10, 31)
TASK = "online_dossier_rate"
PASSWORD = "mật khẩu đủ dài 2025"
# Cheap argon2id parameters: the tests check the flow, not the cost.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
USERS = {"lan": ("leadership", None), "kiem": ("auditor", None), "van": ("operator", None),
         "hanoi": ("agency", "ha-noi"), "bca": ("agency", "bo-cong-an")}
NOW = datetime(2025, 11, 20, 3, 0, tzinfo=timezone.utc)


def _cell(agency: str, status: str, num: int, den: int, day: date) -> dict:
    return dict(agency_id=agency, target_id=TASK, value=num / den, numerator=num, denominator=den,
                completion=num / den / 0.8, status=status, observed_at=day, source_seq=1, source_agency_id=agency,
                source_event_id=f"{agency}-1", rolled_up=False, required=0.8, met_on=None, evaluated_on=day)


def _national(block: str, status: str, day: date, num: int) -> dict:
    return dict(target_id=TASK, block=block, value=num / 10, numerator=num, denominator=10, completion=num / 10 / 0.8,
                status=status,
                met_on=None, required=0.8, agencies=1, reporting=1, met=0, met_late=0, on_track=0, at_risk=0,
                overdue=1, no_data=0, untimed=0, evaluated_on=day)


def _rows(day: date, num: int) -> dict:
    """Hà Nội behind its path with ``num`` of 10, the Ministry of Public Security on track."""
    return {"agency_target_values": [_cell("ha-noi", "at_risk", num, 10, day),
                                     _cell("bo-cong-an", "on_track", 9, 10, day)],
            "national_figures": [_national("ministry", "on_track", day, 9), _national("province", "at_risk", day, num),
                                 _national("all", "at_risk", day, num)]}


def _entry(seq: int, agency: str, kind: str, amends: str | None = None) -> dict:
    payload = {"event_id": f"{agency}-{seq}", "kind": kind, "reporter": {"name": "Nguyễn Thị Lan", "role": "Chuyên viên"},
               "evidence": "https://example.gov.vn/bc.pdf", "figure": {"type": "ratio", "numerator": 5, "denominator": 10},
               "amends": amends}
    return dict(seq=seq, agency_id=agency, chain_pos=seq, event_id=f"{agency}-{seq}", target_id=TASK, kind=kind,
                observed_at=date(2025, 10, 1), amends=amends, payload=json.dumps(payload, ensure_ascii=False),
                content_digest="0" * 64, prev_hash="0" * 64, hash=f"{seq:064d}", recorded_at=NOW, leaf_index=seq - 1)


def _dead_letter(offset: int, agency: str | None, reason: str, original: bytes = b'{"agency_id": "x"}') -> dict:
    return dict(reason_code=reason, message=f"{reason} at offset {offset}", original=original,
                original_key=None, source_topic="tiendo.events", source_partition=0, source_offset=offset,
                agency_id=agency, event_id=f"e-{offset}", rejected_at=NOW)


def seed(engine) -> None:
    """The projections, a snapshot, the ledger, dead letters and the users."""
    with engine.begin() as conn:
        conn.execute(insert(ledger_entries), [_entry(1, "ha-noi", "measurement"),
                                              _entry(2, "ha-noi", "correction", amends="ha-noi-1")])
        conn.execute(insert(dead_letters), [_dead_letter(7, "ha-noi", "bad_signature"),
                                            _dead_letter(8, "bo-cong-an", "schema_invalid",
                                                         b'<script>alert("x")</script>')])
    store = ScorerStore(engine)
    with store.transaction() as tx:
        tx.write(_rows(TODAY, 5), {})
        tx.set_evaluated_on(TODAY)
        tx.set_position(applied=2, highest_seq=2)
        tx.snapshots.replace(MONTH_END, _rows(MONTH_END, 4))
        tx.snapshots.mark([MONTH_END], [], tx.version)
    users = WebUserStore(engine)
    for name, (role, agency) in USERS.items():
        users.add_user(name, role, agency, hash_password(PASSWORD, FAST))


def seeded_engine(path) -> Engine:
    """A SQLite database at ``path`` with the seed's rows (tests that change it take one
    of their own)."""
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    seed(engine)
    return engine


def stamp_current(engine: Engine) -> None:
    """Mark a schema made by ``metadata.create_all`` as current, so that the CLI uses it as
    it is instead of migrating (the unit layer stays fast)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES (?)", (HEAD_REVISION,))


def web_app(engine: Engine, versions: ShortLived | None = None):
    """The application over ``engine`` as the tests run it: plain http, cheap hashes, TODAY,
    and versions read afresh on every view unless ``versions`` says otherwise (what the
    database holds is on the next page)."""
    return create_app(engine, secure_cookies=False, authenticator=PasswordAuthenticator(WebUserStore(engine), FAST),
                      today=lambda: TODAY, versions=versions or ShortLived(0))


def web_client(app) -> TestClient:
    """A client of ``app`` on 127.0.0.1 that shows redirects instead of following them."""
    return TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    engine = seeded_engine(tmp_path_factory.mktemp("web") / "web.db")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(engine):
    return web_app(engine)


@pytest.fixture
def client(app):
    with web_client(app) as c:
        yield c


def login(client: TestClient, name: str, password: str = PASSWORD):
    """Sign ``name`` in; the response of the form's POST."""
    return client.post("/login", data={"name": name, "password": password, "next": "/"})


@pytest.fixture
def as_user(client):
    """A client signed in as the user named."""
    def _as(name: str) -> TestClient:
        assert login(client, name).status_code == 303
        return client
    return _as
