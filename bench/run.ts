// `npm run bench`: the whole compiled pack driven over the Analyzer gRPC protocol, as the engine does.
// Prints a table of figures; numbers, not assertions (the test suite makes none about time).

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FakeAlibaba } from "../tests/fakes/alibaba";
import { type AwsRequest, FakeAws } from "../tests/fakes/aws";
import {
  AnalyzerHarness,
  PACK_DIR,
  explicitProvider,
  resource,
  type ResourceSpec,
  stackResource,
} from "../tests/harness/analyzer";

const OUT = path.join(PACK_DIR, ".bench-out");
const REPEAT = Number(process.env["BENCH_REPEAT"] ?? 5);
const rows: [string, string][] = [];
const record = (name: string, value: string): void => {
  rows.push([name, value]);
  console.log(`${name}: ${value}`);
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

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

function peakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t) / 1e6];
}

async function startup(): Promise<void> {
  for (const [label, dir] of [
    ["auditguard (compiled)", PACK_DIR],
    ["empty compiled pack (0 policies)", noopPack(0)],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const [h, ms] = await timed(() => AnalyzerHarness.spawn({ packDir: dir }));
      times.push(ms);
      await h.close();
    }
    record(`startup, spawn to port: ${label}`, `${median(times).toFixed(0)} ms (median of ${REPEAT})`);
  }
}

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"];

