// The audit identity (auditguard-live-verification awsAuditRole / alicloudAuditRole / auditRoleSource):
// option reading, templating, the transformed credential specs for both sources, and planning scope.

import assert from "node:assert/strict";
import { aliResolveTarget, ALI_AUDIT_SESSION_NAME } from "../../lib/alicloud/target";
import { awsRecorderKind, awsTrailKind } from "../../lib/aws/kinds";
import { accountSourceOf, AUDIT_SESSION_NAME, resolveTarget } from "../../lib/aws/target";
import {
  type AuditIdentity,
  auditIdentityOf,
  auditRoleFor,
  currentAuditIdentity,
  planningAs,
} from "../../lib/live/audit";
import type { PlannedCall, PlannedCheck } from "../../lib/live/round";
import type { PlainObject } from "../../lib/plain";
import { provider, resource, stackOf, TYPES, withEnv } from "./support";

const KEYS = { accessKey: "AKIAPROVIDERKEY00001", secretKey: "provider-secret", region: "eu-west-1" };
const TEMPLATE = "arn:aws:iam::{account}:role/auditguard-reader";
const ALI_TEMPLATE = "acs:ram::{account}:role/auditguard-reader";
const fromProvider: AuditIdentity = { awsRole: TEMPLATE, alicloudRole: ALI_TEMPLATE, source: "provider" };
const ambient: AuditIdentity = { ...fromProvider, source: "ambient" };

const recorder = (prov: PlainObject) =>
  resource(TYPES.awsRecorder, "rec", { name: "default" }, { provider: provider(prov) });
const trailArn = "arn:aws:cloudtrail:eu-west-1:210987654321:trail/main";

function call<T>(c: PlannedCheck<T> | undefined): PlannedCall<T> {
  if (!c || !("key" in c)) throw new Error("expected a planned call");
  return c;
}

describe("audit identity: options", () => {
  it("is off unless a role is set; the source defaults to provider", () => {
    assert.equal(auditIdentityOf(undefined), undefined);
    assert.equal(auditIdentityOf({ auditRoleSource: "ambient" }), undefined);
    assert.deepEqual(auditIdentityOf({ awsAuditRole: TEMPLATE }), {
      awsRole: TEMPLATE,
      alicloudRole: undefined,
      source: "provider",
    });
    assert.deepEqual(auditIdentityOf({ alicloudAuditRole: ALI_TEMPLATE, auditRoleSource: "ambient" }), {
      awsRole: undefined,
      alicloudRole: ALI_TEMPLATE,
      source: "ambient",
    });
  });

  it("a value that is not a role ARN (template) is ignored, not used", () => {
    assert.equal(auditIdentityOf({ awsAuditRole: "auditguard-reader" }), undefined);
    assert.equal(auditIdentityOf({ awsAuditRole: "arn:aws:iam::{acct}:role/x" }), undefined);
    assert.equal(auditIdentityOf({ alicloudAuditRole: "arn:aws:iam::{account}:role/x" }), undefined);
    assert.equal(
      auditIdentityOf({ awsAuditRole: "arn:aws:iam::123456789012:role/fixed" })?.awsRole,
      "arn:aws:iam::123456789012:role/fixed",
    );
  });

  it("templating replaces every {account}", () => {
    assert.equal(auditRoleFor(TEMPLATE, "123456789012"), "arn:aws:iam::123456789012:role/auditguard-reader");
    assert.equal(auditRoleFor("acs:ram::{account}:role/r-{account}", "42"), "acs:ram::42:role/r-42");
  });

  it("applies only inside planning, and is restored after (even when planning throws)", () => {
    assert.equal(currentAuditIdentity(), undefined);
    assert.equal(
      planningAs(fromProvider, () => currentAuditIdentity()),
      fromProvider,
    );
    assert.throws(() =>
      planningAs(fromProvider, () => {
        throw new Error("planner bug");
      }),
    );
    assert.equal(currentAuditIdentity(), undefined);
  });
});

