"""The scorer worker against the real broker and both databases: idempotent apply,
stored offsets, unreadable messages, a new day, alerts once per threshold."""

from __future__ import annotations

import json
from datetime import date

from shared.db.ledger import LedgerStore

from tests.factories import event_dict
from tests.integration.scorer_support import LedgerFeed

DAY = date(2025, 3, 18)


def _ratio(agency, day, num, den, target="online_dossier_rate", **kw):
    return event_dict(agency, target, observed_at=day, figure={"type": "ratio", "numerator": num, "denominator": den},
                      **kw)


def test_redelivered_messages_are_applied_once_and_offsets_are_stored(settings):
    feed = LedgerFeed(settings)
    stored = feed.feed([_ratio("ha-noi", "2025-02-28", 60, 100), _ratio("hue", "2025-03-01", 30, 100),
                        _ratio("ha-noi", "2025-03-15", 70, 100)])
    feed.publish(stored)  # the outbox published them twice
    w = feed.score(DAY)
    assert (w.stats.consumed, w.stats.applied, w.stats.duplicates) == (6, 3, 3)
    assert feed.store.observation_count() == 3
    cell = feed.cell("ha-noi", "online_dossier_rate")
    assert (cell["value"], cell["source_seq"], cell["status"]) == (0.7, stored[2].seq, "on_track")
    offsets = LedgerStore(feed.engine).all_tracked_offsets()[settings.group("scorer")]
    ends = feed.broker.end_offsets(settings.topics.ledger)
    assert {p: o for (_, p), o in offsets.items()} == {p: e for p, e in ends.items() if e}

    again = feed.score(DAY)  # a restart resumes from the stored offsets
    assert (again.stats.consumed, again.stats.rows_written, again.stats.alerts) == (0, 0, 0)
    feed.dispose()


def test_an_unreadable_ledger_message_is_skipped_and_counted(settings):
    feed = LedgerFeed(settings)
    producer = feed.broker.producer()
    producer.send(settings.topics.ledger, "ha-noi", b"{not a ledger message")
    producer.close()
    feed.feed([_ratio("ha-noi", "2025-03-01", 60, 100)])
    w = feed.score(DAY)
    assert (w.stats.malformed, w.stats.applied) == (1, 1)
    assert feed.cell("ha-noi", "online_dossier_rate")["value"] == 0.6
    feed.dispose()


def test_a_new_day_re_evaluates_without_new_entries(settings):
    feed = LedgerFeed(settings)
    feed.feed([_ratio("ha-noi", "2025-03-01", 60, 100)])
    feed.score(DAY)
    assert feed.cell("ha-noi", "online_dossier_rate")["status"] == "on_track"  # where its path starts
    w = feed.score(date(2025, 4, 10))  # 40 days after the figure: outside the reporting interval
    assert w.stats.consumed == 0 and w.stats.full_evaluations == 1
    c = feed.cell("ha-noi", "online_dossier_rate")
    assert (c["status"], c["evaluated_on"]) == ("no_data", date(2025, 4, 10))
    assert feed.store.state()[1] == date(2025, 4, 10)
    feed.dispose()


def test_a_correction_a_retraction_and_a_late_event_through_the_topic(settings):
    feed = LedgerFeed(settings)
    first = _ratio("hue", "2025-02-28", 50, 100, event_id="hue-feb")
    feed.feed([first, _ratio("hue", "2025-03-10", 90, 100, event_id="hue-mar")])
    feed.score(DAY)
    assert feed.cell("hue", "online_dossier_rate")["value"] == 0.9
    feed.feed([_ratio("hue", "2025-03-10", 55, 100, kind="correction", amends="hue-mar", event_id="hue-mar-fix")])
    feed.score(DAY)
    c = feed.cell("hue", "online_dossier_rate")
    assert (c["value"], c["source_event_id"]) == (0.55, "hue-mar-fix")
    late = feed.feed([_ratio("hue", "2025-01-31", 40, 100, event_id="hue-jan")])
    feed.score(DAY)
    assert feed.cell("hue", "online_dossier_rate")["source_event_id"] == "hue-mar-fix"
    feed.feed([event_dict("hue", "online_dossier_rate", kind="retraction", amends="hue-mar",
                          observed_at="2025-03-10", event_id="hue-mar-gone")])
    feed.score(DAY)
    c = feed.cell("hue", "online_dossier_rate")
    assert (c["value"], c["source_event_id"]) == (0.5, "hue-feb")
    assert late[0].seq < feed.ledger.head_seq()
    feed.dispose()


def _civil(agency, num, den=100, day="2025-02-25"):
    return _ratio(agency, day, num, den, target="civil_registry_digitised")


def test_deadline_alerts_once_per_agency_target_and_threshold(settings):
    feed = LedgerFeed(settings)
    feed.feed([_civil("ha-noi", 100), _civil("hue", 90)])  # due 31/03/2025
    thresholds = {}
    for day, expected in [(date(2025, 3, 1), "30d"), (date(2025, 3, 1), None), (date(2025, 3, 24), "7d"),
                          (date(2025, 3, 31), "1d"), (date(2025, 4, 1), "overdue"), (date(2025, 4, 2), None)]:
        before = {a["id"] for a in feed.store.alerts(target_id="civil_registry_digitised")}
        feed.score(day)
        new = [a for a in feed.store.alerts(target_id="civil_registry_digitised") if a["id"] not in before]
        assert {a["threshold"] for a in new} == ({expected} if expected else set()), day
        if expected:
            assert {a["agency_id"] for a in new} == {a.id for a in _provinces(day)} - {"ha-noi"}
            thresholds[expected] = {a["agency_id"]: a for a in new}
    hue = thresholds["7d"]["hue"]
    assert (hue["status"], hue["completion"], hue["deadline"]) == ("on_track", 0.9, date(2025, 3, 31))
    assert thresholds["overdue"]["hue"]["status"] == "overdue"

    rows = feed.store.alerts()
    assert all(r["published_at"] is not None for r in rows)
    messages = [json.loads(r.value) for r in feed.broker.read_all(settings.topics.alerts)]
    assert sorted(m["alert_id"] for m in messages) == sorted(r["alert_id"] for r in rows)
    assert len({m["alert_id"] for m in messages}) == len(messages)
    m = next(m for m in messages if m["alert_id"] == "hue:civil_registry_digitised:7d")
    assert (m["agency_name_vi"], m["target_name_vi"]) == ("Thành phố Huế", "Số hóa dữ liệu hộ tịch")
    feed.dispose()


def _provinces(day):
    from shared.domain.agencies import AgencyKind, agencies_on

    return agencies_on(day, AgencyKind.PROVINCE)
