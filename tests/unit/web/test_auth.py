"""Signing in and out, sessions in HttpOnly SameSite cookies, the rate limit, and what an
anonymous request gets: the login page (the API: 401)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.web.app import COOKIE, create_app
from services.web.auth import MAX_FAILURES, PasswordAuthenticator
from shared.db.web_users import WebUserStore

from tests.unit.web.conftest import FAST, PASSWORD, login


def test_an_anonymous_page_request_gets_the_login_page(client):
    response = client.get("/targets/online_dossier_rate?day=2025-10-31")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Ftargets%2Fonline_dossier_rate%3Fday%3D2025-10-31")
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and 'name="password"' in page.text and "Đăng nhập" in page.text


def test_an_anonymous_api_request_gets_401(client):
    for path in ("/api/national", "/api/agencies/ha-noi/rejections", "/api/position"):
        assert client.get(path).status_code == 401


def test_login_sets_an_httponly_samesite_cookie_and_logout_ends_the_session(client):
    response = login(client, "lan")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/").status_code == 200
    token = client.cookies[COOKIE]
    assert client.post("/logout").status_code == 303
    client.cookies.set(COOKIE, token)  # the old token no longer opens anything
    assert client.get("/").status_code == 303


def test_a_wrong_password_is_refused(client):
    response = login(client, "lan", "not the password")
    assert response.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in response.text
    assert COOKIE not in client.cookies
    assert login(client, "nobody").status_code == 401


def test_logins_are_rate_limited_per_name_and_address(engine, client):
    WebUserStore(engine).add_user("guessed", "auditor", None, FAST.hash(PASSWORD))
    for _ in range(MAX_FAILURES):
        assert login(client, "guessed", "wrong guess").status_code == 401
    # Even the right password is refused now: the guesser cannot tell it found it.
    assert login(client, "guessed").status_code == 429
    assert login(client, "lan").status_code == 303  # another name is not limited


def test_next_only_leads_to_this_site(client):
    response = client.post("/login", data={"name": "kiem", "password": PASSWORD, "next": "//evil.example/"})
    assert response.headers["location"] == "/"


def test_the_cookie_is_secure_unless_configured_off(engine):
    app = create_app(engine, authenticator=PasswordAuthenticator(WebUserStore(engine), FAST))
    with TestClient(app, base_url="https://127.0.0.1", follow_redirects=False) as client:
        response = login(client, "kiem")
        assert "Secure" in response.headers["set-cookie"]
        assert response.headers["strict-transport-security"].startswith("max-age=")
