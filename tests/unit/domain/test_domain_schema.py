"""The published JSON Schema and AsyncAPI document: current, valid, and true to the parser."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from shared.config import Topics
from shared.domain.examples import EXAMPLES
from shared.domain.schema import (
    ASYNCAPI_PATH,
    JSON_SCHEMA_PATH,
    asyncapi_document,
    asyncapi_text,
    json_schema_text,
    main,
    progress_event_json_schema,
)

ROOT = JSON_SCHEMA_PATH.parents[2]
REGENERATE = "stale: run `python -m shared.domain.schema --write` and commit the result"


def test_committed_json_schema_is_current() -> None:
    assert JSON_SCHEMA_PATH.read_text("utf-8") == json_schema_text(), REGENERATE


def test_committed_asyncapi_is_current() -> None:
    assert ASYNCAPI_PATH.read_text("utf-8") == asyncapi_text(), REGENERATE


def test_check_mode_reports_current_files() -> None:
    assert main(["--check"]) == 0


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(progress_event_json_schema())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_schema_accepts_the_examples(name: str) -> None:
    validator = Draft202012Validator(
        progress_event_json_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert list(validator.iter_errors(EXAMPLES[name])) == []


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_asyncapi_describes_every_topic_under_the_prefix() -> None:
    document = asyncapi_document("staging")
    assert document["asyncapi"] == "3.1.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(Topics("staging").all())
    assert "staging.receipts.v1" in addresses and "staging.tree-heads.v1" in addresses
    kept = document["channels"]["treeHeads"]["bindings"]["kafka"]["topicConfiguration"]
    assert kept == {k: int(v) for k, v in Topics("staging").configs()["staging.tree-heads.v1"].items()}
    for operation in document["operations"].values():
        assert operation["action"] in ("send", "receive")


def test_asyncapi_references_all_resolve() -> None:
    document = asyncapi_document()
    for ref in _refs(document):
        assert ref.startswith("#/")
        _resolve(document, ref)


def test_asyncapi_uses_asyncapi_discriminators_and_no_json_schema_defs() -> None:
    text = asyncapi_text()
    document = yaml.safe_load(text)
    figure = document["components"]["schemas"]["ProgressReported"]["properties"]["figure"]
    assert figure["anyOf"][0]["discriminator"] == "type"
    assert "$defs" not in text


def test_asyncapi_progress_key_is_the_agency_id() -> None:
    message = asyncapi_document()["components"]["messages"]["ProgressReported"]
    assert "agency_id" in message["bindings"]["kafka"]["key"]["description"]
    assert [example["payload"] for example in message["examples"]] == list(EXAMPLES.values())


def _payload_schema(message: str) -> Draft202012Validator:
    document = asyncapi_document()
    schema = _resolve(document, document["components"]["messages"][message]["payload"]["$ref"])
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_receipts_and_tree_heads_as_ingest_publishes_them_match_their_schemas(tmp_path) -> None:
    from services.ingest.worker import head_message, receipt_message
    from shared.db.ledger import StoredEntry
    from shared.domain.tree_head import sign_head
    from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey

    at = datetime(2025, 4, 2, 2, 30, tzinfo=timezone.utc)
    entry = StoredEntry(1, "ha-noi", 1, "hn-1", "online_dossier_rate", "measurement", "{}", "0" * 64, "ab" * 32, at, 0)
    receipt = json.loads(receipt_message(entry))
    _payload_schema("Receipt").validate(receipt)
    assert set(receipt) == set(_payload_schema("Receipt").schema["properties"])
    key = OperatorKey.create(tmp_path / "ledger.key.pem", LEDGER_KEY_NAME)
    head = json.loads(head_message(sign_head(key, 1, bytes(32), at)))
    _payload_schema("TreeHead").validate(head)
    assert set(head) == set(_payload_schema("TreeHead").schema["properties"])


def _default(text: str) -> str:
    """``text`` with each ``${NAME:-default}`` of a compose file replaced by its default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)


