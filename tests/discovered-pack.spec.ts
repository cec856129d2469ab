// The Discovery resource policies through the whole built pack over the Analyzer protocol (per-resource Analyze
// RPCs, as an audit group for cloud accounts runs them), against the loopback AWS fake: discovered-style resources
// with no provider and URNs whose project is the account and whose stack is `<account>/<region>`. Credentials come
// only from the pack's environment, as an ESC environment attached to the pack gives them; the SDK's
// AWS_ENDPOINT_URL sends those calls to the fake. Also: a stack state's unreadable provider keys ("[secret]").

import assert from "node:assert/strict";
import {
  type AnalyzeResult,
  AnalyzerHarness,
  type PolicyOverride,
  providerResource,
  resource,
  type ResourceSpec,
  stackResource,
} from "./harness/analyzer";
import { FAKE_ACCOUNT, FakeAws } from "./fakes/aws";
import { awsProvider, awsTrail, awsTrailArn } from "./harness/fixtures";

const TRAIL = "aws-cloudtrail-trail-discovered";
const RECORDER = "aws-config-recorder-discovered";
const LIVE = "auditguard-live-verification";
const ACCOUNT = FAKE_ACCOUNT;
const REGION = "eu-west-1";
const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-main`;
const AMBIENT_KEY = "AGDISCOVERYAMBIENT01";
const AUDIT_KEY = "AGDISCOVERYAUDIT0001";
const AUDIT_ROLE = `arn:aws:iam::${ACCOUNT}:role/auditguard-reader`;
const NO_KEYS = { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_SESSION_TOKEN: "", AWS_PROFILE: "" };
const STACK_POLICIES_OFF: Record<string, PolicyOverride> = {
  all: "disabled",
};

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A resource as Discovery names it: no provider; project = account, stack = `<account>/<region>`. */
function discovered(type: string, name: string, props: Record<string, string>): ResourceSpec {
  return resource(type, name, props, { urn: `urn:pulumi:${ACCOUNT}/${REGION}::${ACCOUNT}::${type}::${name}` });
}

const trail = (props: Record<string, string> = { arn: TRAIL_ARN }): ResourceSpec =>
  discovered("aws:cloudtrail/trail:Trail", "org-main", props);
const recorder = (): ResourceSpec => discovered("aws:cfg/recorder:Recorder", "default", {});
const recorderStatus = (props: Record<string, string | boolean> = {}): ResourceSpec =>
  resource("aws:cfg/recorderStatus:RecorderStatus", "default", props as Record<string, string>, {
    urn: `urn:pulumi:${ACCOUNT}/${REGION}::${ACCOUNT}::aws:cfg/recorderStatus:RecorderStatus::default`,
  });

function brief(results: AnalyzeResult[]): string {
  return JSON.stringify(
    results.flatMap((r) => r.diagnostics.map((d) => ({ p: d.policyName, l: d.enforcementLevel, m: d.message }))),
    null,
    1,
  );
}

describe("Discovery resource policies over the Analyzer protocol (per-resource Analyze)", function () {
  let fake: FakeAws;
  before(async () => {
    fake = await FakeAws.start();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  async function withPack<T>(
    env: Record<string, string>,
    policies: Record<string, PolicyOverride>,
    fn: (pack: AnalyzerHarness) => Promise<T>,
  ): Promise<T> {
    // As `pulumi policy analyze` and (as far as is known) a Discovery audit: no stack context.
    const pack = await AnalyzerHarness.spawn({ noStackContext: true, env: { AWS_ENDPOINT_URL: fake.url, ...env } });
    try {
      await pack.getAnalyzerInfo();
      await pack.configure({ ...STACK_POLICIES_OFF, ...policies });
      return await fn(pack);
    } finally {
      await pack.close();
    }
  }
  const ambient = { ...NO_KEYS, AWS_ACCESS_KEY_ID: AMBIENT_KEY, AWS_SECRET_ACCESS_KEY: "ag-discovery-ambient-secret" };

  it("disabled by default: a stopped discovered trail draws no diagnostic and no call", async () => {
    fake.trails.set(TRAIL_ARN, { IsLogging: false });
    const pack = await AnalyzerHarness.spawn({ noStackContext: true, env: { AWS_ENDPOINT_URL: fake.url, ...ambient } });
    try {
      await pack.getAnalyzerInfo();
      await pack.configure({});
      const results = [await pack.analyze(trail()), await pack.analyze(recorder())];
      assert.deepEqual(brief(results), "[]");
    } finally {
      await pack.close();
    }
    assert.deepEqual(fake.requests, []);
  });

  it("enabled: a stopped trail (ARN only) is a violation at the policy's level, from GetTrailStatus by ARN in its region with the environment's keys", async () => {
    fake.trails.set(TRAIL_ARN, { IsLogging: false, StopLoggingTime: nowSeconds() - 3600 });
    const results = await withPack(ambient, { [TRAIL]: "mandatory" }, async (pack) => [await pack.analyze(trail())]);
    const d = results.flatMap((r) => r.diagnostics);
    assert.equal(d.length, 1, brief(results));
    assert.equal(d[0]?.policyName, TRAIL);
    assert.equal(d[0]?.enforcementLevel, "mandatory");
    assert.match(
      d[0]?.message ?? "",
      /is not logging \(IsLogging=false since .*\); an audit expects every trail to log/,
    );
    assert.match(d[0]?.message ?? "", new RegExp(`account ${ACCOUNT}`));
    const calls = fake.calls("GetTrailStatus");
    assert.deepEqual(
      calls.map((c) => [c.body["Name"], c.region, c.accessKeyId]),
      [[TRAIL_ARN, REGION, AMBIENT_KEY]],
    );
  });

  it("enabled: a healthy trail named only by its URN (no props) is checked by name in the URN's region and passes", async () => {
    const t = nowSeconds();
    fake.trails.set(TRAIL_ARN, { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 });
    const results = await withPack(ambient, { [TRAIL]: "advisory" }, async (pack) => [await pack.analyze(trail({}))]);
    assert.equal(brief(results), "[]");
    assert.deepEqual(
      fake.calls("GetTrailStatus").map((c) => [c.body["Name"], c.region]),
      [["org-main", REGION]],
    );
  });

  it("a recorder and its recorder status share one DescribeConfigurationRecorderStatus; each reports the stopped recorder", async () => {
    fake.recorders.set(`${REGION}/default`, {
      recording: false,
      lastStatus: "SUCCESS",
      lastStopTime: nowSeconds() - 60,
    });
    const results = await withPack(ambient, { [RECORDER]: "advisory" }, async (pack) => [
      await pack.analyze(recorder()),
      await pack.analyze(recorderStatus()),
    ]);
    assert.deepEqual(
      results.map((r) => r.diagnostics.map((d) => d.policyName)),
      [[RECORDER], [RECORDER]],
      brief(results),
    );
    assert.match(
      results[0]?.diagnostics[0]?.message ?? "",
      /'default' \(region eu-west-1, account 123456789012\) is not recording/,
    );
    const calls = fake.calls("DescribeConfigurationRecorderStatus");
    assert.deepEqual(
      calls.map((c) => [c.body["ConfigurationRecorderNames"], c.region, c.accessKeyId]),
      [[["default"], REGION, AMBIENT_KEY]],
      "one call for both resources",
    );
  });

  it("no credentials in the environment: one advisory 'not verified live' diagnostic per resource even at mandatory, the property verdict kept, no call", async () => {
    const results = await withPack(NO_KEYS, { [TRAIL]: "mandatory", [RECORDER]: "mandatory" }, async (pack) => [
      await pack.analyze(trail({ arn: TRAIL_ARN, enableLogging: "false" } as Record<string, string>)),
      await pack.analyze(recorderStatus({ isEnabled: false })),
    ]);
    const [t, r] = results;
    assert.deepEqual(
      t?.diagnostics.map((d) => [d.enforcementLevel, /Not verified live/.test(d.message)]),
      [
        ["mandatory", false],
        ["advisory", true],
      ],
      brief(results),
    );
    assert.match(
      t?.diagnostics[0]?.message ?? "",
      /is not logging \(enableLogging: false\), by its discovered properties/,
    );
    assert.match(
      t?.diagnostics[1]?.message ?? "",
      /no credentials could be found calling GetTrailStatus.*AUDITGUARD_AWS_ACCESS_KEY_ID/,
    );
    assert.match(t?.diagnostics[1]?.message ?? "", /cloudtrail:GetTrailStatus/);
    assert.deepEqual(
      r?.diagnostics.map((d) => d.enforcementLevel),
      ["mandatory", "advisory"],
      brief(results),
    );
    assert.match(r?.diagnostics[0]?.message ?? "", /isEnabled: false/);
    assert.deepEqual(fake.requests, [], "no call signed with anything");
  });

  it("the audit role template: the hub keys (AUDITGUARD_AWS_*) assume the URN account's reader role once; every status call is the role's", async () => {
    const t = nowSeconds();
    fake.trails.set(TRAIL_ARN, { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 });
    fake.recorders.set(`${REGION}/default`, { recording: true, lastStatus: "SUCCESS", lastStatusChangeTime: t - 60 });
    fake.roles.set(AUDIT_ROLE, AUDIT_KEY);
    const hub = {
      ...NO_KEYS,
      AUDITGUARD_AWS_ACCESS_KEY_ID: "ASIADISCOVERYHUB0001",
      AUDITGUARD_AWS_SECRET_ACCESS_KEY: "ag-discovery-hub-secret",
      AUDITGUARD_AWS_SESSION_TOKEN: "ag-discovery-hub-token",
    };
    const results = await withPack(
      hub,
      {
        [TRAIL]: "advisory",
        [RECORDER]: "advisory",
        [LIVE]: { enforcementLevel: "disabled", awsAuditRole: "arn:aws:iam::{account}:role/auditguard-reader" },
      },
      async (pack) => [await pack.analyze(trail()), await pack.analyze(recorder())],
    );
    assert.equal(brief(results), "[]");
    assert.deepEqual(
      fake.calls("AssumeRole").map((c) => [c.body["RoleArn"], c.accessKeyId, c.sessionToken]),
      [[AUDIT_ROLE, "ASIADISCOVERYHUB0001", "ag-discovery-hub-token"]],
      "assumed once for both resources",
    );
    const status = fake.requests.filter((r) => r.service !== "sts");
    assert.deepEqual(
      status.map((r) => r.action),
      ["GetTrailStatus", "DescribeConfigurationRecorderStatus"],
    );
    assert.ok(status.every((r) => r.accessKeyId === AUDIT_KEY));
  });

  it("a stack's own trail (it has a provider) gets no call from the resource policy: the stack policy checks it after the update", async () => {
    fake.trails.set(awsTrailArn("org-main"), { IsLogging: false });
    const provider = awsProvider("app", fake.url, { accessKey: "AGSTACKPROVIDER00001", secretKey: "ag-stack-secret" });
    const spec = awsTrail("org-main", { provider });
    const results = await withPack(ambient, { [TRAIL]: "advisory" }, async (pack) => [await pack.analyze(spec)]);
    assert.equal(brief(results), "[]");
    assert.deepEqual(fake.requests, []);
  });

  it("a Discovery URN with a provider reference (no settings) is still checked live with the environment's keys", async () => {
    fake.trails.set(TRAIL_ARN, { IsLogging: false });
    const bare = {
      type: "pulumi:providers:aws",
      urn: "urn:pulumi:x::x::pulumi:providers:aws::default",
      name: "default",
      props: {},
    };
    const spec = { ...trail(), provider: bare };
    const results = await withPack(ambient, { [TRAIL]: "advisory" }, async (pack) => [await pack.analyze(spec)]);
    assert.deepEqual(
      results.flatMap((r) => r.diagnostics.map((d) => d.policyName)),
      [TRAIL],
      brief(results),
    );
    assert.deepEqual(
      fake.calls("GetTrailStatus").map((c) => c.accessKeyId),
      [AMBIENT_KEY],
    );
  });

  it("stack policies, provider keys unreadable ('[secret]', a server-side state): the environment's keys sign the call instead, never the placeholder", async () => {
    fake.trails.set(awsTrailArn("org-main"), { IsLogging: false });
    const provider = awsProvider("app", fake.url, { accessKey: "AGSTACKPROVIDER00001", secretKey: "[secret]" });
    const spec = awsTrail("org-main", { provider });
    const pack = await AnalyzerHarness.spawn({ noStackContext: true, env: { ...ambient } });
    let result: AnalyzeResult;
    try {
      await pack.getAnalyzerInfo();
      await pack.configure({ all: "disabled", "aws-cloudtrail-trail-logging": "mandatory" });
      result = await pack.analyzeStack([stackResource(), providerResource(provider), spec]);
    } finally {
      await pack.close();
    }
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["aws-cloudtrail-trail-logging", "mandatory"]],
      JSON.stringify(result.diagnostics),
    );
    assert.deepEqual(
      fake.calls("GetTrailStatus").map((c) => c.accessKeyId),
      [AMBIENT_KEY],
    );
  });

  it("stack policies, provider keys unreadable and none in the environment: advisory undetermined diagnostics even with live-verification mandatory, no call", async () => {
    const provider = awsProvider("app", fake.url, { accessKey: "AGSTACKPROVIDER00001", secretKey: "[secret]" });
    const spec = awsTrail("org-main", { provider });
    const pack = await AnalyzerHarness.spawn({ noStackContext: true, env: { ...NO_KEYS } });
    let result: AnalyzeResult;
    try {
      await pack.getAnalyzerInfo();
      await pack.configure({
        all: "disabled",
        "aws-cloudtrail-trail-logging": "mandatory",
        "aws-cloudtrail-account-coverage": "mandatory",
        [LIVE]: "mandatory",
      });
      result = await pack.analyzeStack([stackResource(), providerResource(provider), spec]);
    } finally {
      await pack.close();
    }
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.urn === spec.urn ? "trail" : "stack"]),
      [
        [LIVE, "advisory", "trail"],
        [LIVE, "advisory", "stack"],
      ],
      JSON.stringify(result.diagnostics),
    );
    assert.ok(
      result.diagnostics.every((d) =>
        /no credentials could be found.*"\[secret\]".*AUDITGUARD_AWS_ACCESS_KEY_ID/.test(d.message),
      ),
      JSON.stringify(result.diagnostics),
    );
    assert.deepEqual(fake.requests, [], "no call signed with the placeholder");
  });
});
