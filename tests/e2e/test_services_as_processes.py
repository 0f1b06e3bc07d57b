"""The services as separate processes, driven only through `tiendo`, as an operator would."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from tests.factories import event_dict

COUNTS = {"bo-cong-an": 31, "bo-tu-phap": 27}   # 58 essential services on 2025-03-31


def tiendo(env, *args, check=True) -> subprocess.CompletedProcess:
    """Run one `tiendo` command to completion."""
    return subprocess.run([sys.executable, "-m", "services", *args], env=env, capture_output=True,
                          text=True, timeout=300, check=check)


def wait_until(predicate, timeout_s: float, what) -> None:
    """Poll `predicate`; on time-out (a safety bound, not a measure) fail with `what()`,
    which says what was seen."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting: {what()}"
        time.sleep(1)


def test_publish_ingest_score_and_report_with_long_running_workers(env_for, tmp_path):
    keys = tmp_path / "keys"
    for agency in COUNTS:
        # The agency generates its key pair; the operator registers the public key.
        tiendo(env_for, "agency", "key", "new", "--agency", agency, "--out", str(keys))
        tiendo(env_for, "agency", "key", "register", agency, "--public-key", str(keys / f"{agency}.pub.pem"),
               "--valid-from", "2025-01-01")
    lines = [json.dumps(event_dict(a, "essential_services", observed_at="2025-03-31", event_id=f"{a}-q1",
                                   figure={"type": "count", "count": n}), ensure_ascii=False)
             for a, n in COUNTS.items()]
    lines.append("{ this is not an event")
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # Logs go to files: a pipe nobody reads would block a chatty worker once it fills.
    logs = {name: tmp_path / f"{name}.log" for name in ("ingest", "scorer")}
    workers = [subprocess.Popen([sys.executable, "-m", "services", "-v", name, "run"], env=env_for,
                                stdout=subprocess.DEVNULL, stderr=log.open("w"))
               for name, log in logs.items()]
    try:
        published = json.loads(tiendo(env_for, "ingest", "publish", str(events), "--keys-dir", str(keys),
                                      "--json").stdout)
        assert published["sent"] == 3 and published["signed"] == 2

        def caught_up():
            # Messages each group has consumed, not its lag: a group's lag covers only the
            # partitions it has stored offsets for, and is 0 while an entry is still on its
            # way to the ledger topic. Ingest must have taken all 3 messages, the scorer
            # both ledger entries.
            s = json.loads(tiendo(env_for, "status", "--json").stdout)
            consumed = {g["group"].rsplit(".", 1)[1]: sum(p["offset"] for p in g["partitions"])
                        for g in s["consumer_groups"]}
            return s["ledger"]["entries"] == 2 and consumed.get("ingest") == 3 and consumed.get("scorer") == 2

        wait_until(caught_up, 300, lambda: tiendo(env_for, "status", "--json").stdout + "".join(
            f"\n--- {name}.log (tail)\n" + "\n".join(log.read_text().splitlines()[-30:])
            for name, log in logs.items()))
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        codes = [w.wait(timeout=60) for w in workers]
    assert codes == [0, 0], (codes, [log.read_text()[-3000:] for log in logs.values()])

    national = json.loads(tiendo(env_for, "score", "national", "--target", "essential_services",
                                 "--as-of", "2025-03-31", "--json").stdout)["targets"][0]
    assert (national["value"], national["completion_pct"]) == (58.0, 76.32)
    [dead] = json.loads(tiendo(env_for, "dlq", "list", "--json").stdout)["dead_letters"]
    assert dead["reason_code"] == "not_json"
    assert tiendo(env_for, "ledger", "verify").returncode == 0

    out = tmp_path / "reports"
    tiendo(env_for, "report", "build", "--period", "2025-Q1", "--format", "md", "--out", str(out))
    [md] = out.glob("*.md")
    [row] = [line for line in md.read_text(encoding="utf-8").splitlines()
             if line.startswith("|") and "Dịch vụ công thiết yếu" in line]
    assert "| 58 |" in row and "| 76,3% |" in row
