"""Report delivery on both databases, on PostgreSQL as the report role (the report service
and the web view run as tiendo_report; migration 0014 grants it the two tables): a
subscription added, a report issued, the e-mail sent through a real SMTP server on
127.0.0.1 (aiosmtpd), a refusal recorded and retried, a subscription removed."""

from __future__ import annotations

from datetime import timedelta

from aiosmtpd.controller import Controller

from shared.config import MailSettings
from shared.db.deliveries import DeliveryStore
from shared.db.engine import make_engine, migrate
from shared.db.report_queries import ReportStore

from services.report.delivery import FIRST_RETRY, Deliverer
from tests.integration.chaos_support import database_for
from tests.unit.report.test_delivery import T0, Clock, Inbox, _free_port, issue


def test_the_report_role_schedules_sends_and_records_deliveries(database_url, tmp_path):
    db = database_for(database_url)
    migrate(db.owner_url)
    engine = make_engine(db.url("report"))
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        deliveries, reports = DeliveryStore(engine), ReportStore(engine)
        kept = deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
        gone = deliveries.subscribe("vanphong@hanoi.gov.vn", role=None, agency_id="ha-noi", lang="en", now=T0)
        issue(reports, tmp_path)
        clock = Clock()
        deliverer = Deliverer(deliveries, reports, MailSettings(host="127.0.0.1", port=controller.port,
                                                                starttls=False), now=clock)
        inbox.refuse = "451 4.3.0 Try again later"
        stats = deliverer.run_once()
        assert stats.scheduled == 2 and len(stats.failed) == 2
        assert {d.last_error for d in deliveries.deliveries()} == {"451 4.3.0 Try again later"}

        assert deliveries.unsubscribe(gone.id)
        inbox.refuse = None
        clock.at = T0 + FIRST_RETRY
        assert deliverer.run_once().sent == ["2025-Q2/vi → lanh.dao@chinhphu.vn"]
        [sent] = deliveries.deliveries()
        assert (sent.subscription_id, sent.status, sent.attempts) == (kept.id, "sent", 2)
        assert deliveries.due(clock.at + timedelta(days=1)) == []
        assert [m["To"] for m in inbox.received] == ["lanh.dao@chinhphu.vn"]
    finally:
        controller.stop()
        engine.dispose()
