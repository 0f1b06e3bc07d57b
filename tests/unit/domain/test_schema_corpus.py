"""The published JSON Schema and ingest's parser judge the same events alike, wherever
JSON Schema can state the rule: every published example, the whole bad-input corpus and
a thousand of the fuzzer's mutants. What the schema cannot state is listed in
docs/contract.md, section 2.1, and checked here to be listed. (Ajv, the JavaScript
validator, is held to the same answers in tests/integration/test_contract_validators.py.)"""

from __future__ import annotations

import pytest

from shared.domain.reasons import ReasonCode

from tests.unit.domain.schema_cases import (
    CONTRACT_MD,
    SCHEMA_CODES,
    as_json_schema_sees,
    contract_codes,
    corpus_messages,  # noqa: F401 (a fixture)
    decoded,
    examples,
    mutants,
    schema_must_reject,
    validator,
)

SCHEMA = validator()


@pytest.mark.parametrize("name", sorted(examples()))
def test_every_published_example_is_accepted_by_both(name: str) -> None:
    event = decoded(examples()[name])
    assert event is not None
    assert contract_codes(event) == set()
    assert list(SCHEMA.iter_errors(event)) == []


def test_the_bad_input_corpus_is_judged_alike(corpus_messages) -> None:
    judged = {name: (SCHEMA.is_valid(decoded(raw)), schema_must_reject(decoded(raw)))
              for name, (raw, _) in corpus_messages.items()}
    assert {name: verdict for name, verdict in judged.items() if verdict[0] is verdict[1]} == {}
    rejected = {name for name, (valid, _) in judged.items() if not valid}
    # Each kind of bad input the schema can see, it sees: of the contract's own codes,
    # only the rules docs/contract.md §2.1 lists get through.
    through = {name: reason for name, (_, reason) in corpus_messages.items()
               if reason in SCHEMA_CODES and name not in rejected}
    assert through == {"float_integer": ReasonCode.WRONG_TYPE, "shape_mismatch": ReasonCode.FIGURE_SHAPE_MISMATCH}
    assert {"utc_spelling", "upper_case_signature", "alg_none", "past_2_53", "quoted_number"} <= rejected


def test_an_integer_written_with_a_fraction_is_the_one_spelling_only_ingest_sees(corpus_messages) -> None:
    event = decoded(corpus_messages["float_integer"][0])
    assert event["figure"]["numerator"] == 80.0 and isinstance(event["figure"]["numerator"], float)
    assert contract_codes(event) == {ReasonCode.WRONG_TYPE}
    assert contract_codes(as_json_schema_sees(event)) == set()
    assert SCHEMA.is_valid(event)


def test_fuzzed_mutants_are_judged_alike() -> None:
    judged = 0
    for raw in mutants(1000):
        event = decoded(raw)
        if event is None:
            continue  # not UTF-8, not JSON, a repeated name, not an object: before any schema
        judged += 1
        valid = SCHEMA.is_valid(event)
        # The schema never refuses what ingest accepts ...
        assert valid or contract_codes(event), raw
        # ... and refuses what ingest refuses for a rule it states; an event that amends
        # itself stops ingest's event-level checks before the ones the schema states.
        if event.get("amends") is None or event.get("amends") != event.get("event_id"):
            assert valid is not schema_must_reject(event), raw
    assert judged > 500


def test_contract_md_lists_what_the_schema_cannot_say() -> None:
    text = CONTRACT_MD.read_text("utf-8")
    section = text[text.index("### 2.1") : text.index("## 3.")]
    for rule in ("`80.0`", "numerator", "`done_on`", "`committed_on`", "`amends`", "today", "registry",
                 "duplicate", "signature"):
        assert rule in section, rule
