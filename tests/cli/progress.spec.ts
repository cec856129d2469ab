// Progress of `start --yes`: it animates only on an interactive terminal of known width outside CI, and no
// terminal width can make it loop or write without bound (nanospinner divided by a width of 0 and wrote 10.5 MB of
// escape codes in 8 s). A real pseudo-terminal of 0 columns (util-linux `script`) is checked too.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { animates, progressFor } from "../../cli/progress";
import { FakeAws } from "../fakes/aws";
import { awsProvider, awsTrail, stackExport, trailArn } from "./fixtures";

const MAIN = path.join(__dirname, "..", "..", "cli", "main.js");

function capture(isTTY: boolean, columns: number | undefined) {
  const writes: string[] = [];
  return {
    writes,
    stream: { write: (s: string) => writes.push(s), isTTY, ...(columns !== undefined ? { columns } : {}) },
  };
}

describe("start progress", () => {
  it("animates only on a terminal with a known width and CI unset", () => {
    const tty = (columns?: number) => ({
      write: () => true,
      isTTY: true,
      ...(columns !== undefined ? { columns } : {}),
    });
    assert.equal(animates(tty(80), {}), true);
    assert.equal(animates(tty(0), {}), false);
    assert.equal(animates(tty(), {}), false);
    assert.equal(animates(tty(80), { CI: "true" }), false);
    assert.equal(animates(tty(80), { TERM: "dumb" }), false);
    assert.equal(animates({ write: () => true, isTTY: false, columns: 80 }, {}), false);
  });

  it("a terminal that reports 0 columns gets one plain line per change of state", () => {
    const { writes, stream } = capture(true, 0);
    const p = progressFor(stream, "CloudTrail trail 'main'", {});
    p.update("calling StartLogging");
    p.update("calling StartLogging");
    p.update("logging (read 1)");
    p.done("logging", true);
    assert.deepEqual(writes, [
      "CloudTrail trail 'main': calling StartLogging\n",
      "CloudTrail trail 'main': logging (read 1)\n",
      "CloudTrail trail 'main': done: logging\n",
    ]);
  });

  it("on a real terminal each frame is one line no wider than the terminal, redrawn in place", () => {
    const { writes, stream } = capture(true, 30);
    const p = progressFor(stream, "CloudTrail trail 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/main'", {});
    p.update("calling StartLogging");
    p.done("logging", true);
    const frames = writes.slice(0, -1);
    assert.ok(frames.length >= 2);
    for (const f of frames) {
      assert.ok(f.startsWith("\r\u001b[2K"), JSON.stringify(f));
      assert.ok(!f.includes("\n"), JSON.stringify(f));
      assert.ok([...f.slice(5)].length <= 29, JSON.stringify(f));
    }
    const last = writes.at(-1) ?? "";
    assert.ok(last.startsWith("\r\u001b[2K✔ ") && last.endsWith(": logging\n"), JSON.stringify(last));
  });

  it("start --yes under a 0-column pseudo-terminal (script) finishes with bounded output", async function () {
    this.timeout(60_000);
    const script = spawnSync("script", ["--version"], { encoding: "utf8" });
    assert.equal(script.status, 0, "util-linux `script` is needed for this test");
    const aws = await FakeAws.start();
    try {
      aws.trails.set(trailArn("main"), { IsLogging: false });
      aws.permitWrites.add("cloudtrail:StartLogging");
      const p = awsProvider(aws.url);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-tty-"));
      const file = path.join(dir, "export.json");
      fs.writeFileSync(file, stackExport([p, awsTrail(p, "main")]));
      // `stty cols 0` inside the pseudo-terminal: what `script -qc` reports without a parent terminal.
      const command = `stty cols 0 rows 0; ${process.execPath} ${MAIN} start --file ${file} --yes --poll-interval 0.05 --wait 5`;
      const { spawn } = await import("node:child_process");
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        env: { ...process.env, CI: "", TERM: "xterm" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      assert.equal(code, 0, out);
      assert.ok(out.length < 20_000, `${out.length} bytes of output`);
      assert.match(out, /Changed \(1\)/);
      assert.match(out, /CloudTrail trail 'arn:aws:cloudtrail:eu-west-1:123456789012:trail\/main'.*: done: logging/);
      assert.equal(aws.calls("StartLogging").length, 1);
    } finally {
      await aws.close();
    }
  });
});
