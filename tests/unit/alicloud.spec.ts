// Pure logic of the Alibaba half: target resolution, planning, reply parsing, error classification, the
// four policies' judgements and the first-seen store. No network, no real time.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { aliRecorderKind, aliTrailKind } from "../../lib/alicloud/kinds";
import {
  type AliNotFound,
  type AliRecorder,
  type AliTrailStatus,
  classifyAli,
  parseAliTime,
} from "../../lib/alicloud/sdk";
import {
  aliAccountHint,
  aliCredentialsOf,
  aliRegionOf,
  aliResolveTarget,
  type AliCredentialSpec,
  configSiteOf,
  endpointOverride,
  parseEndpoint,
} from "../../lib/alicloud/target";
import { clearSeen, firstSeen } from "../../lib/first-seen";
import type { DecidedCheck, PlannedCall, PlannedCheck } from "../../lib/live/round";
import { type PlainObject, UNKNOWN } from "../../lib/plain";
import type { ProviderView, ResourceView, StackView } from "../../lib/stack";
import * as trailDeclared from "../../policies/alicloud-actiontrail-trail-declared";
import { judgeAliTrail } from "../../policies/alicloud-actiontrail-trail-logging";
import * as recorderDeclared from "../../policies/alicloud-config-recorder-declared";
import { judgeAliRecorder } from "../../policies/alicloud-config-recorder-recording";
import { HOUR, MINUTE, NOW, resource, stackOf, TYPES, withEnv } from "./support";

/** Every variable Alibaba region/credential resolution reads; withEnv unsets the ones not given. */
const CLEAN: Record<string, string | undefined> = {
  PULUMI_CONFIG: undefined,
  ALIBABA_CLOUD_REGION_ID: undefined,
  ALICLOUD_REGION: undefined,
  ALIBABA_CLOUD_REGION: undefined,
};
const env = <T>(vars: Record<string, string | undefined>, fn: () => T): T => withEnv({ ...CLEAN, ...vars }, fn);

function aliProvider(props: PlainObject): ProviderView {
  return {
    urn: "urn:pulumi:dev::proj::pulumi:providers:alicloud::p",
    name: "p",
    type: "pulumi:providers:alicloud",
    props,
  };
}
const trail = (props: PlainObject, prov?: PlainObject, exists = true): ResourceView =>
  resource(
    TYPES.aliTrail,
    "t",
    { trailName: "trail-1", ...props },
    { exists, ...(prov ? { provider: aliProvider(prov) } : {}) },
  );
const rec = (props: PlainObject, prov?: PlainObject, exists = true): ResourceView =>
  resource(TYPES.aliRecorder, "rec", props, { exists, ...(prov ? { provider: aliProvider(prov) } : {}) });
const ali = (...rs: ResourceView[]): StackView => stackOf(rs, { aws: false, alicloud: true });
const KEYS = { accessKey: "LTAI5tUNITUNIT", secretKey: "unitsecretsecret" };

function creds(r: ResourceView): AliCredentialSpec {
  const c = aliCredentialsOf(r);
  if (!c.ok) assert.fail(`expected credentials, got ${c.why}`);
  return c.value;
}
function call<T>(c: PlannedCheck<T> | undefined): PlannedCall<T> {
  if (!c || !("key" in c)) assert.fail(`expected a planned call, got ${JSON.stringify(c)}`);
  return c;
}
function decided<T>(c: PlannedCheck<T> | undefined): DecidedCheck<T> {
  if (!c || !("outcome" in c)) assert.fail(`expected a decided check, got ${JSON.stringify(c)}`);
  return c;
}

describe("alicloud target: aliRegionOf", () => {
  const all = {
    PULUMI_CONFIG: JSON.stringify({ "alicloud:region": "cn-beijing" }),
    ALIBABA_CLOUD_REGION_ID: "eu-central-1",
  };

  it("prefers the trail's regionId (its home region)", () => {
    env(all, () =>
      assert.equal(aliRegionOf(trail({ regionId: "cn-hangzhou" }, { region: "cn-shenzhen" })), "cn-hangzhou"),
    );
  });
  it("then the provider's region", () => {
    env(all, () => assert.equal(aliRegionOf(trail({}, { region: "cn-shenzhen" })), "cn-shenzhen"));
  });
  it("an unknown regionId falls through to the provider's region", () => {
    env(all, () => assert.equal(aliRegionOf(trail({ regionId: UNKNOWN }, { region: "cn-shenzhen" })), "cn-shenzhen"));
  });
  it("then stack config alicloud:region (PULUMI_CONFIG)", () => {
    env(all, () => assert.equal(aliRegionOf(trail({})), "cn-beijing"));
    env(all, () => assert.equal(aliRegionOf(trail({}, { accessKey: "x" })), "cn-beijing"));
  });
  it("then ALIBABA_CLOUD_REGION_ID", () => {
    env({ ALIBABA_CLOUD_REGION_ID: "eu-central-1" }, () => assert.equal(aliRegionOf(trail({})), "eu-central-1"));
  });
  it("an explicit first choice wins, and nothing known means undefined", () => {
    env(all, () => assert.equal(aliRegionOf(trail({ regionId: "cn-hangzhou" }), "ap-southeast-1"), "ap-southeast-1"));
    env({}, () => assert.equal(aliRegionOf(trail({})), undefined));
  });
});

