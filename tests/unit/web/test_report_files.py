"""The reports page lists a Markdown report's chart files beside it (issue 18, point 4),
checks them against the SHA-256 recorded when it was built, and serves each one."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest

from shared.db.report_queries import ReportStore

from tests.unit.web.conftest import login, seeded_engine, web_app, web_client


def _file(path, data: bytes) -> dict[str, str]:
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return {"path": str(path), "sha256": hashlib.sha256(data).hexdigest()}


@pytest.fixture
def issued(tmp_path):
    """An application whose database has one Markdown report with two charts beside it."""
    engine = seeded_engine(tmp_path / "web.db")
    charts = tmp_path / "tiendo-2025-Q3-vi.charts"
    md = _file(tmp_path / "tiendo-2025-Q3-vi.md", b"# BAO CAO\n")
    md["charts"] = [_file(charts / "chart-1.svg", b"<svg/>"), _file(charts / "chart-2.svg", b"<svg></svg>")]
    reports = ReportStore(engine)
    record = reports.claim("2025-Q3", "vi", datetime(2025, 10, 1, tzinfo=timezone.utc), 2, 0)
    reports.mark_built(record.id, {"md": md}, None)
    with web_client(web_app(engine)) as client:
        assert login(client, "van").status_code == 303
        yield client, record.id, charts
    engine.dispose()


def _checks(client) -> dict[str, str]:
    rows = client.get("/api/reports").json()["rows"]
    return {row["format"]: row["check"] for row in rows}


def test_the_charts_are_listed_checked_and_served(issued):
    client, report_id, charts = issued
    intact = _checks(client)
    assert set(intact) == {"md", "md/chart-1.svg", "md/chart-2.svg"} and len(set(intact.values())) == 1
    response = client.get(f"/reports/{report_id}/md/chart-2.svg")
    assert response.status_code == 200 and response.content == b"<svg></svg>"
    assert client.get(f"/reports/{report_id}/md/chart-3.svg").status_code == 404
    assert client.get(f"/reports/{report_id}/md/..%2Fweb.db").status_code == 404


def test_a_changed_chart_marks_the_markdown_altered(issued):
    client, _, charts = issued
    intact = _checks(client)["md"]
    (charts / "chart-2.svg").write_bytes(b"<svg><text>forged</text></svg>")
    checks = _checks(client)
    assert checks["md"] == checks["md/chart-2.svg"] != intact and checks["md/chart-1.svg"] == intact
    (charts / "chart-1.svg").unlink()
    assert _checks(client)["md/chart-1.svg"] not in (intact, checks["md"])
