"""One pass over the ledger gives the fold its entries and the report the period's
activity: who sent anything during the period and which corrections and retractions."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

from services.report.period import Period
from services.report.scan import scan
from tests.unit.report.ledger import event, ratio

RATE = "online_dossier_rate"
Q2 = Period.parse("2025-Q2")


def rows(*events: dict, received: dict[str, str] | None = None) -> list[tuple[int, str, int, datetime, str]]:
    """Ledger rows of ``events``, each recorded when it was reported unless ``received``
    (event_id → ISO time) says otherwise."""
    positions: dict[str, int] = {}
    out = []
    for seq, e in enumerate(events, start=1):
        positions[e["agency_id"]] = positions.get(e["agency_id"], 0) + 1
        at = datetime.fromisoformat((received or {}).get(e["event_id"], e["reported_at"]))
        out.append((seq, e["agency_id"], positions[e["agency_id"]], at, json.dumps(e, ensure_ascii=False)))
    return out


def test_activity_is_dated_by_when_it_was_sent_in_vietnam():
    found = scan(rows(
        # Sent 31 March 23:30 in Vietnam: the first quarter's, and its correction the third's.
        event("ha-noi", RATE, "2025-03-31", ratio(1, 2), event_id="a", reported_at="2025-03-31T23:30:00+07:00"),
        # 31 March 18:00 UTC is 1 April 01:00 in Vietnam: in the quarter.
        event("hue", RATE, "2025-03-31", ratio(1, 2), event_id="b", reported_at="2025-03-31T18:00:00+00:00"),
        event("ha-noi", RATE, "2025-03-31", ratio(2, 3), kind="correction", amends="a", event_id="c",
              reported_at="2025-07-01T08:00:00+07:00"),
        event("nghe-an", RATE, "2025-03-31", ratio(1, 3), event_id="d", reported_at="2025-04-03T08:00:00+07:00"),
        event("nghe-an", RATE, "2025-03-31", kind="retraction", amends="d", event_id="e",
              reported_at="2025-06-30T23:59:00+07:00"),
    ), Q2, 5)
    assert found.reported == {"hue", "nghe-an"}
    assert [(f.event_id, f.kind, f.reported_on) for f in found.amending] == [("e", "retraction", date(2025, 6, 30))]


def test_activity_is_dated_by_when_ingest_recorded_it_not_by_a_backdated_reported_at():
    found = scan(rows(
        event("ha-noi", RATE, "2025-03-31", ratio(1, 2), event_id="a", reported_at="2025-04-02T08:00:00+07:00"),
        # Claims to have been sent in June; arrived in July: it is the third quarter's.
        event("ha-noi", RATE, "2025-03-31", ratio(2, 3), kind="correction", amends="a", event_id="c",
              reported_at="2025-06-30T08:00:00+07:00"),
        event("hue", RATE, "2025-03-31", ratio(1, 2), event_id="h", reported_at="2025-06-29T08:00:00+07:00"),
        received={"a": "2025-07-03T08:00:00+07:00", "c": "2025-07-03T08:00:00+07:00",
                  "h": "2025-07-03T08:00:00+07:00"}), Q2, 3)
    assert found.reported == set() and found.amending == ()


def test_the_fold_gets_every_readable_entry_and_skips_the_rest(caplog):
    good = rows(event("ha-noi", RATE, "2025-05-31", ratio(70, 100), event_id="a",
                      reported_at="2025-06-02T09:00:00+07:00"),
                event("ha-noi", RATE, "2025-06-30", ratio(80, 100), event_id="b",
                      reported_at="2025-07-02T09:00:00+07:00"))
    no_kind = json.dumps({"event_id": "x", "reported_at": "2025-06-01T00:00:00+07:00"})
    june = datetime.fromisoformat("2025-06-01T00:00:00+07:00")
    broken = [(3, "hue", 1, june, "{not json"), (4, "hue", 2, june, no_kind)]
    with caplog.at_level(logging.WARNING, logger="tiendo.report"):
        found = scan(good + broken, Q2, 4)
    assert "seq=3" in caplog.text and "seq=4" in caplog.text
    cell = found.figures.on(date(2025, 6, 30)).cells[("ha-noi", RATE)]
    assert (cell.numerator, cell.denominator, cell.source_seq) == (80, 100, 2)
    assert found.reported == {"ha-noi", "hue"}
