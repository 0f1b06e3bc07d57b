"""The published schema's patterns accept exactly the days, timestamps and names ingest's
parser accepts (shared/domain/temporal.py, the models' ``\\S``), checked through Python's
jsonschema on thousands of spellings; and the schema is clean for strict validators."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from shared.domain.canonical import parse
from shared.domain.events import EARLIEST_OBSERVATION, Reporter
from shared.domain.examples import EXAMPLES
from shared.domain.reasons import ContractViolation, ReasonCode
from shared.domain.schema import progress_event_json_schema
from shared.domain.temporal import _as_date, _as_timestamp, format_timestamp

from tests.unit.domain.schema_cases import day_spellings, timestamp_spellings

SCHEMA = progress_event_json_schema()


def _member(*path: str) -> Draft202012Validator:
    """The validator of one member's subschema, as published (formats asserted too)."""
    node: Any = SCHEMA
    for part in path:
        node = node[part]
    return Draft202012Validator(node, format_checker=Draft202012Validator.FORMAT_CHECKER)


REPORTED_AT = _member("properties", "reported_at")
OBSERVED_AT = _member("properties", "observed_at")
COMMITTED_ON = _member("$defs", "Explanation", "properties", "committed_on")
NAME = _member("$defs", "Reporter", "properties", "name")


def canonical_bytes_of(event: dict[str, Any]) -> bytes:
    """``event`` written as the contract's canonical form (ingest's fast path reads it)."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _accepts(read, text: str) -> bool:
    try:
        read(text)
    except ValueError:  # pydantic's custom errors are ValueErrors
        return False
    return True


def _observed(text: str) -> date:
    day = _as_date(text)
    if day < EARLIEST_OBSERVATION:
        raise ValueError("before 2020")
    return day


def test_the_schema_has_no_keyword_strict_validators_refuse() -> None:
    text = json.dumps(SCHEMA)
    assert "discriminator" not in text
    Draft202012Validator.check_schema(SCHEMA)
    # The patterns hold the rules; no rule rests on a validator asserting "format".
    assert REPORTED_AT.schema["pattern"] and OBSERVED_AT.schema["pattern"] and COMMITTED_ON.schema["pattern"]


def test_a_day_is_valid_exactly_when_ingest_reads_it() -> None:
    spellings = day_spellings(random.Random(18), 5000)
    assert [text for text in spellings if COMMITTED_ON.is_valid(text) is not _accepts(_as_date, text)] == []
    assert [text for text in spellings if OBSERVED_AT.is_valid(text) is not _accepts(_observed, text)] == []
    assert sum(map(COMMITTED_ON.is_valid, spellings)) > 1000, "valid days among them too"


def test_a_timestamp_is_valid_exactly_when_ingest_reads_it() -> None:
    spellings = timestamp_spellings(random.Random(18), 5000)
    assert [text for text in spellings if REPORTED_AT.is_valid(text) is not _accepts(_as_timestamp, text)] == []
    assert sum(map(REPORTED_AT.is_valid, spellings)) > 500, "valid timestamps among them too"


def test_every_day_of_four_centuries_and_not_one_more() -> None:
    """2000-2399 holds every leap rule (2000 and 2400 leap, 2100 to 2300 not)."""
    day, days = date(2000, 1, 1), set()
    while day.year < 2400:
        days.add(day.isoformat())
        day += timedelta(days=1)
    spelt = {f"{y}-{m:02d}-{d:02d}" for y in range(2000, 2400) for m in range(1, 13) for d in range(1, 32)}
    assert {text for text in spelt if COMMITTED_ON.is_valid(text)} == days


@settings(max_examples=500, derandomize=True)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
       st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1))
def test_every_instant_as_the_contract_writes_it_is_valid(moment: datetime, offset: int) -> None:
    text = format_timestamp(moment.replace(tzinfo=timezone(timedelta(minutes=offset))))
    assert REPORTED_AT.is_valid(text), text


def test_a_name_is_blank_for_the_schema_exactly_when_it_is_for_ingest() -> None:
    """Every character of the Basic Multilingual Plane as a whole name: the regular
    expression engines disagree on what white space is, the published class does not."""
    differ = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # half a character: not UTF-8 text (not_utf8)
        try:
            Reporter(name=chr(code), role="x")
            ingest = True
        except ValidationError:
            ingest = False
        if NAME.is_valid(chr(code)) is not ingest:
            differ.append(hex(code))
    assert differ == []


@pytest.mark.parametrize(("reported_at", "code"), [("0001-01-01T00:00:00+01:00", ReasonCode.OBSERVED_AFTER_REPORTED),
                                                   ("9999-12-31T23:59:59-01:00", None)])
def test_the_first_and_last_instants_are_judged_not_a_crash(reported_at: str, code: ReasonCode | None) -> None:
    """Valid text both, whose time in UTC or in Vietnam no datetime holds: ingest's
    parsers once raised OverflowError on them, which would stop the worker at every
    restart. The second is refused later, as reported in the future (keyring)."""
    event = dict(EXAMPLES["measurement_ratio"], reported_at=reported_at)
    assert REPORTED_AT.is_valid(reported_at)
    for raw in (canonical_bytes_of(event), json.dumps(event).encode()):  # the fast path, then pydantic's
        try:
            parse(raw, today=date(2026, 12, 1))
            got = None
        except ContractViolation as exc:
            got = exc.code
        assert got is code
