"""The scorer's fold leaves explanations out: they carry no figure, count as applied, and
are neither logged nor counted as malformed."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from shared.scoring.entries import NotScored, entry_from_payload
from shared.scoring.folding import fold_ledger
from tests.unit.domain.samples import explanation, measurement


def _rows(*events):
    return [SimpleNamespace(seq=i, agency_id=e["agency_id"], chain_pos=i, payload=json.dumps(e, ensure_ascii=False))
            for i, e in enumerate(events, start=1)]


def test_an_explanation_is_not_a_scored_entry() -> None:
    with pytest.raises(NotScored):
        entry_from_payload(1, "ha-noi", 1, json.dumps(explanation()))


def test_the_fold_ignores_explanations(caplog) -> None:
    figure = measurement(observed_at="2025-06-30", reported_at="2025-07-02T09:00:00+07:00")
    later = measurement(event_id="hn-20250802-0001", observed_at="2025-07-31", reported_at="2025-08-02T09:00:00+07:00",
                        figure={"type": "ratio", "numerator": 60, "denominator": 76})
    without = fold_ledger(_rows(figure, later))
    with_explanation = fold_ledger(_rows(figure, explanation(), later))
    points = with_explanation.fold.points("ha-noi", "online_dossier_rate")
    assert [(p.on, p.fig, p.event_id) for p in points] == [
        (p.on, p.fig, p.event_id) for p in without.fold.points("ha-noi", "online_dossier_rate")]
    assert len(points) == 2
    assert (with_explanation.entries, with_explanation.skipped, with_explanation.unscored) == (3, [2], 1)
    assert with_explanation.malformed == 0
    assert "skipping" not in caplog.text


def test_an_unreadable_entry_still_counts_as_malformed() -> None:
    result = fold_ledger(_rows(explanation(), {**measurement(), "kind": "estimate"}))
    assert (result.skipped, result.unscored, result.malformed) == ([1, 2], 1, 1)
