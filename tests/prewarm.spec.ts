// Cold start off the critical path (lib/live/prewarm.ts): the engine's first Analyze RPC of a resource whose
// cloud has enabled live checks starts loading that cloud's SDK, before AnalyzeStack needs it; a stack with
// nothing to check never loads one. Which modules a pack process loads is read from a log its preload
// (tests/harness/module-log.ts) writes as each module loads.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FakeAws } from "./fakes/aws";
import { AnalyzerHarness, type PolicyOverride, resource, type ResourceSpec, stackResource } from "./harness/analyzer";
import { aliTrail, awsProvider, awsTrail, awsTrailArn, coverageOff } from "./harness/fixtures";
import { prewarmSteps } from "../lib/live/prewarm";

const AWS_SDK = /\/node_modules\/@aws-sdk\/(client-config-service|client-cloudtrail|client-sts|credential-providers)\//;
const ALI_SDK = /\/node_modules\/@alicloud\/(openapi-core|credentials)\//;
const AWS_LIVE = ["aws-config-recorder-recording", "aws-cloudtrail-trail-logging"];
const AWS_COVERAGE = ["aws-cloudtrail-account-coverage", "aws-config-account-coverage"];
const ALI_LIVE = [
  "alicloud-config-recorder-recording",
  "alicloud-actiontrail-trail-logging",
  "alicloud-actiontrail-account-coverage",
  "alicloud-config-account-coverage",
];
const disabled = (names: string[]): Record<string, PolicyOverride> =>
  Object.fromEntries(names.map((n) => [n, "disabled" as const]));

/** A resource of no cloud auditguard checks. */
const pet = (i: number): ResourceSpec =>
  resource("random:index/randomPet:RandomPet", `pet-${i}`, { id: `pet-${i}`, length: 2 });

/**
 * The prewarm loads one module per event-loop turn; a pack answers each RPC in a turn of its own, and the
 * next RPC is sent only after the reply. So after this many further RPCs, every step has had its turn.
 */
const TURNS = 40;

describe("prewarm steps", () => {
  // A step that throws is skipped in a pack (the round loads the module itself): a renamed module would stop
  // prewarming without a word, so every step must run here.
  for (const cloud of ["aws", "alicloud"] as const) {
    it(`every ${cloud} step loads what it names`, () => {
      const steps = prewarmSteps(cloud);
      assert.ok(steps.length > 3);
      for (const [i, step] of steps.entries()) assert.doesNotThrow(step, `${cloud} step ${i}`);
    });
  }
});

