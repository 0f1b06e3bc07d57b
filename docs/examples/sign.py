"""Sign a progress event (docs/contract.md, section 5) with the `cryptography` package.

    python sign.py ha-noi.key.pem event.json > signed.json

KEY is the private key file `tiendo agency key new` wrote (the header lines agency_id and
key_id, then PKCS#8 PEM); EVENT is one event, unsigned. Prints the signed event.
"""

import json
import sys

from cryptography.hazmat.primitives.serialization import load_pem_private_key


def without_nulls(value):
    if isinstance(value, dict):
        return {name: without_nulls(v) for name, v in value.items() if v is not None}
    return value


def canonical(value):
    # RFC 8785 for what an event holds (ASCII member names, integers): members sorted,
    # no white space, text as UTF-8 with only ", \ and control characters escaped.
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def main(key_path, event_path):
    with open(key_path, encoding="utf-8") as f:
        pem = f.read()
    headers = dict(line.split(": ", 1) for line in pem.split("-----BEGIN")[0].splitlines() if ": " in line)
    key = load_pem_private_key(pem.encode("utf-8"), password=None)
    with open(event_path, encoding="utf-8") as f:
        event = without_nulls(json.load(f))
    event.pop("signature", None)
    if event.get("agency_id") != headers["agency_id"]:
        sys.exit(f"{key_path} is the key of {headers['agency_id']}, not of {event.get('agency_id')}")
    value = key.sign(canonical(event)).hex()
    event["signature"] = {"alg": "Ed25519", "key_id": headers["key_id"], "value": value}
    sys.stdout.buffer.write(canonical(event) + b"\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
