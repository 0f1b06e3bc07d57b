"""The Docker stack, run for real under podman (issue 18, `make containers`).

The images are built from Debian's own packages (infra/containers/build.sh: no registry is
reachable here), the compose file is docker-compose.yml with the host-network override
(infra/containers/compose.host.yml: every service on 127.0.0.1, beside the local Kafka and
PostgreSQL), driven by podman-compose. Then, as a person would: the README's Docker steps,
the demo's events published from the host through Kafka's host listener, the containers'
workers ingesting and scoring them, the demo's own check of the ledger, dead letters and
seed figures, and a PDF report built inside the image.

podman 4.3 (Debian bookworm's) cannot wait for a health check (podman-compose ignores
`condition: service_healthy` before podman 4.6, and podman 4.3 fails on `--requires`
chains), so the test starts the services in the order the conditions give, running each
health check itself (`podman healthcheck run`) until it passes: the checks are the compose
file's own. Everything is torn down (containers and volumes) whatever happens.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROJECT = "tiendo-ctest"
COMPOSE_FILES = ["docker-compose.yml", "infra/containers/compose.host.yml"]
# The demo's events are a past year: ingest records each at its reported_at (scripts/demo.sh).
DEMO_OVERRIDE = "tests/containers/compose.demo.yml"
HOST_KAFKA = "127.0.0.1:19092"
HOST_PG = "127.0.0.1:15432"
WEB = "http://127.0.0.1:18000"
PASSWORDS = ["TIENDO_PG_OWNER_PASSWORD", "TIENDO_PG_INGEST_PASSWORD", "TIENDO_PG_SCORER_PASSWORD",
             "TIENDO_PG_REPORT_PASSWORD"] + [f"TIENDO_KAFKA_{p}_PASSWORD" for p in
                                             ("ADMIN", "INGEST", "SCORER", "REPORT", "AGENCY")]
DEADLINE = 600  # seconds for any one condition on this shared 2-core machine; never a fixed wait


def run(cmd: list[str], env: dict[str, str] | None = None, check: bool = True, **kw) -> subprocess.CompletedProcess:
    # No standard input (as under CI): nothing here reads one.
    result = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, **kw)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def wait_until(what: str, condition, deadline: float = DEADLINE, every: float = 1.0):
    """Poll ``condition`` until it returns something true; fail naming ``what`` at the deadline."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not within {deadline} s")
        time.sleep(every)


