// The installed command: package.json "bin" points at the compiled entry, `npm pack` ships it, and
// `--help` works for the program and every command, as a real process.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { selfCommand, startCommandFor, startNowCommandFor } from "../../lib/start-command";
import { FakeAws } from "../fakes/aws";
import { awsProvider, awsTrail, stackExport, trailArn } from "./fixtures";

const root = path.join(__dirname, "..", "..", "..");
const main = path.join(root, "dist", "cli", "main.js");

function cli(...args: string[]) {
  return spawnSync(process.execPath, [main, ...args], { encoding: "utf8", cwd: root, timeout: 60_000 });
}

describe("auditguard binary", () => {
  it('package.json "bin" names dist/cli/main.js, which starts with a node shebang', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { bin: Record<string, string> };
    assert.deepEqual(pkg.bin, { auditguard: "dist/cli/main.js" });
    assert.match(readFileSync(main, "utf8"), /^#!\/usr\/bin\/env node\n/);
  });

  it("npm pack ships the command", function () {
    this.timeout(60_000);
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const [info] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
    const files = new Set(info?.files.map((f) => f.path));
    for (const f of [
      "dist/cli/main.js",
      "dist/cli/report.js",
      "dist/lib/aws/start.js",
      "dist/lib/alicloud/start.js",
      "docs/aws-iam-start-policy.json",
    ]) {
      assert.ok(files.has(f), f);
    }
  });

  for (const args of [["--help"], ["status", "--help"], ["start", "--help"], ["report", "--help"]]) {
    it(`auditguard ${args.join(" ")} prints usage and exits 0`, () => {
      const r = cli(...args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Usage: auditguard/);
      if (args[0] !== "--help") assert.match(r.stdout, /Example:/);
    });
  }

  it("an unknown command or option exits 3 (usage) with usage on stderr", () => {
    const r = cli("stop");
    assert.equal(r.status, 3);
    assert.match(r.stderr, /unknown command 'stop'/);
    const f = cli("report", "x", "--format", "pdf");
    assert.equal(f.status, 3);
    assert.match(f.stderr, /Allowed choices are text, markdown, sarif, junit/);
  });

  it("--version prints the package's version; --help lists the exit codes", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
    const v = cli("--version");
    assert.equal(v.status, 0);
    assert.equal(v.stdout, `${pkg.version}\n`);
    const h = cli("--help");
    for (const line of [
      / 0 +clean/,
      / 1 +violations/,
      / 2 +undetermined/,
      / 3 +usage or input error/,
      / 4 +start failed/,
    ]) {
      assert.match(h.stdout, line);
    }
  });

  it("report - reads events from stdin as a real process and exits 1 on a mandatory violation", () => {
    const summary = JSON.stringify({
      sequence: 2,
      timestamp: 2,
      summaryEvent: { PolicyPacks: { auditguard: "0.1.0" }, result: "failed", isPreview: false },
    });
    const event = JSON.stringify({
      sequence: 1,
      timestamp: 1,
      policyEvent: {
        resourceUrn: "urn:pulumi:dev::p::aws:cloudtrail/trail:Trail::t",
        message: "<{%fg 1%}>stopped<{%reset%}>",
        color: "raw",
        policyName: "aws-cloudtrail-trail-logging",
        policyPackName: "auditguard",
        policyPackVersion: "0.1.0",
        policyPackVersionTag: "0.1.0",
        enforcementLevel: "mandatory",
      },
    });
    const r = spawnSync(process.execPath, [main, "report", "-", "--format", "markdown"], {
      input: `${event}\n${summary}\n`,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stdout,
      /\| stopped \| t <sub>aws:cloudtrail\/trail:Trail<\/sub> \| \*\*mandatory\*\* \| \[aws-cloudtrail-trail-logging\]\(https:[^)]+\) \|/,
    );
  });

  it("status --file as a real process: reads the export, calls the fake, exits 1 on a stopped trail, and ends", async () => {
    const aws = await FakeAws.start();
    try {
      aws.trails.set(trailArn("main"), { IsLogging: false });
      const p = awsProvider(aws.url);
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), "auditguard-bin-")), "export.json");
      writeFileSync(file, stackExport([p, awsTrail(p, "main")]));
      // Asynchronous spawn: the fake answers from this process's event loop.
      const child = spawn(process.execPath, [main, "status", "--file", file], { cwd: root });
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      assert.equal(code, 1, stdout);
      assert.match(
        stdout,
        /main\s+CloudTrail trail\s+arn:aws:cloudtrail:eu-west-1:123456789012:trail\/main\s+eu-west-1\s+not logging\s+violation/,
      );
      assert.deepEqual(
        aws.requests.map((r) => r.action),
        ["GetTrailStatus"],
      );
    } finally {
      await aws.close();
    }
  });

  it("startCommandFor names a command that runs where it is read: this pack's main.js unless PATH's auditguard is it", () => {
    // On this test's PATH there is no auditguard of this checkout: the message names node and the file.
    const self = `node ${path.join(root, "dist", "cli", "main.js")}`;
    assert.equal(selfCommand(), self);
    assert.equal(startCommandFor("dev"), `${self} start --stack dev`);
    assert.equal(startCommandFor("org/proj/prod"), `${self} start --stack org/proj/prod`);
    assert.equal(startCommandFor(), `${self} start --stack <stack>`);
    assert.equal(startCommandFor("x; rm -rf /"), `${self} start --stack <stack>`);
    assert.equal(startNowCommandFor("dev"), `${self} start --stack dev --yes`);
    // An `auditguard` on PATH that is this pack's command (npm link, npm install -g): the short name.
    const bin = mkdtempSync(path.join(os.tmpdir(), "auditguard-path-"));
    // npm makes a bin's target executable when it links it.
    chmodSync(path.join(root, "dist", "cli", "main.js"), 0o755);
    symlinkSync(path.join(root, "dist", "cli", "main.js"), path.join(bin, "auditguard"));
    assert.equal(selfCommand({ PATH: bin }), "auditguard");
    // Someone else's auditguard is not ours.
    const other = mkdtempSync(path.join(os.tmpdir(), "auditguard-path-"));
    writeFileSync(path.join(other, "auditguard"), "#!/bin/sh\n", { mode: 0o755 });
    assert.equal(selfCommand({ PATH: other }), self);
    // Under npm (npm test, npm run preview) node_modules/.bin is on PATH only for npm's scripts: an auditguard there
    // does not run in the reader's shell, so the message names the file.
    const npmBin = path.join(mkdtempSync(path.join(os.tmpdir(), "auditguard-npm-")), "node_modules", ".bin");
    mkdirSync(npmBin, { recursive: true });
    symlinkSync(path.join(root, "dist", "cli", "main.js"), path.join(npmBin, "auditguard"));
    assert.equal(selfCommand({ PATH: npmBin }), "auditguard");
    assert.equal(selfCommand({ PATH: npmBin, npm_execpath: "/usr/lib/node_modules/npm/bin/npm-cli.js" }), self);
    assert.equal(
      selfCommand({ PATH: [npmBin, bin].join(path.delimiter), npm_execpath: "/usr/lib/npm-cli.js" }),
      "auditguard",
    );
    // A command that was never built is not named by a path that does not exist.
    assert.equal(selfCommand({ PATH: other }, path.join(root, "no-such-dir", "main.js")), "auditguard");
  });

  it("the printed command runs as printed, from another directory", () => {
    const words = startCommandFor("dev").split(" ");
    const r = spawnSync(words[0] ?? "", [...words.slice(1, -3), "--version"], { cwd: os.tmpdir(), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });
});
