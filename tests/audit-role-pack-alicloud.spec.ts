// The Alibaba audit role through the whole built pack over the Analyzer protocol, against the loopback fake:
// every live call (coverage and per-resource) is signed by the STS key issued for the audit role, assumed from
// the provider's credentials or from the pack's own environment; the account comes from the provider's STS
// GetCallerIdentity; a denied AssumeRole names the audit role. @alicloud/credentials assumes roles over HTTPS
// only: the provider's `endpoints[].sts` names a TLS front before the fake, whose test certificate the pack
// process trusts through NODE_EXTRA_CA_CERTS.

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
import { ALI_ASSUME_ROLE_DENIED } from "./fakes/alibaba";
import { aliStatusCalls, alibabaWithStsFront, seedRecordingAccount } from "./harness/alibaba-sts-front";
import { ALI_REGION, aliProvider, aliRecorder, aliTrail } from "./harness/fixtures";

const LIVE = "auditguard-live-verification";
/** The account the provider's keys belong to: only GetCallerIdentity tells it (no accountId, no role). */
const ACCOUNT = "5550001112223334";
const TEMPLATE = "acs:ram::{account}:role/auditguard-reader";
const AUDIT_ROLE = `acs:ram::${ACCOUNT}:role/auditguard-reader`;
const AUDIT_KEY = "STS.NTpackAuditReader01";
const PROVIDER_KEY = "LTAI5tPACKPROVIDER01";
const PROVIDER_SECRET = "ag-ali-provider-secret-01";
const AMBIENT_KEY = "LTAI5tPACKAMBIENTHUB1";
const AMBIENT_SECRET = "ag-ali-ambient-hub-secret";

