"""docker-compose.yml cannot run here (no Docker engine); this keeps it honest by reading."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_the_whole_stack_is_there():
    assert {"kafka", "postgres", "ingest", "scorer", "report"} <= SERVICES.keys()


def test_every_service_has_a_health_check():
    for name, svc in SERVICES.items():
        assert "healthcheck" in svc, name


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
    assert kafka["image"].endswith(":4.1.1")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    pom = (ROOT / "infra/kafka/pom.xml").read_text()
    assert "<kafka.version>4.1.1</kafka.version>" in pom


def test_each_service_connects_as_its_own_role_with_a_generated_password():
    for name in ("ingest", "scorer", "report"):
        env = SERVICES[name]["environment"]
        assert env["DATABASE_URL"].startswith(f"postgresql+psycopg://tiendo_{name}:${{TIENDO_PG_{name.upper()}_PASSWORD:?")
        assert env["TIENDO_MIGRATE_URL"].startswith("postgresql+psycopg://tiendo:${TIENDO_PG_OWNER_PASSWORD:?")
    postgres = SERVICES["postgres"]
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${TIENDO_PG_OWNER_PASSWORD:?")
    assert any(v.endswith("/docker-entrypoint-initdb.d/10-roles.sh:ro") for v in postgres["volumes"])
    assert ":tiendo@" not in (ROOT / "docker-compose.yml").read_text()
