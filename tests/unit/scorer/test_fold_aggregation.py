"""National figures (Σ numerators ÷ Σ denominators, Σ counts, share done), composite
scores and ranks."""

from fractions import Fraction

from shared.scoring.ranking import rank_scores
from shared.scoring.projector import Projector

from .builders import D, Ledger

RATE = "online_dossier_rate"


def test_a_ratio_adds_numerators_and_denominators_never_percentages():
    lg = Ledger()
    lg.ratio("ha-noi", RATE, "2025-03-01", 1, 2)  # 50 %
    lg.ratio("hue", RATE, "2025-03-01", 90, 100)  # 90 %
    n = lg.national(RATE, "2025-03-05")
    assert (n.numerator, n.denominator) == (91, 102)
    assert n.value == float(Fraction(91, 102))  # 89.2 %, not the 70 % mean of the two rates
    assert n.completion == float(Fraction(91, 102) / Fraction(4, 5)) or n.completion == 1.0


def test_a_ratio_national_status_counts_and_reporting_agencies():
    lg = Ledger()
    lg.ratio("ha-noi", RATE, "2025-01-01", 70, 100)
    lg.ratio("ha-noi", RATE, "2025-03-01", 85, 100)  # met
    lg.ratio("hue", RATE, "2025-03-01", 10, 100)  # one figure: on its own path
    lg.ratio("lai-chau", RATE, "2025-01-10", 10, 100)  # stale by 15/03: no data
    n = lg.national(RATE, "2025-03-15")
    assert (n.block, n.agencies) == ("all", 17 + 63)  # every ministry and province existing on 15/03/2025
    assert n.reporting == 2
    assert (n.met, n.at_risk, n.on_track, n.overdue) == (1, 0, 1, 0)
    assert n.no_data == n.agencies - 2
    assert (n.numerator, n.denominator) == (85 + 10 + 10, 300)
    # Every agency must reach 80 %: 1/80 have, the others have not all reported.
    assert (n.value, n.status) == (0.35, "at_risk")


def test_national_rows_are_kept_per_block_and_in_total_only_where_both_kinds_pool():
    lg = Ledger()
    lg.ratio("ha-noi", RATE, "2025-03-01", 85, 100)
    lg.ratio("bo-cong-an", RATE, "2025-03-01", 50, 100)
    rows = {b: r for (t, b), r in lg.projections("2025-03-05").national.items() if t == RATE}
    assert sorted(rows) == ["all", "ministry", "province"]
    assert (rows["ministry"].agencies, rows["ministry"].numerator, rows["ministry"].met) == (17, 50, 0)
    assert (rows["province"].agencies, rows["province"].numerator, rows["province"].met) == (63, 85, 1)
    assert (rows["all"].agencies, rows["all"].denominator) == (80, 200)
    civil = {b for (t, b) in lg.projections("2025-03-05").national if t == "civil_registry_digitised"}
    assert civil == {"province"}  # provinces only: no total beside it


def test_the_national_status_follows_x_of_n_not_the_pooled_figure():
    lg = Ledger()
    provinces = [c.agency_id for c in lg.projections("2025-12-01").cells.values()
                 if c.target_id == "adult_online_users"]
    lg.ratio(provinces[0], "adult_online_users", "2024-12-31", 10, 100)  # its baseline
    for i, p in enumerate(provinces):
        # A pooled 45 % above the 40 % target, but one province far below it (and its path).
        lg.ratio(p, "adult_online_users", "2025-11-20", 5 if i == 0 else 46, 100)
    n = lg.national("adult_online_users", "2025-12-01")
    assert n.value > 0.4
    assert (n.met, n.agencies, n.status) == (len(provinces) - 1, len(provinces), "at_risk")
    assert lg.national("adult_online_users", "2026-01-01").status == "overdue"
    lg.ratio(provinces[0], "adult_online_users", "2026-01-05", 41, 100)
    n = lg.national("adult_online_users", "2026-01-10")
    assert (n.met, n.met_late, n.status, n.met_on) == (len(provinces) - 1, 1, "met_late", D("2026-01-05"))


