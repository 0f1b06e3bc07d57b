"""The hash chain: verify finds edits, deletions, reorderings and insertions."""

import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from shared.domain.chain import GENESIS_HASH, ChainRow, entry_hash, find_breaks, first_break, recorded_text


AT = datetime(2025, 4, 2, 2, 30, 0, 123456, tzinfo=timezone.utc)


def _chain(agency: str, n: int, start_seq: int = 1, step: int = 1) -> list[ChainRow]:
    rows, prev = [], GENESIS_HASH
    for i in range(1, n + 1):
        payload = f'{{"n":{i},"agency":"{agency}"}}'
        h = entry_hash(prev, agency, i, f"e{i}", payload, AT)
        rows.append(ChainRow(start_seq + (i - 1) * step, agency, i, f"e{i}", payload, prev, h, AT))
        prev = h
    return rows


def test_an_untouched_ledger_verifies():
    assert first_break(_chain("a", 5) + _chain("b", 5, start_seq=6)) is None


def test_an_edited_payload_is_named():
    rows = _chain("a", 5)
    rows[2] = replace(rows[2], payload=rows[2].payload.replace("3", "4"))
    bad = first_break(rows)
    assert (bad.seq, bad.chain_pos) == (3, 3) and "edited" in bad.reason


def test_a_deleted_entry_is_named_at_the_gap():
    rows = _chain("a", 5)
    del rows[1]
    bad = first_break(rows)
    assert bad.seq == 3 and "expected chain position 2" in bad.reason


def test_swapped_entries_are_named():
    rows = _chain("a", 5)
    rows[1], rows[2] = replace(rows[2], chain_pos=2), replace(rows[1], chain_pos=3)
    assert first_break(rows).chain_pos == 2


def test_an_inserted_entry_is_named():
    rows = _chain("a", 3)
    forged = ChainRow(99, "a", 4, "x", "{}", "f" * 64, entry_hash("f" * 64, "a", 4, "x", "{}", AT), AT)
    assert first_break(rows + [forged]).seq == 99


def test_the_first_break_is_the_lowest_sequence_across_chains():
    a = _chain("a", 4, start_seq=1, step=2)   # seqs 1,3,5,7
    b = _chain("b", 4, start_seq=2, step=2)   # seqs 2,4,6,8
    a[3] = replace(a[3], payload="{}")        # seq 7
    b[1] = replace(b[1], payload="{}")        # seq 4
    assert [x.seq for x in find_breaks(a + b)] == [7, 4]
    assert first_break(a + b).seq == 4


@pytest.mark.parametrize("text", ["ha-noi", "Nguyễn \"Lan\"\\n", "tab\there\u2028\x00", "\U0001f600 emoji", ""])
def test_entry_hash_is_the_sha256_of_the_json_list(text) -> None:
    material = json.dumps(["0" * 64, text, 12, text, '{"a":"' + text + '"}', "2025-04-02T02:30:00.123456Z"],
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert entry_hash("0" * 64, text, 12, text, '{"a":"' + text + '"}', AT) == hashlib.sha256(material).hexdigest()


def test_the_recorded_time_is_inside_the_hash():
    rows = _chain("a", 3)
    rows[1] = replace(rows[1], recorded_at=AT + timedelta(microseconds=1))
    bad = first_break(rows)
    assert (bad.seq, bad.chain_pos) == (2, 2) and "recorded time" in bad.reason
    # Naive (SQLite) and aware UTC times of the same instant hash alike.
    assert entry_hash("0", "a", 1, "e", "{}", AT.replace(tzinfo=None)) == entry_hash("0", "a", 1, "e", "{}", AT)


def test_a_seq_out_of_chain_order_is_named():
    rows = _chain("a", 3)
    rows[2] = replace(rows[2], seq=1)
    assert first_break(rows).chain_pos == 3


@pytest.mark.parametrize("at", [
    AT, AT.replace(microsecond=0), AT.astimezone(timezone(timedelta(hours=7))), AT.replace(tzinfo=None),
    datetime(1, 1, 1, tzinfo=timezone.utc), datetime(999, 12, 31, 23, 59, 59, 999999), datetime(1000, 1, 1),
    datetime(9999, 12, 31, 23, 59, 59, 999999), datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
])
def test_the_recorded_text_is_strftimes_in_utc(at) -> None:
    utc = at.astimezone(timezone.utc) if at.tzinfo is not None else at
    assert recorded_text(at) == utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
