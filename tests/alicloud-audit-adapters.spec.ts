// Adapter-depth tests for the Alibaba audit role (auditguard-live-verification alicloudAuditRole /
// auditRoleSource): the real @alicloud/credentials (RAMRoleARNCredentialsProvider, DefaultCredentialsProvider)
// and openapi-core clients, through the shared round, against the loopback fake. @alicloud/credentials calls
// STS over HTTPS only, so the provider's `endpoints[].sts` names a TLS front before the fake, and each round
// runs in a process of its own that trusts the front's test certificate through NODE_EXTRA_CA_CERTS (Node reads
// it only at start; the library takes no CA). The fake checks every signature made with a key it knows, so a
// call it attributes to the issued STS key was signed with the issued secret and token.

import assert from "node:assert/strict";
import type { LiveEntry } from "../lib/live/round";
import type { PlainObject } from "../lib/plain";
import type { ProviderView, ResourceView, StackView } from "../lib/stack";
import { ALI_ASSUME_ROLE_DENIED, type AliRequest } from "./fakes/alibaba";
import {
  ALI_STATUS_ACTIONS,
  aliStatusCalls,
  alibabaWithStsFront,
  seedRecordingAccount,
} from "./harness/alibaba-sts-front";
import { runRoundInProcess } from "./harness/round-process";

const ACCOUNT = "1234567890123456";
const TEMPLATE = "acs:ram::{account}:role/auditguard-reader";
const ROLE = `acs:ram::${ACCOUNT}:role/auditguard-reader`;
const AUDIT_KEY = "STS.NTauditReader000001";
const PROVIDER_KEY = "LTAI5tPROVIDERAUDIT01";
const PROVIDER_SECRET = "provider-secret-audit-01";
const AMBIENT_KEY = "LTAI5tAMBIENTHUBKEY01";
const AMBIENT_SECRET = "ambient-hub-secret-0001";
const DEPLOYER_ROLE = `acs:ram::${ACCOUNT}:role/deployer`;
const DEPLOYER_KEY = "STS.NTdeployer00000001";
const LIVE = "auditguard-live-verification";
const TIMEOUT = { timeoutSeconds: 5 };
const POLICIES = {
  "alicloud-config-recorder-recording": TIMEOUT,
  "alicloud-actiontrail-trail-logging": TIMEOUT,
  "alicloud-actiontrail-account-coverage": TIMEOUT,
  "alicloud-config-account-coverage": TIMEOUT,
};

let seq = 0;

function brief(entries: readonly LiveEntry<unknown>[]): string {
  return JSON.stringify(
    entries.map((e) => ({ kind: e.kind, action: e.spec.action, outcome: e.outcome })),
    null,
    1,
  );
}

