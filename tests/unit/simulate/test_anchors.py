"""Fed to the scorer, the simulated ledger gives the seeds' national figures exactly, on
the seeds' days: the 2024 results on 31/12/2024, the sessions of 06/02 and 18/03/2025.

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
from shared.scoring.rows import NationalRow

from services.simulate.plan import Config, Outcome, Plan
from services.simulate.trajectories import ANCHORS, Anchor, Truth
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
        if event["target_id"] in targets and event["kind"] != "explanation":  # an explanation holds no figure
            fold.apply(entry_from_event(seq, m.agency_id, positions[m.agency_id], event))
    return fold


def national_row(fold: Fold, truth: Truth, target_id: str, on: date) -> NationalRow:
    """The national row of the block the target applies to (its agencies are all of one kind)."""
    blocks = {truth.agency(u).kind.value for u in truth.units_on(target_id, on)}
    (block,) = blocks
    return Projector().full(fold, on).national[(target_id, block)]


def seed_figure(row: NationalRow, anchor: Anchor) -> tuple[Fraction, int | None]:
    """The row's figure as the seed writes it: the share or count, and what it is of."""
    if row.denominator is not None:
        return Fraction(row.numerator, row.denominator), row.denominator
    return Fraction(row.value), None


def _check(messages, truth: Truth) -> None:
    fold = _fold(messages, {a.target_id for a in ANCHORS})
    for anchor in ANCHORS:
        figure, of = seed_figure(national_row(fold, truth, anchor.target_id, anchor.on), anchor)
        assert figure == anchor.value, anchor
        assert anchor.total is None or of == anchor.total, anchor


@pytest.mark.parametrize("fixture", ["year", "small_year"])
def test_the_scorer_prints_the_seeds_figures(request, truth, fixture) -> None:
    _check(request.getfixturevalue(fixture), truth)


def test_weekly_reports_keep_the_anchors(truth, ring) -> None:
    # Everything observed by 18 March is in by 20 May, even if late (≤ 40 days) and then
    # corrected (≤ 10 days more).
    _check(list(Plan(Config(seed=SEED, scale=4, until=date(2025, 5, 20)), ring, truth)), truth)


def test_all_reporting_agencies_count(truth, year) -> None:
    fold = _fold(year, {"essential_services"})
    for anchor in (a for a in ANCHORS if a.target_id == "essential_services"):
        row = national_row(fold, truth, anchor.target_id, anchor.on)
        units = len(truth.units_on(anchor.target_id, anchor.on))
        assert (row.agencies, row.reporting) == (units, units), anchor
