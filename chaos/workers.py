"""Worker processes the harness can SIGKILL and restart, and a publisher thread that plays
the agency systems at a steady pace (and waits out a broker outage like they would)."""

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
    """Sends (key, value) messages to a topic, a chunk at a time, spread evenly over
    ``duration_s``. A flush waits out a broker outage (the producer retries with
    idempotence, so nothing is sent twice); any failure is kept in ``error``."""

    def __init__(self, broker: Broker, topic: str, messages: list[tuple[str | bytes | None, bytes | None]],
                 duration_s: float, chunk: int = 500) -> None:
        super().__init__(daemon=True, name="publisher")
        self.broker = broker
        self.topic = topic
        self.messages = messages
        self.duration_s = duration_s
        self.chunk = chunk
        self.sent = 0
        self.error: BaseException | None = None
        self.finished_at: float | None = None

    def run(self) -> None:
        try:
            producer = self.broker.producer()
            started = time.monotonic()
            chunks = max(1, -(-len(self.messages) // self.chunk))
            for i in range(chunks):
                for key, value in self.messages[i * self.chunk:(i + 1) * self.chunk]:
                    producer.send(self.topic, key, value)
                producer.flush(timeout_s=600)
                self.sent = min(len(self.messages), (i + 1) * self.chunk)
                pause = started + self.duration_s * (i + 1) / chunks - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            producer.close()
        except BaseException as exc:  # reported by the scenario, which fails the run
            self.error = exc
        finally:
            self.finished_at = time.monotonic()
