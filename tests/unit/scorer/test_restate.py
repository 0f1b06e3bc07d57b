"""A previous period restated on today's map (issue 16): across each reorganisation a
comparison shows progress only, never a merger as a fall."""

from datetime import date

import pytest

from shared.scoring.restate import restated

from .builders import PROJECTOR, D, Ledger

RATE = "online_dossier_rate"  # 80 %, ministries and provinces
PLAN = "direction_indicators"  # milestone, ministries and provinces
# (merger day, the day before, merged units, their successor)
MERGERS = [
    pytest.param(D("2025-07-01"), ["tuyen-quang", "ha-giang"], "tuyen-quang-2025", id="provinces-01-07-2025"),
    pytest.param(D("2025-03-01"), ["bo-khoa-hoc-va-cong-nghe", "bo-thong-tin-va-truyen-thong"],
                 "bo-khoa-hoc-va-cong-nghe-2025", id="ministries-01-03-2025"),
]


def _ledger(parts: list[str], before: date) -> Ledger:
    lg = Ledger()
    lg.ratio(parts[0], RATE, before.replace(day=1), 90, 100)  # reached
    lg.ratio(parts[1], RATE, before.replace(day=2), 30, 50)  # not yet
    lg.ratio("ha-noi", RATE, before.replace(day=3), 85, 100)
    lg.ratio("bo-cong-an", RATE, before.replace(day=3), 85, 100)
    for p in parts:
        lg.milestone(p, PLAN, before.replace(day=4), True)
    return lg


@pytest.mark.parametrize(("merger", "parts", "successor"), MERGERS)
def test_the_previous_period_on_todays_map_shows_no_artificial_fall(merger, parts, successor):
    before = date.fromordinal(merger.toordinal() - 1)
    after = date.fromordinal(merger.toordinal() + 5)
    lg = _ledger(parts, before)
    fold = lg.fold()
    then = PROJECTOR.full(fold, before)
    now = PROJECTOR.full(fold, after)
    restated_then = restated(then, after, PROJECTOR.world)
    # Nothing new was reported across the merger: every comparison is flat.
    for key, row in now.national.items():
        old = restated_then.national[key]
        assert (old.agencies, old.value, old.numerator, old.denominator) == \
            (row.agencies, row.value, row.numerator, row.denominator), key
        assert old.met + old.met_late == row.met + row.met_late, key
    # Without the restatement the total had more agencies (the merger would read as a fall).
    kind = "province" if successor.startswith("tuyen") else "ministry"
    assert then.national[(RATE, kind)].agencies > now.national[(RATE, kind)].agencies
    merged = restated_then.cells[(successor, RATE)]
    assert (merged.numerator, merged.denominator, merged.status) == (120, 150, now.cells[(successor, RATE)].status)
    assert merged.value == now.cells[(successor, RATE)].value
    assert restated_then.cells[(successor, PLAN)].value == 1.0
    # Ranks among today's units, with a baseline for the merged one.
    assert restated_then.scores[successor].peers == now.scores[successor].peers
    assert restated_then.scores[successor].rank == now.scores[successor].rank
    assert set(restated_then.scores) == set(now.scores)


def test_a_day_on_the_same_map_is_left_as_it_is():
    lg = _ledger(["tuyen-quang", "ha-giang"], D("2025-05-31"))
    then = PROJECTOR.full(lg.fold(), D("2025-05-31"))
    assert restated(then, D("2025-06-30"), PROJECTOR.world) is then
