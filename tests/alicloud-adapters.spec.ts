// Adapter-depth tests for the Alibaba half: the real @alicloud/openapi-core client and @alicloud/credentials,
// driven through the shared live round, talking to the loopback fake in ./fakes/alibaba. Only 127.0.0.1.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

process.env["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true";
process.env["ALIBABA_CLOUD_CLI_PROFILE_DISABLED"] = "true";
process.env["HOME"] = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-ali-home-"));

import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ALI_RECORDER_POLICY, ALI_TRAIL_POLICY } from "../lib/alicloud/kinds";
import type { AliNotFound, AliRecorder, AliTrailStatus } from "../lib/alicloud/sdk";
import { resetEngineStateForTests } from "../lib/engine";
import { LIVE_KINDS } from "../lib/live/kinds";
import type { CheckFailure } from "../lib/live/outcome";
import { lastRoundStats, type LiveEntry, liveEntries, registerKinds, RoundContext } from "../lib/live/round";
import type { Outcome } from "../lib/live/outcome";
import { probeConfigSite, type SiteAnswer } from "../lib/alicloud/site";
import type { AliTarget, ConfigSite } from "../lib/alicloud/target";
import type { PlainObject } from "../lib/plain";
import type { ProviderView, ResourceView, StackView } from "../lib/stack";
import { type AliFault, type AliRequest, FakeAlibaba } from "./fakes/alibaba";
import { closedPortUrl, entryOf, failureOf, okValue, setEnv } from "./support";

const ACCESS_KEY = "LTAI5tFAKEFAKE";
const FAKE_ACCOUNT_FOR_HTTP = "1234567";
const SECRET_KEY = "alisecretsecret";
const SESSION_TOKEN = "ali-sts-token-Kq93mZ";
const READ_ACTIONS: ReadonlySet<string> = new Set(["GetConfigurationRecorder", "GetTrailStatus", "GetCallerIdentity"]);
const ALI_ENV = [
  "ALIBABA_CLOUD_ACCESS_KEY_ID",
  "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
  "ALIBABA_CLOUD_SECURITY_TOKEN",
  "ALIBABA_CLOUD_ROLE_ARN",
  "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
  "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
  "ALIBABA_CLOUD_CREDENTIALS_URI",
  "ALIBABA_CLOUD_PROFILE",
  "ALICLOUD_ACCESS_KEY",
  "ALICLOUD_SECRET_KEY",
  "ALICLOUD_REGION",
  "ALIBABA_CLOUD_REGION_ID",
  "ALICLOUD_ECS_ROLE_NAME",
  "ALICLOUD_CREDENTIALS_URI",
  "ALICLOUD_ACCOUNT_ID",
  "ALIBABA_CLOUD_ACCOUNT_TYPE",
  "PULUMI_CONFIG",
];

let seq = 0;
const allRequests: AliRequest[] = [];

function provider(fake: FakeAlibaba | string, extra: PlainObject = {}, keys = true): ProviderView {
  const url = typeof fake === "string" ? fake : fake.url;
  return {
    urn: `urn:pulumi:test::auditguard::pulumi:providers:alicloud::p${++seq}`,
    name: `p${seq}`,
    type: "pulumi:providers:alicloud",
    props: {
      region: "cn-hangzhou",
      ...(keys ? { accessKey: ACCESS_KEY, secretKey: SECRET_KEY } : {}),
      endpoints: JSON.stringify([{ config: url, actiontrail: url, sts: url }]),
      ...extra,
    },
  };
}

function recorder(p: ProviderView, props: PlainObject = {}): ResourceView {
  return {
    urn: `urn:arec-${++seq}`,
    name: "rec",
    type: "alicloud:cfg/configurationRecorder:ConfigurationRecorder",
    props: { id: "1234567", resourceTypes: ["ACS::ECS::Instance"], ...props },
    provider: p,
    exists: true,
  };
}

function trail(p: ProviderView, name = "trail-1", props: PlainObject = {}): ResourceView {
  return {
    urn: `urn:atrail-${++seq}`,
    name: "t",
    type: "alicloud:actiontrail/trail:Trail",
    props: { id: name, trailName: name, regionId: "cn-hangzhou", ...props },
    provider: p,
    exists: true,
  };
}

function stack(...resources: ResourceView[]): StackView {
  return { dryRun: false, deploys: { aws: false, alicloud: true }, fingerprint: `ali-${++seq}`, resources };
}

async function run(view: StackView, timeoutSeconds = 2): Promise<LiveEntry<unknown>[]> {
  return liveEntries(ALI_RECORDER_POLICY, view, { timeoutSeconds });
}

/** The round runs the trail kind with the trail policy's own config; ask as that policy to set its timeout. */
async function runTrail(view: StackView, timeoutSeconds = 2): Promise<LiveEntry<unknown>[]> {
  return liveEntries(ALI_TRAIL_POLICY, view, { timeoutSeconds });
}

