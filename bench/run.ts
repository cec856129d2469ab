// `npm run bench`: the whole compiled pack driven over the Analyzer gRPC protocol, as the engine does.
// Prints the issue-17 table (every figure side by side, medians and spreads over interleaved repeats, each
// against its target) and then some context figures; numbers, not assertions (the test suite makes none
// about time). BENCH_REPEAT sets the repeats (default 5), BENCH_ONLY=a,b runs some cases only, BENCH_PACK_DIR
// measures another built checkout of the pack (the "before" of a change) with this bench, BENCH_BASE_DIR adds a
// cold-start A/B of this pack against another built checkout, run for run.

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FakeAlibaba } from "../tests/fakes/alibaba";
import { type AwsRequest, FakeAws } from "../tests/fakes/aws";
import {
  AnalyzerHarness,
  PACK_DIR,
  explicitProvider,
  type PolicyOverride,
  resource,
  type ResourceSpec,
  stackResource,
} from "../tests/harness/analyzer";
import { peakRssMb } from "./proc";
import { coverageStack, SIXTEEN_REGIONS } from "./stacks";

const OUT = path.join(PACK_DIR, ".bench-out");
/** The pack measured: this checkout's, or another built checkout's (BENCH_PACK_DIR, e.g. a worktree of main). */
const PACK = process.env["BENCH_PACK_DIR"] ?? PACK_DIR;
/** Another built checkout to compare cold starts with, run for run (BENCH_BASE_DIR, e.g. a worktree of main). */
const BASE = process.env["BENCH_BASE_DIR"];
const REPEAT = Math.max(1, Number(process.env["BENCH_REPEAT"] ?? 5));

// ---- statistics and the table ------------------------------------------------------------------

interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

function spread(xs: readonly number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length === 0 ? NaN : s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
  return { median, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, n: s.length };
}

const fmt = (x: number, digits = 0): string =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (s: Spread): string => `${fmt(s.median)} ms [${fmt(s.min)}–${fmt(s.max)}]`;
const signed = (x: number, digits: number): string => `${x >= 0 ? "+" : ""}${fmt(x, digits)}`;
const rt = (s: Spread, perCall: number): string =>
  `${signed(s.median / perCall, 1)} RT [${signed(s.min / perCall, 1)}–${signed(s.max / perCall, 1)}]`;

/** One row of the table: both sides, their difference, and the target it is judged against. */
interface Row {
  name: string;
  ours: string;
  baseline: string;
  difference: string;
  target: string;
  met: boolean | undefined;
  note: string;
}
const rows: Row[] = [];
const context: [string, string][] = [];

function addRow(row: Row): void {
  rows.push(row);
  console.log(
    `\n${row.name}\n  auditguard: ${row.ours}\n  baseline:   ${row.baseline}\n  difference: ${row.difference}\n` +
      `  target:     ${row.target} -> ${row.met === undefined ? "?" : row.met ? "met" : "NOT met"}\n  ${row.note}`,
  );
}
function addContext(name: string, value: string): void {
  context.push([name, value]);
  console.log(`\n${name}: ${value}`);
}

// ---- packs, stacks, processes ------------------------------------------------------------------

