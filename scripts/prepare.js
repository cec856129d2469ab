// Builds the pack on `npm install` / `npm ci`, so `pulumi preview --policy-pack <dir>` runs compiled JS.
// An install without dev dependencies (e.g. a published pack installed with --omit=dev) already ships dist/.
"use strict";
const { execFileSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
} catch {
  if (existsSync(path.join(root, "dist", "index.js"))) process.exit(0);
  console.error("auditguard: TypeScript is not installed and dist/ is missing; run `npm ci` with dev dependencies.");
  process.exit(1);
}
execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
