"""A ledger written straight into a SQLite file, the way ingest writes it (hash chains,
dead letters), without a broker: the report's unit tests read it through the real
stores."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import update

from shared.clock import utc_now
from shared.db.engine import make_engine, migrate
from shared.db.ledger import Batch, LedgerStore, NewDeadLetter, NewEntry
from shared.db.schema import dead_letters
from shared.domain.chain import GENESIS_HASH, content_digest, entry_hash
from shared.domain.events import canonical_bytes, parse_event, to_json_bytes
from shared.domain.tree_head import sign_head
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey

_ids = itertools.count(1)


def event(agency, target, observed_at, figure=None, *, kind="measurement", amends=None, event_id=None,
          reported_at=None, reporter=("Nguyễn Thị Lan", "Chánh Văn phòng"), evidence=None) -> dict:
    """A contract-v1 event (unsigned: the ledger stores what ingest admitted)."""
    observed = date.fromisoformat(observed_at)
    d = {
        "schema_version": 2, "event_id": event_id or f"{agency}-{next(_ids)}", "agency_id": agency,
        "target_id": target, "kind": kind, "observed_at": observed_at,
        "reported_at": reported_at or f"{observed + timedelta(days=2)}T09:00:00+07:00",
        "reporter": {"name": reporter[0], "role": reporter[1]},
    }
    if figure is not None:
        d["figure"] = figure
    if amends is not None:
        d["amends"] = amends
    if evidence is not None:
        d["evidence"] = evidence
    return d


def ratio(num: int, den: int) -> dict:
    return {"type": "ratio", "numerator": num, "denominator": den}


def count(n: int) -> dict:
    return {"type": "count", "count": n}


def milestone(done: bool, done_on: str | None = None) -> dict:
    return {"type": "milestone", "done": done, **({"done_on": done_on} if done else {})}


class LedgerFile:
    """A migrated SQLite database and helpers that append to its ledger. Every append
    ends with a tree head signed by the ledger key in ``key_path`` (default: ``keys/``
    beside the database), as ingest signs one when it has caught up."""

    def __init__(self, path, key_path=None) -> None:
        url = f"sqlite:///{path}"
        migrate(url)
        self.engine = make_engine(url)
        self.store = LedgerStore(self.engine)
        self.key_path = key_path or path.parent / "keys" / "ledger.key.pem"
        self.ledger_key = OperatorKey.load_or_create(self.key_path, LEDGER_KEY_NAME)
        self._heads: dict[str, tuple[int, str]] = {}
        self._offsets = itertools.count()

    def append(self, *events: dict, recorded_at: datetime | None = None, sign: bool = True) -> None:
        """Record events as ledger entries, in order, in one transaction: at
        ``recorded_at``, or when the agency reported each (as `ingest run --replay-clock`);
        then a tree head over the whole ledger, unless ``sign`` is false."""
        entries = []
        for d in events:
            ev = parse_event(d, today=date.max)
            pos, prev = self._heads.get(ev.agency_id, (0, GENESIS_HASH))
            payload = to_json_bytes(ev).decode("utf-8")
            at = recorded_at or ev.reported_at
            h = entry_hash(prev, ev.agency_id, pos + 1, ev.event_id, payload, at)
            entries.append(NewEntry(ev.agency_id, pos + 1, ev.event_id, ev.target_id, ev.kind.value, ev.observed_at,
                                    ev.amends, payload, content_digest(canonical_bytes(ev)), prev, h, at))
            self._heads[ev.agency_id] = (pos + 1, h)
        self.store.commit_batch(Batch(group="test", entries=entries), lambda *_: [],
                                (lambda size, root: sign_head(self.ledger_key, size, root, utc_now())) if sign else None)

    def reject(self, reason: str, original: bytes, agency_id: str | None = None) -> None:
        """Record a dead letter."""
        letter = NewDeadLetter(reason, f"test: {reason}", original, None, "test.progress", 0, next(self._offsets),
                               agency_id=agency_id)
        self.store.commit_batch(Batch(group="test", dead_letters=[letter]), lambda *_: [])

    def backdate(self, rejected_at: datetime) -> None:
        """Pretend every dead letter so far was rejected at ``rejected_at`` (entries keep the
        recorded time they were appended with, which is inside their hash)."""
        with self.engine.begin() as conn:
            conn.execute(update(dead_letters).values(rejected_at=rejected_at.astimezone(timezone.utc)))
