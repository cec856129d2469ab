// `npm run bench:sweep`: an org-wide sweep (docs/sweeps.md) of 100 AWS accounts × 17 Regions on the loopback fake at
// a fixed latency per call: the compiled pack over the Analyzer protocol (a stack with no resources, coverageTargets
// and the reader role assumed from hub keys), then `auditguard status --sweep` over the same policy config. Prints
// figures, asserts nothing: calls (and that none is repeated), wall time in round trips, peak RSS, progress.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AwsRequest, FakeAws } from "../tests/fakes/aws";
import { AnalyzerHarness, PACK_DIR, stackResource } from "../tests/harness/analyzer";
import { awsEndpoints } from "../tests/harness/fixtures";
import { mandatoryAwsCoverageConfig } from "../tests/harness/sweep";
import { peakRssMb } from "./proc";
import { SIXTEEN_REGIONS } from "./stacks";

const ACCOUNT_COUNT = Number(process.env["SWEEP_ACCOUNTS"] ?? 100);
const LATENCY_MS = Number(process.env["SWEEP_LATENCY_MS"] ?? 100);
/** The 16 Regions of the issue-9 bench and ap-northeast-3. */
const REGIONS = [...SIXTEEN_REGIONS, "ap-northeast-3"];
const ACCOUNTS = Array.from({ length: ACCOUNT_COUNT }, (_, i) => String(100000000000 + i * 1111));
/** One account keeps a single-region trail per Region, the one in eu-west-1 stopped: exactly one violation. */
const STOPPED = { account: ACCOUNTS[42] ?? ACCOUNTS[0] ?? "", region: "eu-west-1" };
const HUB = {
  AUDITGUARD_AWS_ACCESS_KEY_ID: "ASIABENCHHUBSESSION1",
  AUDITGUARD_AWS_SECRET_ACCESS_KEY: "bench-hub-secret",
};
const TEMPLATE = "arn:aws:iam::{account}:role/auditguard-reader";

function organisation(fake: FakeAws): void {
  const t = Math.floor(Date.now() / 1000);
  const logging = { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 };
  for (const account of ACCOUNTS) {
    fake.roles.set(`arn:aws:iam::${account}:role/auditguard-reader`, `AGBENCH${account}`);
    if (account === STOPPED.account) {
      for (const region of REGIONS) {
        const arn = `arn:aws:cloudtrail:${region}:${account}:trail/regional`;
        fake.trails.set(arn, region === STOPPED.region ? { IsLogging: false, StopLoggingTime: t - 60 } : logging);
        fake.trailSetups.set(arn, { isMultiRegion: false });
      }
    } else {
      const arn = `arn:aws:cloudtrail:us-east-1:${account}:trail/baseline`;
      fake.trails.set(arn, logging);
      fake.trailSetups.set(arn, { isMultiRegion: true });
    }
  }
  for (const region of REGIONS) fake.recorders.set(`${region}/default`, { recording: true, lastStatus: "SUCCESS" });
}

/** Calls by action, account (of the signing key) and Region, with their parameters: a repeated one is waste. */
function repeated(fake: FakeAws, requests: readonly AwsRequest[]): number {
  const seen = new Set<string>();
  let n = 0;
  for (const r of requests) {
    const k = `${r.action}|${fake.accountOf(r)}|${r.region}|${JSON.stringify(r.body)}`;
    if (seen.has(k)) n++;
    seen.add(k);
  }
  return n;
}

function byAction(requests: readonly AwsRequest[]): string {
  const m = new Map<string, number>();
  for (const r of requests) m.set(r.action, (m.get(r.action) ?? 0) + 1);
  return [...m]
    .sort()
    .map(([a, n]) => `${a} ${n}`)
    .join(", ");
}

