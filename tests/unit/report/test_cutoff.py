"""The cut-off: what the ledger and the dead letters held at an instant, and the Merkle
proof of the entries up to there under a signed tree head."""

from __future__ import annotations

from shared.clock import utc_now

from datetime import datetime, timedelta, timezone

import pytest

from shared.domain.merkle import verify_consistency
from shared.domain.tree_head import TreeHead, head_problem
from shared.keyfiles import LEDGER_KEY_NAME

from services.report.build import NoTreeHead, ReportBuilder
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
    again = builder.cutoff_at(CUTOFF)  # proven under the newer head now, the same tree
    assert (again.at, again.seq, again.dead_letter_id, again.tree.size, again.tree.root) == \
        (before.at, before.seq, before.dead_letter_id, before.tree.size, before.tree.root)
    now = builder.cutoff_at(datetime.now(timezone.utc))
    assert (now.seq, now.dead_letter_id, now.tree.size) == (before.seq + 1, before.dead_letter_id + 1,
                                                            before.tree.size + 1)
    assert builder.cutoff(before.at, before.seq, before.dead_letter_id) == again


def test_by_default_the_cut_off_is_the_newest_record(ledger):
    builder = ReportBuilder(ledger.engine)
    assert builder.latest_cutoff() == builder.cutoff_at(RECORDED)
    ledger.reject("not_json", b"{", None)
    latest = builder.latest_cutoff()
    assert latest.at > RECORDED and latest.dead_letter_id == len(dataset.rejected()) + 1


def test_the_cut_off_is_proven_under_the_first_signed_head_that_covers_it(ledger):
    builder = ReportBuilder(ledger.engine)
    entries = len(dataset.events())
    unsigned_at = utc_now()
    ledger.append(event("hue", "online_dossier_rate", "2025-06-30", ratio(1, 2), event_id="no-head-at-it"),
                  recorded_at=unsigned_at, sign=False)
    ledger.append(event("hue", "online_dossier_rate", "2025-06-30", ratio(2, 3), event_id="then-a-head"),
                  recorded_at=unsigned_at + timedelta(seconds=1))
    ledger.append(event("hue", "online_dossier_rate", "2025-06-30", ratio(3, 4), event_id="another-head"),
                  recorded_at=unsigned_at + timedelta(seconds=2))
    # No head was signed at entries + 1: the next one, at entries + 2, proves it (not the newest).
    tree = builder.cutoff_at(unsigned_at).tree
    head = TreeHead.from_json(tree.head)
    assert (tree.size, head.tree_size) == (entries + 1, entries + 2)
    assert tree.root == ledger.store.tree.root(entries + 1).hex()
    assert head_problem(head, LEDGER_KEY_NAME, ledger.ledger_key.public_key) is None
    assert tree.consistency and verify_consistency(tree.size, bytes.fromhex(tree.root), head.tree_size,
                                                   head.root_hash, [bytes.fromhex(h) for h in tree.consistency])
    # A cut-off at a head is proven by that head, with an empty proof, whatever came after.
    at_head = builder.cutoff_at(CUTOFF).tree
    assert (at_head.size, at_head.head["tree_size"], at_head.consistency) == (entries, entries, ())


def test_a_cut_off_no_signed_head_covers_yet_is_refused_by_name(ledger):
    builder = ReportBuilder(ledger.engine)
    ledger.append(event("hue", "online_dossier_rate", "2025-06-30", ratio(1, 2), event_id="not-signed-yet"),
                  recorded_at=utc_now(), sign=False)
    with pytest.raises(NoTreeHead, match=r"counts the first 118 ledger entries and the newest signed head covers 117"):
        builder.latest_cutoff()
    # What needs only the positions does not wait for a head.
    assert builder.latest_cutoff(prove=False).seq == len(dataset.events()) + 1


def test_an_empty_ledger_has_no_tree(tmp_path):
    builder = ReportBuilder(LedgerFile(tmp_path / "empty.db").engine)
    assert builder.latest_cutoff().tree is None


def test_a_cut_off_day_means_the_end_of_that_day_in_vietnam():
    at = CutOffType().convert("2025-07-01", None, None)
    assert at.astimezone(timezone.utc) == datetime(2025, 7, 1, 16, 59, 59, 999_999, tzinfo=timezone.utc)
    assert CutOffType().convert("2025-07-01T08:00:00+07:00", None, None) == \
        datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc)