describe("Alibaba audit identity over the Analyzer protocol", function () {
  this.timeout(60_000);
  const ali = alibabaWithStsFront();
  beforeEach(() => {
    ali.fake.reset();
    ali.fake.account = ACCOUNT;
    ali.fake.secrets.set(PROVIDER_KEY, PROVIDER_SECRET);
    ali.fake.secrets.set(AMBIENT_KEY, AMBIENT_SECRET);
    seedRecordingAccount(ali.fake, { trail: "org-audit", setup: { HomeRegion: ALI_REGION }, deliveredMsAgo: 300_000 });
  });

  /** The deployer's provider: its own keys; Config and ActionTrail at the fake, STS (HTTPS) at the TLS front. */
  const provider = (): ProviderRef =>
    aliProvider("app", ali.fake.url, {
      accessKey: PROVIDER_KEY,
      secretKey: PROVIDER_SECRET,
      endpoints: [{ config: ali.fake.url, actiontrail: ali.fake.url, sts: `https://127.0.0.1:${ali.front.port}` }],
    });

  /** An application stack: a bucket and an existing trail; with `recorder`, the account's recorder too. */
  function stackWith(p: ProviderRef, opts: { recorder?: boolean } = {}): ResourceSpec[] {
    return [
      stackResource(),
      providerResource(p),
      resource("alicloud:oss/bucket:Bucket", "data", { id: "data", bucket: "data" }, { provider: p }),
      aliTrail("org-audit", { provider: p, props: { regionId: ALI_REGION } }),
      ...(opts.recorder ? [aliRecorder("account-recorder", { provider: p, props: { id: ACCOUNT } })] : []),
    ];
  }

  async function withPack<T>(
    live: Record<string, unknown>,
    fn: (pack: AnalyzerHarness) => Promise<T>,
    env: Record<string, string> = {},
  ): Promise<T> {
    const pack = await AnalyzerHarness.start({
      dryRun: true,
      env: { NODE_EXTRA_CA_CERTS: ali.cert.certFile, ...env },
      policies: { [LIVE]: live },
    });
    try {
      return await fn(pack);
    } finally {
      await pack.close();
    }
  }

  /** Every status call was made as the audit role: its issued key, with its token (the fake checked the signature). */
  function assertAsAuditRole(): void {
    const status = aliStatusCalls(ali.fake.requests);
    // Coverage (DescribeTrails and the trail's status, the account's recorder) and the per-resource trail alike.
    assert.deepEqual([...new Set(status.map((r) => r.action))].sort(), [
      "DescribeTrails",
      "GetConfigurationRecorder",
      "GetTrailStatus",
    ]);
    assert.deepEqual([...new Set(status.map((r) => r.accessKeyId))], [AUDIT_KEY], "every call as the audit role");
    assert.equal(ali.fake.roleOf(AUDIT_KEY), AUDIT_ROLE);
    assert.ok(status.every((r) => r.securityToken === ali.fake.issued.get(AUDIT_KEY)?.securityToken));
  }

  it("source provider: the provider's keys name the account (GetCallerIdentity) and assume the role; every status call is signed by the role's STS key", async () => {
    ali.fake.roles.set(AUDIT_ROLE, AUDIT_KEY);
    const result = await withPack({ alicloudAuditRole: TEMPLATE }, (pack) => pack.analyzeStack(stackWith(provider())));
    assert.deepEqual(result.diagnostics, [], brief(result));
    assert.deepEqual(
      ali.fake.calls("AssumeRole").map((r) => [r.form["RoleArn"], r.form["RoleSessionName"], r.accessKeyId]),
      [[AUDIT_ROLE, "auditguard-audit", PROVIDER_KEY]],
      "assumed once, from the provider's credentials, in the account GetCallerIdentity named",
    );
    assert.deepEqual([...new Set(ali.fake.calls("GetCallerIdentity").map((r) => r.accessKeyId))], [PROVIDER_KEY]);
    assertAsAuditRole();
  });

  it("source ambient: the pack's own ALIBABA_CLOUD_ACCESS_KEY_ID assumes the role; the provider's keys only name the account", async () => {
    ali.fake.roles.set(AUDIT_ROLE, AUDIT_KEY);
    const result = await withPack(
      { alicloudAuditRole: TEMPLATE, auditRoleSource: "ambient" },
      (pack) => pack.analyzeStack(stackWith(provider(), { recorder: true })),
      { ALIBABA_CLOUD_ACCESS_KEY_ID: AMBIENT_KEY, ALIBABA_CLOUD_ACCESS_KEY_SECRET: AMBIENT_SECRET },
    );
    assert.deepEqual(result.diagnostics, [], brief(result));
    assert.deepEqual(
      ali.fake.calls("AssumeRole").map((r) => [r.form["RoleArn"], r.form["RoleSessionName"], r.accessKeyId]),
      [[AUDIT_ROLE, "auditguard-audit", AMBIENT_KEY]],
    );
    assert.deepEqual([...new Set(ali.fake.calls("GetCallerIdentity").map((r) => r.accessKeyId))], [PROVIDER_KEY]);
    assertAsAuditRole();
  });

  it("source ambient, hub keys as AUDITGUARD_ALIBABA_CLOUD_* (an STS triple from an ESC environment): they assume the role with their token; a keyless provider's account is still the deployer's", async () => {
    const deployerKey = "LTAI5tPACKDEPLOYERENV";
    const hubKey = "STS.NUescAmbientSession1";
    const hubToken = "CAIS-esc-ambient-session-token";
    ali.fake.secrets.set(deployerKey, "ag-ali-deployer-env-secret");
    ali.fake.secrets.set(hubKey, "ag-ali-esc-session-secret");
    ali.fake.roles.set(AUDIT_ROLE, AUDIT_KEY);
    const keyless = aliProvider("app", ali.fake.url, {
      endpoints: [{ config: ali.fake.url, actiontrail: ali.fake.url, sts: `https://127.0.0.1:${ali.front.port}` }],
    });
    const result = await withPack(
      { alicloudAuditRole: TEMPLATE, auditRoleSource: "ambient" },
      (pack) => pack.analyzeStack(stackWith(keyless, { recorder: true })),
      {
        ALIBABA_CLOUD_ACCESS_KEY_ID: deployerKey,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: "ag-ali-deployer-env-secret",
        AUDITGUARD_ALIBABA_CLOUD_ACCESS_KEY_ID: hubKey,
        AUDITGUARD_ALIBABA_CLOUD_ACCESS_KEY_SECRET: "ag-ali-esc-session-secret",
        AUDITGUARD_ALIBABA_CLOUD_SECURITY_TOKEN: hubToken,
      },
    );
    assert.deepEqual(result.diagnostics, [], brief(result));
    assert.deepEqual(
      ali.fake.calls("AssumeRole").map((r) => [r.form["RoleArn"], r.accessKeyId, r.securityToken]),
      [[AUDIT_ROLE, hubKey, hubToken]],
      "assumed once, with the session's key and its token",
    );
    assert.deepEqual([...new Set(ali.fake.calls("GetCallerIdentity").map((r) => r.accessKeyId))], [deployerKey]);
    assertAsAuditRole();
  });

  it("without an audit role, the provider's own keys sign the calls (unchanged)", async () => {
    const result = await withPack({}, (pack) => pack.analyzeStack(stackWith(provider())));
    assert.deepEqual(result.diagnostics, [], brief(result));
    assert.deepEqual(ali.fake.calls("AssumeRole"), []);
    assert.deepEqual([...new Set(aliStatusCalls(ali.fake.requests).map((r) => r.accessKeyId))], [PROVIDER_KEY]);
  });

  it("a denied AssumeRole (NoPermission) is undetermined and names sts:AssumeRole on the audit role", async () => {
    // The fake grants no role: STS answers NoPermission.
    const result = await withPack({ alicloudAuditRole: TEMPLATE }, (pack) =>
      pack.analyzeStack(stackWith(provider(), { recorder: true })),
    );
    const live = result.diagnostics.filter((d) => d.policyName === LIVE);
    // The trail, the recorder and both coverage checks could not complete.
    assert.ok(live.length >= 3, brief(result));
    for (const d of live) {
      assert.match(d.message, /access was denied calling/);
      assert.match(
        d.message,
        new RegExp(`Needed permission: sts:AssumeRole on ${AUDIT_ROLE.replace(/[/]/g, "\\/")}\\.`),
      );
      assert.match(d.message, /code NoPermission/);
      assert.ok(d.message.includes(ALI_ASSUME_ROLE_DENIED), d.message);
    }
    // Never a pass, never a violation: no recording or coverage policy judged anything.
    assert.deepEqual(
      result.diagnostics.filter((d) => d.policyName !== LIVE),
      [],
      brief(result),
    );
    assert.ok(ali.fake.calls("AssumeRole").every((r) => r.form["RoleArn"] === AUDIT_ROLE));
    assert.deepEqual(aliStatusCalls(ali.fake.requests), [], "no status call without the audit role's credentials");
  });
});