describe("alicloud target: configSiteOf", () => {
  it("an explicit choice wins over everything", () => {
    env({}, () => {
      assert.equal(
        configSiteOf(rec({}, { region: "cn-hangzhou", accountType: "Domestic" }), "international"),
        "international",
      );
      assert.equal(configSiteOf(rec({}, { region: "eu-central-1" }), "china"), "china");
    });
  });
  it("then the provider's accountType", () => {
    env({}, () => {
      assert.equal(configSiteOf(rec({}, { region: "eu-central-1", accountType: "Domestic" }), "auto"), "china");
      assert.equal(
        configSiteOf(rec({}, { region: "cn-hangzhou", accountType: "International" }), "auto"),
        "international",
      );
    });
  });
  it("then the region: cn-* is the China site, anything else international", () => {
    env({}, () => {
      assert.equal(configSiteOf(rec({}, { region: "cn-hangzhou" }), "auto"), "china");
      assert.equal(configSiteOf(rec({}, { region: "ap-southeast-1" }), "auto"), "international");
      assert.equal(configSiteOf(rec({}), "auto"), "international");
    });
  });
});

describe("alicloud target: parseEndpoint and endpointOverride", () => {
  it("a bare host means HTTPS to that host", () => {
    assert.deepEqual(parseEndpoint("config.cn-shanghai.aliyuncs.com"), {
      protocol: "HTTPS",
      host: "config.cn-shanghai.aliyuncs.com",
    });
    assert.deepEqual(parseEndpoint("127.0.0.1:8443"), { protocol: "HTTPS", host: "127.0.0.1:8443" });
  });
  it("http://127.0.0.1:PORT means HTTP to host:port", () => {
    assert.deepEqual(parseEndpoint("http://127.0.0.1:4567"), { protocol: "HTTP", host: "127.0.0.1:4567" });
  });
  it("an https URL means HTTPS to its host", () => {
    assert.deepEqual(parseEndpoint("https://actiontrail.example.com/"), {
      protocol: "HTTPS",
      host: "actiontrail.example.com",
    });
  });
  it("malformed values and other schemes are error strings", () => {
    for (const bad of ["ht!tp://x", "not a host", "http://", "host/path", ""]) {
      assert.equal(typeof parseEndpoint(bad), "string", bad);
    }
    assert.match(String(parseEndpoint("ftp://127.0.0.1:21")), /unsupported scheme ftp/);
  });
  it("reads the override from endpoints as a JSON string and as an array", () => {
    env({}, () => {
      const asString = trail(
        {},
        { endpoints: JSON.stringify([{ config: "c.example.com", actiontrail: "a.example.com" }]) },
      );
      assert.equal(endpointOverride(asString, "config"), "c.example.com");
      assert.equal(endpointOverride(asString, "actiontrail"), "a.example.com");
      assert.equal(endpointOverride(asString, "sts"), undefined);
      const asArray = trail({}, { endpoints: [{ ecs: "e.example.com" }, { actiontrail: "a2.example.com" }] });
      assert.equal(endpointOverride(asArray, "actiontrail"), "a2.example.com");
      assert.equal(endpointOverride(trail({}, {}), "config"), undefined);
    });
  });
  it("an unknown endpoints list or entry is UNKNOWN, never the default host", () => {
    env({}, () => {
      assert.equal(endpointOverride(trail({}, { endpoints: UNKNOWN }), "config"), UNKNOWN);
      assert.equal(endpointOverride(trail({}, { endpoints: [{ config: UNKNOWN }] }), "config"), UNKNOWN);
      assert.equal(endpointOverride(trail({}, { endpoints: [{ config: UNKNOWN }] }), "actiontrail"), undefined);
    });
  });
});

