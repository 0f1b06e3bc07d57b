"""The seeds' figures, reproduced through the real pipeline: events → ledger → ledger topic
→ scorer worker → projection tables, on the dates the seeds report them.

Run twice per database: with a hand-written ledger feed (ledger rows + ledger-topic
messages in ingest's format) and through the real ingest (signed events on the raw topic)."""

from __future__ import annotations

from datetime import date

import pytest

from shared.scoring.projector import Projector

from services.scorer.replay import as_of
from tests.factories import event_dict
from tests.integration.pipeline import Pipeline
from tests.integration.scorer_support import LedgerFeed

SEED_000 = date(2025, 2, 6)  # Phiên họp lần thứ 10 của Ủy ban Quốc gia về chuyển đổi số
SEED_002 = date(2025, 2, 23)  # Thông báo 56/TB-VPCP
SEED_003 = date(2025, 3, 18)  # Phiên họp thứ nhất của Ban Chỉ đạo
NDC_READY = date(2025, 8, 15)
NDC_OPEN = date(2025, 8, 19)  # Công điện 103 (research note in the catalogue)


def _count(agency, target, day, n):
    return event_dict(agency, target, observed_at=day.isoformat(), figure={"type": "count", "count": n})


def _ratio(agency, target, day, num, den):
    return event_dict(agency, target, observed_at=day.isoformat(),
                      figure={"type": "ratio", "numerator": num, "denominator": den})


PHASES = [
    # 000: "đã triển khai 54/76 dịch vụ công trực tuyến thiết yếu" — Bộ TT&TT (dissolved on
    # 28/02/2025, its figures carried by Bộ KH&CN) and Bộ Công an.
    (SEED_000, [_count("bo-thong-tin-va-truyen-thong", "essential_services", SEED_000, 20),
                _count("bo-cong-an", "essential_services", SEED_000, 34)]),
    # 002 (90 % of civil-registry data, a late report) and 003: "58/76 TTHC thiết yếu",
    # "98% dữ liệu hộ tịch đã được số hóa", "chỉ còn 17 bộ và cơ quan ngang bộ".
    (SEED_003, [_ratio("ha-noi", "civil_registry_digitised", SEED_002, 9_000, 10_000),
                _ratio("hue", "civil_registry_digitised", SEED_002, 2_700, 3_000),
                _ratio("lai-chau", "civil_registry_digitised", SEED_002, 1_800, 2_000),
                _count("bo-cong-an", "essential_services", SEED_003, 38),
                _ratio("ha-noi", "civil_registry_digitised", SEED_003, 9_750, 10_000),
                _ratio("hue", "civil_registry_digitised", SEED_003, 2_980, 3_000),
                _ratio("lai-chau", "civil_registry_digitised", SEED_003, 1_970, 2_000)]),
    # 003: "cắt giảm thành phần hồ sơ đối với 324 TTHC … hoàn thành trong quý II/2025" and
    # "kết nối, khai thác 114 cơ sở dữ liệu quốc gia, chuyên ngành".
    (NDC_READY, [_count("bo-cong-an", "procedures_vneid", date(2025, 6, 30), 200),
                 _count("bo-tu-phap", "procedures_vneid", date(2025, 6, 30), 124),
                 _count("bo-cong-an", "ndc_databases", NDC_READY, 114)]),
    # The National Data Centre opens in August 2025; from 18/08/2025 the target is 116 databases.
    (NDC_OPEN, [event_dict("bo-cong-an", "ndc_operating", kind="milestone", observed_at=NDC_OPEN.isoformat(),
                           figure={"type": "milestone", "done": True, "done_on": NDC_OPEN.isoformat()})]),
]


class _ViaIngest:
    """Signed events on the raw topic, the ingest worker, its outbox to the ledger topic."""

    def __init__(self, settings):
        self.pipeline = Pipeline(settings)
        self.feed = LedgerFeed(settings, self.pipeline.engine)
        self.keys = {}

    def send(self, events):
        from tests.factories import signed_bytes

        for d in events:
            if d["agency_id"] not in self.keys:
                self.keys[d["agency_id"]] = self.pipeline.issue_key(d["agency_id"])
        self.pipeline.publish([(d["agency_id"], signed_bytes(d, self.keys[d["agency_id"]])) for d in events])
        worker = self.pipeline.ingest()
        assert worker.stats.appended == len(events), worker.stats