/** A pack with the same number of stack policies that do nothing: the SDK's own cost. */
function noopPack(policies: number): string {
  const dir = path.join(OUT, `noop-pack-${policies}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "noop", version: "0.0.1", main: "index.js" }));
  const list = Array.from(
    { length: policies },
    (_, i) => `{name:"noop-${i}",description:"noop",enforcementLevel:"advisory",validateStack:()=>{}}`,
  );
  writeFileSync(
    path.join(dir, "index.js"),
    `const {PolicyPack}=require("@pulumi/policy");new PolicyPack("noop",{policies:[${list.join(",")}]});\n`,
  );
  return dir;
}

/** Runs both, swapping which goes first every other time (A,B, B,A, ...), so neither always follows the other. */
async function inTurns<A, B>(i: number, a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
  if (i % 2 === 0) {
    const x = await a();
    return [x, await b()];
  }
  const y = await b();
  return [await a(), y];
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t) / 1e6];
}

/**
 * The SDK deserialises the stack once per enabled stack policy: a fair no-op pack has as many. The Discovery
 * resource policies are disabled by default and never run in AnalyzeStack, so the enabled ones are counted.
 */
let enabledPolicies: number | undefined;
async function policyCount(): Promise<number> {
  if (enabledPolicies === undefined) {
    const h = await AnalyzerHarness.spawn({ packDir: PACK, dryRun: false });
    try {
      enabledPolicies = (await h.getAnalyzerInfo()).policies.filter((p) => p.enforcementLevel !== "disabled").length;
    } finally {
      await h.close();
    }
  }
  return enabledPolicies;
}

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"];

function awsStack(fake: FakeAws, trails: number, recorders: number, accounts = 1, regions = REGIONS): ResourceSpec[] {
  const out: ResourceSpec[] = [stackResource()];
  for (let a = 0; a < accounts; a++) {
    const account = String(111111111111 * (a + 1)).slice(0, 12);
    const accessKey = `AKIABENCH${String(a).padStart(11, "0")}`;
    // STS answers the account the trail ARNs name, as for any stack: its trails are its credentials' account's.
    fake.accounts.set(accessKey, account);
    const provider = explicitProvider("aws", `acct-${a}`, {
      region: regions[0] ?? "us-east-1",
      accessKey,
      secretKey: `bench-secret-${a}`,
      // STS too: account coverage asks who the credentials are; nothing may leave the loopback fakes.
      endpoints: [{ cloudtrail: fake.url, configservice: fake.url, sts: fake.url }],
    });
    for (let i = 0; i < trails; i++) {
      const region = regions[i % regions.length] ?? "us-east-1";
      const arn = `arn:aws:cloudtrail:${region}:${account}:trail/trail-${a}-${i}`;
      fake.trails.set(arn, { IsLogging: i % 10 !== 9, StartLoggingTime: Date.now() / 1000 - 600 });
      out.push(
        resource(
          "aws:cloudtrail/trail:Trail",
          `trail-${a}-${i}`,
          {
            id: arn,
            arn,
            name: `trail-${a}-${i}`,
            homeRegion: region,
            s3BucketName: "logs",
            isMultiRegionTrail: true,
            enableLogFileValidation: true,
          },
          { provider },
        ),
      );
    }
    for (let i = 0; i < recorders; i++) {
      const region = regions[i % regions.length] ?? "us-east-1";
      const name = `rec-${a}`;
      fake.recorders.set(`${region}/${name}`, { recording: true, lastStatus: "SUCCESS" });
      out.push(resource("aws:cfg/recorder:Recorder", `rec-${a}-${region}`, { id: name, name, region }, { provider }));
      out.push(
        resource(
          "aws:cfg/recorderStatus:RecorderStatus",
          `st-${a}-${region}`,
          { id: name, name, region, isEnabled: true },
          { provider },
        ),
      );
      out.push(
        resource(
          "aws:cfg/deliveryChannel:DeliveryChannel",
          `ch-${a}-${region}`,
          { id: name, name, region, s3BucketName: "cfg" },
          { provider },
        ),
      );
    }
  }
  return out;
}

function fillerStack(n: number): ResourceSpec[] {
  const out: ResourceSpec[] = [stackResource()];
  for (let i = 0; i < n; i++) {
    out.push(
      resource("random:index/randomPet:RandomPet", `pet-${i}`, {
        id: `pet-${i}`,
        length: 2,
        separator: "-",
        keepers: { k: String(i) },
      }),
    );
  }
  return out;
}

/** Throttles above `perSecond` requests per (access key, region, action) in any one-second window. */
function throttle(fake: FakeAws, perSecond: number): { throttled: number; worstWindow: number } {
  const windows = new Map<string, number[]>();
  const stats = { throttled: 0, worstWindow: 0 };
  fake.fault = (r: AwsRequest) => {
    const key = `${r.accessKeyId}|${r.region}|${r.action}`;
    const now = Date.now();
    // Like a token bucket, only admitted requests use up the allowance; throttled ones are refused.
    const w = (windows.get(key) ?? []).filter((t) => now - t < 1000);
    windows.set(key, w);
    if (w.length >= perSecond) {
      stats.throttled++;
      return { kind: "error", status: 400, code: "ThrottlingException", message: "Rate exceeded" };
    }
    w.push(now);
    stats.worstWindow = Math.max(stats.worstWindow, w.length);
    return undefined;
  };
  return stats;
}

const COVERAGE_OFF: Record<string, PolicyOverride> = Object.fromEntries(
  ["aws-cloudtrail-account-coverage", "aws-config-account-coverage"].map((p) => [p, "disabled" as const]),
);

/** Sends each resource's Analyze RPC one after another, as the engine does during a preview or `policy analyze`. */
async function analyzeEach(h: AnalyzerHarness, stack: readonly ResourceSpec[]): Promise<void> {
  for (const r of stack) await h.analyze(r);
}

// ---- the rows ----------------------------------------------------------------------------

/** Coverage on vs off, warm: two long-lived processes analysed in turns (on, off, on, off, ...). */
async function coverageWarm(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 100;
  const stack = coverageStack(fake);
  const on = await AnalyzerHarness.start({ packDir: PACK, dryRun: false, policies: {} });
  const off = await AnalyzerHarness.start({ packDir: PACK, dryRun: false, policies: COVERAGE_OFF });
  try {
    await on.analyzeStack(stack); // each process's cold analysis is the next row's business
    await off.analyzeStack(stack);
    const t = { on: [] as number[], off: [] as number[], diff: [] as number[] };
    fake.requests.length = 0;
    await on.analyzeStack(stack);
    const calls = fake.requests.length;
    let uncovered = 0;
    let unverified = 0;
    for (let i = 0; i < REPEAT * 2; i++) {
      const [[res, a], [, b]] = await inTurns(
        i,
        () => timed(() => on.analyzeStack(stack)),
        () => timed(() => off.analyzeStack(stack)),
      );
      uncovered = res.diagnostics.filter((d) => d.policyName === "aws-config-account-coverage").length;
      unverified = res.diagnostics.filter((d) => d.policyName === "auditguard-live-verification").length;
      t.on.push(a);
      t.off.push(b);
      t.diff.push(a - b);
    }
    const d = spread(t.diff);
    addRow({
      name: "Coverage, warm: 2,000 resources, 16 regions x 3 accounts, 100 ms per call",
      ours: `${ms(spread(t.on))} coverage on`,
      baseline: `${ms(spread(t.off))} coverage disabled`,
      difference: `${ms(d)} = ${rt(d, fake.latencyMs)} (paired, ${d.n} pairs)`,
      target: "<= +2 RT",
      met: d.median / fake.latencyMs <= 2,
      note: `${calls} calls per analysis; ${uncovered} Config coverage violations (expected 3), ${unverified} unverified (expected 0)`,
    });
  } finally {
    await on.close();
    await off.close();
    await fake.close();
  }
}

interface ColdRun {
  analyzeMs: number;
  stackMs: number;
  uncovered: number;
}

/** A fresh pack process: the engine's opening, optionally every resource's Analyze, then its first AnalyzeStack. */
async function coldRun(
  stack: readonly ResourceSpec[],
  policies: Record<string, PolicyOverride>,
  withAnalyze: boolean,
  packDir = PACK,
): Promise<ColdRun> {
  const h = await AnalyzerHarness.start({ packDir, dryRun: false, policies });
  try {
    const analyzeMs = withAnalyze ? (await timed(() => analyzeEach(h, stack)))[1] : 0;
    const [res, stackMs] = await timed(() => h.analyzeStack(stack));
    const uncovered = res.diagnostics.filter((d) => d.policyName === "aws-config-account-coverage").length;
    return { analyzeMs, stackMs, uncovered };
  } finally {
    await h.close();
  }
}

/**
 * Coverage on vs off, cold: each run a fresh pack process's first analysis (what one `pulumi preview` pays).
 * Two sequences, interleaved: the engine's (every resource's Analyze, then AnalyzeStack, as preview and
 * `pulumi policy analyze` send them) and AnalyzeStack straight after Configure (the measurement).
 */
async function coverageCold(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 100;
  const stack = coverageStack(fake);
  const runs = {
    engine: { on: [] as ColdRun[], off: [] as ColdRun[] },
    direct: { on: [] as ColdRun[], off: [] as ColdRun[] },
  };
  try {
    for (let i = 0; i < REPEAT; i++) {
      for (const [seq, withAnalyze] of [
        [runs.engine, true],
        [runs.direct, false],
      ] as const) {
        const [on, off] = await inTurns(
          i,
          () => coldRun(stack, {}, withAnalyze),
          () => coldRun(stack, COVERAGE_OFF, withAnalyze),
        );
        seq.on.push(on);
        seq.off.push(off);
      }
    }
  } finally {
    await fake.close();
  }
  for (const [label, r] of [
    ["engine sequence: every resource's Analyze, then AnalyzeStack", runs.engine],
    ["AnalyzeStack straight after Configure", runs.direct],
  ] as const) {
    const d = spread(r.on.map((x, i) => x.stackMs - (r.off[i]?.stackMs ?? NaN)));
    const analyzeOn = spread(r.on.map((x) => x.analyzeMs));
    const analyzeOff = spread(r.off.map((x) => x.analyzeMs));
    const analyzeDiff = spread(r.on.map((x, i) => x.analyzeMs - (r.off[i]?.analyzeMs ?? NaN)));
    addRow({
      name: `Coverage, cold (a fresh process's first AnalyzeStack; ${label})`,
      ours: `${ms(spread(r.on.map((x) => x.stackMs)))} coverage on`,
      baseline: `${ms(spread(r.off.map((x) => x.stackMs)))} coverage disabled`,
      difference: `${ms(d)} = ${rt(d, fake.latencyMs)} (paired, ${d.n} pairs)`,
      target: "<= +4 RT",
      met: d.median / fake.latencyMs <= 4,
      note:
        (r === runs.engine
          ? `the 2,000 Analyze RPCs before it took ${ms(analyzeOn)} on vs ${ms(analyzeOff)} off (difference ${ms(analyzeDiff)}); `
          : "") + `Config coverage violations per run: ${r.on.map((x) => x.uncovered).join(",")} (expected 3 each)`,
    });
  }
}

