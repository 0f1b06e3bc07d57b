"""The cut-off: what the ledger and the dead letters held at an instant, and the one
hash that commits to every chain up to there."""

from __future__ import annotations

from shared.clock import utc_now

import hashlib
from datetime import datetime, timezone

import pytest

from shared.db.ledger import ChainHead

from services.report.build import ReportBuilder, ledger_head_hash
from services.report.cli import CutOffType
from tests.unit.report import dataset
from tests.unit.report.conftest import CUTOFF, RECORDED, write_dataset
from tests.unit.report.ledger import LedgerFile, event, ratio


@pytest.fixture
def ledger(tmp_path):
    lg = LedgerFile(tmp_path / "ledger.db")
    write_dataset(lg)
    yield lg
    lg.engine.dispose()


def test_entries_and_rejections_recorded_after_the_cut_off_are_left_out(ledger):
    builder = ReportBuilder(ledger.engine)
    before = builder.cutoff_at(CUTOFF)
    ledger.append(event("hue", "online_dossier_rate", "2025-06-30", ratio(1, 2), event_id="recorded-later"),
                  recorded_at=utc_now())
    ledger.reject("bad_signature", b"{}", "hue")
    assert (before.seq, before.dead_letter_id) == (len(dataset.events()), len(dataset.rejected()))
    assert builder.cutoff_at(CUTOFF) == before
    now = builder.cutoff_at(datetime.now(timezone.utc))
    assert (now.seq, now.dead_letter_id) == (before.seq + 1, before.dead_letter_id + 1)
    assert now.head_hash != before.head_hash
    assert builder.cutoff(before.at, before.seq, before.dead_letter_id) == before


def test_by_default_the_cut_off_is_the_newest_record(ledger):
    builder = ReportBuilder(ledger.engine)
    assert builder.latest_cutoff() == builder.cutoff_at(RECORDED)
    ledger.reject("not_json", b"{", None)
    latest = builder.latest_cutoff()
    assert latest.at > RECORDED and latest.dead_letter_id == len(dataset.rejected()) + 1


def test_the_head_hash_commits_to_every_chain_head_in_agency_order():
    heads = {"hue": ChainHead(2, "b" * 64), "ha-noi": ChainHead(5, "a" * 64)}
    expected = hashlib.sha256(f"ha-noi:5:{'a' * 64}\nhue:2:{'b' * 64}\n".encode()).hexdigest()
    assert ledger_head_hash(heads) == expected
    assert ledger_head_hash({**heads, "hue": ChainHead(3, "c" * 64)}) != expected


def test_a_cut_off_day_means_the_end_of_that_day_in_vietnam():
    at = CutOffType().convert("2025-07-01", None, None)
    assert at.astimezone(timezone.utc) == datetime(2025, 7, 1, 16, 59, 59, 999_999, tzinfo=timezone.utc)
    assert CutOffType().convert("2025-07-01T08:00:00+07:00", None, None) == \
        datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc)
