"""Mergers: the successor carries its predecessors' history (Σ numerators ÷ Σ denominators,
Σ counts, milestone done only when every predecessor is), for provinces (01/07/2025) and
ministries (01/03/2025) alike."""

from fractions import Fraction

from shared.scoring.figures import Ratio

from .builders import D, Ledger

RATE = "online_dossier_rate"
# NQ 202/2025/QH15: Tuyên Quang + Hà Giang → Tuyên Quang (new) from 01/07/2025.
OLD_TQ, HG, NEW_TQ = "tuyen-quang", "ha-giang", "tuyen-quang-2025"
# NQ 176/2025/QH15: Khoa học và Công nghệ + Thông tin và Truyền thông → Khoa học và Công nghệ (new).
OLD_KHCN, TTTT, NEW_KHCN = "bo-khoa-hoc-va-cong-nghe", "bo-thong-tin-va-truyen-thong", "bo-khoa-hoc-va-cong-nghe-2025"


def _provinces() -> Ledger:
    lg = Ledger()
    lg.ratio(HG, RATE, "2025-05-01", 40, 100)
    lg.ratio(HG, RATE, "2025-06-01", 50, 100)
    lg.ratio(OLD_TQ, RATE, "2025-06-15", 30, 50)
    return lg


def test_before_the_merger_the_predecessors_are_listed_themselves():
    p = _provinces().projections("2025-06-30")
    assert p.cells[(HG, RATE)].value == 0.5
    assert p.cells[(OLD_TQ, RATE)].value == 0.6
    assert (NEW_TQ, RATE) not in p.cells
    assert p.scores[HG].peers == 63


def test_after_a_province_merger_the_successor_sums_numerators_and_denominators():
    p = _provinces().projections("2025-07-10")
    c = p.cells[(NEW_TQ, RATE)]
    assert (c.numerator, c.denominator) == (80, 150)
    assert c.value == float(Fraction(80, 150))  # 53.3 %, not the 55 % mean of 50 % and 60 %
    assert (c.rolled_up, c.observed_at, c.source_agency_id) == (True, D("2025-06-15"), OLD_TQ)
    assert (HG, RATE) not in p.cells and (OLD_TQ, RATE) not in p.cells
    assert p.scores[NEW_TQ].peers == 34


def test_the_rolled_up_history_holds_every_day_a_predecessor_reported():
    lg = _provinces()
    # The path starts at the rolled-up first figure: 40/100 (01/05), half of 80 %; on
    # 15/06, 45 of its 244 days on, it requires 1/2 + 1/2 × 45/244 of the target.
    c = lg.cell(NEW_TQ, RATE, "2025-07-10")
    assert c.required == float(Fraction(1, 2) + Fraction(1, 2) * Fraction(45, 244))
    assert c.status == "on_track"  # 80/150 is 2/3 of 80 %
    # History before the merger, seen after it: 01/05 40/100; 01/06 50/100; 15/06 80/150.
    from .builders import PROJECTOR

    ev = PROJECTOR.evaluator(lg.fold(), D("2025-07-10"))
    series = [(p.on, p.fig) for p in ev.timeline(NEW_TQ, ev.targets[RATE])]
    assert series == [(D("2025-05-01"), Ratio(40, 100)), (D("2025-06-01"), Ratio(50, 100)),
                      (D("2025-06-15"), Ratio(80, 150))]


def test_the_successors_own_figure_replaces_the_roll_up_and_the_trend_spans_the_merger():
    lg = _provinces()
    own = lg.ratio(NEW_TQ, RATE, "2025-07-15", 120, 150)
    c = lg.cell(NEW_TQ, RATE, "2025-07-20")
    assert (c.value, c.rolled_up, c.source_seq) == (0.8, False, own.seq)
    # Trend 80/150 (15/06) → 120/150 (15/07): well past 80 % by December.
    assert c.status == "met"  # 80 % is the target itself


def test_the_national_figure_does_not_jump_on_the_merger_day():
    lg = _provinces()
    lg.ratio("ha-noi", RATE, "2025-06-20", 700, 1000)
    before = lg.national(RATE, "2025-06-30")
    after = lg.national(RATE, "2025-07-01")
    assert (before.numerator, before.denominator) == (after.numerator, after.denominator) == (780, 1150)
    assert before.agencies == 63 + 17 and after.agencies == 34 + 17


def test_a_three_way_merger_sums_all_three():
    lg = Ledger()
    lg.count("phu-tho", "procedures_local_data", "2025-06-01", 10)
    lg.count("vinh-phuc", "procedures_local_data", "2025-06-02", 20)
    lg.count("hoa-binh", "procedures_local_data", "2025-06-03", 30)
    c = lg.cell("phu-tho-2025", "procedures_local_data", "2025-07-02")
    assert (c.value, c.rolled_up, c.observed_at) == (60.0, True, D("2025-06-03"))


def test_a_predecessor_without_figures_is_left_out_of_the_sum():
    lg = Ledger()
    lg.ratio(HG, RATE, "2025-06-01", 50, 100)
    c = lg.cell(NEW_TQ, RATE, "2025-07-02")
    assert (c.numerator, c.denominator) == (50, 100)


def test_a_ministry_merger_rolls_up_the_same_way():
    lg = Ledger()
    lg.ratio(TTTT, RATE, "2025-02-01", 50, 100)
    lg.ratio(OLD_KHCN, RATE, "2025-02-10", 30, 100)
    assert lg.cell(TTTT, RATE, "2025-02-20").value == 0.5
    c = lg.cell(NEW_KHCN, RATE, "2025-03-18")
    assert (c.numerator, c.denominator, c.rolled_up) == (80, 200, True)
    p = lg.projections("2025-03-18")
    assert (TTTT, RATE) not in p.cells and p.scores[NEW_KHCN].peers == 17
    assert lg.projections("2025-02-28").scores[TTTT].peers == 22


def test_a_merged_ministry_carries_counts_into_a_national_scope_target():
    lg = Ledger()
    lg.count(TTTT, "essential_services", "2025-02-06", 54)
    n = lg.national("essential_services", "2025-03-05")
    assert n.value == 54.0 and n.agencies == 17
    assert lg.cell(NEW_KHCN, "essential_services", "2025-03-05").value == 54.0


def test_a_merged_milestone_is_done_only_when_every_predecessor_is():
    lg = Ledger()
    lg.milestone(TTTT, "direction_indicators", "2025-02-15", True)
    assert lg.cell(NEW_KHCN, "direction_indicators", "2025-03-05").completion == 0.0  # KH&CN never reported
    lg.milestone(OLD_KHCN, "direction_indicators", "2025-02-20", False)
    assert lg.cell(NEW_KHCN, "direction_indicators", "2025-03-05").completion == 0.0
    lg.milestone(OLD_KHCN, "direction_indicators", "2025-02-25", True)
    c = lg.cell(NEW_KHCN, "direction_indicators", "2025-03-05")
    assert (c.completion, c.status) == (1.0, "met")


def test_corrections_and_retractions_of_a_predecessor_flow_into_the_successor():
    lg = _provinces()
    tq = [e for e in lg.entries if e.agency_id == OLD_TQ][0]
    lg.correct(tq, figure=Ratio(40, 50))
    assert lg.cell(NEW_TQ, RATE, "2025-07-10").numerator == 90
    lg.retract(tq)
    c = lg.cell(NEW_TQ, RATE, "2025-07-10")
    assert (c.numerator, c.denominator) == (50, 100)