function awsStack(fake: FakeAws, trails: number, recorders: number, accounts = 1, regions = REGIONS): ResourceSpec[] {
  const out: ResourceSpec[] = [stackResource()];
  for (let a = 0; a < accounts; a++) {
    const account = String(111111111111 * (a + 1)).slice(0, 12);
    const provider = explicitProvider("aws", `acct-${a}`, {
      region: regions[0] ?? "us-east-1",
      accessKey: `AKIABENCH${String(a).padStart(11, "0")}`,
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

/** One analysis repeated against a fake with fixed latency: wall time, calls, and the violations found. */
async function latencyCase(
  label: string,
  fake: { requests: unknown[]; close(): Promise<void> },
  stack: ResourceSpec[],
  policy: string,
  expected: number,
  serialMs: number,
): Promise<void> {
  const h = await AnalyzerHarness.start({ dryRun: false });
  try {
    const times: number[] = [];
    let violations = 0;
    for (let i = 0; i < REPEAT; i++) {
      fake.requests.length = 0;
      const [res, ms] = await timed(() => h.analyzeStack(stack));
      times.push(ms);
      violations = res.diagnostics.filter((d) => d.policyName === policy).length;
    }
    record(
      label,
      `${median(times).toFixed(0)} ms per analysis (median of ${REPEAT}); ${fake.requests.length} calls; ` +
        `${violations} violations reported (expected ${expected}); one call after another would take ${serialMs} ms`,
    );
  } finally {
    await h.close();
    await fake.close();
  }
}

async function awsLatency(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 200;
  const stack = awsStack(fake, 20, 4);
  await latencyCase(
    "AWS: 20 trails in 4 regions + 4 recorders, 200 ms per call",
    fake,
    stack,
    "aws-cloudtrail-trail-logging",
    2,
    24 * 200,
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
  await latencyCase(
    "Alibaba: 20 ActionTrail trails in 4 regions + Config recorder, 200 ms per call",
    fake,
    stack,
    "alicloud-actiontrail-trail-logging",
    1,
    21 * 200,
  );
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

/**
 * The SDK deserialises the stack once per enabled stack policy: a fair no-op pack has as many. The Discovery
 * resource policies are disabled by default and never run in AnalyzeStack, so the enabled ones are counted.
 */
async function policyCount(h: AnalyzerHarness): Promise<number> {
  return (await h.getAnalyzerInfo()).policies.filter((p) => p.enforcementLevel !== "disabled").length;
}

async function nothingToCheck(): Promise<void> {
  const stack = fillerStack(5000);
  // Both packs stay up and take turns, so machine drift falls on both alike.
  const ours = await AnalyzerHarness.start({ dryRun: false });
  const policies = await policyCount(ours);
  const noop = await AnalyzerHarness.start({ dryRun: false, packDir: noopPack(policies) });
  try {
    await ours.analyzeStack(stack); // warm-up
    await noop.analyzeStack(stack);
    const times = { ours: [] as number[], noop: [] as number[] };
    for (let i = 0; i < REPEAT * 4; i++) {
      times.ours.push((await timed(() => ours.analyzeStack(stack)))[1]);
      times.noop.push((await timed(() => noop.analyzeStack(stack)))[1]);
    }
    const a = median(times.ours);
    const b = median(times.noop);
    record(
      "5,000 resources, nothing to check",
      `auditguard ${a.toFixed(0)} ms vs no-op pack with the same ${policies} policies ${b.toFixed(0)} ms per analysis ` +
        `(medians of ${REPEAT * 4}, interleaved): pack code adds ${(((a - b) / b) * 100).toFixed(1)}%`,
    );
  } finally {
    await ours.close();
    await noop.close();
  }
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

const SIXTEEN_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-south-1",
  "sa-east-1",
  "ca-central-1",
];

async function loadCase(
  label: string,
  trailsPerAccount: number,
  accounts: number,
  regions: string[],
  duplicates: number,
): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 100;
  const limits = throttle(fake, 10);
  const recordersPerAccount = regions.length; // one per region and account, as AWS allows
  const stack = awsStack(fake, trailsPerAccount, recordersPerAccount, accounts, regions);
  // The same trail declared again (e.g. by an import in another component): it must cost no call.
  const trails = stack.filter((r) => r.type === "aws:cloudtrail/trail:Trail");
  for (let d = 0; d < duplicates; d++) {
    const t = trails[d % trails.length];
    if (t) stack.push({ ...t, name: `${t.name}-dup`, urn: `${t.urn}-dup` });
  }
  const trailCount = stack.filter((r) => r.type === "aws:cloudtrail/trail:Trail").length;
  const recorderCount = stack.filter((r) => r.type === "aws:cfg/recorder:Recorder").length;
  stack.push(...fillerStack(10_000 - stack.length).slice(1));
  const expectedStopped = trails.filter((t) => fake.trails.get(String(t.props["arn"]))?.IsLogging === false).length;
  const expectedStoppedWithDups = stack.filter(
    (r) => r.type === "aws:cloudtrail/trail:Trail" && fake.trails.get(String(r.props["arn"]))?.IsLogging === false,
  ).length;

  // The SDK's own cost for the same resources: a no-op pack with the same number of policies. The engine
  // sets no deadline on AnalyzeStack; the rate-bound case takes over 20 s by design.
  const h = await AnalyzerHarness.start({ dryRun: false, rpcTimeoutMs: 120_000 });
  const base = await AnalyzerHarness.start({
    dryRun: false,
    packDir: noopPack(await policyCount(h)),
    rpcTimeoutMs: 120_000,
  });
  let baseMs: number;
  let baseRss: number | undefined;
  try {
    baseMs = (await timed(() => base.analyzeStack(stack)))[1];
    baseRss = peakRssMb(base.pid);
  } finally {
    await base.close();
  }
  try {
    const [res, ms] = await timed(() => h.analyzeStack(stack));
    const stopped = res.diagnostics.filter((d) => d.policyName === "aws-cloudtrail-trail-logging").length;
    const unverified = res.diagnostics.filter((d) => d.policyName === "auditguard-live-verification").length;
    const perKey = new Map<string, number>();
    for (const r of fake.requests) {
      const k = `${r.accessKeyId}|${r.region}|${r.action}`;
      perKey.set(k, (perKey.get(k) ?? 0) + 1);
    }
    const busiest = Math.max(...perKey.values());
    // Lower bound imposed by 10 req/s per key: the busiest key's calls, 10 per second, plus one round trip.
    const boundMs = Math.max(0, Math.ceil(busiest / 10) - 1) * 1000 + fake.latencyMs;
    const roundMs = ms - baseMs;
    record(
      label,
      `${stack.length} resources, ${trailCount} trails (${duplicates} duplicates) + ${recorderCount} recorders; ` +
        `${fake.requests.length} calls for ${trailCount - duplicates + recorderCount} distinct targets; ${limits.throttled} throttled (retries); ` +
        `busiest account/region/action ${busiest} calls, worst 1-s window ${limits.worstWindow} admitted requests (limit 10); ` +
        `wall ${ms.toFixed(0)} ms = SDK's own ${baseMs.toFixed(0)} ms (no-op pack) + live round ~${roundMs.toFixed(0)} ms vs rate-limit bound ${boundMs} ms ` +
        `(${(roundMs / boundMs).toFixed(2)}x); peak RSS ${peakRssMb(h.pid)?.toFixed(0) ?? "?"} MB (no-op pack ${baseRss?.toFixed(0) ?? "?"} MB); ` +
        `${stopped} stopped-trail violations (expected ${expectedStoppedWithDups}: ${expectedStopped} trails + their duplicates), ${unverified} unverified (expected 0)`,
    );
  } finally {
    await h.close();
    await fake.close();
  }
}

async function load(): Promise<void> {
  await loadCase("load: 16 regions x 3 accounts, 100 ms per call, throttle above 10 req/s", 67, 3, SIXTEEN_REGIONS, 20);
  await loadCase("load, rate-bound variant: 200 trails in one region and account", 200, 1, ["eu-west-1"], 0);
}

/**
 * Account coverage (issue 9): an application stack of 2,000 resources over 16 regions in 3 accounts, each
 * account with one multi-region trail and a recorder per region, fakes at 100 ms per call. The same stack
 * with the coverage policies disabled is the baseline; the target is at most 4 round trips (400 ms) above it.
 */
async function coverage(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 100;
  const accounts = ["111111111111", "222222222222", "333333333333"];
  const stack: ResourceSpec[] = [stackResource()];
  const providers = accounts.flatMap((account, a) =>
    SIXTEEN_REGIONS.map((region) => {
      const key = `AKIACOVERAGE${String(a).padStart(8, "0")}`;
      fake.accounts.set(key, account);
      return explicitProvider("aws", `acct-${a}-${region}`, {
        region,
        accessKey: key,
        secretKey: `bench-secret-${a}`,
        endpoints: [{ cloudtrail: fake.url, configservice: fake.url, sts: fake.url }],
      });
    }),
  );
  for (const [a, account] of accounts.entries()) {
    const arn = `arn:aws:cloudtrail:us-east-1:${account}:trail/baseline-${a}`;
    fake.trails.set(arn, { IsLogging: true, StartLoggingTime: Date.now() / 1000 - 86_400 });
    fake.trailSetups.set(arn, { isMultiRegion: true });
  }
  // Config state is per region in the fake: every region records except one, which must be reported per account.
  for (const region of SIXTEEN_REGIONS.slice(1)) {
    fake.recorders.set(`${region}/default`, { recording: true, lastStatus: "SUCCESS" });
  }
  for (let i = 0; stack.length < 2_000; i++) {
    const provider = providers[i % providers.length];
    if (provider)
      stack.push(
        resource("aws:s3/bucketV2:BucketV2", `app-${i}`, { id: `app-${i}`, bucket: `app-${i}` }, { provider }),
      );
  }
  const off = Object.fromEntries(
    ["aws-cloudtrail-account-coverage", "aws-config-account-coverage"].map((p) => [p, "disabled" as const]),
  );
  // The first analysis in a pack process is cold (modules load, code is not yet optimised): that is what one
  // `pulumi preview` pays. Later ones are warm (the update after a preview, a long-lived process).
  const warmRuns = Math.max(1, REPEAT) * 2;
  interface Measured {
    times: number[];
    calls: AwsRequest[];
    uncovered: number;
    unverified: number;
  }
  const analyse = async (h: AnalyzerHarness, m: Measured): Promise<void> => {
    fake.requests.length = 0;
    const [res, ms] = await timed(() => h.analyzeStack(stack));
    m.times.push(ms);
    m.calls = [...fake.requests];
    m.uncovered = res.diagnostics.filter((d) => d.policyName === "aws-config-account-coverage").length;
    m.unverified = res.diagnostics.filter((d) => d.policyName === "auditguard-live-verification").length;
  };
  // Both packs stay up and take turns, so machine drift (the 2 cores are shared) falls on both alike.
  const offPack = await AnalyzerHarness.start({ dryRun: false, policies: off });
  const onPack = await AnalyzerHarness.start({ dryRun: false, policies: {} });
  const without: Measured = { times: [], calls: [], uncovered: 0, unverified: 0 };
  const withCoverage: Measured = { times: [], calls: [], uncovered: 0, unverified: 0 };
  try {
    for (let i = 0; i <= warmRuns; i++) {
      await analyse(offPack, without);
      await analyse(onPack, withCoverage);
    }
    const [coldOff = NaN, ...warmOff] = without.times;
    const [coldOn = NaN, ...warmOn] = withCoverage.times;
    const offMs = median(warmOff);
    const onMs = median(warmOn);
    const rssOn = peakRssMb(onPack.pid);
    const rssOff = peakRssMb(offPack.pid);
    const perPair = new Map<string, number>();
    for (const r of withCoverage.calls) {
      if (r.action === "GetTrailStatus" || r.action === "GetEventSelectors") continue;
      const k = `${r.action}|${r.accessKeyId ?? ""}|${r.action === "GetCallerIdentity" ? "" : (r.region ?? "")}`;
      perPair.set(k, (perPair.get(k) ?? 0) + 1);
    }
    const repeated = [...perPair.values()].filter((n) => n > 1).length;
    const byAction = new Map<string, number>();
    for (const r of withCoverage.calls) byAction.set(r.action, (byAction.get(r.action) ?? 0) + 1);
    const extraMs = onMs - offMs;
    record(
      "coverage: 2,000 resources, 16 regions x 3 accounts, 100 ms per call",
      `${withCoverage.calls.length} calls (${[...byAction].map(([a, n]) => `${a} ${n}`).join(", ")}); ` +
        `AnalyzeStack (warm, medians of ${warmRuns}, interleaved) ${onMs.toFixed(0)} ms vs ${offMs.toFixed(0)} ms ` +
        `with coverage disabled (+${extraMs.toFixed(0)} ms = ${(extraMs / fake.latencyMs).toFixed(1)} round trips; ` +
        `target <= 4); cold (first analysis of each process) ${coldOn.toFixed(0)} ms vs ${coldOff.toFixed(0)} ms ` +
        `(+${((coldOn - coldOff) / fake.latencyMs).toFixed(1)} round trips); ` +
        `(account, region, action) queried more than once: ${repeated}; peak RSS ${rssOn?.toFixed(0) ?? "?"} MB ` +
        `(${rssOff?.toFixed(0) ?? "?"} MB without); ${withCoverage.uncovered} Config coverage violations (expected 3: ` +
        `${SIXTEEN_REGIONS[0] ?? ""} in each account), ${withCoverage.unverified} unverified (expected 0)`,
    );
  } finally {
    await offPack.close();
    await onPack.close();
    await fake.close();
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  console.log(`node ${process.version}, ${execFileSync("nproc").toString().trim()} cores\n`);
  const only = process.env["BENCH_ONLY"]?.split(",");
  const cases: [string, () => Promise<void>][] = [
    ["startup", startup],
    ["aws", awsLatency],
    ["alicloud", aliLatency],
    ["noop", nothingToCheck],
    ["load", load],
    ["coverage", coverage],
  ];
  for (const [name, run] of cases) if (!only || only.includes(name)) await run();
  writeFileSync(
    path.join(OUT, "results.md"),
    ["| case | figure |", "|---|---|", ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join("\n") + "\n",
  );
  console.log(`\nwritten ${path.join(OUT, "results.md")}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
