"""docker-compose.yml read: what each service must say. It also runs, under podman with the
host-network override (tests/containers, `make containers`)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
ONE_SHOT = {"migrate", "kafka-init"}


def test_the_whole_stack_is_there():
    assert {"kafka", "postgres", "ingest", "scorer", "report"} <= SERVICES.keys()


def seconds(duration: str) -> int:
    return int(duration.removesuffix("s"))


def test_every_long_running_service_has_a_health_check_that_ends_within_its_timeout():
    for name, svc in SERVICES.items():
        if name in ONE_SHOT or "tools" in svc.get("profiles", []):
            assert svc["restart"] == "no", name
            continue
        check = svc["healthcheck"]
        assert seconds(check["timeout"]) <= 30 and check["retries"] >= 3, name
        assert seconds(check["start_period"]) >= seconds(check["interval"]) or name == "postgres", name
    # The broker's tool gives up (10 s) before the check's timeout does.
    kafka = SERVICES["kafka"]["healthcheck"]
    assert "default.api.timeout.ms=10000" in kafka["test"][1] and seconds(kafka["timeout"]) > 10
    assert "-t 3" in SERVICES["postgres"]["healthcheck"]["test"][1] and seconds(SERVICES["postgres"]["healthcheck"]["timeout"]) > 3


def test_the_schema_is_migrated_once_before_any_worker_starts():
    assert "migrate(" in SERVICES["migrate"]["command"][-1]
    assert SERVICES["migrate"]["environment"]["TIENDO_MIGRATE_URL"].startswith("postgresql+psycopg://tiendo:${TIENDO_PG_OWNER_PASSWORD:?")
    for name in ("ingest", "scorer", "report", "web"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert "TIENDO_MIGRATE_URL" not in SERVICES[name]["environment"], name


def test_kafka_has_a_listener_for_the_containers_and_one_for_the_host_and_its_own_volume():
    env = SERVICES["kafka"]["environment"]
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "CLIENT://kafka:9092,HOST://127.0.0.1:${TIENDO_KAFKA_HOST_PORT:-19092}"
    assert SERVICES["kafka"]["ports"] == ["127.0.0.1:${TIENDO_KAFKA_HOST_PORT:-19092}:${TIENDO_KAFKA_HOST_PORT:-19092}"]
    assert env["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
    assert "kafka-data:/var/lib/kafka/data" in SERVICES["kafka"]["volumes"] and "kafka-data" in COMPOSE["volumes"]


def test_the_host_network_override_keeps_every_service_on_127_0_0_1():
    override = yaml.load((ROOT / "infra/containers/compose.host.yml").read_text(), Loader=_TaggedLoader)
    assert override["services"].keys() == SERVICES.keys()
    for name, svc in override["services"].items():
        assert svc["network_mode"] == "host", name
        for value in svc.get("environment", {}).values():
            for address in ("kafka:", "postgres:", ":9092", ":5432", "0.0.0.0"):
                assert address not in value, (name, value)


class _TaggedLoader(yaml.SafeLoader):
    """YAML with compose's !reset and !override tags (their values as plain YAML)."""


for _tag in ("!reset", "!override"):
    _TaggedLoader.add_constructor(_tag, lambda loader, node: loader.construct_sequence(node)
                                  if isinstance(node, yaml.SequenceNode) else loader.construct_scalar(node))


def test_services_get_the_same_configuration_as_local_runs():
    for name in ("ingest", "scorer", "report"):
        env = SERVICES[name]["environment"]
        assert {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "TIENDO_TOPIC_PREFIX"} <= env.keys(), name
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert SERVICES[name]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_workers_run_the_tiendo_commands():
    assert SERVICES["ingest"]["command"] == ["ingest", "run"]
    assert SERVICES["scorer"]["command"] == ["scorer", "run"]
    assert SERVICES["report"]["command"] == ["report", "run"]


def test_kafka_is_kraft_with_the_version_we_build_locally():
    kafka = SERVICES["kafka"]
    assert kafka["image"] == "${TIENDO_KAFKA_IMAGE:-apache/kafka:4.1.1}"
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    pom = (ROOT / "infra/kafka/pom.xml").read_text()
    assert "<kafka.version>4.1.1</kafka.version>" in pom


def test_each_service_connects_as_its_own_role_with_a_generated_password():
    for name in ("ingest", "scorer", "report"):
        env = SERVICES[name]["environment"]
        assert env["DATABASE_URL"].startswith(f"postgresql+psycopg://tiendo_{name}:${{TIENDO_PG_{name.upper()}_PASSWORD:?")
    postgres = SERVICES["postgres"]
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${TIENDO_PG_OWNER_PASSWORD:?")
    assert any(v.endswith("/docker-entrypoint-initdb.d/10-roles.sh:ro") for v in postgres["volumes"])
    assert ":tiendo@" not in (ROOT / "docker-compose.yml").read_text()
