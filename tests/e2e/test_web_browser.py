"""The web view in a real browser (issue 17's acceptance): Playwright driving Debian's
Chromium against `uvicorn` on 127.0.0.1. Each role signs in through the form and opens
its pages, the day and the language are switched through the page's own controls, a CSV
and an .xlsx are downloaded and read back, an agency cannot reach another's data, and
axe-core (npm, injected by the test) finds no serious or critical violation on any page.
Screenshots at 390 px and 1280 px go to the test's temporary directory, never the
repository."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import uvicorn
from openpyxl import load_workbook
from playwright.sync_api import sync_playwright

from services.web.app import create_app
from services.web.auth import PasswordAuthenticator
from shared.db.engine import make_engine
from shared.db.schema import metadata
from shared.db.web_users import WebUserStore

from tests.unit.web.conftest import FAST, PASSWORD, TODAY, seed

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".local" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = {"lan": ["/", "/?day=2025-10-31", "/targets/online_dossier_rate", "/agencies/ha-noi", "/reports"],
         "hanoi": ["/agencies/ha-noi", "/agencies/ha-noi/rejections"]}


@pytest.fixture(scope="module")
def axe() -> str:
    """axe-core's script, installed from npm on first use (under .local, not committed)."""
    if not AXE.exists():
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(AXE.parents[2]),
                        "axe-core@4"], check=True, timeout=300)
    return AXE.read_text("utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The web application under uvicorn on a free port of 127.0.0.1 (a thread)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'web.db'}")
    metadata.create_all(engine)
    seed(engine)
    app = create_app(engine, secure_cookies=False, authenticator=PasswordAuthenticator(WebUserStore(engine), FAST),
                     today=lambda: TODAY)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not srv.started and thread.is_alive():
        started.wait(0.05)  # uvicorn sets `started` once it listens
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join()
    engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("no Chromium: Debian's `chromium` package (infra/debian-packages.sh) drives these tests")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


def _sign_in(browser, server, name: str, width: int = 1280, **options):
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True, **options)
    page = context.new_page()
    page.goto(f"{server}/")
    assert "/login" in page.url
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_each_role_signs_in_switches_day_and_language_and_downloads(browser, server, tmp_path):
    context, page = _sign_in(browser, server, "lan")
    assert page.locator("h1").inner_text() == "Tổng quan toàn quốc — 20/11/2025"
    page.fill("#day", "2025-10-31")
    page.click("form.day button[type=submit]")
    page.wait_for_load_state()
    assert "day=2025-10-31" in page.url and "40,00% (4/10)" in page.content()
    page.click("text=English")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "National dashboard — 2025-10-31"
    with page.expect_download() as csv_download:
        page.click("#h-national + p.downloads >> text=CSV")
    rows = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_bytes().decode("utf-8-sig"))))
    assert rows[0][1] == "Task" and rows[2][3] == "40.00% (4/10)"
    with page.expect_download() as xlsx_download:
        page.click("#h-late + p.downloads >> text=Excel (.xlsx)")
    assert xlsx_download.value.suggested_filename == "late-2025-10-31.xlsx"
    values = list(load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active.values)
    assert values[1][0] == "ha-noi"
    page.click("text=Sign out")
    page.wait_for_load_state()
    assert "/login" in page.url
    context.close()

    for name, expect in (("kiem", "Tổng quan toàn quốc"), ("van", "Tổng quan toàn quốc"), ("hanoi", "Thành phố Hà Nội")):
        context, page = _sign_in(browser, server, name)
        assert page.locator("h1").inner_text().startswith(expect), name
        context.close()


def test_an_agency_cannot_reach_another_agencys_data(browser, server):
    context, page = _sign_in(browser, server, "hanoi")
    assert page.url.endswith("/agencies/ha-noi")
    assert "bad_signature" in page.content()
    for path in ("/agencies/bo-cong-an", "/agencies/bo-cong-an/rejections", "/api/agencies/bo-cong-an/rejections",
                 "/", "/reports", "/targets/online_dossier_rate"):
        response = page.goto(f"{server}{path}")
        if path == "/":
            assert page.url.endswith("/agencies/ha-noi")
        else:
            assert response.status == 404, path
    assert "schema_invalid" not in page.content()
    context.close()


def test_no_serious_accessibility_violation_and_screenshots(browser, server, axe, tmp_path):
    # The test injects axe as an inline script, which the page's own CSP rightly forbids.
    for name, paths in PAGES.items():
        for width in (390, 1280):
            context, page = _sign_in(browser, server, name, width=width, bypass_csp=True)
            for path in paths:
                for lang in ("vi", "en"):
                    page.goto(f"{server}{path}{'&' if '?' in path else '?'}lang={lang}")
                    page.add_script_tag(content=axe)
                    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
                    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
                           if v["impact"] in ("serious", "critical")]
                    assert bad == [], f"{name} {path} {lang} {width}px: {json.dumps(bad)}"
                shot = tmp_path / f"{name}{path.replace('/', '_').replace('?', '_')}-{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 0
            # No horizontal scroll on a phone except inside a table's own scroller.
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (name, width)
            context.close()
    login = browser.new_page(viewport={"width": 390, "height": 900}, bypass_csp=True)
    login.goto(f"{server}/login")
    login.add_script_tag(content=axe)
    result = login.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    login.close()
