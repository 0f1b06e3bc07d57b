"""The HTML pages: the national dashboard, a task, an agency, the reports. Each page's
tables download as CSV or .xlsx with ``?format=csv|xlsx&table=NAME``."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from shared.db.web_users import AgencyEvidence
from shared.domain.agencies import get_agency
from shared.domain.catalogue import catalogue_on

from services.web import views
from services.web.app import context, file_response, lang_of, require_user
from services.web.auth import Principal
from services.web.i18n import cell, day_text, t
from services.web.tables import Table, to_csv, to_xlsx

router = APIRouter(include_in_schema=False)

DayQuery = Query(None, description="The day, YYYY-MM-DD (default: today in Vietnam).")
FORMATS = {"csv": ("text/csv; charset=utf-8", to_csv),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx)}


def _query(request: Request, day: date | None) -> str:
    """The query that keeps the chosen day and language on every link."""
    params = {}
    if day is not None:
        params["day"] = day.isoformat()
    if lang_of(request) == "en":
        params["lang"] = "en"
    return urlencode(params)


def _render(request: Request, user: Principal, title: str, tables: list[Table], *, day: date | None = None,
            fig: views.Figures | None = None, notes: tuple[str, ...] = (), chart: list | None = None) -> Response:
    """The page, or one of its tables as a file when ``?format=`` asks for one."""
    fmt = request.query_params.get("format")
    if fmt:
        if fmt not in FORMATS:
            raise HTTPException(404)
        name = request.query_params.get("table") or tables[0].name
        table = next((tb for tb in tables if tb.name == name), None)
        if table is None:
            raise HTTPException(404)
        media, write = FORMATS[fmt]
        stem = f"{table.name}-{day.isoformat()}" if day else table.name
        return file_response(write(table), media, f"{stem}.{fmt}")
    lang = lang_of(request)
    ctx = context(request)
    switch = dict(request.query_params)
    switch["lang"] = "en" if lang == "vi" else "vi"
    source = None
    if fig is not None:
        source = t("no_figures", lang) if fig.source is None else t(f"source_{fig.source}", lang)
    return ctx.templates.TemplateResponse(request, "page.html.j2", {
        "lang": lang, "t": t, "cell": cell, "user": user, "title": title, "tables": tables, "query": _query(request, day),
        "day": day, "day_text": day_text(day, lang) if day else None, "source": source, "notes": notes,
        "position": views.position_text(ctx.engine, fig, lang) if fig and fig.source else None,
        "switch": "?" + urlencode(switch), "path": request.url.path, "chart": chart or [],
    })


def _kept_page(request: Request, user: Principal, shown: date, build: Callable[[], Response],
               evidence: Hashable = None) -> Response:
    """A page as rendered for this user, day and query while the scorer has not moved on
    since (nor ``evidence``: what else the page shows, an agency's ledger entries and dead
    letters), both as read within the last second (services/web/freshness.py); rendered
    by ``build`` (and kept) otherwise. Projections and snapshots change
    only with the scorer's version, and rendering is most of a page's cost (docs/web.md).
    Files are never kept."""
    if request.query_params.get("format"):
        return build()
    ctx = context(request)
    version = ctx.versions.get("scorer", lambda: views.scorer_version(ctx.engine))
    key = (request.url.path, request.url.query, shown, user, version, evidence)
    body = ctx.pages.get(key)
    if body is None:
        response = build()
        if response.status_code != 200:
            return response
        body = bytes(response.body)
        ctx.pages.put(key, body)
    return HTMLResponse(body)


def _national_only(user: Principal) -> None:
    # An agency user sees its own agency only: the national pages do not exist for it.
    if not user.national:
        raise HTTPException(404)


@router.get("/")
def dashboard(request: Request, day: date | None = DayQuery, user: Principal = Depends(require_user)):
    """Every task's national figure, status and deadline by block; the late tasks."""
    if not user.national:
        return RedirectResponse(f"/agencies/{user.agency_id}" + (f"?{request.url.query}" if request.url.query else ""),
                                status_code=303)
    ctx = context(request)
    lang = lang_of(request)
    shown = day or ctx.today()

    def build() -> Response:
        fig = views.figures_on(ctx.engine, shown, ctx.figures)
        query = _query(request, day)
        return _render(request, user, f"{t('dashboard', lang)} — {day_text(shown, lang)}",
                       [views.national_table(fig, lang, query, views.previous_completion(ctx.engine, fig)),
                        views.late_table(fig, lang, query)], day=shown, fig=fig,
                       notes=(t("refresh_note", lang),))
    return _kept_page(request, user, shown, build)


