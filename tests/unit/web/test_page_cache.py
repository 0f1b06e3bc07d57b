"""National pages are kept as rendered while the scorer stands still (docs/web.md): a
second view renders nothing again, and the scorer's next transaction brings the new
figures on the next view. A user, a day or a language of its own is a page of its own."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update

from shared.db.projections import ScorerStore
from shared.db.schema import dead_letters, ledger_entries

from services.web import views
from services.web.freshness import ShortLived
from tests.unit.web.conftest import NOW, TODAY, _dead_letter, _entry, _rows, login, seeded_engine, web_app, web_client


@pytest.fixture
def fresh(tmp_path):
    """An application over a database of its own (this test changes the figures)."""
    engine = seeded_engine(tmp_path / "web.db")
    with web_client(web_app(engine)) as client:
        yield engine, client
    engine.dispose()


@pytest.fixture
def renders(monkeypatch):
    """How many times the dashboard's national table and a task's ranking were built."""
    counts = {"national": 0, "target": 0}
    counts["agency"] = 0
    for name, key in (("national_table", "national"), ("target_table", "target"), ("events_table", "agency")):
        real = getattr(views, name)

        def counted(*args, _real=real, _key=key, **kwargs):
            counts[_key] += 1
            return _real(*args, **kwargs)
        monkeypatch.setattr(views, name, counted)
    return counts


def test_a_page_is_rendered_once_while_the_scorer_stands_still(fresh, renders):
    _, client = fresh
    assert login(client, "lan").status_code == 303
    first = client.get("/").text
    assert client.get("/").text == first and "50,00% (5/10)" in first
    client.get("/targets/online_dossier_rate")
    client.get("/targets/online_dossier_rate")
    assert renders == {"national": 1, "target": 1, "agency": 0}
    client.get("/?lang=en")
    client.get("/?day=2025-10-31")
    assert renders["national"] == 3  # another language, another day: pages of their own


def test_the_scorer_moving_on_brings_the_new_figures(fresh, renders):
    engine, client = fresh
    assert login(client, "lan").status_code == 303
    assert "50,00% (5/10)" in client.get("/").text
    with ScorerStore(engine).transaction() as tx:  # the scorer's next batch: 6 of 10
        tx.write(_rows(TODAY, 6), {})
    page = client.get("/").text
    assert "60,00% (6/10)" in page and "50,00% (5/10)" not in page
    assert renders["national"] == 2


def test_each_user_gets_a_page_of_their_own(fresh, renders):
    _, client = fresh
    assert login(client, "lan").status_code == 303
    client.get("/")
    assert login(client, "kiem").status_code == 303
    client.get("/")
    assert renders["national"] == 2


def test_files_are_built_each_time(fresh, renders):
    _, client = fresh
    assert login(client, "lan").status_code == 303
    for _ in range(2):
        assert client.get("/?format=csv&table=national").status_code == 200
    assert renders["national"] == 2


def test_an_agency_page_is_rendered_again_when_its_evidence_changes(fresh, renders):
    engine, client = fresh
    assert login(client, "lan").status_code == 303
    client.get("/agencies/ha-noi")
    client.get("/agencies/ha-noi")
    assert renders["agency"] == 1
    with engine.begin() as conn:  # another agency's evidence: this page is as it was
        conn.execute(insert(ledger_entries), [_entry(3, "bo-cong-an", "measurement")])
    client.get("/agencies/ha-noi")
    assert renders["agency"] == 1
    with engine.begin() as conn:  # its own new entry, recorded before the scorer has it
        conn.execute(insert(ledger_entries), [dict(_entry(4, "ha-noi", "measurement"), chain_pos=3)])
    assert "ha-noi-4" in client.get("/agencies/ha-noi").text
    with engine.begin() as conn:
        conn.execute(insert(dead_letters), [_dead_letter(9, "ha-noi", "bad_signature")])
    assert "bad_signature at offset 9" in client.get("/agencies/ha-noi").text
    with engine.begin() as conn:  # an operator requeued one
        conn.execute(update(dead_letters).where(dead_letters.c.source_offset == 9).values(requeued_at=NOW))
    client.get("/agencies/ha-noi")
    assert renders["agency"] == 4


def test_the_scorers_version_is_trusted_for_a_second(tmp_path, renders):
    """Under load a kept page costs its session's read alone: the scorer's version is read
    at most once a second, so new figures show at most a second late."""
    engine = seeded_engine(tmp_path / "web.db")
    now = [100.0]
    with web_client(web_app(engine, ShortLived(1.0, clock=lambda: now[0]))) as client:
        assert login(client, "lan").status_code == 303
        assert "50,00% (5/10)" in client.get("/").text
        with ScorerStore(engine).transaction() as tx:
            tx.write(_rows(TODAY, 6), {})
        now[0] += 0.5
        assert "50,00% (5/10)" in client.get("/").text, "the kept page, within the second"
        now[0] += 0.5
        assert "60,00% (6/10)" in client.get("/").text
        assert renders["national"] == 2
    engine.dispose()
