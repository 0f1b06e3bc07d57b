"""The simulated stream: deterministic, valid, reorganised on the right days, messy as promised."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from shared.domain.agencies import AgencyKind, agencies_on, get_agency
from shared.domain.catalogue import TargetKind
from shared.domain.events import parse_event
from shared.domain.validation import check_event_against_registry

from services.simulate.plan import Config, Outcome, Plan
from services.simulate.trajectories import ANCHORS
from services.simulate.wire import vietnam_ordinal
from tests.unit.simulate.conftest import SEED

TODAY = date(2026, 1, 15)
MONTH_ENDS = [date(2025, m + 1, 1) - timedelta(days=1) for m in range(1, 12)] + [date(2025, 12, 31)]
BASELINE = date(2024, 12, 31)


def _recorded(messages) -> list[dict]:
    return [json.loads(m.value) for m in messages if m.outcome is Outcome.RECORDED]


def test_same_seed_same_bytes_other_seed_other_bytes(truth, ring, small_year) -> None:
    again = list(Plan(Config(seed=SEED, scale=0.05), ring, truth))
    assert [(m.key, m.value, m.outcome) for m in again] == [(m.key, m.value, m.outcome) for m in small_year]
    other = [m.value for m in Plan(Config(seed=SEED + 1, scale=0.05), ring)]
    assert other != [m.value for m in small_year]


def test_until_sends_exactly_what_was_sent_by_then(truth, ring, year) -> None:
    until = date(2025, 7, 15)
    cut = list(Plan(Config(seed=SEED, scale=1, until=until), ring, truth))
    expected = [m for m in year if vietnam_ordinal(m.sent_at) <= until.toordinal()]
    assert [m.value for m in cut] == [m.value for m in expected]
    assert 0 < len(cut) < len(year)


def test_messages_go_out_in_the_order_they_are_sent(year) -> None:
    times = [m.sent_at for m in year]
    assert times == sorted(times)
    # The baseline of 31/12/2024 goes out in the first days of January.
    assert vietnam_ordinal(times[0]) >= date(2025, 1, 1).toordinal()


def test_every_recorded_event_passes_the_contract_and_the_registry(year) -> None:
    events = [parse_event(m.value, today=TODAY) for m in year if m.outcome is Outcome.RECORDED]
    assert len(events) > 6500
    for event in events:
        check_event_against_registry(event)
    ids = Counter((e.agency_id, e.event_id) for e in events)
    assert max(ids.values()) == 1
    # An event id says whose it is: no two agencies share a prefix.
    owners = defaultdict(set)
    for e in events:
        owners[e.event_id.split("-")[0]].add(e.agency_id)
    assert max(len(agencies) for agencies in owners.values()) == 1


def test_scale_one_is_every_agency_monthly_for_every_applicable_target(truth, year) -> None:
    reported = {(e["agency_id"], e["target_id"], e["observed_at"]) for e in _recorded(year)
                if e["kind"] == "measurement"}
    plan = Plan(Config(seed=SEED, scale=1), {}, truth)
    for agency in truth.agencies:
        first, last = truth.window(agency.id)
        for target in truth.applicable[agency.id]:
            if target.kind is TargetKind.MILESTONE:
                continue
            for day in [BASELINE, *MONTH_ENDS]:
                if first <= day <= last and not plan.mess.silent(agency.id, target.id, day):
                    assert (agency.id, target.id, day.isoformat()) in reported


@pytest.mark.parametrize(("kind", "counts"), [
    (AgencyKind.MINISTRY, [22, 22] + [17] * 10),
    (AgencyKind.PROVINCE, [63] * 6 + [34] * 6),
])
def test_reporters_follow_the_reorganisations(truth, year, kind, counts) -> None:
    plan = Plan(Config(seed=SEED, scale=1), {}, truth)
    by_month: dict[date, set[str]] = defaultdict(set)
    for e in _recorded(year):
        if e["kind"] == "measurement" and get_agency(e["agency_id"]).kind is kind:
            by_month[date.fromisoformat(e["observed_at"])].add(e["agency_id"])
    for day, count in zip(MONTH_ENDS, counts):
        existing = {a.id for a in agencies_on(day, kind)}
        assert len(existing) == count
        silent = {s.agency_id for s in plan.mess.silences if s.target_id is None and s.first <= day <= s.last}
        assert by_month[day] == existing - silent, day
    # Nobody is silenced before April: the seeds' months are complete.
    assert all(len(by_month[day]) == count for day, count in zip(MONTH_ENDS[:3], counts))


def test_successors_report_under_their_new_ids(year) -> None:
    agencies = {e["agency_id"]: e["observed_at"] for e in _recorded(year)}
    assert agencies["bo-tai-chinh-2025"] >= "2025-03-01" and agencies["tuyen-quang-2025"] >= "2025-07-01"
    observed = defaultdict(list)
    for e in _recorded(year):
        observed[e["agency_id"]].append(e["observed_at"])
    assert max(observed["bo-ke-hoach-va-dau-tu"]) <= "2025-02-28" and min(observed["bo-tai-chinh-2025"]) >= "2025-03-01"
    assert max(observed["ha-giang"]) <= "2025-06-30" and min(observed["tuyen-quang-2025"]) >= "2025-07-01"


def test_the_mess_of_real_life(truth, year) -> None:
    plan = Plan(Config(seed=SEED, scale=1), {}, truth)
    events = _recorded(year)
    by_id = {(e["agency_id"], e["event_id"]): e for e in events}
    sent = {(e["agency_id"], e["event_id"]): i for i, e in enumerate(events)}
    kinds = Counter(e["kind"] for e in events)
    assert kinds["correction"] > 30 and kinds["retraction"] > 10 and kinds["milestone"] > 400
    for e in events:
        if e["kind"] in ("correction", "retraction"):
            amended = by_id[(e["agency_id"], e["amends"])]
            assert amended["target_id"] == e["target_id"]
            assert sent[(e["agency_id"], e["amends"])] < sent[(e["agency_id"], e["event_id"])]
    # Re-sends are byte-identical copies of an event sent before.
    first_sent = {}
    for i, m in enumerate(year):
        if m.outcome is Outcome.RECORDED:
            first_sent[m.value] = i
        elif m.outcome is Outcome.DUPLICATE:
            assert first_sent[m.value] < i
    assert sum(m.outcome is Outcome.DUPLICATE for m in year) > 100
    # Late reports: a month's figure sent after the next month's figure of the same agency and target.
    late = 0
    last_observed: dict[tuple[str, str], str] = {}
    for e in events:
        if e["kind"] == "measurement":
            key = (e["agency_id"], e["target_id"])
            late += e["observed_at"] < last_observed.get(key, "")
            last_observed[key] = max(e["observed_at"], last_observed.get(key, ""))
    assert late > 100
    # Silences are kept.
    for e in events:
        if e["kind"] == "measurement":
            assert not plan.mess.silent(e["agency_id"], e["target_id"], date.fromisoformat(e["observed_at"]))
    assert len(plan.mess.silences) >= 8


@pytest.mark.parametrize("fixture", ["year", "small_year"])
def test_every_agency_reports_on_the_anchor_days(request, truth, fixture) -> None:
    # At any scale: the seeds' figures of a day need every agency's figure of that day.
    events = _recorded(request.getfixturevalue(fixture))
    reporters = defaultdict(set)
    for e in events:
        reporters[(e["target_id"], e["observed_at"])].add(e["agency_id"])
    for anchor in ANCHORS:
        units = set(truth.units_on(anchor.target_id, anchor.on))
        assert reporters[(anchor.target_id, anchor.on.isoformat())] == units, anchor


def test_small_scale_is_a_few_hundred_events(small_year) -> None:
    assert 300 <= len(small_year) <= 900


def test_the_baseline_is_reported_on_its_day(truth, year) -> None:
    # Every unit of 1 January reports each figure of 31/12/2024, and each milestone it had
    # reached by then, observed that day (done_on says when it was done).
    events = [e for e in _recorded(year) if e["observed_at"] == BASELINE.isoformat()]
    assert {e["agency_id"] for e in events} == {a.id for a in truth.bases}
    done = {(e["agency_id"], e["target_id"]): e["figure"]["done_on"] for e in events if e["kind"] == "milestone"}
    expected = {(a.id, t.id): truth.done_on(a.id, t.id).isoformat() for a in truth.bases for t in truth.applicable[a.id]
                if t.kind is TargetKind.MILESTONE and truth.done_on(a.id, t.id) is not None
                and truth.done_on(a.id, t.id) <= BASELINE}
    assert done == expected and len({t for _, t in done}) == 2


@pytest.mark.parametrize(("scale", "day", "each"), [(4, date(2025, 4, 30), 1), (4, date(2025, 4, 29), 0),
                                                     (100, date(2025, 5, 1), 3), (100, date(2025, 5, 31), 4)])
def test_higher_scales_report_more_often(truth, scale, day, each) -> None:
    plan = Plan(Config(seed=SEED, scale=scale), {}, truth)
    counts = Counter(n for _, n in plan._reporting(day))
    assert set(counts) <= {each}
    assert plan.expected_reports > scale * 6000


def test_an_intraday_feed_ends_each_day_on_the_days_figure(truth, ring) -> None:
    # Two reports a day. The feeds of 1 January sent that day (not late) have their
    # corrections (≤ 10 days later) in by 12 January.
    plan = Plan(Config(seed=SEED, scale=62, until=date(2025, 1, 12)), ring, truth)
    # The scorer's rule: a day's figure is its last event in ledger order, a correction taking
    # the place of the event it corrects and a retraction removing it.
    live: dict[tuple[str, str], tuple[int, tuple[str, str, str], dict]] = {}
    per_day = Counter()
    for order, e in enumerate(_recorded(plan)):
        key = (e["agency_id"], e["target_id"], e["observed_at"])
        agency = e["agency_id"]
        if e["kind"] == "measurement":
            live[(agency, e["event_id"])] = (order, key, e["figure"])
            per_day[key] += e["reported_at"].startswith("2025-01-01T") and e["observed_at"] == "2025-01-01"
        elif e["kind"] == "correction":
            live[(agency, e["event_id"])] = (live.pop((agency, e["amends"]))[0], key, e["figure"])
        elif e["kind"] == "retraction":
            del live[(agency, e["amends"])]
    last = {key: figure for _, key, figure in sorted(live.values(), key=lambda item: item[0])
            if per_day[key] == 2}
    assert len(last) > 600
    for (agency, target, day), figure in last.items():
        true = truth.value(agency, target, date.fromisoformat(day))
        assert figure == ({"type": "ratio", "numerator": true[0], "denominator": true[1]}
                          if isinstance(true, tuple) else {"type": "count", "count": true})


def test_config_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="scale"):
        Config(scale=0)
    with pytest.raises(ValueError, match="before the baseline of the simulated year"):
        Config(until=date(2024, 12, 30))
