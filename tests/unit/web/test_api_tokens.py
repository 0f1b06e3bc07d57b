"""API tokens for other systems (`tiendo web token`): a token acts as its web user on
/api/… only, with that user's role and agency; it is shown once and only its SHA-256 is
kept; a revoked or expired token, a removed user's token and a made-up one get 401."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.cli import main
from shared.clock import utc_now
from shared.db.schema import web_api_tokens
from shared.db.web_users import WebUserStore

from tests.unit.web.conftest import seeded_engine, stamp_current, web_app, web_client


@pytest.fixture
def setup(tmp_path):
    """A seeded database of this test's own, the CLI's environment over it, a client."""
    engine = seeded_engine(tmp_path / "tokens.db")
    stamp_current(engine)
    env = {"DATABASE_URL": str(engine.url), "TIENDO_DATA_DIR": str(tmp_path)}
    with web_client(web_app(engine)) as client:
        yield engine, env, client
    engine.dispose()


def _issue(env, user: str, *extra: str) -> str:
    result = CliRunner().invoke(main, ["web", "token", "add", user, "--label", "Cổng dữ liệu", *extra], env=env)
    assert result.exit_code == 0, result.output
    assert "shown this once" in result.stderr
    return result.stdout.strip()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_reads_the_api_as_its_user_and_nothing_more(setup):
    engine, env, client = setup
    leader, agency = _issue(env, "lan"), _issue(env, "hanoi")
    national = client.get("/api/national?day=2025-11-20", headers=_bearer(leader))
    assert national.status_code == 200
    assert {row["block"] for row in national.json()["rows"]} == {"Khối bộ, ngành", "Khối địa phương", "Toàn quốc"}
    assert client.get("/api/agencies/ha-noi/rejections", headers=_bearer(leader)).status_code == 200

    assert client.get("/api/agencies/ha-noi/rejections", headers=_bearer(agency)).json()["rows"][0][
        "reason_code"] == "bad_signature"
    for path in ("/api/national", "/api/agencies/bo-cong-an", "/api/agencies/bo-cong-an/rejections"):
        assert client.get(path, headers=_bearer(agency)).status_code == 404, path
    # The pages are for browsers that signed in: a token opens none of them.
    assert client.get("/agencies/ha-noi", headers=_bearer(agency)).status_code == 303


def test_only_the_tokens_hash_is_kept_and_the_list_never_shows_a_token(setup):
    engine, env, _client = setup
    token = _issue(env, "kiem", "--days", "30")
    with engine.connect() as conn:
        row = conn.execute(select(web_api_tokens)).one()._mapping
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps({k: str(v) for k, v in row.items()})
    assert timedelta(days=29) < row["expires_at"] - row["created_at"] <= timedelta(days=30)
    listed = CliRunner().invoke(main, ["web", "token", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    [entry] = json.loads(listed.output)["tokens"]
    assert (entry["user_name"], entry["label"], entry["revoked_at"]) == ("kiem", "Cổng dữ liệu", None)
    assert token not in listed.output


def test_revoked_expired_removed_and_made_up_tokens_get_401(setup):
    engine, env, client = setup
    revoked, kept = _issue(env, "lan"), _issue(env, "van")
    tokens = WebUserStore(engine).tokens()
    runner = CliRunner()
    assert runner.invoke(main, ["web", "token", "revoke", str(tokens[0].id)], env=env).exit_code == 0
    again = runner.invoke(main, ["web", "token", "revoke", str(tokens[0].id)], env=env)
    assert again.exit_code == 1 and "revoked already" in again.output

    store = WebUserStore(engine)
    expired = "tiendo_expired-for-the-test"
    store.add_token(hashlib.sha256(expired.encode()).hexdigest(), "kiem", "old", utc_now() - timedelta(seconds=1))

    assert client.get("/api/position", headers=_bearer(kept)).status_code == 200
    removed = runner.invoke(main, ["web", "user", "remove", "van"], env=env)
    assert removed.exit_code == 0 and "removed van" in removed.output

    for token in (revoked, expired, kept, "tiendo_made-up", "not-even-ours", ""):
        answer = client.get("/api/position", headers=_bearer(token))
        assert answer.status_code == 401, token
        assert answer.headers["www-authenticate"] == "Bearer"


def test_a_token_for_nobody_is_refused_and_removing_a_user_ends_its_sessions(setup):
    engine, env, client = setup
    result = CliRunner().invoke(main, ["web", "token", "add", "ai-do", "--label", "x"], env=env)
    assert result.exit_code == 1 and "no web user 'ai-do'" in result.output
    assert WebUserStore(engine).tokens() == []

    assert client.post("/login", data={"name": "kiem", "password": "mật khẩu đủ dài 2025"}).status_code == 303
    assert client.get("/api/position").status_code == 200
    assert CliRunner().invoke(main, ["web", "user", "remove", "kiem"], env=env).exit_code == 0
    assert client.get("/api/position").status_code == 401
    missing = CliRunner().invoke(main, ["web", "user", "remove", "kiem"], env=env)
    assert missing.exit_code == 1 and "no web user 'kiem'" in missing.output


def test_the_openapi_document_says_how_to_authenticate(setup):
    _engine, _env, client = setup
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {"type": "http", "scheme": "bearer",
                                     "description": "An API token of `tiendo web token add`."}
    assert schemes["APIKeyCookie"]["in"] == "cookie" and schemes["APIKeyCookie"]["name"] == "tiendo_session"
    assert {"HTTPBearer": []} in document["paths"]["/api/national"]["get"]["security"]
