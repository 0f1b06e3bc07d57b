"""The ledger store for unit tests: the real `LedgerStore` on a SQLite file in the test's
own directory, not an in-memory imitation.

Why not a fake: the store's contract is what its one transaction does in SQL. A batch
writes entries, dead letters, Merkle tree nodes, a signed head, the outbox and the
consumed offsets together; the offsets advance by compare-and-set and a clash raises
ConcurrentWrite with nothing written; uniqueness on (agency, event id) and (agency,
chain position) backs de-duplication. A dictionary copy of all that would be a second
implementation to keep in step (the outbox is being reworked as this is written), and a
test passing against it would say little about the store. A migrated SQLite file costs
a copy (the migrations run once per test process), so the unit layer stays fast."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from shared.db import DatabaseUnavailable
from shared.db.engine import make_engine, migrate
from shared.db.ledger import LedgerStore
from shared.domain.keyring import PublicKey

_template: Path | None = None


def _migrated_template() -> Path:
    """A database with every migration applied, made once per test process."""
    global _template
    if _template is None:
        path = Path(tempfile.mkdtemp(prefix="tiendo-fakes-")) / "template.db"
        migrate(f"sqlite:///{path}")
        _template = path
    return _template


def sqlite_ledger(directory: Path, name: str = "ledger.db") -> LedgerStore:
    """A `LedgerStore` on a fresh, migrated SQLite file in `directory` (the caller disposes
    of ``store.engine``). Two stores on the same file are two workers on one database."""
    path = directory / name
    if not path.exists():
        # The backup API copies a consistent database whatever its WAL holds.
        with sqlite3.connect(_migrated_template()) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
    return LedgerStore(make_engine(f"sqlite:///{path}"))


class FailingOnce:
    """A store whose next call to ``method`` fails with DatabaseUnavailable, ``after`` it
    ran (the commit happened, its answer was lost with the connection) or before; every
    other call goes to ``store``."""

    def __init__(self, store: LedgerStore, method: str, after: bool) -> None:
        self._store = store
        self._method = method
        self._after = after
        self.failed = False

    def __getattr__(self, name: str):
        real = getattr(self._store, name)
        if name != self._method or self.failed:
            return real

        def failing(*args, **kwargs):
            self.failed = True
            if self._after:
                real(*args, **kwargs)
            raise DatabaseUnavailable("COMMIT", {}, OSError("server closed the connection unexpectedly"))

        return failing


class StaticKeys:
    """A key directory (`shared.ports.KeyDirectory`) that holds a fixed set of keys."""

    def __init__(self, keys: dict[str, PublicKey]) -> None:
        self.keys = keys

    def all(self) -> dict[str, PublicKey]:
        """Every key by id."""
        return dict(self.keys)