/** CPU seconds (user + system) a live process has used so far. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

const live = (targets: boolean): Record<string, unknown> => ({
  awsAuditRole: TEMPLATE,
  auditRoleSource: "ambient",
  ...(targets ? { coverageTargets: [{ cloud: "aws", accounts: ACCOUNTS, regions: REGIONS }] } : {}),
});

async function pack(fake: FakeAws): Promise<void> {
  const analyze = async (
    targets: boolean,
  ): Promise<{ ms: number; rss: number | undefined; cpu: number; diags: number[] }> => {
    const h = await AnalyzerHarness.start({
      dryRun: true,
      env: HUB,
      config: { "aws:endpoints": JSON.stringify(awsEndpoints(fake.url)) },
      rpcTimeoutMs: 600_000,
      policies: {
        "aws-cloudtrail-account-coverage": "mandatory",
        "aws-config-account-coverage": "mandatory",
        "auditguard-live-verification": live(targets),
      },
    });
    try {
      const cpu0 = cpuSeconds(h.pid) ?? 0;
      const t = process.hrtime.bigint();
      const res = await h.analyzeStack([stackResource()]);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      const cpu = (cpuSeconds(h.pid) ?? 0) - cpu0;
      const count = (p: string): number => res.diagnostics.filter((d) => d.policyName === p).length;
      return {
        ms,
        rss: peakRssMb(h.pid),
        cpu,
        diags: [
          count("aws-cloudtrail-account-coverage"),
          count("aws-config-account-coverage"),
          count("auditguard-live-verification"),
        ],
      };
    } finally {
      await h.close();
    }
  };
  const base = await analyze(false);
  fake.requests.length = 0;
  const run = await analyze(true);
  const sweepMs = run.ms - base.ms;
  console.log(
    `pack, ${ACCOUNTS.length} accounts x ${REGIONS.length} Regions (${ACCOUNTS.length * REGIONS.length} targets), ` +
      `${LATENCY_MS} ms per call: ${fake.requests.length} calls (${byAction(fake.requests)}), ` +
      `${repeated(fake, fake.requests)} repeated; AnalyzeStack ${run.ms.toFixed(0)} ms, ${base.ms.toFixed(0)} ms without ` +
      `targets: the sweep ~${sweepMs.toFixed(0)} ms = ${(sweepMs / LATENCY_MS).toFixed(1)} round trips; ` +
      `the pack's CPU ${run.cpu.toFixed(1)} s (${((run.cpu * 1000) / fake.requests.length).toFixed(2)} ms a call); ` +
      `peak RSS ${run.rss?.toFixed(0) ?? "?"} MB (${base.rss?.toFixed(0) ?? "?"} MB without targets); ` +
      `trail violations ${run.diags[0]} (expected 1), Config violations ${run.diags[1]} (expected 0), undetermined ${run.diags[2]} (expected 0)`,
  );
}

async function cli(fake: FakeAws): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ag-bench-sweep-"));
  const file = path.join(dir, "sweep.json");
  writeFileSync(file, mandatoryAwsCoverageConfig(live(true)));
  fake.requests.length = 0;
  try {
    const t = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [path.join(PACK_DIR, "dist", "cli", "main.js"), "status", "--sweep", "--policy-config", file, "--json"],
      {
        env: {
          ...process.env,
          ...HUB,
          CI: "true",
          PULUMI_CONFIG: JSON.stringify({ "aws:endpoints": JSON.stringify(awsEndpoints(fake.url)) }),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // VmHWM only grows: the last reading before the process ends is its peak.
    let rss: number | undefined;
    let cpu: number | undefined;
    const poll = setInterval(() => {
      rss = peakRssMb(child.pid) ?? rss;
      cpu = cpuSeconds(child.pid) ?? cpu;
    }, 50);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearInterval(poll);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const rows = (JSON.parse(stdout) as { resources: { verdict: string }[] }).resources;
    const n = (v: string): number => rows.filter((r) => r.verdict === v).length;
    const progress = stderr.trim().split("\n");
    console.log(
      `auditguard status --sweep, same targets: exit ${code}; ${fake.requests.length} calls, ` +
        `${repeated(fake, fake.requests)} repeated; ${ms.toFixed(0)} ms wall (process start included) = ` +
        `${(ms / LATENCY_MS).toFixed(1)} round trips; CPU ~${cpu?.toFixed(1) ?? "?"} s; peak RSS ~${rss?.toFixed(0) ?? "?"} MB; ` +
        `${rows.length} rows: ` +
        `${n("healthy")} healthy, ${n("violation")} violation, ${n("undetermined")} undetermined; ` +
        `${progress.length} progress lines on stderr, last: ${progress[progress.length - 1] ?? ""}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = LATENCY_MS;
  organisation(fake);
  try {
    await pack(fake);
    await cli(fake);
  } finally {
    await fake.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
