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
      endpoints: [{ cloudtrail: fake.url, configservice: fake.url }],
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

async function awsLatency(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 200;
  const stack = awsStack(fake, 20, 4);
  const h = await AnalyzerHarness.start({ dryRun: false });
  try {
    const times: number[] = [];
    let violations = 0;
    for (let i = 0; i < REPEAT; i++) {
      fake.requests.length = 0;
      const [res, ms] = await timed(() => h.analyzeStack(stack));
      times.push(ms);
      violations = res.diagnostics.filter((d) => d.policyName === "aws-cloudtrail-trail-logging").length;
    }
    record(
      "AWS: 20 trails in 4 regions + 4 recorders, 200 ms per call",
      `${median(times).toFixed(0)} ms per analysis (median of ${REPEAT}); ${fake.requests.length} calls; ${violations} stopped trails reported (expected 2); serial would be ${24 * 200} ms`,
    );
  } finally {
    await h.close();
    await fake.close();
  }
}

async function aliLatency(): Promise<void> {
  const fake = await FakeAlibaba.start();
  fake.latencyMs = 200;
  fake.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
  const provider = explicitProvider("alicloud", "ali", {
    region: "cn-hangzhou",
    accessKey: "LTAIbenchbenchbench",
    secretKey: "bench-ali-secret",
    endpoints: [{ config: fake.url, actiontrail: fake.url }],
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
    stack.push(
      resource(
        "alicloud:actiontrail/trail:Trail",
        `trail-${i}`,
        {
          id: `trail-${i}`,
          trailName: `trail-${i}`,
          regionId: regions[i % 4] ?? "cn-hangzhou",
          status: "Enable",
          trailRegion: "All",
          eventRw: "All",
          ossBucketName: "b",
        },
        { provider },
      ),
    );
  }
  const h = await AnalyzerHarness.start({ dryRun: false });
  try {
    const times: number[] = [];
    let violations = 0;
    for (let i = 0; i < REPEAT; i++) {
      fake.requests.length = 0;
      const [res, ms] = await timed(() => h.analyzeStack(stack));
      times.push(ms);
      violations = res.diagnostics.filter((d) => d.policyName === "alicloud-actiontrail-trail-logging").length;
    }
    record(
      "Alibaba: 20 ActionTrail trails in 4 regions + Config recorder, 200 ms per call",
      `${median(times).toFixed(0)} ms per analysis (median of ${REPEAT}); ${fake.requests.length} calls; ${violations} stopped trail reported (expected 1)`,
    );
  } finally {
    await h.close();
    await fake.close();
  }
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

async function nothingToCheck(): Promise<void> {
  const stack = fillerStack(5000);
  const result: Record<string, number> = {};
  for (const [label, dir] of [
    ["auditguard", PACK_DIR],
    ["no-op pack, same number of policies", noopPack(9)],
  ] as const) {
    const h = await AnalyzerHarness.start({ dryRun: false, packDir: dir });
    try {
      await h.analyzeStack(stack); // warm-up
      const times: number[] = [];
      for (let i = 0; i < REPEAT; i++) times.push((await timed(() => h.analyzeStack(stack)))[1]);
      result[label] = median(times);
    } finally {
      await h.close();
    }
  }
  const ours = result["auditguard"] ?? NaN;
  const sdk = result["no-op pack, same number of policies"] ?? NaN;
  record(
    "5,000 resources, nothing to check",
    `auditguard ${ours.toFixed(0)} ms vs no-op pack ${sdk.toFixed(0)} ms per analysis: pack code adds ${(((ours - sdk) / sdk) * 100).toFixed(1)}%`,
  );
}

/** Throttles above `perSecond` requests per (access key, region, action) in any one-second window. */
function throttle(fake: FakeAws, perSecond: number): { throttled: number } {
  const windows = new Map<string, number[]>();
  const stats = { throttled: 0 };
  fake.fault = (r: AwsRequest) => {
    const key = `${r.accessKeyId}|${r.region}|${r.action}`;
    const now = Date.now();
    const w = (windows.get(key) ?? []).filter((t) => now - t < 1000);
    w.push(now);
    windows.set(key, w);
    if (w.length > perSecond) {
      stats.throttled++;
      return { kind: "error", status: 400, code: "ThrottlingException", message: "Rate exceeded" };
    }
    return undefined;
  };
  return stats;
}

async function load(): Promise<void> {
  const fake = await FakeAws.start();
  fake.latencyMs = 100;
  const throttled = throttle(fake, 10);
  const regions = Array.from(
    { length: 16 },
    (_, i) =>
      [
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
      ][i] ?? "us-east-1",
  );
  // 200 trails and 48 recorders (one per region and account) over 16 regions and 3 accounts.
  const stack = [...awsStack(fake, 67, 16, 3, regions)].filter(
    (r, i, all) => all.findIndex((o) => o.urn === r.urn) === i,
  );
  const trailCount = stack.filter((r) => r.type === "aws:cloudtrail/trail:Trail").length;
  const recorderCount = stack.filter((r) => r.type === "aws:cfg/recorder:Recorder").length;
  stack.push(...fillerStack(10_000 - stack.length).slice(1));
  const expectedStopped = [...fake.trails.values()].filter((t) => t.IsLogging === false).length;
  // The SDK's own cost for the same 10,000 resources: a no-op pack with the same number of policies.
  const base = await AnalyzerHarness.start({ dryRun: false, packDir: noopPack(9) });
  let baseMs: number;
  let baseRss: number | undefined;
  try {
    baseMs = (await timed(() => base.analyzeStack(stack)))[1];
    baseRss = peakRssMb(base.pid);
  } finally {
    await base.close();
  }
  const h = await AnalyzerHarness.start({ dryRun: false });
  try {
    const [res, ms] = await timed(() => h.analyzeStack(stack));
    const stopped = res.diagnostics.filter((d) => d.policyName === "aws-cloudtrail-trail-logging").length;
    const unverified = res.diagnostics.filter((d) => d.policyName === "auditguard-live-verification").length;
    const distinctTargets = new Set(
      fake.requests.map(
        (r) => `${r.region}|${String(r.body["Name"] ?? JSON.stringify(r.body["ConfigurationRecorderNames"]))}`,
      ),
    ).size;
    const perKey = new Map<string, number>();
    for (const r of fake.requests)
      perKey.set(
        `${r.accessKeyId}|${r.region}|${r.action}`,
        (perKey.get(`${r.accessKeyId}|${r.region}|${r.action}`) ?? 0) + 1,
      );
    const bound = Math.max(...perKey.values()) / 10;
    record(
      `load: ${stack.length} resources, ${trailCount} trails + ${recorderCount} recorders, 16 regions x 3 accounts, 100 ms, 10 req/s throttle`,
      `${ms.toFixed(0)} ms wall; ${fake.requests.length} calls for ${distinctTargets} distinct targets; ${throttled.throttled} throttled replies (retries); ` +
        `rate-limit bound ${(bound * 1000).toFixed(0)} ms (busiest region/action ${Math.max(...perKey.values())} calls); peak RSS ${peakRssMb(h.pid)?.toFixed(0) ?? "?"} MB; ` +
        `no-op pack on the same stack: ${baseMs.toFixed(0)} ms, peak RSS ${baseRss?.toFixed(0) ?? "?"} MB; ` +
        `${stopped} stopped trails reported (expected ${expectedStopped}), ${unverified} unverified (expected 0)`,
    );
  } finally {
    await h.close();
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
