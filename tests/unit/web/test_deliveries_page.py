"""Operators see on the reports page what became of each report's e-mails (issue 17,
point 5): sent, or failed with the mail server's answer and whether it is tried again;
nobody else sees the recipients."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shared.db.deliveries import DeliveryStore
from shared.db.report_queries import ReportStore

from tests.unit.web.conftest import login, seeded_engine, web_app, web_client


@pytest.fixture
def client(tmp_path):
    """An application whose database has one issued report e-mailed to two subscribers:
    one sent, one refused for good."""
    engine = seeded_engine(tmp_path / "web.db")
    deliveries = DeliveryStore(engine)
    since = datetime(2025, 1, 1, tzinfo=timezone.utc)
    deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=since)
    deliveries.subscribe("vanphong@hanoi.gov.vn", role=None, agency_id="ha-noi", lang="vi", now=since)
    reports = ReportStore(engine)
    record = reports.claim("2025-Q3", "vi", datetime(2025, 10, 1, tzinfo=timezone.utc), 2, 0)
    reports.mark_built(record.id, {"pdf": {"path": str(tmp_path / "r.pdf"), "sha256": "0" * 64}}, None)
    now = datetime.now(timezone.utc)
    assert deliveries.schedule(now) == 2
    first, second = deliveries.due(now)
    for d in (first, second):
        deliveries.claim(d, now)
    deliveries.mark_sent(first.id, now)
    deliveries.mark_failed(second.id, "550 5.7.1 Message rejected by policy", None)
    with web_client(web_app(engine)) as c:
        yield c
    engine.dispose()


def test_operators_see_each_delivery_with_the_servers_answer(client):
    assert login(client, "van").status_code == 303
    page = client.get("/reports").text
    assert "Gửi báo cáo qua thư điện tử" in page and "Đã gửi" in page
    assert "550 5.7.1 Message rejected by policy" in page and "Gửi lỗi, đã dừng thử lại" in page
    rows = client.get("/reports?format=csv&table=deliveries").text.splitlines()
    assert len(rows) == 3 and "vanphong@hanoi.gov.vn" in rows[1]  # newest first


@pytest.mark.parametrize("name", ["lan", "kiem"])
def test_others_do_not_see_the_recipients(client, name):
    assert login(client, name).status_code == 303
    page = client.get("/reports").text
    assert "2025-Q3" in page and "lanh.dao@chinhphu.vn" not in page
    assert client.get("/reports?format=csv&table=deliveries").status_code == 404
