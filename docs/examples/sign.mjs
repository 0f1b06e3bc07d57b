// Sign a progress event (docs/contract.md, section 5) with node:crypto (Node 16 or later).
//
//     node sign.mjs ha-noi.key.pem event.json > signed.json
//
// KEY is the private key file `tiendo agency key new` wrote (the header lines agency_id and
// key_id, then PKCS#8 PEM); EVENT is one event, unsigned. Prints the signed event.

import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";

// RFC 8785 for what an event holds: members sorted by UTF-16 code units (what sort()
// does), null members left out, strings and numbers spelled by JSON.stringify, whose
// spelling RFC 8785 adopts. (The npm package `canonicalize` does the same, less the nulls.)
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const names = Object.keys(value).filter((name) => value[name] !== null).sort();
    return `{${names.map((name) => `${JSON.stringify(name)}:${canonical(value[name])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const [keyPath, eventPath] = process.argv.slice(2);
const pem = readFileSync(keyPath, "utf8");
const headers = Object.fromEntries(
  pem.split("-----BEGIN")[0].split("\n").filter((line) => line.includes(": "))
    .map((line) => [line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2).trim()]),
);
const key = createPrivateKey(pem.slice(pem.indexOf("-----BEGIN")));
const event = JSON.parse(readFileSync(eventPath, "utf8"));
delete event.signature;
if (event.agency_id !== headers.agency_id) {
  console.error(`${keyPath} is the key of ${headers.agency_id}, not of ${event.agency_id}`);
  process.exit(1);
}
const value = sign(null, Buffer.from(canonical(event), "utf8"), key).toString("hex");
event.signature = { alg: "Ed25519", key_id: headers.key_id, value };
process.stdout.write(`${canonical(event)}\n`);
