"""A measured child process: its own peak RSS, wall time, output and exit code."""

from __future__ import annotations

import time

from bench.proc import Worker, wait_all


def test_peak_rss_is_the_childs_high_water_mark_not_the_parents() -> None:
    ballast = bytearray(300 * 1024 * 1024)  # the parent's memory, which ru_maxrss would report
    ballast[::4096] = b"x" * len(ballast[::4096])
    # 200 MB held for a moment and released well before the end: a high-water mark sees it.
    m = Worker(["-c", "import time; b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); del b; "
                      "time.sleep(0.3); print('done')"]).wait(30)
    del ballast
    assert m.returncode == 0 and m.stdout == "done\n"
    assert 200 <= m.peak_rss_mb < 400
    assert m.seconds > 0


def test_a_small_child_reports_a_small_peak_and_its_failure() -> None:
    m = Worker(["-c", "import sys; sys.exit('boom')"]).wait(30)
    assert m.returncode == 1 and "boom" in m.stderr
    assert m.peak_rss_mb < 100


def test_exited_does_not_reap_so_the_result_survives() -> None:
    w = Worker(["-c", "print('hi')"])
    deadline = time.monotonic() + 30
    while not w.exited():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    m = w.wait(30)
    assert m.returncode == 0 and m.stdout == "hi\n"


def test_stop_asks_a_worker_to_end(tmp_path) -> None:
    ready = tmp_path / "ready"
    w = Worker(["-c", f"import pathlib, time\ntry:\n    pathlib.Path({str(ready)!r}).touch()\n    time.sleep(30)\n"
                      "except KeyboardInterrupt:\n    print('stopped')"])
    deadline = time.monotonic() + 30
    while not ready.exists():  # a loaded machine may take seconds to start Python
        assert time.monotonic() < deadline
        time.sleep(0.05)
    w.stop()
    m = w.wait(30)
    assert m.stdout == "stopped\n" and m.seconds < 20


def test_wait_all_watches_every_worker_while_the_others_run(tmp_path) -> None:
    done = tmp_path / "done"
    # The second ends first, after holding 150 MB; the first ends only once the second
    # has. Waited for one after the other, the second would be a zombie with no memory
    # left to read by the time its turn came.
    last = Worker(["-c", f"import pathlib, time\nwhile not pathlib.Path({str(done)!r}).exists(): time.sleep(0.01)"])
    first = Worker(["-c", f"import pathlib; b = bytearray(150 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); "
                          f"pathlib.Path({str(done)!r}).touch()"])
    m_last, m_first = wait_all([last, first], 60)
    assert m_last.returncode == 0 and m_first.returncode == 0
    assert 150 <= m_first.peak_rss_mb < 400
    assert m_last.peak_rss_mb < 100
