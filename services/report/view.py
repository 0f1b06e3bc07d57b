"""The report as a reader sees it in one language: every cell already written out as
text, so the Markdown and the HTML templates show exactly the same words and numbers and
only differ in markup (and in how they escape agency text)."""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from shared.domain.agencies import is_active
from shared.domain.catalogue import Aggregation, Target, TargetKind, TargetScope, all_target_ids, catalogue_on
from shared.domain.tree_head import TreeHead
from shared.presentation.labels import STATUS_ORDER

from services.report import charts
from services.report.assemble import BLOCKS, headline
from services.report.document import Header, header
from services.report.facts import vietnam_day
from services.report.figures import block, to_json
from services.report.model import Explanation, Report, Standing, TargetLine, TreeProof
from services.report.scoring import Status
from services.report.texts import Texts


_MIME = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class Chart:
    """A chart ready to embed: its caption, the file it is in beside a Markdown report
    (``chart-1.svg``) and its bytes (empty when the view was built without charts)."""

    caption: str
    name: str
    data: bytes

    @property
    def uri(self) -> str:
        """The chart as a data URI, for the self-contained HTML (and the PDF laid out from it)."""
        return f"data:{_MIME[self.name.rsplit('.', 1)[1]]};base64," + base64.b64encode(self.data).decode("ascii")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class View:
    """Text of every part of the report, in one language, in the order of an
    administrative report: header, body (sections I–VI), recipients and signature, then
    the appendices (the technical material)."""

    lang: str
    t: Texts
    title: str
    period_label: str
    header: Header
    opening: str
    summary_intro: str
    # (heading, rows) per block: khối bộ, ngành; khối địa phương; both together where present.
    summary: list[tuple[str, list[dict[str, Any]]]]
    charts: list[Chart]
    charts_as: str | None  # how the charts are drawn: svg, png, or None (empty images)
    # The folder beside a Markdown report that holds its charts, named after the report
    # (tiendo-2025-Q2-vi.charts): the Markdown links to chart_dir/chart-1.svg.
    chart_dir: str
    late_request: str
    late_intro: str
    late: list[dict[str, Any]]
    leaderboard_intro: str
    leaderboards: list[tuple[str, list[dict[str, Any]]]]
    silent_intro: str
    silent: list[str]
    rejected_intro: str
    amendments_intro: str
    amendments_by_target: list[dict[str, Any]]
    amendments_by_agency_intro: str
    amendments_by_agency: list[dict[str, Any]]
    amendments_recent_intro: str
    amendments: list[dict[str, Any]]
    # Appendix I: the cut-off and its Merkle proof, rejections by reason code, the command
    # that lists every amendment.
    cutoff_rows: list[tuple[str, str]]
    tree_rows: list[tuple[str, str, bool]]  # (label, value, is a hash)
    tree_note: str
    rejected: list[dict[str, Any]]
    amendments_command: str
    method: tuple[str, ...]
    figures_json: str


# The days the agencies of the late-task section have to report back from the report's day.
REPLY_DAYS = 15


def chart_format(fmt: str) -> str:
    """How a document format embeds its charts: the PDF as PNG, the others as SVG."""
    return "png" if fmt == "pdf" else "svg"


def chart_dir(report: Report, lang: str) -> str:
    """The folder of a Markdown report's charts: ``tiendo-2025-Q2-vi.charts``, beside
    ``tiendo-2025-Q2-vi.md`` (named by period and language, so a renamed Markdown file
    still finds them)."""
    return f"tiendo-{report.period.code}-{lang}.charts"


def issued_on(report: Report) -> date:
    """The report's date: the day of its cut-off in Vietnam, when its figures were fixed."""
    return vietnam_day(report.cutoff.at)


