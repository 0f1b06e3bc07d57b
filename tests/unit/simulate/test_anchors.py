"""Fed to the scorer, the simulated ledger gives the seeds' national figures exactly.

The recorded events of a run are folded by the scorer's own code, in the order ingest
would append them, mess included (late reports, corrections, retractions).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from fractions import Fraction

import pytest

from shared.scoring.entries import entry_from_event
from shared.scoring.history import Fold
from shared.scoring.projector import Projector

from services.simulate.plan import Config, Outcome, Plan
from services.simulate.trajectories import ANCHORS
from tests.unit.simulate.conftest import SEED


def _fold(messages, targets: set[str]) -> Fold:
    fold, positions = Fold(), Counter()
    seq = 0
    for m in messages:
        if m.outcome is not Outcome.RECORDED:
            continue
        seq += 1
        positions[m.agency_id] += 1
        event = json.loads(m.value)
        if event["target_id"] in targets:
            fold.apply(entry_from_event(seq, m.agency_id, positions[m.agency_id], event))
    return fold


def _national(fold: Fold, target_id: str, on: date) -> Fraction:
    row = Projector().full(fold, on).national[target_id]
    if row.denominator is not None:
        return Fraction(row.numerator, row.denominator)
    return Fraction(row.value)


def _check(messages) -> None:
    fold = _fold(messages, {a.target_id for a in ANCHORS})
    for anchor in ANCHORS:
        assert _national(fold, anchor.target_id, anchor.on) == anchor.value, anchor


@pytest.mark.parametrize("fixture", ["year", "small_year"])
def test_the_scorer_prints_the_seeds_figures(request, fixture) -> None:
    _check(request.getfixturevalue(fixture))


def test_weekly_reports_keep_the_anchors(truth, ring) -> None:
    # Everything observed by 31 March is in by 20 May, even if late (≤ 40 days) and then
    # corrected (≤ 10 days more).
    _check(list(Plan(Config(seed=SEED, scale=4, until=date(2025, 5, 20)), ring, truth)))


def test_all_reporting_agencies_count(year) -> None:
    fold = _fold(year, {"essential_services"})
    february = Projector().full(fold, date(2025, 2, 28)).national["essential_services"]
    march = Projector().full(fold, date(2025, 3, 31)).national["essential_services"]
    assert (february.agencies, february.reporting) == (22, 22)
    assert (march.agencies, march.reporting) == (17, 17)