/**
 * Two builds of the pack, cold, coverage on, the engine's sequence, run for run in turns (BENCH_BASE_DIR): on a
 * shared machine a change of a round trip or two is lost between two separate bench runs, not within one.
 */
async function coldVersus(): Promise<void> {
  if (!BASE) {
    console.log("\ncold A/B skipped: set BENCH_BASE_DIR to another built checkout (e.g. a worktree of main)");
    return;
  }
  const fake = await FakeAws.start();
  fake.latencyMs = 100;
  const stack = coverageStack(fake);
  const runs = { ours: [] as ColdRun[], base: [] as ColdRun[] };
  try {
    for (let i = 0; i < REPEAT * 2; i++) {
      const [a, b] = await inTurns(
        i,
        () => coldRun(stack, {}, true, PACK),
        () => coldRun(stack, {}, true, BASE),
      );
      runs.ours.push(a);
      runs.base.push(b);
    }
  } finally {
    await fake.close();
  }
  const d = spread(runs.ours.map((x, i) => x.stackMs - (runs.base[i]?.stackMs ?? NaN)));
  const a = spread(runs.ours.map((x, i) => x.analyzeMs - (runs.base[i]?.analyzeMs ?? NaN)));
  addContext(
    `cold A/B, coverage on, engine sequence: ${PACK} vs ${BASE}, run for run`,
    `first AnalyzeStack ${ms(spread(runs.ours.map((x) => x.stackMs)))} vs ${ms(spread(runs.base.map((x) => x.stackMs)))}: ` +
      `difference ${ms(d)} = ${rt(d, fake.latencyMs)} (${d.n} pairs); the 2,000 Analyze RPCs before it: difference ${ms(a)}`,
  );
}

