"""The dead-letter topic's copy of a rejected message always fits the broker's limit."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

from services.ingest.admission import MAX_MESSAGE_BYTES
from services.ingest.worker import DEAD_LETTER_EXCERPT_BYTES, dead_letter_key, dead_letter_message
from shared.db.ledger import NewDeadLetter

NOW = datetime(2026, 1, 15, 2, 0, tzinfo=timezone.utc)
BROKER_LIMIT = 4 * 1024 * 1024  # message.max.bytes in infra/kafka.sh


def _dead(value: bytes, key: bytes | None) -> NewDeadLetter:
    return NewDeadLetter("message_too_large", "too large", value, key, "raw", 0, 7)


def test_an_ordinary_dead_letter_repeats_the_message_whole():
    d = _dead(b"{not json", b"ha-noi")
    body = json.loads(dead_letter_message(d, NOW))
    assert base64.b64decode(body["original"]) == b"{not json"
    assert base64.b64decode(body["original_key"]) == b"ha-noi" == dead_letter_key(d)
    assert "truncated" not in body


def test_a_message_just_under_the_broker_limit_is_excerpted_not_repeated():
    # Regression: a 3.5 MB message became a 4.7 MB dead letter that the broker refused,
    # and the worker failed on its outbox at every start from then on.
    value, key = b"x" * (BROKER_LIMIT - 600_000), b"k" * (MAX_MESSAGE_BYTES * 2)
    d = _dead(value, key)
    body = json.loads(dead_letter_message(d, NOW))
    assert body["truncated"] is True
    assert (body["original_size"], body["original_key_size"]) == (len(value), len(key))
    assert base64.b64decode(body["original"]) == value[:DEAD_LETTER_EXCERPT_BYTES]
    assert dead_letter_key(d) == key[:DEAD_LETTER_EXCERPT_BYTES]
    assert len(dead_letter_message(d, NOW)) + len(dead_letter_key(d)) < MAX_MESSAGE_BYTES
