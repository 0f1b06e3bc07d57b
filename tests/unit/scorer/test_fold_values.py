"""Value of an agency × target: latest by observed_at, corrections replace, retractions
remove, late events are placed by observed_at, and arrival order does not matter."""

import random

from shared.scoring.figures import Ratio
from shared.scoring.history import Fold

from .builders import PROJECTOR, D, Ledger

HN = "ha-noi"
RATE = "online_dossier_rate"


def test_the_latest_observation_wins():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-01-31", 40, 100)
    e = lg.ratio(HN, RATE, "2025-02-28", 45, 100)
    c = lg.cell(HN, RATE, "2025-03-05")
    assert (c.value, c.observed_at, c.source_seq, c.source_event_id) == (0.45, D("2025-02-28"), e.seq, e.event_id)


def test_a_late_event_is_placed_by_observed_at_not_by_arrival():
    lg = Ledger()
    march = lg.ratio(HN, RATE, "2025-03-31", 60, 100)
    late = lg.ratio(HN, RATE, "2025-02-28", 50, 100)  # arrives after March's figure
    assert lg.cell(HN, RATE, "2025-04-05").source_seq == march.seq
    feb = lg.cell(HN, RATE, "2025-03-15")
    assert (feb.value, feb.source_seq) == (0.5, late.seq)
    assert lg.cell(HN, RATE, "2025-02-27").value is None
    # ... and it feeds the trend: 50 % → 60 % in a month reaches 80 % long before December.
    assert lg.cell(HN, RATE, "2025-04-05").status == "on_track"


def test_same_day_figures_are_ordered_by_the_ledger():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-03-31", 60, 100)
    second = lg.ratio(HN, RATE, "2025-03-31", 62, 100)
    assert lg.cell(HN, RATE, "2025-04-01").source_seq == second.seq


def test_a_correction_replaces_the_figure_it_amends():
    lg = Ledger()
    jan = lg.ratio(HN, RATE, "2025-01-31", 30, 100)
    feb = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    fix = lg.correct(feb, figure=Ratio(45, 100))
    c = lg.cell(HN, RATE, "2025-03-05")
    assert (c.value, c.source_seq, c.source_event_id, c.status) == (0.45, fix.seq, fix.event_id, "on_track")
    # Before the correction was recorded (as of its ledger position) the wrong figure stood.
    assert lg.cell(HN, RATE, "2025-03-05", upto=feb.seq).value == 0.9
    assert jan.seq < feb.seq


def test_a_correction_of_a_correction_replaces_the_first_correction():
    lg = Ledger()
    a = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    c1 = lg.correct(a, figure=Ratio(45, 100))
    c2 = lg.correct(c1, figure=Ratio(47, 100))
    assert lg.cell(HN, RATE, "2025-03-05").source_event_id == c2.event_id
    assert lg.cell(HN, RATE, "2025-03-05").value == 0.47


def test_two_corrections_of_one_event_the_later_one_stands():
    lg = Ledger()
    a = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    lg.correct(a, figure=Ratio(45, 100))
    c2 = lg.correct(a, figure=Ratio(46, 100))
    c = lg.cell(HN, RATE, "2025-03-05")
    assert (c.value, c.source_seq) == (0.46, c2.seq)
    assert len(PROJECTOR.evaluator(lg.fold(), D("2025-03-05")).fold.points(HN, RATE)) == 1


def test_a_correction_keeps_the_place_of_the_event_it_amends_among_same_day_figures():
    lg = Ledger()
    a = lg.ratio(HN, RATE, "2025-03-31", 60, 100)
    b = lg.ratio(HN, RATE, "2025-03-31", 65, 100)
    lg.correct(a, figure=Ratio(61, 100))
    assert lg.cell(HN, RATE, "2025-04-01").source_seq == b.seq


