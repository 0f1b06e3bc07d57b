"""The read-only API fuzzed from its own OpenAPI description (schemathesis): whatever path
parameters, days and languages it is sent, signed in as an operator or calling with an
agency's API token, it never answers with a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from services.web.app import COOKIE, create_app
from services.web.auth import ApiTokens, PasswordAuthenticator
from shared.db.engine import make_engine
from shared.db.schema import metadata
from shared.db.web_users import WebUserStore

from tests.unit.web.conftest import FAST, TODAY, login, seed


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'web.db'}")
    metadata.create_all(engine)
    seed(engine)
    yield create_app(engine, secure_cookies=False,
                     authenticator=PasswordAuthenticator(WebUserStore(engine), FAST), today=lambda: TODAY)
    engine.dispose()


@pytest.fixture(scope="module")
def cookie(app) -> str:
    """An operator's session (the role that may call every endpoint)."""
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as client:
        assert login(client, "van").status_code == 303
        return f"{COOKIE}={client.cookies[COOKIE]}"


@pytest.fixture(scope="module")
def bearer(app) -> str:
    """An agency user's API token (the role most often answered 404)."""
    token, _record = ApiTokens(WebUserStore(app.state.web.engine)).issue("hanoi", "fuzz")
    return f"Bearer {token}"


@pytest.mark.parametrize("credential", ["cookie", "bearer"])
def test_no_server_error(app, credential, request):
    headers = {"Cookie": request.getfixturevalue("cookie")} if credential == "cookie" else {
        "Authorization": request.getfixturevalue("bearer")}
    operations = [result.ok() for result in schemathesis.openapi.from_asgi("/openapi.json", app).get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_5xx(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.path, case.path_parameters, case.query, response.text[:500])

        no_5xx()
