// `pulumi preview` and `pulumi up` with `--policy-pack`, real CLI and engine, on a TypeScript program using the real
// @pulumi/aws and @pulumi/alicloud classes (tests/e2e/program/). The providers are the test provider plugin
// (tests/e2e/provider/), the clouds the loopback fakes. One stack goes through: preview of the creation, up, preview
// and up of the existing resources, a trail stopped out of band.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FakeAlibaba } from "../fakes/alibaba";
import { FakeAws } from "../fakes/aws";
import { type Cli, offlineEnv, packArgument, provideCli, ROOT, takeRpcs, workDir } from "./cli";
import { type EngineEvent, ensureProgram, type OpResult, providerPlugin, runOp } from "./program";

const PROJECT = "auditguard-e2e";
const STACK = "dev";
const LIVE_POLICIES = [
  "aws-config-recorder-recording",
  "aws-cloudtrail-trail-logging",
  "alicloud-config-recorder-recording",
  "alicloud-actiontrail-trail-logging",
  "auditguard-live-verification",
];
// Secret provider keys: from secret program config (explicit providers) and secure stack config (default ones).
const SECRETS = {
  explicitAws: "agE2eExplicitAwsSecret0001",
  defaultAws: "agE2eDefaultAwsSecret0002",
  explicitAli: "agE2eExplicitAliSecret0003",
  defaultAli: "agE2eDefaultAliSecret0004",
};
const KEYS = {
  explicitAws: "AKIAE2EEXPLICIT00001",
  defaultAws: "AKIAE2EDEFAULT000002",
  explicitAli: "LTAIe2eExplicit0003",
  defaultAli: "LTAIe2eDefault00004",
};

const urn = (type: string, name: string): string => `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
const AWS_TRAIL = "aws:cloudtrail/trail:Trail";
const ALI_TRAIL = "alicloud:actiontrail/trail:Trail";
const arnOf = (region: string, name: string): string => `arn:aws:cloudtrail:${region}:123456789012:trail/${name}`;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

type Policy = NonNullable<EngineEvent["policyEvent"]>;
function policyEvents(r: OpResult): Policy[] {
  return r.events.flatMap((e) => (e.policyEvent ? [e.policyEvent] : []));
}
function brief(events: readonly Policy[]): string[] {
  return events.map((e) => `${e.policyName}@${e.resourceUrn ?? ""}#${e.enforcementLevel}`).sort();
}
function explain(r: OpResult): string {
  return `exit ${r.code}\n${brief(policyEvents(r)).join("\n")}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`;
}

