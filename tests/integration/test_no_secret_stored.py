"""Issue 13: nothing Tiến độ stores can sign an agency's event. An insider with full read
access to the database and to every file Tiến độ writes (its data directory) collects
every candidate secret there — each 32-byte value written as hex or base64, each PEM
private key — signs an event for every agency with each, and sends them all: ingest
accepts none. (With the HMAC secrets of before, stored in agency_keys, it accepted one
for every agency.) On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timezone

from sqlalchemy import MetaData, select

from shared.db.dead_letters import DeadLetterStore
from shared.domain.signing import key_id_for, public_key_of
from shared.keyfiles import SigningKey
from tests.factories import event_dict, signed_bytes
from tests.integration.pipeline import Pipeline

AGENCIES = ("ha-noi", "hue", "bo-tu-phap")
_HEX = re.compile(rb"[0-9a-fA-F]{64}")
_B64 = re.compile(rb"[A-Za-z0-9+/_-]{43}=?")
_PEM = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S)


def _everything_readable(pipe: Pipeline) -> list[bytes]:
    """Every value of every row of every table, and every file under the data directory."""
    blobs = []
    meta = MetaData()
    meta.reflect(pipe.engine)
    with pipe.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                blobs.extend(v if isinstance(v, bytes) else str(v).encode() for v in row if v is not None)
    blobs.extend(p.read_bytes() for p in pipe.settings.data_dir.rglob("*") if p.is_file())
    return blobs


def _candidate_secrets(blobs: list[bytes]) -> set[bytes]:
    found = set()
    for blob in blobs:
        found.update(bytes.fromhex(m.decode()) for m in _HEX.findall(blob))
        for m in _B64.findall(blob):
            try:
                raw = base64.b64decode(m + b"=" * (-len(m) % 4), altchars=b"-_" if b"-" in m or b"_" in m else None)
            except binascii.Error:
                continue
            if len(raw) == 32:
                found.add(raw)
        for pem in _PEM.findall(blob):
            try:
                found.add(SigningKey.load_pem(pem).private_key.private_bytes_raw())
            except ValueError:
                continue
    return found


def test_nothing_read_from_the_database_or_the_data_directory_signs_an_accepted_event(settings, tmp_path):
    pipe = Pipeline(settings)
    agencies_keys = {a: SigningKey.generate(a) for a in AGENCIES}
    for key in agencies_keys.values():  # registered as the operator would: public keys only
        pipe.keys.register(key.key_id, key.agency_id, key.public_key, "test",
                           valid_from=datetime(2020, 1, 1, tzinfo=timezone.utc))
    genuine = [(a, signed_bytes(event_dict(a, event_id=f"{a}-genuine"), k)) for a, k in agencies_keys.items()]
    pipe.publish(genuine)
    pipe.ingest(replay_clock=False)
    assert pipe.ledger.ledger_size() == len(AGENCIES)

    candidates = _candidate_secrets(_everything_readable(pipe))
    assert candidates, "the search found nothing to try: it would prove nothing"
    registered = {k.key_id for k in pipe.keys.all().values()}
    forged = []
    for i, secret in enumerate(sorted(candidates)):
        for agency in AGENCIES:
            attempt = SigningKey.derived(agency, secret)
            # A secret whose public key is registered would sign validly: there must be none.
            assert key_id_for(agency, public_key_of(attempt.private_key)) not in registered
            forged.append((agency, signed_bytes(event_dict(agency, event_id=f"{agency}-forged-{i}"), attempt)))
    pipe.publish(forged)
    worker = pipe.ingest(replay_clock=False)
    assert worker.stats.appended == 0 and pipe.ledger.ledger_size() == len(AGENCIES)
    reasons = {d.reason_code for d in DeadLetterStore(pipe.engine).list(include_requeued=True)}
    assert reasons == {"unknown_key"}
    pipe.dispose()
