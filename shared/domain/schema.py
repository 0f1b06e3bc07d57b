"""Published contract documents, generated from the models: JSON Schema and AsyncAPI 3.

The committed copies live in ``docs/schema/progress-event.v2.json`` and
``docs/asyncapi.yaml``; tests fail when they drift from the models. Regenerate with::

    python -m shared.domain.schema --write
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from shared.domain.events import ProgressReported
from shared.domain.examples import EXAMPLES
from shared.domain.reasons import INGEST_CODES, ReasonCode, describe
from shared.domain.schema_rules import portable
from shared.domain.temporal import TIMESTAMP_PATTERN
from shared.domain.tree_head import HEAD_KIND

SCHEMA_ID = "urn:tiendo:schema:progress-event:v2"
_KAFKA_BINDING_VERSION = "0.5.0"
_HEX_64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_REPO_ROOT = Path(__file__).absolute().parents[2]
JSON_SCHEMA_PATH = _REPO_ROOT / "docs" / "schema" / "progress-event.v2.json"
ASYNCAPI_PATH = _REPO_ROOT / "docs" / "asyncapi.yaml"


def progress_event_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a progress event, as agency developers receive it:
    pydantic's, made exact and free of OpenAPI keywords (:mod:`shared.domain.schema_rules`)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **portable(ProgressReported.model_json_schema()),
    }


def _asyncapi_flavour(node: Any) -> Any:
    """Rewrite OpenAPI-style ``discriminator`` objects as AsyncAPI's property-name string."""
    if isinstance(node, dict):
        return {
            key: value["propertyName"]
            if key == "discriminator" and isinstance(value, dict)
            else _asyncapi_flavour(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_asyncapi_flavour(item) for item in node]
    return node


def _event_schemas() -> dict[str, Any]:
    schema = ProgressReported.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs")
    return _asyncapi_flavour(portable({"ProgressReported": schema, **definitions}, keep_discriminator=True))


_DEAD_LETTER = {
    "type": "object",
    "description": "A rejected message, kept with the reason; nothing is ever dropped.",
    "required": [
        "original",
        "reason_code",
        "message",
        "source_topic",
        "source_partition",
        "source_offset",
        "rejected_at",
    ],
    "properties": {
        "original": {
            "type": "string",
            "contentEncoding": "base64",
            "description": "The rejected message value, byte for byte, base64-encoded.",
        },
        "reason_code": {
            "type": "string",
            "enum": [code.value for code in ReasonCode],
            "description": "Stable reason code (docs/contract.md, section 7); codes marked (ingest) need the "
            "key registry, the ledger, the time of receipt or the Kafka record:\n"
            + "\n".join(f"- {code.value}{' (ingest)' if code in INGEST_CODES else ''}: {describe(code)}"
                        for code in ReasonCode),
        },
        "message": {"type": "string", "description": "What is wrong, for a person."},
        "source_topic": {"type": "string"},
        "source_partition": {"type": "integer", "minimum": 0},
        "source_offset": {"type": "integer", "minimum": 0},
        "rejected_at": {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN},
        "truncated": {
            "type": "boolean",
            "description": "True when the message exceeded 1 MiB: original and original_key then hold "
            "only their first 64 KiB.",
        },
        "original_size": {
            "type": "integer",
            "minimum": 0,
            "description": "Bytes of the whole value (when truncated).",
        },
        "original_key_size": {
            "type": "integer",
            "minimum": 0,
            "description": "Bytes of the whole key (when truncated).",
        },
        "agency_id": {
            "type": ["string", "null"],
            "description": "The agency the message names: its body's agency_id, else its key when that is "
            "an agency of the registry (docs/contract.md, section 7).",
        },
        "event_id": {"type": ["string", "null"], "description": "The event_id the message's body names."},
    },
}

_LEDGER_ENTRY = {
    "type": "object",
    "description": "An accepted event as appended to the agency's hash chain.",
    "required": ["seq", "agency_id", "chain_pos", "prev_hash", "hash", "event"],
    "properties": {
        "seq": {"type": "integer", "minimum": 0, "description": "Position in the whole ledger."},
        "agency_id": {"type": "string"},
        "chain_pos": {"type": "integer", "minimum": 0, "description": "Position in the agency's chain."},
        "prev_hash": {
            "oneOf": [_HEX_64, {"type": "null"}],
            "description": "Hash of the previous entry of the chain.",
        },
        "hash": {**_HEX_64, "description": "Hash of this entry, covering prev_hash."},
        "event": {"$ref": "#/components/schemas/ProgressReported"},
    },
}

_RECEIPT = {
    "type": "object",
    "description": "Where an accepted event was recorded (docs/contract.md, section 10.1). An event sent "
    "twice is recorded, and receipted, once.",
    "required": ["kind", "agency_id", "event_id", "seq", "chain_pos", "leaf_index", "entry_hash", "prev_hash",
                 "recorded_at"],
    "properties": {
        "kind": {"const": "tiendo.receipt.v1"},
        "agency_id": {"type": "string"},
        "event_id": {"type": "string"},
        "seq": {"type": "integer", "minimum": 1, "description": "Position in the whole ledger."},
        "chain_pos": {"type": "integer", "minimum": 1, "description": "Position in the agency's hash chain."},
        "leaf_index": {
            "type": "integer",
            "minimum": 0,
            "description": "The entry's leaf in the ledger's Merkle tree: `tiendo ledger prove` proves it "
            "once a tree head covers it (a head's tree_size > leaf_index).",
        },
        "entry_hash": {**_HEX_64, "description": "The entry's hash: its leaf's bytes (section 10.3)."},
        "prev_hash": {**_HEX_64, "description": "Hash of the previous entry of the agency's chain (64 zeros "
                      "for the first)."},
        "recorded_at": {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$",
            "description": "When ingest recorded the event: UTC, microseconds, as the entry hash covers it.",
        },
    },
}

_TREE_HEAD = {
    "type": "object",
    "description": "A signed tree head (docs/contract.md, section 10.2): the ledger's size and Merkle root "
    "(RFC 9162) at a moment, signed with the ledger's Ed25519 key as a C2SP checkpoint.",
    "required": ["kind", "origin", "tree_size", "root_hash", "timestamp", "key_id", "signature", "note"],
    "properties": {
        "kind": {"const": HEAD_KIND},
        "origin": {"type": "string", "pattern": r"^[^\s+]+$", "description": "The ledger's name, its key's name."},
        "tree_size": {"type": "integer", "minimum": 0, "description": "Leaves (ledger entries) under the head."},
        "root_hash": {**_HEX_64, "description": "The Merkle tree hash of the first tree_size leaves."},
        "timestamp": {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$",
            "description": "When the head was signed: UTC, milliseconds.",
        },
        "key_id": {"type": "string", "pattern": r"^[^\s+]+\+[0-9a-f]{8}$",
                   "description": "The key's name and its signed-note key hash, 8 hex digits."},
        "signature": {"type": "string", "pattern": "^[0-9a-f]{128}$",
                      "description": "Ed25519 signature of the checkpoint body, hex."},
        "note": {"type": "string", "description": "The same head as a C2SP signed note: the checkpoint body, a "
                 "blank line, and `\u2014 <origin> <base64(key hash ‖ signature)>`."},
    },
}

_OPEN_PAYLOAD = (
    "Its members are defined by the service that publishes it, not by event contract v2; "
    "consumers ignore members they do not know."
)


def _message(name: str, title: str, summary: str, payload_ref: str, key: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "summary": summary,
        "contentType": "application/json",
        "payload": {"$ref": f"#/components/schemas/{payload_ref}"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": key},
                "bindingVersion": _KAFKA_BINDING_VERSION,
            }
        },
    }