class Stack:
    """The compose project: podman-compose with this test's files and passwords."""

    def __init__(self, env: dict[str, str], files: list[str]):
        self.env = env
        self.files = files

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(BIN / "podman-compose"), "-p", PROJECT]
        for f in self.files:
            cmd += ["-f", f]
        return run(cmd + ["--profile", "tools", *args], env=self.env, check=check)

    def container(self, service: str) -> str:
        return f"{PROJECT}_{service}_1"

    def podman(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return run(["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs", *args], env=self.env, check=check)

    def healthy(self, service: str) -> bool:
        """Run the service's own health check once (what a Docker engine does every interval)."""
        return self.podman("healthcheck", "run", self.container(service), check=False).returncode == 0

    def wait_healthy(self, *services: str) -> None:
        for s in services:
            wait_until(f"{s}'s health check", lambda s=s: self.healthy(s), every=2)

    def exit_code(self, service: str) -> int:
        self.podman("wait", self.container(service))
        return int(self.podman("inspect", "--format", "{{.State.ExitCode}}", self.container(service)).stdout)

    def tools(self, service: str, *args: str, volumes: tuple[str, ...] = ()) -> str:
        """`docker compose run --rm SERVICE ARGS` (the README's tools), output on stdout."""
        mounts = [a for v in volumes for a in ("-v", v)]
        return self.compose("run", "--rm", "--no-deps", "-T", *mounts, service, *args).stdout

    def volume_path(self, volume: str) -> Path:
        return Path(self.podman("volume", "inspect", "--format", "{{.Mountpoint}}", f"{PROJECT}_{volume}").stdout.strip())

    def down(self) -> None:
        self.compose("down", "-v", "--timeout", "10", check=False)


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    """The images, built (or found in podman's cache) from Debian's packages."""
    started = time.monotonic()
    env_file = Path(run([str(ROOT / "infra/containers/build.sh")]).stdout.strip().splitlines()[-1])
    print(f"images ready in {time.monotonic() - started:.0f} s")
    return dict(line.split("=", 1) for line in env_file.read_text().split())


@pytest.fixture(scope="module")
def stack(images: dict[str, str], tmp_path_factory) -> Iterator[Stack]:
    passwords = {name: secrets.token_hex(16) for name in PASSWORDS}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "TIENDO_", "DATABASE_URL"))}
    env.update(images, **passwords, CONTAINERS_CONF=str(ROOT / "infra/containers/containers.conf"))
    s = Stack(env, COMPOSE_FILES + [DEMO_OVERRIDE])
    s.passwords = passwords
    s.host_data = tmp_path_factory.mktemp("host-data")  # the host clients' data dir, not the repo's
    s.down()  # what a run that was killed may have left
    try:
        started = time.monotonic()
        s.compose("up", "-d", "kafka", "postgres")
        s.wait_healthy("kafka", "postgres")
        s.timings = {"kafka and postgres healthy": time.monotonic() - started}
        s.compose("up", "-d", "--no-deps", "migrate", "kafka-init")
        s.setup_exit = {svc: s.exit_code(svc) for svc in ("migrate", "kafka-init")}
        s.compose("up", "-d", "--no-deps", "ingest", "scorer", "report", "web")
        s.timings["stack up"] = time.monotonic() - started
        yield s
    finally:
        for service in ("kafka", "migrate", "ingest", "scorer", "report", "web"):
            logs = s.podman("logs", "--tail", "15", s.container(service), check=False)
            print(f"--- {service}\n{logs.stdout[-1500:]}{logs.stderr[-1500:]}")
        s.down()


def host_client(stack: Stack) -> dict[str, str]:
    """A client on the host: the broker's admin through the host listener, PostgreSQL's owner."""
    env = dict(stack.env)
    env.update(KAFKA_BOOTSTRAP_SERVERS=HOST_KAFKA, KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", KAFKA_SASL_MECHANISM="PLAIN",
               KAFKA_SASL_USERNAME="admin", KAFKA_SASL_PASSWORD=stack.passwords["TIENDO_KAFKA_ADMIN_PASSWORD"],
               TIENDO_TOPIC_PREFIX="tiendo", PATH=f"{BIN}:{env['PATH']}", TIENDO_DATA_DIR=str(stack.host_data),
               DATABASE_URL=f"postgresql+psycopg://tiendo:{stack.passwords['TIENDO_PG_OWNER_PASSWORD']}@{HOST_PG}/tiendo")
    return env


def test_podman_compose_reads_the_files_with_every_service_on_the_host_network():
    """`podman-compose config`: the compose file and the override, merged (lists replaced
    where the override says !override), every service on the host network, none publishing."""
    env = {**os.environ, **{name: "x" for name in PASSWORDS}, "COMPOSE_PROFILES": "tools"}
    config = run([str(BIN / "podman-compose"), "-f", COMPOSE_FILES[0], "-f", COMPOSE_FILES[1], "config"], env=env).stdout
    services = yaml.safe_load(config)["services"]
    assert {"kafka", "postgres", "migrate", "kafka-init", "ingest", "scorer", "report", "web"} <= services.keys()
    assert {name: svc.get("network_mode") for name, svc in services.items()} == {name: "host" for name in services}
    assert not any(svc.get("ports") for svc in services.values())
    assert services["web"]["command"][:6] == ["web", "serve", "--host", "127.0.0.1", "--port", "18000"]
    assert services["web"]["healthcheck"]["test"][-1].count("/healthz") == 1


