"""Instances to judge with the published JSON Schema and with ingest's validator, and
both judges. Shared by the unit tests (Python's jsonschema against ingest) and by
tests/integration/test_contract_validators.py (Ajv against Python's jsonschema).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from shared.db.engine import make_engine, migrate
from shared.db.keys import KeyStore
from shared.domain.decoding import decode_object
from shared.domain.events import parse_event
from shared.domain.examples import EXAMPLES
from shared.domain.reasons import ContractViolation, ReasonCode
from shared.domain.schema import progress_event_json_schema
from shared.keyfiles import SigningKey

from chaos import corpus as chaos_corpus
from chaos import fuzz

ROOT = Path(__file__).resolve().parents[3]
CONTRACT_MD = ROOT / "docs" / "contract.md"
TODAY = date(2026, 12, 1)
"""After every example and corpus event (2025), as ingest's "today" when judging them."""

R = ReasonCode
# The codes whose rule the schema states, for every instance or (documented in
# docs/contract.md, section 2.1) all but a few: docs/contract.md, section 7, "yes" / "partly".
SCHEMA_CODES = frozenset({
    R.UNKNOWN_SCHEMA_VERSION, R.MISSING_FIELD, R.UNKNOWN_FIELD, R.WRONG_TYPE, R.INVALID_VALUE,
    R.DENOMINATOR_ZERO, R.NEGATIVE_FIGURE, R.OBSERVED_BEFORE_2020, R.FIGURE_SHAPE_MISMATCH, R.AMENDS_MISSING,
    R.AMENDS_NOT_ALLOWED, R.RETRACTION_WITH_FIGURE, R.EXPLANATION_WITH_FIGURE, R.EXPLANATION_NOT_ALLOWED,
})


def validator() -> Draft202012Validator:
    """The published schema as Python's jsonschema applies it (formats asserted too)."""
    schema = progress_event_json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def as_json_schema_sees(value: Any) -> Any:
    """``value`` in JSON Schema's data model, where 80.0 and 80 are one number: floats
    with no fraction become integers (docs/contract.md, section 2.1)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {name: as_json_schema_sees(member) for name, member in value.items()}
    if isinstance(value, list):
        return [as_json_schema_sees(item) for item in value]
    return value


def contract_codes(obj: dict[str, Any]) -> set[ReasonCode]:
    """Every reason code ingest's parser gives an event it has decoded; empty when the
    event keeps the contract. The registry, the catalogue, signatures and the ledger come
    after, and no schema can state their rules (docs/contract.md, section 2.1)."""
    try:
        parse_event(obj, today=TODAY)
    except ContractViolation as exc:
        return {exc.code, *(more.code for more in exc.also)}
    return set()


def schema_must_reject(obj: dict[str, Any]) -> bool:
    """Whether ingest rejects the event, as JSON Schema sees it, for a rule the schema states."""
    return bool(contract_codes(as_json_schema_sees(obj)) & SCHEMA_CODES)


def decoded(raw: bytes) -> dict[str, Any] | None:
    """The JSON object ingest reads in ``raw``, or None when it rejects the bytes first
    (not UTF-8, not JSON, a repeated name, not an object): no schema applies there."""
    try:
        return decode_object(raw)
    except ContractViolation:
        return None


def wire(obj: dict[str, Any]) -> bytes:
    """An event as an agency sends it (UTF-8 JSON)."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def examples() -> dict[str, bytes]:
    """Every example event the documents publish: shared/domain/examples.py (in the
    AsyncAPI document), docs/examples/event.json and the JSON blocks of docs/contract.md §6."""
    found = {f"examples.py:{name}": wire(event) for name, event in EXAMPLES.items()}
    found["docs/examples/event.json"] = (ROOT / "docs" / "examples" / "event.json").read_bytes()
    text = CONTRACT_MD.read_text("utf-8")
    section = text[text.index("## 6. Examples") : text.index("## 7.")]
    for i, block in enumerate(re.findall(r"```json\n(.*?)```", section, re.DOTALL)):
        found[f"contract.md §6 block {i + 1}"] = block.encode("utf-8")
    return found


