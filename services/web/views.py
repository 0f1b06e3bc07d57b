"""What each page shows, as :class:`~services.web.tables.Table` rows: read from the
scorer's projections (today) or its month-end snapshots, never folded from the ledger on a
page view; an agency's evidence from the ledger and the dead letters, newest first."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.db.deliveries import DeliveryStore
from shared.db.engine import Engine  # the type of what make_engine builds
from shared.db.projections import ScorerStore
from shared.db.report_queries import ReportStore
from shared.db.snapshots import ScorerPosition, SnapshotReader
from shared.db.web_users import AgencyEvidence
from shared.domain.agencies import accountable_head, get_agency
from shared.domain.catalogue import Target, catalogue_on
from shared.presentation.figures import figure_text, number, pct, reported_figure_text
from shared.presentation.labels import BLOCK_EN, BLOCK_ORDER, BLOCK_VI, STATUS_ORDER, status_detail, status_label

from services.web.i18n import kind, t
from services.web.tables import Table

LATE = ("overdue", "at_risk")
RECENT = 50  # ledger entries and dead letters an agency page lists
PAGE_ROWS = 200  # late cells the dashboard lists (a phone, not a spreadsheet); the files have all


@dataclass(frozen=True)
class Figures:
    """The projection rows of one day and where they come from (None: the scorer keeps
    no figures for that day)."""

    day: date
    source: str | None  # "projections" or "snapshot"
    rows: dict[str, list[dict[str, Any]]]
    position: ScorerPosition
    evaluated_on: date | None  # the day the live projections are for

    @property
    def cells(self) -> list[dict[str, Any]]:
        """agency × task rows."""
        return self.rows.get("agency_target_values", [])

    @property
    def national(self) -> list[dict[str, Any]]:
        """National rows, per task and block."""
        return self.rows.get("national_figures", [])


class RecentCache:
    """The last few values asked for, in memory, by key (least recently used forgotten
    beyond ``size``). Keys hold the scorer's version: every scorer transaction bumps it
    (shared/db/projections.py), so what is kept is never older than what it stands for."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value kept for that key, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value``, forgetting the least recently used beyond ``size``."""
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def scorer_version(engine: Engine) -> int:
    """The scorer's version: it changes with every scorer transaction."""
    return SnapshotReader(engine).position().version


def figures_on(engine: Engine, day: date, cache: RecentCache | None = None) -> Figures:
    """The figures of ``day``: the live projections when the scorer evaluated them for
    that day, else the day's snapshot when it reflects the scorer's position exactly.
    The scorer's version is read first: rows read after it are as new or newer."""
    reader = SnapshotReader(engine)
    position = reader.position()
    key = (day, position.version)
    fig = cache.get(key) if cache is not None else None
    if fig is not None:
        return fig
    store = ScorerStore(engine)
    _, evaluated_on = store.state()
    if evaluated_on == day:
        rows = {"agency_target_values": store.cells(), "national_figures": store.national()}
        fig = Figures(day, "projections", rows, position, evaluated_on)
    else:
        kept = reader.rows_at([day], position.highest_seq)
        fig = (Figures(day, "snapshot", kept[day], position, evaluated_on) if kept is not None and day in kept
               else Figures(day, None, {}, position, evaluated_on))
    if cache is not None:
        cache.put(key, fig)
    return fig


def _agency_name(agency_id: str, lang: str) -> str:
    try:
        agency = get_agency(agency_id)
    except KeyError:
        return agency_id
    return agency.name_vi if lang == "vi" else (agency.name_en or agency.name_vi)


def _target_name(target: Target | None, target_id: str, lang: str) -> str:
    if target is None:
        return target_id
    return target.name_vi if lang == "vi" else target.name_en


def _status(target: Target | None, row: dict[str, Any], lang: str, day: date) -> str:
    return status_detail(row["status"], lang, target.deadline if target else None, day, row.get("met_on"))


