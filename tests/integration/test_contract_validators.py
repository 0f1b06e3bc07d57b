"""The published contract through the JavaScript ecosystem's validators (issue 18): Ajv
compiles the JSON Schema with every strict option on and judges every event and spelling
the unit tests hold exactly as Python's jsonschema does (which the unit tests hold to
ingest's parser: tests/unit/domain/test_schema_*.py), and @asyncapi/parser finds no error
or warning in the AsyncAPI document.

Node.js runs them (npm comes with infra/debian-packages.sh); the packages are pinned by
tests/integration/contract/package-lock.json and installed with `npm ci` into
.local/npm-contract on first use, or when the lock changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from shared.domain.schema import ASYNCAPI_PATH, JSON_SCHEMA_PATH

from tests.unit.domain.schema_cases import (
    corpus_messages,  # noqa: F401 (a fixture)
    day_spellings,
    decoded,
    examples,
    mutants,
    timestamp_spellings,
    validator,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(__file__).parent / "contract"
INSTALL = ROOT / ".local" / "npm-contract"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The pinned validators, installed once per lock (a marker names the lock installed,
    so an interrupted install is redone)."""
    lock = (PACKAGE / "package-lock.json").read_bytes()
    marker = INSTALL / "installed-lock.sha256"
    digest = hashlib.sha256(lock).hexdigest()
    if not marker.exists() or marker.read_text() != digest:
        INSTALL.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(PACKAGE / name, INSTALL / name)
        # --ignore-scripts: a validator needs no install script (one dependency's only
        # reports usage); ci: exactly the lock's versions.
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=INSTALL, check=True, timeout=600)
        marker.write_text(digest)
    return INSTALL / "node_modules"


def _run(node_modules: Path, tmp_path: Path, judge: dict[str, tuple[dict[str, Any], list[str]]]) -> dict[str, Any]:
    """What validate.cjs answers for ``judge`` ({name: (schema, JSON texts)})."""
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"judge": {name: {"schema": schema, "instances": texts}
                                         for name, (schema, texts) in judge.items()},
                               "asyncapi": str(ASYNCAPI_PATH)}, ensure_ascii=False), "utf-8")
    done = subprocess.run(["node", str(PACKAGE / "validate.cjs"), str(job)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "NODE_PATH": str(node_modules)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    """The JSON Schema as committed (the unit layer checks the file is current)."""
    return json.loads(JSON_SCHEMA_PATH.read_text("utf-8"))


def _member(schema: dict[str, Any], *path: str) -> dict[str, Any]:
    for part in path:
        schema = schema[part]
    return schema


def test_ajv_judges_every_event_and_spelling_as_python_does(node_modules, tmp_path, corpus_messages, published):
    python = validator()
    events = [*examples().values(), *(raw for raw, _ in corpus_messages.values()),
              *(raw for raw in mutants(1000) if decoded(raw) is not None)]
    event_texts = [raw.decode("utf-8") for raw in events]
    rng = random.Random(18)
    spellings = {
        "reported_at": (("properties", "reported_at"), timestamp_spellings(rng, 5000)),
        "observed_at": (("properties", "observed_at"), day_spellings(rng, 3000)),
        "committed_on": (("$defs", "Explanation", "properties", "committed_on"), day_spellings(rng, 3000)),
        # Every character of the Basic Multilingual Plane but half ones, as a whole name.
        "reporter name": (("$defs", "Reporter", "properties", "name"),
                          [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]),
    }
    judge = {"event": (published, event_texts)}
    expected = {"event": [python.is_valid(decoded(raw)) for raw in events]}
    for name, (path, texts) in spellings.items():
        member = _member(published, *path)
        judge[name] = (member, [json.dumps(text) for text in texts])
        member_validator = type(python)(member, format_checker=python.format_checker)
        expected[name] = [member_validator.is_valid(text) for text in texts]

    answer = _run(node_modules, tmp_path, judge)

    for name, verdicts in expected.items():
        ajv = answer["verdicts"][name]
        texts = judge[name][1]
        differ = [texts[i][:120] for i, (a, p) in enumerate(zip(ajv, verdicts, strict=True)) if a is not p]
        assert differ == [], name
        assert True in verdicts and False in verdicts, name  # both verdicts occur: the test can tell
    # The three spellings issue 18 found accepted, and an integer written 80.0 (JSON.parse
    # reads it as 80: docs/contract.md, section 2.1).
    by_text = dict(zip(event_texts, answer["verdicts"]["event"], strict=True))
    utc = corpus_messages["utc_spelling"][0].decode("utf-8")
    assert by_text[utc] is False
    assert by_text[corpus_messages["float_integer"][0].decode("utf-8")] is True
    stamps = dict(zip(spellings["reported_at"][1], answer["verdicts"]["reported_at"], strict=True))
    assert stamps["2025-04-02T09:30:00.000000+07:00"] is stamps["2025-04-02T02:30:00-00:00"] is False
    assert stamps["2025-04-02T09:30:00+07:00"] is True


def test_asyncapi_parser_finds_no_error_or_warning(node_modules, tmp_path):
    answer = _run(node_modules, tmp_path, {})["asyncapi"]
    # Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
    assert [d for d in answer["diagnostics"] if d["severity"] <= 1] == []
    assert answer["parsed"] is True
