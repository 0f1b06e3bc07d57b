"""What `ledger verify` checks of each entry beyond its place in the hash chain: that every
column the scorer and the report read is what the hashed payload says, and that the
agency's signature holds under the key registered for it at the entry's recorded time.
Nothing the pipeline reads escapes verification. Pure: the caller hands in rows and keys."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from shared.domain.chain import ChainRow, EntryCheck, content_digest
from shared.domain.keyring import PublicKey, check_key, check_reported_at
from shared.domain.reasons import ContractViolation
from shared.domain.signing import ALGORITHM, signature_matches
from shared.domain.temporal import _as_timestamp

_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_DERIVED = (("agency_id", "agency_id"), ("event_id", "event_id"), ("target_id", "target_id"), ("kind", "kind"),
            ("amends", "amends"))


def recorded_utc(moment: datetime) -> datetime:
    """An entry's recorded time as an aware UTC datetime (SQLite returns it naive)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def entry_check(keys: dict[str, PublicKey]) -> EntryCheck:
    """The check of one entry against its payload and the key registry (``keys``, the
    registry folded: every key with its validity)."""

    def check(row: ChainRow) -> str | None:
        try:
            event = json.loads(row.payload)
        except ValueError:
            return "its payload is not JSON"
        if type(event) is not dict:
            return "its payload is not a JSON object"
        signature = event.pop("signature", None)
        for column, member in _DERIVED:
            if getattr(row, column) != event.get(member):
                return f"its {column} column ({getattr(row, column)!r}) is not its payload's ({event.get(member)!r})"
        observed = row.observed_at.isoformat() if row.observed_at is not None else None
        if observed != event.get("observed_at"):
            return f"its observed_at column ({observed}) is not its payload's ({event.get('observed_at')})"
        canonical = _encode(event).encode("utf-8")
        if row.content_digest != content_digest(canonical):
            return "its content_digest column is not the digest of its payload"
        recorded = recorded_utc(row.recorded_at)
        if type(signature) is not dict or signature.get("alg") != ALGORITHM:
            return "its payload carries no Ed25519 signature"
        key_id = signature.get("key_id")
        try:
            check_reported_at(_as_timestamp(event.get("reported_at")), recorded)
            key = check_key(keys.get(key_id), key_id, row.agency_id, recorded)
        except (ContractViolation, ValueError) as exc:
            return f"at its recorded time {recorded.isoformat()}: {getattr(exc, 'message', exc)}"
        if not signature_matches(canonical, key.public_key, str(signature.get("value"))):
            return f"the agency's signature (key {key_id}) does not match its payload"
        return None

    return check