describe("audit identity: AWS targets", () => {
  it("provider source: the audit role is appended to the provider's chain, account from the ARN", () => {
    withEnv({}, () => {
      const r = resource(TYPES.awsTrail, "t", { arn: trailArn }, { provider: provider(KEYS) });
      const plain = resolveTarget(r, "cloudtrail", "eu-west-1", trailArn);
      const audited = planningAs(fromProvider, () => resolveTarget(r, "cloudtrail", "eu-west-1", trailArn));
      assert.ok(plain.ok && audited.ok);
      assert.deepEqual(audited.value.credentials.base, plain.value.credentials.base);
      assert.deepEqual(audited.value.credentials.assumeRoles, [
        { roleArn: "arn:aws:iam::210987654321:role/auditguard-reader", sessionName: AUDIT_SESSION_NAME },
      ]);
      assert.equal(audited.value.credentials.accountFrom, undefined);
      assert.equal(audited.value.account, "210987654321");
      assert.notEqual(audited.value.credentialsId, plain.value.credentialsId);
    });
  });

  it("provider source: after the provider's own roles, in the account of its last role", () => {
    withEnv({}, () => {
      const r = recorder({ ...KEYS, assumeRoles: [{ roleArn: "arn:aws:iam::333333333333:role/deployer" }] });
      const t = planningAs(fromProvider, () => resolveTarget(r, "config", "eu-west-1"));
      assert.ok(t.ok);
      assert.deepEqual(
        t.value.credentials.assumeRoles.map((x) => x.roleArn),
        ["arn:aws:iam::333333333333:role/deployer", "arn:aws:iam::333333333333:role/auditguard-reader"],
      );
    });
  });

  it("ambient source: the pack's default chain assumes the role; the provider's keys are not used", () => {
    withEnv({}, () => {
      const r = resource(TYPES.awsTrail, "t", { arn: trailArn }, { provider: provider(KEYS) });
      const t = planningAs(ambient, () => resolveTarget(r, "cloudtrail", "eu-west-1", trailArn));
      assert.ok(t.ok);
      assert.deepEqual(t.value.credentials.base, { source: "default-chain", credentialsFiles: [], configFiles: [] });
      assert.equal(JSON.stringify(t.value.credentials).includes(KEYS.accessKey), false);
      assert.equal(t.value.credentials.assumeRoles.length, 1);
    });
  });

  it("an account the planner cannot tell stays {account}, to be named by the provider's GetCallerIdentity", () => {
    withEnv({}, () => {
      for (const audit of [fromProvider, ambient]) {
        const r = recorder(KEYS);
        const t = planningAs(audit, () => resolveTarget(r, "config", "eu-west-1"));
        const plain = resolveTarget(r, "config", "eu-west-1");
        assert.ok(t.ok && plain.ok);
        assert.equal(t.value.credentials.assumeRoles.at(-1)?.roleArn, TEMPLATE);
        // The account comes from the provider's credentials, whichever source assumes the role.
        const source = accountSourceOf(t.value);
        assert.ok(source);
        assert.deepEqual(source.credentials, plain.value.credentials);
        assert.equal(source.credentialsId, plain.value.credentialsId);
      }
    });
  });

  it("planned calls: de-duplication keys reflect the audit role; the same resource without it is another call", () => {
    withEnv({}, () => {
      const view = stackOf([recorder(KEYS)]);
      const plain = call(awsRecorderKind.plan(view, {})[0]);
      const audited = call(planningAs(fromProvider, () => awsRecorderKind.plan(view, {}))[0]);
      const viaAmbient = call(planningAs(ambient, () => awsRecorderKind.plan(view, {}))[0]);
      assert.equal(new Set([plain.key, audited.key, viaAmbient.key]).size, 3);
      // An AWS-only audit identity leaves Alibaba alone and vice versa.
      const aliOnly: AuditIdentity = { awsRole: undefined, alicloudRole: ALI_TEMPLATE, source: "provider" };
      assert.equal(call(planningAs(aliOnly, () => awsRecorderKind.plan(view, {}))[0]).key, plain.key);
      const trailView = stackOf([
        resource(TYPES.awsTrail, "t", { arn: trailArn, name: "main" }, { provider: provider(KEYS) }),
      ]);
      assert.notEqual(
        call(planningAs(fromProvider, () => awsTrailKind.plan(trailView, {}))[0]).key,
        call(awsTrailKind.plan(trailView, {})[0]).key,
      );
    });
  });
});