describe("alicloud target: aliCredentialsOf and aliAccountHint", () => {
  it("static access key", () => {
    env({}, () => {
      assert.deepEqual(creds(trail({}, KEYS)), {
        base: { source: "static", accessKeyId: KEYS.accessKey, accessKeySecret: KEYS.secretKey },
        assumeRole: undefined,
      });
    });
  });
  it("STS: access key plus securityToken", () => {
    env({}, () => {
      assert.deepEqual(creds(trail({}, { ...KEYS, securityToken: "tok-tok-tok" })).base, {
        source: "static",
        accessKeyId: KEYS.accessKey,
        accessKeySecret: KEYS.secretKey,
        securityToken: "tok-tok-tok",
      });
    });
  });
  it("a profile, else the default chain", () => {
    env({}, () => {
      assert.deepEqual(creds(trail({}, { profile: "audit" })).base, { source: "profile", profile: "audit" });
      assert.deepEqual(creds(trail({}, { region: "cn-hangzhou" })).base, { source: "default-chain" });
      assert.deepEqual(creds(trail({}, { accessKey: "LTAI5tONLYKEY" })).base, { source: "default-chain" });
    });
  });
  it("the default provider reads keys from stack config", () => {
    const cfg = JSON.stringify({ "alicloud:accessKey": "LTAI5tCFGCFG", "alicloud:secretKey": "cfgsecretsecret" });
    env({ PULUMI_CONFIG: cfg }, () => {
      assert.deepEqual(creds(trail({})).base, {
        source: "static",
        accessKeyId: "LTAI5tCFGCFG",
        accessKeySecret: "cfgsecretsecret",
      });
    });
  });
  it("maps an assumeRole JSON string, with sessionName defaulting to auditguard", () => {
    env({}, () => {
      const role = {
        roleArn: "acs:ram::1234567890123456:role/audit",
        sessionExpiration: 1800,
        externalId: "ext-1",
        policy: '{"Version":"1"}',
      };
      assert.deepEqual(creds(trail({}, { ...KEYS, assumeRole: JSON.stringify(role) })).assumeRole, {
        roleArn: role.roleArn,
        sessionName: "auditguard",
        sessionExpiration: 1800,
        externalId: "ext-1",
        policy: '{"Version":"1"}',
      });
      const named = JSON.stringify({ roleArn: role.roleArn, sessionName: "mine", sessionExpiration: "900" });
      assert.deepEqual(creds(trail({}, { assumeRole: named })).assumeRole, {
        roleArn: role.roleArn,
        sessionName: "mine",
        sessionExpiration: 900,
      });
      assert.equal(creds(trail({}, { assumeRole: JSON.stringify({ sessionName: "x" }) })).assumeRole, undefined);
    });
  });
  it("an unknown provider key means no call yet (not ok, unknown)", () => {
    env({}, () => {
      for (const props of [
        { accessKey: UNKNOWN, secretKey: "s" },
        { ...KEYS, securityToken: UNKNOWN },
        { profile: UNKNOWN },
        { assumeRole: UNKNOWN },
        { assumeRole: [{ roleArn: UNKNOWN }] },
        { assumeRole: [{ roleArn: "acs:ram::1:role/r", sessionExpiration: UNKNOWN }] },
      ] as PlainObject[]) {
        const c = aliCredentialsOf(trail({}, props));
        assert.equal(c.ok, false, JSON.stringify(Object.keys(props)));
        if (!c.ok) assert.equal(c.unknown, true);
      }
    });
  });
  it("aliAccountHint: explicit accountId, else the assumed role's account", () => {
    env({}, () => {
      const withId = trail(
        {},
        { ...KEYS, accountId: "5555", assumeRole: JSON.stringify({ roleArn: "acs:ram::777:role/a" }) },
      );
      assert.equal(aliAccountHint(withId, creds(withId)), "5555");
      const byRole = trail({}, { assumeRole: JSON.stringify({ roleArn: "acs:ram::1234567890123456:role/audit" }) });
      assert.equal(aliAccountHint(byRole, creds(byRole)), "1234567890123456");
      const none = trail({}, KEYS);
      assert.equal(aliAccountHint(none, creds(none)), undefined);
    });
  });
  it("aliResolveTarget: the sts override is a bare HTTPS host, used only with a role", () => {
    env({}, () => {
      const role = JSON.stringify({ roleArn: "acs:ram::1:role/a" });
      const ep = { protocol: "HTTPS", host: "h" } as const;
      const withRole = aliResolveTarget(
        trail({}, { assumeRole: role, endpoints: [{ sts: "https://sts.example.com" }] }),
        ep,
      );
      assert.ok(withRole.ok);
      if (withRole.ok) assert.equal(withRole.value.stsEndpoint, "sts.example.com");
      const plain = aliResolveTarget(trail({}, { ...KEYS, endpoints: [{ sts: "https://sts.example.com" }] }), ep);
      assert.ok(plain.ok);
      if (plain.ok) assert.equal(plain.value.stsEndpoint, undefined);
      const http = aliResolveTarget(trail({}, { assumeRole: role, endpoints: [{ sts: "http://127.0.0.1:1" }] }), ep);
      assert.equal(http.ok, false);
      if (!http.ok) assert.equal(http.unknown, false);
    });
  });
  it("different credentials give different credentialsIds; the same give the same", () => {
    env({}, () => {
      const ep = { protocol: "HTTPS", host: "h" } as const;
      const id = (p: PlainObject): string => {
        const t = aliResolveTarget(trail({}, p), ep);
        if (!t.ok) assert.fail(t.why);
        return t.value.credentialsId;
      };
      assert.equal(id(KEYS), id({ ...KEYS }));
      assert.notEqual(id(KEYS), id({ ...KEYS, secretKey: "othersecretsecret" }));
      assert.ok(!id(KEYS).includes(KEYS.secretKey));
    });
  });
});

