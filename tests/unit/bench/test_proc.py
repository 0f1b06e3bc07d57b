"""A measured child process: its own peak RSS, wall time, output and exit code."""

from __future__ import annotations

import threading
import time

from bench.proc import Worker, wait_all


def test_peak_rss_is_the_childs_high_water_mark_not_the_parents(tmp_path) -> None:
    ballast = bytearray(300 * 1024 * 1024)  # the parent's memory, which ru_maxrss would report
    ballast[::4096] = b"x" * len(ballast[::4096])
    release = tmp_path / "release"
    # 200 MB held and released before the end: a high-water mark still sees it. The child
    # ends once the mark has been read (a condition, not a time: safety bound 60 s).
    w = Worker(["-c", "import pathlib, time; b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); "
                      f"del b\nwhile not pathlib.Path({str(release)!r}).exists(): time.sleep(0.01)\nprint('done')"])

    def release_once_read() -> None:
        deadline = time.monotonic() + 60
        while w._peak_kb < 200 * 1024 and time.monotonic() < deadline:
            time.sleep(0.01)
        release.touch()

    threading.Thread(target=release_once_read, daemon=True).start()
    m = w.wait(90)
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
    release, over = tmp_path / "release", tmp_path / "over"
    # The second holds 150 MB until told to end; the first ends only after it. Waited for
    # one after the other, the second's memory would never be read while it runs. No step
    # waits for a time: the second is released once wait_all has read its 150 MB (a
    # wait_all that blocked on the first would never read it, and the test fails on its
    # safety bound), and the first once the second has ended.
    last = Worker(["-c", f"import pathlib, time\nwhile not pathlib.Path({str(over)!r}).exists(): time.sleep(0.01)"])
    first = Worker(["-c", f"import pathlib, time; b = bytearray(150 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])\n"
                          f"while not pathlib.Path({str(release)!r}).exists(): time.sleep(0.01)"])

    def conduct() -> None:
        deadline = time.monotonic() + 60
        while first._peak_kb < 150 * 1024 and time.monotonic() < deadline:
            time.sleep(0.01)
        release.touch()
        while not first.exited() and time.monotonic() < deadline:
            time.sleep(0.01)
        over.touch()

    conductor = threading.Thread(target=conduct, daemon=True)
    conductor.start()
    m_last, m_first = wait_all([last, first], 90)
    conductor.join()
    assert m_last.returncode == 0 and m_first.returncode == 0
    assert 150 <= m_first.peak_rss_mb < 400
    assert m_last.peak_rss_mb < 100
