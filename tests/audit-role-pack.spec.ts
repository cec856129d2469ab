// The audit identity through the whole built pack over the Analyzer protocol, against the loopback AWS
// fake: every live call (coverage and per-resource) is signed by the key STS issued for the audit role,
// assumed from the provider's credentials or from the pack's own environment; the account comes from the
// provider's GetCallerIdentity; a denied AssumeRole names the audit role.

import assert from "node:assert/strict";
import {
  AnalyzerHarness,
  brief,
  type ProviderRef,
  providerResource,
  resource,
  type ResourceSpec,
  stackResource,
} from "./harness/analyzer";
import { type AwsRequest, FakeAws } from "./fakes/aws";
import { awsProvider, awsRecorder } from "./harness/fixtures";

const LIVE = "auditguard-live-verification";
const ACCOUNT = "123456789012";
const TEMPLATE = "arn:aws:iam::{account}:role/auditguard-reader";
const AUDIT_ROLE = `arn:aws:iam::${ACCOUNT}:role/auditguard-reader`;
const AUDIT_KEY = "AGAUDITROLEISSUED01";
const PROVIDER_KEY = "AGPROVIDERKEY000001";
const AMBIENT_KEY = "AGAMBIENTHUBKEY0001";
const PACK_ENV = { AWS_ACCESS_KEY_ID: AMBIENT_KEY, AWS_SECRET_ACCESS_KEY: "ag-ambient-hub-secret-000" };
const DECLARED_OFF = {
  "aws-config-recorder-declared": "disabled" as const,
  "aws-cloudtrail-trail-declared": { requireTrail: false },
};

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Calls other than STS: the status, list and describe calls the policies make. */
function statusCalls(requests: readonly AwsRequest[]): AwsRequest[] {
  return requests.filter((r) => r.service !== "sts");
}