describe("prewarm: a cloud's SDK loads on the engine's first Analyze of one of its resources", function () {
  this.timeout(60_000);
  let dir: string;
  const packs: AnalyzerHarness[] = [];

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "ag-prewarm-"));
  });
  afterEach(async () => {
    for (const h of packs.splice(0)) await h.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function start(
    name: string,
    policies: Record<string, PolicyOverride> = {},
  ): Promise<{ h: AnalyzerHarness; loaded: () => string[] }> {
    const log = path.join(dir, `${name}.log`);
    const preload = path.join(__dirname, "harness", "module-log.js");
    const h = await AnalyzerHarness.start({
      dryRun: true,
      policies,
      env: {
        NODE_OPTIONS: `${process.env["NODE_OPTIONS"] ?? ""} --require ${JSON.stringify(preload)}`.trim(),
        AUDITGUARD_MODULE_LOG: log,
        AWS_ACCESS_KEY_ID: "AGPREWARMKEY000001",
        AWS_SECRET_ACCESS_KEY: "ag-prewarm-secret-000000",
      },
    });
    packs.push(h);
    const loaded = (): string[] => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []);
    // The log works: the pack's own modules were loaded through it.
    assert.ok(
      loaded().some((f) => f.endsWith(path.join("dist", "index.js"))),
      "the module log records the pack's loads",
    );
    return { h, loaded };
  }

  async function moreTurns(h: AnalyzerHarness): Promise<void> {
    for (let i = 0; i < TURNS; i++) await h.analyze(pet(1000 + i));
  }

  it("a stack with nothing to check loads no cloud SDK: not on its Analyze RPCs, not in AnalyzeStack", async () => {
    const { h, loaded } = await start("nothing");
    const stack = [stackResource(), ...Array.from({ length: 20 }, (_, i) => pet(i))];
    for (const r of stack) await h.analyze(r);
    await moreTurns(h);
    const result = await h.analyzeStack(stack);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(
      loaded().filter((f) => AWS_SDK.test(f) || ALI_SDK.test(f)),
      [],
    );
  });

  it("an AWS resource's Analyze starts loading the AWS SDK before any AnalyzeStack, and not Alibaba's", async () => {
    const { h, loaded } = await start("aws");
    await h.analyze(pet(0));
    await moreTurns(h);
    assert.deepEqual(
      loaded().filter((f) => AWS_SDK.test(f)),
      [],
      "nothing loads before an AWS resource",
    );
    // A bucket: only the account-coverage policies make calls for it.
    await h.analyze(resource("aws:s3/bucketV2:BucketV2", "app", { bucket: "app" }));
    await moreTurns(h);
    const aws = new Set(loaded().flatMap((f) => AWS_SDK.exec(f)?.[1] ?? []));
    assert.deepEqual([...aws].sort(), [
      "client-cloudtrail",
      "client-config-service",
      "client-sts",
      "credential-providers",
    ]);
    assert.deepEqual(
      loaded().filter((f) => ALI_SDK.test(f)),
      [],
    );
  });

  it("an Alibaba Cloud resource's Analyze starts loading the Alibaba SDK, and not AWS's", async () => {
    const { h, loaded } = await start("alicloud");
    await h.analyze(resource("alicloud:oss/bucket:Bucket", "app", { bucket: "app" }));
    await moreTurns(h);
    const ali = new Set(loaded().flatMap((f) => ALI_SDK.exec(f)?.[1] ?? []));
    assert.deepEqual([...ali].sort(), ["credentials", "openapi-core"]);
    assert.deepEqual(
      loaded().filter((f) => AWS_SDK.test(f)),
      [],
    );
  });

  it("with coverage disabled, only a declared trail or recorder is a reason to load the SDK", async () => {
    const { h, loaded } = await start("declared", { ...coverageOff(), ...disabled(ALI_LIVE) });
    await h.analyze(resource("aws:s3/bucketV2:BucketV2", "app", { bucket: "app" }));
    await h.analyze(resource("alicloud:oss/bucket:Bucket", "app", { bucket: "app" }));
    await moreTurns(h);
    assert.deepEqual(
      loaded().filter((f) => AWS_SDK.test(f) || ALI_SDK.test(f)),
      [],
      "a bucket is not checked live",
    );
    await h.analyze(awsTrail("main-trail"));
    await moreTurns(h);
    assert.ok(
      loaded().some((f) => AWS_SDK.test(f)),
      "a declared trail is",
    );
    assert.deepEqual(
      loaded().filter((f) => ALI_SDK.test(f)),
      [],
    );
  });

  it("with every live AWS and Alibaba policy disabled, their resources load no SDK, in Analyze or AnalyzeStack", async () => {
    const { h, loaded } = await start("off", disabled([...AWS_LIVE, ...AWS_COVERAGE, ...ALI_LIVE]));
    const stack = [stackResource(), awsTrail("main-trail"), aliTrail("main-trail")];
    for (const r of stack) await h.analyze(r);
    await moreTurns(h);
    await h.analyzeStack(stack);
    assert.deepEqual(
      loaded().filter((f) => AWS_SDK.test(f) || ALI_SDK.test(f)),
      [],
    );
  });

  it("a prewarmed pack checks as before: a stopped trail is reported by AnalyzeStack", async () => {
    const fake = await FakeAws.start();
    try {
      const { h, loaded } = await start("checks", coverageOff());
      const provider = awsProvider("acct", fake.url, { region: "us-east-1" });
      const trail = awsTrail("main-trail", { region: "us-east-1", provider });
      fake.trails.set(awsTrailArn("main-trail", "us-east-1"), { IsLogging: false });
      const stack = [stackResource(), trail];
      for (const r of stack) await h.analyze(r);
      await moreTurns(h);
      assert.ok(
        loaded().some((f) => AWS_SDK.test(f)),
        "prewarmed before AnalyzeStack",
      );
      const result = await h.analyzeStack(stack);
      const stopped = result.diagnostics.filter((d) => d.policyName === "aws-cloudtrail-trail-logging");
      assert.equal(stopped.length, 1, JSON.stringify(result.diagnostics));
      assert.equal(stopped[0]?.urn, trail.urn);
      assert.deepEqual(
        fake.requests.map((r) => r.action),
        ["GetTrailStatus"],
      );
    } finally {
      await fake.close();
    }
  });
});