def _compose_addresses() -> tuple[set[str], str]:
    """The addresses docker-compose.yml's broker advertises, and the one its services use."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    kafka = compose["services"]["kafka"]["environment"]
    protocols = dict(item.split(":") for item in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    advertised = {}
    for listener in _default(kafka["KAFKA_ADVERTISED_LISTENERS"]).split(","):
        name, address = listener.split("://")
        advertised[address] = protocols[name]
        mechanisms = kafka[f"KAFKA_LISTENER_NAME_{name}_SASL_ENABLED_MECHANISMS"].split(",")
        assert sorted(mechanisms) == ["PLAIN", "SCRAM-SHA-512"], name
    assert set(advertised.values()) == {"SASL_PLAINTEXT"}
    return set(advertised), compose["x-tiendo-env"]["KAFKA_BOOTSTRAP_SERVERS"]


def _hosts(document: dict[str, Any]) -> dict[str, str]:
    """Each server's host with its variables at their defaults."""
    hosts = {}
    for name, server in document["servers"].items():
        host = server["host"]
        for variable, spec in server.get("variables", {}).items():
            host = host.replace("{" + variable + "}", spec["default"])
        hosts[name] = host
    return hosts


def test_asyncapi_servers_are_the_brokers_this_repository_runs() -> None:
    document = asyncapi_document()
    hosts = _hosts(document)
    advertised, bootstrap = _compose_addresses()
    local = re.search(r"^advertised\.listeners=CLIENT://([0-9.]+):\$port$", (ROOT / "infra" / "kafka.sh")
                      .read_text("utf-8"), re.MULTILINE)
    default_port = re.search(r"^port=\$\{KAFKA_PORT:-([0-9]+)\}$", (ROOT / "infra" / "kafka.sh").read_text("utf-8"),
                             re.MULTILINE)
    assert local and default_port
    stale = "the brokers changed: update _SERVERS in shared/domain/schema.py, then --write"
    assert hosts["local"] == f"{local[1]}:{default_port[1]}", stale
    assert set(hosts.values()) == {hosts["local"], *advertised}, stale
    assert bootstrap == hosts["compose"], stale


def test_asyncapi_servers_require_the_mechanisms_the_listeners_take() -> None:
    document = asyncapi_document()
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"scramSha512", "plain"}
    for server in document["servers"].values():
        assert server["protocol"] == "kafka"  # SASL_PLAINTEXT: no TLS, so not kafka-secure
        assert {ref["$ref"] for ref in server["security"]} == {f"#/components/securitySchemes/{name}"
                                                                for name in schemes}


def test_asyncapi_operations_are_what_the_acls_allow_the_services() -> None:
    """Each service's WRITE on a topic is a send of its channel, each READ a receive, and
    nothing else; the agency systems' grants are the other side of the same channels."""
    from services.kafka_admin.acls import Principals, pipeline_grants

    document = asyncapi_document("staging")
    channel_of = {channel["address"]: name for name, channel in document["channels"].items()}
    services = {f"User:{name}" for name in (Principals.ingest, Principals.scorer, Principals.report)}
    allowed = {("send" if g.operation == "WRITE" else "receive", channel_of[g.name], g.principal.removeprefix("User:"))
               for g in pipeline_grants("staging")
               if g.principal in services and g.resource == "topic" and not g.prefixed}
    described = {(op["action"], op["channel"]["$ref"].removeprefix("#/channels/"), op["x-principal"])
                 for op in document["operations"].values()}
    assert described == allowed
    agencies = {(g.operation, channel_of[g.name]) for g in pipeline_grants("staging") if g.principal == "User:agency"}
    assert agencies == {("WRITE", "progress"), ("READ", "receipts"), ("READ", "treeHeads")}
    assert {("receive", "progress"), ("send", "receipts"), ("send", "treeHeads")} <= {a[:2] for a in described}
