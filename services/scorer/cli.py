"""Click commands of the scorer: `scorer` (run, rebuild), `score` (show, national,
ranking) and `alerts` (list). A thin shell over services.scorer: parse options, call the
library, print a table (Vietnamese names, with diacritics) or JSON."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click

from shared.clock import vietnam_today
from shared.db.ledger import LedgerStore
from shared.db.projections import ScorerStore
from shared.db.snapshots import SnapshotReader
from shared.domain.agencies import AgencyKind, get_agency
from shared.domain.catalogue import Target, TargetKind, catalogue_on
from shared.kafka import BrokerUnavailable
from shared.presentation.cli import AgencyId, Day, TargetId, echo_json, echo_table, echo_text, json_option, runtime
from shared.presentation.figures import day_text, figure_text, number, pct
from shared.presentation.labels import BLOCK_ORDER, BLOCK_VI, STATUS_VI, status_detail
from shared.runtime import Runtime, graceful_stop
from shared.scoring.national import national_goal
from shared.scoring.projector import Projector
from shared.scoring.status import Status

from services.scorer.replay import as_of, publish_alerts, rebuild, snapshot_as_of


_JSON = json_option()
_AS_OF = click.option("--as-of", "as_of_day", type=Day(),
                      help="Figures on this day, computed from the ledger (default: the projections, for the day "
                           "the scorer last evaluated).")
_AT_SEQ = click.option("--at-seq", type=click.IntRange(min=0),
                       help="Only ledger entries up to this sequence number (the ledger as it stood then); "
                            "computed from the ledger.")
_TODAY = click.option("--today", type=Day(),
                      help="Evaluate for this day instead of today in Vietnam (replays, demos, tests).")


def _en(count: int) -> str:
    """A count in an English line of the workers' output (1,234)."""
    return number(count, "en")


def _agency_name(agency_id: str) -> str:
    try:
        return get_agency(agency_id).name_vi
    except KeyError:
        return agency_id


# ---- figures in words ------------------------------------------------------------------------
def _cell_json(row: dict[str, Any], targets: dict[str, Target]) -> dict[str, Any]:
    target = targets.get(row["target_id"])
    out = dict(row)
    out["agency_name_vi"] = _agency_name(row["agency_id"])
    out["target_name_vi"] = target.name_vi if target else None
    out["completion_pct"] = None if row["completion"] is None else round(row["completion"] * 100, 2)
    out["status_vi"] = _status_vi(target, row)
    return out


def _status_vi(target: Target | None, row: dict[str, Any]) -> str:
    """A row's status in words, with its days late or overdue ("Hoàn thành quá hạn 12 ngày")."""
    if target is None:
        return STATUS_VI[Status(row["status"])]
    return status_detail(row["status"], "vi", target.deadline, row["evaluated_on"], row.get("met_on"))


def _national_json(row: dict[str, Any], targets: dict[str, Target]) -> dict[str, Any]:
    target = targets.get(row["target_id"])
    out = dict(row)
    if target is not None:
        out.update(name_vi=target.name_vi, kind=target.kind.value, unit=target.unit,
                   target_value=target.target_value, deadline=target.deadline, scope=target.scope.value,
                   goal=float(national_goal(target, row["agencies"])))
    out["completion_pct"] = None if row["completion"] is None else round(row["completion"] * 100, 2)
    out["value_pct"] = (round(row["value"] * 100, 2)
                        if row["value"] is not None and target is not None and target.kind is not TargetKind.COUNT
                        else None)
    out["status_vi"] = _status_vi(target, row)
    out["block_vi"] = BLOCK_VI[row["block"]]
    out["reached"] = row["met"] + row["met_late"]  # "x/N cơ quan đạt", N = agencies
    return out


# ---- where the figures come from -------------------------------------------------------------
def _figures(rt: Runtime, as_of_day: date | None, at_seq: int | None):
    """(day, at_seq, source, rows by table). From the projections unless a day or a ledger
    position is asked for; then from the scorer's snapshot of that day when it reflects
    exactly that position (a month end of the open year), else folded from the ledger."""
    ledger = LedgerStore(rt.existing_engine)
    if as_of_day is None and at_seq is None:
        store = ScorerStore(rt.existing_engine)
        _, evaluated_on = store.state()
        if evaluated_on is None:
            raise click.ClickException(
                "no projections yet: run `tiendo scorer run --until-idle` or `tiendo scorer rebuild` "
                "(or ask for a day with --as-of YYYY-MM-DD)")
        return evaluated_on, None, "projections", store.projection_rows()
    day = as_of_day or vietnam_today()
    head = ledger.head_seq()
    if at_seq is not None and at_seq > head:
        raise click.ClickException(f"--at-seq {at_seq} is past the ledger head (seq {head})")
    seq = at_seq if at_seq is not None else head
    snapshot = snapshot_as_of(SnapshotReader(rt.existing_engine), day, seq)
    if snapshot is not None:
        return day, seq, "snapshot", snapshot.as_rows()
    proj = as_of(ledger, Projector(), day, at_seq)
    return day, seq, "ledger", proj.as_rows()


