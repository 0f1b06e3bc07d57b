"""The signing examples of docs/contract.md §5 (docs/examples/): the document shows exactly
the files, and each program — Python, Java, Node, Go, and OpenSSL's command line — signs
exactly as the contract says, reproducing the worked example and every published example,
and writing the same canonical bytes as RFC 8785 on awkward text.
It runs the JDK, Node, Go and OpenSSL, so it lives with the integration tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import rfc8785

from shared.domain.events import canonical_bytes, parse_event, to_json_bytes
from shared.domain.examples import DEMO_PRIVATE_KEY, DEMO_PUBLIC_KEY, EXAMPLES
from shared.domain.signing import key_id_for, signature_matches
from shared.keyfiles import SigningKey
from tests.unit.domain.samples import CONTRACT_MD

EXAMPLES_DIR = CONTRACT_MD.parent / "examples"
DEMO_KEY = EXAMPLES_DIR / "ha-noi.demo.key.pem"
DEMO_PUB = EXAMPLES_DIR / "ha-noi.demo.pub.pem"
EVENT = EXAMPLES_DIR / "event.json"
TODAY = date(2025, 10, 15)
PROGRAMS = {"python": "sign.py", "java": "Sign.java", "js": "sign.mjs", "go": "sign.go"}


def _tool(name: str) -> str:
    # Go's official tarball installs to /usr/local/go, which is not always on PATH.
    path = shutil.which(name, path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/local/go/bin")
    assert path, f"{name} is not installed: the signing examples of docs/contract.md need it"
    return path


def _run(command: list[str], cwd: Path = EXAMPLES_DIR) -> bytes:
    done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout


def _unsigned(event: dict) -> dict:
    return {name: value for name, value in event.items() if name != "signature"}


def _section_5() -> str:
    text = CONTRACT_MD.read_text("utf-8")
    return text[text.index("## 5. "):text.index("## 6. ")]


@pytest.mark.parametrize(("fence", "name"), sorted(PROGRAMS.items()))
def test_the_contract_shows_each_program_exactly(fence: str, name: str) -> None:
    blocks = re.findall(rf"```{fence}\n(.*?)```", _section_5(), re.DOTALL)
    assert blocks == [(EXAMPLES_DIR / name).read_text("utf-8")]


@pytest.mark.parametrize("path", [DEMO_KEY, DEMO_PUB], ids=lambda p: p.name)
def test_the_contract_shows_the_demo_key_files_exactly(path: Path) -> None:
    assert f"```text\n{path.read_text('utf-8')}```" in _section_5()


def test_the_demo_key_files_hold_the_published_demo_key() -> None:
    key = SigningKey.load(DEMO_KEY)
    assert key.agency_id == "ha-noi"
    assert key.public_key.hex() == DEMO_PUBLIC_KEY
    assert key.private_key.private_bytes_raw().hex() == DEMO_PRIVATE_KEY
    assert f"key_id: {key_id_for('ha-noi', key.public_key)}\n" in DEMO_PUB.read_text("utf-8")
    section = _section_5()
    for figure in (DEMO_PRIVATE_KEY, DEMO_PUBLIC_KEY, key.key_id):
        assert f"`{figure}`" in section


def test_the_example_event_is_section_6_1_unsigned() -> None:
    assert json.loads(EVENT.read_text("utf-8")) == _unsigned(EXAMPLES["measurement_ratio"])


def test_the_worked_example_states_the_canonical_bytes_and_the_signature() -> None:
    event = parse_event(EXAMPLES["measurement_ratio"], today=TODAY)
    canonical = canonical_bytes(event)
    section = _section_5()
    assert f"```text\n{canonical.decode('utf-8')}\n```" in section
    assert f" {len(canonical)} bytes of UTF-8)" in section
    assert f"`{event.signature.value}`" in section
    assert signature_matches(canonical, bytes.fromhex(DEMO_PUBLIC_KEY), event.signature.value)


@pytest.fixture(scope="module")
def signers(tmp_path_factory) -> dict[str, Callable[[Path, Path], bytes]]:
    """Each example program as a function (key file, event file) → what it prints; Java and
    Go compiled once."""
    build = tmp_path_factory.mktemp("build")
    _run([_tool("javac"), "-d", str(build), "Sign.java"])
    _run([_tool("go"), "build", "-o", str(build / "sign-go"), "sign.go"])
    node = _tool("node")
    java = _tool("java")
    return {
        "python": lambda key, ev: _run([sys.executable, "sign.py", str(key), str(ev)]),
        "java": lambda key, ev: _run([java, "-cp", str(build), "Sign", str(key), str(ev)]),
        "node": lambda key, ev: _run([node, "sign.mjs", str(key), str(ev)]),
        "go": lambda key, ev: _run([str(build / "sign-go"), str(key), str(ev)]),
    }


LANGUAGES = ["python", "java", "node", "go"]


@pytest.mark.parametrize("command", [
    [sys.executable, "sign.py"], ["java", "Sign.java"], ["node", "sign.mjs"], ["go", "run", "sign.go"],
], ids=LANGUAGES)
def test_each_program_as_the_contract_runs_it_prints_the_worked_example(command: list[str]) -> None:
    out = _run([_tool(command[0]), *command[1:], DEMO_KEY.name, EVENT.name])
    assert out == to_json_bytes(parse_event(EXAMPLES["measurement_ratio"], today=TODAY)) + b"\n"


def _demo_key_file(directory: Path, agency_id: str) -> Path:
    key = SigningKey.derived(agency_id, bytes.fromhex(DEMO_PRIVATE_KEY))
    return key.dump(directory)[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_program_reproduces_every_published_example(language, signers, tmp_path) -> None:
    for name, example in EXAMPLES.items():
        key = _demo_key_file(tmp_path / name, example["agency_id"])
        unsigned = tmp_path / name / "event.json"
        unsigned.write_text(json.dumps(_unsigned(example), indent=1, ensure_ascii=False), "utf-8")
        out = signers[language](key, unsigned)
        assert out == to_json_bytes(parse_event(example, today=TODAY)) + b"\n", name


AWKWARD = {
    "schema_version": 2, "event_id": "hn-2025-awkward", "agency_id": "ha-noi",
    "target_id": "online_dossier_rate", "kind": "measurement", "observed_at": "2025-03-31",
    "reported_at": "2025-04-02T09:30:00.000001+07:00",
    "figure": {"type": "ratio", "numerator": 9007199254740990, "denominator": 9007199254740991},
    "reporter": {"name": "Lan\u2028Hà\u2029 <b>&amp;</b> \"quoted\" \\u2028 \\\\ a/b",
                 "role": "\x01\x1f\b\f\n\r\t\x7f \U0001f600 \u00e9 e\u0301 \ufeff"},
    "evidence": None, "amends": None,
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_program_writes_rfc8785_bytes_for_awkward_text(language, signers, tmp_path) -> None:
    key = _demo_key_file(tmp_path, "ha-noi")
    unsigned = tmp_path / "event.json"
    unsigned.write_text(json.dumps(AWKWARD), "utf-8")  # \u escapes everywhere: the programs must undo them
    signed = json.loads(signers[language](key, unsigned))
    signature = signed.pop("signature")
    expected = rfc8785.dumps({name: value for name, value in AWKWARD.items() if value is not None})
    assert canonical_bytes(parse_event(AWKWARD, today=TODAY)) == expected
    assert signed == json.loads(expected)
    assert signature["alg"] == "Ed25519" and signature["key_id"] == SigningKey.load(key).key_id
    assert signature_matches(expected, bytes.fromhex(DEMO_PUBLIC_KEY), signature["value"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_program_refuses_another_agencys_key(language, signers, tmp_path) -> None:
    key = _demo_key_file(tmp_path, "nghe-an")
    with pytest.raises(AssertionError, match="nghe-an"):
        signers[language](key, EVENT)


def test_openssl_signs_the_worked_example_alike(tmp_path) -> None:
    event = parse_event(EXAMPLES["measurement_ratio"], today=TODAY)
    (tmp_path / "canonical.bin").write_bytes(canonical_bytes(event))
    openssl = _tool("openssl")
    signature = _run([openssl, "pkeyutl", "-sign", "-rawin", "-inkey", str(DEMO_KEY), "-in", "canonical.bin"],
                     cwd=tmp_path)
    assert signature.hex() == event.signature.value
    (tmp_path / "sig.bin").write_bytes(signature)
    verified = _run([openssl, "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", str(DEMO_PUB), "-in",
                     "canonical.bin", "-sigfile", "sig.bin"], cwd=tmp_path)
    assert b"Signature Verified Successfully" in verified