def _channel(address: str, description: str, message: str, config: dict[str, int] | None = None) -> dict[str, Any]:
    kafka: dict[str, Any] = {"topic": address, "bindingVersion": _KAFKA_BINDING_VERSION}
    if config:
        kafka["topicConfiguration"] = config
    return {
        "address": address,
        "description": description,
        "messages": {message: {"$ref": f"#/components/messages/{message}"}},
        "bindings": {"kafka": kafka},
    }


def _operation(action: str, channel: str, message: str, summary: str, principal: str) -> dict[str, Any]:
    """An operation of Tiến độ's; ``principal`` is the broker user whose ACL allows it
    (services/kafka_admin/acls.py; tests compare the two)."""
    return {
        "action": action,
        "summary": summary,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{message}"}],
        "x-principal": principal,
    }


_SECURITY = [{"$ref": "#/components/securitySchemes/scramSha512"}, {"$ref": "#/components/securitySchemes/plain"}]


def _server(host: str, title: str, description: str, **more: Any) -> dict[str, Any]:
    # protocol "kafka": SASL over plain TCP (Kafka's SASL_PLAINTEXT); "kafka-secure" would be TLS.
    return {"host": host, "protocol": "kafka", "protocolVersion": "4.1.1", "title": title,
            "description": description, **more, "security": [dict(ref) for ref in _SECURITY]}