def _link(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def month_end_before(day: date) -> date:
    """The last day of the month before ``day``'s."""
    return day.replace(day=1) - timedelta(days=1)


def previous_completion(engine: Engine, fig: Figures) -> dict[tuple[str, str], float | None]:
    """Each national row's completion at the month end before ``fig``'s day, from its
    snapshot (empty when the scorer keeps none that reflects its position)."""
    if fig.day.year == 1 and fig.day.month == 1:
        return {}  # no month before the calendar's first (date.min)
    before = month_end_before(fig.day)
    kept = SnapshotReader(engine).rows_at([before], fig.position.highest_seq) if fig.source else None
    if not kept or before not in kept:
        return {}
    return {(r["target_id"], r["block"]): r["completion"] for r in kept[before]["national_figures"]}


def _trend(now: float | None, before: float | None, lang: str) -> str | None:
    if now is None or before is None:
        return None
    return number((now - before) * 100, lang, 2, signed=True) + (" điểm %" if lang == "vi" else " pts")


def national_table(fig: Figures, lang: str, query: str,
                   before: dict[tuple[str, str], float | None] | None = None) -> Table:
    """Every task's national figure per block, in catalogue order, with its change in
    completion since the month end before (``before``, by task and block)."""
    targets = catalogue_on(fig.day)
    order = {tid: i for i, tid in enumerate(targets)}
    blocks = BLOCK_VI if lang == "vi" else BLOCK_EN
    before = before or {}
    table = Table("national", t("national", lang),
                  ["target_id", "target", "block", "figure", "completion", "trend", "status", "status_code",
                   "deadline", "reached", "agencies", "reporting"],
                  [t("target", lang) + " (id)", t("target", lang), t("block", lang), t("figure", lang),
                   t("completion", lang), t("trend", lang), t("status", lang), "status", t("deadline", lang),
                   t("reached", lang), t("agencies", lang), t("reporting", lang)],
                  link_key="target", hidden={"target_id", "status_code"})
    rows = sorted(fig.national, key=lambda r: (order.get(r["target_id"], len(order)), r["target_id"],
                                               BLOCK_ORDER.index(r["block"])))
    for r in rows:
        target = targets.get(r["target_id"])
        table.add([r["target_id"], _target_name(target, r["target_id"], lang), blocks[r["block"]],
                   figure_text(target, r, lang, national=True), pct(r["completion"], lang),
                   _trend(r["completion"], before.get((r["target_id"], r["block"])), lang),
                   _status(target, r, lang, fig.day), r["status"], target.deadline if target else None,
                   r["met"] + r["met_late"], r["agencies"], r["reporting"]],
                  _link(f"/targets/{r['target_id']}", query))
    return table


def month_ends(day: date) -> list[date]:
    """The month ends of ``day``'s year up to ``day``, oldest first."""
    ends = [month_end_before(date(day.year, m + 1, 1)) for m in range(1, 12)] + [date(day.year, 12, 31)]
    return [d for d in ends if d <= day]


def history_table(engine: Engine, fig: Figures, target_id: str, lang: str) -> Table:
    """A task's national completion per block at each month end of the year so far, from
    the snapshots that reflect the scorer's position (a month end without one is left
    out), and on the day shown."""
    blocks = BLOCK_VI if lang == "vi" else BLOCK_EN
    table = Table("history", t("history", lang),
                  ["day", "block_code", "block", "completion", "completion_value", "status_code"],
                  [t("day", lang), "block", t("block", lang), t("completion", lang), "completion", "status"],
                  hidden={"block_code", "completion_value", "status_code"})
    reader = SnapshotReader(engine)
    days = month_ends(fig.day)
    for day in [*days, *([fig.day] if fig.source and fig.day not in days else [])]:
        kept = reader.rows_at([day], fig.position.highest_seq) if fig.source and day != fig.day else None
        rows = fig.national if day == fig.day else kept[day]["national_figures"] if kept and day in kept else []
        for r in sorted((r for r in rows if r["target_id"] == target_id), key=lambda r: BLOCK_ORDER.index(r["block"])):
            table.add([day, r["block"], blocks[r["block"]], pct(r["completion"], lang), r["completion"], r["status"]])
    return table


def chart(table: Table, lang: str) -> list[dict[str, Any]]:
    """The history as SVG polylines, one per block: points in a 0..100 × 0..40 box
    (completion capped at 100 %), with the block's name."""
    days = sorted({row[0] for row in table.rows})
    if len(days) < 2:
        return []
    x = {d: f"{i * 100 / (len(days) - 1):.4g}" for i, d in enumerate(days)}
    lines: dict[str, dict[str, Any]] = {}
    for day, code, name, _, completion, _ in table.rows:
        if completion is None:
            continue
        line = lines.setdefault(code, {"block": code, "name": name, "points": []})
        line["points"].append(f"{x[day]},{40 - min(completion, 1.0) * 40:.4g}")
    return [dict(line, points=" ".join(line["points"])) for line in lines.values()]


def late_table(fig: Figures, lang: str, query: str) -> Table:
    """Cells behind their path or overdue, with the position that answers for each."""
    targets = catalogue_on(fig.day)
    table = Table("late", t("late", lang),
                  ["agency_id", "agency", "target_id", "target", "status", "status_code", "deadline", "accountable"],
                  [t("agency", lang) + " (id)", t("agency", lang), t("target", lang) + " (id)", t("target", lang),
                   t("status", lang), "status", t("deadline", lang), t("accountable", lang)],
                  link_key="agency", hidden={"agency_id", "target_id", "status_code"}, page_rows=PAGE_ROWS)
    late = sorted((c for c in fig.cells if c["status"] in LATE),
                  key=lambda c: (STATUS_ORDER.index(c["status"]) * -1, c["target_id"], c["agency_id"]))
    heads: dict[str, str] = {}  # a few dozen agencies, thousands of late cells at worst
    for c in late:
        target = targets.get(c["target_id"])
        if c["agency_id"] not in heads:
            try:
                heads[c["agency_id"]] = accountable_head(c["agency_id"], fig.day, lang=lang)
            except KeyError:
                heads[c["agency_id"]] = ""
        head = heads[c["agency_id"]]
        table.add([c["agency_id"], _agency_name(c["agency_id"], lang), c["target_id"],
                   _target_name(target, c["target_id"], lang), _status(target, c, lang, fig.day), c["status"],
                   target.deadline if target else None, head],
                  _link(f"/agencies/{c['agency_id']}", query))
    return table


def _cells_table(name: str, title: str, cells: list[dict[str, Any]], fig: Figures, lang: str, query: str,
                 ranked: bool) -> Table:
    targets = catalogue_on(fig.day)
    table = Table(name, title,
                  ["rank", "agency_id", "agency", "target_id", "target", "figure", "completion", "status",
                   "status_code", "deadline", "observed_at"],
                  [t("rank", lang), t("agency", lang) + " (id)", t("agency", lang), t("target", lang) + " (id)",
                   t("target", lang), t("figure", lang), t("completion", lang), t("status", lang), "status",
                   t("deadline", lang), t("observed", lang)],
                  link_key="agency" if ranked else "target",
                  hidden={"agency_id", "target_id", "status_code"} | ({"target"} if ranked else {"rank", "agency"}))
    if ranked:  # highest completion first; not reported last
        cells = sorted(cells, key=lambda c: (c["completion"] is None, -(c["completion"] or 0), c["agency_id"]))
    for i, c in enumerate(cells, 1):
        target = targets.get(c["target_id"])
        link = f"/agencies/{c['agency_id']}" if ranked else f"/targets/{c['target_id']}"
        table.add([i if ranked else None, c["agency_id"], _agency_name(c["agency_id"], lang), c["target_id"],
                   _target_name(target, c["target_id"], lang), figure_text(target, c, lang), pct(c["completion"], lang),
                   _status(target, c, lang, fig.day), c["status"], target.deadline if target else None,
                   c["observed_at"]], _link(link, query))
    return table


def target_table(fig: Figures, target_id: str, lang: str, query: str) -> Table:
    """Every agency's figure for one task, ranked by completion."""
    cells = [c for c in fig.cells if c["target_id"] == target_id]
    return _cells_table("target", t("agency", lang), cells, fig, lang, query, ranked=True)


def agency_tasks_table(fig: Figures, agency_id: str, lang: str, query: str) -> Table:
    """One agency's figure for each of its tasks."""
    cells = [c for c in fig.cells if c["agency_id"] == agency_id]
    return _cells_table("tasks", t("tasks", lang), cells, fig, lang, query, ranked=False)


def upcoming_table(fig: Figures, agency_id: str, lang: str, query: str) -> Table:
    """The agency's unfinished tasks whose deadline has not passed, soonest first."""
    targets = catalogue_on(fig.day)
    table = Table("upcoming", t("upcoming", lang), ["target_id", "target", "deadline", "days_left", "status"],
                  [t("target", lang) + " (id)", t("target", lang), t("deadline", lang), t("days_left", lang),
                   t("status", lang)], link_key="target", hidden={"target_id"})
    open_tasks = []
    for c in fig.cells:
        target = targets.get(c["target_id"])
        if c["agency_id"] == agency_id and target and target.deadline and target.deadline >= fig.day \
                and c["status"] not in ("met", "met_late"):
            open_tasks.append((target.deadline, c["target_id"], target, c))
    for deadline, target_id, target, c in sorted(open_tasks, key=lambda x: x[:2]):
        table.add([target_id, _target_name(target, target_id, lang), deadline, (deadline - fig.day).days,
                   _status(target, c, lang, fig.day)], _link(f"/targets/{target_id}", query))
    return table


def events_table(engine: Engine, agency_id: str, lang: str) -> Table:
    """The agency's latest ledger entries: measurements, corrections, retractions,
    explanations; who reported, when, with what evidence."""
    table = Table("events", t("events", lang),
                  ["seq", "event_id", "kind", "kind_code", "target_id", "observed_at", "figure_text", "figure", "amends",
                   "reporter", "evidence", "recorded_at"],
                  [t("seq", lang), t("event", lang), t("kind", lang), "kind", t("target", lang), t("observed", lang),
                   t("figure", lang), "figure", t("amends", lang), t("reporter", lang), t("evidence", lang),
                   t("recorded", lang)],
                  hidden={"kind_code", "figure"})
    for e in AgencyEvidence(engine).entries(agency_id, RECENT):
        payload = json.loads(e["payload"])
        reporter = payload.get("reporter") or {}
        figure = payload.get("figure")
        table.add([e["seq"], e["event_id"], kind(e["kind"], lang), e["kind"], e["target_id"], e["observed_at"],
                   reported_figure_text(figure, lang), json.dumps(figure, ensure_ascii=False, sort_keys=True)
                   if figure else "", e["amends"],
                   ", ".join(str(v) for v in (reporter.get("name"), reporter.get("role")) if v),
                   payload.get("evidence"), e["recorded_at"]])
    return table


def alerts_table(engine: Engine, agency_id: str, lang: str) -> Table:
    """The deadline alerts the scorer raised for the agency."""
    table = Table("alerts", t("alerts", lang),
                  ["target_id", "threshold", "threshold_code", "deadline", "status", "status_code", "evaluated_on"],
                  [t("target", lang), t("threshold", lang), "threshold", t("deadline", lang), t("status", lang), "status",
                   t("day", lang)], hidden={"threshold_code", "status_code"})
    for a in reversed(ScorerStore(engine).alerts(agency_id=agency_id)):
        table.add([a["target_id"], kind(a["threshold"], lang), a["threshold"], a["deadline"],
                   status_label(a["status"], lang), a["status"], a["evaluated_on"]])
    return table


def rejections_table(engine: Engine, agency_id: str, lang: str) -> Table:
    """The agency's rejected events: reason code, message and the original as received."""
    table = Table("rejections", t("rejections", lang),
                  ["id", "reason_code", "message", "event_id", "rejected_at", "original"],
                  ["#", t("reason", lang), t("message", lang), t("event", lang), t("rejected", lang),
                   t("original", lang)])
    for d in AgencyEvidence(engine).rejections(agency_id, RECENT):
        table.add([d["id"], d["reason_code"], d["message"], d["event_id"], d["rejected_at"],
                   bytes(d["original"]).decode("utf-8", "replace")])
    return table


def _check(file: dict[str, Any], lang: str) -> str:
    """Whether a report file (and, for Markdown, every chart file beside it) is on disk
    with the SHA-256 recorded when it was built."""
    checks = [(Path(f["path"]), f.get("sha256")) for f in (file, *file.get("charts", ()))]
    if not all(path.is_file() for path, _ in checks):
        return t("absent", lang)
    intact = all(hashlib.sha256(path.read_bytes()).hexdigest() == digest for path, digest in checks)
    return t("intact", lang) if intact else t("altered", lang)


def reports_table(engine: Engine, lang: str) -> Table:
    """The issued reports, newest first, one row per file, with whether the file on disk is
    still the one recorded when it was built."""
    table = Table("reports", t("reports", lang),
                  ["report_id", "period", "lang", "cutoff_at", "built_at", "format", "check", "sha256"],
                  ["#", t("period", lang), t("lang", lang), t("cutoff", lang), t("built", lang), t("files", lang),
                   t("check", lang), "SHA-256"], link_key="format")
    for record in reversed(ReportStore(engine).all()):
        if not record.files:
            table.add([record.id, record.period, record.lang, record.cutoff_at, None, None, t("unbuilt", lang), None])
            continue
        for fmt, file in sorted(record.files.items()):
            table.add([record.id, record.period, record.lang, record.cutoff_at, record.built_at, fmt,
                       _check(file, lang), file.get("sha256")], f"/reports/{record.id}/{fmt}")
            # A Markdown report's charts are files beside it (services/report/chartfiles.py).
            for chart in file.get("charts", ()):
                name = Path(chart["path"]).name
                table.add([record.id, record.period, record.lang, record.cutoff_at, record.built_at,
                           f"{fmt}/{name}", _check(chart, lang), chart.get("sha256")],
                          f"/reports/{record.id}/{fmt}/{name}")
    return table


def deliveries_table(engine: Engine, lang: str) -> Table:
    """The latest e-mail deliveries of issued reports (operators): sent, pending, or failed
    with the mail server's answer and the next attempt (none: given up)."""
    table = Table("deliveries", t("deliveries", lang),
                  ["delivery_id", "report_id", "period", "email", "status", "status_code", "attempts", "last_error",
                   "next_attempt_at", "sent_at"],
                  ["#", t("reports", lang) + " #", t("period", lang), t("recipient", lang), t("delivery_status", lang),
                   "status", t("attempts", lang), t("server_answer", lang), t("next_attempt", lang), t("sent_at", lang)],
                  hidden={"status_code"})
    for d in DeliveryStore(engine).deliveries():
        given_up = d.status == "failed" and d.next_attempt_at is None
        table.add([d.id, d.report_id, d.period, d.email, t("given_up" if given_up else d.status, lang), d.status,
                   d.attempts, d.last_error, d.next_attempt_at, d.sent_at])
    return table


def report_file(engine: Engine, report_id: int, fmt: str, chart: str | None = None) -> Path | None:
    """The file of a built report in that format (or the chart file of that name beside
    it), if it is on disk."""
    record = next((r for r in ReportStore(engine).all() if r.id == report_id), None)
    file = (record.files or {}).get(fmt) if record else None
    if file is not None and chart is not None:
        file = next((c for c in file.get("charts", ()) if Path(c["path"]).name == chart), None)
    path = Path(file["path"]) if file else None
    return path if path is not None and path.is_file() else None


def position_text(engine: Engine, fig: Figures, lang: str) -> str:
    """The ledger position and time the figures reflect."""
    at = AgencyEvidence(engine).recorded_at(fig.position.highest_seq)
    when = at.strftime("%H:%M %d/%m/%Y UTC") if isinstance(at, datetime) else "–"
    return t("position", lang).format(seq=fig.position.highest_seq, applied=number(fig.position.applied, lang),
                                      at=when)