describe("alicloud kinds: planning", () => {
  it("recorder: cn- regions use the China site config.cn-shanghai", () => {
    env({}, () => {
      const r = rec({ id: "1" }, { ...KEYS, region: "cn-hangzhou" });
      const [c, ...rest] = aliRecorderKind.plan(ali(r), {});
      assert.equal(rest.length, 0);
      const p = call(c);
      assert.equal(p.spec.endpoint, "https://config.cn-shanghai.aliyuncs.com");
      assert.equal(p.spec.action, "GetConfigurationRecorder");
      assert.equal(p.spec.permission, "config:GetConfigurationRecorder");
      assert.equal(p.spec.region, "cn-hangzhou");
      assert.equal(p.spec.apiRegion, "cn-shanghai");
      assert.equal(p.spec.cloud, "alicloud");
      assert.equal(p.timeoutMs, 10_000);
    });
  });
  it("recorder: other regions use config.ap-southeast-1; configSite overrides", () => {
    env({}, () => {
      const r = rec({ id: "1" }, { ...KEYS, region: "eu-central-1" });
      const p = call(aliRecorderKind.plan(ali(r), { timeoutSeconds: 3 })[0]);
      assert.equal(p.spec.endpoint, "https://config.ap-southeast-1.aliyuncs.com");
      assert.equal(p.spec.apiRegion, "ap-southeast-1");
      assert.equal(p.timeoutMs, 3000);
      const forced = call(aliRecorderKind.plan(ali(r), { configSite: "china" })[0]);
      assert.equal(forced.spec.endpoint, "https://config.cn-shanghai.aliyuncs.com");
      assert.equal(forced.spec.apiRegion, "cn-shanghai");
    });
  });
  it("trail: actiontrail.<home region>.aliyuncs.com, with name and permission", () => {
    env({}, () => {
      const t = trail({ id: "trail-1", regionId: "cn-beijing" }, { ...KEYS, region: "cn-hangzhou" });
      const p = call(aliTrailKind.plan(ali(t), {})[0]);
      assert.equal(p.spec.endpoint, "https://actiontrail.cn-beijing.aliyuncs.com");
      assert.equal(p.spec.action, "GetTrailStatus");
      assert.equal(p.spec.permission, "actiontrail:GetTrailStatus");
      assert.equal(p.spec.region, "cn-beijing");
      assert.equal(p.spec.apiRegion, undefined);
      assert.equal(p.spec.target, "trail-1");
    });
  });
  it("an endpoint override replaces the default host", () => {
    env({}, () => {
      const t = trail(
        { regionId: "cn-beijing" },
        { ...KEYS, endpoints: JSON.stringify([{ actiontrail: "http://127.0.0.1:9" }]) },
      );
      assert.equal(call(aliTrailKind.plan(ali(t), {})[0]).spec.endpoint, "http://127.0.0.1:9");
    });
  });
  it("a resource being created (exists: false) gets no check", () => {
    env({}, () => {
      assert.deepEqual(aliRecorderKind.plan(ali(rec({}, { ...KEYS, region: "cn-hangzhou" }, false)), {}), []);
      assert.deepEqual(aliTrailKind.plan(ali(trail({}, { ...KEYS, region: "cn-hangzhou" }, false)), {}), []);
    });
  });
  it("unknown credentials or endpoints (preview) mean no check, not the default host", () => {
    env({}, () => {
      assert.deepEqual(
        aliTrailKind.plan(ali(trail({ regionId: "cn-hangzhou" }, { accessKey: UNKNOWN, secretKey: "s" })), {}),
        [],
      );
      assert.deepEqual(
        aliRecorderKind.plan(ali(rec({ id: "1" }, { ...KEYS, region: "cn-hangzhou", endpoints: UNKNOWN })), {}),
        [],
      );
    });
  });
  it("a trail without a name or a home region is a bad target", () => {
    env({}, () => {
      const noName = resource(TYPES.aliTrail, "t", { regionId: "cn-hangzhou" }, { provider: aliProvider(KEYS) });
      const nameless = decided(aliTrailKind.plan(ali(noName), {})[0]);
      assert.ok(!nameless.outcome.ok && nameless.outcome.failure.reason === "bad-target");
      const noRegion = decided(aliTrailKind.plan(ali(trail({}, KEYS)), {})[0]);
      assert.ok(!noRegion.outcome.ok && noRegion.outcome.failure.reason === "bad-target");
      if (!noRegion.outcome.ok) assert.match(noRegion.outcome.failure.detail, /region/);
    });
  });
  it("the same trail twice shares one key; another home region does not", () => {
    env({}, () => {
      const a = call(aliTrailKind.plan(ali(trail({ regionId: "cn-hangzhou" }, KEYS)), {})[0]);
      const b = call(aliTrailKind.plan(ali(trail({ regionId: "cn-hangzhou" }, KEYS)), {})[0]);
      const other = call(aliTrailKind.plan(ali(trail({ regionId: "cn-beijing" }, KEYS)), {})[0]);
      assert.equal(a.key, b.key);
      assert.notEqual(a.key, other.key);
    });
  });
});