function errorFault(status: number, code: string, message = `${code} happened`): AliFault {
  return { kind: "error", status, code, message };
}

describe("alicloud adapters (openapi-core against the loopback fake)", function () {
  let fake: FakeAlibaba;
  const savedEnv = new Map<string, string | undefined>();

  before(() => {
    for (const k of ALI_ENV) {
      savedEnv.set(k, process.env[k]);
      Reflect.deleteProperty(process.env, k);
    }
    registerKinds(LIVE_KINDS);
  });

  after(() => {
    for (const [k, v] of savedEnv) setEnv(k, v);
    const actions = new Set(allRequests.map((r) => r.action));
    for (const a of actions) assert.ok(READ_ACTIONS.has(a), `only read actions reach the fake, saw ${a}`);
  });

  beforeEach(async () => {
    resetEngineStateForTests();
    fake = await FakeAlibaba.start();
    fake.account = "1234567";
    fake.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: ["ACS::ECS::Instance"] };
    fake.trails.set("trail-1", { IsLogging: true, LatestDeliveryTime: "2026-03-01T11:00:00Z" });
  });

  afterEach(async () => {
    allRequests.push(...fake.requests);
    await fake.close();
  });

  describe("the working example", () => {
    it("checks both the recorder and the trail in one round, signed with the provider's key", async () => {
      const p = provider(fake);
      const rec = recorder(p);
      const t = trail(p);
      const entries = await run(stack(rec, t));
      assert.equal(entries.length, 2);
      const r = okValue<AliRecorder>(entryOf(entries, rec).outcome);
      assert.deepEqual(r, { found: true, status: "REGISTERED", resourceTypes: ["ACS::ECS::Instance"] });
      const s = okValue<AliTrailStatus>(entryOf(entries, t).outcome);
      assert.equal(s.found, true);
      assert.equal(s.isLogging, true);
      assert.equal(s.latestDeliveryTime, Date.parse("2026-03-01T11:00:00Z"));

      assert.equal(fake.requests.length, 2);
      for (const req of fake.requests) {
        assert.equal(req.signed, true, "ACS3-HMAC-SHA256 signed");
        assert.equal(req.accessKeyId, ACCESS_KEY);
        assert.equal(req.securityToken, undefined);
        assert.equal(req.host, new URL(fake.url).host);
      }
      const [cfg] = fake.calls("GetConfigurationRecorder");
      assert.equal(cfg?.version, "2020-09-07");
      assert.deepEqual(cfg?.query, {});
      const [gts] = fake.calls("GetTrailStatus");
      assert.equal(gts?.version, "2020-07-06");
      assert.equal(gts?.query["Name"], "trail-1");
      assert.equal(gts?.query["IsOrganizationTrail"], "false");

      const recEntry = entryOf(entries, rec);
      assert.equal(recEntry.spec.action, "GetConfigurationRecorder");
      assert.equal(recEntry.spec.permission, "config:GetConfigurationRecorder");
      assert.equal(recEntry.spec.endpoint, `http://${new URL(fake.url).host}`);
      assert.equal(entryOf(entries, t).spec.permission, "actiontrail:GetTrailStatus");
    });

    it("never puts the provider's secret key into the entries", async () => {
      const p = provider(fake, { securityToken: SESSION_TOKEN });
      fake.fault = (req) =>
        req.action === "GetTrailStatus"
          ? errorFault(400, "Weird.Code", `echo ${SECRET_KEY} ${SESSION_TOKEN}`)
          : undefined;
      const entries = await run(stack(recorder(p), trail(p)));
      const text = JSON.stringify(entries);
      assert.ok(!text.includes(SECRET_KEY), text);
      assert.ok(!text.includes(SESSION_TOKEN), text);
      assert.ok(text.includes("Weird.Code"));
    });
  });

  describe("Cloud Config GetConfigurationRecorder", () => {
    for (const [sent, parsed] of [
      ["REGISTERED", "REGISTERED"],
      ["building", "BUILDING"],
      ["Registrable", "REGISTRABLE"],
    ] as const) {
      it(`parses status ${sent} as ${parsed}`, async () => {
        fake.recorder = { ConfigurationRecorderStatus: sent, ResourceTypes: [] };
        const rec = recorder(provider(fake));
        const r = okValue<AliRecorder>(entryOf(await run(stack(rec)), rec).outcome);
        assert.equal(r.status, parsed);
      });
    }

    it("reads ResourceTypes as a list and as a comma-separated string", async () => {
      fake.recorder = {
        ConfigurationRecorderStatus: "REGISTERED",
        ResourceTypes: ["ACS::ECS::Instance", "ACS::RDS::DBInstance"],
      };
      const a = recorder(provider(fake));
      assert.deepEqual(okValue<AliRecorder>(entryOf(await run(stack(a)), a).outcome).resourceTypes, [
        "ACS::ECS::Instance",
        "ACS::RDS::DBInstance",
      ]);
      fake.recorder = {
        ConfigurationRecorderStatus: "REGISTERED",
        ResourceTypes: "ACS::ECS::Instance, ACS::OSS::Bucket",
      };
      const b = recorder(provider(fake));
      assert.deepEqual(okValue<AliRecorder>(entryOf(await run(stack(b)), b).outcome).resourceTypes, [
        "ACS::ECS::Instance",
        "ACS::OSS::Bucket",
      ]);
    });

    it("AccountNotExisted from the recorder's own account means no recorder (found: false), not a failure", async () => {
      fake.recorder = undefined;
      const rec = recorder(provider(fake));
      const r = okValue<AliNotFound>(entryOf(await run(stack(rec)), rec).outcome);
      assert.equal(r.found, false);
      assert.match(r.detail, /account does not exist/i);
      assert.equal(fake.calls("GetConfigurationRecorder").length, 1, "a definite answer is not retried");
      const [who] = fake.calls("GetCallerIdentity");
      assert.equal(who?.version, "2015-04-01");
      assert.equal(who?.accessKeyId, ACCESS_KEY, "asked with the check's own credentials");
    });

    it("AccountNotExisted answered as another account is wrong-account naming both, not 'not enabled'", async () => {
      fake.recorder = undefined;
      fake.account = "7654321";
      const rec = recorder(provider(fake));
      const f = failureOf(entryOf(await run(stack(rec)), rec).outcome);
      assert.equal(f.reason, "wrong-account");
      assert.match(f.detail, /called as 7654321; the recorder belongs to 1234567/);
    });

    it("REGISTRABLE for a recorder whose id is another account is wrong-account", async () => {
      fake.recorder = { ConfigurationRecorderStatus: "REGISTRABLE", ResourceTypes: [] };
      fake.account = "7654321";
      const rec = recorder(provider(fake));
      assert.equal(failureOf(entryOf(await run(stack(rec)), rec).outcome).reason, "wrong-account");
      fake.account = "1234567";
      const same = recorder(provider(fake));
      assert.equal(okValue<AliRecorder>(entryOf(await run(stack(same)), same).outcome).status, "REGISTRABLE");
    });

    it("a REGISTERED recorder needs no identity call", async () => {
      const rec = recorder(provider(fake));
      okValue<AliRecorder>(entryOf(await run(stack(rec)), rec).outcome);
      assert.equal(fake.calls("GetCallerIdentity").length, 0);
    });

    it("a recorder without a status is a malformed reply", async () => {
      fake.recorder = { ResourceTypes: [] };
      const rec = recorder(provider(fake));
      assert.equal(failureOf(entryOf(await run(stack(rec)), rec).outcome).reason, "malformed-reply");
    });
  });

  describe("ActionTrail GetTrailStatus", () => {
    it("sends IsOrganizationTrail=true for an organization trail", async () => {
      fake.trails.set("org-trail", { IsLogging: true });
      fake.orgTrails.add("org-trail");
      const t = trail(provider(fake), "org-trail", { isOrganizationTrail: true });
      const s = okValue<AliTrailStatus>(entryOf(await runTrail(stack(t)), t).outcome);
      assert.equal(s.found, true);
      assert.equal(s.isLogging, true);
      const [req] = fake.calls("GetTrailStatus");
      assert.equal(req?.query["Name"], "org-trail");
      assert.equal(req?.query["IsOrganizationTrail"], "true");
    });

    it("TrailNotFoundException means found: false (no account to compare with: no identity call)", async () => {
      const t = trail(provider(fake), "gone-trail");
      const s = okValue<AliNotFound>(entryOf(await runTrail(stack(t)), t).outcome);
      assert.equal(s.found, false);
      assert.match(s.detail, /gone-trail/);
      assert.equal(fake.requests.length, 1);
    });

    it("TrailNotFoundException is believed only from the provider's accountId; once per credential set", async () => {
      const p = provider(fake, { accountId: "1234567" });
      const a = trail(p, "gone-a");
      const b = trail(p, "gone-b");
      const entries = await runTrail(stack(a, b));
      assert.equal(okValue<AliNotFound>(entryOf(entries, a).outcome).found, false);
      assert.equal(okValue<AliNotFound>(entryOf(entries, b).outcome).found, false);
      assert.equal(fake.calls("GetCallerIdentity").length, 1, "memoised per credential set per round");

      const other = trail(provider(fake, { accountId: "2222222" }), "gone-c");
      const f = failureOf(entryOf(await runTrail(stack(other)), other).outcome);
      assert.equal(f.reason, "wrong-account");
      assert.match(f.detail, /called as 1234567; trail 'gone-c' belongs to 2222222/);
    });

    it("GetCallerIdentity failing leaves the not-found undetermined with its reason", async () => {
      fake.fault = (req) => (req.action === "GetCallerIdentity" ? errorFault(403, "NoPermission") : undefined);
      const t = trail(provider(fake, { accountId: "1234567" }), "gone-d");
      const f = failureOf(entryOf(await runTrail(stack(t)), t).outcome);
      assert.equal(f.reason, "access-denied");
      assert.match(
        f.detail,
        /confirming the answering account with STS GetCallerIdentity failed \(at http:\/\/127\.0\.0\.1:\d+\)/,
      );
    });

    it("a plain-HTTP STS endpoint is refused, not called: the not-found is undetermined naming the setting", async () => {
      // STS serves HTTPS only; a non-loopback http:// STS endpoint would send the signed request in clear.
      const url = fake.url;
      const p = provider(fake, {
        accountId: "1234567",
        endpoints: JSON.stringify([{ config: url, actiontrail: url, sts: "http://sts.example.test:8080" }]),
      });
      const t = trail(p, "gone-http");
      const entry = entryOf(await runTrail(stack(t)), t);
      const f = failureOf(entry.outcome);
      assert.equal(f.reason, "bad-target");
      assert.equal(
        f.detail,
        'the answer was "not found"; confirming the answering account with STS GetCallerIdentity failed: ' +
          "the provider's endpoints[].sts is plain HTTP (http://sts.example.test:8080); STS serves HTTPS only, " +
          "so no STS call is sent: use https://",
        "the refused host is named once",
      );
      assert.deepEqual(
        fake.requests.map((r) => r.action),
        ["GetTrailStatus"],
        "GetTrailStatus answered; no STS call was sent anywhere",
      );
    });

    it("a plain-HTTP STS endpoint on a loopback host is called (only a local stand-in listens there)", async () => {
      const t = trail(provider(fake, { accountId: FAKE_ACCOUNT_FOR_HTTP }), "gone-loopback");
      fake.account = FAKE_ACCOUNT_FOR_HTTP;
      okValue<AliNotFound>(entryOf(await runTrail(stack(t)), t).outcome);
      assert.ok(fake.requests.some((r) => r.action === "GetCallerIdentity"));
    });

    it("passes OssBucketStatus and SlsLogStoreStatus on", async () => {
      fake.trails.set("trail-1", { IsLogging: true, OssBucketStatus: false, SlsLogStoreStatus: true });
      const t = trail(provider(fake));
      const s = okValue<AliTrailStatus>(entryOf(await runTrail(stack(t)), t).outcome);
      assert.equal(s.ossBucketStatus, false);
      assert.equal(s.slsLogStoreStatus, true);
    });

    for (const [sent, parsed] of [
      [true, true],
      [false, false],
      ["true", true],
      ["false", false],
    ] as const) {
      it(`reads IsLogging ${JSON.stringify(sent)} as ${String(parsed)}`, async () => {
        fake.trails.set("trail-1", { IsLogging: sent, StopLoggingTime: "2026-02-01T00:00:00Z" });
        const t = trail(provider(fake));
        const s = okValue<AliTrailStatus>(entryOf(await runTrail(stack(t)), t).outcome);
        assert.equal(s.isLogging, parsed);
        assert.equal(s.stopLoggingTime, Date.parse("2026-02-01T00:00:00Z"));
      });
    }

    it("parses delivery times as epoch-ms strings and ISO 8601, and passes delivery errors on", async () => {
      fake.trails.set("trail-1", {
        IsLogging: true,
        LatestDeliveryTime: "1547792223000",
        LatestDeliveryLogServiceTime: "2021-02-26T09:19:44Z",
        StartLoggingTime: "2021-02-26T08:00:00Z",
        LatestDeliveryError: "write oss failed",
        LatestDeliveryLogServiceError: "write sls failed: project not exist",
      });
      const t = trail(provider(fake));
      const s = okValue<AliTrailStatus>(entryOf(await runTrail(stack(t)), t).outcome);
      assert.equal(s.latestDeliveryTime, 1547792223000);
      assert.equal(s.latestDeliveryLogServiceTime, Date.UTC(2021, 1, 26, 9, 19, 44));
      assert.equal(s.startLoggingTime, Date.UTC(2021, 1, 26, 8, 0, 0));
      assert.equal(s.latestDeliveryError, "write oss failed");
      assert.equal(s.latestDeliveryLogServiceError, "write sls failed: project not exist");
    });

    it("a wrong-typed IsLogging is a malformed reply", async () => {
      fake.fault = () => ({ kind: "reply", status: 200, body: JSON.stringify({ RequestId: "r", IsLogging: 5 }) });
      const t = trail(provider(fake));
      const f = failureOf(entryOf(await runTrail(stack(t)), t).outcome);
      assert.equal(f.reason, "malformed-reply");
      assert.match(f.detail, /IsLogging/);
    });

    it('a reply without IsLogging is malformed, not "not logging"', async () => {
      fake.trails.set("trail-1", { LatestDeliveryTime: "2026-03-01T11:00:00Z" });
      const t = trail(provider(fake));
      const f = failureOf(entryOf(await runTrail(stack(t)), t).outcome);
      assert.equal(f.reason, "malformed-reply");
      assert.match(f.detail, /IsLogging is missing/);
    });

    it("two trail resources with the same name, region and credentials make one request", async () => {
      const p = provider(fake);
      const a = trail(p);
      const b = trail(p);
      const entries = await runTrail(stack(a, b));
      assert.equal(fake.requests.length, 1);
      assert.equal(okValue<AliTrailStatus>(entryOf(entries, a).outcome).isLogging, true);
      assert.equal(okValue<AliTrailStatus>(entryOf(entries, b).outcome).isLogging, true);
      assert.equal(lastRoundStats()?.deduplicated, 1);
    });

    it("the same trail name under different credentials is asked twice", async () => {
      const a = trail(provider(fake));
      const b = trail(provider(fake, { accessKey: "LTAI5tOTHEROTHER", secretKey: "othersecretsecret" }));
      await runTrail(stack(a, b));
      assert.deepEqual(fake.requests.map((r) => r.accessKeyId).sort(), ["LTAI5tFAKEFAKE", "LTAI5tOTHEROTHER"]);
    });
  });

  describe("credentials", () => {
    it("sends the provider's securityToken as x-acs-security-token", async () => {
      const rec = recorder(provider(fake, { securityToken: SESSION_TOKEN }));
      okValue<AliRecorder>(entryOf(await run(stack(rec)), rec).outcome);
      const [req] = fake.requests;
      assert.equal(req?.securityToken, SESSION_TOKEN);
      assert.equal(req?.accessKeyId, ACCESS_KEY);
      assert.equal(req?.signed, true);
    });

    it("without provider keys or environment credentials the check is no-credentials and nothing is sent", async () => {
      const rec = recorder(provider(fake, {}, false));
      const f = failureOf(entryOf(await run(stack(rec)), rec).outcome);
      assert.equal(f.reason, "no-credentials", JSON.stringify(f));
      assert.equal(fake.requests.length, 0);
    });

    it("the provider's own environment names (ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY) are used", async () => {
      process.env["ALICLOUD_ACCESS_KEY"] = "LTAI5tALICLOUDENV";
      process.env["ALICLOUD_SECRET_KEY"] = "alicloudenvsecret";
      try {
        const rec = recorder(provider(fake, {}, false));
        okValue<AliRecorder>(entryOf(await run(stack(rec)), rec).outcome);
        assert.equal(fake.requests[0]?.accessKeyId, "LTAI5tALICLOUDENV");
      } finally {
        setEnv("ALICLOUD_ACCESS_KEY", undefined);
        setEnv("ALICLOUD_SECRET_KEY", undefined);
      }
    });

    it("credentialsUri: the keys the URI serves sign the call", async () => {
      const server = http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            Code: "Success",
            AccessKeyId: "LTAI5tFROMURI",
            AccessKeySecret: "urisecreturisecret",
            SecurityToken: "uri-token-1",
            Expiration: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
          }),
        );
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const port = (server.address() as AddressInfo).port;
        const rec = recorder(provider(fake, { credentialsUri: `http://127.0.0.1:${port}/creds` }, false));
        okValue<AliRecorder>(entryOf(await run(stack(rec)), rec).outcome);
        assert.equal(fake.requests[0]?.accessKeyId, "LTAI5tFROMURI");
        assert.equal(fake.requests[0]?.securityToken, "uri-token-1");
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });

    it("ecsRoleName off ECS is no-credentials saying so, not a timeout; nothing is sent", async () => {
      // The runner disables instance metadata (ALIBABA_CLOUD_ECS_METADATA_DISABLED): never 100.100.100.200.
      process.env["ALICLOUD_ECS_ROLE_NAME"] = "audit-role";
      try {
        const rec = recorder(provider(fake, {}, false));
        const f = failureOf(entryOf(await run(stack(rec)), rec).outcome);
        assert.equal(f.reason, "no-credentials", JSON.stringify(f));
        assert.match(f.detail, /ecsRoleName needs the ECS instance metadata service/);
        assert.equal(fake.requests.length, 0);
      } finally {
        setEnv("ALICLOUD_ECS_ROLE_NAME", undefined);
      }
    });

    it("environment credentials are used when the provider has none (its ALIBABA_CLOUD_* defaults)", async () => {
      process.env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "LTAI5tENVENVENV";
      process.env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "envsecretsecret";
      try {
        const rec = recorder(provider(fake, {}, false));
        okValue<AliRecorder>(entryOf(await run(stack(rec)), rec).outcome);
        assert.equal(fake.requests[0]?.accessKeyId, "LTAI5tENVENVENV");
      } finally {
        Reflect.deleteProperty(process.env, "ALIBABA_CLOUD_ACCESS_KEY_ID");
        Reflect.deleteProperty(process.env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
      }
    });
  });

  describe("error mapping", () => {
    const cases: { title: string; fault: AliFault; reason: CheckFailure["reason"]; attempts: number }[] = [
      { title: "NoPermission 403", fault: errorFault(403, "NoPermission"), reason: "access-denied", attempts: 1 },
      {
        title: "InvalidAccessKeyId.NotFound 404",
        fault: errorFault(404, "InvalidAccessKeyId.NotFound"),
        reason: "invalid-credentials",
        attempts: 1,
      },
      {
        title: "Throttling.User 400 every time",
        fault: errorFault(400, "Throttling.User"),
        reason: "throttled",
        attempts: 3,
      },
      {
        title: "ServiceUnavailable 503 (JSON)",
        fault: errorFault(503, "ServiceUnavailable"),
        reason: "service-error",
        attempts: 3,
      },
      {
        // openapi-core parses the body before it looks at the status, so an HTML error page reads as a
        // malformed reply rather than a server error (a known limitation).
        title: "503 with an HTML body",
        fault: {
          kind: "reply",
          status: 503,
          body: "<html><body>503 Service Temporarily Unavailable</body></html>",
          contentType: "text/html",
        },
        reason: "malformed-reply",
        attempts: 1,
      },
      {
        title: "200 with malformed JSON",
        fault: { kind: "reply", status: 200, body: '{"RequestId": "r", "ConfigurationRecorder": {' },
        reason: "malformed-reply",
        attempts: 1,
      },
    ];
    for (const c of cases) {
      it(`${c.title} → ${c.reason} after ${c.attempts} attempt(s)`, async () => {
        fake.fault = () => c.fault;
        const rec = recorder(provider(fake));
        const f = failureOf(entryOf(await run(stack(rec)), rec).outcome);
        assert.equal(f.reason, c.reason, JSON.stringify(f));
        assert.equal(fake.requests.length, c.attempts);
        if (c.fault.kind === "error") {
          assert.equal(f.code, c.fault.code);
          assert.equal(f.httpStatus, c.fault.status);
        }
      });
    }

    it("throttling on the first attempt only → success on the retry", async () => {
      fake.fault = (req) => (fake.requests.indexOf(req) === 0 ? errorFault(400, "Throttling.User") : undefined);
      const rec = recorder(provider(fake));
      const r = okValue<AliRecorder>(entryOf(await run(stack(rec)), rec).outcome);
      assert.equal(r.status, "REGISTERED");
      assert.equal(fake.requests.length, 2);
    });

    it("a 200 whose body is cut off is an endpoint error, retried", async () => {
      fake.fault = () => ({ kind: "cut" });
      const t = trail(provider(fake));
      const f = failureOf(entryOf(await runTrail(stack(t)), t).outcome);
      assert.equal(f.reason, "endpoint-error", JSON.stringify(f));
      assert.equal(fake.requests.length, 3);
    });

    it("an unknown error code → unexpected-error carrying the code", async () => {
      fake.fault = () => errorFault(400, "Some.NewCode", "something new");
      const rec = recorder(provider(fake));
      const f = failureOf(entryOf(await run(stack(rec)), rec).outcome);
      assert.equal(f.reason, "unexpected-error");
      assert.equal(f.code, "Some.NewCode");
      assert.equal(f.httpStatus, 400);
      assert.match(f.detail, /something new/);
      assert.equal(fake.requests.length, 1);
    });

    it("a server that never answers → timeout", async () => {
      fake.fault = () => ({ kind: "hang" });
      const rec = recorder(provider(fake));
      const f = failureOf(entryOf(await run(stack(rec), 1), rec).outcome);
      assert.equal(f.reason, "timeout", JSON.stringify(f));
      assert.ok(fake.requests.length >= 1);
    });

    it("with HTTP_PROXY set (which the provider would use), an unreachable endpoint says the pack called directly", async () => {
      const url = await closedPortUrl();
      const saved = ["HTTP_PROXY", "NO_PROXY", "http_proxy", "no_proxy"].map((k) => [k, process.env[k]] as const);
      for (const [k] of saved) setEnv(k, undefined);
      setEnv("HTTP_PROXY", "http://127.0.0.1:9");
      try {
        const rec = recorder(provider(url));
        const f = failureOf(entryOf(await run(stack(rec)), rec).outcome);
        assert.equal(f.reason, "endpoint-error");
        assert.match(f.detail, /proxy in HTTP_PROXY; the pack's Alibaba client cannot use a proxy/);
        setEnv("NO_PROXY", "127.0.0.1");
        const excluded = recorder(provider(url));
        assert.doesNotMatch(failureOf(entryOf(await run(stack(excluded)), excluded).outcome).detail, /proxy/);
      } finally {
        for (const [k, v] of saved) setEnv(k, v);
      }
    });

    it("connection refused → endpoint-error", async () => {
      const url = await closedPortUrl();
      const rec = recorder(provider(url));
      const f = failureOf(entryOf(await run(stack(rec)), rec).outcome);
      assert.equal(f.reason, "endpoint-error", JSON.stringify(f));
    });

    for (const bad of ["ht!tp://x", "not a host", "ftp://127.0.0.1:21"]) {
      it(`a malformed endpoint override ${JSON.stringify(bad)} → bad-target, no request`, async () => {
        const p = provider(fake);
        p.props["endpoints"] = JSON.stringify([{ config: bad, actiontrail: bad }]);
        const rec = recorder(p);
        const t = trail(p);
        const entries = await run(stack(rec, t));
        for (const r of [rec, t]) {
          const f = failureOf(entryOf(entries, r).outcome);
          assert.equal(f.reason, "bad-target");
          assert.match(f.detail, /endpoint/);
        }
        assert.equal(fake.requests.length, 0);
      });
    }

    it("one failing call does not affect another in the same round", async () => {
      fake.fault = (req) => (req.action === "GetConfigurationRecorder" ? errorFault(403, "NoPermission") : undefined);
      const p = provider(fake);
      const rec = recorder(p);
      const t = trail(p);
      const entries = await run(stack(rec, t));
      assert.equal(failureOf(entryOf(entries, rec).outcome).reason, "access-denied");
      assert.equal(okValue<AliTrailStatus>(entryOf(entries, t).outcome).isLogging, true);
    });
  });
});

