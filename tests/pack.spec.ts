// The whole built pack, spawned the way the Pulumi engine starts it and driven over the Analyzer
// gRPC protocol, against a loopback fake of AWS Config, CloudTrail and STS. Each pack process costs
// about a second to start, so one process in preview serves most tests; cases that need their own
// stack phase or policy config get their own process.

import assert from "node:assert/strict";
import {
  type AnalyzeResult,
  AnalyzerHarness,
  brief,
  defaultProvider,
  type Diagnostic,
  type Props,
  type ProviderRef,
  providerResource,
  resource,
  type ResourceSpec,
  secret,
  stackResource,
  unknown,
  UNKNOWN,
} from "./harness/analyzer";
import { type AwsRequest, FakeAws } from "./fakes/aws";
import {
  awsDeliveryChannel,
  awsEndpoints,
  awsProvider,
  awsRecorder,
  awsRecorderStatus,
  awsTrail,
  awsTrailArn,
  coverageOff,
} from "./harness/fixtures";

const RECORDER = "aws-config-recorder-recording";
const TRAIL_LOGGING = "aws-cloudtrail-trail-logging";
const LIVE = "auditguard-live-verification";
const RECORDER_DECLARED = "aws-config-recorder-declared";
const TRAIL_DECLARED = "aws-cloudtrail-trail-declared";
const LIVE_POLICIES = [RECORDER, TRAIL_LOGGING, LIVE];

// Ambient credentials of the pack process (the SDK's default chain reads them from the environment).
const ENV_KEY = "AGTESTENVKEY01";
const PACK_ENV = { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: "ag-env-secret-000000" };

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const trailArn = (region: string, name: string): string => awsTrailArn(name, region);

// ---- stack fixtures ----

function endpoints(fake: FakeAws): Props[] {
  return awsEndpoints(fake.url);
}

function providerIn(fake: FakeAws, name: string, region: string, extra: Props = {}): ProviderRef {
  return awsProvider(name, fake.url, { region, skipCredentialsValidation: false, ...extra });
}

function trail(name: string, region: string, provider: ProviderRef, props: Props = {}): ResourceSpec {
  return awsTrail(name, { region, provider, props });
}

/** A recorder with no `region` output: its region comes from the provider. */
function recorder(name: string, provider: ProviderRef, props: Props = {}): ResourceSpec {
  return awsRecorder(name, { provider, props });
}

function recorderStatus(name: string, provider: ProviderRef, props: Props = {}): ResourceSpec {
  return awsRecorderStatus(name, { provider, props });
}

function channel(name: string, provider: ProviderRef, props: Props = {}): ResourceSpec {
  return awsDeliveryChannel(name, { provider, props });
}

interface Healthy {
  provider: ProviderRef;
  recorder: ResourceSpec;
  trail: ResourceSpec;
  resources: ResourceSpec[];
}

/** Recorder + status + channel + multi-region trail, all existing, declared compliant, healthy in the fake. */
function healthyStack(fake: FakeAws, region = "us-east-1", prefix = "main"): Healthy {
  const provider = providerIn(fake, `${prefix}-provider`, region);
  const rec = recorder(`${prefix}-recorder`, provider);
  const tr = trail(`${prefix}-trail`, region, provider);
  healthyRecorder(fake, region, `${prefix}-recorder`);
  healthyTrail(fake, trailArn(region, `${prefix}-trail`));
  return {
    provider,
    recorder: rec,
    trail: tr,
    resources: [
      stackResource(),
      providerResource(provider),
      rec,
      recorderStatus(`${prefix}-recorder`, provider),
      channel(`${prefix}-recorder`, provider),
      tr,
    ],
  };
}

function healthyRecorder(fake: FakeAws, region: string, name: string): void {
  const t = nowSeconds();
  fake.recorders.set(`${region}/${name}`, {
    recording: true,
    lastStatus: "SUCCESS",
    lastStartTime: t - 86_400,
    lastStatusChangeTime: t - 600,
  });
}

function healthyTrail(fake: FakeAws, arn: string): void {
  const t = nowSeconds();
  fake.trails.set(arn, { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 });
}

// ---- assertions ----

