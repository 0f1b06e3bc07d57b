#!/usr/bin/env python3
"""Liveness check of a service's container (docker-compose.yml's health checks).

The service is its container's PID 1. It is alive while that process runs (neither a
zombie nor stopped) and, given ports, holds an established TCP connection to one of them:
a consumer that lost its broker, or never reached it, is not doing its work. The check
reads /proc only: it connects nowhere and answers in milliseconds, well within any timeout.

    tiendo-alive [kafka] [database]     exit 0 alive, 1 not (the reason on stderr)

"kafka" asks for a connection to a port of KAFKA_BOOTSTRAP_SERVERS, "database" to
DATABASE_URL's (5432 by default).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

PROC = Path("/proc/1")
ESTABLISHED = "01"


def state() -> str:
    """PID 1's state letter (R, S, D, Z, T…), from /proc/1/stat after the command's name."""
    stat = (PROC / "stat").read_text()
    return stat[stat.rindex(")") + 2]


def socket_inodes() -> set[str]:
    """The inodes of PID 1's sockets, from its file descriptors."""
    inodes = set()
    for fd in (PROC / "fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed while we looked
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def connected_ports(inodes: set[str]) -> set[int]:
    """The remote ports of PID 1's established TCP connections (IPv4 and IPv6)."""
    ports = set()
    for table in ("tcp", "tcp6"):
        path = PROC / "net" / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == ESTABLISHED and fields[9] in inodes:
                ports.add(int(fields[2].rsplit(":", 1)[1], 16))
    return ports


def ports_of(name: str) -> set[int]:
    """The ports a connection named on the command line may go to."""
    if name == "kafka":
        servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092").split(",")
        return {int(s.rsplit(":", 1)[1]) for s in servers}
    if name == "database":
        return {urlsplit(os.environ.get("DATABASE_URL", "")).port or 5432}
    raise SystemExit(f"tiendo-alive: unknown connection {name!r} (kafka or database)")


def main(argv: list[str]) -> int:
    letter = state()
    if letter in "ZTtXx":
        print(f"tiendo-alive: the service's process is in state {letter}", file=sys.stderr)
        return 1
    connected = connected_ports(socket_inodes()) if argv else set()
    for name in argv:
        if not ports_of(name) & connected:
            print(f"tiendo-alive: no established connection to {name} (port {' or '.join(map(str, sorted(ports_of(name))))})",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