function healthyAccount(fake: FakeAws): void {
  const t = nowSeconds();
  const arn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org`;
  fake.trails.set(arn, { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 });
  fake.trailSetups.set(arn, { isMultiRegion: true, isOrganizationTrail: false });
  fake.recorders.set("us-east-1/default", {
    recording: true,
    lastStatus: "SUCCESS",
    lastStartTime: t - 86_400,
    lastStatusChangeTime: t - 600,
  });
}

/** An application stack deploying with the provider's static keys: a bucket and an existing recorder. */
function stackWith(provider: ProviderRef): ResourceSpec[] {
  return [
    stackResource(),
    providerResource(provider),
    resource("aws:s3/bucketV2:BucketV2", "data", { id: "data", bucket: "data" }, { provider }),
    awsRecorder("default", { provider }),
  ];
}

describe("audit identity over the Analyzer protocol", function () {
  let fake: FakeAws;
  before(async () => {
    fake = await FakeAws.start();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const provider = (): ProviderRef =>
    awsProvider("app", fake.url, { accessKey: PROVIDER_KEY, secretKey: "ag-provider-secret-00000" });

  async function withPack<T>(live: Record<string, unknown>, fn: (pack: AnalyzerHarness) => Promise<T>): Promise<T> {
    const pack = await AnalyzerHarness.start({
      dryRun: true,
      env: PACK_ENV,
      policies: { ...DECLARED_OFF, [LIVE]: live },
    });
    try {
      return await fn(pack);
    } finally {
      await pack.close();
    }
  }

  it("source provider: the provider's keys name the account and assume the role; every status call is signed by the role's key", async () => {
    healthyAccount(fake);
    fake.roles.set(AUDIT_ROLE, AUDIT_KEY);
    const result = await withPack({ awsAuditRole: TEMPLATE }, (pack) => pack.analyzeStack(stackWith(provider())));
    assert.deepEqual(result.diagnostics, [], brief(result));
    const assumed = fake.calls("AssumeRole");
    assert.deepEqual(
      assumed.map((r) => [r.body["RoleArn"], r.accessKeyId]),
      [[AUDIT_ROLE, PROVIDER_KEY]],
      "assumed once, from the provider's credentials",
    );
    assert.ok(fake.calls("GetCallerIdentity").every((r) => r.accessKeyId === PROVIDER_KEY));
    const status = statusCalls(fake.requests);
    // Coverage (DescribeTrails, GetTrailStatus, ...) and the per-resource recorder status alike.
    assert.ok(status.some((r) => r.action === "DescribeTrails"));
    assert.equal(
      status.filter((r) => r.action === "DescribeConfigurationRecorderStatus" && r.body["ConfigurationRecorderNames"])
        .length,
      1,
      "the per-resource recorder check ran",
    );
    assert.deepEqual([...new Set(status.map((r) => r.accessKeyId))], [AUDIT_KEY], "every call as the audit role");
  });

  it("source ambient: the pack's own keys assume the role; the provider's keys only name the account", async () => {
    healthyAccount(fake);
    fake.roles.set(AUDIT_ROLE, AUDIT_KEY);
    const result = await withPack({ awsAuditRole: TEMPLATE, auditRoleSource: "ambient" }, (pack) =>
      pack.analyzeStack(stackWith(provider())),
    );
    assert.deepEqual(result.diagnostics, [], brief(result));
    assert.deepEqual(
      fake.calls("AssumeRole").map((r) => [r.body["RoleArn"], r.accessKeyId]),
      [[AUDIT_ROLE, AMBIENT_KEY]],
    );
    assert.deepEqual([...new Set(fake.calls("GetCallerIdentity").map((r) => r.accessKeyId))], [PROVIDER_KEY]);
    assert.deepEqual([...new Set(statusCalls(fake.requests).map((r) => r.accessKeyId))], [AUDIT_KEY]);
  });

  it("source ambient, hub keys from an ESC environment (aws-login's key, secret and session token as AUDITGUARD_AWS_*): they assume the role with their token; a keyless provider's account is still the deployer's", async () => {
    // The deployer's own credentials in the CLI's environment (a keyless provider reads them), and what an ESC
    // environment attached to the pack adds on top for the pack process alone.
    const deployerKey = "AGDEPLOYERENVKEY0001";
    const hubKey = "ASIAESCOIDCSESSION01";
    const hubToken = "IQoJb3JpZ2luX2VjEO7//////////wEaCXVzLWVhc3QtMSJHMEUCIQ-esc-session";
    fake.accounts.set(hubKey, "999988887777"); // the hub's own account: it must never name the audited one
    healthyAccount(fake);
    fake.roles.set(AUDIT_ROLE, AUDIT_KEY);
    const keyless = awsProvider("app", fake.url);
    const pack = await AnalyzerHarness.start({
      dryRun: true,
      env: {
        AWS_ACCESS_KEY_ID: deployerKey,
        AWS_SECRET_ACCESS_KEY: "ag-deployer-env-secret-01",
        AUDITGUARD_AWS_ACCESS_KEY_ID: hubKey,
        AUDITGUARD_AWS_SECRET_ACCESS_KEY: "esc-oidc-session-secret-0001",
        AUDITGUARD_AWS_SESSION_TOKEN: hubToken,
      },
      policies: { ...DECLARED_OFF, [LIVE]: { awsAuditRole: TEMPLATE, auditRoleSource: "ambient" } },
    });
    try {
      const result = await pack.analyzeStack(stackWith(keyless));
      assert.deepEqual(result.diagnostics, [], brief(result));
    } finally {
      await pack.close();
    }
    assert.deepEqual(
      fake.calls("AssumeRole").map((r) => [r.body["RoleArn"], r.accessKeyId, r.sessionToken]),
      [[AUDIT_ROLE, hubKey, hubToken]],
      "assumed once, in the deployer's account, with the ESC session's key and its token",
    );
    assert.deepEqual([...new Set(fake.calls("GetCallerIdentity").map((r) => r.accessKeyId))], [deployerKey]);
    const status = statusCalls(fake.requests);
    assert.deepEqual([...new Set(status.map((r) => r.accessKeyId))], [AUDIT_KEY], "every call as the audit role");
  });

  it("a trail homed in another region: its status and selectors, read in that region, are signed by the role's key too", async () => {
    healthyAccount(fake); // the org trail is homed in us-east-1
    fake.recorders.set("eu-west-1/default", {
      recording: true,
      lastStatus: "SUCCESS",
      lastStartTime: nowSeconds() - 600,
    });
    fake.roles.set(AUDIT_ROLE, AUDIT_KEY);
    const euProvider = awsProvider("app-eu", fake.url, {
      region: "eu-west-1",
      accessKey: PROVIDER_KEY,
      secretKey: "ag-provider-secret-00000",
    });
    const stack = [
      stackResource(),
      providerResource(euProvider),
      resource("aws:s3/bucketV2:BucketV2", "data", { id: "data", bucket: "data" }, { provider: euProvider }),
    ];
    const result = await withPack({ awsAuditRole: TEMPLATE }, (pack) => pack.analyzeStack(stack));
    assert.deepEqual(result.diagnostics, [], brief(result));
    const homed = statusCalls(fake.requests).filter(
      (r) => r.action === "GetTrailStatus" || r.action === "GetEventSelectors",
    );
    assert.deepEqual(homed.map((r) => [r.action, r.region, r.accessKeyId]).sort(), [
      ["GetEventSelectors", "us-east-1", AUDIT_KEY],
      ["GetTrailStatus", "us-east-1", AUDIT_KEY],
    ]);
    assert.deepEqual([...new Set(statusCalls(fake.requests).map((r) => r.accessKeyId))], [AUDIT_KEY]);
  });

  it("without an audit role, the provider's own keys sign the calls (unchanged)", async () => {
    healthyAccount(fake);
    const result = await withPack({}, (pack) => pack.analyzeStack(stackWith(provider())));
    assert.deepEqual(result.diagnostics, [], brief(result));
    assert.deepEqual(fake.calls("AssumeRole"), []);
    assert.deepEqual([...new Set(statusCalls(fake.requests).map((r) => r.accessKeyId))], [PROVIDER_KEY]);
  });

  it("a denied AssumeRole on the audit role is undetermined and names sts:AssumeRole on that role", async () => {
    healthyAccount(fake); // the fake grants no role: AssumeRole is denied
    const result = await withPack({ awsAuditRole: TEMPLATE }, (pack) => pack.analyzeStack(stackWith(provider())));
    const live = result.diagnostics.filter((d) => d.policyName === LIVE);
    assert.ok(live.length >= 1, brief(result));
    for (const d of live) {
      assert.match(d.message, new RegExp(`Needed permission: sts:AssumeRole on ${AUDIT_ROLE.replace(/[/]/g, "\\/")}`));
    }
    // Never a pass dressed as a violation: no coverage or recording policy judged anything.
    assert.deepEqual(
      result.diagnostics.filter((d) => d.policyName !== LIVE),
      [],
      brief(result),
    );
    assert.deepEqual(statusCalls(fake.requests), [], "no status call without the audit role's credentials");
  });
});