def test_the_image_renders_vietnamese_text_into_a_pdf(images, tmp_path):
    """WeasyPrint's system libraries (Pango, HarfBuzz) and fonts are in the image: a PDF
    rendered inside it, through the report code's fonts, holds the Vietnamese text."""
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)  # the image's user writes here
    script = ("from weasyprint import HTML; from services.report.render import _font_css; "
              "HTML(string='<style>' + _font_css() + 'p { font-family: \"Tiendo Sans\" }</style>"
              "<p>Tiến độ chuyển đổi số — Hà Nội, Đà Nẵng</p>').write_pdf('/out/x.pdf')")
    run(["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs", "run", "--rm", "--network", "none",
         "-v", f"{out}:/out", "--entrypoint", "python3", images["TIENDO_IMAGE"], "-c", script],
        env={**os.environ, "CONTAINERS_CONF": str(ROOT / "infra/containers/containers.conf")})
    pdf = out / "x.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "Tiến độ chuyển đổi số — Hà Nội, Đà Nẵng" in run(["pdftotext", str(pdf), "-"]).stdout
    assert "Tiendo-Sans" in run(["pdffonts", str(pdf)]).stdout


def test_setup_runs_once_before_the_workers_and_every_health_check_passes(stack):
    assert stack.setup_exit == {"migrate": 0, "kafka-init": 0}
    logs = stack.podman("logs", stack.container("migrate")).stdout
    assert "schema is at the newest revision" in logs
    # Every long-running service's own health check passes (the workers': alive and
    # connected to the broker; the web view's /healthz).
    stack.wait_healthy("kafka", "postgres", "ingest", "scorer", "report", "web")
    print(f"timings: {stack.timings}")


def test_kafka_keeps_its_data_in_its_own_volume(stack):
    mounts = json.loads(stack.podman("inspect", "--format", "{{json .Mounts}}", stack.container("kafka")).stdout)
    assert any(m["Name"] == f"{PROJECT}_kafka-data" and m["Destination"] == "/var/lib/kafka/data" for m in mounts)
    assert (stack.volume_path("kafka-data") / "meta.properties").exists()


def test_the_host_listener_serves_a_client_on_the_host(stack):
    """kcat on the host (the README's tour) bootstraps from 127.0.0.1:19092 and is told the
    broker is at 127.0.0.1:19092 (not at kafka:9092, which the host cannot resolve)."""
    password = stack.passwords["TIENDO_KAFKA_ADMIN_PASSWORD"]
    listing = run(["kcat", "-b", HOST_KAFKA, "-L", "-X", "security.protocol=SASL_PLAINTEXT",
                   "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=admin", "-X", f"sasl.password={password}",
                   "-m", "20"]).stdout
    assert "broker 1 at 127.0.0.1:19092" in listing
    assert "tiendo.progress.v1" in listing
    # An agency's system with the tour's kcat settings (SASL/PLAIN): it sees only what its
    # ACLs let it (the progress topic it writes), not the ledger.
    agency = run(["kcat", "-b", HOST_KAFKA, "-L", "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN",
                  "-X", "sasl.username=agency", "-X", f"sasl.password={stack.passwords['TIENDO_KAFKA_AGENCY_PASSWORD']}",
                  "-m", "20"]).stdout
    assert "tiendo.progress.v1" in agency and "tiendo.ledger.v1" not in agency


