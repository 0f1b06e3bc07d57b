"""Issue 7: `tiendo simulate` through the real broker and the real ingest, on both databases.

The ledger must end with exactly the distinct valid events the simulator sent, the dead
letters with exactly its malformed and forged events, each with its predicted reason.
"""

from __future__ import annotations

import base64
import json
from collections import Counter

from click.testing import CliRunner

from shared.db.dead_letters import DeadLetterStore
from shared.db.keys import KeyStore
from shared.domain.chain import first_break

from services.cli import main
from services.simulate.keys import store_keys
from services.simulate.plan import Config, Outcome, Plan
from services.simulate.trajectories import Truth
from tests.integration.pipeline import Pipeline

SCALE = 1.0


def test_a_simulated_year_lands_exactly_where_expected(settings, env_for, tmp_path) -> None:
    expect = tmp_path / "expectations.json"
    result = CliRunner().invoke(main, ["simulate", "--seed", "5", "--scale", str(SCALE), "--expectations",
                                       str(expect), "--json"], env=env_for)
    assert result.exit_code == 0, result.output
    expected = json.loads(expect.read_text(encoding="utf-8"))
    summary = json.loads(result.output)
    assert summary["topic"] == settings.topics.progress and summary["keys_issued"] == 114

    p = Pipeline(settings)
    worker = p.ingest()

    # The plan again, with the keys the command issued: the same bytes, so the same events.
    truth = Truth(5)
    ring, issued = store_keys(KeyStore(p.engine), 5, [a.id for a in truth.agencies])
    assert issued == 0
    # Everything of 2025 has been sent by today, so no cut-off is the command's default one.
    plan = [m for m in Plan(Config(seed=5, scale=SCALE), ring, truth) if m.outcome is Outcome.RECORDED]
    entries = list(p.ledger.entries())
    assert {(e.agency_id, e.event_id) for e in entries} == {(m.agency_id, m.event_id) for m in plan}
    assert len(entries) == expected["ledger"]["events"]
    assert dict(Counter(e.kind for e in entries)) == expected["ledger"]["by_kind"]

    dead = DeadLetterStore(p.engine).list()
    assert Counter((base64.b64encode(d.original).decode(), d.reason_code) for d in dead) == Counter(
        (r["original_b64"], r["reason_code"]) for r in expected["rejected"])
    assert len({r["reason_code"] for r in expected["rejected"]}) == 32

    assert worker.stats.consumed == expected["messages"]
    assert worker.stats.duplicates == expected["duplicates"]
    assert first_break(p.ledger.chain_rows()) is None
    p.dispose()
