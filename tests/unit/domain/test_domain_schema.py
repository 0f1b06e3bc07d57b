"""The published JSON Schema and AsyncAPI document: current, valid, and true to the parser."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

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


def test_asyncapi_describes_the_five_topics_under_the_prefix() -> None:
    document = asyncapi_document("staging")
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {
        "staging.progress.v1",
        "staging.progress.dlq.v1",
        "staging.ledger.v1",
        "staging.reports.v1",
        "staging.alerts.v1",
    }
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
