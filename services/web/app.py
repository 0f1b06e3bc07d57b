"""The web application: security headers, sign-in and sessions, the pages and the API.

``create_app`` is the composition root: it takes an engine and the settings a deployment
varies (secure cookies off for plain http on 127.0.0.1 in tests, the authenticator: the
seam for single sign-on) and wires the routers of services/web/pages.py and api.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.clock import vietnam_today
from shared.db.engine import Engine  # the type of what make_engine builds
from shared.db.web_users import WebUserStore

from services.web.auth import ApiTokens, Authenticator, PasswordAuthenticator, Principal, RateLimited, Sessions
from services.web.freshness import VERSIONS_KEPT_S, ShortLived
from services.web.i18n import LANGS, t
from services.web.views import RecentCache

HERE = Path(__file__).resolve().parent
PAGES_KEPT = 256
"""Rendered national pages kept a server process (a dashboard is about 120 KB)."""
COOKIE = "tiendo_session"
WEB_CONNECTIONS = 20
"""PostgreSQL connections a server process keeps open (its pool; as many again beyond)."""
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass
class WebContext:
    """What every request handler reads: the engine, the sessions and API tokens, the
    templates, today."""

    engine: Engine
    sessions: Sessions
    api_tokens: ApiTokens
    authenticator: Authenticator
    templates: Jinja2Templates
    secure_cookies: bool
    today: Callable[[], date]
    figures: RecentCache = field(default_factory=RecentCache)
    pages: RecentCache = field(default_factory=lambda: RecentCache(PAGES_KEPT))
    versions: ShortLived = field(default_factory=ShortLived)


class SecurityHeaders:
    """The security headers on every answer, ``Cache-Control: no-store`` on all but the
    static files, HSTS when cookies are Secure. Plain ASGI: Starlette's BaseHTTPMiddleware
    (``@app.middleware``) would add a task group and a stream to every request."""

    def __init__(self, app: ASGIApp, secure_cookies: bool) -> None:
        self.app = app
        self.headers = dict(SECURITY_HEADERS)
        if secure_cookies:
            self.headers["Strict-Transport-Security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(self.headers)
                if not static:
                    headers["Cache-Control"] = "no-store"  # figures and evidence are not for shared caches
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginRequired(Exception):
    """An anonymous request for a page: answered with the login page (the API: 401)."""


def context(request: Request) -> WebContext:
    """The application's context (set by :func:`create_app`)."""
    return request.app.state.web


def lang_of(request: Request) -> str:
    """``?lang=en`` switches to English; Vietnamese otherwise."""
    lang = request.query_params.get("lang", "vi")
    return lang if lang in LANGS else "vi"


def principal(request: Request) -> Principal | None:
    """The signed-in user, or None."""
    return context(request).sessions.principal(request.cookies.get(COOKIE))


def require_user(request: Request) -> Principal:
    """The signed-in user of a page; anonymous → the login page."""
    user = principal(request)
    if user is None:
        raise LoginRequired
    return user


def _safe_next(target: str | None) -> str:
    # Only a path of this site: "//host" or "https://…" would send the user elsewhere.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(request: Request, lang: str, error: str | None, status: int, next_url: str) -> HTMLResponse:
    ctx = context(request)
    return ctx.templates.TemplateResponse(request, "login.html.j2", {
        "lang": lang, "t": t, "error": error, "next": next_url, "user": None,
        "switch": "?" + urlencode({"lang": "en" if lang == "vi" else "vi", "next": next_url}),
    }, status_code=status)


def create_app(engine: Engine, *, secure_cookies: bool = True, authenticator: Authenticator | None = None,
               today: Callable[[], date] = vietnam_today, versions: ShortLived | None = None) -> FastAPI:
    """The web application over ``engine``'s database (its schema already current);
    ``versions``: how long the versions that find a kept page are trusted (a second)."""
    from services.web import api, pages  # the routers use this module's helpers

    store = WebUserStore(engine)
    app = FastAPI(title="Tiến độ — read-only API", version="1", docs_url=None, redoc_url=None,
                  description="Progress of Vietnam's 2025 digital-transformation targets: the scorer's figures, "
                              "the same as the web pages show. Every endpoint but /healthz needs an API token "
                              "(`Authorization: Bearer …`, issued by `tiendo web token add`) or a signed-in "
                              "session; either acts as its web user, whose role and agency decide what it sees.")
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    # Escape everything: Starlette escapes only *.html names, and these are *.html.j2; an
    # agency's rejected message is shown as it was sent.
    templates.env.autoescape = True
    app.state.web = WebContext(engine, Sessions(store), ApiTokens(store),
                               authenticator or PasswordAuthenticator(store), templates, secure_cookies, today,
                               versions=versions or ShortLived(VERSIONS_KEPT_S))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.add_middleware(SecurityHeaders, secure_cookies=secure_cookies)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired):
        query = urlencode({"next": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                           **({"lang": "en"} if lang_of(request) == "en" else {})})
        return RedirectResponse(f"/login?{query}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/") or exc.status_code not in (403, 404):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        lang = lang_of(request)
        return context(request).templates.TemplateResponse(request, "error.html.j2", {
            "lang": lang, "t": t, "user": principal(request), "message": t("not_found", lang), "switch": "",
        }, status_code=exc.status_code)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Up, and the database answers."""
        store.user("")
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/"):
        """The sign-in form; ``next`` is where it leads afterwards (a path of this site)."""
        return _login_page(request, lang_of(request), None, 200, _safe_next(next))

    @app.post("/login", include_in_schema=False)
    def login(request: Request, name: str = Form(..., max_length=64), password: str = Form(..., max_length=1024),
              next: str = Form("/")):
        """Check the credentials through the authenticator; open a session (303 to ``next``),
        or show the form again: 401 wrong, 429 too many failures."""
        lang = lang_of(request)
        ctx = context(request)
        address = request.client.host if request.client else "-"
        try:
            user = ctx.authenticator.authenticate(name, password, address)
        except RateLimited:
            return _login_page(request, lang, t("rate_limited", lang), 429, _safe_next(next))
        if user is None:
            return _login_page(request, lang, t("login_failed", lang), 401, _safe_next(next))
        token, expires = ctx.sessions.open(user)
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(COOKIE, token, expires=expires, httponly=True, secure=ctx.secure_cookies,
                            samesite="lax", path="/")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request):
        """End the session and forget the cookie."""
        context(request).sessions.close(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", secure=secure_cookies, httponly=True, samesite="lax")
        return response

    app.include_router(pages.router)
    app.include_router(api.router)
    return app


def app_from_env() -> FastAPI:
    """The application `tiendo web serve` runs in each server process: the database of
    DATABASE_URL (its schema already current), secure cookies unless
    TIENDO_WEB_INSECURE_COOKIES is set."""
    from shared.db.engine import make_engine
    from shared.config import Settings

    insecure = os.environ.get("TIENDO_WEB_INSECURE_COOKIES", "").lower() in ("1", "true", "yes")
    # As many connections as requests in flight: a sync endpoint runs in one of anyio's 40
    # threads, and under 20 clients a pool of 5 opened and closed connections all the time.
    return create_app(make_engine(Settings.from_env().database_url, connections=WEB_CONNECTIONS),
                      secure_cookies=not insecure)


def file_response(content: bytes, media_type: str, filename: str) -> Response:
    """A download, named."""
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