def test_a_count_every_province_must_reach_is_the_share_that_reached_it_never_a_sum():
    lg = Ledger()
    lg.count("ha-noi", "procedures_local_data", "2025-03-01", 200)
    lg.count("hue", "procedures_local_data", "2025-03-02", 160)
    n = lg.national("procedures_local_data", "2025-03-05")
    # 200 procedures for every province: 1/63 has simplified all of its 200.
    assert (n.numerator, n.denominator, n.met) == (1, 63, 1)
    assert n.value == n.completion == float(Fraction(1, 63))


def test_a_national_count_target_is_measured_against_its_national_total():
    lg = Ledger()
    lg.count("bo-cong-an", "procedures_vneid", "2025-06-30", 200)
    lg.count("bo-tu-phap", "procedures_vneid", "2025-06-30", 62)
    n = lg.national("procedures_vneid", "2025-06-30")
    assert (n.value, n.completion) == (262.0, float(Fraction(262, 324)))


def test_a_milestone_is_the_share_of_applicable_agencies_done():
    lg = Ledger()
    lg.milestone("ha-noi", "direction_indicators", "2025-04-01", True)
    lg.milestone("hue", "direction_indicators", "2025-04-01", True)
    lg.milestone("bo-cong-an", "direction_indicators", "2025-04-01", False)
    n = lg.national("direction_indicators", "2025-04-05")
    assert (n.numerator, n.denominator) == (2, 17 + 63)
    assert n.value == n.completion == float(Fraction(2, 80))
    assert (n.met, n.on_track) == (2, 1)


def test_a_national_scope_target_is_judged_nationally():
    lg = Ledger()
    lg.count("bo-cong-an", "essential_services", "2025-02-06", 30)
    lg.count("bo-tu-phap", "essential_services", "2025-02-06", 24)
    lg.count("bo-cong-an", "essential_services", "2025-05-06", 31)
    p = lg.projections("2025-05-06")
    n = p.national[("essential_services", "ministry")]
    # The path from 54 on 06/02 to 76 on 31/12 asks more than 55 by 06/05: behind it.
    assert (n.value, round(n.completion * 100, 2), n.status) == (55.0, 72.37, "at_risk")
    ca = p.cells[("bo-cong-an", "essential_services")]
    assert (ca.value, ca.completion, ca.status) == (31.0, float(Fraction(31, 76)), "at_risk")
    assert p.cells[("bo-y-te", "essential_services")].status == "no_data"
    # National-scope targets are shared: they do not enter an agency's composite score.
    assert p.scores["bo-cong-an"].score == p.scores["bo-y-te"].score == 0.0


def test_composite_score_is_the_weighted_mean_of_completion_over_agency_targets():
    lg = Ledger()
    lg.ratio("ha-noi", RATE, "2025-03-01", 40, 100)  # completion 0.5
    lg.milestone("ha-noi", "direction_indicators", "2025-03-01", True)  # completion 1
    p = lg.projections("2025-03-05")
    s = p.scores["ha-noi"]
    agency_targets = s.targets
    assert s.score == float(100 * Fraction(3, 2) / agency_targets)
    assert (s.rank, s.peers, s.kind) == (1, 63, "province")
    assert p.scores["hue"].rank == 2  # every other province shares rank 2 with score 0
    assert p.scores["bo-cong-an"].peers == 17
    assert lg.projections("2025-02-28").scores["bo-cong-an"].peers == 22


def test_ranks_are_competition_ranks_within_each_kind():
    on = D("2025-03-05")
    scores = {"a": (50.0, 3), "b": (70.0, 3), "c": (50.0, 3), "d": (10.0, 3), "m": (5.0, 2)}
    kinds = {"a": "province", "b": "province", "c": "province", "d": "province", "m": "ministry"}
    ranked = rank_scores(scores, kinds, on)
    assert {k: r.rank for k, r in ranked.items()} == {"b": 1, "a": 2, "c": 2, "d": 4, "m": 1}
    assert ranked["m"].peers == 1 and ranked["a"].peers == 4


def test_the_projections_cover_every_existing_agency_and_applicable_target():
    p = Projector().full(Ledger().fold(), D("2025-03-05"))
    assert len(p.scores) == 17 + 63  # ministries reorganised on 01/03/2025
    assert ("bo-cong-an", "ndc_databases") in p.cells
    assert ("bo-y-te", "ndc_databases") not in p.cells  # applies to Bộ Công an only
    assert ("ha-noi", "essential_services") not in p.cells  # ministries only
    assert ("bo-thong-tin-va-truyen-thong", RATE) not in p.cells  # dissolved on 28/02/2025
