// Builds the pack on `npm install` / `npm ci` in a checkout, so `pulumi preview --policy-pack <dir>` runs compiled JS.
// A published pack (what `pulumi policy publish` uploads, then installs) ships dist/ and no tests/: it is used as
// shipped. Its install may still bring TypeScript (a peer of ts-node, itself a peer of @pulumi/pulumi) but not the
// dev-only type packages the sources need, so rebuilding there would fail for no gain.
"use strict";
const { execFileSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const shipped = existsSync(path.join(root, "dist", "index.js"));
if (shipped && !existsSync(path.join(root, "tests"))) process.exit(0);
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
} catch {
  if (shipped) process.exit(0);
  console.error("auditguard: TypeScript is not installed and dist/ is missing; run `npm ci` with dev dependencies.");
  process.exit(1);
}
execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
