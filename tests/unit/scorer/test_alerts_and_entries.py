"""Deadline thresholds, and reading ledger messages and rows."""

import json
from datetime import date

import pytest

from shared.scoring.alerts import alert_threshold, alerts_due
from shared.scoring.entries import entry_from_ledger_message, entry_from_payload
from shared.scoring.figures import Count, MalformedEntry, Milestone, Ratio, figure_from_json, figure_to_json

from services.scorer.replay import entry_from_row, observation_row
from tests.factories import event_dict

from .builders import PROJECTOR, D, Ledger

DEADLINE = date(2025, 12, 31)


@pytest.mark.parametrize(
    ("on", "threshold"),
    [("2025-11-30", None), ("2025-12-01", "30d"), ("2025-12-23", "30d"), ("2025-12-24", "7d"),
     ("2025-12-29", "7d"), ("2025-12-30", "1d"), ("2025-12-31", "1d"), ("2026-01-01", "overdue")],
)
def test_the_tightest_threshold_reached(on, threshold):
    assert alert_threshold(DEADLINE, D(on)) == threshold


def test_alerts_are_due_for_agencies_not_done_only():
    lg = Ledger()
    lg.ratio("ha-noi", "civil_registry_digitised", "2025-03-20", 100, 100)  # met
    lg.ratio("hue", "civil_registry_digitised", "2025-03-20", 90, 100)  # one figure: on its own path
    on = D("2025-03-25")  # 6 days before 31/03/2025
    proj = PROJECTOR.full(lg.fold(), on)
    due = {a.agency_id: a for a in alerts_due(proj.cells.values(), PROJECTOR.world.targets_on(on))
           if a.target_id == "civil_registry_digitised"}
    assert "ha-noi" not in due
    assert (due["hue"].threshold, due["hue"].status, due["hue"].completion) == ("7d", "on_track", 0.9)
    assert due["hue"].alert_id == "hue:civil_registry_digitised:7d"
    assert due["lai-chau"].status == "no_data"  # nothing reported is not done either


def _message(event: dict, seq=7, pos=3) -> bytes:
    head = dict(seq=seq, agency_id=event["agency_id"], chain_pos=pos, prev_hash="0" * 64, hash="1" * 64)
    return json.dumps({**head, "event": event}, ensure_ascii=False).encode()


def test_a_ledger_message_becomes_an_entry():
    e = entry_from_ledger_message(_message(event_dict("hue", observed_at="2025-03-31", event_id="x-1")))
    assert (e.seq, e.agency_id, e.chain_pos, e.event_id, e.kind, e.observed_at, e.figure) == (
        7, "hue", 3, "x-1", "measurement", D("2025-03-31"), Ratio(80, 100))


def test_amendments_and_milestones_are_read():
    r = entry_from_ledger_message(_message(event_dict(kind="retraction", amends="x-1")))
    assert (r.kind, r.amends, r.figure) == ("retraction", "x-1", None)
    m = entry_from_payload(1, "ha-noi", 1, json.dumps(event_dict(
        target="direction_indicators", kind="milestone", figure={"type": "milestone", "done": True,
                                                                 "done_on": "2025-03-30"})))
    assert m.figure == Milestone(True, D("2025-03-30"))


@pytest.mark.parametrize("value", [b"", b"not json", b"[]", b'{"seq": 1}',
                                   _message(event_dict(figure={"type": "ratio", "numerator": 1})),
                                   _message(event_dict(kind="sideways")),
                                   _message(event_dict(kind="correction"))])
def test_unreadable_messages_are_refused(value):
    with pytest.raises(MalformedEntry):
        entry_from_ledger_message(value)


@pytest.mark.parametrize("fig", [Ratio(3, 7), Count(324), Milestone(True, D("2025-08-19")), Milestone(False), None])
def test_figures_round_trip_through_the_scorer_store(fig):
    assert figure_from_json(None if fig is None else json.loads(figure_to_json(fig))) == fig
    lg = Ledger()
    e = lg.count("bo-cong-an", "ndc_databases", "2025-08-19", 114)
    assert entry_from_row(dict(observation_row(e), version=1)) == e