# ---- scorer ---------------------------------------------------------------------------------------
@click.group()
def scorer() -> None:
    """Fold the ledger into projections: progress against the 2025 targets.

    \b
    Example:
      tiendo scorer run --until-idle
    """


@scorer.command()
@click.option("--until-idle", is_flag=True, help="Stop once every assigned partition is caught up.")
@click.option("--batch-size", default=5000, show_default=True, help="Ledger messages per database transaction (at most).")
@_TODAY
@_JSON
@click.pass_context
def run(ctx, until_idle, batch_size, today, as_json):
    """Run the scorer worker: consume the ledger topic, keep the projections and alerts current.

    Several workers may run in one consumer group; offsets are stored with the projection
    rows in one transaction.

    \b
    Example:
      tiendo scorer run --until-idle
    """
    from services.scorer.worker import ScorerWorker  # the broker's client loads only for the worker

    rt = runtime(ctx)
    worker = ScorerWorker(rt.settings, rt.broker, ScorerStore(rt.engine), Projector(),
                          today=(lambda: today) if today else vietnam_today, batch_size=batch_size)
    stats = worker.run(until_idle=until_idle, stop=graceful_stop())
    if as_json:
        echo_json(vars(stats))
    else:
        n = _en
        click.echo(f"scorer: consumed {n(stats.consumed)}, applied {n(stats.applied)}, duplicates "
                   f"{n(stats.duplicates)}, rows written {n(stats.rows_written)}, alerts {n(stats.alerts)}"
                   + (f", REJECTED {n(stats.rejected)} ledger messages the ledger does not hold"
                      if stats.rejected else ""))


