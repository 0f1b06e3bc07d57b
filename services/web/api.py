"""The read-only JSON API for other government systems: the figures the pages show, under
/api/…, documented at /openapi.json. A caller is a web user, proved by an API token
(``Authorization: Bearer …``) or the session cookie of a signed-in browser; a request
with neither, or with a token that is unknown, revoked or expired, gets 401."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from shared.domain.catalogue import catalogue_on

from services.web import views
from services.web.app import COOKIE, context, lang_of, principal
from services.web.auth import Principal
from services.web.tables import Table


# Declared as security schemes so that /openapi.json says how to authenticate; neither
# refuses by itself (auto_error=False): api_user decides, with one answer for both.
_BEARER = HTTPBearer(auto_error=False, description="An API token of `tiendo web token add`.")
_SESSION = APIKeyCookie(name=COOKIE, auto_error=False, description="The session cookie that POST /login sets.")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def api_user(request: Request, bearer: HTTPAuthorizationCredentials | None = Depends(_BEARER),
             _cookie: str | None = Depends(_SESSION)) -> Principal:
    """The web user an API call acts as: its API token's, else its session's; 401 otherwise."""
    if bearer is not None:
        user = context(request).api_tokens.principal(bearer.credentials)
        if user is None:
            raise HTTPException(401, "this API token is unknown, revoked or expired", headers=_CHALLENGE)
        return user
    user = principal(request)
    if user is None:
        raise HTTPException(401, "authenticate first: an API token (Authorization: Bearer …) or the session "
                                 "cookie that POST /login sets", headers=_CHALLENGE)
    return user


router = APIRouter(prefix="/api", tags=["figures"], dependencies=[Depends(api_user)],
                   responses={401: {"description": "No valid API token or session"}, 404: {"description": "Unknown, or not yours"}})

DayQuery = Query(None, description="The day, YYYY-MM-DD (default: today in Vietnam).")
LangQuery = Query("vi", pattern="^(vi|en)$", description="The language of names and statuses.")


class Position(BaseModel):
    """How far the scorer has got in the ledger."""

    highest_seq: int = Field(description="The highest ledger seq the figures reflect.")
    applied: int = Field(description="How many ledger entries the scorer has applied.")
    evaluated_on: date | None = Field(description="The day the live projections are for.")


class Rows(BaseModel):
    """A table of the web view as JSON objects, one per row."""

    rows: list[dict[str, Any]]


class DayRows(Rows):
    """Rows of one day's figures, with where they come from."""

    day: date
    source: str | None = Field(description="projections (today), snapshot (a month end), or null: none kept")
    position: Position


def _day_rows(fig: views.Figures, table: Table) -> DayRows:
    return DayRows(day=fig.day, source=fig.source, rows=table.records(),
                   position=Position(highest_seq=fig.position.highest_seq, applied=fig.position.applied,
                                     evaluated_on=fig.evaluated_on))


def _figures(request: Request, day: date | None) -> views.Figures:
    ctx = context(request)
    return views.figures_on(ctx.engine, day or ctx.today(), ctx.figures)


def _national(user: Principal) -> None:
    if not user.national:
        raise HTTPException(404)


@router.get("/position", response_model=Position)
def position(request: Request):
    """The scorer's position: poll it to know when the figures moved on."""
    fig = _figures(request, None)
    return Position(highest_seq=fig.position.highest_seq, applied=fig.position.applied,
                    evaluated_on=fig.evaluated_on)


@router.get("/national", response_model=DayRows)
def national(request: Request, day: date | None = DayQuery, lang: str = LangQuery,
             user: Principal = Depends(api_user)):
    """Every task's national figure per block (ministries, provinces, all) on the day, with
    its change in completion since the month end before."""
    _national(user)
    fig = _figures(request, day)
    before = views.previous_completion(context(request).engine, fig)
    return _day_rows(fig, views.national_table(fig, lang, "", before))


@router.get("/late", response_model=DayRows)
def late(request: Request, day: date | None = DayQuery, lang: str = LangQuery, user: Principal = Depends(api_user)):
    """Agency × task cells behind their path or overdue, with the accountable position."""
    _national(user)
    fig = _figures(request, day)
    return _day_rows(fig, views.late_table(fig, lang, ""))


@router.get("/targets/{target_id}", response_model=DayRows)
def target(request: Request, target_id: str, day: date | None = DayQuery, lang: str = LangQuery,
           user: Principal = Depends(api_user)):
    """Every agency's figure for one task, ranked by completion."""
    _national(user)
    fig = _figures(request, day)
    if target_id not in catalogue_on(fig.day):
        raise HTTPException(404)
    return _day_rows(fig, views.target_table(fig, target_id, lang, ""))


@router.get("/agencies/{agency_id}", response_model=DayRows)
def agency(request: Request, agency_id: str, day: date | None = DayQuery, lang: str = LangQuery,
           user: Principal = Depends(api_user)):
    """One agency's figure for each of its tasks."""
    if not user.sees_agency(agency_id):
        raise HTTPException(404)
    fig = _figures(request, day)
    return _day_rows(fig, views.agency_tasks_table(fig, agency_id, lang, ""))


@router.get("/agencies/{agency_id}/events", response_model=Rows)
def events(request: Request, agency_id: str, user: Principal = Depends(api_user)):
    """The agency's latest ledger entries, newest first."""
    if not user.sees_agency(agency_id):
        raise HTTPException(404)
    return Rows(rows=views.events_table(context(request).engine, agency_id, lang_of(request)).records())


@router.get("/agencies/{agency_id}/rejections", response_model=Rows)
def rejections(request: Request, agency_id: str, user: Principal = Depends(api_user)):
    """The agency's rejected events (its own users, leadership and operators only)."""
    if not user.sees_rejections(agency_id):
        raise HTTPException(404)
    return Rows(rows=views.rejections_table(context(request).engine, agency_id, lang_of(request)).records())


@router.get("/reports", response_model=Rows)
def reports(request: Request, lang: str = LangQuery, user: Principal = Depends(api_user)):
    """The issued reports, one row per file, with its check against the recorded SHA-256."""
    _national(user)
    return Rows(rows=views.reports_table(context(request).engine, lang).records())