/** 24 declared targets (20 trails in 4 regions, 4 recorders), 200 ms per call, coverage on; off alongside. */
async function smallStack(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 200;
  const stack = awsStack(fake, 20, 4);
  const on = await AnalyzerHarness.start({ packDir: PACK, dryRun: false, policies: {} });
  const off = await AnalyzerHarness.start({ packDir: PACK, dryRun: false, policies: COVERAGE_OFF });
  try {
    await on.analyzeStack(stack);
    await off.analyzeStack(stack);
    const t = { on: [] as number[], off: [] as number[] };
    fake.requests.length = 0;
    await on.analyzeStack(stack);
    const calls = fake.requests.length;
    let stopped = 0;
    for (let i = 0; i < REPEAT * 2; i++) {
      const [[res, a], [, b]] = await inTurns(
        i,
        () => timed(() => on.analyzeStack(stack)),
        () => timed(() => off.analyzeStack(stack)),
      );
      stopped = res.diagnostics.filter((d) => d.policyName === "aws-cloudtrail-trail-logging").length;
      t.on.push(a);
      t.off.push(b);
    }
    const on_ = spread(t.on);
    const off_ = spread(t.off);
    addRow({
      name: "Small stack: 24 declared targets (20 trails, 4 recorders, 4 regions), 200 ms per call, warm",
      ours: `${ms(on_)} = ${fmt(on_.median / fake.latencyMs, 1)} RT [${fmt(on_.min / fake.latencyMs, 1)}–${fmt(on_.max / fake.latencyMs, 1)}] coverage on`,
      baseline: `${ms(off_)} = ${fmt(off_.median / fake.latencyMs, 1)} RT coverage disabled (declared targets only)`,
      difference: `${ms(spread(t.on.map((x, i) => x - (t.off[i] ?? NaN))))}`,
      target: "<= 1.5 RT with coverage on",
      met: on_.median / fake.latencyMs <= 1.5,
      note: `${calls} calls per analysis with coverage on (24 per-resource targets, the rest coverage); ${stopped} stopped trails reported (expected 2)`,
    });
  } finally {
    await on.close();
    await off.close();
    await fake.close();
  }
}

