"""Worker processes the harness can SIGKILL and restart, and a publisher thread that plays
the agency systems at a steady pace (and waits out a broker outage like they would), up to
the point of the stream the harness allows."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from shared.kafka import Broker

from chaos.infra import ROOT


class Worker:
    """One `python -m services <args>` process: a real worker, as operators run it."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.args = args
        # faulthandler: a worker the harness gives up on dumps its threads' stacks (SIGABRT).
        self.env = {**env, "PYTHONFAULTHANDLER": "1"}
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.kills = 0
        self.unplanned_exits: list[int] = []
        """Exit codes of the times it stopped on its own (a recovery that failed)."""

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "services", *self.args], env=self.env, cwd=ROOT,
                                         stdout=subprocess.DEVNULL, stderr=log)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no leaving the group, mid-transaction or mid-publish."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.kills += 1

    def restart_if_dead(self) -> bool:
        """Start it again if it exited by itself; that is recorded, since a worker must
        ride out faults on its own. Whether it had to be restarted."""
        if self.proc is not None and self.proc.poll() is None:
            return False
        self.unplanned_exits.append(self.proc.returncode)
        self.start()
        return True

    def stop(self, timeout_s: float = 120) -> int:
        """SIGTERM (the worker finishes its batch and leaves its group); its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.wait(timeout_s)
        return self.proc.returncode

    def wait(self, timeout_s: float) -> int:
        """Its exit code; one stuck past ``timeout_s`` is aborted."""
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return self.abort()

    def abort(self) -> int:
        """SIGABRT: faulthandler writes every thread's stack to the log, then it exits."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGABRT)
        return self.proc.wait()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""


class Publisher(threading.Thread):
    """Sends (key, value) messages to a topic, a chunk at a time, at ``rate`` messages a
    second (0: as fast as the broker takes them), never past the position the harness
    allows (``allowed``, raised by ``allow``). A fault scenario holds the rest of the
    stream back until its fault has hit: the stream is then still flowing when it hits,
    however fast or slow the machine. A flush waits out a broker outage (the producer
    retries with idempotence, so nothing is sent twice); any failure is kept in ``error``."""

    def __init__(self, broker: Broker, topic: str, messages: list[tuple[str | bytes | None, bytes | None]],
                 rate: float = 0, chunk: int = 500, allowed: int | None = None) -> None:
        super().__init__(daemon=True, name="publisher")
        self.broker = broker
        self.topic = topic
        self.messages = messages
        self.rate = rate
        self.chunk = chunk
        self.sent = 0
        """Messages acknowledged by the broker."""
        self.error: BaseException | None = None
        self.finished_at: float | None = None
        self._allowed = len(messages) if allowed is None else min(allowed, len(messages))
        self._closed = False
        self._changed = threading.Condition()

    def allow(self, upto: int) -> None:
        """Let it publish up to message ``upto`` (never fewer than allowed before)."""
        with self._changed:
            self._allowed = max(self._allowed, min(upto, len(self.messages)))
            self._changed.notify_all()

    def close(self) -> None:
        """Make it stop where it is (a scenario that broke off)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait_sent(self, n: int, timeout_s: float) -> bool:
        """Wait until ``n`` messages are acknowledged (or it finished, or ``timeout_s``);
        whether they are."""
        with self._changed:
            self._changed.wait_for(lambda: self.sent >= n or self.finished_at is not None, timeout_s)
            return self.sent >= n

    def _next_allowed(self) -> tuple[int, bool]:
        """The end of the next chunk, once allowed, and whether it had to wait for it."""
        with self._changed:
            held = self._allowed <= self.sent and not self._closed
            self._changed.wait_for(lambda: self._allowed > self.sent or self._closed)
            return (self.sent if self._closed else min(self._allowed, self.sent + self.chunk)), held

    def run(self) -> None:
        try:
            producer = self.broker.producer()
            due = time.monotonic()
            while self.sent < len(self.messages):
                end, held = self._next_allowed()
                if end == self.sent:
                    break  # closed
                if held:
                    due = time.monotonic()  # the pace goes on from the release, without catching up
                for key, value in self.messages[self.sent:end]:
                    producer.send(self.topic, key, value)
                producer.flush(timeout_s=600)
                if self.rate:
                    due += (end - self.sent) / self.rate
                with self._changed:
                    self.sent = end
                    self._changed.notify_all()
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)  # the agencies' pace, not a wait for anything
            producer.close()
        except BaseException as exc:  # reported by the scenario, which fails the run
            self.error = exc
        finally:
            with self._changed:
                self.finished_at = time.monotonic()
                self._changed.notify_all()
