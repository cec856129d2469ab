// The whole test suite: build (strict tsc), ESLint, Prettier, then mocha over the compiled tests.
// Ends with a plain "N passed, N failed" line (lint steps count as one check each).
"use strict";
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const fs = require("node:fs");
const os = require("node:os");

const root = path.join(__dirname, "..");

// Tests only ever talk to 127.0.0.1: no instance metadata, no real credentials or profiles.
const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-test-"));
// Tools the tests install (moto, the pulumi CLI, the e2e program's dependencies) live in a cache under the real
// user's home, not the sandbox HOME.
const cache =
  process.env.AUDITGUARD_CACHE ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "auditguard");
const env = { ...process.env };
for (const k of Object.keys(env)) {
  if (/^(AWS_|ALIBABA_CLOUD_|ALICLOUD_|PULUMI_)/.test(k)) delete env[k];
}
Object.assign(env, {
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  AWS_CONFIG_FILE: path.join(sandbox, "aws-config"),
  AWS_SHARED_CREDENTIALS_FILE: path.join(sandbox, "aws-credentials"),
  ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true",
  ALIBABA_CLOUD_CLI_PROFILE_DISABLED: "true",
  ALIBABA_CLOUD_CREDENTIALS_FILE: path.join(sandbox, "alibaba-credentials"),
  HOME: sandbox,
  AUDITGUARD_CACHE: cache,
});
// Every Node process the suite starts (mocha, the packs it spawns, the pulumi CLI's pack processes) carries the
// network fence: a connection to anything but loopback is refused and logged, and fails the run below.
const fenceLog = path.join(sandbox, "network-fence.log");
// The one process the fence leaves open: the npm on PATH (real path, so a symlink or a corepack shim is followed).
for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
  const npm = dir && path.join(dir, "npm");
  if (npm && fs.existsSync(npm)) {
    env.AUDITGUARD_NPM_CLI = fs.realpathSync(npm);
    break;
  }
}
env.AUDITGUARD_NETWORK_FENCE_LOG = fenceLog;
env.NODE_OPTIONS =
  `--require ${JSON.stringify(path.join(root, "scripts", "network-fence.js"))} ${env.NODE_OPTIONS ?? ""}`.trim();

let passed = 0;
let failed = 0;
function step(label, cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit" });
  if (r.status === 0) {
    passed++;
    return true;
  }
  console.error(`\n${label} failed`);
  failed++;
  return false;
}

// Stale compiled tests of deleted specs must not run.
fs.rmSync(path.join(root, "dist"), { recursive: true, force: true });
if (
  !step("build", process.execPath, [require.resolve("typescript/bin/tsc", { paths: [root] }), "-p", "tsconfig.json"])
) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(1);
}
// eslint's package "exports" hide bin/: resolve the package directory, then the bin file in it.
const eslintBin = path.join(
  path.dirname(require.resolve("eslint/package.json", { paths: [root] })),
  "bin",
  "eslint.js",
);
step("eslint", process.execPath, [eslintBin, "."]);
step("prettier", process.execPath, [require.resolve("prettier/bin/prettier.cjs", { paths: [root] }), "--check", "."]);

// AWS's official service models, which the AWS fakes validate every request against (installed on a cold cache from
// PyPI: a pinned botocore, its data only). Fetched here, before mocha, so no test's timeout pays for the install.
const models = spawnSync("bash", [path.join(root, "scripts", "botocore-models.sh")], {
  cwd: root,
  env,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
if (models.status === 0) env.AUDITGUARD_BOTOCORE_DATA = models.stdout.trim().split("\n").pop();
else console.error("scripts/botocore-models.sh failed: the AWS fakes will try again and fail without the models");

const summary = path.join(sandbox, "mocha-summary.json");
// Extra arguments select spec files by substring, e.g. `npm test -- round`.
const args = [path.join(root, "scripts", "run-mocha.js"), ...process.argv.slice(2)];
const r = spawnSync(process.execPath, args, {
  cwd: root,
  env: { ...env, MOCHA_SUMMARY_FILE: summary },
  stdio: "inherit",
});
try {
  const s = JSON.parse(fs.readFileSync(summary, "utf8"));
  passed += s.passes;
  failed += s.failures;
} catch {
  failed++;
}
if (r.status !== 0 && failed === 0) failed++;
const attempts = fs.existsSync(fenceLog) ? fs.readFileSync(fenceLog, "utf8").trim() : "";
if (attempts) {
  const lines = attempts.split("\n");
  console.error(`\nnetwork fence: ${lines.length} connection attempt(s) to hosts other than loopback:`);
  for (const l of [...new Set(lines)].slice(0, 20)) console.error(`  ${l}`);
  failed++;
} else {
  passed++;
}
fs.rmSync(sandbox, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