/** 5,000 resources of no checked cloud: both packs stay up and take turns, so machine drift falls on both alike. */
async function nothingToCheck(): Promise<void> {
  const stack = fillerStack(5000);
  const policies = await policyCount();
  const ours = await AnalyzerHarness.start({ packDir: PACK, dryRun: false });
  const noop = await AnalyzerHarness.start({ dryRun: false, packDir: noopPack(policies) });
  try {
    await ours.analyzeStack(stack); // warm-up
    await noop.analyzeStack(stack);
    const t = { ours: [] as number[], noop: [] as number[], ratio: [] as number[] };
    for (let i = 0; i < REPEAT * 4; i++) {
      const [[, a], [, b]] = await inTurns(
        i,
        () => timed(() => ours.analyzeStack(stack)),
        () => timed(() => noop.analyzeStack(stack)),
      );
      t.ours.push(a);
      t.noop.push(b);
      t.ratio.push((a / b - 1) * 100);
    }
    const a = spread(t.ours);
    const b = spread(t.noop);
    const r = spread(t.ratio);
    const overhead = (a.median / b.median - 1) * 100;
    addRow({
      name: "5,000 resources, nothing to check, warm",
      ours: ms(a),
      baseline: `${ms(b)} no-op pack with the same ${policies} policies`,
      difference: `${signed(overhead, 1)}% of the medians; per pair ${signed(r.median, 1)}% [${signed(r.min, 1)}–${signed(r.max, 1)}%] (${r.n} pairs)`,
      target: "<= +10%",
      met: overhead <= 10,
      note: "",
    });
  } finally {
    await ours.close();
    await noop.close();
  }
}

