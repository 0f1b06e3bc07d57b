"""The canonical bytes are RFC 8785 (docs/contract.md §5.2): the project's own encoder —
pydantic's path (shared.domain.events.canonical_bytes) and ingest's fast path
(shared.domain.canonical.parse) — gives exactly what the `rfc8785` package gives for the
event without its signature and null members, on every event of a simulated year and on
every bad event the project knows of that still parses. Those the parser rejects are
rejected alike by both paths, with the code they were made to earn."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import rfc8785

from shared.clock import vietnam_today
from shared.db.engine import make_engine, migrate
from shared.db.keys import KeyStore
from shared.domain.canonical import parse, parse_canonical
from shared.domain.events import canonical_bytes, parse_event
from shared.domain.examples import EXAMPLES
from shared.domain.reasons import INGEST_CODES, ContractViolation, ReasonCode
from shared.domain.validation import check_event_against_registry

from services.simulate.keys import dry_run_keys
from services.simulate.plan import Config, Outcome, Plan
from services.simulate.trajectories import Truth
from services.simulate.wire import encode
from tests.unit.domain.samples import TODAY, measurement, milestone
from tests.unit.domain.test_domain_reason_cases import CASES

from chaos import corpus

SEED = 8785
SIM_TODAY = date(2026, 1, 15)


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: without_nulls(v) for name, v in value.items() if v is not None}
    return value


def jcs(raw: bytes) -> bytes:
    """RFC 8785 of the event in ``raw`` without its signature and null members."""
    event = without_nulls(json.loads(raw))
    event.pop("signature", None)
    return rfc8785.dumps(event)


def judged(raw: bytes, today: date) -> ContractViolation | None:
    """None when the event parses, after checking both paths' canonical bytes against
    RFC 8785's; otherwise the rejection, after checking both paths give it alike."""
    try:
        event = parse_event(raw, today=today)
    except ContractViolation as slow:
        assert parse_canonical(raw, today=today) is None, raw[:200]
        with pytest.raises(ContractViolation) as fast:
            parse(raw, today=today)
        assert (fast.value.code, fast.value.message) == (slow.code, slow.message), raw[:200]
        return slow
    expected = jcs(raw)
    assert canonical_bytes(event) == expected, raw
    assert parse(raw, today=today).canonical == expected, raw
    fast = parse_canonical(raw, today=today)
    assert fast is None or fast.canonical == expected, raw
    return None


def refused(raw: bytes, today: date, code: ReasonCode) -> bool:
    """Whether the event in ``raw``, which the parser has judged, is refused with ``code``
    by the parser or, when it parses, by the registry check."""
    violation = judged(raw, today)
    if violation is None:
        try:
            check_event_against_registry(parse_event(raw, today=today))
        except ContractViolation as exc:
            violation = exc
    return violation is not None and violation.code is code


def test_the_published_examples() -> None:
    for example in EXAMPLES.values():
        raw = json.dumps(example, ensure_ascii=False).encode("utf-8")
        assert judged(raw, TODAY) is None
        assert jcs(raw) == canonical_bytes(parse_event(example, today=TODAY))


def test_a_simulated_year_every_event_and_every_fault() -> None:
    truth = Truth(SEED)
    plan = Plan(Config(seed=SEED, scale=1), dry_run_keys(SEED, [a.id for a in truth.agencies]), truth)
    parsed = rejected = 0
    faults: set[ReasonCode] = set()
    for m in plan:
        violation = judged(m.value, SIM_TODAY)
        if m.outcome is Outcome.RECORDED:
            assert violation is None, m.value
            assert parse_canonical(m.value, today=SIM_TODAY) is not None  # sent in canonical form
        if m.outcome is Outcome.REJECTED:
            faults.add(m.fault.code)
            # A fault that breaks the contract is refused by the parser with its own code;
            # one only ingest can see (a signature, a key, the ledger) parses.
            if m.fault.code in INGEST_CODES:
                assert violation is None, (m.fault.name, m.value[:200])
            else:
                assert refused(m.value, SIM_TODAY, m.fault.code), (m.fault.name, m.value[:200])
        parsed += violation is None
        rejected += violation is not None
    assert parsed > 5000 and rejected > 20
    assert len(faults) >= 30  # nearly every reason code


def _spellings(raw: bytes | dict[str, Any]) -> list[bytes]:
    if isinstance(raw, bytes):
        return [raw]
    return [encode(raw), json.dumps(raw).encode(), json.dumps(raw, ensure_ascii=False, indent=2).encode("utf-8")]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_bad_event_of_the_reason_table(case) -> None:
    for raw in _spellings(case.raw):
        violation = judged(raw, TODAY)
        if case.registry:
            assert violation is None  # well-formed: only the registry refuses it
        else:
            assert violation is not None and violation.code is case.code


AWKWARD_TEXT = [
    "Lan\u2028Hà\u2029", "<b>&amp;</b>", '"quoted" \\u2028 \\\\ a/b', "tab\there", "\x7f del", "\U0001f600",
    "e\u0301 \u00e9", "\ufeff bom", "\x01\x1f", "\x1c name", "x\u00a0y", "\u200b", "\\", "\"",
]


@pytest.mark.parametrize("text", AWKWARD_TEXT)
def test_awkward_text_in_every_spelling(text) -> None:
    events = [measurement(reporter={"name": text, "role": "Chánh Văn phòng"}),
              milestone(evidence=text), measurement(event_id="hn-\\\"<&>", evidence=None, amends=None)]
    for event in events:
        for raw in _spellings(event):
            judged(raw, TODAY)


@pytest.fixture(scope="module")
def chaos_corpus(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('keys') / 'keys.db'}"
    migrate(url)
    engine = make_engine(url)
    yield corpus.build(KeyStore(engine))
    engine.dispose()


def test_every_message_of_the_chaos_corpus(chaos_corpus) -> None:
    today = vietnam_today()
    bad = {value: (kind_name, key) for kind_name, (key, value) in chaos_corpus.bad.items()}
    reasons = {kind.name: kind.reason for kind in chaos_corpus.kinds}
    seen = set()
    for _key, value in chaos_corpus.expected.messages:
        if value is None:
            continue
        violation = judged(value, today)
        if value not in bad:
            assert violation is None  # a valid event (a base event or a filler)
            continue
        name = bad[value][0]
        seen.add(name)
        reason = reasons[name]
        if reason is ReasonCode.MESSAGE_TOO_LARGE:
            continue  # refused for its size before it is parsed: whatever the parser says
        if reason in INGEST_CODES:
            assert violation is None, name
        else:
            assert refused(value, today, reason), name
    assert seen == {name for name, (_key, value) in chaos_corpus.bad.items() if value is not None}
