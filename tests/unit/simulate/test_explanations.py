"""The simulator's explanations (giải trình): valid signed events, each about a task the
agency had truly not met by its deadline, sent at every scale, the same on every run."""

from __future__ import annotations

import json
from datetime import date

from shared.domain.events import canonical_bytes, parse_event
from shared.domain.signing import signature_matches
from shared.domain.validation import check_event_against_registry

from services.simulate.explanations import explanations_by_day, reached
from services.simulate.plan import Outcome

TODAY = date(2026, 1, 1)


def _explanations(messages):
    return [m for m in messages if m.kind == "explanation"]


def test_explanations_are_valid_signed_events_about_tasks_not_met_by_their_deadline(year, truth, ring) -> None:
    sent = _explanations(year)
    assert sent and all(m.outcome is Outcome.RECORDED for m in sent)
    for m in sent:
        event = parse_event(m.value, today=TODAY)
        check_event_against_registry(event)
        assert signature_matches(canonical_bytes(event), ring[event.agency_id].public_key, event.signature.value)
        target = truth.targets[event.target_id]
        assert target.deadline < event.observed_at <= event.explanation.committed_on
        assert not reached(truth, event.agency_id, target, target.deadline)
        assert not reached(truth, event.agency_id, target, event.observed_at)
    # Some commitments pass within the year: the reports have a passed date to flag.
    assert any(parse_event(m.value, today=TODAY).explanation.committed_on < truth.end for m in sent)


def test_every_scale_sends_the_same_explanations(year, small_year) -> None:
    assert [m.value for m in _explanations(small_year)] == [m.value for m in _explanations(year)]


def test_the_explanations_sent_are_the_ones_decided(year, truth) -> None:
    decided = sorted((d.agency_id, d.target_id, d.day.isoformat()) for days in explanations_by_day(truth).values()
                     for d in days)
    sent = sorted((e["agency_id"], e["target_id"], e["observed_at"])
                  for e in (json.loads(m.value) for m in _explanations(year)))
    assert sent == decided
