"""Publishing a file of events to the raw topic, as an agency system would."""

from __future__ import annotations

import json
from datetime import date
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from shared.domain.events import ProgressReported, Signature, canonical_bytes, parse_event, to_json_bytes
from shared.domain.reasons import ContractViolation
from shared.domain.signing import ALGORITHM, sign
from shared.keyfiles import PRIVATE_SUFFIX, SigningKey
from shared.kafka import Producer


def sign_event(event: ProgressReported, key: SigningKey) -> ProgressReported:
    """The event with a signature by `key` over its canonical bytes."""
    value = sign(canonical_bytes(event), key.private_key)
    return event.model_copy(update={"signature": Signature(alg=ALGORITHM, key_id=key.key_id, value=value)})


@dataclass
class PublishResult:
    """What `publish_lines` sent."""

    sent: int = 0
    signed: int = 0
    unparsed: int = 0


def _agency_of(line: bytes) -> str | None:
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    agency = obj.get("agency_id") if isinstance(obj, dict) else None
    return agency if isinstance(agency, str) else None


def keys_in_dir(directory: Path) -> Callable[[str], SigningKey | None]:
    """Look up `<directory>/<agency_id>.key.pem`, as written by `tiendo agency key new`."""
    cache: dict[str, SigningKey | None] = {}

    def key_for(agency_id: str) -> SigningKey | None:
        if agency_id not in cache:
            path = directory / f"{agency_id}{PRIVATE_SUFFIX}"
            cache[agency_id] = SigningKey.load(path) if path.is_file() else None
        return cache[agency_id]

    return key_for


def publish_lines(lines: Iterable[bytes], producer: Producer, topic: str,
                  key_for: Callable[[str], SigningKey | None] | None = None,
                  on_sent: Callable[[int], None] = lambda n: None) -> PublishResult:
    """Send each non-blank line as one message keyed by its agency_id. With `key_for`,
    an unsigned event that parses is signed with the key it returns for the event's
    agency; anything else is sent as it is, so the pipeline (not this command) decides
    what is wrong with it."""
    result = PublishResult()
    for raw in lines:
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        if key_for is not None:
            try:
                # date.max: publishing signs what the agency says; the pipeline judges dates.
                event = parse_event(line, today=date.max)
            except ContractViolation:
                result.unparsed += 1
            else:
                key = key_for(event.agency_id) if event.signature is None else None
                if key is not None:
                    line = to_json_bytes(sign_event(event, key))
                    result.signed += 1
        producer.send(topic, _agency_of(line), line)
        result.sent += 1
        on_sent(1)
    producer.flush()
    return result