function of(result: AnalyzeResult, policy: string): Diagnostic[] {
  return result.diagnostics.filter((d) => d.policyName === policy);
}

function assertNoCantRun(result: AnalyzeResult): void {
  const cantRun = result.diagnostics.filter((d) => d.message.includes("can't run policy"));
  assert.deepEqual(cantRun, [], "no policy may fail on a preview unknown");
}

function assertNoLiveDiagnostics(result: AnalyzeResult): void {
  assert.deepEqual(
    result.diagnostics.filter((d) => LIVE_POLICIES.includes(d.policyName)),
    [],
  );
}

function targets(requests: readonly AwsRequest[], action: string): string[] {
  return requests
    .filter((r) => r.action === action)
    .map((r) => {
      const names = r.body["ConfigurationRecorderNames"];
      return Array.isArray(names) ? String(names[0]) : String(r.body["Name"]);
    })
    .sort();
}

// ---- tests ----

describe("pack over the Analyzer protocol (spawned like the engine)", function () {
  let fake: FakeAws;

  before(async () => {
    fake = await FakeAws.start();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  describe("one pack process in preview", function () {
    let pack: AnalyzerHarness | undefined;
    const h = (): AnalyzerHarness => {
      assert.ok(pack, "pack not started");
      return pack;
    };

    before(async () => {
      // AWS_REGION: the region a default provider takes when the stack config has none.
      // Coverage off: these tests count the per-resource checks' requests (coverage: tests/coverage-pack.spec.ts).
      pack = await AnalyzerHarness.start({
        dryRun: true,
        env: { ...PACK_ENV, AWS_REGION: "ca-central-1" },
        policies: coverageOff(),
      });
    });
    after(async () => {
      await pack?.close();
    });

    it("GetAnalyzerInfo lists the AWS policies with severity, level and config schema defaults", async () => {
      const info = await h().getAnalyzerInfo();
      assert.equal(info.name, "auditguard");
      assert.equal(info.version, "0.1.0");
      assert.equal(info.supportsConfig, true);
      const byName = new Map(info.policies.map((p) => [p.name, p]));
      for (const name of [RECORDER_DECLARED, TRAIL_DECLARED, RECORDER, TRAIL_LOGGING, LIVE]) {
        assert.ok(byName.has(name), `${name} is served`);
      }
      const expect: Record<string, { level: string; severity: string; defaults: Record<string, unknown> }> = {
        [RECORDER_DECLARED]: {
          level: "advisory",
          severity: "medium",
          defaults: { requireRecorder: false, allowExclusions: false },
        },
        [TRAIL_DECLARED]: {
          level: "advisory",
          severity: "high",
          defaults: { requireTrail: false, requireMultiRegion: true, requireKmsEncryption: false },
        },
        [RECORDER]: {
          level: "mandatory",
          severity: "critical",
          defaults: { timeoutSeconds: 10, pendingGraceMinutes: 60 },
        },
        [TRAIL_LOGGING]: {
          level: "mandatory",
          severity: "high",
          defaults: { timeoutSeconds: 10, maxDeliveryAgeHours: 24, newTrailGraceMinutes: 60 },
        },
        [LIVE]: { level: "advisory", severity: "medium", defaults: {} },
      };
      for (const [name, e] of Object.entries(expect)) {
        const p = byName.get(name);
        assert.ok(p?.configSchema, `${name} has a config schema`);
        assert.equal(p.enforcementLevel, e.level, `${name} level`);
        assert.equal(p.severity, e.severity, `${name} severity`);
        assert.deepEqual(p.configSchema.required, [], `${name} requires no config`);
        for (const [k, v] of Object.entries(e.defaults)) {
          assert.deepEqual(p.configSchema.properties[k]?.["default"], v, `${name}.${k} default`);
        }
        for (const [k, prop] of Object.entries(p.configSchema.properties)) {
          assert.ok("default" in prop, `${name}.${k} has a default`);
        }
      }
    });

    it("a stack with no AWS resources: declared policies not applicable, no request", async () => {
      const result = await h().analyzeStack([
        stackResource(),
        resource("random:index/randomPet:RandomPet", "pet", { id: "happy-pet", length: 2 }),
      ]);
      const na = new Set(result.notApplicable.map((n) => n.policyName));
      assert.ok(na.has(RECORDER_DECLARED), JSON.stringify(result.notApplicable));
      assert.ok(na.has(TRAIL_DECLARED), JSON.stringify(result.notApplicable));
      assert.deepEqual(result.diagnostics, []);
      assert.deepEqual(fake.requests, []);
    });

    it("a healthy recorder, status, channel and multi-region trail: no diagnostics", async () => {
      const s = healthyStack(fake);
      const result = await h().analyzeStack(s.resources);
      assert.deepEqual(result.diagnostics, [], brief(result));
      assert.deepEqual(targets(fake.requests, "DescribeConfigurationRecorderStatus"), ["main-recorder"]);
      assert.deepEqual(targets(fake.requests, "GetTrailStatus"), [trailArn("us-east-1", "main-trail")]);
      assert.ok(fake.requests.every((r) => r.region === "us-east-1" && r.accessKeyId === ENV_KEY));
    });

    it("an existing trail that stopped logging: mandatory violation on its URN, in preview", async () => {
      const s = healthyStack(fake);
      fake.trails.set(trailArn("us-east-1", "main-trail"), { IsLogging: false, StopLoggingTime: nowSeconds() - 3600 });
      const result = await h().analyzeStack(s.resources);
      const ds = of(result, TRAIL_LOGGING);
      assert.equal(ds.length, 1, brief(result));
      assert.equal(ds[0]?.urn, s.trail.urn);
      assert.equal(ds[0]?.enforcementLevel, "mandatory");
      assert.equal(ds[0]?.severity, "high");
      assert.match(ds[0]?.message ?? "", /is not logging \(IsLogging=false/);
      assert.deepEqual(of(result, LIVE), []);
      assert.deepEqual(of(result, RECORDER), []);
    });

    it("a recorder not recording with lastStatus FAILURE: violation quoting lastErrorCode", async () => {
      const s = healthyStack(fake);
      fake.recorders.set("us-east-1/main-recorder", {
        recording: false,
        lastStatus: "FAILURE",
        lastErrorCode: "NoSuchBucket",
        lastErrorMessage: "The specified bucket does not exist.",
        lastStatusChangeTime: nowSeconds() - 7200,
      });
      const result = await h().analyzeStack(s.resources);
      const ds = of(result, RECORDER);
      assert.ok(ds.length >= 1, brief(result));
      assert.ok(
        ds.every((d) => d.urn === s.recorder.urn && d.enforcementLevel === "mandatory" && d.severity === "critical"),
      );
      assert.ok(
        ds.some((d) => d.message.includes("NoSuchBucket")),
        brief(result),
      );
      assert.ok(ds.some((d) => d.message.includes("is not recording")));
      assert.deepEqual(of(result, TRAIL_LOGGING), []);
      assert.deepEqual(of(result, LIVE), []);
    });

    it("resources being created in this preview (unknown id/arn): no request for them, no live violation", async () => {
      const s = healthyStack(fake);
      const newRecorder = recorder("new-recorder", s.provider, { id: UNKNOWN, roleArn: UNKNOWN });
      const newTrail = trail("new-trail", "us-east-1", s.provider, {
        id: UNKNOWN,
        arn: UNKNOWN,
        homeRegion: UNKNOWN,
        region: UNKNOWN,
        tags: unknown("object"),
      });
      const result = await h().analyzeStack([
        ...s.resources,
        newRecorder,
        recorderStatus("new-recorder", s.provider, { id: UNKNOWN }),
        channel("new-recorder", s.provider, { id: UNKNOWN }),
        newTrail,
      ]);
      assertNoCantRun(result);
      assertNoLiveDiagnostics(result);
      assert.deepEqual(targets(fake.requests, "DescribeConfigurationRecorderStatus"), ["main-recorder"]);
      assert.deepEqual(targets(fake.requests, "GetTrailStatus"), [trailArn("us-east-1", "main-trail")]);
    });

    it("only created resources in preview: no request at all and no diagnostic from live policies", async () => {
      const provider = providerIn(fake, "fresh", "us-east-1");
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(provider),
        recorder("fresh-recorder", provider, { id: UNKNOWN }),
        recorderStatus("fresh-recorder", provider, { id: UNKNOWN }),
        channel("fresh-recorder", provider, { id: UNKNOWN }),
        trail("fresh-trail", "us-east-1", provider, { id: UNKNOWN, arn: UNKNOWN, homeRegion: UNKNOWN }),
      ]);
      assertNoCantRun(result);
      assertNoLiveDiagnostics(result);
      assert.deepEqual(fake.requests, []);
    });

    it('unknowns nested in existing resources and providers: no "can\'t run policy"', async () => {
      const provider = providerIn(fake, "nested", "us-east-1", {
        defaultTags: unknown("object"),
        skipRegionValidation: unknown("boolean"),
        maxRetries: unknown("number"),
      });
      healthyRecorder(fake, "us-east-1", "nested-recorder");
      healthyTrail(fake, trailArn("us-east-1", "nested-trail"));
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(provider),
        recorder("nested-recorder", provider, {
          recordingGroup: unknown("object"),
          recordingMode: { recordingFrequency: UNKNOWN, recordingModeOverride: unknown("object") },
        }),
        recorderStatus("nested-recorder", provider, { isEnabled: unknown("boolean") }),
        channel("nested-recorder", provider, { snapshotDeliveryProperties: unknown("object") }),
        trail("nested-trail", "us-east-1", provider, {
          eventSelectors: unknown("array"),
          advancedEventSelectors: [{ name: UNKNOWN, fieldSelectors: unknown("array") }],
          insightSelectors: [{ insightType: UNKNOWN }],
          tags: { team: UNKNOWN },
          kmsKeyId: UNKNOWN,
        }),
      ]);
      assertNoCantRun(result);
      assert.deepEqual(result.diagnostics, [], brief(result));
      assert.deepEqual(targets(fake.requests, "DescribeConfigurationRecorderStatus"), ["nested-recorder"]);
      assert.deepEqual(targets(fake.requests, "GetTrailStatus"), [trailArn("us-east-1", "nested-trail")]);
    });

    it("explicit provider (JSON-string endpoints/assumeRoles) and default provider (string config) both route", async () => {
      const role = `arn:aws:iam::210987654321:role/auditor`;
      fake.roles.set(role, "ASSUMEDKEY0001");
      const explicit = providerIn(fake, "audit", "eu-west-1", {
        assumeRoles: [{ roleArn: role, sessionName: "auditguard-test", duration: "1h" }],
      });
      assert.equal(typeof explicit.props["assumeRoles"], "string", "explicit providers store lists as JSON strings");
      assert.equal(typeof explicit.props["endpoints"], "string");
      const dflt = defaultProvider("aws", "7.48.0", {
        region: "us-west-2",
        endpoints: endpoints(fake),
        skipCredentialsValidation: "true",
      });
      assert.equal(dflt.name, "default_7_48_0");
      healthyRecorder(fake, "eu-west-1", "explicit-recorder");
      healthyTrail(fake, trailArn("us-west-2", "default-trail"));
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(explicit),
        providerResource(dflt),
        recorder("explicit-recorder", explicit),
        recorderStatus("explicit-recorder", explicit),
        channel("explicit-recorder", explicit),
        trail("default-trail", "us-west-2", dflt),
      ]);
      // The trail's region has no declared recorder: no diagnostic, since requireRecorder is off by default
      // (whether a recorder records there is aws-config-account-coverage's live question; per-region
      // requireRecorder is tested in tests/pack-intent-aws.spec.ts).
      assert.deepEqual(result.diagnostics, [], brief(result));
      const assume = fake.calls("AssumeRole");
      assert.equal(assume.length, 1);
      assert.equal(assume[0]?.body["RoleArn"], role);
      assert.equal(assume[0]?.accessKeyId, ENV_KEY);
      const describe = fake.calls("DescribeConfigurationRecorderStatus");
      assert.equal(describe.length, 1);
      assert.equal(describe[0]?.region, "eu-west-1");
      assert.equal(describe[0]?.accessKeyId, "ASSUMEDKEY0001", "the recorder is read with the assumed role");
      const get = fake.calls("GetTrailStatus");
      assert.equal(get.length, 1);
      assert.equal(get[0]?.region, "us-west-2");
      assert.equal(get[0]?.accessKeyId, ENV_KEY);
    });

    it("two providers in different regions: each call is signed for its own region", async () => {
      const a = healthyStack(fake, "us-east-1", "east");
      const b = healthyStack(fake, "ap-southeast-2", "syd");
      const result = await h().analyzeStack([...a.resources, ...b.resources.slice(1)]);
      assert.deepEqual(result.diagnostics, [], brief(result));
      const regionOf = new Map<string, string | undefined>();
      for (const r of fake.requests) {
        const names = r.body["ConfigurationRecorderNames"];
        regionOf.set(Array.isArray(names) ? String(names[0]) : String(r.body["Name"]), r.region);
      }
      assert.equal(fake.requests.length, 4);
      assert.equal(regionOf.get("east-recorder"), "us-east-1");
      assert.equal(regionOf.get("syd-recorder"), "ap-southeast-2");
      assert.equal(regionOf.get(trailArn("us-east-1", "east-trail")), "us-east-1");
      assert.equal(regionOf.get(trailArn("ap-southeast-2", "syd-trail")), "ap-southeast-2");
    });

    it("provider keys arrive as secrets and an error echoing them: no secret in diagnostics or pack output", async () => {
      const accessKey = "ag-access-7f3c91d2e0";
      const secretKey = "ag-secret-5b8e44a0c1d9f2";
      const provider = providerIn(fake, "keys", "us-east-1", {
        accessKey: secret(accessKey),
        secretKey: secret(secretKey),
      });
      fake.fault = (req) => ({
        kind: "error",
        status: 400,
        code: "UnrecognizedClientException",
        message: `The security token included in the request is invalid: key ${req.accessKeyId ?? ""} secret ${secretKey}`,
      });
      const rec = recorder("keys-recorder", provider);
      const tr = trail("keys-trail", "us-east-1", provider);
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(provider),
        rec,
        recorderStatus("keys-recorder", provider),
        channel("keys-recorder", provider),
        tr,
      ]);
      assert.ok(fake.requests.length >= 2);
      assert.ok(
        fake.requests.every((r) => r.accessKeyId === accessKey),
        "the secret provider key is used to sign",
      );
      const live = of(result, LIVE);
      assert.deepEqual(live.map((d) => d.urn).sort(), [rec.urn, tr.urn].sort(), brief(result));
      assert.ok(live.every((d) => /credentials were rejected/.test(d.message)));
      assert.ok(
        live.every((d) => d.message.includes("[redacted]")),
        "the echoed error reaches the diagnostic, redacted",
      );
      for (const d of result.diagnostics) {
        assert.ok(!d.message.includes(accessKey), `access key leaked: ${d.message}`);
        assert.ok(!d.message.includes(secretKey), `secret key leaked: ${d.message}`);
      }
      const out = h().output();
      assert.ok(!out.includes(accessKey), "access key in pack output");
      assert.ok(!out.includes(secretKey), "secret key in pack output");
    });

    it("a default provider's secret keys (stack config) are kept out of diagnostics and output too", async () => {
      const accessKey = "ag-default-access-91c0";
      const secretKey = "ag-default-secret-4d7e2b";
      const token = "ag-default-session-token-77aa";
      const provider = defaultProvider("aws", "7.48.0", {
        region: "us-east-2",
        endpoints: endpoints(fake),
        accessKey: secret(accessKey),
        secretKey: secret(secretKey),
        token: secret(token),
      });
      fake.fault = (req) => ({
        kind: "error",
        status: 403,
        code: "AccessDeniedException",
        message: `User with key ${req.accessKeyId ?? ""} (token ${req.sessionToken ?? ""}, secret ${secretKey}) is not authorized`,
      });
      const tr = trail("dflt-trail", "us-east-2", provider);
      const result = await h().analyzeStack([stackResource(), providerResource(provider), tr]);
      assert.deepEqual(targets(fake.requests, "GetTrailStatus"), [trailArn("us-east-2", "dflt-trail")]);
      assert.equal(fake.requests[0]?.accessKeyId, accessKey);
      assert.equal(fake.requests[0]?.sessionToken, token);
      const live = of(result, LIVE);
      assert.deepEqual(
        live.map((d) => d.urn),
        [tr.urn],
        brief(result),
      );
      assert.match(live[0]?.message ?? "", /access was denied.*\[redacted\]/);
      for (const s of [accessKey, secretKey, token]) {
        assert.ok(!result.diagnostics.some((d) => d.message.includes(s)), `${s} leaked into a diagnostic`);
        assert.ok(!h().output().includes(s), `${s} leaked into pack output`);
      }
    });

    it("a default provider without region (AWS_REGION at program time): the pack's AWS_REGION applies", async () => {
      const provider = defaultProvider("aws", "7.48.0", { endpoints: endpoints(fake) });
      assert.equal(provider.props["region"], undefined);
      healthyRecorder(fake, "ca-central-1", "env-recorder");
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(provider),
        recorder("env-recorder", provider),
        recorderStatus("env-recorder", provider),
        channel("env-recorder", provider),
      ]);
      assert.deepEqual(of(result, RECORDER), [], brief(result));
      assert.deepEqual(of(result, LIVE), [], brief(result));
      const calls = fake.calls("DescribeConfigurationRecorderStatus");
      assert.equal(calls.length, 1);
      assert.equal(calls[0]?.region, "ca-central-1");
    });

    it("an existing trail whose provider is replaced with unknown credentials in preview: no call, no live diagnostic", async () => {
      const provider = providerIn(fake, "replaced", "us-east-1", { accessKey: UNKNOWN, secretKey: UNKNOWN });
      healthyTrail(fake, trailArn("us-east-1", "kept-trail"));
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(provider),
        trail("kept-trail", "us-east-1", provider),
      ]);
      assertNoCantRun(result);
      assertNoLiveDiagnostics(result);
      assert.deepEqual(fake.requests, []);
    });

    it("4 trails consumed by 3 policies: each target requested exactly once", async () => {
      const provider = providerIn(fake, "many", "us-east-1");
      const names = ["t-healthy-1", "t-stopped", "t-denied", "t-healthy-2"];
      for (const n of names) healthyTrail(fake, trailArn("us-east-1", n));
      fake.trails.set(trailArn("us-east-1", "t-stopped"), { IsLogging: false });
      healthyRecorder(fake, "us-east-1", "many-recorder");
      fake.fault = (req) =>
        req.body["Name"] === trailArn("us-east-1", "t-denied")
          ? { kind: "error", status: 400, code: "AccessDeniedException", message: "not authorized" }
          : undefined;
      const trails = names.map((n) => trail(n, "us-east-1", provider));
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(provider),
        recorder("many-recorder", provider),
        recorderStatus("many-recorder", provider),
        channel("many-recorder", provider),
        ...trails,
      ]);
      assert.deepEqual(targets(fake.requests, "GetTrailStatus"), names.map((n) => trailArn("us-east-1", n)).sort());
      assert.deepEqual(targets(fake.requests, "DescribeConfigurationRecorderStatus"), ["many-recorder"]);
      assert.deepEqual(
        of(result, TRAIL_LOGGING).map((d) => d.urn),
        [trails[1]?.urn],
        brief(result),
      );
      assert.deepEqual(
        of(result, LIVE).map((d) => d.urn),
        [trails[2]?.urn],
        brief(result),
      );
      assert.match(of(result, LIVE)[0]?.message ?? "", /access was denied.*cloudtrail:GetTrailStatus/);
      assert.deepEqual(of(result, RECORDER), []);
    });
  });

  it("preview then update in one process: the update sees the new state, never the preview's result", async () => {
    const pack = await AnalyzerHarness.start({ dryRun: true, env: PACK_ENV, policies: coverageOff() });
    try {
      const s = healthyStack(fake);
      const preview = await pack.analyzeStack(s.resources);
      assert.deepEqual(preview.diagnostics, [], brief(preview));

      // Between preview and update the trail stops and the recorder fails.
      fake.trails.set(trailArn("us-east-1", "main-trail"), { IsLogging: false });
      fake.recorders.set("us-east-1/main-recorder", { recording: false, lastStatus: "FAILURE", lastErrorCode: "E1" });
      await pack.configureStack(false);
      const update = await pack.analyzeStack(s.resources);
      assert.deepEqual(
        of(update, TRAIL_LOGGING).map((d) => d.urn),
        [s.trail.urn],
        brief(update),
      );
      assert.ok(of(update, RECORDER).some((d) => d.urn === s.recorder.urn && d.message.includes("E1")));
      assert.equal(fake.calls("GetTrailStatus").length, 2);
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus").length, 2);

      // And back: a second update in the same process reads the state again.
      healthyTrail(fake, trailArn("us-east-1", "main-trail"));
      healthyRecorder(fake, "us-east-1", "main-recorder");
      const again = await pack.analyzeStack(s.resources);
      assert.deepEqual(again.diagnostics, [], brief(again));
      assert.equal(fake.calls("GetTrailStatus").length, 3);
    } finally {
      await pack.close();
    }
  });

  it("a server that never answers, timeoutSeconds 1: AnalyzeStack returns a live-verification diagnostic", async () => {
    const pack = await AnalyzerHarness.start({
      dryRun: true,
      env: PACK_ENV,
      // Live verification raised to mandatory: fail closed when a check cannot complete.
      policies: { ...coverageOff(), [TRAIL_LOGGING]: { timeoutSeconds: 1 }, [LIVE]: "mandatory" },
    });
    try {
      const s = healthyStack(fake);
      fake.fault = (req) => (req.action === "GetTrailStatus" ? { kind: "hang" } : undefined);
      const result = await pack.analyzeStack(s.resources);
      const live = of(result, LIVE);
      assert.equal(live.length, 1, brief(result));
      const d = live[0];
      assert.ok(d);
      assert.equal(d.urn, s.trail.urn);
      assert.equal(d.enforcementLevel, "mandatory");
      assert.ok(d.message.includes(trailArn("us-east-1", "main-trail")), d.message);
      assert.ok(d.message.includes("region us-east-1"), d.message);
      assert.ok(d.message.includes("GetTrailStatus"), d.message);
      assert.ok(d.message.includes("cloudtrail:GetTrailStatus"), d.message);
      assert.match(d.message, /did not finish before its deadline/);
      assert.deepEqual(of(result, TRAIL_LOGGING), []);
      assert.deepEqual(of(result, RECORDER), []);
    } finally {
      await pack.close();
    }
  });

  it("no stack context, no Configure (like `pulumi policy analyze`): defaults apply, live checks run", async () => {
    const pack = await AnalyzerHarness.spawn({ noStackContext: true, env: PACK_ENV });
    try {
      const info = await pack.getAnalyzerInfo();
      assert.ok(info.policies.some((p) => p.name === TRAIL_LOGGING));
      const s = healthyStack(fake);
      fake.trails.set(trailArn("us-east-1", "main-trail"), { IsLogging: false });
      const result = await pack.analyzeStack(s.resources);
      assertNoCantRun(result);
      const ds = of(result, TRAIL_LOGGING);
      assert.deepEqual(
        ds.map((d) => [d.urn, d.enforcementLevel]),
        [[s.trail.urn, "mandatory"]],
        brief(result),
      );
      assert.deepEqual(of(result, RECORDER), []);
      assert.deepEqual(of(result, LIVE), []);
      assert.equal(fake.calls("GetTrailStatus").length, 1);
    } finally {
      await pack.close();
    }
  });

  it("aws-cloudtrail-trail-logging disabled via Configure: no GetTrailStatus request", async () => {
    const pack = await AnalyzerHarness.start({
      dryRun: false,
      env: PACK_ENV,
      policies: { ...coverageOff(), [TRAIL_LOGGING]: "disabled" },
    });
    try {
      const s = healthyStack(fake);
      fake.trails.set(trailArn("us-east-1", "main-trail"), { IsLogging: false });
      const result = await pack.analyzeStack(s.resources);
      assert.deepEqual(fake.calls("GetTrailStatus"), []);
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus").length, 1);
      assert.deepEqual(result.diagnostics, [], brief(result));
    } finally {
      await pack.close();
    }
  });
});
