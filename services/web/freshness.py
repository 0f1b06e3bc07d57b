"""Versions read from the database, kept for a moment in a server process.

A page kept as rendered is found by the scorer's version (an agency page by its
evidence's version too). Reading those on every view was a database checkout each (a
ping, the query and a rollback), most of what a kept page cost under load. Read at most
once a second instead, a page is at most that much behind the database, and never older
than the version it is kept under."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

VERSIONS_KEPT_S = 1.0


class ShortLived:
    """Values kept per key for ``seconds`` (by ``clock``), then read again."""

    def __init__(self, seconds: float = VERSIONS_KEPT_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """The value kept for ``key`` if it was read less than ``seconds`` ago, else
        ``read()`` (kept from now on)."""
        now = self.clock()
        with self._lock:
            kept = self._items.get(key)
        if kept is not None and now - kept[0] < self.seconds:
            return kept[1]
        value = read()
        with self._lock:
            self._items[key] = (now, value)
        return value