def build_view(report: Report, lang: str, *, draw_charts: bool = True, charts_as: str = "svg") -> View:
    """Everything the templates print, in ``lang`` (``vi`` or ``en``), charts as
    ``charts_as`` (svg or png). Without ``draw_charts`` the charts are empty images."""
    t = Texts(lang, report.as_of)
    targets = catalogue_on(report.as_of)
    cut = report.cutoff
    summary = report.amendment_summary
    period = t.period(report.period)
    lines = headline(report.targets)
    overdue = sum(r.status == Status.OVERDUE.value for r in report.late)
    return View(
        lang=lang, t=t, title=t["title"], period_label=period,
        header=header(lang, issued_on(report), t.fmt("subject", period=_in_sentence(period, lang)),
                      t.fmt("subject_short", period=_in_sentence(period, lang))),
        opening=t.fmt("opening", day=t.day(report.as_of), period=_in_sentence(period, lang),
                      span=t.span(report.period)),
        summary_intro=t.fmt("summary_intro", n=len(lines), day=t.day(report.as_of),
                            counts=_status_counts([ln.status for ln in lines.values()], t),
                            previous=t.day(report.previous_as_of), previous_period=t.period(report.previous_period)),
        summary=_summary(report, targets, t),
        charts=_charts(report, targets, t, charts_as if draw_charts else None),
        charts_as=charts_as if draw_charts else None,
        chart_dir=chart_dir(report, lang),
        late_request=t.fmt("late_request", day=t.day(issued_on(report) + timedelta(days=REPLY_DAYS))),
        late_intro=(t.fmt("late_intro", day=t.day(report.as_of), overdue=t.number(overdue),
                          at_risk=t.number(len(report.late) - overdue))
                    if report.late else t["late_none"]),
        late=_late(report, targets, t),
        leaderboard_intro=t.fmt("leaderboard_intro", previous=t.day(report.previous_as_of)),
        leaderboards=[(t.fmt("ministries", n=len(report.ministries)),
                       _standings(report.ministries, report.previous_as_of, t)),
                      (t.fmt("provinces", n=len(report.provinces)),
                       _standings(report.provinces, report.previous_as_of, t))],
        silent_intro=(t.fmt("silent_intro", n=len(report.silent), total=report.expected) if report.silent
                      else t.fmt("silent_none", total=report.expected)),
        silent=[t.agency_in_text(a) for a in report.silent],
        rejected_intro=t.fmt("rejected_intro", n=t.number(report.rejected)) if report.rejected else t["rejected_none"],
        amendments_intro=(t.fmt("amendments_intro", n=t.number(summary.total),
                                corrections=t.number(summary.corrections), retractions=t.number(summary.retractions),
                                agencies=t.number(summary.agencies)) if summary.total
                          else t["amendments_none"]),
        amendments_by_target=_amendments_by_target(report, targets, t),
        amendments_by_agency_intro=t.fmt("amendments_by_agency_intro", shown=len(summary.by_agency),
                                         n=t.number(summary.agencies)),
        amendments_by_agency=[{
            "agency": t.agency_name(a.agency_id), "corrections": t.number(a.corrections),
            "retractions": t.number(a.retractions), "total": t.number(a.corrections + a.retractions),
        } for a in summary.by_agency],
        amendments_recent_intro=_recent_intro(report, t),
        amendments=_amendments(report, targets, t),
        cutoff_rows=[
            (t["period"], f"{period} ({t.span(report.period)})"),
            (t["as_of"], t.day(report.as_of)),
            (t["cutoff"], t.instant(cut.at)),
            (t["position"], t.fmt("position_text", seq=t.number(cut.seq))),
            (t["dead_letters"], t.fmt("dead_letters_text", n=t.number(cut.dead_letter_id))),
        ],
        tree_rows=_tree_rows(cut.tree, t),
        tree_note=t["tree_note"] if cut.tree else t["tree_none"],
        rejected=[{"code": code, "reason": t.reason(code), "n": t.number(n)} for code, n in report.rejections.items()],
        amendments_command=t.fmt("list_command", n=t.number(summary.total), command=amendments_command(report)),
        method=t.method_paragraphs,
        figures_json=to_json(block(report, lang)),
    )


def _in_sentence(period: str, lang: str) -> str:
    """"quý I/2025", "năm 2025": a period's name mid-sentence takes a small letter (in
    Vietnamese; "Q1 2025" stays as it is)."""
    return _lower_first(period) if lang == "vi" else period


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _tree_rows(tree: TreeProof | None, t: Texts) -> list[tuple[str, str, bool]]:
    if tree is None:
        return []
    head = TreeHead.from_json(tree.head)
    return [
        (t["tree"], t.fmt("tree_text", n=t.number(tree.size)), False),
        (t["tree_root"], " ".join(tree.root[i:i + 16] for i in range(0, len(tree.root), 16)), True),
        (t["tree_head"], t.fmt("tree_head_text", size=t.number(head.tree_size), at=t.instant(head.timestamp),
                               key_id=head.key_id), False),
    ]


def _status_counts(statuses: list[str], t: Texts) -> str:
    """"6 hoàn thành đúng hạn, 4 chậm so với lộ trình": each status's count, mid-sentence."""
    counts = Counter(statuses)
    return ", ".join(f"{counts[s]} {_lower_first(t.status(s))}" for s in STATUS_ORDER if counts[s])