/** 10,000 resources, 16 regions x 3 accounts, a throttling fake at 100 ms per call: a fresh pair of processes per repeat. */
async function load(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 100;
  const limits = throttle(fake, 10);
  const stack = awsStack(fake, 67, SIXTEEN_REGIONS.length, 3, SIXTEEN_REGIONS);
  // The same trail declared again (e.g. by an import in another component): it must cost no call.
  const trails = stack.filter((r) => r.type === "aws:cloudtrail/trail:Trail");
  for (let d = 0; d < 20; d++) {
    const t = trails[d % trails.length];
    if (t) stack.push({ ...t, name: `${t.name}-dup`, urn: `${t.urn}-dup` });
  }
  stack.push(...fillerStack(10_000 - stack.length).slice(1));
  const expectedStopped = stack.filter(
    (r) => r.type === "aws:cloudtrail/trail:Trail" && fake.trails.get(String(r.props["arn"]))?.IsLogging === false,
  ).length;
  const noop = noopPack(await policyCount());
  const t = { ours: [] as number[], noop: [] as number[] };
  const rss = { ours: [] as number[], noop: [] as number[], ratio: [] as number[] };
  const results: string[] = [];
  let calls = 0;
  try {
    // The engine sets no deadline on AnalyzeStack.
    const runNoop = async (): Promise<void> => {
      const base = await AnalyzerHarness.start({ dryRun: false, packDir: noop, rpcTimeoutMs: 120_000 });
      try {
        t.noop.push((await timed(() => base.analyzeStack(stack)))[1]);
        rss.noop.push(peakRssMb(base.pid) ?? NaN);
      } finally {
        await base.close();
      }
    };
    const runOurs = async (): Promise<void> => {
      const h = await AnalyzerHarness.start({ packDir: PACK, dryRun: false, rpcTimeoutMs: 120_000 });
      try {
        fake.requests.length = 0;
        const [res, a] = await timed(() => h.analyzeStack(stack));
        calls = fake.requests.length;
        t.ours.push(a);
        rss.ours.push(peakRssMb(h.pid) ?? NaN);
        const stopped = res.diagnostics.filter((d) => d.policyName === "aws-cloudtrail-trail-logging").length;
        const unverified = res.diagnostics.filter((d) => d.policyName === "auditguard-live-verification").length;
        results.push(`${stopped}/${unverified}`);
      } finally {
        await h.close();
      }
    };
    for (let i = 0; i < REPEAT; i++) {
      await inTurns(i, runOurs, runNoop);
      rss.ratio.push((rss.ours[i] ?? NaN) / (rss.noop[i] ?? NaN));
    }
  } finally {
    await fake.close();
  }
  const ratio = spread(rss.ratio);
  const o = spread(rss.ours);
  const n = spread(rss.noop);
  addRow({
    name: "10,000-resource load (16 regions x 3 accounts, 269 declared targets, throttling fake at 100 ms), peak RSS of a fresh process",
    ours: `${fmt(o.median)} MB [${fmt(o.min)}–${fmt(o.max)}]`,
    baseline: `${fmt(n.median)} MB [${fmt(n.min)}–${fmt(n.max)}] no-op pack`,
    difference: `${fmt(ratio.median, 2)}x [${fmt(ratio.min, 2)}–${fmt(ratio.max, 2)}] (paired, ${ratio.n} pairs)`,
    target: "<= 1.10x",
    met: ratio.median <= 1.1,
    note:
      `wall ${ms(spread(t.ours))} vs ${ms(spread(t.noop))} no-op; ${calls} calls, ${limits.throttled} throttled in all; ` +
      `stopped/unverified per run ${results.join(", ")} (expected ${expectedStopped}/0)`,
  });
}

// ---- context figures (not in the table) --------------------------------------------------

async function startup(): Promise<void> {
  const dirs = { ours: PACK, empty: noopPack(0) };
  const t = { ours: [] as number[], empty: [] as number[] };
  for (let i = 0; i < REPEAT; i++) {
    for (const k of ["ours", "empty"] as const) {
      const [h, took] = await timed(() => AnalyzerHarness.spawn({ packDir: dirs[k] }));
      t[k].push(took);
      await h.close();
    }
  }
  addContext(
    "startup, spawn to port (interleaved)",
    `auditguard ${ms(spread(t.ours))}; empty compiled pack (0 policies) ${ms(spread(t.empty))}`,
  );
}