def corpus(keys: KeyStore) -> dict[str, tuple[bytes, ReasonCode | None]]:
    """The bad-input corpus (chaos/corpus.py) on the key registry ``keys``: each message
    that is a JSON object to ingest, by kind (``valid-<n>`` for the valid ones), with the
    reason code ingest gives it (None: accepted)."""
    built = chaos_corpus.build(keys)
    reasons = {value: reason for value, reason in built.expected.rejected}
    names = {value: name for name, (_, value) in built.bad.items()}
    found: dict[str, tuple[bytes, ReasonCode | None]] = {}
    for i, (_, value) in enumerate(built.expected.messages):
        if value is not None and decoded(value) is not None:
            reason = reasons.get(value)
            found[names.get(value, f"valid-{i}")] = (value, ReasonCode(reason) if reason else None)
    return found


def mutants(n: int) -> list[bytes]:
    """``n`` of the bad-input fuzzer's mutants (chaos/fuzz.py), drawn the same way every run."""
    keys = {agency: SigningKey.derived(agency, hashlib.sha256(f"schema corpus|{agency}".encode()).digest())
            for agency in fuzz.AGENCIES}
    return [mutant.value for _, mutant in fuzz.draw_mutants(fuzz.originals(keys, 40), n, rng_seed=18)]


def day_spellings(rng: random.Random, n: int) -> list[str]:
    """Days as a careless system writes them: months 0-13, days 0-32, years 0000-9999
    (many around 2020 and leap centuries), and a few other shapes."""
    out = ["2024-02-29", "2025-02-29", "2000-02-29", "1900-02-29", "2100-02-29", "2400-02-29", "0000-01-01",
           "0001-01-01", "9999-12-31", "2019-12-31", "2020-01-01", "2025-4-1", "20250401", "2025-04-01T00:00",
           " 2025-04-01", "2025/04/01", "２０２５-04-01", "2025-04-01\n"]
    years = [0, 1, 4, 100, 400, 1600, 1900, 2000, 2019, 2020, 2024, 2100, 2400, 9996, 9999]
    for _ in range(n):
        year = rng.choice(years) if rng.random() < 0.5 else rng.randint(0, 9999)
        out.append(f"{year:04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}")
    return out


def timestamp_spellings(rng: random.Random, n: int) -> list[str]:
    """Instants written every way ingest meets them: with T, t or a space; hours to 25,
    minutes and seconds to 61; 0-7 digits of fraction, zeros too; Z, z, ±00:00, offsets to
    ±25:61, without the colon, or none."""
    out = ["2025-04-02T09:30:00+07:00", "2025-04-02T02:30:00Z", "2025-04-02T02:30:00+00:00",
           "2025-04-02T02:30:00-00:00", "2025-04-02T09:30:00.000000+07:00", "2025-04-02T09:30:00.5+07:00",
           "2025-04-02T09:30:00.500000+07:00", "2025-04-02T09:30:00.000001+07:00", "2025-04-02 09:30:00+07:00",
           "2025-04-02T09:30:00+0700", "2025-04-02T09:30:00", "2025-04-02T09:30+07:00", "2025-04-02T24:00:00Z",
           "2025-04-02T23:59:60Z", "2025-04-02T09:30:00+23:59", "2025-04-02T09:30:00+24:00",
           "2025-02-29T09:30:00+07:00", "2024-02-29T09:30:00+07:00", "2025-04-02T09:30:00z",
           "2025-04-02T09:30:00+07:00\n"]
    for _ in range(n):
        year = rng.choice([1, 2000, 2024, 2025, 2100]) if rng.random() < 0.7 else rng.randint(0, 9999)
        text = f"{year:04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
        if rng.random() < 0.7:  # mostly real days, so the time and offset decide
            text = f"{year or 2025:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        text += rng.choice("TTTTTTt ")
        text += f"{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}:{rng.randint(0, 61):02d}"
        digits = rng.choice([0, 0, 6, 6, 6, 1, 3, 7])
        if digits:
            text += "." + ("0" * digits if rng.random() < 0.2 else "".join(rng.choice("0123456789") for _ in
                                                                           range(digits)))
        offset = rng.choice(["Z", "Z", "z", "+00:00", "-00:00", "", "+0700", "hm", "hm", "hm", "hm"])
        if offset == "hm":
            offset = f"{rng.choice('+-')}{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}"
        out.append(text + offset)
    return out


@pytest.fixture(scope="module")
def corpus_messages(tmp_path_factory):
    """The bad-input corpus, signed with keys registered in a database of the module's own
    (a fixture the schema tests import)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('keys') / 'keys.db'}"
    migrate(url)
    engine = make_engine(url)
    yield corpus(KeyStore(engine))
    engine.dispose()
