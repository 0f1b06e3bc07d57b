"""An explanation (giải trình) travels from `tiendo ingest publish` through ingest into the
ledger, and from the ledger to the year-end report's late-task table, with a committed
date that has passed flagged (issue 16). Real broker, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from shared.db.engine import make_engine
from shared.db.snapshots import SnapshotReader

from services.cli import main
from tests.unit.report.ledger import event, ratio

TARGET = "civil_registry_digitised"  # provinces, due 31/03/2025
PASSED = {"cause": "Thiếu nhân lực số hóa sổ hộ tịch ở cấp xã", "action": "Thuê đơn vị tư vấn số hóa phần còn lại",
          "committed_on": "2025-05-31"}
AHEAD = {"cause": "Kinh phí số hóa được bố trí chậm", "action": "Bổ sung kinh phí trong đợt điều chỉnh dự toán",
         "committed_on": "2026-03-31"}


@pytest.fixture
def tiendo(env_for):
    def invoke(*args):
        result = CliRunner().invoke(main, list(args), env=env_for, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    return invoke


def _explanation(agency: str, event_id: str, observed_at: str, stated: dict) -> dict:
    d = event(agency, TARGET, observed_at, kind="explanation", event_id=event_id,
              reported_at=f"{observed_at}T15:00:00+07:00", reporter=("Nguyễn Văn Hùng", "Chánh Văn phòng UBND tỉnh"))
    d["explanation"] = stated
    return d


def _agency_key(tiendo, keys_dir, agency: str) -> str:
    made = json.loads(tiendo("agency", "key", "new", "--agency", agency, "--out", str(keys_dir), "--json").output)
    tiendo("agency", "key", "register", agency, "--public-key", made["public_key_file"], "--valid-from", "2025-01-01")
    return made["private_key_file"]


def test_an_explanation_reaches_the_year_end_late_task_table(tiendo, settings, tmp_path):
    keys = tmp_path / "keys"
    for agency in ("lai-chau", "dien-bien"):
        _agency_key(tiendo, keys, agency)
    events = tmp_path / "events.jsonl"
    lines = [
        event("lai-chau", TARGET, "2025-03-31", ratio(40, 100), event_id="lc-hotich-0331"),
        _explanation("lai-chau", "lc-giaitrinh-0410", "2025-04-10", PASSED),
        event("dien-bien", TARGET, "2025-03-31", ratio(55, 100), event_id="db-hotich-0331"),
        _explanation("dien-bien", "db-giaitrinh-1120", "2025-11-20", AHEAD),
    ]
    events.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines), "utf-8")

    published = json.loads(tiendo("ingest", "publish", str(events), "--keys-dir", str(keys), "--json").output)
    assert (published["sent"], published["signed"], published["unparsed"]) == (4, 4, 0)
    ingested = json.loads(tiendo("ingest", "run", "--until-idle", "--replay-clock", "--json").output)
    assert ingested["appended"] == 4
    assert json.loads(tiendo("status", "--json").output)["dead_letters"] == {}
    assert json.loads(tiendo("ledger", "verify", "--json").output)["ok"] is True  # signatures and chains hold
    # The scorer applies the figures and counts the explanations as applied, holding no figure of theirs.
    scored = json.loads(tiendo("scorer", "run", "--until-idle", "--today", "2026-01-05", "--json").output)
    assert (scored["consumed"], scored["applied"], scored["skipped"], scored["malformed"], scored["rejected"]) == (4, 2, 2, 0, 0)
    engine = make_engine(settings.database_url)
    assert SnapshotReader(engine).position().applied == 4
    engine.dispose()

    built = json.loads(tiendo("report", "build", "--period", "2025", "--format", "md", "--out", str(tmp_path / "out"),
                              "--json").stdout)
    text = open(built["files"]["md"]["path"], encoding="utf-8").read()
    report = json.loads(re.search(r"<!-- tiendo-report-figures\n(.*)\n-->", text, re.S).group(1))["report"]
    late = {t["agency_id"]: t for t in report["late"] if t["target_id"] == TARGET}
    assert late["lai-chau"]["explanation"] == {**PASSED, "committed_passed": True, "event_id": "lc-giaitrinh-0410",
                                               "observed_at": "2025-04-10"}
    assert late["dien-bien"]["explanation"] == {**AHEAD, "committed_passed": False,
                                                "event_id": "db-giaitrinh-1120", "observed_at": "2025-11-20"}
    # The rendered report (not only the figures it embeds) says what each agency stated and by when.
    rendered = text.split("<!-- tiendo-report-figures")[0]
    for stated in (PASSED, AHEAD):
        assert stated["cause"] in rendered and stated["action"] in rendered
    assert "31/05/2025" in rendered and "31/03/2026" in rendered
    # `report verify` recomputes the same explanations from the ledger up to the cut-off.
    assert "matches the ledger" in tiendo("report", "verify", built["files"]["md"]["path"]).output