describe("alicloud audit role (real @alicloud/credentials AssumeRole over HTTPS, loopback fake)", function () {
  const ali = alibabaWithStsFront();
  beforeEach(() => {
    ali.fake.reset();
    ali.fake.account = ACCOUNT;
    ali.fake.secrets.set(PROVIDER_KEY, PROVIDER_SECRET);
    ali.fake.secrets.set(AMBIENT_KEY, AMBIENT_SECRET);
    seedRecordingAccount(ali.fake, {
      trail: "audit-trail",
      setup: { HomeRegion: "cn-hangzhou" },
      resourceTypes: ["ACS::ECS::Instance"],
      deliveredMsAgo: 600_000,
    });
  });

  /** The provider: Config and ActionTrail at the fake (HTTP), STS behind the TLS front (HTTPS). */
  function provider(extra: PlainObject = {}): ProviderView {
    const url = ali.fake.url;
    return {
      urn: `urn:pulumi:test::auditguard::pulumi:providers:alicloud::p${++seq}`,
      name: `p${seq}`,
      type: "pulumi:providers:alicloud",
      props: {
        region: "cn-hangzhou",
        accessKey: PROVIDER_KEY,
        secretKey: PROVIDER_SECRET,
        endpoints: JSON.stringify([{ config: url, actiontrail: url, sts: `https://127.0.0.1:${ali.front.port}` }]),
        ...extra,
      },
    };
  }

  function view(p: ProviderView, opts: { recorder?: boolean } = {}): StackView {
    const urn = (type: string, name: string): string => `urn:pulumi:test::auditguard::${type}::${name}`;
    const trail: ResourceView = {
      urn: urn("alicloud:actiontrail/trail:Trail", "audit-trail"),
      name: "audit-trail",
      type: "alicloud:actiontrail/trail:Trail",
      props: { id: "audit-trail", trailName: "audit-trail", regionId: "cn-hangzhou", status: "Enable" },
      provider: p,
      exists: true,
    };
    const recorder: ResourceView = {
      urn: urn("alicloud:cfg/configurationRecorder:ConfigurationRecorder", "rec"),
      name: "rec",
      type: "alicloud:cfg/configurationRecorder:ConfigurationRecorder",
      props: { id: ACCOUNT, resourceTypes: ["ACS::ECS::Instance"] },
      provider: p,
      exists: true,
    };
    // Where the stack deploys (coverage): one bucket with the same provider.
    const bucket: ResourceView = {
      urn: urn("alicloud:oss/bucket:Bucket", "data"),
      name: "data",
      type: "alicloud:oss/bucket:Bucket",
      props: { id: "data" },
      provider: p,
      exists: true,
    };
    return {
      resources: opts.recorder ? [trail, recorder] : [trail],
      footprint: { aws: [], alicloud: [bucket] },
      deploys: { aws: false, alicloud: true },
      dryRun: false,
      fingerprint: `ali-audit-${++seq}`,
    };
  }

  function round(
    v: StackView,
    live: Record<string, unknown>,
    env: Record<string, string> = {},
  ): Promise<LiveEntry<unknown>[]> {
    return runRoundInProcess(
      { view: v, config: { ...POLICIES, [LIVE]: live } },
      { NODE_EXTRA_CA_CERTS: ali.cert.certFile, ...env },
    );
  }

  function assertAllOk(entries: readonly LiveEntry<unknown>[]): void {
    assert.ok(entries.length > 0);
    for (const e of entries) assert.ok(e.outcome.ok, brief(entries));
  }

  /** Every status call was made as the audit role: its issued key, signed with its secret, with its token. */
  function assertAsAuditRole(requests: readonly AliRequest[]): void {
    const status = aliStatusCalls(requests);
    assert.ok(status.length > 0, "status calls were made");
    for (const r of status) {
      assert.equal(r.accessKeyId, AUDIT_KEY, `${r.action} as the audit role`);
      assert.equal(ali.fake.roleOf(r.accessKeyId), ROLE);
      assert.equal(r.securityToken, ali.fake.issued.get(AUDIT_KEY)?.securityToken);
    }
  }

  it("source provider: the provider's keys name the account (GetCallerIdentity over HTTPS) and assume the role once; every status and coverage call is signed by the role's STS key", async () => {
    ali.fake.roles.set(ROLE, AUDIT_KEY);
    const entries = await round(view(provider()), { alicloudAuditRole: TEMPLATE });
    assertAllOk(entries);
    assert.deepEqual(
      ali.fake.calls("AssumeRole").map((r) => [r.form["RoleArn"], r.form["RoleSessionName"], r.accessKeyId]),
      [[ROLE, "auditguard-audit", PROVIDER_KEY]],
      "assumed once, from the provider's credentials, for the account GetCallerIdentity named",
    );
    // Signature V1 in the query, the role in a form body, over the TLS front (the fake saw the front's Host).
    const [assume] = ali.fake.calls("AssumeRole");
    assert.equal(assume?.query["SignatureMethod"], "HMAC-SHA1");
    assert.equal(assume?.host, `127.0.0.1:${ali.front.port}`);
    assert.deepEqual(
      [...new Set(ali.fake.calls("GetCallerIdentity").map((r) => [r.accessKeyId, r.host].join(" ")))],
      [`${PROVIDER_KEY} 127.0.0.1:${ali.front.port}`],
      "the account is asked of the provider's keys, at the provider's sts endpoint",
    );
    // Coverage (DescribeTrails, its GetTrailStatus, the account's recorder) and the per-resource trail alike.
    assert.deepEqual([...new Set(aliStatusCalls(ali.fake.requests).map((r) => r.action))].sort(), [
      "DescribeTrails",
      "GetConfigurationRecorder",
      "GetTrailStatus",
    ]);
    assertAsAuditRole(ali.fake.requests);
    // Coverage names the account GetCallerIdentity gave (the per-resource trail's is not known at planning).
    const coverage = entries.filter((e) => e.kind.endsWith("-coverage"));
    assert.equal(coverage.length, 2, brief(entries));
    assert.deepEqual([...new Set(coverage.map((e) => e.spec.account))], [ACCOUNT], brief(entries));
  });

  it("source provider with the recorder's id: the account is known at planning, and the role is still assumed once", async () => {
    ali.fake.roles.set(ROLE, AUDIT_KEY);
    const entries = await round(view(provider(), { recorder: true }), { alicloudAuditRole: TEMPLATE });
    assertAllOk(entries);
    assert.deepEqual(
      ali.fake.calls("AssumeRole").map((r) => [r.form["RoleArn"], r.accessKeyId]),
      [[ROLE, PROVIDER_KEY]],
    );
    assertAsAuditRole(ali.fake.requests);
    assert.deepEqual(
      entries.filter((e) => e.kind === "alicloud-config-recorder").map((e) => e.spec.account),
      [ACCOUNT],
      "the per-resource recorder check ran, for the recorder's account",
    );
  });

  it("source ambient: the pack's environment keys assume the role; the provider's keys only name the account", async () => {
    ali.fake.roles.set(ROLE, AUDIT_KEY);
    const entries = await round(
      view(provider()),
      { alicloudAuditRole: TEMPLATE, auditRoleSource: "ambient" },
      { ALIBABA_CLOUD_ACCESS_KEY_ID: AMBIENT_KEY, ALIBABA_CLOUD_ACCESS_KEY_SECRET: AMBIENT_SECRET },
    );
    assertAllOk(entries);
    assert.deepEqual(
      ali.fake.calls("AssumeRole").map((r) => [r.form["RoleArn"], r.form["RoleSessionName"], r.accessKeyId]),
      [[ROLE, "auditguard-audit", AMBIENT_KEY]],
    );
    assert.deepEqual([...new Set(ali.fake.calls("GetCallerIdentity").map((r) => r.accessKeyId))], [PROVIDER_KEY]);
    assertAsAuditRole(ali.fake.requests);
    assert.ok(!ali.fake.requests.some((r) => ALI_STATUS_ACTIONS.has(r.action) && r.accessKeyId === PROVIDER_KEY));
  });

  it("on top of the provider's own assumeRole: the audit role is assumed with the deployer role's STS key and token", async () => {
    ali.fake.roles.set(DEPLOYER_ROLE, DEPLOYER_KEY);
    ali.fake.roles.set(ROLE, AUDIT_KEY);
    const p = provider({ assumeRole: JSON.stringify([{ roleArn: DEPLOYER_ROLE, sessionName: "deploy" }]) });
    const entries = await round(view(p), { alicloudAuditRole: TEMPLATE });
    assertAllOk(entries);
    const assumed = ali.fake.calls("AssumeRole");
    assert.deepEqual(
      assumed.map((r) => [r.form["RoleArn"], r.accessKeyId]),
      [
        [DEPLOYER_ROLE, PROVIDER_KEY],
        [ROLE, DEPLOYER_KEY],
      ],
    );
    assert.equal(assumed[1]?.securityToken, ali.fake.issued.get(DEPLOYER_KEY)?.securityToken);
    // The deployer role's ARN names the account: no GetCallerIdentity is needed for the template.
    assert.deepEqual(ali.fake.calls("GetCallerIdentity"), []);
    assertAsAuditRole(ali.fake.requests);
  });

  it("a denied AssumeRole (NoPermission) is access-denied naming sts:AssumeRole on the audit role; no status call is made", async () => {
    const entries = await round(view(provider()), { alicloudAuditRole: TEMPLATE });
    assert.ok(entries.length >= 2, brief(entries));
    const denied = ali.fake.calls("AssumeRole");
    assert.ok(denied.length >= 1);
    for (const r of denied) assert.equal(r.form["RoleArn"], ROLE);
    for (const e of entries) {
      assert.ok(!e.outcome.ok, brief(entries));
      assert.equal(e.outcome.failure.reason, "access-denied", brief(entries));
      assert.equal(e.outcome.failure.permission, `sts:AssumeRole on ${ROLE}`);
      assert.match(e.outcome.failure.detail, new RegExp(ALI_ASSUME_ROLE_DENIED.slice(0, 30)));
    }
    assert.deepEqual(aliStatusCalls(ali.fake.requests), [], "no status call without the audit role's credentials");
  });

  it("GetCallerIdentity failing while naming the account is that step's failure, not the status call's", async () => {
    ali.fake.roles.set(ROLE, AUDIT_KEY);
    ali.fake.fault = (req) =>
      req.action === "GetCallerIdentity"
        ? {
            kind: "error",
            status: 404,
            code: "InvalidAccessKeyId.NotFound",
            message: "Specified access key is not found.",
          }
        : undefined;
    const entries = await round(view(provider()), { alicloudAuditRole: TEMPLATE });
    assert.ok(entries.length >= 1);
    for (const e of entries) {
      assert.ok(!e.outcome.ok, brief(entries));
      assert.equal(e.outcome.failure.reason, "invalid-credentials", brief(entries));
    }
    assert.deepEqual(ali.fake.calls("AssumeRole"), []);
    assert.deepEqual(aliStatusCalls(ali.fake.requests), []);
  });
});
