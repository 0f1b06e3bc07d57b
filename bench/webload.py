"""The web view under load (issue 17), run as its own process so that the load it makes
and the server it measures do not share an interpreter: ``clients`` signed-in clients on
loopback, each asking for the next page as soon as the last one arrived (no think time),
for ``seconds``. Each client goes round the three kinds of page (dashboard, a task, an
agency), the task and agency drawn at random from the lists given, so every page of the
kind is asked for, not one cached row.

Prints one JSON object: per kind of page, how many answers, their p50/p95/p99/max in
milliseconds (from the request sent to the whole body read) and any non-200 answer.

    python -m bench.webload --url http://127.0.0.1:8765 --name bench --password-file F \\
        --targets a,b --agencies x,y --clients 20 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import defaultdict
from typing import Any

import aiohttp

from bench.stats import percentile

KINDS = ("dashboard", "target", "agency")
WARMUP_S = 3.0
"""Answers in the first seconds are not counted: each server process builds its figure
cache on its first page of a day (docs/web.md)."""


def page_path(kind: str, rng: random.Random, targets: list[str], agencies: list[str]) -> str:
    """The path of one page of ``kind``."""
    if kind == "dashboard":
        return "/"
    if kind == "target":
        return f"/targets/{rng.choice(targets)}"
    return f"/agencies/{rng.choice(agencies)}"


async def sign_in(session: aiohttp.ClientSession, url: str, name: str, password: str) -> None:
    """Open a session (its cookie kept in ``session``'s jar)."""
    async with session.post(f"{url}/login", data={"name": name, "password": password, "next": "/"},
                            allow_redirects=False) as answer:
        if answer.status != 303:
            raise RuntimeError(f"sign-in as {name} answered {answer.status}: {(await answer.text())[:300]}")


async def one_client(index: int, args: argparse.Namespace, password: str, started: float,
                     timings: dict[str, list[float]], failures: dict[str, list[int]]) -> None:
    """One client's loop until the load's end."""
    rng = random.Random(index)
    # unsafe: cookies for a bare IP address (aiohttp keeps none by default).
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await sign_in(session, args.url, args.name, password)
        turn = index
        end = started + WARMUP_S + args.seconds
        while (now := time.perf_counter()) < end:
            kind = KINDS[turn % len(KINDS)]
            turn += 1
            path = page_path(kind, rng, args.targets, args.agencies)
            sent = time.perf_counter()
            async with session.get(f"{args.url}{path}", allow_redirects=False) as answer:
                await answer.read()
                status = answer.status
            took_ms = (time.perf_counter() - sent) * 1000
            if now - started < WARMUP_S:
                continue
            if status == 200:
                timings[kind].append(took_ms)
            else:
                failures[kind].append(status)


def summarise(timings: dict[str, list[float]], failures: dict[str, list[int]], seconds: float) -> dict[str, Any]:
    """Per kind: count, answers a second, p50/p95/p99/max ms, non-200 answers."""
    out: dict[str, Any] = {}
    for kind in KINDS:
        values = sorted(timings.get(kind, []))
        # No answer at all is reported as such (None), not as a fast one.
        out[kind] = dict(count=len(values), per_second=len(values) / seconds,
                         **{f"p{q}_ms": percentile(values, q) if values else None for q in (50, 95, 99)},
                         max_ms=values[-1] if values else None,
                         failures=len(failures.get(kind, [])), failure_statuses=sorted(set(failures.get(kind, []))))
    return out


async def load(args: argparse.Namespace, password: str) -> dict[str, Any]:
    """Run the clients together; their timings by kind of page."""
    timings: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, list[int]] = defaultdict(list)
    started = time.perf_counter()
    await asyncio.gather(*(one_client(i, args, password, started, timings, failures) for i in range(args.clients)))
    return summarise(timings, failures, args.seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="The web view's base URL, e.g. http://127.0.0.1:8765.")
    parser.add_argument("--name", required=True, help="A web user's name (leadership: sees every page).")
    parser.add_argument("--password-file", required=True, help="A file holding that user's password.")
    parser.add_argument("--targets", required=True, type=lambda s: s.split(","), help="Task ids, comma-separated.")
    parser.add_argument("--agencies", required=True, type=lambda s: s.split(","), help="Agency ids, comma-separated.")
    parser.add_argument("--clients", type=int, default=20, help="Concurrent clients (default 20).")
    parser.add_argument("--seconds", type=float, default=30.0, help="How long the measured load lasts (default 30).")
    args = parser.parse_args(argv)
    with open(args.password_file, encoding="utf-8") as f:
        password = f.read().strip()
    print(json.dumps(asyncio.run(load(args, password))), flush=True)


if __name__ == "__main__":
    main()
