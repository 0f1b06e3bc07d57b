"""The web view's speed (issue 17): `tiendo web serve` over a bench pipeline's database,
and bench/webload.py in a second process asking for dashboards, task pages and agency
pages with 20 concurrent clients on loopback for 30 s; p95 of each against its goal
(dashboard and task ≤ 200 ms, agency ≤ 300 ms), and the server's CPU per page.

Run inside `make bench` on the N-entry pipeline, or alone on a fresh pipeline of its own:

    python -m bench.web --n 100000 --database postgresql [--keep]
    python -m bench.web --database-url postgresql+psycopg://…/bench_pow_1234abcd   # a kept one
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import socket
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from shared.config import PROJECT_ROOT
from shared.db.engine import make_engine
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
        with contextlib.suppress(OSError):  # not listening yet
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        time.sleep(0.2)
    raise RuntimeError(f"tiendo web serve did not answer /healthz within {limit_s:.0f} s")


def busiest(engine: Engine, limit: int = 50) -> list[str]:
    """The agencies with the most ledger entries: their pages list the most evidence."""
    with engine.connect() as conn:
        rows = conn.execute(select(ledger_entries.c.agency_id).group_by(ledger_entries.c.agency_id)
                            .order_by(func.count().desc()).limit(limit)).all()
    return [r[0] for r in rows]


def web_figures(engine: Engine, env: dict[str, str], workdir: Path, clients: int = CLIENTS,
                seconds: float = SECONDS, workers: int = WORKERS) -> dict[str, Any]:
    """Serve ``engine``'s database (``env`` names it to `tiendo`) and load it; p95 a page
    kind, and the server's CPU a page."""
    password = secrets.token_urlsafe(18)
    user = f"{USER}-{secrets.token_hex(3)}"  # a user of its own on a database kept from an earlier run
    WebUserStore(engine).add_user(user, "leadership", None, hash_password(password))
    secret = workdir / "bench-web-password"
    secret.write_text(password, encoding="utf-8")
    secret.chmod(0o600)
    targets = sorted({c["target_id"] for c in ScorerStore(engine).cells()})
    agencies = busiest(engine)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = Worker(["-m", "services", "web", "serve", "--port", str(port), "--insecure-cookies", "--workers",
                     str(workers)], env=env)
    try:
        wait_until_up(url, server)
        load = Worker(["-m", "bench.webload", "--url", url, "--name", user, "--password-file", str(secret),
                       "--targets", ",".join(targets), "--agencies", ",".join(agencies),
                       "--clients", str(clients), "--seconds", str(seconds)], env=env).wait(seconds + 300)
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
    parser.add_argument("--keep", action="store_true",
                        help="Keep the pipeline's database afterwards and print its URL (for --database-url).")
    parser.add_argument("--database-url", help="Load the web view over this database instead (kept by --keep).")
    args = parser.parse_args(argv)
    workdir = PROJECT_ROOT / "data" / "bench"
    if args.database_url:
        engine = make_engine(args.database_url)
        env = {**os.environ, "DATABASE_URL": args.database_url, "TIENDO_DATA_DIR": str(workdir)}
        say(f"the web view over {make_url(args.database_url).render_as_string(hide_password=True)}")
        try:
            f = web_figures(engine, env, workdir, args.clients, args.seconds, args.workers)
        finally:
            engine.dispose()
        print(json.dumps(f), flush=True)
        return
    data, cache = dataset(args.n, workdir / "cache"), cache_file(args.n, workdir / "cache")
    p = Pipeline(args.database, f"{args.database[:2]}w", workdir, os.environ.get("KAFKA_BOOTSTRAP_SERVERS",
                                                                                  "127.0.0.1:9092"))
    try:
        say(f"{args.database}: N = {args.n:,} through the pipeline, then the web view")
        through_pipeline(p, data, cache)
        f = web_figures(p.engine, p.env, p.workdir, args.clients, args.seconds, args.workers)
    finally:
        if args.keep:
            say(f"kept: --database-url {p.env['DATABASE_URL']}")
        else:
            p.dispose()
    print(json.dumps(f), flush=True)


if __name__ == "__main__":
    main()