def _summary(report: Report, targets: dict[str, Target], t: Texts) -> list[tuple[str, list[dict[str, Any]]]]:
    """The summary tables, one per block present, targets numbered in catalogue order."""
    numbered = {target_id: i for i, target_id in enumerate(all_target_ids(), start=1)}
    out = []
    for kind in BLOCKS:
        lines = [ln for ln in report.targets if ln.block == kind]
        if lines:
            heading = t.fmt("block_heading", no=len(out) + 1, block=t[f"block_{kind}"])
            out.append((heading, [_summary_row(ln, targets[ln.target_id], numbered[ln.target_id], report, t)
                                  for ln in lines]))
    return out


def _summary_row(ln: TargetLine, target: Target, no: int, report: Report, t: Texts) -> dict[str, Any]:
    reached = ln.met + ln.met_late
    change = t.change(target, ln.value, ln.numerator, ln.previous_value, ln.previous_numerator)
    met_change = t.fmt("met_change", delta=t.signed(reached - (ln.previous_met or 0)))
    moved = ln.previous_value is not None and reached != ln.previous_met
    if ln.value is None:
        result = t["none"]
    elif target.kind is TargetKind.MILESTONE or target.aggregation is Aggregation.SHARE_REACHED:
        # The figure is the agencies that reached the target: its change is theirs.
        result = t.agencies_met(reached, ln.agencies)
        if ln.previous_value is not None:
            change = met_change if moved else t["unchanged"]
    else:
        result = t.national_value(target, ln.value, ln.numerator, ln.denominator)
        if target.scope is TargetScope.AGENCY:
            result = f"{result} ({t.agencies_met(reached, ln.agencies)})"
            change = f"{change}; {met_change}" if moved else change
    return {
        "no": no, "name": t.target_name(target), "goal": t.goal(target),
        "deadline": t.day(target.deadline) if target.deadline else t["no_deadline"],
        "national": result, "completion": t.pct(ln.completion),
        "status": t.status_on(ln.status, target.deadline, report.as_of, ln.met_on), "status_key": ln.status,
        "change": change, "reporting": f"{ln.reporting}/{ln.agencies}",
    }


def with_charts(view: View, report: Report, charts_as: str) -> View:
    """``view`` with its charts drawn as ``charts_as`` (svg or png)."""
    return views_with_charts(view, report, (charts_as,))[charts_as]


def views_with_charts(view: View, report: Report, formats: Iterable[str]) -> dict[str, View]:
    """``view`` with its charts drawn as each of ``formats`` (svg, png): each chart is
    built once for all of them."""
    formats = tuple(dict.fromkeys(formats))
    drawn = _chart_sets(report, catalogue_on(report.as_of), view.t, formats)
    return {fmt: replace(view, charts=drawn[fmt], charts_as=fmt) for fmt in formats}


_CHARTS = (("chart_progress", charts.progress_chart), ("chart_distribution", charts.distribution_chart),
           ("chart_trend", charts.trend_chart))


def _made(report: Report) -> list[tuple[str, Any]]:
    """The charts a report has: the provinces' distribution only when it has provinces."""
    return [(key, chart) for key, chart in _CHARTS if key != "chart_distribution" or report.distribution]


def _chart_sets(report: Report, targets: dict[str, Target], t: Texts,
                formats: tuple[str, ...]) -> dict[str, list[Chart]]:
    out: dict[str, list[Chart]] = {fmt: [] for fmt in formats}
    for number, (key, chart) in enumerate(_made(report), start=1):
        drawn = charts.draw(chart, report, targets, t, formats)
        for fmt in formats:
            out[fmt].append(Chart(t[key], f"chart-{number}.{fmt}", drawn[fmt]))
    return out


def _charts(report: Report, targets: dict[str, Target], t: Texts, charts_as: str | None) -> list[Chart]:
    if charts_as is None:
        # Empty images in place of the charts: for comparing a document's text, which is quicker.
        return [Chart(t[key], f"chart-{number}.svg", b"") for number, (key, _) in enumerate(_made(report), start=1)]
    return _chart_sets(report, targets, t, (charts_as,))[charts_as]