class _ViaLedgerFeed:
    def __init__(self, settings):
        self.feed = LedgerFeed(settings)

    def send(self, events):
        self.feed.feed(events)


@pytest.fixture(params=["ledger-feed", "ingest"])
def source(request, settings):
    s = _ViaIngest(settings) if request.param == "ingest" else _ViaLedgerFeed(settings)
    yield s
    s.feed.dispose()


def test_seed_figures_on_the_seeds_dates(source):
    feed = source.feed
    seen = {}
    for day, events in PHASES:
        source.send(events)
        feed.score(day)
        seen[day] = (feed.ledger.head_seq(), feed.store.projection_rows())

    # 54/76 on 06/02/2025: one observation, where the national path starts → on track; 22
    # ministries then (the ministries' block is the target's only block).
    feb = {r["target_id"]: r for r in seen[SEED_000][1]["national_figures"]}["essential_services"]
    assert (feb["value"], round(feb["completion"] * 100, 2), feb["status"]) == (54.0, 71.05, "on_track")
    assert feb["block"] == "ministry"
    assert feb["agencies"] == 22 and feb["evaluated_on"] == SEED_000

    # 58/76 on 18/03/2025: above the path from 54 on 06/02 to 76 on 31/12 → on track; 17 ministries now,
    # Bộ TT&TT's 20 carried by the new Bộ Khoa học và Công nghệ.
    mar = {r["target_id"]: r for r in seen[SEED_003][1]["national_figures"]}
    ess = mar["essential_services"]
    assert (ess["value"], round(ess["completion"] * 100, 2), ess["status"]) == (58.0, 76.32, "on_track")
    assert ess["agencies"] == 17
    khcn = {(r["agency_id"], r["target_id"]): r for r in seen[SEED_003][1]["agency_target_values"]}[
        ("bo-khoa-hoc-va-cong-nghe-2025", "essential_services")]
    assert (khcn["value"], khcn["rolled_up"], khcn["source_agency_id"]) == (20.0, True, "bo-thong-tin-va-truyen-thong")

    # 98 % of civil-registry data (Σ 14 700 / Σ 15 000 over three provinces); every province
    # must reach 100 %: 60 of 63 have not reported → the nation is behind (x/N, not Σ).
    civil = mar["civil_registry_digitised"]
    assert (round(civil["value"] * 100, 2), civil["numerator"], civil["denominator"]) == (98.0, 14_700, 15_000)
    assert (civil["status"], civil["agencies"], civil["reporting"], civil["block"]) == ("at_risk", 63, 3, "province")

    # 324 procedures by Q2/2025 and 114 databases at the National Data Centre.
    aug = {r["target_id"]: r for r in seen[NDC_READY][1]["national_figures"]}
    assert (aug["procedures_vneid"]["value"], aug["procedures_vneid"]["completion"],
            aug["procedures_vneid"]["status"]) == (324.0, 1.0, "met")
    assert (aug["ndc_databases"]["value"], aug["ndc_databases"]["completion"],
            aug["ndc_databases"]["status"]) == (114.0, 1.0, "met")

    # 114 databases by 08/2025 (seed 003), reached on 15/08: done on time; the centre opened on 19/08.
    final = {r["target_id"]: r for r in feed.store.national()}
    assert (final["ndc_databases"]["completion"], final["ndc_databases"]["status"]) == (1.0, "met")
    assert (final["ndc_operating"]["value"], final["ndc_operating"]["status"]) == (1.0, "met")
    assert feed.cell("bo-cong-an", "ndc_operating")["status"] == "met"
    assert final["civil_registry_digitised"]["status"] == "overdue"  # 98 % ≠ 100 % by 31/03

    # Every earlier projection equals the as-of query at that day and ledger position.
    projector = Projector()
    for day, (head, rows) in seen.items():
        assert as_of(feed.ledger, projector, day, head).as_rows() == rows, day
