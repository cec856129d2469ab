// `npm run build:all && node dist/bench/profile.js`: a CPU profile of one pack process's first (cold)
// AnalyzeStack of the bench's coverage stack (2,000 resources, 16 regions x 3 accounts, fakes at 100 ms per
// call), and where its time goes: self time by function and by package, time spent loading modules (by the
// package being loaded), constructing SDK clients, and in GC. Writes .bench-out/cold-<label>.cpuprofile
// (open it in Chrome DevTools). PROFILE_ANALYZE=1 sends every resource's Analyze before it, as the engine
// does; PROFILE_COVERAGE=off disables the coverage policies; PROFILE_WARM=1 profiles the second analysis;
// PROFILE_PACK_DIR profiles another built checkout.

import { existsSync, mkdirSync, rmSync, readFileSync } from "node:fs";
import path from "node:path";
import { FakeAws } from "../tests/fakes/aws";
import { AnalyzerHarness, PACK_DIR } from "../tests/harness/analyzer";
import { coverageStack } from "./stacks";

const OUT = path.join(PACK_DIR, ".bench-out");

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

async function waitFor(file: string): Promise<void> {
  for (let i = 0; i < 3000 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 10));
  if (!existsSync(file)) throw new Error(`${file} never appeared`);
}

/** What a frame's code belongs to: an npm package, auditguard's own code, or Node/V8. */
function ownerOf(url: string): string {
  if (!url) return "(native/V8)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? url);
  }
  if (url.startsWith("node:")) return "node (internal)";
  const dist = url.indexOf("/dist/");
  if (dist >= 0)
    return `auditguard ${url
      .slice(dist + 6)
      .split("/")
      .slice(0, 2)
      .join("/")}`;
  return url;
}

function report(profile: Profile): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  const loading = new Map<string, number>();
  let loadingTotal = 0;
  let construction = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const f = node.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url ? `${ownerOf(f.url)}:${f.lineNumber + 1}` : ""}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byOwner.set(ownerOf(f.url), (byOwner.get(ownerOf(f.url)) ?? 0) + us);
    // The stack, root first.
    const stack: CallFrame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n) stack.unshift(n.callFrame);
    }
    const load = stack.findIndex((c) => c.functionName === "Module._load");
    if (load >= 0) {
      loadingTotal += us;
      // The package being loaded: the first module code below the outermost require.
      const loaded = stack.slice(load).find((c) => c.url.includes("node_modules/") || c.url.includes("/dist/"));
      const what = loaded ? ownerOf(loaded.url) : "(node internals)";
      loading.set(what, (loading.get(what) ?? 0) + us);
    }
    if (stack.some((c) => /^(ConfigServiceClient|CloudTrailClient|STSClient)$/.test(c.functionName)))
      construction += us;
  }
  const top = (m: Map<string, number>, n: number): string[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
  return [
    `profiled ${(total / 1000).toFixed(0)} ms of samples`,
    `module loading (under require): ${(loadingTotal / 1000).toFixed(0)} ms; by package loaded:`,
    ...top(loading, 12),
    `SDK client construction (under ConfigServiceClient/CloudTrailClient/STSClient): ${(construction / 1000).toFixed(0)} ms`,
    "self time by package:",
    ...top(byOwner, 15),
    "self time by function:",
    ...top(byFunction, 25),
  ];
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const coverage = process.env["PROFILE_COVERAGE"] !== "off";
  const analyze = process.env["PROFILE_ANALYZE"] === "1";
  const warm = process.env["PROFILE_WARM"] === "1";
  const label = `${coverage ? "on" : "off"}${analyze ? "-analyze" : ""}${warm ? "-warm" : ""}${process.env["PROFILE_PACK_DIR"] ? "-other" : ""}`;
  const out = path.join(OUT, `cold-${label}.cpuprofile`);
  rmSync(out, { force: true });
  rmSync(`${out}.started`, { force: true });
  const fake = await FakeAws.start();
  fake.latencyMs = 100;
  const stack = coverageStack(fake);
  const preload = path.join(__dirname, "profile-preload.js");
  const h = await AnalyzerHarness.start({
    packDir: process.env["PROFILE_PACK_DIR"] ?? PACK_DIR,
    dryRun: false,
    env: {
      NODE_OPTIONS: `${process.env["NODE_OPTIONS"] ?? ""} --require ${preload}`,
      AUDITGUARD_PROFILE_OUT: out,
    },
    policies: coverage
      ? {}
      : { "aws-cloudtrail-account-coverage": "disabled", "aws-config-account-coverage": "disabled" },
  });
  try {
    if (analyze) for (const r of stack) await h.analyze(r);
    if (warm) await h.analyzeStack(stack);
    process.kill(h.pid ?? 0, "SIGUSR2");
    await waitFor(`${out}.started`);
    const t = Date.now();
    await h.analyzeStack(stack);
    const took = Date.now() - t;
    process.kill(h.pid ?? 0, "SIGUSR2");
    await waitFor(out);
    const profile = JSON.parse(readFileSync(out, "utf8")) as Profile;
    console.log([`${label}: AnalyzeStack ${took} ms`, ...report(profile), `written ${out}`].join("\n"));
  } finally {
    await h.close();
    await fake.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
