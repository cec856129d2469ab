// Builds the pack on `npm install` / `npm ci` in a checkout (the root package's postinstall), so `pulumi preview
// --policy-pack <dir>` runs compiled JavaScript. It is not a `prepare`/`prepack` script on purpose: `npm pack` runs
// those and prints their banner on stdout, and `pulumi policy publish` takes npm pack's whole stdout as the tarball's
// file name. After editing sources, `npm run build` before publishing.
// A published pack (the tarball `pulumi policy publish` uploads; Pulumi Cloud's CLI extracts it and runs
// `npm install` in it) ships dist/ and no tests/: it is used as shipped, whatever that install brings.
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
