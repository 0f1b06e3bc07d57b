"""The web view's speed (issue 17): `tiendo web serve` over a bench pipeline's database,
and bench/webload.py in a second process asking for dashboards, task pages and agency
pages with 20 concurrent clients on loopback for 30 s; p95 of each against its goal
(dashboard and task ≤ 200 ms, agency ≤ 300 ms), and the server's CPU per page.

Run inside `make bench` on the N-entry pipeline, or alone on a fresh pipeline of its own:

    python -m bench.web --n 100000 --database postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from shared.config import PROJECT_ROOT
from shared.db.projections import ScorerStore
from shared.db.schema import ledger_entries
from shared.db.web_users import WebUserStore

from services.web.auth import hash_password

from bench.pipeline import Pipeline, say, through_pipeline
from bench.proc import Worker

USER = "bench-leader"
CLIENTS = 20
SECONDS = 30.0
WORKERS = 2
"""uvicorn worker processes: one a core (a page is Python-bound; docs/web.md)."""
START_LIMIT_S = 120.0


def free_port() -> int:
    """A port nobody listens on now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, server: Worker, limit_s: float = START_LIMIT_S) -> None:
    """Until ``/healthz`` answers 200; the server's own error if it ends first."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if server.exited():
            m = server.wait(1)
            raise RuntimeError(f"tiendo web serve ended ({m.returncode}):\n{m.stderr[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"tiendo web serve did not answer /healthz within {limit_s:.0f} s")


def busiest(p: Pipeline, limit: int = 50) -> list[str]:
    """The agencies with the most ledger entries: their pages list the most evidence."""
    with p.engine.connect() as conn:
        rows = conn.execute(select(ledger_entries.c.agency_id).group_by(ledger_entries.c.agency_id)
                            .order_by(func.count().desc()).limit(limit)).all()
    return [r[0] for r in rows]


def web_figures(p: Pipeline, clients: int = CLIENTS, seconds: float = SECONDS, workers: int = WORKERS) -> dict[str, Any]:
    """Serve ``p``'s database and load it; p95 a page kind, and the server's CPU a page."""
    password = secrets.token_urlsafe(18)
    WebUserStore(p.engine).add_user(USER, "leadership", None, hash_password(password))
    secret = p.workdir / "bench-web-password"
    secret.write_text(password, encoding="utf-8")
    secret.chmod(0o600)
    targets = sorted({c["target_id"] for c in ScorerStore(p.engine).cells()})
    agencies = busiest(p)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = p.tiendo("web", "serve", "--port", str(port), "--insecure-cookies", "--workers", str(workers))
    try:
        wait_until_up(url, server)
        load = Worker(["-m", "bench.webload", "--url", url, "--name", USER, "--password-file", str(secret),
                       "--targets", ",".join(targets), "--agencies", ",".join(agencies),
                       "--clients", str(clients), "--seconds", str(seconds)], env=p.env).wait(seconds + 300)
        if load.returncode != 0:
            raise RuntimeError(f"bench.webload failed ({load.returncode}):\n{load.stderr[-3000:]}")
    finally:
        server.stop()
        served = server.wait(60)
    pages = json.loads(load.stdout)
    if any(k["failures"] for k in pages.values()):
        say(f"  the server's last words:\n{served.stderr[-3000:]}")
    answered = sum(k["count"] for k in pages.values())
    f: dict[str, Any] = dict(web_clients=clients, web_seconds=seconds, web_workers=workers, web_pages=pages,
                             web_server_cpu_s=served.cpu_s, web_load_cpu_s=load.cpu_s,
                             web_cpu_ms_per_page=served.cpu_s * 1000 / answered if answered else None,
                             web_failures=sum(k["failures"] for k in pages.values()))
    for kind in ("dashboard", "target", "agency"):
        f[f"web_{kind}_p95_ms"] = pages[kind]["p95_ms"]
    say(f"  web view, {clients} clients × {seconds:.0f} s, {workers} server processes: " + "; ".join(
        f"{kind} {k['count']:,} pages ({k['per_second']:.0f}/s) p50 {k['p50_ms'] or 0:.0f} ms "
        f"p95 {k['p95_ms'] or 0:.0f} ms" for kind, k in pages.items())
        + f"; server CPU {f['web_cpu_ms_per_page'] or 0:.1f} ms a page, {f['web_failures']} non-200 answers")
    return f


def main(argv: list[str] | None = None) -> None:
    from bench.events import cache_file, dataset

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="Events through the pipeline first.")
    parser.add_argument("--database", default="postgresql", choices=("sqlite", "postgresql"))
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--workers", type=int, default=WORKERS, help="uvicorn worker processes.")
    args = parser.parse_args(argv)
    workdir = PROJECT_ROOT / "data" / "bench"
    data, cache = dataset(args.n, workdir / "cache"), cache_file(args.n, workdir / "cache")
    p = Pipeline(args.database, f"{args.database[:2]}w", workdir, os.environ.get("KAFKA_BOOTSTRAP_SERVERS",
                                                                                  "127.0.0.1:9092"))
    try:
        say(f"{args.database}: N = {args.n:,} through the pipeline, then the web view")
        through_pipeline(p, data, cache)
        f = web_figures(p, args.clients, args.seconds, args.workers)
    finally:
        p.dispose()
    print(json.dumps(f), flush=True)


if __name__ == "__main__":
    main()
