"""The standalone Go checker of docs/contract.md §10 (docs/examples/go-check-proof/: golang.org/x/mod's
signed-note verifier, transparency-dev/merkle's RFC 9162 proofs) and `tiendo ledger check-proof`
agree on proof files: those a real ledger hands out (`ledger prove`, `ledger consistency` on
SQLite and PostgreSQL, real broker) hold, and one flipped byte is refused by both. check-proof
runs with a database path that cannot exist and a broker that does not answer: it needs the
file and the public key, nothing else. The Go program is built once per session; it runs a
toolchain, so it lives with the integration tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from shared.domain.tree_head import verifier_key
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey
from tests.factories import event_dict, signed_bytes
from tests.unit.domain.samples import CONTRACT_MD
from tests.unit.proof_samples import AWKWARD_PAYLOADS, contract_examples, small_ledger

CHECKER_DIR = CONTRACT_MD.parent / "examples" / "go-check-proof"
REPO = CONTRACT_MD.parent.parent
HEX = b"0123456789abcdef"
BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@pytest.fixture(scope="session")
def go_checker(tmp_path_factory) -> Path:
    """The checker, built with `go build` (its modules come from the Go module proxy)."""
    go = shutil.which("go", path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/local/go/bin")
    assert go, "Go is not installed: the proof checker of docs/contract.md §10 needs it"
    binary = tmp_path_factory.mktemp("go") / "go-check-proof"
    done = subprocess.run([go, "build", "-buildvcs=false", "-o", str(binary), "."], cwd=CHECKER_DIR,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(f"`go build` of {CHECKER_DIR} failed; if it could not download golang.org/x/mod or "
                    f"github.com/transparency-dev/merkle, the Go module proxy (GOPROXY) is unreachable from "
                    f"here:\n{done.stderr}")
    return binary


def _go(binary: Path, proof: Path, key: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), str(proof), key], capture_output=True, text=True, timeout=60)


def _isolated_env(tmp_path: Path) -> dict[str, str]:
    """No database (its directory does not exist), no broker (nothing listens on port 1), an
    empty data directory (so no ledger key on this machine either)."""
    (tmp_path / "empty-data").mkdir(exist_ok=True)
    return {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'ledger.db'}",
            "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "TIENDO_DATA_DIR": str(tmp_path / "empty-data")}


def _check_proof(env: dict[str, str], proof: Path, *key_args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "services", "ledger", "check-proof", str(proof), *key_args],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=120)


def _flipped(raw: bytes, after: bytes, alphabet: bytes, skip: int = 0) -> bytes:
    """``raw`` with one byte changed (its lowest bit) a little after ``after``, where the
    change keeps it within ``alphabet``: the file still parses, only its content differs."""
    i = raw.index(after) + len(after) + skip
    while raw[i] not in alphabet or raw[i] ^ 1 not in alphabet:
        i += 1
    return raw[:i] + bytes([raw[i] ^ 1]) + raw[i + 1:]


def test_the_contract_shows_the_checker_exactly() -> None:
    text = CONTRACT_MD.read_text("utf-8")
    section = text[text.index("## 10. "):]
    assert re.findall(r"```go\n(.*?)```", section, re.DOTALL) == [(CHECKER_DIR / "main.go").read_text("utf-8")]


def test_the_checker_agrees_with_python_on_awkward_payloads(go_checker, tmp_path) -> None:
    # Vietnamese, <>& (which encoding/json escapes unless told not to), U+2028/U+2029 raw and
    # as escaped text, control characters, an emoji: the entry hash Go recomputes must be
    # the one ingest computed.
    ledger = small_ledger(tmp_path, AWKWARD_PAYLOADS)
    key = verifier_key(LEDGER_KEY_NAME, ledger.key.public_key)
    files = {f"inclusion-{i}-of-{size}": ledger.inclusion(i, size) for size in (3, len(AWKWARD_PAYLOADS))
             for i in range(size)} | {f"consistency-{m}": ledger.consistency(m) for m in (1, 2, 3, 4)}
    for name, data in files.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        done = _go(go_checker, path, key)
        assert done.returncode == 0 and done.stdout.count("\n") == 1, (name, done.stderr)
        assert "the proof holds" in done.stdout
    path = tmp_path / f"inclusion-2-of-{len(AWKWARD_PAYLOADS)}.json"
    path.write_bytes(path.read_bytes().replace(b"\\u2028", b"\\u2029", 1))
    done = _go(go_checker, path, key)
    assert done.returncode == 1 and "does not hash to its entry hash" in done.stderr


def test_the_checker_holds_the_contracts_example(go_checker, tmp_path) -> None:
    key, _, _, proof = contract_examples()
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof, ensure_ascii=False), "utf-8")
    done = _go(go_checker, path, key)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"{path}: the proof holds: event hn-20250402-0001 of ha-noi is leaf 0 of the tree of 3 "
                           "leaves signed by tiendo.ledger+3e6586e6\n")


def test_another_key_is_refused(go_checker, tmp_path) -> None:
    ledger = small_ledger(tmp_path / "ledger", ["{}", "[]"])
    other = OperatorKey.create(tmp_path / "other.key.pem", LEDGER_KEY_NAME)
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(ledger.inclusion(1)))
    done = _go(go_checker, path, verifier_key(LEDGER_KEY_NAME, other.public_key))
    assert done.returncode == 1 and "is not signed by tiendo.ledger" in done.stderr


@pytest.fixture
def tiendo(env_for):
    runner = CliRunner()

    def invoke(*args) -> dict:
        r = runner.invoke(main, [*args, "--json"], env=env_for, catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return json.loads(r.output)

    return invoke


def _events(agency: str, prefix: str, count: int) -> list[dict]:
    reporter = {"name": "Phòng <Chuyển đổi số> & Dữ liệu — Nguyễn Thị Lan", "role": "Trưởng phòng"}
    return [event_dict(agency, event_id=f"{prefix}-{i}", observed_at=f"2025-0{1 + i}-28", reporter=reporter)
            for i in range(count)]


def test_a_real_ledgers_proofs_hold_for_go_and_check_proof_and_a_flipped_byte_is_refused(
        pipeline, tiendo, go_checker, tmp_path) -> None:
    keys = {agency: pipeline.issue_key(agency) for agency in ("ha-noi", "nghe-an")}
    first = _events("ha-noi", "hn", 3) + _events("nghe-an", "na", 2)
    pipeline.publish([(e["agency_id"], signed_bytes(e, keys[e["agency_id"]])) for e in first])
    pipeline.ingest()  # signs a head over the 5 entries once caught up
    pipeline.publish([(e["agency_id"], signed_bytes(e, keys[e["agency_id"]]))
                      for e in _events("nghe-an", "na2", 4) + _events("ha-noi", "hn2", 2)])
    pipeline.ingest()  # and one over all 11

    published = tiendo("ledger", "key")
    head = tiendo("ledger", "head")
    assert head["tree_size"] == 11
    files = {"inclusion.json": tiendo("ledger", "prove", "nghe-an", "na-1"),
             "inclusion-old-head.json": tiendo("ledger", "prove", "ha-noi", "hn-2", "--tree-size", "5"),
             "inclusion-late.json": tiendo("ledger", "prove", "ha-noi", "hn2-1"),
             "consistency.json": tiendo("ledger", "consistency", "5")}
    assert files["inclusion.json"]["tree_head"] == head
    assert (files["consistency.json"]["from_size"], files["consistency.json"]["to_size"]) == (5, 11)
    assert "Nguyễn" in files["inclusion.json"]["entry"]["payload"]

    # An auditor's machine: the proof files and the published key, nothing else.
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    public_key_file = shutil.copy(published["public_key_file"], auditor / "ledger.pub.pem")
    env = _isolated_env(tmp_path)
    for name, data in files.items():
        (auditor / name).write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    for name in files:
        go = _go(go_checker, auditor / name, published["verifier_key"])
        assert go.returncode == 0 and go.stdout.count("\n") == 1 and "the proof holds" in go.stdout, go.stderr
        py = _check_proof(env, auditor / name, "--verifier-key", published["verifier_key"])
        assert py.returncode == 0 and "the proof holds" in py.stdout, py.stderr
    py = _check_proof(env, auditor / "inclusion.json", "--public-key", str(public_key_file))
    assert py.returncode == 0 and "the proof holds" in py.stdout, py.stderr
    as_json = _check_proof(env, auditor / "consistency.json", "--verifier-key", published["verifier_key"], "--json")
    assert json.loads(as_json.stdout) == {"ok": True, "kind": "tiendo.consistency-proof.v1", "problems": []}
    assert not (tmp_path / "no-such-dir").exists()

    inclusion = (auditor / "inclusion.json").read_bytes()
    consistency = (auditor / "consistency.json").read_bytes()
    signature_line = "\u2014 tiendo.ledger ".encode()
    unsigned, no_hash, no_path = "is not signed by tiendo.ledger", "does not hash to its entry hash", "does not lead"
    flips = {
        "a byte of the payload (in ễ)": (_flipped(inclusion, "Nguy".encode(), b"\x84\x85"), no_hash),
        "the leaf index": (_flipped(inclusion, b'"leaf_index": ', b"0123456789"), no_path),
        "a byte of the audit path": (_flipped(inclusion, b'"audit_path": [\n    "', HEX, skip=20), no_path),
        "a byte of the entry hash": (_flipped(inclusion, b'"hash": "', HEX), no_hash),
        "a byte of the head's signature": (_flipped(inclusion, signature_line, BASE64, skip=12), unsigned),
        "a byte of the head's root, in its note": (
            _flipped(inclusion, b'"note": "tiendo.ledger\\n11\\n', BASE64), unsigned),
        "a byte of the consistency proof": (_flipped(consistency, b'"proof": [\n    "', HEX, skip=3),
                                            "does not show the tree of 5 leaves is a prefix of the tree of 11"),
        "a byte of the old head's signature": (_flipped(consistency, signature_line, BASE64, skip=40), unsigned),
        "a byte of the old head's timestamp": (_flipped(consistency, b'"timestamp": "2', b"0123456789", skip=12),
                                               "does not say what the head's fields say"),
    }
    for what, (altered, named) in flips.items():
        path = auditor / "altered.json"
        path.write_bytes(altered)
        go = _go(go_checker, path, published["verifier_key"])
        assert go.returncode == 1 and go.stdout == "" and go.stderr.count("\n") == 1, (what, go.stdout, go.stderr)
        assert named in go.stderr, (what, go.stderr)
        # In this process (a process each costs a second), with the same environment.
        py = CliRunner().invoke(main, ["ledger", "check-proof", str(path), "--verifier-key", published["verifier_key"]],
                                env=env, catch_exceptions=False)
        assert py.exit_code == 1 and "the proof holds" not in py.output, (what, py.output)
    assert not (tmp_path / "no-such-dir").exists()