describe("alicloud Config site probe (two loopback sites)", function () {
  let china: FakeAlibaba;
  let intl: FakeAlibaba;
  let ctx: RoundContext;

  beforeEach(async () => {
    china = await FakeAlibaba.start();
    intl = await FakeAlibaba.start();
    ctx = new RoundContext();
  });
  afterEach(async () => {
    ctx.dispose();
    allProbeRequests.push(...china.requests, ...intl.requests);
    await china.close();
    await intl.close();
  });

  function targets(): Record<ConfigSite, AliTarget> {
    const at = (fake: FakeAlibaba): AliTarget => ({
      endpoint: { protocol: "HTTP", host: new URL(fake.url).host },
      stsEndpoint: undefined,
      identityEndpoint: { protocol: "HTTP", host: new URL(fake.url).host },
      credentials: {
        base: { source: "static", accessKeyId: ACCESS_KEY, accessKeySecret: SECRET_KEY },
        assumeRole: undefined,
      },
      credentialsId: "probe-creds",
      account: undefined,
    });
    return { china: at(china), international: at(intl) };
  }
  const probe = async (): Promise<Outcome<SiteAnswer>> =>
    probeConfigSite(ctx, targets(), 2000, new AbortController().signal);

  it("keeps the site that knows the account (a China-site account in any region), once per credential set", async () => {
    china.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
    intl.recorder = undefined;
    const answer = okValue<SiteAnswer>(await probe());
    assert.equal(answer.site, "china");
    assert.equal(answer.recorder.found, true);
    okValue<SiteAnswer>(await probe());
    assert.equal(china.requests.length + intl.requests.length, 2, "decided once per round and credential set");
  });

  it("the international site when only it has the recorder", async () => {
    china.recorder = undefined;
    intl.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
    assert.equal(okValue<SiteAnswer>(await probe()).site, "international");
  });

  it("not found on one site and the key rejected on the other: the first site knows the account", async () => {
    intl.recorder = undefined;
    china.fault = () => ({ kind: "error", status: 404, code: "InvalidAccessKeyId.NotFound", message: "x" });
    const answer = okValue<SiteAnswer>(await probe());
    assert.equal(answer.site, "international");
    assert.equal(answer.recorder.found, false);
  });

  it("an International-site account is judged on its own site while China answers REGISTRABLE", async () => {
    // The reported false violation: China answers REGISTRABLE (a recorder answer) for an account it does not
    // host; the International site has the account's recorder REGISTERED.
    china.recorder = { ConfigurationRecorderStatus: "REGISTRABLE", ResourceTypes: [] };
    intl.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: ["ACS::ECS::Instance"] };
    const answer = okValue<SiteAnswer>(await probe());
    assert.equal(answer.site, "international");
    assert.equal(answer.recorder.found && answer.recorder.status, "REGISTERED");
  });

  // Every pair of answers the two sites can give. The expectation states the rule on its own: an "on" recorder
  // beats "not enabled"; "not enabled" on both is not enabled; a site rejecting the key leaves the other's
  // answer; two "on" recorders must agree; anything with a failure is undetermined, naming both answers.
  type Answer = "REGISTERED" | "BUILDING" | "REBUILDING" | "REGISTRABLE" | "AccountNotExisted" | AliErrorAnswer;
  type AliErrorAnswer = "InvalidAccessKeyId.NotFound" | "NoPermission" | "ServiceUnavailable";
  const ANSWERS: readonly Answer[] = [
    "REGISTERED",
    "BUILDING",
    "REBUILDING",
    "REGISTRABLE",
    "AccountNotExisted",
    "InvalidAccessKeyId.NotFound",
    "NoPermission",
    "ServiceUnavailable",
  ];
  const kindOf = (a: Answer): "on" | "off" | "rejected" | "failed" =>
    a === "REGISTERED" || a === "BUILDING" || a === "REBUILDING"
      ? "on"
      : a === "REGISTRABLE" || a === "AccountNotExisted"
        ? "off"
        : a === "InvalidAccessKeyId.NotFound"
          ? "rejected"
          : "failed";
  const ERRORS: Record<AliErrorAnswer | "AccountNotExisted", AliFault> = {
    AccountNotExisted: errorFault(404, "AccountNotExisted", "Your account does not exist."),
    "InvalidAccessKeyId.NotFound": errorFault(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
    NoPermission: errorFault(400, "NoPermission", "You are not authorized to perform this operation."),
    ServiceUnavailable: errorFault(503, "ServiceUnavailable", "The request has failed due to a temporary failure."),
  };
  function answerWith(fake: FakeAlibaba, a: Answer): void {
    if (a in ERRORS) {
      const fault = ERRORS[a as keyof typeof ERRORS];
      fake.fault = () => fault;
      return;
    }
    fake.recorder = { ConfigurationRecorderStatus: a, ResourceTypes: ["ACS::ECS::Instance"] };
  }
  /** The expected site (with its answer), or "undetermined". */
  function expected(c: Answer, i: Answer): { site: ConfigSite; answer: Answer } | "undetermined" {
    const [kc, ki] = [kindOf(c), kindOf(i)];
    if (kc === "rejected")
      return ki === "rejected" || ki === "failed" ? "undetermined" : { site: "international", answer: i };
    if (ki === "rejected") return kc === "failed" ? "undetermined" : { site: "china", answer: c };
    if (kc === "failed" || ki === "failed") return "undetermined";
    if (kc === "on" && ki === "off") return { site: "china", answer: c };
    if (ki === "on" && kc === "off") return { site: "international", answer: i };
    if (kc === "off" && ki === "off") return { site: "china", answer: c };
    return c === i ? { site: "china", answer: c } : "undetermined";
  }

  for (const c of ANSWERS) {
    for (const i of ANSWERS) {
      const want = expected(c, i);
      it(`china ${c}, international ${i}: ${want === "undetermined" ? "undetermined" : `${want.site} (${want.answer})`}`, async () => {
        answerWith(china, c);
        answerWith(intl, i);
        const out = await probe();
        if (want === "undetermined") {
          const f = failureOf(out);
          assert.match(f.detail, /could not be determined/);
          // Both answers are named, each with its host.
          assert.match(
            f.detail,
            new RegExp(
              `china \\(127\\.0\\.0\\.1:\\d+\\): [^;]*${c === "AccountNotExisted" ? "AccountNotExisted" : kindOf(c) === "on" ? `recorder ${c}` : ""}`,
            ),
          );
          assert.match(f.detail, /; international \(127\.0\.0\.1:\d+\): /);
          assert.match(f.detail, /configSite/);
          const failed = [c, i].find((a) => kindOf(a) === "failed");
          if (failed === "ServiceUnavailable" && kindOf(c) !== "failed") assert.equal(f.reason, "service-error");
          if (failed === "NoPermission" && kindOf(c) !== "failed") assert.equal(f.reason, "access-denied");
          return;
        }
        const answer = okValue<SiteAnswer>(out);
        assert.equal(answer.site, want.site);
        if (want.answer === "AccountNotExisted") assert.equal(answer.recorder.found, false);
        else assert.equal(answer.recorder.found && answer.recorder.status, want.answer);
      });
    }
  }

  it("a failing site leaves the site undetermined, never 'not enabled'", async () => {
    intl.recorder = undefined;
    china.fault = () => ({ kind: "error", status: 403, code: "NoPermission", message: "denied" });
    const f = failureOf(await probe());
    assert.equal(f.reason, "access-denied");
    assert.match(
      f.detail,
      /site of the account could not be determined .*china \(127\.0\.0\.1:\d+\): access-denied.*configSite/,
    );
  });
});

const allProbeRequests: AliRequest[] = [];
after(() => {
  for (const r of allProbeRequests) assert.equal(r.action, "GetConfigurationRecorder", "the probe only reads");
});
