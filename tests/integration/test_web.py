"""The web view on PostgreSQL as the role it runs as, tiendo_report (migration 0013): a
user added with `tiendo web user add` signs in, every page, download and API answer of
each role works with that role's privileges alone, and the rate limit's counter and the
sessions are written through them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from services.cli import main
from services.web.app import create_app
from services.web.auth import MAX_FAILURES, PasswordAuthenticator
from shared.db.engine import drop_database, make_engine, migrate
from shared.db.web_users import WebUserStore

from tests.integration.chaos_support import database_for
from tests.unit.web.conftest import FAST, PASSWORD, TODAY, login, seed


@pytest.fixture
def report_engine(pg_admin_url):
    """A new database migrated and seeded by the owner; an engine as tiendo_report."""
    from tests.conftest import _fresh_pg_database

    name, url, admin = _fresh_pg_database(pg_admin_url)
    database = database_for(url)
    migrate(database.owner_url)
    owner = make_engine(database.owner_url)
    seed(owner)
    owner.dispose()
    engine = make_engine(database.url("report"))
    yield engine, database.url("report")
    engine.dispose()
    admin.dispose()
    drop_database(pg_admin_url, name)

def _client(engine) -> TestClient:
    app = create_app(engine, secure_cookies=False, authenticator=PasswordAuthenticator(WebUserStore(engine), FAST),
                     today=lambda: TODAY)
    return TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)

def test_the_web_runs_as_the_report_role(report_engine, tmp_path):
    engine, url = report_engine
    added = CliRunner().invoke(main, ["web", "user", "add", "chi", "--role", "operator"],
                               input=f"{PASSWORD}\n", env={"DATABASE_URL": url, "TIENDO_DATA_DIR": str(tmp_path)})
    assert added.exit_code == 0, added.output

    with _client(engine) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        for _ in range(MAX_FAILURES):
            assert login(client, "chi", "wrong guess").status_code == 401
        assert login(client, "chi").status_code == 429  # counted in web_login_attempts

        assert login(client, "van").status_code == 303
        for path in ("/", "/?day=2025-10-31", "/targets/online_dossier_rate", "/agencies/ha-noi", "/reports",
                     "/agencies/ha-noi/rejections", "/api/national", "/api/late", "/api/agencies/ha-noi/events"):
            assert client.get(path).status_code == 200, path
        page = client.get("/").text
        assert "50,00% (5/10)" in page and "+12,50 điểm %" in page and "Chủ tịch UBND thành phố Hà Nội" in page
        rows = list(csv.reader(io.StringIO(client.get("/?format=csv&table=late").content.decode("utf-8-sig"))))
        assert rows[1][0] == "ha-noi"
        book = load_workbook(io.BytesIO(client.get("/agencies/ha-noi?format=xlsx&table=events").content))
        assert [r[3] for r in list(book.active.values)[1:]] == ["correction", "measurement"]
        assert client.post("/logout").status_code == 303

        assert login(client, "hanoi").status_code == 303
        assert client.get("/api/agencies/ha-noi/rejections").json()["rows"][0]["reason_code"] == "bad_signature"
        assert client.get("/api/agencies/bo-cong-an/rejections").status_code == 404
        assert client.get("/agencies/bo-cong-an").status_code == 404


def test_api_tokens_work_with_the_report_roles_privileges(report_engine, tmp_path):
    """`tiendo web token add|revoke` and `web user remove` as tiendo_report (migration 0016's
    grants), and a system's bearer token reading the API through them."""
    engine, url = report_engine
    env = {"DATABASE_URL": url, "TIENDO_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    issued = runner.invoke(main, ["web", "token", "add", "hanoi", "--label", "Cổng dữ liệu Hà Nội", "--json"], env=env)
    assert issued.exit_code == 0, issued.output
    token = json.loads(issued.stdout)
    with _client(engine) as client:
        bearer = {"Authorization": f"Bearer {token['token']}"}
        assert client.get("/api/agencies/ha-noi/rejections", headers=bearer).json()["rows"][0][
            "reason_code"] == "bad_signature"
        assert client.get("/api/agencies/bo-cong-an/rejections", headers=bearer).status_code == 404
        revoked = runner.invoke(main, ["web", "token", "revoke", str(token["id"])], env=env)
        assert revoked.exit_code == 0, revoked.output
        assert client.get("/api/agencies/ha-noi", headers=bearer).status_code == 401
    removed = runner.invoke(main, ["web", "user", "remove", "hanoi"], env=env)
    assert removed.exit_code == 0, removed.output
    assert WebUserStore(engine).user("hanoi") is None