describe("alicloud sdk: parseAliTime", () => {
  it("epoch milliseconds, as string or number", () => {
    assert.equal(parseAliTime("1547792223000"), 1547792223000);
    assert.equal(parseAliTime(1547792223000), 1547792223000);
  });
  it("epoch seconds", () => {
    assert.equal(parseAliTime("1547792223"), 1547792223000);
    assert.equal(parseAliTime(1547792223), 1547792223000);
  });
  it("ISO 8601", () => {
    assert.equal(parseAliTime("2021-02-26T09:19:44Z"), Date.UTC(2021, 1, 26, 9, 19, 44));
    assert.equal(parseAliTime("2021-02-26T17:19:44+08:00"), Date.UTC(2021, 1, 26, 9, 19, 44));
  });
  it("absent, empty, zero and garbage are undefined", () => {
    for (const v of [undefined, null, "", "0", 0, "garbage", "not-a-date", true, {}]) {
      assert.equal(parseAliTime(v), undefined, JSON.stringify(v));
    }
  });
});

describe("alicloud sdk: classifyAli", () => {
  const err = (name: string, code: string, statusCode?: number, message = `${code} failed`): Error =>
    Object.assign(new Error(message), { name, code, ...(statusCode ? { statusCode, requestId: "req-1" } : {}) });

  const cases: [Error, string][] = [
    [err("ClientError", "NoPermission", 403), "access-denied"],
    [err("ClientError", "Forbidden.RAM", 403), "access-denied"],
    [err("ClientError", "InvalidAccessKeyId.NotFound", 404), "invalid-credentials"],
    [err("ClientError", "SignatureDoesNotMatch", 400), "invalid-credentials"],
    [err("ClientError", "InvalidSecurityToken.Expired", 400), "invalid-credentials"],
    [err("ThrottlingError", "Throttling.User", 400), "throttled"],
    [err("ClientError", "Throttling.Api", 400), "throttled"],
    [err("ServerError", "ServiceUnavailable", 503), "service-error"],
    [err("ServerError", "InternalError", 500), "service-error"],
    [err("ClientError", "InvalidCredentials", 400), "no-credentials"],
    [new Error("unable to get credentials from any of the providers in the chain"), "no-credentials"],
    [err("Error", "ECONNREFUSED"), "endpoint-error"],
    [err("Error", "ECONNRESET"), "endpoint-error"],
    [err("RequestTimeoutError", ""), "timeout"],
    [err("Error", "ETIMEDOUT"), "timeout"],
    [Object.assign(new SyntaxError("Unexpected token <"), {}), "malformed-reply"],
    [err("ClientError", "Some.NewCode", 400), "unexpected-error"],
  ];
  for (const [e, reason] of cases) {
    it(`${e.name} ${String((e as { code?: unknown }).code ?? "")} → ${reason}`, () => {
      assert.equal(classifyAli(e).reason, reason);
    });
  }
  it("carries code, HTTP status and request id", () => {
    assert.deepEqual(classifyAli(err("ClientError", "Some.NewCode", 400, "new")), {
      reason: "unexpected-error",
      detail: "new",
      code: "Some.NewCode",
      httpStatus: 400,
      requestId: "req-1",
    });
  });
  it("never returns a secret the message echoes", () => {
    env({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: "envsecret-Zk3m9Q" }, () => {
      const f = classifyAli(err("ClientError", "Weird", 400, "bad secret envsecret-Zk3m9Q"));
      assert.ok(!f.detail.includes("envsecret-Zk3m9Q"), f.detail);
    });
  });
});

