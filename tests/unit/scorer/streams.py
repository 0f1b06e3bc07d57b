"""Random ledgers for property tests: measurements, milestones, corrections and
retractions over agencies on both sides of both 2025 reorganisations."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from shared.domain.agencies import get_agency
from shared.scoring.figures import Count, Milestone, Ratio

from .builders import Ledger

AGENCIES = [
    "ha-noi", "ha-giang", "tuyen-quang", "tuyen-quang-2025",  # provinces: merger on 01/07/2025
    "bo-thong-tin-va-truyen-thong", "bo-khoa-hoc-va-cong-nghe", "bo-khoa-hoc-va-cong-nghe-2025",  # 01/03/2025
    "bo-cong-an",
]
TARGETS = {
    "online_dossier_rate": "ratio",
    "civil_registry_digitised": "ratio",
    "procedures_local_data": "count",
    "essential_services": "count",
    "direction_indicators": "milestone",
}
START = date(2025, 1, 1)
DAYS = 300
EVALUATION_DAYS = [date(2025, 2, 20), date(2025, 3, 18), date(2025, 6, 30), date(2025, 7, 1),
                   date(2025, 7, 15), date(2025, 12, 31), date(2026, 1, 15)]


def _applies(agency: str, target: str) -> bool:
    kind = get_agency(agency).kind.value
    if target in ("procedures_local_data", "civil_registry_digitised"):
        return kind == "province"
    if target == "essential_services":
        return kind == "ministry"
    return True


def _valid_day(agency: str, offset: int) -> date:
    a = get_agency(agency)
    lo = a.valid_from or START
    hi = a.valid_to or START + timedelta(days=DAYS)
    lo, hi = max(lo, START), min(hi, START + timedelta(days=DAYS))
    return lo + timedelta(days=offset % ((hi - lo).days + 1))


def _figure(kind: str, a: int, b: int):
    if kind == "ratio":
        den = 1 + b % 500
        return Ratio(a % (den + 1), den)
    if kind == "count":
        return Count(a % 260)
    return Milestone(a % 3 == 0, None)


_new = st.tuples(st.just("new"), st.integers(0, len(AGENCIES) - 1), st.integers(0, len(TARGETS) - 1),
                st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000))
op = st.one_of(
    _new,
    _new,  # new figures twice as often as amendments
    st.tuples(st.just("correct"), st.integers(0, 10_000), st.integers(-20, 20), st.integers(0, 10_000),
              st.integers(0, 10_000)),
    st.tuples(st.just("retract"), st.integers(0, 10_000)),
)
ops = st.lists(op, min_size=3, max_size=60)


def build(operations) -> Ledger:
    """A ledger as ingest would accept it: amendments name an earlier, unretracted event of
    the same agency and target; figures have the target's shape; days within the agency's life."""
    lg = Ledger()
    live = []  # entries that may still be amended
    for o in operations:
        if o[0] == "new":
            _, ai, ti, day, a, b = o
            agency, target = AGENCIES[ai], list(TARGETS)[ti]
            if not _applies(agency, target):
                continue
            kind = TARGETS[target]
            on = _valid_day(agency, day)
            fig = _figure(kind, a, b)
            if kind == "milestone":
                e = lg.milestone(agency, target, on, fig.done)
            elif kind == "count":
                e = lg.count(agency, target, on, fig.n)
            else:
                e = lg.ratio(agency, target, on, fig.num, fig.den)
            live.append(e)
        elif live:
            base = live[o[1] % len(live)]
            if o[0] == "retract":
                lg.retract(base)
                live = [e for e in live if e is not base]
            else:
                _, _, shift, a, b = o
                on = min(max(base.observed_at + timedelta(days=shift), _valid_day(base.agency_id, 0)),
                         _valid_day(base.agency_id, -1))
                fig = _figure(TARGETS[base.target_id], a, b)
                if isinstance(fig, Milestone) and fig.done:
                    fig = Milestone(True, on)
                live.append(lg.correct(base, on=on, figure=fig))
    return lg
