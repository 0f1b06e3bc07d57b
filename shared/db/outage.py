"""Riding out a database that stops answering for a while: PostgreSQL restarting or
failing over, SQLite locked past its busy timeout. A worker waits and carries on from
what the database says was committed; no operator has to restart it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from shared.db import DatabaseUnavailable

log = logging.getLogger("tiendo.db")
T = TypeVar("T")


def until_available(action: Callable[[], T], stop: Callable[[], bool] = lambda: False,
                    first_delay_s: float = 0.2, max_delay_s: float = 5.0) -> T | None:
    """Call ``action`` until it runs without the database being unavailable, backing off
    from ``first_delay_s`` to ``max_delay_s`` between tries; its result, or None when
    ``stop()`` turned true first (the worker was asked to stop meanwhile). Any other
    error (a constraint, a missing privilege) is raised at once: waiting cannot fix it."""
    delay = first_delay_s
    while not stop():
        try:
            return action()
        except DatabaseUnavailable as exc:
            log.warning("database unavailable (%s); trying again in %.1f s", str(exc.orig).strip(), delay)
        time.sleep(delay)
        delay = min(max_delay_s, delay * 2)
    return None
