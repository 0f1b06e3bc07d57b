"""Folding the ledger table: as-of queries, `scorer rebuild`, and the conversions between
the scorer's rows and its pure types."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.db.ledger import LedgerStore
from shared.db.projections import ScorerStore
from shared.db.snapshots import SnapshotReader
from shared.scoring.alerts import AlertDue, alerts_due
from shared.scoring.entries import Entry
from shared.scoring.figures import figure_from_json, figure_to_json
from shared.scoring.folding import fold_ledger
from shared.scoring.projector import Projector
from shared.scoring.rows import Projections, projections_from_rows
from shared.scoring.snapshots import snapshot_days

log = logging.getLogger("tiendo.scorer")


# ---- rows ⇄ pure types ---------------------------------------------------------------------
def observation_row(e: Entry) -> dict[str, Any]:
    """A scorer_observations row (without its version)."""
    return dict(seq=e.seq, agency_id=e.agency_id, chain_pos=e.chain_pos, event_id=e.event_id,
                target_id=e.target_id, kind=e.kind, observed_at=e.observed_at, amends=e.amends,
                figure=figure_to_json(e.figure))


def entry_from_row(row: dict[str, Any]) -> Entry:
    """The entry a scorer_observations row records."""
    return Entry(seq=row["seq"], agency_id=row["agency_id"], chain_pos=row["chain_pos"], event_id=row["event_id"],
                 target_id=row["target_id"], kind=row["kind"], observed_at=row["observed_at"], amends=row["amends"],
                 figure=figure_from_json(json.loads(row["figure"])) if row["figure"] else None)


def alert_row(a: AlertDue) -> dict[str, Any]:
    """An alerts row (created_at is stamped by the store)."""
    return dict(alert_id=a.alert_id, agency_id=a.agency_id, target_id=a.target_id, threshold=a.threshold,
                deadline=a.deadline, evaluated_on=a.evaluated_on, status=a.status, completion=a.completion)


def alert_message(row: dict[str, Any], world) -> bytes:
    """The alerts-topic form of an alert (key: agency_id)."""
    try:
        agency_name = world.agency(row["agency_id"]).name_vi
    except KeyError:
        agency_name = None
    target = world.targets_on(row["evaluated_on"]).get(row["target_id"])
    created = row.get("created_at")
    return json.dumps(
        dict(alert_id=row["alert_id"], agency_id=row["agency_id"], agency_name_vi=agency_name,
             target_id=row["target_id"], target_name_vi=target.name_vi if target else None,
             threshold=row["threshold"], deadline=row["deadline"].isoformat(),
             evaluated_on=row["evaluated_on"].isoformat(), status=row["status"], completion=row["completion"],
             created_at=created.isoformat() if isinstance(created, datetime) else None),
        ensure_ascii=False, separators=(",", ":"),
    ).encode("utf-8")


# ---- folding the ledger -------------------------------------------------------------------
def as_of(ledger: LedgerStore, projector: Projector, on: date, upto_seq: int | None = None) -> Projections:
    """Every figure on ``on`` as the ledger stood at position ``upto_seq`` (None: its head),
    computed from the ledger itself, not from the projections or the snapshots."""
    return projector.full(fold_ledger(ledger.entries(upto_seq=upto_seq)).fold, on, upto_seq)


def snapshot_as_of(snapshots: SnapshotReader, on: date, upto_seq: int) -> Projections | None:
    """The scorer's snapshot of ``on`` when it reflects exactly the ledger up to
    ``upto_seq`` (None: ``on`` is no snapshot day, or the scorer is elsewhere)."""
    found = snapshots.rows_at([on], upto_seq)
    return None if found is None else projections_from_rows(found[on], on)


@dataclass
class RebuildResult:
    entries: int
    malformed: int
    cells: int
    national: int
    scores: int
    alerts: list[int]
    evaluated_on: date
    snapshots: int


def rebuild(store: ScorerStore, ledger: LedgerStore, projector: Projector, on: date,
            on_entry: Callable[[int], None] = lambda n: None) -> RebuildResult:
    """Throw the projections and snapshots away and compute them again from the ledger.

    The ledger is read outside the lock (so ingest keeps running); then, in one locked
    transaction, entries a running scorer applied meanwhile are folded in too, and the
    scorer's entries, projections and snapshots are replaced. Consumer offsets are kept:
    messages already folded here are recognised by seq when a worker consumes them."""
    folded = fold_ledger(ledger.entries(), on_entry)
    fold = folded.fold
    with store.transaction() as tx:
        # Only the keys of what the scorer applied are read; whole rows only for entries
        # the ledger read did not give (recorded after it): usually none.
        missing = [seq for seq, agency_id, target_id in tx.observation_keys() if not fold.has(agency_id, target_id, seq)]
        for row in tx.observations_at(missing):
            fold.apply(entry_from_row(row))
        proj = projector.full(fold, on)
        tx.clear_observations()
        chunk: list[dict[str, Any]] = []
        highest = max(folded.skipped, default=0)
        for e in fold.entries():  # streamed: a row per ledger entry is too many to hold at once
            chunk.append(observation_row(e))
            highest = max(highest, e.seq)
            if len(chunk) == 20_000:
                tx.insert_observations(chunk)
                chunk = []
        tx.insert_observations(chunk)
        tx.insert_skipped(folded.skipped)
        tx.clear_projections()
        rows = proj.as_rows()
        tx.write(rows, {})
        existing = tx.alert_keys()
        due = [a for a in alerts_due(proj.cells.values(), projector.world.targets_on(on)) if a.key not in existing]
        ids = tx.insert_alerts([alert_row(a) for a in due])
        tx.set_evaluated_on(on)
        days = snapshot_days(on, projector)
        tx.snapshots.clear()
        for day in days:
            tx.snapshots.replace(day, projector.full(fold, day).as_rows())
        tx.snapshots.mark(days, [], tx.version)
        tx.set_position(len(fold) + len(folded.skipped), highest)
    return RebuildResult(folded.entries, folded.malformed, len(proj.cells), len(proj.national), len(proj.scores),
                         ids, on, len(days))


def publish_alerts(store: ScorerStore, producer, topic: str, world, ids: list[int] | None = None) -> int:
    """Publish committed alerts not yet on the alerts topic (these ids, or all), wait for
    the broker's acknowledgement, then stamp them published. At least once: a crash
    between the two leaves them to be published again (consumers de-duplicate by alert_id)."""
    pending = store.unpublished_alerts(ids)
    if not pending:
        return 0
    for row in pending:
        producer.send(topic, row["agency_id"], alert_message(row, world))
    producer.flush()
    store.mark_published([r["id"] for r in pending])
    return len(pending)
