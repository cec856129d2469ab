// The suite's network fence (scripts/network-fence.js, preloaded into every Node process of `npm test`): a
// connection to anything but loopback is refused before any lookup and logged; npm's own process is left unfenced
// so installs of test tools reach the registry on a new machine, while what npm starts is fenced again. Checked in
// child processes with their own log, so nothing here counts against the suite's fence log; nothing leaves the host.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PACK_DIR } from "../harness/analyzer";

const FENCE = path.join(PACK_DIR, "scripts", "network-fence.js");

/** Runs `script` as the main module at `file` with the fence preloaded; returns stdout and the fence's log. */
function runFenced(file: string, script: string): { stdout: string; log: string } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, script);
  const log = path.join(path.dirname(file), "fence.log");
  const r = spawnSync(process.execPath, ["--require", FENCE, file], {
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "", AUDITGUARD_NETWORK_FENCE_LOG: log },
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout.trim(), log: fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "" };
}

// Whether the fence replaced Socket#connect (no connection is made to learn it).
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

  it("refuses a connection to a non-loopback host before any lookup, and logs it", () => {
    const { stdout, log } = runFenced(path.join(dir, "app", "main.js"), PROBE);
    assert.equal(stdout, "ECONNREFUSED fenced");
    assert.match(log, /^auditguard-fence-probe\.invalid:443 from /);
  });

  it("leaves npm's own process unfenced (npm/bin/npm-cli.js, npx-cli.js)", () => {
    for (const main of ["npm-cli.js", "npx-cli.js"]) {
      const { stdout } = runFenced(path.join(dir, "lib", "node_modules", "npm", "bin", main), INSPECT);
      assert.notEqual(stdout, "fencedConnect", `${main}: Node's own Socket#connect`);
    }
    assert.equal(runFenced(path.join(dir, "app", "main.js"), INSPECT).stdout, "fencedConnect");
  });

  it("fences a script merely named npm-cli.js outside an npm package", () => {
    const { stdout } = runFenced(path.join(dir, "elsewhere", "bin", "npm-cli.js"), PROBE);
    assert.equal(stdout, "ECONNREFUSED fenced");
  });
});
