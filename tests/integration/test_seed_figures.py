"""The seeds' figures, from the simulator through the real pipeline (issue 16).

`tiendo simulate` sends its 2024 baseline and 2025 to the real broker, signed, mess and
bad events included; the real ingest records them; the scorer worker folds the ledger;
then `tiendo score national --as-of D --json`, for each day a seed reports a figure,
prints exactly that figure. The figures are written here as the seeds write them, not
read from the simulator's anchors, so the simulator cannot agree with itself by mistake.
Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from fractions import Fraction

from click.testing import CliRunner

from services.cli import main
from services.simulate.trajectories import ANCHORS
from tests.integration.pipeline import Pipeline

SEED = 11
SCALE = 0.3
"""A few thousand messages; every agency still reports on the seeds' days at any scale."""
UNTIL = "2025-06-30"
"""Late reports of 18/03 (up to 75 days) and their corrections (10 more) are in by then."""

# (day, target, block, figure, of what): the national figure of that day in the seed's words.
SEED_FIGURES = [
    # Seed 000, the results of 2024 (phiên họp 06/02/2025): "đã triển khai 54/76 dịch vụ công
    # trực tuyến thiết yếu"; "Đã đơn giản hóa 898/1.084 thủ tục hành chính được giao tại các Nghị
    # quyết của Chính phủ"; "63/63 địa phương đã ban hành Nghị quyết miễn giảm phí, lệ phí".
    ("2024-12-31", "essential_services", "ministry", Fraction(54), None),
    ("2024-12-31", "procedures_simplified", "ministry", Fraction(898, 1084), 1084),
    ("2024-12-31", "fee_exemption_resolution", "province", Fraction(63, 63), 63),
    # Seed 000, the session of 06/02/2025: the same 54/76.
    ("2025-02-06", "essential_services", "ministry", Fraction(54), None),
    # Seed 003, the session of 18/03/2025: "58/76 thủ tục hành chính (TTHC) thiết yếu";
    # "98% dữ liệu hộ tịch đã được số hóa".
    ("2025-03-18", "essential_services", "ministry", Fraction(58), None),
    ("2025-03-18", "civil_registry_digitised", "province", Fraction(98, 100), None),
]


def _figure(row: dict) -> Fraction:
    """A national row's figure exactly: numerator ÷ denominator, or the count."""
    if row["denominator"] is not None:
        return Fraction(row["numerator"], row["denominator"])
    return Fraction(row["value"])


def test_score_national_prints_the_seeds_figures_on_their_days(settings, env_for) -> None:
    assert {(a.on.isoformat(), a.target_id) for a in ANCHORS} == {(d, t) for d, t, *_ in SEED_FIGURES}
    runner = CliRunner()

    def tiendo(*args: str) -> str:
        result = runner.invoke(main, list(args), env=env_for, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    sent = json.loads(tiendo("simulate", "--seed", str(SEED), "--scale", str(SCALE), "--until", UNTIL, "--json"))
    assert sent["messages"] > 0 and sent["topic"] == settings.topics.progress

    p = Pipeline(settings)
    worker = p.ingest()
    assert worker.stats.appended == sent["ledger"]["events"]
    # The scorer worker keeps month-end snapshots; an as-of day reads one when it reflects the
    # whole ledger, else folds the ledger: either way the same figures.
    scored = json.loads(tiendo("scorer", "run", "--until-idle", "--today", UNTIL, "--json"))
    assert scored["consumed"] == sent["ledger"]["events"] and not scored["rejected"]

    for day, target_id, block, figure, of in SEED_FIGURES:
        out = json.loads(tiendo("score", "national", "--target", target_id, "--as-of", day, "--json"))
        assert out["as_of"] == day
        [row] = [r for r in out["targets"] if r["block"] == block]
        assert _figure(row) == figure, (day, target_id, row)
        assert of is None or row["denominator"] == of, (day, target_id, row)
    p.dispose()