def test_a_correction_may_move_a_figure_to_another_day():
    lg = Ledger()
    a = lg.ratio(HN, RATE, "2025-03-31", 60, 100)
    lg.correct(a, on="2025-02-28", figure=Ratio(60, 100))
    assert lg.cell(HN, RATE, "2025-03-01").value == 0.6
    assert lg.cell(HN, RATE, "2025-02-27").value is None


def test_a_retraction_removes_the_figure_and_the_previous_one_returns():
    lg = Ledger()
    jan = lg.ratio(HN, RATE, "2025-01-31", 30, 100)
    feb = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    lg.retract(feb)
    c = lg.cell(HN, RATE, "2025-03-01")
    assert (c.value, c.source_seq, c.observed_at) == (0.3, jan.seq, D("2025-01-31"))


def test_retracting_the_only_figure_leaves_no_data():
    lg = Ledger()
    only = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    lg.retract(only)
    c = lg.cell(HN, RATE, "2025-03-01")
    assert (c.value, c.status) == (None, "no_data")


def test_retracting_a_corrected_event_removes_its_correction_too():
    lg = Ledger()
    jan = lg.ratio(HN, RATE, "2025-01-31", 30, 100)
    feb = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    lg.correct(feb, figure=Ratio(45, 100))
    lg.retract(feb)
    assert lg.cell(HN, RATE, "2025-03-01").source_seq == jan.seq


def test_retracting_a_correction_removes_the_corrected_figure():
    lg = Ledger()
    jan = lg.ratio(HN, RATE, "2025-01-31", 30, 100)
    feb = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    fix = lg.correct(feb, figure=Ratio(45, 100))
    lg.retract(fix)
    assert lg.cell(HN, RATE, "2025-03-01").source_seq == jan.seq


def test_a_correction_of_a_retracted_figure_changes_nothing():
    lg = Ledger()
    jan = lg.ratio(HN, RATE, "2025-01-31", 30, 100)
    feb = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    fix = lg.correct(feb, figure=Ratio(45, 100))
    lg.retract(feb)
    lg.correct(fix, figure=Ratio(50, 100))
    assert lg.cell(HN, RATE, "2025-03-01").source_seq == jan.seq


def test_as_of_a_ledger_position_shows_what_was_known_then():
    lg = Ledger()
    a = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    r = lg.retract(a)
    assert lg.cell(HN, RATE, "2025-03-01", upto=a.seq).value == 0.9
    assert lg.cell(HN, RATE, "2025-03-01", upto=r.seq).value is None
    assert lg.cell(HN, RATE, "2025-03-01", upto=0).value is None


def test_applying_an_entry_twice_changes_nothing():
    lg = Ledger()
    a = lg.ratio(HN, RATE, "2025-02-28", 90, 100)
    f = Fold()
    assert f.apply(a) is True
    assert f.apply(a) is False
    assert len(f) == 1 and len(f.points(HN, RATE)) == 1


def _busy_ledger() -> Ledger:
    lg = Ledger()
    for agency in (HN, "hue", "ha-giang", "tuyen-quang"):
        a = lg.ratio(agency, RATE, "2025-01-31", 30, 100)
        b = lg.ratio(agency, RATE, "2025-03-31", 50, 100)
        lg.ratio(agency, RATE, "2025-02-28", 40, 100)
        lg.correct(a, figure=Ratio(31, 100))
        lg.correct(a, figure=Ratio(32, 100))
        lg.retract(b)
        lg.milestone(agency, "direction_indicators", "2025-04-30", True)
        lg.count(agency, "procedures_local_data", "2025-04-30", 20)
    return lg


def test_arrival_order_does_not_change_any_figure():
    lg = _busy_ledger()
    expected = PROJECTOR.full(lg.fold(), D("2025-07-15"))
    rng = random.Random(5)
    for _ in range(5):
        shuffled = list(lg.entries)
        rng.shuffle(shuffled)
        assert PROJECTOR.full(lg.fold(order=shuffled + shuffled[:7]), D("2025-07-15")) == expected