describe("e2e: pulumi preview / up with --policy-pack (real CLI, real SDK classes, test provider)", function () {
  this.timeout(300_000);
  let cli: Cli;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let driver: string;
  let aws: FakeAws;
  let ali: FakeAlibaba;
  let providerLog: string;
  let base: Omit<Parameters<typeof runOp>[1], "op">;

  before(async function () {
    this.timeout(3_600_000); // cold: CLI build, npm ci of the program, its compile
    cli = await provideCli();
    driver = await ensureProgram();
    work = workDir("preview-up");
    env = offlineEnv(cli, work);
    aws = await FakeAws.start();
    ali = await FakeAlibaba.start();
    providerLog = path.join(work, "provider.log");
    const programDir = path.join(work, "program");
    fs.mkdirSync(programDir);
    const u = aws.url;
    const a = ali.url;
    base = {
      workDir: programDir,
      project: PROJECT,
      stack: STACK,
      envVars: Object.fromEntries(
        Object.entries(env).filter((e): e is [string, string] => e[0].startsWith("PULUMI_") && e[1] !== undefined),
      ),
      providers: {
        aws: providerPlugin("aws", work, providerLog),
        alicloud: providerPlugin("alicloud", work, providerLog),
      },
      config: {
        "e2e:awsEndpoint": { value: u },
        "e2e:aliEndpoint": { value: a },
        "e2e:awsAccessKey": { value: KEYS.explicitAws },
        "e2e:awsSecretKey": { value: SECRETS.explicitAws, secret: true },
        "e2e:aliAccessKey": { value: KEYS.explicitAli },
        "e2e:aliSecretKey": { value: SECRETS.explicitAli, secret: true },
        "aws:region": { value: "us-west-2" },
        "aws:endpoints[0].cloudtrail": { value: u },
        "aws:endpoints[0].configservice": { value: u },
        "aws:endpoints[0].sts": { value: u },
        "aws:accessKey": { value: KEYS.defaultAws },
        "aws:secretKey": { value: SECRETS.defaultAws, secret: true },
        "aws:skipCredentialsValidation": { value: "true" },
        "alicloud:region": { value: "cn-hangzhou" },
        "alicloud:endpoints[0].actiontrail": { value: a },
        "alicloud:endpoints[0].config": { value: a },
        "alicloud:accessKey": { value: KEYS.defaultAli },
        "alicloud:secretKey": { value: SECRETS.defaultAli, secret: true },
      },
      policyPacks: [packArgument(cli, ROOT, work)],
      policyPackConfigs: [],
    };
  });
  after(async () => {
    await aws?.close();
    await ali?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** The Analyzer RPCs the pack received during the last op. */
  let rpcs: string[] = [];

  async function op(name: "preview" | "up"): Promise<OpResult> {
    aws.requests.length = 0;
    ali.requests.length = 0;
    fs.writeFileSync(providerLog, "");
    takeRpcs(work);
    const r = await runOp(driver, { ...base, op: name }, env);
    rpcs = takeRpcs(work);
    const everything = r.stdout + r.stderr + JSON.stringify(r.events) + (r.error ?? "");
    for (const [which, secret] of Object.entries(SECRETS)) {
      assert.ok(!everything.includes(secret), `the ${which} secret key reached the CLI output`);
    }
    return r;
  }

  function providerCalls(): { pkg: string; method: string; type?: string; preview?: boolean }[] {
    return fs
      .readFileSync(providerLog, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { pkg: string; method: string; type?: string; preview?: boolean });
  }

  /** What the clouds say: every trail and recorder healthy, or the named AWS trail stopped. */
  function cloud(state: "healthy" | "stopped"): void {
    const t = nowSeconds();
    const healthyTrail = { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 };
    const stoppedTrail = { IsLogging: false, StopLoggingTime: t - 60 };
    aws.reset();
    aws.recorders.set("us-east-1/main", { recording: state === "healthy", lastStatus: "SUCCESS" });
    aws.trails.set(arnOf("us-east-1", "main-trail"), state === "healthy" ? healthyTrail : stoppedTrail);
    aws.trails.set(arnOf("us-west-2", "default-trail"), state === "healthy" ? healthyTrail : stoppedTrail);
    ali.recorder = {
      ConfigurationRecorderStatus: state === "healthy" ? "REGISTERED" : "REGISTRABLE",
      ResourceTypes: [],
    };
    ali.trails.clear();
    const aliTrail =
      state === "healthy" ? { IsLogging: true, LatestDeliveryTime: new Date().toISOString() } : { IsLogging: false };
    ali.trails.set("ali-trail", aliTrail);
    ali.trails.set("ali-explicit-trail", aliTrail);
  }

  function liveCalls(): string[] {
    return [
      ...aws.requests.map((r) => {
        const names = r.body["ConfigurationRecorderNames"];
        const target = Array.isArray(names) ? String(names[0]) : String(r.body["Name"]);
        return `aws ${r.action} ${target} ${r.region} ${r.accessKeyId}`;
      }),
      ...ali.requests.map((r) => `alicloud ${r.action} ${r.query["Name"] ?? "-"} ${r.accessKeyId}`),
    ].sort();
  }

  const EXPECTED_LIVE_CALLS = [
    `alicloud GetConfigurationRecorder - ${KEYS.defaultAli}`,
    `alicloud GetTrailStatus ali-explicit-trail ${KEYS.explicitAli}`,
    `alicloud GetTrailStatus ali-trail ${KEYS.defaultAli}`,
    `aws DescribeConfigurationRecorderStatus main us-east-1 ${KEYS.explicitAws}`,
    `aws GetTrailStatus ${arnOf("us-east-1", "main-trail")} us-east-1 ${KEYS.explicitAws}`,
    `aws GetTrailStatus ${arnOf("us-west-2", "default-trail")} us-west-2 ${KEYS.defaultAws}`,
  ];

  it("preview of a stack being created: no live call, no live-policy diagnostic, no violation", async () => {
    cloud("stopped"); // a live call would find everything stopped: none may be made for resources not yet created
    const r = await op("preview");
    assert.ok(r.ok, explain(r));
    assert.deepEqual(liveCalls(), []);
    assert.deepEqual(
      brief(policyEvents(r).filter((e) => LIVE_POLICIES.includes(e.policyName) || e.enforcementLevel === "mandatory")),
      [],
    );
    // The engine's calls: ConfigureStack first (the pack learns it is a preview from it alone when started through
    // the launcher), then Configure, Remediate and Analyze per resource, one AnalyzeStack last.
    assert.deepEqual(
      rpcs.slice(0, 4),
      ["configureStack", "getPluginInfo", "getAnalyzerInfo", "configure"],
      rpcs.join(),
    );
    assert.equal(rpcs.at(-1), "analyzeStack", rpcs.join());
    assert.equal(rpcs.filter((x) => x === "analyzeStack").length, 1, rpcs.join());
    // The provider answered the planned creates itself (preview support), so computed outputs were unknown.
    const creates = providerCalls().filter((c) => c.method === "Create");
    assert.ok(creates.length >= 7, JSON.stringify(creates));
    assert.ok(creates.every((c) => c.preview === true));
  });

  it("up creates the resources; the update phase checks every trail and recorder live with its provider's keys", async () => {
    cloud("healthy");
    const r = await op("up");
    assert.ok(r.ok, explain(r));
    assert.deepEqual(liveCalls(), EXPECTED_LIVE_CALLS);
    assert.deepEqual(
      brief(policyEvents(r).filter((e) => LIVE_POLICIES.includes(e.policyName) || e.enforcementLevel === "mandatory")),
      [],
    );
    // `up --skip-preview` (the Automation API's up): one analysis, of the final state.
    assert.equal(rpcs[0], "configureStack", rpcs.join());
    assert.equal(rpcs.filter((x) => x === "analyzeStack").length, 1, rpcs.join());
  });

  it("preview of the existing resources checks them live (ids known from state)", async () => {
    cloud("healthy");
    const r = await op("preview");
    assert.ok(r.ok, explain(r));
    assert.deepEqual(liveCalls(), EXPECTED_LIVE_CALLS);
  });

  it("up with nothing to change checks them live again in the update phase", async () => {
    cloud("healthy");
    const r = await op("up");
    assert.ok(r.ok, explain(r));
    assert.deepEqual(liveCalls(), EXPECTED_LIVE_CALLS);
  });

  it("trails stopped out of band block the next preview: non-zero exit, mandatory violations on their URNs", async () => {
    cloud("stopped");
    const r = await op("preview");
    assert.equal(r.ok, false, explain(r));
    assert.notEqual(r.code, 0);
    const mandatory = brief(policyEvents(r).filter((e) => e.enforcementLevel === "mandatory"));
    assert.deepEqual(mandatory, [
      `alicloud-actiontrail-trail-logging@${urn(ALI_TRAIL, "ali-explicit-trail")}#mandatory`,
      `alicloud-actiontrail-trail-logging@${urn(ALI_TRAIL, "ali-trail")}#mandatory`,
      `alicloud-config-recorder-recording@${urn("alicloud:cfg/configurationRecorder:ConfigurationRecorder", "ali-recorder")}#mandatory`,
      `aws-cloudtrail-trail-logging@${urn(AWS_TRAIL, "default-trail")}#mandatory`,
      `aws-cloudtrail-trail-logging@${urn(AWS_TRAIL, "main-trail")}#mandatory`,
      `aws-config-recorder-recording@${urn("aws:cfg/recorder:Recorder", "main-recorder")}#mandatory`,
    ]);
  });

  it("with the live policies lowered to advisory by --policy-pack-config, the same preview passes and still reports", async () => {
    cloud("stopped");
    const config = path.join(work, "advisory.json");
    fs.writeFileSync(config, JSON.stringify(Object.fromEntries(LIVE_POLICIES.map((p) => [p, "advisory"]))));
    base.policyPackConfigs = [config];
    try {
      const r = await op("preview");
      assert.ok(r.ok, explain(r));
      const live = policyEvents(r).filter((e) => LIVE_POLICIES.includes(e.policyName));
      assert.equal(live.length, 6, explain(r));
      assert.ok(live.every((e) => e.enforcementLevel === "advisory"));
    } finally {
      base.policyPackConfigs = [];
    }
  });

  it("up with the trails still stopped fails in its update phase (the stack policies run on the final state)", async () => {
    cloud("stopped");
    const r = await op("up");
    assert.equal(r.ok, false, explain(r));
    assert.notEqual(r.code, 0);
    assert.ok(
      brief(policyEvents(r)).includes(`aws-cloudtrail-trail-logging@${urn(AWS_TRAIL, "main-trail")}#mandatory`),
      explain(r),
    );
  });
});
