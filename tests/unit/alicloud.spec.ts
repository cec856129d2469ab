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
import {
  type AliTrailDeclaration,
  aliTrailDeclaration,
  judgeAliTrail,
} from "../../policies/alicloud-actiontrail-trail-logging";
import * as recorderDeclared from "../../policies/alicloud-config-recorder-declared";
import { judgeAliRecorder } from "../../policies/alicloud-config-recorder-recording";
import { HOUR, MINUTE, NOW, resource, stackOf, TYPES, withEnv } from "./support";

/** Every variable Alibaba region/credential resolution reads; withEnv unsets the ones not given. */
const CLEAN: Record<string, string | undefined> = {
  PULUMI_CONFIG: undefined,
  ALIBABA_CLOUD_REGION_ID: undefined,
  ALICLOUD_REGION: undefined,
  ALIBABA_CLOUD_REGION: undefined,
  ALICLOUD_ACCESS_KEY: undefined,
  ALICLOUD_SECRET_KEY: undefined,
  ALICLOUD_SECURITY_TOKEN: undefined,
  ALIBABA_CLOUD_ACCESS_KEY_ID: undefined,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined,
  ALIBABA_CLOUD_SECURITY_TOKEN: undefined,
  ALICLOUD_PROFILE: undefined,
  ALIBABA_CLOUD_PROFILE: undefined,
  ALICLOUD_SHARED_CREDENTIALS_FILE: undefined,
  ALIBABA_CLOUD_CREDENTIALS_FILE: undefined,
  ALICLOUD_CREDENTIALS_URI: undefined,
  ALIBABA_CLOUD_CREDENTIALS_URI: undefined,
  ALICLOUD_ECS_ROLE_NAME: undefined,
  ALIBABA_CLOUD_ECS_METADATA: undefined,
  ALICLOUD_ACCOUNT_ID: undefined,
  ALIBABA_CLOUD_ACCOUNT_TYPE: undefined,
  ALICLOUD_ACCOUNT_TYPE: undefined,
  ALIBABA_CLOUD_ROLE_ARN: undefined,
  ALIBABA_CLOUD_OIDC_PROVIDER_ARN: undefined,
  ALIBABA_CLOUD_OIDC_TOKEN_FILE: undefined,
  ALIBABA_CLOUD_ENDPOINT_CONFIG: undefined,
  CONFIG_ENDPOINT: undefined,
  ALIBABA_CLOUD_ENDPOINT_ACTIONTRAIL: undefined,
  ACTIONTRAIL_ENDPOINT: undefined,
  ALIBABA_CLOUD_ENDPOINT_STS: undefined,
  STS_ENDPOINT: undefined,
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
  it("then the provider's environment defaults ALICLOUD_REGION, ALIBABA_CLOUD_REGION (not the SDK's ALIBABA_CLOUD_REGION_ID)", () => {
    env({ ALICLOUD_REGION: "cn-shenzhen", ALIBABA_CLOUD_REGION: "cn-qingdao" }, () =>
      assert.equal(aliRegionOf(trail({})), "cn-shenzhen"),
    );
    env({ ALIBABA_CLOUD_REGION: "cn-qingdao" }, () => assert.equal(aliRegionOf(trail({})), "cn-qingdao"));
    env({ ALIBABA_CLOUD_REGION_ID: "eu-central-1" }, () => assert.equal(aliRegionOf(trail({})), "cn-beijing"));
  });
  it("an explicit first choice wins; nothing known means the provider's default region cn-beijing", () => {
    env(all, () => assert.equal(aliRegionOf(trail({ regionId: "cn-hangzhou" }), "ap-southeast-1"), "ap-southeast-1"));
    env({}, () => assert.equal(aliRegionOf(trail({})), "cn-beijing"));
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
  it("then ALIBABA_CLOUD_ACCOUNT_TYPE (the provider's env default); ALICLOUD_ACCOUNT_TYPE is not read by the provider", () => {
    env({ ALIBABA_CLOUD_ACCOUNT_TYPE: "international" }, () =>
      assert.equal(configSiteOf(rec({}, { region: "cn-hangzhou" }), "auto"), "international"),
    );
    env({ ALICLOUD_ACCOUNT_TYPE: "Domestic" }, () =>
      assert.equal(configSiteOf(rec({}, { region: "cn-hangzhou" }), "auto"), "probe"),
    );
  });
  it("never guessed from the region: without a setting the site is probed", () => {
    env({}, () => {
      assert.equal(configSiteOf(rec({}, { region: "cn-hangzhou" }), "auto"), "probe");
      assert.equal(configSiteOf(rec({}, { region: "cn-hongkong" }), "auto"), "probe");
      assert.equal(configSiteOf(rec({}, { region: "ap-southeast-1" }), "auto"), "probe");
      assert.equal(configSiteOf(rec({}, { accountType: UNKNOWN }), "auto"), UNKNOWN);
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
  it("the environment overrides Config and ActionTrail hosts, never STS's (the provider reads endpoints[].sts only)", () => {
    const vars = {
      ALIBABA_CLOUD_ENDPOINT_CONFIG: "c.env.example.com",
      ACTIONTRAIL_ENDPOINT: "a.env.example.com",
      ALIBABA_CLOUD_ENDPOINT_STS: "sts.env.example.com",
      STS_ENDPOINT: "sts-legacy.env.example.com",
    };
    env(vars, () => {
      const r = trail({}, { accessKey: "LTAI5tUNITUNIT", secretKey: "unitsecretsecret", region: "cn-hangzhou" });
      assert.equal(endpointOverride(r, "config"), "c.env.example.com");
      assert.equal(endpointOverride(r, "actiontrail"), "a.env.example.com");
      assert.equal(endpointOverride(r, "sts"), undefined);
      const t = aliResolveTarget(r, { protocol: "HTTPS", host: "a.env.example.com" });
      assert.ok(t.ok);
      assert.deepEqual(t.value.identityEndpoint, { protocol: "HTTPS", host: "sts.cn-hangzhou.aliyuncs.com" });
      const declared = trail({}, { endpoints: [{ sts: "sts.declared.example.com" }] });
      assert.equal(endpointOverride(declared, "sts"), "sts.declared.example.com");
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
  it("no credential source at all is not the SDK's default chain: the provider could not run, nor can the check", () => {
    env({}, () => {
      for (const props of [
        { region: "cn-hangzhou" },
        { accessKey: "LTAI5tONLYKEY" },
        { profile: "absent" },
      ] as PlainObject[]) {
        const c = aliCredentialsOf(trail({}, props));
        assert.equal(c.ok, false, JSON.stringify(props));
        if (!c.ok) {
          assert.equal(c.unknown, false);
          assert.match(c.why, /no credential source/);
        }
      }
    });
  });
  it("keys from the provider's environment defaults, ALICLOUD_* first", () => {
    env(
      {
        ALICLOUD_ACCESS_KEY: "LTAI5tALICLOUD",
        ALICLOUD_SECRET_KEY: "alicloudsecret",
        ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAI5tALIBABA",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: "alibabasecret",
        ALICLOUD_SECURITY_TOKEN: "tok-env",
      },
      () => {
        assert.deepEqual(creds(trail({})).base, {
          source: "static",
          accessKeyId: "LTAI5tALICLOUD",
          accessKeySecret: "alicloudsecret",
          securityToken: "tok-env",
        });
        // The provider's own value wins over its environment default.
        assert.equal((creds(trail({}, KEYS)).base as { accessKeyId: string }).accessKeyId, KEYS.accessKey);
      },
    );
  });
  it("a profile's keys from the aliyun CLI JSON file (sharedCredentialsFile or ALICLOUD_SHARED_CREDENTIALS_FILE)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-ali-profile-"));
    const file = path.join(dir, "config.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        profiles: [
          {
            name: "ak",
            mode: "AK",
            access_key_id: "LTAI5tPROFILE",
            access_key_secret: "profilesecret",
            region_id: "cn-shenzhen",
          },
          {
            name: "sts",
            mode: "StsToken",
            access_key_id: "LTAI5tSTS",
            access_key_secret: "stssecret",
            sts_token: "tok-p",
          },
          {
            name: "role",
            mode: "RamRoleArn",
            access_key_id: "LTAI5tR",
            access_key_secret: "rsecret",
            ram_role_arn: "acs:ram::42:role/r",
            ram_session_name: "s1",
          },
          { name: "ecs", mode: "EcsRamRole", ram_role_name: "ecs-audit" },
          { name: "sso", mode: "CloudSSO" },
        ],
      }),
    );
    env({ ALICLOUD_PROFILE: "ak", ALICLOUD_SHARED_CREDENTIALS_FILE: file }, () => {
      assert.deepEqual(creds(trail({})).base, {
        source: "static",
        accessKeyId: "LTAI5tPROFILE",
        accessKeySecret: "profilesecret",
      });
      assert.equal(aliRegionOf(trail({})), "cn-shenzhen");
    });
    env({}, () => {
      const p = (profile: string): PlainObject => ({ profile, sharedCredentialsFile: file });
      assert.deepEqual(creds(trail({}, p("sts"))).base, {
        source: "static",
        accessKeyId: "LTAI5tSTS",
        accessKeySecret: "stssecret",
        securityToken: "tok-p",
      });
      const role = creds(trail({}, p("role")));
      assert.deepEqual(role.assumeRole, { roleArn: "acs:ram::42:role/r", sessionName: "s1" });
      assert.deepEqual(creds(trail({}, p("ecs"))).base, { source: "ecs-role", roleName: "ecs-audit" });
      // CloudSSO & co. go to the credentials library, which reads only ~/.aliyun/config.json.
      const sso = aliCredentialsOf(trail({}, p("sso")));
      assert.ok(!sso.ok && !sso.unknown && /sharedCredentialsFile/.test(sso.why));
    });
  });
  it("credentialsUri, then ecsRoleName, then assumeRoleWithOidc, only without keys", () => {
    env({ ALICLOUD_CREDENTIALS_URI: "http://127.0.0.1:9/creds" }, () => {
      assert.deepEqual(creds(trail({}, { ecsRoleName: "r" })).base, {
        source: "credentials-uri",
        uri: "http://127.0.0.1:9/creds",
      });
      assert.equal(creds(trail({}, KEYS)).base.source, "static");
    });
    env({ ALIBABA_CLOUD_ECS_METADATA: "env-role" }, () => {
      assert.deepEqual(creds(trail({})).base, { source: "ecs-role", roleName: "env-role" });
    });
    env({ ALIBABA_CLOUD_OIDC_PROVIDER_ARN: "acs:ram::7:oidc-provider/gh" }, () => {
      const oidc = { roleArn: "acs:ram::7:role/ci", oidcTokenFile: "/var/run/token" };
      assert.deepEqual(creds(trail({}, { assumeRoleWithOidc: JSON.stringify([oidc]) })).base, {
        source: "oidc",
        roleArn: "acs:ram::7:role/ci",
        oidcProviderArn: "acs:ram::7:oidc-provider/gh",
        tokenFile: "/var/run/token",
        sessionName: "terraform",
      });
      const inline = aliCredentialsOf(trail({}, { assumeRoleWithOidc: [{ ...oidc, oidcToken: "eyJ-inline" }] }));
      assert.ok(!inline.ok && !inline.unknown && /oidcToken/.test(inline.why));
      const acct = trail({}, { assumeRoleWithOidc: [oidc] });
      assert.equal(aliAccountHint(acct, creds(acct)), "7");
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
      assert.deepEqual(creds(trail({}, { ...KEYS, assumeRole: named })).assumeRole, {
        roleArn: role.roleArn,
        sessionName: "mine",
        sessionExpiration: 900,
      });
      assert.equal(
        creds(trail({}, { ...KEYS, assumeRole: JSON.stringify({ sessionName: "x" }) })).assumeRole,
        undefined,
      );
    });
  });
  it("an unknown provider key means no call yet (not ok, unknown)", () => {
    env({}, () => {
      for (const props of [
        { accessKey: UNKNOWN, secretKey: "s" },
        { ...KEYS, securityToken: UNKNOWN },
        { profile: UNKNOWN },
        { assumeRole: UNKNOWN },
        { ...KEYS, assumeRole: [{ roleArn: UNKNOWN }] },
        { ...KEYS, assumeRole: [{ roleArn: "acs:ram::1:role/r", sessionExpiration: UNKNOWN }] },
        { ecsRoleName: UNKNOWN },
        { credentialsUri: UNKNOWN },
        { assumeRoleWithOidc: UNKNOWN },
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
      const byRole = trail(
        {},
        { ...KEYS, assumeRole: JSON.stringify({ roleArn: "acs:ram::1234567890123456:role/audit" }) },
      );
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
        trail({}, { ...KEYS, assumeRole: role, endpoints: [{ sts: "https://sts.example.com" }] }),
        ep,
      );
      assert.ok(withRole.ok);
      if (withRole.ok) assert.equal(withRole.value.stsEndpoint, "sts.example.com");
      const plain = aliResolveTarget(trail({}, { ...KEYS, endpoints: [{ sts: "https://sts.example.com" }] }), ep);
      assert.ok(plain.ok);
      if (plain.ok) {
        assert.equal(plain.value.stsEndpoint, undefined);
        // GetCallerIdentity goes to the same override, HTTP allowed; without one, to the regional STS host.
        assert.deepEqual(plain.value.identityEndpoint, { protocol: "HTTPS", host: "sts.example.com" });
      }
      const regional = aliResolveTarget(trail({ regionId: "cn-hangzhou" }, KEYS), ep);
      if (regional.ok) assert.equal(regional.value.identityEndpoint.host, "sts.cn-hangzhou.aliyuncs.com");
      const http = aliResolveTarget(
        trail({}, { ...KEYS, assumeRole: role, endpoints: [{ sts: "http://127.0.0.1:1" }] }),
        ep,
      );
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
  it("recorder: accountType Domestic uses the China site config.cn-shanghai", () => {
    env({}, () => {
      const r = rec({ id: "1" }, { ...KEYS, region: "cn-hangzhou", accountType: "Domestic" });
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
  it("recorder: accountType International uses config.ap-southeast-1; configSite overrides", () => {
    env({}, () => {
      const r = rec({ id: "1" }, { ...KEYS, region: "cn-hongkong", accountType: "International" });
      const p = call(aliRecorderKind.plan(ali(r), { timeoutSeconds: 3 })[0]);
      assert.equal(p.spec.endpoint, "https://config.ap-southeast-1.aliyuncs.com");
      assert.equal(p.spec.apiRegion, "ap-southeast-1");
      assert.equal(p.timeoutMs, 3000);
      const forced = call(aliRecorderKind.plan(ali(r), { configSite: "china" })[0]);
      assert.equal(forced.spec.endpoint, "https://config.cn-shanghai.aliyuncs.com");
      assert.equal(forced.spec.apiRegion, "cn-shanghai");
    });
  });
  it("recorder: without a site setting both sites are probed, whatever the region", () => {
    env({}, () => {
      const p = call(aliRecorderKind.plan(ali(rec({ id: "1" }, { ...KEYS, region: "cn-hangzhou" })), {})[0]);
      assert.equal(p.spec.endpoint, undefined, "no single endpoint: both sites are asked");
      assert.equal(p.spec.apiRegion, undefined);
    });
  });
  it("recorder: ALIBABA_CLOUD_ENDPOINT_CONFIG (the provider's env override) decides the host", () => {
    env({ ALIBABA_CLOUD_ENDPOINT_CONFIG: "http://127.0.0.1:7" }, () => {
      const p = call(aliRecorderKind.plan(ali(rec({ id: "1" }, KEYS)), {})[0]);
      assert.equal(p.spec.endpoint, "http://127.0.0.1:7");
    });
  });
  it("the deprecated TrailDeprecated resource is checked by its trailName, else its name", () => {
    env({}, () => {
      const dep = resource(
        TYPES.aliTrailDeprecated,
        "old",
        { id: "legacy", name: "legacy", regionId: "cn-hangzhou" },
        { provider: aliProvider(KEYS) },
      );
      const p = call(aliTrailKind.plan(ali(dep), {})[0]);
      assert.equal(p.spec.target, "legacy");
      assert.equal(p.spec.endpoint, "https://actiontrail.cn-hangzhou.aliyuncs.com");
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
  it("a trail without a name is a bad target", () => {
    env({}, () => {
      const noName = resource(TYPES.aliTrail, "t", { regionId: "cn-hangzhou" }, { provider: aliProvider(KEYS) });
      const nameless = decided(aliTrailKind.plan(ali(noName), {})[0]);
      assert.ok(!nameless.outcome.ok && nameless.outcome.failure.reason === "bad-target");
      // Without any region the provider runs in its default region cn-beijing, where it created the trail.
      assert.equal(call(aliTrailKind.plan(ali(trail({}, KEYS)), {})[0]).spec.region, "cn-beijing");
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
  it("a list on an existing recorder may be the provider's copy of the live list: not judged as a restriction", () => {
    assert.deepEqual(recorderDeclared.evaluate(ali(rec({ resourceTypes: ["ACS::ECS::Instance"] })), cfg), []);
  });
  it("flags restricted types written for a recorder being created, unless allowRestrictedResourceTypes", () => {
    const r = rec({ resourceTypes: ["ACS::ECS::Instance"] }, undefined, false);
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
  it("declared types the recorder does not monitor are reported; types monitored beyond the list are not", () => {
    const [missing, ...rest] = judgeAliRecorder(r("REGISTERED", ["A", "C"]), "'x'", ["A", "B"], rules, NOW, NOW);
    assert.match(missing ?? "", /does not monitor declared resource types: B\./);
    assert.deepEqual(rest, []);
    assert.deepEqual(judgeAliRecorder(r("REGISTERED", ["A", "B"]), "'x'", ["A"], rules, NOW, NOW), []);
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
  const rules = { maxDeliveryAgeHours: 24, newTrailGraceMinutes: 60, quietTrailsMustDeliver: false };
  const base: AliTrailStatus = {
    found: true,
    isLogging: true,
    latestDeliveryError: undefined,
    latestDeliveryLogServiceError: undefined,
    latestDeliveryTime: NOW - HOUR,
    latestDeliveryLogServiceTime: undefined,
    startLoggingTime: NOW - 30 * 24 * HOUR,
    stopLoggingTime: undefined,
    ossBucketStatus: true,
    slsLogStoreStatus: undefined,
  };
  const ossOnly: AliTrailDeclaration = {
    status: "Enable",
    eventRw: "All",
    oss: true,
    sls: false,
    region: "cn-hangzhou",
  };
  const judge = (s: Partial<AliTrailStatus>, d: Partial<AliTrailDeclaration> = {}, r: Partial<typeof rules> = {}) =>
    judgeAliTrail({ ...base, ...s }, "'t'", { ...ossOnly, ...d }, { ...rules, ...r }, NOW);

  it("a logging, delivering trail is fine", () => {
    assert.deepEqual(judge({}), []);
  });
  it("IsLogging false is a violation naming StopLoggingTime, with a fix command in the home region", () => {
    const out = judge({ isLogging: false, stopLoggingTime: Date.UTC(2026, 1, 1) });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /is not logging \(IsLogging=false since 2026-02-01T00:00:00Z\)/);
    assert.match(out[0] ?? "", /`aliyun actiontrail StartLogging --Name t --region cn-hangzhou`/);
  });
  it('a trail declared status "Disable" that is off is the intent, not a live violation', () => {
    assert.deepEqual(judge({ isLogging: false }, { status: "Disable" }), []);
    // Declared without a status (it can stay Fresh) or Enable, and off: broken.
    assert.equal(judge({ isLogging: false }, { status: undefined }).length, 1);
  });
  it("LatestDeliveryError and LatestDeliveryLogServiceError are violations", () => {
    const out = judge({ latestDeliveryError: "write oss failed", latestDeliveryLogServiceError: "write sls failed" });
    assert.equal(out.length, 2);
    assert.match(out[0] ?? "", /LatestDeliveryError=write oss failed/);
    assert.match(out[1] ?? "", /LatestDeliveryLogServiceError=write sls failed/);
  });
  it("OssBucketStatus / SlsLogStoreStatus false are violations for a destination the trail declares", () => {
    const both = { oss: true, sls: true };
    const fresh = { latestDeliveryLogServiceTime: NOW - HOUR };
    const [oss, ...r1] = judge({ ...fresh, ossBucketStatus: false, slsLogStoreStatus: true }, both);
    assert.match(oss ?? "", /cannot deliver to its OSS bucket \(OssBucketStatus=false: unavailable\)/);
    assert.deepEqual(r1, []);
    const [sls, ...r2] = judge({ ...fresh, slsLogStoreStatus: false }, both);
    assert.match(sls ?? "", /SlsLogStoreStatus=false/);
    assert.deepEqual(r2, []);
    // A destination the trail does not declare says nothing about the trail.
    assert.deepEqual(judge({ slsLogStoreStatus: false }), []);
  });
  it("each destination's freshness is judged on its own: a fresh SLS delivery does not hide a stalled OSS one", () => {
    const both = { oss: true, sls: true };
    const [stale, ...rest] = judge(
      { latestDeliveryTime: NOW - 30 * HOUR, latestDeliveryLogServiceTime: NOW - 2 * HOUR },
      both,
    );
    assert.match(
      stale ?? "",
      /last delivered a log file at .* \(30 h ago\), older than maxDeliveryAgeHours=24 \(to OSS\)/,
    );
    assert.deepEqual(rest, []);
    const [slsStale] = judge({ latestDeliveryTime: NOW - HOUR, latestDeliveryLogServiceTime: NOW - 25 * HOUR }, both);
    assert.match(slsStale ?? "", /\(to SLS\)/);
    const never = judge({ latestDeliveryTime: undefined, startLoggingTime: NOW - 2 * HOUR });
    assert.match(never[0] ?? "", /has delivered no log file since it started logging/);
  });
  it("staleness applies by default only to EventRW All; quietTrailsMustDeliver extends it", () => {
    const stale = { latestDeliveryTime: NOW - 30 * HOUR };
    assert.deepEqual(judge(stale, { eventRw: "Write" }), []);
    assert.deepEqual(judge(stale, { eventRw: "Read" }), []);
    assert.equal(judge(stale, { eventRw: "Write" }, { quietTrailsMustDeliver: true }).length, 1);
    assert.equal(judge(stale, { eventRw: "All" }).length, 1);
  });
  it("the declaration: eventRw defaults to Write on TrailDeprecated and All on Trail", () => {
    const current = resource(TYPES.aliTrail, "t", { trailName: "t", regionId: "cn-hangzhou" });
    const dep = resource(TYPES.aliTrailDeprecated, "d", { name: "d", regionId: "cn-hangzhou", ossBucketName: "b" });
    assert.equal(aliTrailDeclaration(current).eventRw, "All");
    assert.deepEqual(aliTrailDeclaration(dep), {
      status: undefined,
      eventRw: "Write",
      oss: true,
      sls: false,
      region: "cn-hangzhou",
    });
    assert.equal(aliTrailDeclaration(resource(TYPES.aliTrail, "u", { eventRw: UNKNOWN })).eventRw, undefined);
  });
  it("a new trail within the grace is fine without any delivery", () => {
    assert.deepEqual(judge({ latestDeliveryTime: undefined, startLoggingTime: NOW - 59 * MINUTE }), []);
  });
  it("a trail that does not exist is a violation", () => {
    const out = judgeAliTrail(
      { found: false, detail: "The specified trail t does not exist." },
      "'t'",
      ossOnly,
      rules,
      NOW,
    );
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
