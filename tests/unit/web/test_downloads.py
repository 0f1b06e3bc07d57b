"""Every table downloads as CSV and .xlsx, and reads back as the rows the page shows."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook


def test_csv_round_trip(as_user):
    client = as_user("lan")
    response = client.get("/?day=2025-10-31&format=csv&table=national")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="national-2025-10-31.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Nhiệm vụ (id)", "Nhiệm vụ", "Khối"]
    assert [r[2] for r in rows[1:]] == ["Khối bộ, ngành", "Khối địa phương", "Toàn quốc"]
    assert rows[2][7] == "at_risk" and rows[2][6] == "Chậm so với lộ trình"
    assert rows[2][3] == "40,00% (4/10)"  # the month end's own figure, not today's


def test_xlsx_round_trip(as_user):
    client = as_user("van")
    response = client.get("/agencies/ha-noi?format=xlsx&table=rejections&lang=en")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0] == ("#", "Reason code", "Message", "Event id", "Rejected at", "Original")
    assert values[1][1:4] == ("bad_signature", "bad_signature at offset 7", "e-7")


def test_the_late_table_in_excel_keeps_numbers_and_names(as_user):
    response = as_user("kiem").get("/?format=xlsx&table=late")
    values = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert values[1][0] == "ha-noi" and values[1][7] == "Chủ tịch UBND thành phố Hà Nội"
    assert len(values) == 2  # the ministry is on track: not late


def test_an_unknown_table_or_format_is_404(as_user):
    client = as_user("kiem")
    assert client.get("/?format=pdf").status_code == 404
    assert client.get("/?format=csv&table=nothing").status_code == 404