# Each address a broker of this repository advertises (infra/kafka.sh, docker-compose.yml;
# tests compare them). Every listener takes SCRAM-SHA-512 and PLAIN, with ACLs per principal.
_SERVERS = {
    "local": _server(
        "127.0.0.1:9092",
        "Local broker",
        "The single-node KRaft broker of `make up` (infra/kafka.sh), on the loopback interface. "
        "Credentials: .local/kafka/credentials/<principal>.env.",
    ),
    "compose": _server(
        "kafka:9092",
        "Docker Compose broker, from its containers",
        "The broker of docker-compose.yml as the services' containers reach it; kafka-init creates the "
        "principals from .local/kafka/credentials/compose.env.",
    ),
    "composeHost": _server(
        "127.0.0.1:{port}",
        "Docker Compose broker, from the host",
        "The same broker through its host listener, published on the loopback interface.",
        variables={"port": {"default": "19092", "description": "TIENDO_KAFKA_HOST_PORT of docker-compose.yml."}},
    ),
}

_SECURITY_SCHEMES = {
    "scramSha512": {
        "type": "scramSha512",
        "description": "SASL/SCRAM-SHA-512, the mechanism of every client: agency systems as `agency`, "
        "the services as `ingest`, `scorer` and `report`, each allowed only its own topics and group.",
    },
    "plain": {
        "type": "plain",
        "description": "SASL/PLAIN, enabled on the same listener for the super user `admin` (topics, ACLs, "
        "principals) and for kcat builds whose librdkafka cannot do SCRAM with Kafka 4. Only over the "
        "loopback interface or the compose network: PLAIN sends the password as it is.",
    },
}


