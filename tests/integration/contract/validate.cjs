// The JavaScript side of tests/integration/test_contract_validators.py: Ajv judges
// instances with the published JSON Schema (draft 2020-12, every strict option on), and
// @asyncapi/parser validates the AsyncAPI document. Reads one job file (JSON):
//   {"judge": {<name>: {"schema": <schema>, "instances": [<JSON text>, ...]}}, "asyncapi": <path>}
// and prints {"verdicts": {<name>: [true|false, ...]}, "asyncapi": {"parsed", "diagnostics"}}.
// CommonJS so that NODE_PATH finds the packages installed under .local/npm-contract.
"use strict";

const fs = require("node:fs");
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;
const { Parser, fromFile } = require("@asyncapi/parser");

function judge(schema, instances) {
  // A new instance each time: a schema's $id may be registered once per Ajv instance.
  // strict: true turns every strict option into an error (unknown keywords and formats,
  // types, required, tuples), beyond Ajv's default, which only logs some of them.
  const ajv = new Ajv2020({ strict: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  // JSON.parse as an agency's Node system would read the text (80.0 becomes 80).
  return instances.map((text) => validate(JSON.parse(text)));
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const verdicts = {};
  for (const [name, { schema, instances }] of Object.entries(job.judge)) {
    verdicts[name] = judge(schema, instances);
  }
  const { document, diagnostics } = await fromFile(new Parser(), job.asyncapi).parse();
  const found = diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, path: d.path }));
  process.stdout.write(JSON.stringify({ verdicts, asyncapi: { parsed: document !== undefined, diagnostics: found } }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