describe("policy alicloud-config-recorder-declared", () => {
  const cfg = { requireRecorder: true, allowRestrictedResourceTypes: false, requiredResourceTypes: [] as string[] };
  const other = resource("alicloud:ecs/instance:Instance", "vm", {});

  it("is not applicable to a stack without Alibaba resources", () => {
    assert.ok("notApplicable" in recorderDeclared.evaluate(stackOf([], { aws: true, alicloud: false }), cfg));
  });
  it("flags a missing recorder, unless requireRecorder is off", () => {
    const v = recorderDeclared.evaluate(ali(other), cfg);
    assert.ok(Array.isArray(v) && v.length === 1);
    assert.match(v[0]?.message ?? "", /declares no Cloud Config recorder/);
    assert.deepEqual(recorderDeclared.evaluate(ali(other), { ...cfg, requireRecorder: false }), []);
  });
  it("accepts a recorder that monitors all types", () => {
    assert.deepEqual(recorderDeclared.evaluate(ali(rec({})), cfg), []);
    assert.deepEqual(recorderDeclared.evaluate(ali(rec({ resourceTypes: [] })), cfg), []);
  });
  it("flags restricted types unless allowRestrictedResourceTypes", () => {
    const r = rec({ resourceTypes: ["ACS::ECS::Instance"] });
    const v = recorderDeclared.evaluate(ali(r), cfg);
    assert.ok(Array.isArray(v) && v.length === 1);
    assert.equal(v[0]?.urn, r.urn);
    assert.match(v[0]?.message ?? "", /only these 1 resource type\(s\): ACS::ECS::Instance/);
    assert.deepEqual(recorderDeclared.evaluate(ali(r), { ...cfg, allowRestrictedResourceTypes: true }), []);
  });
  it("flags required types missing from a restricted list, even when restriction is allowed", () => {
    const r = rec({ resourceTypes: ["ACS::ECS::Instance"] });
    const required = ["ACS::ECS::Instance", "ACS::RAM::User"];
    const v = recorderDeclared.evaluate(ali(r), {
      ...cfg,
      allowRestrictedResourceTypes: true,
      requiredResourceTypes: required,
    });
    assert.ok(Array.isArray(v) && v.length === 1);
    assert.match(v[0]?.message ?? "", /required types go unmonitored: ACS::RAM::User$|ACS::RAM::User\./);
    assert.doesNotMatch(v[0]?.message ?? "", /unmonitored: ACS::ECS::Instance/);
    const all = recorderDeclared.evaluate(ali(rec({ resourceTypes: required })), {
      ...cfg,
      allowRestrictedResourceTypes: true,
      requiredResourceTypes: required,
    });
    assert.deepEqual(all, []);
  });
  it("unknown resourceTypes are not judged", () => {
    assert.deepEqual(recorderDeclared.evaluate(ali(rec({ resourceTypes: UNKNOWN })), cfg), []);
  });
});

describe("policy alicloud-actiontrail-trail-declared", () => {
  const cfg = {
    requireTrail: true,
    requireEnabled: true,
    requireAllRegions: true,
    requireAllEvents: true,
    requireDeliveryTarget: true,
  };
  const good = { status: "Enable", trailRegion: "All", eventRw: "All", ossBucketName: "logs" };

  it("aliTrailGaps: a compliant trail has none", () => {
    assert.deepEqual(trailDeclared.aliTrailGaps(good, cfg), []);
    assert.deepEqual(
      trailDeclared.aliTrailGaps({ ...good, ossBucketName: null, slsProjectArn: "acs:log:*:1:project/p" }, cfg),
      [],
    );
  });
  it("aliTrailGaps: no status can stay Fresh; Disable is named", () => {
    const [fresh] = trailDeclared.aliTrailGaps({ ...good, status: null }, cfg);
    assert.match(fresh ?? "", /Fresh/);
    assert.deepEqual(trailDeclared.aliTrailGaps({ ...good, status: "Disable" }, cfg), [
      'has status Disable (set status: "Enable")',
    ]);
  });
  it("aliTrailGaps: single region, Write-only, no delivery target", () => {
    const gaps = trailDeclared.aliTrailGaps({ status: "Enable", trailRegion: "cn-hangzhou", eventRw: "Write" }, cfg);
    assert.equal(gaps.length, 3);
    assert.match(gaps[0] ?? "", /only region cn-hangzhou/);
    assert.match(gaps[1] ?? "", /only Write events/);
    assert.match(gaps[2] ?? "", /delivers nowhere/);
  });
  it("aliTrailGaps: unknown values are not gaps; switches turn checks off", () => {
    assert.deepEqual(
      trailDeclared.aliTrailGaps(
        { status: UNKNOWN, trailRegion: UNKNOWN, eventRw: UNKNOWN, ossBucketName: UNKNOWN },
        cfg,
      ),
      [],
    );
    const off = {
      ...cfg,
      requireEnabled: false,
      requireAllRegions: false,
      requireAllEvents: false,
      requireDeliveryTarget: false,
    };
    assert.deepEqual(
      trailDeclared.aliTrailGaps({ status: "Disable", trailRegion: "cn-hangzhou", eventRw: "Read" }, off),
      [],
    );
  });
  it("evaluate: not applicable without Alibaba resources; no trail is a finding unless requireTrail is off", () => {
    assert.ok("notApplicable" in trailDeclared.evaluate(stackOf([]), cfg));
    const v = trailDeclared.evaluate(ali(rec({})), cfg);
    assert.ok(Array.isArray(v) && v.length === 1);
    assert.match(v[0]?.message ?? "", /declares no ActionTrail trail/);
    assert.deepEqual(trailDeclared.evaluate(ali(rec({})), { ...cfg, requireTrail: false }), []);
  });
  it("evaluate: one compliant trail suffices; otherwise every trail's gaps are reported", () => {
    const bad = trail({ status: "Disable", trailName: "bad-trail" });
    const ok = trail(good);
    assert.deepEqual(trailDeclared.evaluate(ali(bad, ok), cfg), []);
    const bad2 = trail({ ...good, eventRw: "Read", trailName: "bad-2" });
    const v = trailDeclared.evaluate(ali(bad, bad2), cfg);
    assert.ok(Array.isArray(v) && v.length === 2);
    assert.equal(v[0]?.urn, bad.urn);
    assert.match(v[0]?.message ?? "", /'bad-trail' has status Disable/);
    assert.match(v[1]?.message ?? "", /'bad-2' records only Read events/);
  });
});