def asyncapi_document(prefix: str = "tiendo") -> dict[str, Any]:
    """AsyncAPI 3.1 description of Tiến độ's Kafka topics, with topic names under ``prefix``."""
    progress_message = _message(
        "ProgressReported",
        "Progress event",
        "One agency's figure for one target on one day, or its explanation (giải trình) of a late task: "
        "cause, remedial action and committed completion date.",
        "ProgressReported",
        "agency_id of the event, UTF-8; keeps one agency's events in order on one partition.",
    )
    progress_message["examples"] = [{"name": name, "payload": payload} for name, payload in EXAMPLES.items()]
    return {
        "asyncapi": "3.1.0",
        "info": {
            "title": "Tiến độ",
            "version": "2.0.0",
            "description": (
                "Event-sourced compliance ledger for Vietnam's 2025 digital-transformation targets. "
                "Agency systems publish progress events; Tiến độ receives them and publishes dead "
                "letters, ledger entries, receipts, signed tree heads, reports and alerts. Event contract "
                "v2 (Ed25519 signatures over RFC 8785 canonical bytes): docs/contract.md."
            ),
        },
        "defaultContentType": "application/json",
        "servers": _SERVERS,
        "channels": {
            "progress": _channel(
                f"{prefix}.progress.v1",
                "Raw progress events from agency systems, each signed with the agency's Ed25519 key: "
                "figures (measurement, milestone, correction, retraction) and explanations of late tasks. "
                "Key: agency_id. Value: UTF-8 JSON.",
                "ProgressReported",
            ),
            "deadLetters": _channel(
                f"{prefix}.progress.dlq.v1",
                "Messages ingest rejected, each with its reason code; an operator can requeue them.",
                "DeadLetter",
            ),
            "ledger": _channel(
                f"{prefix}.ledger.v1",
                "Events accepted into the append-only, hash-chained ledger, in ledger order per agency.",
                "LedgerEntry",
            ),
            "reports": _channel(
                f"{prefix}.reports.v1",
                "Notices of published Steering Committee reports.",
                "ReportPublished",
            ),
            "alerts": _channel(
                f"{prefix}.alerts.v1",
                "Status alerts from the scorer (e.g. a target became overdue for an agency).",
                "Alert",
            ),
            "receipts": _channel(
                f"{prefix}.receipts.v1",
                "One receipt for each accepted event, keyed by its agency: where the ledger recorded it.",
                "Receipt",
            ),
            "treeHeads": _channel(
                f"{prefix}.tree-heads.v1",
                "Signed tree heads of the ledger's Merkle tree, every N entries or T seconds while ingest "
                "runs; kept forever, so that witnesses can compare them.",
                "TreeHead",
                {"retention.ms": -1, "retention.bytes": -1},
            ),
        },
        "operations": {
            "receiveProgress": _operation(
                "receive", "progress", "ProgressReported", "Agency systems send; ingest receives.", "ingest"
            ),
            "sendDeadLetter": _operation(
                "send", "deadLetters", "DeadLetter", "Ingest rejects a message with a reason.", "ingest"
            ),
            "sendLedgerEntry": _operation(
                "send", "ledger", "LedgerEntry", "Ingest announces an appended ledger entry.", "ingest"
            ),
            "receiveLedgerEntry": _operation(
                "receive", "ledger", "LedgerEntry", "The scorer folds each ledger entry into its figures.", "scorer"
            ),
            "sendReport": _operation("send", "reports", "ReportPublished", "A report was published.", "report"),
            "sendAlert": _operation("send", "alerts", "Alert", "The scorer raises an alert.", "scorer"),
            "sendReceipt": _operation(
                "send", "receipts", "Receipt", "Ingest acknowledges an event it recorded; agency systems read.",
                "ingest",
            ),
            "sendTreeHead": _operation(
                "send", "treeHeads", "TreeHead", "Ingest publishes a signed tree head; auditors and witnesses read.",
                "ingest",
            ),
        },
        "components": {
            "securitySchemes": _SECURITY_SCHEMES,
            "messages": {
                "ProgressReported": progress_message,
                "DeadLetter": _message(
                    "DeadLetter",
                    "Dead letter",
                    "A rejected progress message and why.",
                    "DeadLetter",
                    "The original message's key, unchanged.",
                ),
                "LedgerEntry": _message(
                    "LedgerEntry",
                    "Ledger entry",
                    "An accepted event and its place in the hash chain.",
                    "LedgerEntry",
                    "agency_id, UTF-8.",
                ),
                "ReportPublished": _message(
                    "ReportPublished",
                    "Report published",
                    "A report is ready.",
                    "ReportPublished",
                    "Report id.",
                ),
                "Alert": _message(
                    "Alert", "Alert", "An agency × target needs attention.", "Alert", "agency_id."
                ),
                "Receipt": _message(
                    "Receipt",
                    "Receipt",
                    "An accepted event's place in the ledger and its Merkle tree.",
                    "Receipt",
                    "agency_id of the event, UTF-8.",
                ),
                "TreeHead": _message(
                    "TreeHead",
                    "Signed tree head",
                    "The ledger's size and Merkle root, signed.",
                    "TreeHead",
                    "The head's origin (the ledger's name), UTF-8.",
                ),
            },
            "schemas": {
                **_event_schemas(),
                "DeadLetter": _DEAD_LETTER,
                "LedgerEntry": _LEDGER_ENTRY,
                "ReportPublished": {"type": "object", "description": f"A published report. {_OPEN_PAYLOAD}"},
                "Alert": {"type": "object", "description": f"A scorer alert. {_OPEN_PAYLOAD}"},
                "Receipt": _RECEIPT,
                "TreeHead": _TREE_HEAD,
            },
        },
    }


def json_schema_text() -> str:
    """The JSON Schema file's exact text."""
    return json.dumps(progress_event_json_schema(), indent=2, ensure_ascii=False) + "\n"


def asyncapi_text(prefix: str = "tiendo") -> str:
    """The AsyncAPI file's exact text."""
    header = "# Generated by `python -m shared.domain.schema --write`; do not edit.\n"
    return header + yaml.safe_dump(asyncapi_document(prefix), sort_keys=False, allow_unicode=True, width=100)


def main(argv: list[str] | None = None) -> int:
    """Print the JSON Schema, or (``--write``) regenerate or (``--check``) verify the files."""
    parser = argparse.ArgumentParser(prog="python -m shared.domain.schema", description=main.__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="rewrite docs/schema and docs/asyncapi.yaml")
    group.add_argument("--check", action="store_true", help="exit 1 if the committed files are stale")
    args = parser.parse_args(argv)
    wanted = {JSON_SCHEMA_PATH: json_schema_text(), ASYNCAPI_PATH: asyncapi_text()}
    if args.write:
        for path, text in wanted.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        stale = [
            str(path) for path, text in wanted.items() if not path.exists() or path.read_text("utf-8") != text
        ]
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        return 1 if stale else 0
    sys.stdout.write(json_schema_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
