"""A dead letter names the agency whenever the rejected message names one (issue 14,
docs/contract.md §7): the body's agency_id when the body is a JSON object, however wrong
the rest; otherwise the Kafka key when it is an agency of the registry."""

from __future__ import annotations

import json

import pytest

from services.ingest.admission import MAX_MESSAGE_BYTES
from tests.factories import event_dict, signed_bytes
from tests.unit.ingest.test_admission import HANOI, records, run


def _dumps(d) -> bytes:
    return json.dumps(d, ensure_ascii=False).encode()


def _hue(**changes) -> dict:
    """A Huế event id'd hue-1, with ``changes`` (None: the member left out)."""
    d = dict(event_dict("hue", event_id="hue-1"), **changes)
    return {k: v for k, v in d.items() if v is not None}


@pytest.mark.parametrize("value, key, code, agency, event", [
    # Invalid in the rest: the body's own agency_id and event_id, even under another key.
    (_dumps(_hue(schema_version=3)), "hue", "unknown_schema_version", "hue", "hue-1"),
    (_dumps(_hue(reporter=None)), "ha-noi", "missing_field", "hue", "hue-1"),
    (_dumps(_hue(colour="red")), "hue", "unknown_field", "hue", "hue-1"),
    (_dumps(_hue(figure={"type": "ratio", "numerator": "8", "denominator": 10})), None, "wrong_type", "hue", "hue-1"),
    (_dumps(_hue(figure={"type": "ratio", "numerator": 0, "denominator": 0})), "hue", "denominator_zero", "hue",
     "hue-1"),
    (_dumps(_hue(observed_at="2015-03-31")), "hue", "observed_before_2020", "hue", "hue-1"),
    (_dumps(_hue(kind="correction")), "hue", "amends_missing", "hue", "hue-1"),
    # A member repeated: named, unless the repeated member is the one that names.
    (b'{"agency_id":"hue","event_id":"hue-1","kind":"a","kind":"b"}', "hue", "duplicate_field", "hue", "hue-1"),
    (b'{"agency_id":"hue","agency_id":"ha-noi","event_id":"hue-1"}', "bo-cong-an", "duplicate_field",
     "bo-cong-an", "hue-1"),
    # What the contract's pattern refuses is not repeated: the key names the agency then.
    (_dumps(_hue(agency_id="Huế")), "hue", "invalid_value", "hue", "hue-1"),
    (_dumps(_hue(agency_id="h" * 65)), "hue", "invalid_value", "hue", "hue-1"),
    (_dumps(_hue(agency_id=7)), "hue", "wrong_type", "hue", "hue-1"),
    (_dumps(_hue(event_id="có dấu cách")), "hue", "invalid_value", "hue", None),
    (_dumps(_hue(agency_id=None, event_id=None)), "hue", "missing_field", "hue", None),
    # No body to read: the key, when it is an agency of the registry.
    (b"{agency_id: hue}", "hue", "not_json", "hue", None),
    (b"", "hue", "not_json", "hue", None),
    (None, "hue", "not_json", "hue", None),
    (b'{"agency_id":"hue","event_id":"hue-1","count":NaN}', "hue", "not_json", "hue", None),
    (b"[" * 100_000 + b"]" * 100_000, "hue", "not_json", "hue", None),
    (b'{"agency_id":"hue\xff"}', "hue", "not_utf8", "hue", None),
    (b'[{"agency_id":"ha-noi"}]', "hue", "not_an_object", "hue", None),
    (b"x" * (MAX_MESSAGE_BYTES + 1), "hue", "message_too_large", "hue", None),
    # A key that is no agency names none.
    (b"{agency_id: hue}", "hanoi", "not_json", None, None),
    (b"{agency_id: hue}", b"\xff\xfe", "not_json", None, None),
    (b"{agency_id: hue}", None, "not_json", None, None),
    (b"x", "k" * (2 * MAX_MESSAGE_BYTES), "message_too_large", None, None),
])
def test_a_rejected_message_names_the_agency_it_names(value, key, code, agency, event):
    [rejected] = run(records(value, key=key)).rejected

    assert (rejected.code.value, rejected.agency_id, rejected.event_id) == (code, agency, event)


def test_a_valid_event_under_the_wrong_key_is_named_by_its_body():
    [rejected] = run(records(signed_bytes(event_dict(event_id="hn-1"), HANOI), key="hue")).rejected

    assert (rejected.code.value, rejected.agency_id, rejected.event_id) == ("key_mismatch", "ha-noi", "hn-1")
