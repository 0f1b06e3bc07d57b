"""Running a worker as its own process and measuring it: wall time and peak RSS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    """What one finished process did."""

    seconds: float
    cpu_s: float
    """User and system CPU time: unlike the wall time, untouched by other work on the machine."""
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


class Worker:
    """`python ARGS` as a child process, measured when it ends.

    The peak resident set size is the kernel's high-water mark of the child's own memory
    (VmHWM in /proc/PID/status), read every 10 ms while it runs: a mark, not a sample, so
    a short burst between two readings is still counted; only growth in the last 10 ms
    before the exit could be missed. Not ``ru_maxrss``: Linux carries the parent's
    resident size at fork time into it, and the parent here holds the whole data set.
    Output goes to temporary files, so a chatty child never blocks on a full pipe."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self._out = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._err = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._peak_kb = 0
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, *args], env=env, stdout=self._out, stderr=self._err,
                                     text=True)

    def stop(self) -> None:
        """Ask the worker to finish its batch and stop (the workers handle SIGINT)."""
        self.proc.send_signal(signal.SIGINT)

    def exited(self) -> bool:
        """Whether the child has ended, without reaping it (which would lose its rusage):
        an ended, unreaped child is a zombie in /proc."""
        stat = self._proc_file("stat")
        return stat is None or stat.rpartition(")")[2].split()[0] == "Z"

    def wait(self, timeout_s: float = 3600.0) -> Measured:
        """Reap the child with ``wait4``; kill it when it is still running ``timeout_s`` from now."""
        return wait_all([self], timeout_s)[0]

    def _step(self, deadline: float) -> Measured | None:
        """One look at the child: its high-water mark noted, and what it did once it has
        ended (reaped here); killed past ``deadline``."""
        self._peak_kb = max(self._peak_kb, self._high_water_kb())
        pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        if not pid:
            if time.perf_counter() > deadline:
                self.proc.kill()
            return None
        seconds = time.perf_counter() - self.started
        # Reaped here, not by Popen: tell it, so it never waits for the pid again.
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return Measured(seconds, usage.ru_utime + usage.ru_stime, self._peak_kb / 1024, self.proc.returncode,
                        _read(self._out), _read(self._err))

    def _proc_file(self, name: str) -> str | None:
        """/proc/PID/NAME of the child; None once it has been reaped (gone before the
        open, or between the open and the read: then the read fails with ESRCH)."""
        try:
            return Path(f"/proc/{self.proc.pid}/{name}").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return None

    def _high_water_kb(self) -> int:
        status = self._proc_file("status")
        if status is None:
            return 0
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0  # a zombie has no memory left to report


def wait_all(workers: list[Worker], timeout_s: float = 3600.0) -> list[Measured]:
    """Wait for every one of ``workers`` at once (each one's peak RSS watched and its end
    timed while the others still run); those still running ``timeout_s`` from now are killed."""
    deadline = time.perf_counter() + timeout_s
    ended: list[Measured | None] = [None] * len(workers)
    while True:
        for i, w in enumerate(workers):
            if ended[i] is None:
                ended[i] = w._step(deadline)
        if all(m is not None for m in ended):
            return ended
        time.sleep(0.01)


def _read(f) -> str:
    f.seek(0)
    text = f.read()
    f.close()
    return text