@router.get("/targets/{target_id}")
def target_page(request: Request, target_id: str, day: date | None = DayQuery, user: Principal = Depends(require_user)):
    """Every agency's figure and status for one task, ranked."""
    _national_only(user)
    ctx = context(request)
    lang = lang_of(request)
    shown = day or ctx.today()
    target = catalogue_on(shown).get(target_id)
    if target is None:
        raise HTTPException(404)

    def build() -> Response:
        fig = views.figures_on(ctx.engine, shown, ctx.figures)
        name = target.name_vi if lang == "vi" else target.name_en
        history = views.history_table(ctx.engine, fig, target_id, lang)
        return _render(request, user, f"{name} — {day_text(shown, lang)}",
                       [views.target_table(fig, target_id, lang, _query(request, day)), history], day=shown, fig=fig,
                       notes=(f"{t('deadline', lang)}: {day_text(target.deadline, lang)}",),
                       chart=views.chart(history, lang))
    return _kept_page(request, user, shown, build)


def _agency_title(agency_id: str, lang: str) -> str:
    try:
        agency = get_agency(agency_id)
    except KeyError:
        raise HTTPException(404) from None
    return agency.name_vi if lang == "vi" else (agency.name_en or agency.name_vi)


@router.get("/agencies/{agency_id}")
def agency_page(request: Request, agency_id: str, day: date | None = DayQuery, user: Principal = Depends(require_user)):
    """An agency's tasks and upcoming deadlines, its recent ledger events and alerts; its
    rejected events for its own users, leadership and operators."""
    if not user.sees_agency(agency_id):
        raise HTTPException(404)
    ctx = context(request)
    lang = lang_of(request)
    title = _agency_title(agency_id, lang)
    shown = day or ctx.today()

    def build() -> Response:
        fig = views.figures_on(ctx.engine, shown, ctx.figures)
        query = _query(request, day)
        tables = [views.agency_tasks_table(fig, agency_id, lang, query),
                  views.upcoming_table(fig, agency_id, lang, query),
                  views.events_table(ctx.engine, agency_id, lang), views.alerts_table(ctx.engine, agency_id, lang)]
        if user.sees_rejections(agency_id):
            tables.append(views.rejections_table(ctx.engine, agency_id, lang))
        return _render(request, user, f"{title} — {day_text(shown, lang)}", tables, day=shown, fig=fig)
    # Read before the page: evidence recorded meanwhile is shown, or the next view renders again.
    evidence = ctx.versions.get(("evidence", agency_id), lambda: AgencyEvidence(ctx.engine).version(agency_id))
    return _kept_page(request, user, shown, build, evidence)


@router.get("/agencies/{agency_id}/rejections")
def rejections_page(request: Request, agency_id: str, user: Principal = Depends(require_user)):
    """The agency's rejected events alone (404 for anyone not allowed to see them)."""
    if not user.sees_rejections(agency_id):
        raise HTTPException(404)
    lang = lang_of(request)
    title = _agency_title(agency_id, lang)
    return _render(request, user, f"{title} — {t('rejections', lang)}",
                   [views.rejections_table(context(request).engine, agency_id, lang)])


@router.get("/reports")
def reports_page(request: Request, user: Principal = Depends(require_user)):
    """The issued reports, each file with whether it still matches its recorded hash; for
    operators also what became of their e-mail deliveries."""
    _national_only(user)
    lang = lang_of(request)
    engine = context(request).engine
    tables = [views.reports_table(engine, lang)]
    if user.role == "operator":
        tables.append(views.deliveries_table(engine, lang))
    return _render(request, user, t("reports", lang), tables)


@router.get("/reports/{report_id}/{fmt}")
def report_download(request: Request, report_id: int, fmt: str, user: Principal = Depends(require_user)):
    """One file of an issued report."""
    _national_only(user)
    path = views.report_file(context(request).engine, report_id, fmt)
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, filename=path.name)


@router.get("/reports/{report_id}/{fmt}/{chart}")
def report_chart_download(request: Request, report_id: int, fmt: str, chart: str,
                          user: Principal = Depends(require_user)):
    """One chart file beside an issued Markdown report (only a file its record lists)."""
    _national_only(user)
    path = views.report_file(context(request).engine, report_id, fmt, chart)
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, filename=path.name)
