// `pulumi policy analyze --file` with the real CLI over a state of discovered-style resources, as a Pulumi Cloud
// audit group for cloud accounts (Discovery) would hand them to the pack: classic `aws:` types, no providers, URNs
// whose project is the account and whose stack is `<account>/<region>`, props possibly only an ARN. Only the two
// resource policies are enabled (Discovery runs no stack policy). Credentials reach the pack only through its
// environment, as an ESC environment's `environmentVariables` do; the SDK's AWS_ENDPOINT_URL points at the fake.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FAKE_ACCOUNT, FakeAws } from "../fakes/aws";
import { AWS_REGION, awsEndpoints, awsTrail, awsTrailArn } from "../harness/fixtures";
import { StateFile, undecryptableSecret } from "./state";
import {
  brief,
  type Cli,
  offlineEnv,
  packArgument,
  policyEventsOf,
  provideCli,
  ROOT,
  run,
  type Run,
  workDir,
} from "./cli";

const TRAIL_POLICY = "aws-cloudtrail-trail-discovered";
const RECORDER_POLICY = "aws-config-recorder-discovered";
const REGION = "ap-southeast-2";
const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${FAKE_ACCOUNT}:trail/org-main`;
const ENV_KEY = "AGE2EDISCOVERYKEY001";
const ENV_SECRET = "agE2eDiscoverySecretCanary01";
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const urnOf = (type: string, name: string): string =>
  `urn:pulumi:${FAKE_ACCOUNT}/${REGION}::${FAKE_ACCOUNT}::${type}::${name}`;

/** A state of discovered resources: no stack resource, no provider; inputs and outputs alike. */
function discoveredState(): { trailUrn: string; recorderUrn: string; statusUrn: string; state: unknown } {
  const trailUrn = urnOf("aws:cloudtrail/trail:Trail", "org-main");
  const recorderUrn = urnOf("aws:cfg/recorder:Recorder", "default");
  const statusUrn = urnOf("aws:cfg/recorderStatus:RecorderStatus", "default");
  const res = (urn: string, type: string, id: string, props: Record<string, unknown>): unknown => ({
    urn,
    custom: true,
    id,
    type,
    inputs: props,
    outputs: { id, ...props },
  });
  return {
    trailUrn,
    recorderUrn,
    statusUrn,
    state: {
      version: 3,
      deployment: {
        manifest: { time: new Date().toISOString(), magic: "", version: "v3.276.0" },
        resources: [
          // Only what any shape carries: the ARN.
          res(trailUrn, "aws:cloudtrail/trail:Trail", TRAIL_ARN, { arn: TRAIL_ARN }),
          // Classic properties, where a shape has them.
          res(recorderUrn, "aws:cfg/recorder:Recorder", "default", { name: "default", roleArn: "arn:aws:iam::x" }),
          res(statusUrn, "aws:cfg/recorderStatus:RecorderStatus", "default", { name: "default", isEnabled: true }),
        ],
      },
    },
  };
}

describe("e2e: pulumi policy analyze --file over discovered resources (real CLI, resource policies only)", function () {
  this.timeout(120_000);
  let cli: Cli;
  let work: string;
  let pack: string;
  let aws: FakeAws;
  let file: string;
  let config: string;
  let urns: ReturnType<typeof discoveredState>;

  before(async function () {
    this.timeout(3_600_000); // a cold CLI build from Go modules takes minutes
    cli = await provideCli();
    work = workDir("discovered");
    pack = packArgument(cli, ROOT, work);
    aws = await FakeAws.start();
    urns = discoveredState();
    file = path.join(work, "discovered.json");
    fs.writeFileSync(file, JSON.stringify(urns.state, null, 2));
    config = path.join(work, "audit-group.json");
    // As an audit group's config: every stack policy off (Discovery runs none), the two resource policies on.
    fs.writeFileSync(
      config,
      JSON.stringify({ all: "disabled", [TRAIL_POLICY]: "mandatory", [RECORDER_POLICY]: "advisory" }),
    );
  });
  after(async () => {
    await aws?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => aws.reset());

  async function analyze(env: Record<string, string>): Promise<Run> {
    const r = await run(
      cli.pulumi,
      ["policy", "analyze", "--json", "--file", file, "--policy-pack", pack, "--policy-pack-config", config],
      { cwd: work, env: offlineEnv(cli, work, { AWS_ENDPOINT_URL: aws.url, ...env }) },
    );
    assert.ok(!(r.stdout + r.stderr).includes(ENV_SECRET), "the environment's secret reached the CLI output");
    return r;
  }

  it("keys in the environment: a stopped trail is a mandatory violation on its URN (exit 1); the healthy recorder passes; one status call serves recorder and status", async () => {
    const t = nowSeconds();
    aws.trails.set(TRAIL_ARN, { IsLogging: false, StopLoggingTime: t - 7200 });
    aws.recorders.set(`${REGION}/default`, { recording: true, lastStatus: "SUCCESS", lastStatusChangeTime: t - 60 });
    const r = await analyze({ AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: ENV_SECRET });
    assert.notEqual(r.code, 0, r.stdout + r.stderr);
    const events = policyEventsOf(r.stdout);
    assert.deepEqual(brief(events), [`${TRAIL_POLICY}@${urns.trailUrn}#mandatory`], r.stdout + r.stderr);
    assert.match(events[0]?.message ?? "", /is not logging \(IsLogging=false since/);
    assert.deepEqual(
      aws.requests.map((q) => [q.action, q.region, q.accessKeyId]),
      [
        ["GetTrailStatus", REGION, ENV_KEY],
        ["DescribeConfigurationRecorderStatus", REGION, ENV_KEY],
      ],
    );
    assert.deepEqual(aws.calls("GetTrailStatus")[0]?.body["Name"], TRAIL_ARN);
  });

  it("no keys in the environment: each resource gets one advisory 'not verified live' diagnostic, exit 0, no call", async () => {
    const r = await analyze({ AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_SESSION_TOKEN: "" });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const events = policyEventsOf(r.stdout);
    assert.deepEqual(
      brief(events).sort(),
      [
        `${RECORDER_POLICY}@${urns.recorderUrn}#advisory`,
        `${RECORDER_POLICY}@${urns.statusUrn}#advisory`,
        `${TRAIL_POLICY}@${urns.trailUrn}#advisory`,
      ].sort(),
    );
    assert.ok(
      events.every(
        (e) => e.message.includes("Not verified live") && e.message.includes("AUDITGUARD_AWS_ACCESS_KEY_ID"),
      ),
      events.map((e) => e.message).join("\n"),
    );
    assert.deepEqual(aws.requests, []);
  });

  it("a stack's state whose provider keys the CLI cannot decrypt ('[secret]', as server-side): the environment's keys sign the stack policies' calls", async () => {
    const s = new StateFile("dev", "auditguard-e2e", true);
    const provider = s.provider("aws", "aws-foreign", "7.48.0", {
      region: AWS_REGION,
      accessKey: "AKIAE2EFOREIGN000002",
      secretKey: undecryptableSecret(),
      endpoints: awsEndpoints(aws.url),
    });
    const trail = awsTrail("main-trail");
    const trailUrn = s.resource(trail.type, trail.name, trail.props, provider);
    const stateFile = path.join(work, "foreign-secrets.json");
    fs.writeFileSync(stateFile, JSON.stringify(s.toJSON()));
    aws.trails.set(awsTrailArn("main-trail"), { IsLogging: false });
    const stackConfig = path.join(work, "stack-group.json");
    fs.writeFileSync(stackConfig, JSON.stringify({ all: "disabled", "aws-cloudtrail-trail-logging": "mandatory" }));
    const r = await run(
      cli.pulumi,
      ["policy", "analyze", "--json", "--file", stateFile, "--policy-pack", pack, "--policy-pack-config", stackConfig],
      {
        cwd: work,
        env: offlineEnv(cli, work, { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: ENV_SECRET }),
      },
    );
    assert.ok(!(r.stdout + r.stderr).includes(ENV_SECRET));
    assert.notEqual(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(brief(policyEventsOf(r.stdout)), [`aws-cloudtrail-trail-logging@${trailUrn}#mandatory`]);
    assert.deepEqual(
      aws.calls("GetTrailStatus").map((q) => q.accessKeyId),
      [ENV_KEY],
      "signed with the environment's key, not the placeholder",
    );
  });
});
