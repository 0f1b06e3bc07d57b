"""The cost of one signature verification per event, as ingest pays it: Ed25519 through
libsodium (PyNaCl, what ingest uses) and through `cryptography`, against the HMAC-SHA256
the project used before issue 13. CPU seconds of this process, medians of ``rounds``."""

from __future__ import annotations

import hashlib
import hmac
import statistics
import time
from datetime import date

import nacl.signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.domain.examples import EXAMPLES
from shared.domain.events import canonical_bytes, parse_event


def _per_call_us(fn, n: int, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(n):
            fn()
        samples.append((time.process_time() - start) / n * 1e6)
    return statistics.median(samples)


def measure(n: int = 5000, rounds: int = 5) -> dict[str, float]:
    """Microseconds of CPU per verification of the contract's example event."""
    message = canonical_bytes(parse_event(EXAMPLES["measurement_ratio"], today=date.max))
    private = Ed25519PrivateKey.generate()
    signature = private.sign(message)
    public = private.public_key()
    nacl_key = nacl.signing.VerifyKey(public.public_bytes_raw())
    secret = hashlib.sha256(b"hmac").digest()
    mac = hmac.digest(secret, message, "sha256")
    return {
        "ed25519_pynacl_us": _per_call_us(lambda: nacl_key.verify(message, signature), n, rounds),
        "ed25519_cryptography_us": _per_call_us(lambda: public.verify(signature, message), n, rounds),
        "hmac_sha256_us": _per_call_us(lambda: hmac.compare_digest(hmac.digest(secret, message, "sha256"), mac),
                                       n, rounds),
    }


if __name__ == "__main__":
    for name, us in measure().items():
        print(f"{name}: {us:.1f} µs CPU per verification")