@scorer.command("rebuild")
@_TODAY
@_JSON
@click.pass_context
def rebuild_cmd(ctx, today, as_json):
    """Recompute every projection from the ledger, from scratch.

    The result equals what the incremental worker maintains. Running workers may stay up.

    \b
    Example:
      tiendo scorer rebuild --today 2025-12-31
    """
    rt = runtime(ctx)
    ledger = LedgerStore(rt.engine)
    store = ScorerStore(rt.engine)
    projector = Projector()
    day = today or vietnam_today()
    total = ledger.ledger_size()
    with click.progressbar(length=total, label="Rebuilding projections", file=sys.stderr,
                           show_pos=True, update_min_steps=max(1, total // 200)) as bar:
        result = rebuild(store, ledger, projector, day, on_entry=bar.update)
    published = 0
    if result.alerts:
        try:
            rt.broker.ensure_topics(rt.settings.topics.all(), rt.settings.partitions, rt.settings.topics.configs())
            producer = rt.broker.producer()
            try:
                published = publish_alerts(store, producer, rt.settings.topics.alerts, projector.world, result.alerts)
            finally:
                producer.close()
        except BrokerUnavailable as exc:
            click.echo(f"warning: {exc}; the new alerts are stored and the next `tiendo scorer run` publishes them",
                       err=True)
    if as_json:
        echo_json(dict(entries=result.entries, malformed=result.malformed, cells=result.cells,
                       national=result.national, scores=result.scores, alerts=len(result.alerts),
                       alerts_published=published, evaluated_on=result.evaluated_on, snapshots=result.snapshots))
    else:
        n = _en
        click.echo(f"rebuilt from {n(result.entries)} ledger entries for {day_text(day)}: {n(result.cells)} agency × "
                   f"target figures, {n(result.national)} national figures, {n(result.scores)} scores, "
                   f"{n(len(result.alerts))} new alerts, {n(result.snapshots)} month-end snapshots"
                   + (f" ({n(result.malformed)} unreadable entries skipped)" if result.malformed else ""))


# ---- score ----------------------------------------------------------------------------------------
@click.group()
def score() -> None:
    """Progress against the 2025 targets: per agency, national, ranking.

    \b
    Example:
      tiendo score show --agency ha-noi
    """


@score.command()
@click.option("--agency", "agency_id", type=AgencyId(), help="Only this agency (registry id, e.g. ha-noi).")
@click.option("--target", "target_id", type=TargetId(), help="Only this target (catalogue id, e.g. essential_services).")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only figures with this status.")
@_AS_OF
@_AT_SEQ
@_JSON
@click.pass_context
def show(ctx, agency_id, target_id, status, as_of_day, at_seq, as_json):
    """Value, completion and status of each agency × target.

    \b
    Examples:
      tiendo score show --agency bo-cong-an --target essential_services
      tiendo score show --target civil_registry_digitised --as-of 2025-03-18 --json
    """
    rt = runtime(ctx)
    day, seq, source, rows = _figures(rt, as_of_day, at_seq)
    targets = catalogue_on(day)
    cells = [r for r in rows["agency_target_values"]
             if (agency_id is None or r["agency_id"] == agency_id)
             and (target_id is None or r["target_id"] == target_id)
             and (status is None or r["status"] == status)]
    if agency_id and not any(r["agency_id"] == agency_id for r in rows["agency_target_values"]):
        agency = get_agency(agency_id)
        if agency.valid_to is not None and day > agency.valid_to:
            hint = (f"{agency.name_vi} ({agency_id}) ceased after {agency.valid_to}; its history is carried by "
                    f"{_agency_name(agency.successor)} ({agency.successor}); try --as-of {agency.valid_to}")
        elif agency.valid_from is not None and day < agency.valid_from:
            hint = f"{agency.name_vi} ({agency_id}) was formed on {agency.valid_from}, after {day}"
        else:
            hint = f"no figures for {agency.name_vi} ({agency_id}) on {day}"
        raise click.ClickException(hint)
    scores = {r["agency_id"]: r for r in rows["agency_scores"]}
    if as_json:
        out = dict(as_of=day, at_seq=seq, source=source, figures=[_cell_json(r, targets) for r in cells])
        if agency_id:
            out["score"] = scores.get(agency_id)
        echo_json(out)
        return
    echo_text(f"Ngày đánh giá {day_text(day)}" + (f" · sổ cái đến seq {seq}" if seq is not None else "")
               + f" · nguồn: {'sổ cái' if source == 'ledger' else 'bảng tổng hợp'}")
    table = [[r["agency_id"], r["target_id"], figure_text(targets.get(r["target_id"]), r), pct(r["completion"]),
              _status_vi(targets.get(r["target_id"]), r), day_text(r["observed_at"]) + (" ⊕" if r["rolled_up"] else ""),
              f"{_agency_name(r['agency_id'])} · {targets[r['target_id']].name_vi if r['target_id'] in targets else ''}"]
             for r in cells]
    if not table:
        click.echo("(không có số liệu phù hợp)")
        return
    echo_table(["Cơ quan", "Chỉ tiêu", "Giá trị", "Hoàn thành", "Trạng thái", "Số liệu ngày", "Tên"], table, wrap=(2, 4, 6))
    if any(r["rolled_up"] for r in cells):
        echo_text("⊕ cộng dồn từ các đơn vị trước sáp nhập (Σ tử số ÷ Σ mẫu số)")
    if agency_id and agency_id in scores:
        s = scores[agency_id]
        echo_text(f"Điểm tổng hợp của Tiến độ: {number(s['score'], digits=2)}/100 · hạng {s['rank']}/{s['peers']}")


@score.command()
@click.option("--target", "target_id", type=TargetId(), help="Only this target.")
@click.option("--block", type=click.Choice(["every", *BLOCK_ORDER]), default="every", show_default=True,
              help="Only ministries, only provinces, or only the totals.")
@_AS_OF
@_AT_SEQ
@_JSON
@click.pass_context
def national(ctx, target_id, block, as_of_day, at_seq, as_json):
    """The national figure of each target per block (khối bộ, ngành; khối địa phương; and
    the total where a task pools both): Σ numerators ÷ Σ denominators, Σ counts, or the
    agencies that reached it ("x/N cơ quan đạt"); with its status and the agencies by status.

    \b
    Examples:
      tiendo score national
      tiendo score national --block province
      tiendo score national --as-of 2025-03-18 --json
    """
    rt = runtime(ctx)
    day, seq, source, rows = _figures(rt, as_of_day, at_seq)
    targets = catalogue_on(day)
    figures = [r for r in rows["national_figures"] if target_id is None or r["target_id"] == target_id]
    if block != "every":
        figures = [r for r in figures if r["block"] == block]
    figures.sort(key=lambda r: (BLOCK_ORDER.index(r["block"]), r["target_id"]))
    if as_json:
        echo_json(dict(as_of=day, at_seq=seq, source=source, targets=[_national_json(r, targets) for r in figures]))
        return
    echo_text(f"Số liệu toàn quốc ngày {day_text(day)}" + (f" · sổ cái đến seq {seq}" if seq is not None else ""))
    table = []
    for r in figures:
        t = targets.get(r["target_id"])
        table.append([r["target_id"], BLOCK_VI[r["block"]], figure_text(t, r, national=True), pct(r["completion"]),
                      _status_vi(t, r), day_text(t.deadline) if t and t.deadline else "không có",
                      f"{r['reporting']}/{r['agencies']}", f"{r['met'] + r['met_late']}/{r['agencies']}",
                      t.name_vi if t else ""])
    echo_table(["Chỉ tiêu", "Khối", "Số liệu", "Mức đạt so với mục tiêu", "Trạng thái", "Hạn",
                "Đã báo cáo (35 ngày)", "Cơ quan đạt", "Tên chỉ tiêu"], table, wrap=(1, 2, 3, 4, 6, 7, 8))


@score.command()
@click.option("--kind", type=click.Choice([k.value for k in AgencyKind]), help="Only ministries or only provinces.")
@_AS_OF
@_AT_SEQ
@_JSON
@click.pass_context
def ranking(ctx, kind, as_of_day, at_seq, as_json):
    """Tiến độ's composite scores (its own weighted completion out of 100, not Bộ chỉ số 766
    nor DTI) and ranks among peers of the same kind.

    \b
    Example:
      tiendo score ranking --kind province
    """
    rt = runtime(ctx)
    day, seq, source, rows = _figures(rt, as_of_day, at_seq)
    scores = sorted((r for r in rows["agency_scores"] if kind is None or r["kind"] == kind),
                    key=lambda r: (r["kind"], r["rank"], r["agency_id"]))
    if as_json:
        echo_json(dict(as_of=day, at_seq=seq, source=source,
                       scores=[dict(r, agency_name_vi=_agency_name(r["agency_id"])) for r in scores]))
        return
    echo_text(f"Xếp hạng theo điểm tổng hợp của Tiến độ ngày {day_text(day)} "
               "(chỉ số riêng của hệ thống, không phải Bộ chỉ số 766 hay DTI)")
    echo_table(["Khối", "Hạng", "Điểm", "Cơ quan", "Tên"],
               [[BLOCK_VI.get(r["kind"], r["kind"]), f"{r['rank']}/{r['peers']}", number(r["score"], digits=2),
                 r["agency_id"], _agency_name(r["agency_id"])] for r in scores], wrap=(0, 4))


# ---- alerts ---------------------------------------------------------------------------------------
@click.group()
def alerts() -> None:
    """Deadline warnings: due in 30, 7 and 1 days, and overdue.

    \b
    Example:
      tiendo alerts list --threshold overdue
    """


@alerts.command("list")
@click.option("--agency", "agency_id", type=AgencyId(), help="Only this agency.")
@click.option("--target", "target_id", type=TargetId(), help="Only this target.")
@click.option("--threshold", type=click.Choice(["30d", "7d", "1d", "overdue"]), help="Only this threshold.")
@_JSON
@click.pass_context
def alerts_list(ctx, agency_id, target_id, threshold, as_json):
    """List the deadline alerts emitted, oldest first (one per agency, target and threshold).

    \b
    Example:
      tiendo alerts list --agency ha-noi --json
    """
    rows = ScorerStore(runtime(ctx).existing_engine).alerts(agency_id, target_id, threshold)
    if as_json:
        echo_json(dict(alerts=[dict(r, agency_name_vi=_agency_name(r["agency_id"]),
                                    status_vi=STATUS_VI[Status(r["status"])]) for r in rows]))
        return
    if not rows:
        click.echo("không có cảnh báo")
        return
    label = {"30d": "còn 30 ngày", "7d": "còn 7 ngày", "1d": "còn 1 ngày", "overdue": "quá hạn"}
    echo_table(["#", "Mức", "Hạn", "Ngày cảnh báo", "Trạng thái", "Hoàn thành", "Chỉ tiêu", "Cơ quan"],
               [[str(r["id"]), label.get(r["threshold"], r["threshold"]), day_text(r["deadline"]),
                 day_text(r["evaluated_on"]), STATUS_VI[Status(r["status"])], pct(r["completion"]),
                 r["target_id"], _agency_name(r["agency_id"])] for r in rows], wrap=(1, 4, 7))

