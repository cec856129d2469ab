// The suite's network fence (scripts/network-fence.js, preloaded into every Node process of `npm test`): a
// connection to anything but loopback is refused before any lookup and logged. Only the npm on PATH that
// scripts/test.js names (AUDITGUARD_NPM_CLI) is left unfenced, so installs of test tools reach the registry on a new
// machine; what npm starts is fenced again. Checked in child processes with their own log, so nothing here counts
// against the suite's fence log; no connection leaves the host.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PACK_DIR } from "../harness/analyzer";

const FENCE = path.join(PACK_DIR, "scripts", "network-fence.js");
const REAL_NPM = process.env["AUDITGUARD_NPM_CLI"] ?? "";

// Whether the fence replaced Socket#connect in this process (no connection is made to learn it).
const INSPECT = `console.log(require("node:net").Socket.prototype.connect.name);`;
// Connects to a reserved, unresolvable name: the fence refuses it before any DNS lookup.
const PROBE = `
const net = require("node:net");
const s = net.connect({ host: "auditguard-fence-probe.invalid", port: 443 });
s.on("error", (e) => console.log(e.code + " " + (/test network fence/.test(e.message) ? "fenced" : "unfenced")));
`;

describe("the test network fence", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-fence-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs `script` as the main module at `file` with the fence preloaded; returns stdout and the fence's log. */
  function runFenced(file: string, script: string, npmCli = REAL_NPM): { stdout: string; log: string } {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, script);
    const log = path.join(dir, "fence.log");
    const r = spawnSync(process.execPath, ["--require", FENCE, file], {
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", AUDITGUARD_NETWORK_FENCE_LOG: log, AUDITGUARD_NPM_CLI: npmCli },
      timeout: 20_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return { stdout: r.stdout.trim(), log: fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "" };
  }

  it("refuses a connection to a non-loopback host before any lookup, and logs it", () => {
    const { stdout, log } = runFenced(path.join(dir, "app", "main.js"), PROBE);
    assert.equal(stdout, "ECONNREFUSED fenced");
    assert.match(log, /^auditguard-fence-probe\.invalid:443 from /);
  });

  it("leaves exactly the named npm (and the npx beside it) unfenced; a look-alike npm-cli.js elsewhere stays fenced", () => {
    const npm = path.join(dir, "lib", "node_modules", "npm", "bin", "npm-cli.js");
    for (const main of [npm, path.join(path.dirname(npm), "npx-cli.js")]) {
      assert.notEqual(runFenced(main, INSPECT, npm).stdout, "fencedConnect", `${main}: Node's own Socket#connect`);
    }
    const other = path.join(dir, "other", "node_modules", "npm", "bin", "npm-cli.js");
    assert.equal(runFenced(other, PROBE, npm).stdout, "ECONNREFUSED fenced");
    assert.equal(runFenced(npm, INSPECT, "").stdout, "fencedConnect", "nothing is exempt when no npm is named");
  });

  it("the real npm: its own process is unfenced, the script it runs (`npm run`) is fenced again", () => {
    assert.ok(REAL_NPM.endsWith(".js") || fs.existsSync(REAL_NPM), `scripts/test.js names the npm: ${REAL_NPM}`);
    const report = path.join(dir, "report.txt");
    const inspect = path.join(dir, "inspect.js");
    fs.writeFileSync(
      inspect,
      `require("node:fs").appendFileSync(${JSON.stringify(report)}, require("node:fs").realpathSync(process.argv[1]) + " " + require("node:net").Socket.prototype.connect.name + "\\n");`,
    );
    fs.writeFileSync(path.join(dir, "probe.js"), "");
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "fence-probe", version: "1.0.0", scripts: { probe: "node probe.js" } }),
    );
    const r = spawnSync("npm", ["run", "--silent", "probe"], {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        AUDITGUARD_NETWORK_FENCE_LOG: path.join(dir, "fence.log"),
        NODE_OPTIONS: `--require ${JSON.stringify(FENCE)} --require ${JSON.stringify(inspect)}`,
      },
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = fs.readFileSync(report, "utf8").trim().split("\n");
    assert.deepEqual(
      lines.map((l) => [path.basename(l.split(" ")[0] ?? ""), l.split(" ")[1] === "fencedConnect"]),
      [
        [path.basename(REAL_NPM), false],
        ["probe.js", true],
      ],
      lines.join("\n"),
    );
  });
});
