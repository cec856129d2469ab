// `pulumi policy analyze --file <state export> --policy-pack <this pack>` with the real CLI: no program, no provider
// plugins, no stack context (no ConfigureStack, no PULUMI_CONFIG). The state's trails and recorders point, through
// their providers' `endpoints`, at the loopback fakes this test starts.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FakeAlibaba } from "../fakes/alibaba";
import { FakeAws } from "../fakes/aws";
import {
  ALI_REGION,
  AWS_REGION,
  aliEndpoints,
  aliRecorder,
  aliTrail,
  awsDeliveryChannel,
  awsEndpoints,
  awsRecorder,
  awsRecorderStatus,
  awsTrail,
  awsTrailArn,
} from "../harness/fixtures";
import {
  brief,
  type Cli,
  offlineEnv,
  packArgument,
  type PolicyEvent,
  policyEventsOf,
  provideCli,
  ROOT,
  run,
  type Run,
  takeRpcs,
  workDir,
} from "./cli";
import { exportedSecret, StateFile, undecryptableSecret } from "./state";

const TRAIL_LOGGING = "aws-cloudtrail-trail-logging";
const ALI_TRAIL_LOGGING = "alicloud-actiontrail-trail-logging";
const SECRET_CANARY = "agE2eAnalyzeSecretCanary0001";
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

interface Stack {
  file: string;
  awsTrailUrn: string;
  aliTrailUrn: string;
}

/** AWS recorder (+ status, channel) and trail, Alibaba recorder and trail, behind explicit providers. */
function writeState(dir: string, aws: FakeAws, ali: FakeAlibaba): Stack {
  const s = new StateFile();
  const awsProvider = s.provider("aws", "aws-fake", "7.48.0", {
    region: AWS_REGION,
    accessKey: "AKIAE2EANALYZE000001",
    secretKey: exportedSecret(SECRET_CANARY),
    skipCredentialsValidation: true,
    endpoints: awsEndpoints(aws.url),
  });
  const aliProvider = s.provider("alicloud", "ali-fake", "3.108.0", {
    region: ALI_REGION,
    accessKey: "LTAIe2eAnalyze0001",
    secretKey: exportedSecret(SECRET_CANARY),
    endpoints: aliEndpoints(ali.url),
  });
  for (const spec of [awsRecorder("main"), awsRecorderStatus("main"), awsDeliveryChannel("main")]) {
    s.resource(spec.type, spec.name, spec.props, awsProvider);
  }
  const trail = awsTrail("main-trail");
  const awsTrailUrn = s.resource(trail.type, trail.name, trail.props, awsProvider);
  const rec = aliRecorder("ali-recorder");
  s.resource(rec.type, rec.name, rec.props, aliProvider);
  const at = aliTrail("ali-trail");
  const aliTrailUrn = s.resource(at.type, at.name, at.props, aliProvider);
  const file = path.join(dir, "state.json");
  fs.writeFileSync(file, JSON.stringify(s.toJSON(), null, 2));
  return { file, awsTrailUrn, aliTrailUrn };
}

/** Both clouds healthy; the AWS trail's last delivery `deliveryAgeHours` ago. */
function healthy(aws: FakeAws, ali: FakeAlibaba, deliveryAgeHours = 0.1): void {
  const t = nowSeconds();
  aws.recorders.set(`${AWS_REGION}/main`, { recording: true, lastStatus: "SUCCESS", lastStatusChangeTime: t - 600 });
  aws.trails.set(awsTrailArn("main-trail"), {
    IsLogging: true,
    StartLoggingTime: t - 10 * 86_400,
    LatestDeliveryTime: t - Math.round(deliveryAgeHours * 3600),
  });
  ali.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
  ali.trails.set("ali-trail", { IsLogging: true, LatestDeliveryTime: new Date(Date.now() - 300_000).toISOString() });
}