def _late(report: Report, targets: dict[str, Target], t: Texts) -> list[dict[str, Any]]:
    """The overdue and at-risk tasks grouped by task (one deadline, so one "days late",
    per group): each agency with the head who answers for it, its latest figure and
    reporter ("Chưa có báo cáo" where it never reported) and its explanation; the agencies
    that neither reported nor explained are named together, so the section stays as long
    as what there is to say."""
    numbered = {target_id: i for i, target_id in enumerate(all_target_ids(), start=1)}
    groups: dict[str, dict[str, Any]] = {}
    for r in report.late:
        target = targets[r.target_id]
        group = groups.get(r.target_id)
        if group is None:
            status = t.status_on(r.status, r.deadline, report.as_of)
            if r.status != Status.OVERDUE.value:
                status = f"{status}, {t.fmt('left', n=t.number(r.days_left))}"
            group = groups[r.target_id] = {
                "no": numbered[r.target_id], "task": t.target_name(target), "deadline": t.day(r.deadline),
                "status_key": r.status, "status": status, "rows": [], "never": [],
            }
        if r.observed_at is None and r.explanation is None:
            group["never"].append(t.agency_in_text(r.agency_id))
            continue
        group["rows"].append({
            "agency": t.agency_name(r.agency_id), "head": t.head(r.agency_id, report.as_of),
            "figure": (t.agency_value(target, r.value, r.numerator, r.denominator) if r.observed_at
                       else t["never_reported"]),
            "observed": t.fmt("figure_on", day=t.day(r.observed_at)) if r.observed_at else "",
            "note": t["rolled_up"] if r.rolled_up else "",
            "completion": t.pct(r.completion), "reporter": r.reporter_name or t["none"], "role": r.reporter_role or "",
            "explanation": _explanation(r.explanation, t),
        })
    for group in groups.values():
        group["count"] = len(group["rows"]) + len(group["never"])
    return list(groups.values())


def _explanation(explanation: Explanation | None, t: Texts) -> dict[str, str] | None:
    """An agency's explanation of a late task as the table prints it, a committed day
    that has passed flagged."""
    if explanation is None:
        return None
    committed = t.day(explanation.committed_on) if explanation.committed_on else t["none"]
    return {"cause": explanation.cause, "action": explanation.action, "committed": committed,
            "passed": t["committed_passed"] if explanation.committed_passed else ""}


def _standings(rows: tuple[Standing, ...], existed: date, t: Texts) -> list[dict[str, Any]]:
    """A leaderboard's rows. An agency without a rank a period ago is "đơn vị mới" when it
    did not exist then (formed by a merger); otherwise it had no baseline, and no change
    is shown."""
    out = []
    for s in rows:
        if s.previous_rank is not None:
            change, previous = t.rank_change(s.rank, s.previous_rank), f"{s.previous_rank}/{s.previous_peers}"
        else:
            change, previous = (t["none"] if is_active(s.agency_id, existed) else t["new_unit"]), t["none"]
        out.append({"rank": s.rank, "agency": t.agency_name(s.agency_id), "score": t.number(s.score, 2),
                    "change": change, "previous": previous})
    return out


def amendments_command(report: Report) -> str:
    """The command that lists every correction and retraction the report counts."""
    return f"tiendo report amendments --period {report.period.code} --cut-off {report.cutoff.at.isoformat()}"


def _recent_intro(report: Report, t: Texts) -> str:
    total, shown = report.amendment_summary.total, len(report.amendments)
    if shown == total:
        return t.fmt("amendments_recent_all", n=t.number(total))
    return t.fmt("amendments_recent_some", shown=t.number(shown), more=t.number(total - shown))


def _amendments_by_target(report: Report, targets: dict[str, Target], t: Texts) -> list[dict[str, Any]]:
    numbered = {target_id: i for i, target_id in enumerate(all_target_ids(), start=1)}
    rows = []
    for a in report.amendment_summary.by_target:
        target = targets.get(a.target_id)
        rows.append({
            "no": numbered.get(a.target_id, ""), "target": t.target_name(target) if target else a.target_id,
            "corrections": t.number(a.corrections), "retractions": t.number(a.retractions),
            "agencies": t.number(a.agencies),
        })
    return rows


def _amendments(report: Report, targets: dict[str, Target], t: Texts) -> list[dict[str, Any]]:
    rows = []
    for a in report.amendments:
        target = targets.get(a.target_id)
        rows.append({
            "reported_on": t.day(a.reported_on), "agency": t.agency_name(a.agency_id),
            "target": t.target_name(target) if target else a.target_id, "kind": t[a.kind],
            "change": f"{t.figure(a.before)} → {t.figure(a.after)}",
            "observed": t.day(a.observed_at), "reporter": a.reporter_name, "role": a.reporter_role,
            "evidence": a.evidence or t["none"], "event": a.event_id,
        })
    return rows