describe("policy alicloud-config-recorder-recording: judgeAliRecorder", () => {
  const rules = { pendingGraceMinutes: 60 };
  const r = (status: string, resourceTypes?: string[]): AliRecorder => ({ found: true, status, resourceTypes });

  it("REGISTERED is fine", () => {
    assert.deepEqual(judgeAliRecorder(r("REGISTERED", ["A"]), "'x'", ["A"], rules, NOW, NOW), []);
    assert.deepEqual(judgeAliRecorder(r("REGISTERED"), "'x'", undefined, rules, NOW, NOW), []);
  });
  it("REGISTRABLE is a violation", () => {
    const out = judgeAliRecorder(r("REGISTRABLE"), "'x'", undefined, rules, NOW, NOW);
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /not monitoring \(status REGISTRABLE/);
  });
  it("BUILDING within pendingGraceMinutes is fine, beyond it a violation", () => {
    assert.deepEqual(judgeAliRecorder(r("BUILDING"), "'x'", undefined, rules, NOW - 59 * MINUTE, NOW), []);
    assert.deepEqual(judgeAliRecorder(r("REBUILDING"), "'x'", undefined, rules, NOW - 60 * MINUTE, NOW), []);
    const out = judgeAliRecorder(r("BUILDING"), "'x'", undefined, rules, NOW - 61 * MINUTE, NOW);
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /has been BUILDING for at least 61 min .*pendingGraceMinutes=60/);
    assert.deepEqual(
      judgeAliRecorder(r("BUILDING"), "'x'", undefined, { pendingGraceMinutes: 120 }, NOW - 61 * MINUTE, NOW),
      [],
    );
  });
  it("an unrecognised status is a violation", () => {
    assert.match(
      judgeAliRecorder(r("PAUSED"), "'x'", undefined, rules, NOW, NOW)[0] ?? "",
      /unrecognised status PAUSED/,
    );
  });
  it("declared and monitored types that differ are reported both ways", () => {
    const [both] = judgeAliRecorder(r("REGISTERED", ["A", "C"]), "'x'", ["A", "B"], rules, NOW, NOW);
    assert.match(both ?? "", /declared but not monitored: B; monitored but not declared: C/);
    const [missing] = judgeAliRecorder(r("REGISTERED", ["A"]), "'x'", ["A", "B"], rules, NOW, NOW);
    assert.match(missing ?? "", /declared but not monitored: B/);
    assert.doesNotMatch(missing ?? "", /monitored but not declared/);
    const [extra] = judgeAliRecorder(r("REGISTERED", ["A", "B"]), "'x'", ["A"], rules, NOW, NOW);
    assert.match(extra ?? "", /monitored but not declared: B/);
    assert.doesNotMatch(extra ?? "", /declared but not monitored/);
  });
  it("no recorder at all is a violation naming the service's words", () => {
    const nf: AliNotFound = { found: false, detail: "Your account does not exist." };
    const out = judgeAliRecorder(nf, "'rec' (API cn-shanghai)", ["A"], rules, NOW, NOW);
    assert.equal(out.length, 1);
    assert.match(
      out[0] ?? "",
      /'rec' \(API cn-shanghai\) is not enabled for the account \(Your account does not exist\.\)/,
    );
  });
});