describe("e2e: pulumi policy analyze --file (real CLI, no stack context)", function () {
  this.timeout(120_000);
  let cli: Cli;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let pack: string;
  let aws: FakeAws;
  let ali: FakeAlibaba;
  let stack: Stack;

  before(async function () {
    this.timeout(3_600_000); // a cold CLI build from Go modules takes minutes
    cli = await provideCli();
    work = workDir("analyze");
    env = offlineEnv(cli, work);
    pack = packArgument(cli, ROOT, work);
    aws = await FakeAws.start();
    ali = await FakeAlibaba.start();
    stack = writeState(work, aws, ali);
  });
  after(async () => {
    await aws?.close();
    await ali?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    aws.reset();
    ali.recorder = undefined;
    ali.trails.clear();
    ali.requests.length = 0;
  });

  async function analyze(...extra: string[]): Promise<Run & { events: PolicyEvent[] }> {
    const r = await run(cli.pulumi, ["policy", "analyze", "--file", stack.file, "--policy-pack", pack, ...extra], {
      cwd: work,
      env,
    });
    const output = r.stdout + r.stderr;
    assert.ok(!output.includes(SECRET_CANARY), "a provider secret reached the CLI output");
    return { ...r, events: extra.includes("--json") ? policyEventsOf(r.stdout) : [] };
  }

  function configFile(name: string, config: unknown): string {
    const file = path.join(work, name);
    fs.writeFileSync(file, JSON.stringify(config));
    return file;
  }

  it(`the CLI reports its version`, () => {
    assert.match(cli.version, /^v3\.\d+\.\d+/);
  });

  it("the engine's calls without stack context: no ConfigureStack; Configure always; one AnalyzeStack last", async () => {
    healthy(aws, ali);
    takeRpcs(work);
    const r = await analyze();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rpcs = takeRpcs(work);
    // 9 resources in the state (the stack, 2 providers, 6 others): each gets Remediate then Analyze.
    const perResource = Array.from({ length: 9 }, () => ["remediate", "analyze"]).flat();
    assert.deepEqual(rpcs, ["getPluginInfo", "getAnalyzerInfo", "configure", ...perResource, "analyzeStack"]);
  });

  it("a healthy state exits 0 after checking every trail and recorder live, with the state's provider keys", async () => {
    healthy(aws, ali);
    const r = await analyze("--json");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(
      r.events.filter((e) => e.enforcementLevel === "mandatory"),
      [],
    );
    // Whatever else --json carries (declared-check advisories), every policy event is the pack's own.
    assert.ok(
      r.events.every((e) => e.policyPackName === "auditguard"),
      brief(r.events).join("\n"),
    );
    const trailCalls = aws.calls("GetTrailStatus");
    assert.deepEqual(
      trailCalls.map((c) => [c.body["Name"], c.region, c.accessKeyId]),
      [[awsTrailArn("main-trail"), AWS_REGION, "AKIAE2EANALYZE000001"]],
    );
    assert.deepEqual(
      aws.calls("DescribeConfigurationRecorderStatus").map((c) => c.body["ConfigurationRecorderNames"]),
      [["main"]],
    );
    assert.deepEqual(
      ali.calls("GetTrailStatus").map((c) => [c.query["Name"], c.accessKeyId]),
      [["ali-trail", "LTAIe2eAnalyze0001"]],
    );
    assert.equal(ali.calls("GetConfigurationRecorder").length, 1);
  });

  it("a trail stopped out of band exits non-zero with the mandatory violation on that trail's URN", async () => {
    healthy(aws, ali);
    aws.trails.set(awsTrailArn("main-trail"), { IsLogging: false, StopLoggingTime: nowSeconds() - 60 });
    ali.trails.set("ali-trail", { IsLogging: false });
    const r = await analyze("--json");
    assert.notEqual(r.code, 0);
    const mandatory = brief(r.events.filter((e) => e.enforcementLevel === "mandatory"));
    assert.deepEqual(mandatory, [
      `${ALI_TRAIL_LOGGING}@${stack.aliTrailUrn}#mandatory`,
      `${TRAIL_LOGGING}@${stack.awsTrailUrn}#mandatory`,
    ]);
  });

  it("without --json the exit code is the same and the report names the policy and the trail", async () => {
    healthy(aws, ali);
    aws.trails.set(awsTrailArn("main-trail"), { IsLogging: false });
    const r = await analyze();
    assert.notEqual(r.code, 0);
    assert.ok(r.stdout.includes(TRAIL_LOGGING), r.stdout);
    assert.ok(r.stdout.includes("main-trail"), r.stdout);
  });

  it("--policy-pack-config: a lower delivery-age threshold makes a 5-hour-old delivery a mandatory violation", async () => {
    healthy(aws, ali, 5);
    const before = await analyze("--json");
    assert.equal(before.code, 0, before.stdout + before.stderr);
    assert.deepEqual(
      before.events.filter((e) => e.policyName === TRAIL_LOGGING),
      [],
    );
    const config = configFile("threshold.json", { [TRAIL_LOGGING]: { maxDeliveryAgeHours: 2 } });
    const after = await analyze("--json", "--policy-pack-config", config);
    assert.notEqual(after.code, 0);
    assert.deepEqual(brief(after.events.filter((e) => e.policyName === TRAIL_LOGGING)), [
      `${TRAIL_LOGGING}@${stack.awsTrailUrn}#mandatory`,
    ]);
  });

  it("--policy-pack-config: the same violation at level advisory is reported and exits 0", async () => {
    healthy(aws, ali, 5);
    const config = configFile("advisory.json", {
      [TRAIL_LOGGING]: { enforcementLevel: "advisory", maxDeliveryAgeHours: 2 },
    });
    const r = await analyze("--json", "--policy-pack-config", config);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(brief(r.events.filter((e) => e.policyName === TRAIL_LOGGING)), [
      `${TRAIL_LOGGING}@${stack.awsTrailUrn}#advisory`,
    ]);
  });

  it("--policy-pack-config: a disabled live policy makes no call", async () => {
    healthy(aws, ali);
    aws.trails.set(awsTrailArn("main-trail"), { IsLogging: false });
    const config = configFile("disabled.json", { [TRAIL_LOGGING]: "disabled" });
    const r = await analyze("--json", "--policy-pack-config", config);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(aws.calls("GetTrailStatus").length, 0);
    assert.equal(aws.calls("DescribeConfigurationRecorderStatus").length, 1);
  });

  it("secrets the CLI cannot decrypt: no call signed with the placeholder, and live-verification says why", async () => {
    const s = new StateFile("dev", "auditguard-e2e", true);
    const provider = s.provider("aws", "aws-foreign", "7.48.0", {
      region: AWS_REGION,
      accessKey: "AKIAE2EFOREIGN000001",
      secretKey: undecryptableSecret(),
      endpoints: awsEndpoints(aws.url),
    });
    const trail = awsTrail("main-trail");
    const trailUrn = s.resource(trail.type, trail.name, trail.props, provider);
    const file = path.join(work, "foreign-secrets.json");
    fs.writeFileSync(file, JSON.stringify(s.toJSON()));
    healthy(aws, ali);
    const r = await run(cli.pulumi, ["policy", "analyze", "--json", "--file", file, "--policy-pack", pack], {
      cwd: work,
      env,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(aws.calls("GetTrailStatus").length, 0);
    const events = policyEventsOf(r.stdout).filter((e) => e.policyName === "auditguard-live-verification");
    assert.deepEqual(brief(events), [`auditguard-live-verification@${trailUrn}#advisory`]);
    assert.ok(events[0]?.message.includes("secretKey"), events[0]?.message);
  });
});