def test_the_readme_steps_and_the_demo_events_go_through_the_stack(stack, tmp_path):
    """The README's Docker steps (an agency's key, registered; its events file published from
    /data/events.jsonl as the agency principal), then the demo's events published from the
    host (`tiendo simulate`, as scripts/demo.sh), ingested and scored by the containers."""
    client = host_client(stack)
    started = time.monotonic()
    # README: `docker compose run --rm agency agency key new …`, then the operator registers it.
    stack.tools("agency", "agency", "key", "new", "--agency", "ha-noi", "--out", "/data/agency-keys")
    stack.tools("operator", "agency", "key", "register", "ha-noi", "--public-key", "/data/agency-keys/ha-noi.pub.pem")
    event = json.loads((ROOT / "docs/examples/event.json").read_text(encoding="utf-8"))
    # Reported after the key's valid_from (the moment it was registered, to the microsecond):
    # ingest runs with --replay-clock here, so the event counts as received at its reported_at,
    # and a time truncated to the second of the registration is before the key was valid
    # (key_not_yet_valid). Rounded up, never down.
    reported_at = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(seconds=1)).replace(microsecond=0)
    event.update(event_id="hn-compose-0001", reported_at=reported_at.isoformat())
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(event, ensure_ascii=False) + "\n", encoding="utf-8")
    events.chmod(0o644)
    stack.tools("agency", "ingest", "publish", "/data/events.jsonl", "--key", "/data/agency-keys/ha-noi.key.pem",
                volumes=(f"{events}:/data/events.jsonl:ro",))

    # The README's event is recorded (a refusal fails here, naming its reason, instead of
    # leaving the count below one short for the whole wait).
    def readme_event_settled():
        status = json.loads(run(["tiendo", "status", "--json"], env=client).stdout)
        return status if status["ledger"]["entries"] or status["dead_letters"] else None

    settled = wait_until("the README's event recorded or refused", readme_event_settled, every=2)
    assert (settled["ledger"]["entries"], settled["dead_letters"]) == (1, {}), settled["dead_letters"]

    # The demo's events, from the host through the host listener.
    expected_file = tmp_path / "expected.json"
    run(["tiendo", "simulate", "--seed", "2025", "--expectations", str(expected_file)], env=client)
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    expected["ledger"]["events"] += 1  # the README's event
    expected_file.write_text(json.dumps(expected), encoding="utf-8")

    last = {}

    def caught_up():
        status = json.loads(run(["tiendo", "status", "--json"], env=client).stdout)
        last["status"] = status
        groups = {g["group"]: g["lag"] for g in status["consumer_groups"]}
        return (status["ledger"]["entries"] == expected["ledger"]["events"]
                and groups.get("tiendo.ingest") == 0 and groups.get("tiendo.scorer") == 0)

    try:
        wait_until("the workers in the containers caught up with the demo's events", caught_up, every=3)
    except AssertionError:
        # What the workers reached: entries and lags, to tell a stalled worker from a
        # message the ledger refused (see the dead letters' reasons in the report below).
        print("last status:", json.dumps(last.get("status"), ensure_ascii=False, default=str))
        raise
    print(f"README steps and {expected['ledger']['events']} events through the stack in {time.monotonic() - started:.0f} s")
    # The demo's own check: the ledger, the dead letters with their reasons, the seed figures.
    check = run([sys.executable, "scripts/check_demo.py", str(expected_file)], env=client)
    assert "as expected" in check.stdout
    # Inside the image, where the ledger's key is (the data volume): every chain, column and
    # signature; and the README's event is in the ledger, with its proof.
    stack.tools("operator", "ledger", "verify")
    proof = json.loads(stack.tools("operator", "ledger", "prove", "ha-noi", "hn-compose-0001", "--json"))
    assert proof

    # A PDF report built inside the image, into the data volume, as the operator.
    stack.tools("operator", "report", "build", "--period", "2025-Q1", "--format", "pdf", "--out", "/data/reports/by-hand")
    pdf = stack.volume_path("tiendo-data") / "reports/by-hand/tiendo-2025-Q1-vi.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in run(["pdftotext", "-l", "1", str(pdf), "-"]).stdout
    # The data volume belongs to the image's user, who wrote the report there.
    assert pdf.stat().st_uid == pdf.parent.stat().st_uid == 10001
    # The same report built on the host, by the virtualenv `make install` made from the
    # lock, signed with the same key: WeasyPrint's document, the PDF's first revision, has
    # the same bytes (the image installs the same versions). The signature's revision
    # after it carries the signing time (pyHanko's xmp:ModifyDate), so it is left out.
    keys = stack.volume_path("tiendo-data") / "keys"
    run(["tiendo", "report", "build", "--period", "2025-Q1", "--format", "pdf", "--out", str(tmp_path / "host")],
        env={**client, "TIENDO_REPORTS_KEY": str(keys / "reports.key.pem"), "TIENDO_LEDGER_KEY": str(keys / "ledger.key.pem")})
    shutil.copy(pdf, tmp_path / "image.pdf")  # kept beside the host's for a look when they differ

    def first_revision(data: bytes) -> bytes:
        return data[:data.index(b"%%EOF")]

    host_pdf = (tmp_path / "host/tiendo-2025-Q1-vi.pdf").read_bytes()
    assert first_revision(host_pdf) == first_revision(pdf.read_bytes()), tmp_path
