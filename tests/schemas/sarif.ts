// The published SARIF 2.1.0 JSON schema (OASIS sarif-spec), compiled once per caller, for the report tests.

import fs from "node:fs";
import path from "node:path";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";

/** From dist/tests/schemas back to the repository's tests/schemas: the schema is data, tsc does not copy it. */
const SCHEMA = path.join(__dirname, "..", "..", "..", "tests", "schemas", "sarif-schema-2.1.0.json");

export function sarifValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, "utf8")) as object);
}