async function aliLatency(): Promise<void> {
  const fake = await FakeAlibaba.start();
  fake.latencyMs = 200;
  fake.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
  const provider = explicitProvider("alicloud", "ali", {
    region: "cn-hangzhou",
    accessKey: "LTAIbenchbenchbench",
    secretKey: "bench-ali-secret",
    endpoints: [{ config: fake.url, actiontrail: fake.url, sts: fake.url }],
  });
  const regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1"];
  const stack: ResourceSpec[] = [
    stackResource(),
    resource("alicloud:cfg/configurationRecorder:ConfigurationRecorder", "rec", { id: "1234567" }, { provider }),
  ];
  for (let i = 0; i < 20; i++) {
    fake.trails.set(`trail-${i}`, {
      IsLogging: i !== 7,
      StartLoggingTime: new Date(Date.now() - 600_000).toISOString(),
    });
    const props = { id: `trail-${i}`, trailName: `trail-${i}`, regionId: regions[i % 4] ?? "cn-hangzhou" };
    stack.push(
      resource(
        "alicloud:actiontrail/trail:Trail",
        `trail-${i}`,
        { ...props, status: "Enable", trailRegion: "All", eventRw: "All", ossBucketName: "b" },
        { provider },
      ),
    );
  }
  const h = await AnalyzerHarness.start({ packDir: PACK, dryRun: false });
  try {
    await h.analyzeStack(stack);
    const times: number[] = [];
    let violations = 0;
    for (let i = 0; i < REPEAT; i++) {
      fake.requests.length = 0;
      const [res, took] = await timed(() => h.analyzeStack(stack));
      times.push(took);
      violations = res.diagnostics.filter((d) => d.policyName === "alicloud-actiontrail-trail-logging").length;
    }
    const s = spread(times);
    addContext(
      "Alibaba: 20 ActionTrail trails in 4 regions + Config recorder, 200 ms per call, warm",
      `${ms(s)} = ${fmt(s.median / fake.latencyMs, 1)} RT; ${fake.requests.length} calls; ${violations} stopped trail reported (expected 1)`,
    );
  } finally {
    await h.close();
    await fake.close();
  }
}

/** 200 trails in one region and account: the rate limit (10 req/s per key) is the floor. One run. */
async function rateBound(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 100;
  const limits = throttle(fake, 10);
  const stack = awsStack(fake, 200, 1, 1, ["eu-west-1"]);
  const h = await AnalyzerHarness.start({ packDir: PACK, dryRun: false, rpcTimeoutMs: 120_000 });
  try {
    const [res, took] = await timed(() => h.analyzeStack(stack));
    const perKey = new Map<string, number>();
    for (const r of fake.requests) {
      const k = `${r.accessKeyId}|${r.region}|${r.action}`;
      perKey.set(k, (perKey.get(k) ?? 0) + 1);
    }
    const busiest = Math.max(...perKey.values());
    const boundMs = Math.max(0, Math.ceil(busiest / 10) - 1) * 1000 + fake.latencyMs;
    const unverified = res.diagnostics.filter((d) => d.policyName === "auditguard-live-verification").length;
    addContext(
      "load, rate-bound: 200 trails in one region and account, throttle above 10 req/s",
      `${fmt(took)} ms for ${fake.requests.length} calls (${limits.throttled} throttled, worst 1-s window ` +
        `${limits.worstWindow}); the rate limit imposes ${fmt(boundMs)} ms; ${unverified} unverified (expected 0)`,
    );
  } finally {
    await h.close();
    await fake.close();
  }
}

// ---- main ----------------------------------------------------------------------------------------

function table(): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const lines = [
    `Issue 17 figures for ${PACK} (node ${process.version}, ${execFileSync("nproc").toString().trim()} cores, BENCH_REPEAT=${REPEAT}; ` +
      "median [min–max]; RT = round trips = ms / the fake's per-call latency):",
    "",
    "| case | auditguard | baseline | difference | target | met |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${esc(r.name)} | ${esc(r.ours)} | ${esc(r.baseline)} | ${esc(r.difference)} | ${esc(r.target)} | ${r.met === undefined ? "?" : r.met ? "met" : "**not met**"} |`,
    ),
    "",
    ...rows.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`),
    "",
    "Context:",
    "",
    ...context.map(([a, b]) => `- ${a}: ${b}`),
  ];
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  console.log(`node ${process.version}, ${execFileSync("nproc").toString().trim()} cores, BENCH_REPEAT=${REPEAT}`);
  const only = process.env["BENCH_ONLY"]?.split(",");
  const cases: [string, () => Promise<void>][] = [
    ["warm", coverageWarm],
    ["cold", coverageCold],
    ["versus", coldVersus],
    ["small", smallStack],
    ["noop", nothingToCheck],
    ["load", load],
    ["startup", startup],
    ["alicloud", aliLatency],
    ["ratebound", rateBound],
  ];
  for (const [name, run] of cases) if (!only || only.includes(name)) await run();
  const md = table();
  writeFileSync(path.join(OUT, "results.md"), md);
  console.log(`\n${md}\nwritten ${path.join(OUT, "results.md")}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