describe("audit identity: Alibaba Cloud targets", () => {
  const ALI_KEYS = { accessKey: "LTAI5tPROVIDERKEY", secretKey: "provider-secret", region: "cn-hangzhou" };
  const aliTrail = (prov: PlainObject) =>
    resource(
      TYPES.aliTrail,
      "t",
      { name: "main" },
      { provider: { ...provider(prov), type: "pulumi:providers:alicloud" } },
    );
  const ep = { protocol: "HTTPS" as const, host: "actiontrail.cn-hangzhou.aliyuncs.com" };

  it("provider source with a known account (recorder id): the role is filled and chained on the provider's", () => {
    withEnv({}, () => {
      const t = planningAs(fromProvider, () => aliResolveTarget(aliTrail(ALI_KEYS), ep, "5555"));
      const plain = aliResolveTarget(aliTrail(ALI_KEYS), ep, "5555");
      assert.ok(t.ok && plain.ok);
      assert.deepEqual(t.value.credentials.auditRole, {
        roleArn: "acs:ram::5555:role/auditguard-reader",
        sessionName: ALI_AUDIT_SESSION_NAME,
      });
      assert.deepEqual(t.value.credentials.base, plain.value.credentials.base);
      assert.equal(t.value.credentials.accountFrom, undefined);
      assert.notEqual(t.value.credentialsId, plain.value.credentialsId);
    });
  });

  it("ambient source, account unknown: default chain, {account} kept, the provider's keys name the account", () => {
    withEnv({}, () => {
      const t = planningAs(ambient, () => aliResolveTarget(aliTrail(ALI_KEYS), ep));
      assert.ok(t.ok);
      assert.deepEqual(t.value.credentials.base, { source: "ambient" });
      assert.equal(t.value.credentials.auditRole?.roleArn, ALI_TEMPLATE);
      assert.equal(t.value.credentials.accountFrom?.base.source, "static");
    });
  });

  it("the audit role is assumed at the provider's sts endpoint, whichever source, and only over HTTPS", () => {
    withEnv({}, () => {
      const prov = { ...ALI_KEYS, endpoints: JSON.stringify([{ sts: "https://127.0.0.1:8443" }]) };
      const plain = aliResolveTarget(aliTrail(prov), ep);
      assert.ok(plain.ok);
      assert.equal(plain.value.stsEndpoint, undefined, "no role, no role assumption");
      for (const audit of [fromProvider, ambient]) {
        const t = planningAs(audit, () => aliResolveTarget(aliTrail(prov), ep));
        assert.ok(t.ok);
        // Not the credentials library's public default (sts.aliyuncs.com).
        assert.equal(t.value.stsEndpoint, "127.0.0.1:8443");
      }
      const http = { ...ALI_KEYS, endpoints: JSON.stringify([{ sts: "http://127.0.0.1:8080" }]) };
      const refused = planningAs(fromProvider, () => aliResolveTarget(aliTrail(http), ep));
      assert.ok(!refused.ok);
      assert.match(refused.why, /role assumption needs HTTPS/);
    });
  });

  it("the provider's role account fills the template", () => {
    withEnv({}, () => {
      const prov = { ...ALI_KEYS, assumeRole: [{ roleArn: "acs:ram::7777:role/deployer" }] };
      const t = planningAs(fromProvider, () => aliResolveTarget(aliTrail(prov), ep));
      assert.ok(t.ok);
      assert.equal(t.value.credentials.assumeRole?.roleArn, "acs:ram::7777:role/deployer");
      assert.equal(t.value.credentials.auditRole?.roleArn, "acs:ram::7777:role/auditguard-reader");
    });
  });
});
