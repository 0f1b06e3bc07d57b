"""docker-compose.yml's broker takes only authenticated principals and ACLs decide what
each may do; every worker is its own principal (read, as Docker cannot run here)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
TEXT = (ROOT / "docker-compose.yml").read_text()
SERVICES = yaml.safe_load(TEXT)["services"]


def test_the_broker_listens_with_sasl_only_and_denies_what_no_acl_allows():
    env = SERVICES["kafka"]["environment"]
    assert set(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].replace(",", ":").split(":")[1::2]) == {"SASL_PLAINTEXT"}
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert (env["KAFKA_SUPER_USERS"], env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"]) == ("User:admin", "false")
    assert "SCRAM-SHA-512" in env["KAFKA_LISTENER_NAME_CLIENT_SASL_ENABLED_MECHANISMS"]


def test_each_worker_authenticates_as_its_own_principal_after_the_acls_exist():
    for name in ("ingest", "scorer", "report"):
        svc = SERVICES[name]
        env = svc["environment"]
        assert (env["KAFKA_SECURITY_PROTOCOL"], env["KAFKA_SASL_MECHANISM"]) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")
        assert env["KAFKA_SASL_USERNAME"] == name
        assert env["KAFKA_SASL_PASSWORD"].startswith(f"${{TIENDO_KAFKA_{name.upper()}_PASSWORD:?")
        assert svc["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"
    assert "tiendo kafka acl apply" in SERVICES["kafka-init"]["command"][0]


def test_no_kafka_password_is_written_in_the_file():
    for line in TEXT.splitlines():
        if "PASSWORD" in line and ":" in line and not line.lstrip().startswith("#"):
            value = line.split(":", 1)[1]
            assert "${TIENDO_KAFKA_" in value or "${TIENDO_PG_" in value or "--password-env" in value \
                or "${TIENDO_SMTP_PASSWORD" in value \
                or "$${TIENDO_KAFKA_ADMIN_PASSWORD}" in value or "TIENDO_PG_" in value, line