describe("policy alicloud-actiontrail-trail-logging: judgeAliTrail", () => {
  const rules = { maxDeliveryAgeHours: 24, newTrailGraceMinutes: 60 };
  const base: AliTrailStatus = {
    found: true,
    isLogging: true,
    latestDeliveryError: undefined,
    latestDeliveryLogServiceError: undefined,
    latestDeliveryTime: NOW - HOUR,
    latestDeliveryLogServiceTime: undefined,
    startLoggingTime: NOW - 30 * 24 * HOUR,
    stopLoggingTime: undefined,
  };
  const judge = (s: Partial<AliTrailStatus>): string[] => judgeAliTrail({ ...base, ...s }, "'t'", rules, NOW);

  it("a logging, delivering trail is fine", () => {
    assert.deepEqual(judge({}), []);
  });
  it("IsLogging false is a violation naming StopLoggingTime", () => {
    const out = judge({ isLogging: false, stopLoggingTime: Date.UTC(2026, 1, 1) });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /is not logging \(IsLogging=false since 2026-02-01T00:00:00Z\)/);
  });
  it("LatestDeliveryError and LatestDeliveryLogServiceError are violations", () => {
    const out = judge({ latestDeliveryError: "write oss failed", latestDeliveryLogServiceError: "write sls failed" });
    assert.equal(out.length, 2);
    assert.match(out[0] ?? "", /LatestDeliveryError=write oss failed/);
    assert.match(out[1] ?? "", /LatestDeliveryLogServiceError=write sls failed/);
  });
  it("stale delivery after the grace uses the later of OSS and SLS delivery times", () => {
    const stale = judge({ latestDeliveryTime: NOW - 30 * HOUR, latestDeliveryLogServiceTime: NOW - 25 * HOUR });
    assert.equal(stale.length, 1);
    assert.match(stale[0] ?? "", /last delivered a log file at .* \(25 h ago\), older than maxDeliveryAgeHours=24/);
    assert.deepEqual(judge({ latestDeliveryTime: NOW - 30 * HOUR, latestDeliveryLogServiceTime: NOW - 2 * HOUR }), []);
    assert.deepEqual(judge({ latestDeliveryTime: undefined, latestDeliveryLogServiceTime: NOW - 2 * HOUR }), []);
    const never = judge({ latestDeliveryTime: undefined, startLoggingTime: NOW - 2 * HOUR });
    assert.match(never[0] ?? "", /has delivered no log file since it started logging/);
  });
  it("a new trail within the grace is fine without any delivery", () => {
    assert.deepEqual(judge({ latestDeliveryTime: undefined, startLoggingTime: NOW - 59 * MINUTE }), []);
  });
  it("a trail that does not exist is a violation", () => {
    const out = judgeAliTrail({ found: false, detail: "The specified trail t does not exist." }, "'t'", rules, NOW);
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /does not exist \(The specified trail t does not exist\.\)/);
  });
});

describe("first-seen store", () => {
  let dir: string;
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env["AUDITGUARD_STATE_DIR"];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-seen-"));
    process.env["AUDITGUARD_STATE_DIR"] = dir;
  });
  afterEach(() => {
    if (saved === undefined) Reflect.deleteProperty(process.env, "AUDITGUARD_STATE_DIR");
    else process.env["AUDITGUARD_STATE_DIR"] = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("remembers the first sighting of a state across calls", () => {
    assert.equal(firstSeen("k", "BUILDING", NOW), NOW);
    assert.equal(firstSeen("k", "BUILDING", NOW + 5 * MINUTE), NOW);
    assert.ok(fs.existsSync(path.join(dir, "first-seen.json")));
  });
  it("a state change resets the clock", () => {
    firstSeen("k", "BUILDING", NOW);
    assert.equal(firstSeen("k", "REBUILDING", NOW + 10 * MINUTE), NOW + 10 * MINUTE);
    assert.equal(firstSeen("k", "REBUILDING", NOW + 20 * MINUTE), NOW + 10 * MINUTE);
  });
  it("keys are independent; clearSeen forgets one", () => {
    firstSeen("a", "BUILDING", NOW);
    firstSeen("b", "BUILDING", NOW + MINUTE);
    clearSeen("a");
    assert.equal(firstSeen("a", "BUILDING", NOW + 2 * MINUTE), NOW + 2 * MINUTE);
    assert.equal(firstSeen("b", "BUILDING", NOW + 3 * MINUTE), NOW + MINUTE);
  });
  it("a sighting from the future (clock moved back) starts over", () => {
    firstSeen("k", "BUILDING", NOW);
    assert.equal(firstSeen("k", "BUILDING", NOW - HOUR), NOW - HOUR);
  });
  it("a corrupt file reads as nothing seen", () => {
    fs.writeFileSync(path.join(dir, "first-seen.json"), "{not json");
    assert.equal(firstSeen("k", "BUILDING", NOW), NOW);
    assert.equal(firstSeen("k", "BUILDING", NOW + MINUTE), NOW);
  });
});
