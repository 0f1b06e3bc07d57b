"""What the pages say: the national figures by block from the projections (today) or a
month-end snapshot, the late tasks with who answers for them, the ledger position, a
task's ranking, an agency's evidence; Vietnamese by default, English on request; the
security headers; the API's own description."""

from __future__ import annotations

import json

from tests.unit.web.conftest import TODAY


def test_the_dashboard_shows_each_block_the_late_tasks_and_the_position(as_user):
    page = as_user("lan").get("/").text
    assert "Tổng quan toàn quốc — 20/11/2025" in page
    assert "Khối bộ, ngành" in page and "Khối địa phương" in page and "Toàn quốc" in page
    assert "Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến" in page
    assert "50,00% (5/10)" in page and "+12,50 điểm %" in page
    assert "Chủ tịch UBND thành phố Hà Nội" in page  # the late cell's accountable head
    assert "Số liệu từ bảng tổng hợp hiện hành" in page
    assert "Phản ánh sổ cái đến số thứ tự 2 (2 bút toán)" in page
    assert '<th scope="col">' in page and '<script src="/static/refresh.js"' in page


def test_a_month_end_comes_from_its_snapshot_and_another_day_says_there_are_no_figures(as_user):
    client = as_user("kiem")
    month_end = client.get("/?day=2025-10-31").text
    assert "ảnh chụp cuối tháng" in month_end and "40,00% (4/10)" in month_end
    other = client.get("/?day=2025-10-15").text
    assert "Không có số liệu cho ngày này" in other and "50,00%" not in other
    assert client.get("/api/national?day=2025-10-15").json()["source"] is None


def test_the_english_switch(as_user):
    client = as_user("lan")
    page = client.get("/?lang=en").text
    assert '<html lang="en">' in page and "National dashboard — 2025-11-20" in page
    assert "Provinces" in page and "Chairman of the People&#39;s Committee of Hanoi City" in page
    assert 'href="/targets/online_dossier_rate?lang=en"' in page
    assert "Tiếng Việt" in page  # the way back


def test_a_task_ranks_its_agencies_and_charts_its_month_ends(as_user):
    rows = as_user("van").get("/api/targets/online_dossier_rate").json()["rows"]
    assert [(r["rank"], r["agency_id"]) for r in rows] == [(1, "bo-cong-an"), (2, "ha-noi")]
    page = as_user("van").get("/targets/online_dossier_rate").text
    # 31/10 from its snapshot, 20/11 from the projections: provinces 4 → 5 of 10 (50 % → 62.5 % done).
    assert '<polyline points="0,20 100,15" class="line b-province"/>' in page
    assert "Diễn biến mức hoàn thành: các cuối tháng và ngày đang xem" in page
    assert as_user("van").get("/targets/no_such_task").status_code == 404


def test_an_agency_page_shows_its_deadlines_and_its_events_with_their_corrections(as_user):
    page = as_user("lan").get("/agencies/ha-noi").text
    assert "Thời hạn sắp tới" in page and '<td data-label="Số ngày còn lại">41</td>' in page  # 31/12/2025 is 41 days after 20/11
    assert "Đính chính" in page and "Nguyễn Thị Lan, Chuyên viên" in page and "https://example.gov.vn/bc.pdf" in page
    assert '<td data-label="Kết quả">5/10 (50,00%)</td>' in page  # each cell named for a phone's card layout
    events = as_user("lan").get("/api/agencies/ha-noi/events").json()["rows"]
    assert [(e["seq"], e["kind"], e["kind_code"], e["amends"]) for e in events] == [
        (2, "Đính chính", "correction", "ha-noi-1"), (1, "Số liệu", "measurement", None)]
    # The API and the files keep the figure as reported beside its words.
    assert json.loads(events[0]["figure"]) == {"type": "ratio", "numerator": 5, "denominator": 10}
    assert events[0]["figure_text"] == "5/10 (50,00%)"


def test_the_api_gives_the_figures_the_page_shows(as_user):
    body = as_user("lan").get("/api/national").json()
    assert body["day"] == TODAY.isoformat() and body["source"] == "projections"
    assert body["position"] == {"highest_seq": 2, "applied": 2, "evaluated_on": TODAY.isoformat()}
    assert [(r["block"], r["status_code"]) for r in body["rows"]] == [
        ("Khối bộ, ngành", "on_track"), ("Khối địa phương", "at_risk"), ("Toàn quốc", "at_risk")]
    # Each row's change since the month end before (31/10: 4 of 10 in the provinces, now 5).
    assert [r["trend"] for r in body["rows"]] == ["+0,00 điểm %", "+12,50 điểm %", "+12,50 điểm %"]


def test_security_headers_on_every_answer(client):
    for path in ("/login", "/healthz", "/static/style.css", "/api/national"):
        headers = client.get(path).headers
        assert headers["content-security-policy"].startswith("default-src 'self'; frame-ancestors 'none'")
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_healthz_and_the_openapi_description_need_no_session(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/national", "/api/late", "/api/targets/{target_id}", "/api/agencies/{agency_id}",
            "/api/agencies/{agency_id}/rejections", "/api/reports", "/api/position"} <= set(paths)
    assert not any(p.startswith(("/login", "/agencies", "/healthz")) for p in paths)


def test_the_calendars_ends_are_days_without_figures(as_user):
    client = as_user("lan")
    for day in ("0001-01-01", "9999-12-31"):
        assert client.get(f"/api/national?day={day}").json()["source"] is None
        assert "Không có số liệu cho ngày này" in client.get(f"/?day={day}").text


def test_what_an_agency_sent_is_escaped(as_user):
    page = as_user("van").get("/agencies/bo-cong-an").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page and '<script>alert("x")' not in page


def test_the_figures_follow_the_scorer(tmp_path):
    from shared.db.projections import ScorerStore
    from tests.unit.web.conftest import _national, login, seeded_engine, web_app, web_client

    engine = seeded_engine(tmp_path / "moving.db")
    with web_client(web_app(engine)) as client:
        login(client, "lan")
        assert "50,00% (5/10)" in client.get("/").text
        assert "50,00% (5/10)" in client.get("/").text  # kept: the scorer has not moved
        with ScorerStore(engine).transaction() as tx:  # the scorer takes in a new figure
            tx.write({"national_figures": [_national("province", "at_risk", TODAY, 7)]}, {})
        assert "70,00% (7/10)" in client.get("/").text
    engine.dispose()
