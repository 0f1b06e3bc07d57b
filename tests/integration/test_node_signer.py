"""An agency system written in Node signs with the contract's example (docs/examples/sign.mjs,
node:crypto) and sends through the real broker; ingest, on its real clock, records the
event — and refuses it as `bad_signature` once a figure is changed after signing. The key
pair is the agency's own (`tiendo agency key new`), its public key registered by the
operator (`tiendo agency key register`): nothing Tiến độ stores could have signed it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from shared.db.dead_letters import DeadLetterStore
from shared.domain.events import canonical_bytes, parse_event, to_json_bytes
from shared.domain.signing import signature_matches

from services.cli import main
from tests.conftest import ROOT
from tests.factories import event_dict
from tests.integration.pipeline import TODAY, Pipeline

SIGN_MJS = ROOT / "docs" / "examples" / "sign.mjs"
AGENCY = "ha-noi"


@pytest.fixture
def agency_key(env_for, pipeline, tmp_path) -> dict:
    """The agency's key pair, made on "its" side; its public key registered by the operator."""
    runner = CliRunner()

    def tiendo(*args: str) -> dict:
        result = runner.invoke(main, [*args, "--json"], env=env_for, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    made = tiendo("agency", "key", "new", "--agency", AGENCY, "--out", str(tmp_path / "agency-side"))
    registered = tiendo("agency", "key", "register", AGENCY, "--public-key", made["public_key_file"])
    assert (registered["key_id"], registered["public_key"]) == (made["key_id"], made["public_key"])
    return made


def node_signs(key_file: str, event: dict, tmp_path: Path) -> bytes:
    """What docs/examples/sign.mjs prints for ``event``, as the bytes an agency sends."""
    node = shutil.which("node")
    assert node, "node is not installed: the contract's Node example needs it"
    unsigned = tmp_path / f"{event['event_id']}.json"
    unsigned.write_text(json.dumps(event, ensure_ascii=False, indent=2), encoding="utf-8")
    done = subprocess.run([node, str(SIGN_MJS), key_file, str(unsigned)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.endswith(b"\n")
    return done.stdout[:-1]


def _ledger_event_ids(pipeline: Pipeline) -> list[str]:
    return [json.loads(entry.payload)["event_id"] for entry in pipeline.ledger.entries()]


def test_an_event_signed_by_the_node_example_is_recorded(pipeline, agency_key, tmp_path) -> None:
    event = event_dict(AGENCY, event_id="hn-node-0001", evidence="Báo cáo 112/BC-UBND <Node> & \"JSON\"")
    signed = node_signs(agency_key["private_key_file"], event, tmp_path)
    parsed = parse_event(signed, today=TODAY)
    assert parsed.signature.key_id == agency_key["key_id"]
    assert to_json_bytes(parsed) == signed  # Node sent the canonical form itself
    pipeline.publish([(AGENCY, signed)])
    pipeline.ingest(replay_clock=False)  # judged at the time of receipt, as for a real agency

    assert _ledger_event_ids(pipeline) == ["hn-node-0001"]
    [entry] = pipeline.ledger.entries()
    assert entry.payload.encode("utf-8") == signed
    assert entry.event_id == "hn-node-0001" and entry.agency_id == AGENCY
    assert DeadLetterStore(pipeline.engine).counts_by_reason() == {}


def test_a_figure_changed_after_node_signed_is_a_bad_signature(pipeline, agency_key, tmp_path) -> None:
    event = event_dict(AGENCY, event_id="hn-node-0002")
    sent = json.loads(node_signs(agency_key["private_key_file"], event, tmp_path))
    sent["figure"]["numerator"] += 1  # altered in transit, the signature kept
    tampered = json.dumps(sent, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    parsed = parse_event(tampered, today=TODAY)
    assert not signature_matches(canonical_bytes(parsed), bytes.fromhex(agency_key["public_key"]),
                                 parsed.signature.value)
    pipeline.publish([(AGENCY, tampered)])
    pipeline.ingest(replay_clock=False)

    assert _ledger_event_ids(pipeline) == []
    [letter] = DeadLetterStore(pipeline.engine).list()
    assert letter.reason_code == "bad_signature"
    assert letter.original == tampered
