"""Roles: leadership and auditors see everything, read only; operators too, with every
agency's rejected events; an agency user its own agency only, and 404 for any other's."""

from __future__ import annotations

import pytest

NATIONAL = ("/", "/targets/online_dossier_rate", "/reports", "/api/national", "/api/late",
            "/api/targets/online_dossier_rate", "/api/reports")


@pytest.mark.parametrize("name", ["lan", "kiem", "van"])
def test_national_roles_open_every_page(as_user, name):
    client = as_user(name)
    for path in (*NATIONAL, "/agencies/ha-noi", "/agencies/bo-cong-an", "/api/agencies/ha-noi/events"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("name, sees", [("lan", True), ("van", True), ("kiem", False)])
def test_rejections_are_for_leadership_and_operators_not_auditors(as_user, name, sees):
    client = as_user(name)
    page = client.get("/agencies/ha-noi").text
    assert ("bad_signature" in page) is sees
    assert client.get("/agencies/ha-noi/rejections").status_code == (200 if sees else 404)
    assert client.get("/api/agencies/ha-noi/rejections").status_code == (200 if sees else 404)


def test_an_agency_user_sees_its_own_agency_and_its_rejections(as_user):
    client = as_user("hanoi")
    home = client.get("/?lang=en")
    assert home.status_code == 303 and home.headers["location"] == "/agencies/ha-noi?lang=en"
    page = client.get("/agencies/ha-noi")
    assert page.status_code == 200 and "bad_signature" in page.text and "schema_invalid" not in page.text
    rows = client.get("/api/agencies/ha-noi/rejections").json()["rows"]
    assert [r["reason_code"] for r in rows] == ["bad_signature"]
    assert rows[0]["message"] == "bad_signature at offset 7" and rows[0]["original"] == '{"agency_id": "x"}'


def test_an_agency_user_gets_404_for_another_agency(as_user):
    client = as_user("hanoi")
    for path in ("/agencies/bo-cong-an", "/agencies/bo-cong-an/rejections", "/api/agencies/bo-cong-an",
                 "/api/agencies/bo-cong-an/rejections", "/api/agencies/bo-cong-an/events",
                 "/agencies/bo-cong-an/rejections?format=csv"):
        assert client.get(path).status_code == 404, path
    for path in NATIONAL[1:]:
        assert client.get(path).status_code == 404, path
    assert "schema_invalid" not in client.get("/agencies/bo-cong-an/rejections").text
