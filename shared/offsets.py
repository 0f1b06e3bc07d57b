"""The stored offsets win over the consumer's position: which consumed records go on from
what a worker's database says it consumed (ingest and the scorer alike)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, MutableMapping
from typing import Protocol

log = logging.getLogger("tiendo.offsets")

Partition = tuple[str, int]


class _Record(Protocol):
    topic: str
    partition: int
    offset: int


def in_sequence(records: list, positions: MutableMapping[Partition, int | None],
                sought_back: MutableMapping[Partition, int],
                lookup: Callable[[Iterable[Partition]], dict[Partition, int | None]],
                seek: Callable[[str, int, int], None]) -> tuple[list, int]:
    """(the records that go on from each partition's stored offset, how many were
    redelivered). ``positions`` holds the stored offsets (``lookup`` reads those not held
    yet). Records below a stored offset were committed already (consumed again after a
    rebalance or a seek): dropped and counted. A partition whose records start past its
    stored offset (its position moved: a reset, a stray seek) is sought back to it and its
    records dropped; when they start past it again right after that, the log has nothing
    in between (retention deleted it, or transaction markers fill it) and they are taken.
    ``sought_back`` remembers the seeks across calls."""
    unknown = {(r.topic, r.partition) for r in records} - positions.keys()
    if unknown:
        positions.update(lookup(sorted(unknown)))
    kept = []
    redelivered = 0
    firsts: dict[Partition, int] = {}
    for r in records:
        part = (r.topic, r.partition)
        stored = positions[part]
        if stored is not None and r.offset < stored:
            redelivered += 1
            continue
        first = firsts.setdefault(part, r.offset)
        if stored is None or first == stored or sought_back.get(part) == stored:
            kept.append(r)
    for part, first in firsts.items():
        stored = positions[part]
        if stored is not None and first > stored and sought_back.get(part) != stored:
            log.warning("%s[%d] went on at offset %d, the database stored %d: seeking back", part[0], part[1],
                        first, stored)
            sought_back[part] = stored
            seek(part[0], part[1], stored)
        else:
            if stored is not None and first > stored:
                log.warning("%s[%d] has nothing between offsets %d and %d: going on", part[0], part[1], stored, first)
            sought_back.pop(part, None)
    return kept, redelivered
