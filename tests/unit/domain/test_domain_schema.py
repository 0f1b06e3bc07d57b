"""The published JSON Schema and AsyncAPI document: current, valid, and true to the parser."""

from __future__ import annotations

import json
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
    assert document["asyncapi"] == "3.0.0"
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
