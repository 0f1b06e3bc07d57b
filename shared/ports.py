"""Ports: what the workers use of the broker and of the ledger store, as protocols.

The adapters (`shared.kafka.client`, `shared.db.ledger`, `shared.db.keys`) satisfy them
structurally, and so do the unit tests' in-memory fakes (`tests.fakes`), so a worker's
batch step can be tested without a broker or a database server. This module imports no
infrastructure library: `shared.kafka` and `shared.db` would load kafka-python and
SQLAlchemy with their package, hence one module beside them rather than one in each,
and their value types named for annotations only."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shared.db.ledger import Batch, ChainHead, HeadIssuer, KnownEvent, NewDeadLetter, StoredEntry
    from shared.domain.keyring import PublicKey
    from shared.domain.tree_head import TreeHead
    from shared.kafka.client import Record

Partition = tuple[str, int]
"""A topic and one of its partitions."""

Message = tuple[str, "bytes | None", bytes]
"""A message to publish: topic, key, value."""


# ---- the broker ------------------------------------------------------------------------
class Producer(Protocol):
    """Sends keyed messages; nothing counts as published before `flush` returns."""

    def send(self, topic: str, key: str | bytes | None, value: bytes) -> None:
        """Queue one message (failures surface at `flush`)."""

    def flush(self, timeout_s: float = 60.0) -> None:
        """Block until every queued message is acknowledged; raise BrokerUnavailable (or
        PublishFailed) if one was not."""

    def close(self) -> None:
        """Flush and release the connection."""


class Consumer(Protocol):
    """A consumer-group member that never commits on its own: its owner keeps offsets
    with its writes and gives them back through the `on_assigned` callback."""

    def poll(self, max_records: int = 5000, timeout_ms: int = 200) -> list[Record]:
        """Up to `max_records` messages from the assigned partitions, in offset order."""

    def seek(self, topic: str, partition: int, offset: int) -> None:
        """Move the position of one partition."""

    def assignment(self) -> list[Partition]:
        """The partitions this member owns now."""

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written on every partition of `topic`."""

    def lag(self) -> int:
        """Messages left to read on the assigned partitions."""

    def mirror_commit(self, offsets: dict[Partition, int]) -> None:
        """Copy stored offsets to the broker for its tools (informative only)."""

    def close(self) -> None:
        """Leave the group, so partitions move to the other members."""


class Broker(Protocol):
    """Topics, producers and consumers on one cluster, as the workers use them."""

    def ensure_topics(self, names: Iterable[str], partitions: int,
                      configs: dict[str, dict[str, str]] | None = None) -> None:
        """Create the topics that do not exist yet."""

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written, per partition of a topic."""

    def producer(self, **overrides) -> Producer:
        """A producer that acknowledges only what the broker keeps."""

    def consumer(self, group: str, topics: list[str],
                 on_assigned: Callable[[list[Partition]], dict[Partition, int | None]],
                 on_revoked: Callable[[list[Partition]], None] = ..., **overrides) -> Consumer:
        """A member of `group` whose positions come from `on_assigned` (None: the start)."""


# ---- the ledger store, as the ingest worker uses it --------------------------------------
class TreeProgress(Protocol):
    """What the ingest worker reads of the Merkle tree's store."""

    extend_cpu_s: float
    """CPU time spent extending the tree so far (for the worker's statistics)."""

    def latest_head(self) -> TreeHead | None:
        """The newest signed tree head, if any."""


class IngestLedger(Protocol):
    """The ledger store as the ingest worker uses it: reads for admission and chaining,
    one atomic write per batch (entries, dead letters, tree, offsets, outbox), and the
    outbox of messages committed but not yet published."""

    tree: TreeProgress

    def tracked_offsets(self, group: str, parts: Iterable[Partition]) -> dict[Partition, int | None]:
        """The next offset to consume per partition, None where nothing was stored."""

    def chain_heads(self, agencies: Iterable[str] | None = None) -> dict[str, ChainHead]:
        """The last entry of each agency's chain."""

    def known_events(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], KnownEvent]:
        """Entries already recorded under the given (agency_id, event_id) pairs."""

    def retracted(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of the given (agency_id, event_id) pairs a retraction already removed."""

    def commit_batch(self, batch: Batch,
                     announce: Callable[[list[StoredEntry], list[NewDeadLetter], TreeHead | None, datetime],
                                        list[Message]],
                     issue_head: HeadIssuer | None = None) -> list[StoredEntry]:
        """Write the batch and its outbox messages and advance its offsets, atomically;
        raise ConcurrentWrite when another worker got there first."""

    def record_head(self, issue_head: HeadIssuer, announce_head: Callable[[TreeHead], Message]) -> TreeHead | None:
        """Issue, keep and queue a head over the whole tree, when one is due."""

    def pending_outbox(self, limit: int = 10_000) -> list[tuple[int, str, bytes | None, bytes]]:
        """Messages committed but not yet confirmed published, oldest first (dead letters
        and tree heads)."""

    def unpublished_entries(self, limit: int = 10_000) -> tuple[list[int], list[StoredEntry]]:
        """The oldest committed batches whose entries' messages are not yet confirmed
        published: their first leaves and their entries, in leaf order."""

    def clear_outbox(self, ids: list[int], unpublished: list[int] = ()) -> None:
        """Forget messages the broker has acknowledged: outbox rows by id, batches of
        entries by first leaf."""


class KeyDirectory(Protocol):
    """The agencies' public keys, as admission reads them."""

    def all(self) -> dict[str, PublicKey]:
        """Every key by id."""
