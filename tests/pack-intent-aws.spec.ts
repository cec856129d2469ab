// Issue 7 items 4 and 5 through the whole built pack over the Analyzer protocol, against the AWS loopback
// fake: trails and recorders declared off on purpose are intent (declared policies, advisory), not live
// violations; drift from intent is mandatory with a fix command for the real region; quiet trails may
// deliver nothing unless quietTrailsMustDeliver; aws-native trails and recorders are judged declared and live.

import assert from "node:assert/strict";
import {
  type AnalyzeResult,
  AnalyzerHarness,
  type Diagnostic,
  explicitProvider,
  type Props,
  type ProviderRef,
  providerResource,
  resource,
  type ResourceSpec,
  stackResource,
} from "./harness/analyzer";
import { FakeAws } from "./fakes/aws";
import {
  ACCOUNT,
  awsDeliveryChannel,
  awsProvider,
  awsRecorder,
  awsRecorderStatus,
  awsTrail,
  awsTrailArn,
  coverageOff,
} from "./harness/fixtures";

const TRAIL_DECLARED = "aws-cloudtrail-trail-declared";
const TRAIL_LOGGING = "aws-cloudtrail-trail-logging";
const RECORDER_DECLARED = "aws-config-recorder-declared";
const RECORDER = "aws-config-recorder-recording";
const LIVE = "auditguard-live-verification";

const ENV_KEY = "AGINTENTKEY01";
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function of(result: AnalyzeResult, policy: string): Diagnostic[] {
  return result.diagnostics.filter((d) => d.policyName === policy);
}
function brief(result: AnalyzeResult): string {
  return JSON.stringify(
    result.diagnostics.map((d) => ({ p: d.policyName, l: d.enforcementLevel, m: d.message })),
    null,
    1,
  );
}

describe("pack: AWS intent, health and aws-native resources (Analyzer protocol)", function () {
  let fake: FakeAws;
  let pack: AnalyzerHarness | undefined;
  let provider: ProviderRef;
  const h = (): AnalyzerHarness => {
    assert.ok(pack, "pack not started");
    return pack;
  };

  before(async () => {
    fake = await FakeAws.start();
    // aws-native has no CloudTrail/Config endpoint setting: its calls follow the SDK's own
    // AWS_ENDPOINT_URL, as the provider's users would point them.
    pack = await AnalyzerHarness.start({
      dryRun: false,
      env: { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: "ag-intent-secret", AWS_ENDPOINT_URL: fake.url },
      // Coverage off: these tests judge the declared resources (coverage: tests/coverage-pack.spec.ts); the
      // declared recorder requirement, off by default since coverage landed, is what the per-region test checks.
      policies: { ...coverageOff(), [RECORDER_DECLARED]: { requireRecorder: true } },
    });
  });
  after(async () => {
    await pack?.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    provider = awsProvider("main", fake.url);
  });

  /** A healthy recorder set in us-east-1, live and declared. */
  function recorderSet(statusProps: Record<string, boolean> = {}): ResourceSpec[] {
    fake.recorders.set("us-east-1/main-recorder", {
      recording: true,
      lastStatus: "SUCCESS",
      lastStartTime: nowSeconds() - 86_400,
    });
    return [
      awsRecorder("main-recorder", { provider }),
      awsRecorderStatus("main-recorder", { provider, props: statusProps }),
      awsDeliveryChannel("main-recorder", { provider }),
    ];
  }
  function healthyTrail(name: string, props: Props = {}): ResourceSpec {
    const t = nowSeconds();
    fake.trails.set(awsTrailArn(name), { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 });
    return awsTrail(name, { provider, props });
  }

  it("a trail declared enableLogging: false that is stopped: intent from the declared policy, no live violation", async () => {
    const stopped = awsTrail("paused-trail", { provider, props: { enableLogging: false } });
    fake.trails.set(awsTrailArn("paused-trail"), { IsLogging: false, StopLoggingTime: nowSeconds() - 7200 });
    const result = await h().analyzeStack([
      stackResource(),
      providerResource(provider),
      ...recorderSet(),
      healthyTrail("main-trail"),
      stopped,
    ]);
    assert.deepEqual(of(result, TRAIL_LOGGING), [], brief(result));
    assert.deepEqual(of(result, LIVE), [], brief(result));
    const intent = of(result, TRAIL_DECLARED);
    assert.equal(intent.length, 1, brief(result));
    assert.equal(intent[0]?.urn, stopped.urn);
    assert.equal(intent[0]?.enforcementLevel, "advisory");
    assert.match(intent[0]?.message ?? "", /declared not logging \(enableLogging: false\).*taken as intended/);
  });

  it("a trail declared logging that is stopped: mandatory, with start-logging --region of its home region", async () => {
    const trail = awsTrail("drifted-trail", { provider, region: "eu-west-1" });
    fake.trails.set(awsTrailArn("drifted-trail", "eu-west-1"), { IsLogging: false });
    const result = await h().analyzeStack([stackResource(), providerResource(provider), ...recorderSet(), trail]);
    const ds = of(result, TRAIL_LOGGING);
    assert.equal(ds.length, 1, brief(result));
    assert.equal(ds[0]?.enforcementLevel, "mandatory");
    assert.ok(
      ds[0]?.message.includes(
        `aws cloudtrail start-logging --name ${awsTrailArn("drifted-trail", "eu-west-1")} --region eu-west-1`,
      ),
      ds[0]?.message,
    );
  });

  it("a RecorderStatus isEnabled: false whose recorder is stopped: intent, not a live violation", async () => {
    const resources = [
      stackResource(),
      providerResource(provider),
      ...recorderSet({ isEnabled: false }),
      healthyTrail("t1"),
    ];
    fake.recorders.set("us-east-1/main-recorder", { recording: false, lastStatus: "SUCCESS" });
    const result = await h().analyzeStack(resources);
    assert.deepEqual(of(result, RECORDER), [], brief(result));
    const intent = of(result, RECORDER_DECLARED);
    assert.equal(intent.length, 1, brief(result));
    assert.equal(intent[0]?.enforcementLevel, "advisory");
    assert.match(
      intent[0]?.message ?? "",
      /declared stopped.*taken as intended.*set isEnabled: true on RecorderStatus/,
    );
  });

  it("a recorder declared enabled that is stopped: mandatory, with start-configuration-recorder --region", async () => {
    const resources = [stackResource(), providerResource(provider), ...recorderSet(), healthyTrail("t1")];
    fake.recorders.set("us-east-1/main-recorder", { recording: false, lastStatus: "SUCCESS" });
    const result = await h().analyzeStack(resources);
    const ds = of(result, RECORDER);
    assert.equal(ds.length, 1, brief(result));
    assert.equal(ds[0]?.enforcementLevel, "mandatory");
    assert.ok(
      ds[0]?.message.includes(
        "aws configservice start-configuration-recorder --configuration-recorder-name main-recorder --region us-east-1",
      ),
      ds[0]?.message,
    );
  });

  it("a write-only trail with no delivery for two days may be quiet; a read+write one may not", async () => {
    const t = nowSeconds();
    const stale = { IsLogging: true, StartLoggingTime: t - 30 * 86_400, LatestDeliveryTime: t - 2 * 86_400 };
    const quiet = awsTrail("quiet-trail", {
      provider,
      props: { eventSelectors: [{ readWriteType: "WriteOnly", includeManagementEvents: true }] },
    });
    const busy = awsTrail("busy-trail", { provider });
    fake.trails.set(awsTrailArn("quiet-trail"), stale);
    fake.trails.set(awsTrailArn("busy-trail"), stale);
    const result = await h().analyzeStack([stackResource(), providerResource(provider), ...recorderSet(), quiet, busy]);
    const ds = of(result, TRAIL_LOGGING);
    assert.deepEqual(
      ds.map((d) => d.urn),
      [busy.urn],
      brief(result),
    );
    assert.match(ds[0]?.message ?? "", /older than maxDeliveryAgeHours=24/);
  });

  it("quietTrailsMustDeliver: true judges quiet trails' freshness too", async () => {
    const strict = await AnalyzerHarness.start({
      dryRun: false,
      env: { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: "ag-intent-secret" },
      policies: { ...coverageOff(), [TRAIL_LOGGING]: { quietTrailsMustDeliver: true } },
    });
    try {
      const info = await strict.getAnalyzerInfo();
      const schema = info.policies.find((p) => p.name === TRAIL_LOGGING)?.configSchema;
      assert.equal(schema?.properties["quietTrailsMustDeliver"]?.["default"], false);
      const t = nowSeconds();
      const quiet = awsTrail("quiet-trail", {
        provider,
        props: { eventSelectors: [{ readWriteType: "WriteOnly", includeManagementEvents: true }] },
      });
      fake.trails.set(awsTrailArn("quiet-trail"), {
        IsLogging: true,
        StartLoggingTime: t - 30 * 86_400,
        LatestDeliveryTime: t - 2 * 86_400,
      });
      const result = await strict.analyzeStack([stackResource(), providerResource(provider), ...recorderSet(), quiet]);
      assert.deepEqual(
        of(result, TRAIL_LOGGING).map((d) => d.urn),
        [quiet.urn],
        brief(result),
      );
    } finally {
      await strict.close();
    }
  });

  it("a stack deploying to a second region without a recorder there: an advisory finding naming the region", async () => {
    const west = awsProvider("west", fake.url, { region: "eu-west-1" });
    const bucket = resource("aws:s3/bucketV2:BucketV2", "west-bucket", { id: "west-bucket" }, { provider: west });
    const result = await h().analyzeStack([
      stackResource(),
      providerResource(provider),
      providerResource(west),
      ...recorderSet(),
      healthyTrail("t1"),
      bucket,
    ]);
    const ds = of(result, RECORDER_DECLARED);
    assert.equal(ds.length, 1, brief(result));
    assert.equal(ds[0]?.enforcementLevel, "advisory");
    assert.match(
      ds[0]?.message ?? "",
      /deploys AWS resources in eu-west-1 but declares no AWS Config recorder in eu-west-1/,
    );
  });

  describe("aws-native", () => {
    const NATIVE_KEY = "AGNATIVEKEY01";
    const nativeProvider = (): ProviderRef =>
      explicitProvider("aws-native", "native", {
        region: "us-east-1",
        accessKey: NATIVE_KEY,
        secretKey: "ag-native-secret",
        roleArn: `arn:aws:iam::${ACCOUNT}:role/cloudcontrol`,
      });
    function nativeTrail(name: string, prov: ProviderRef, props: Props = {}): ResourceSpec {
      const arn = awsTrailArn(name, "eu-west-1");
      return resource(
        "aws-native:cloudtrail:Trail",
        name,
        {
          id: name,
          trailName: name,
          arn,
          snsTopicArn: "",
          isLogging: true,
          isMultiRegionTrail: true,
          includeGlobalServiceEvents: true,
          enableLogFileValidation: true,
          s3BucketName: "audit-logs",
          ...props,
        },
        { provider: prov },
      );
    }

    it("a healthy aws-native trail is called by ARN in its home region with the provider's own keys", async () => {
      const prov = nativeProvider();
      const t = nowSeconds();
      fake.trails.set(awsTrailArn("native-trail", "eu-west-1"), {
        IsLogging: true,
        StartLoggingTime: t - 86_400,
        LatestDeliveryTime: t - 60,
      });
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(prov),
        providerResource(provider),
        ...recorderSet(),
        nativeTrail("native-trail", prov),
      ]);
      assert.deepEqual(result.diagnostics, [], brief(result));
      const calls = fake.requests.filter((r) => r.action === "GetTrailStatus");
      assert.equal(calls.length, 1);
      assert.equal(calls[0]?.body["Name"], awsTrailArn("native-trail", "eu-west-1"));
      assert.equal(calls[0]?.region, "eu-west-1");
      assert.equal(calls[0]?.accessKeyId, NATIVE_KEY);
      assert.ok(!fake.requests.some((r) => r.action === "AssumeRole"), "Cloud Control's roleArn is not assumed");
    });

    it("an aws-native trail declared isLogging: true that is stopped: mandatory on its URN", async () => {
      const prov = nativeProvider();
      const trail = nativeTrail("native-trail", prov);
      fake.trails.set(awsTrailArn("native-trail", "eu-west-1"), { IsLogging: false });
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(prov),
        providerResource(provider),
        ...recorderSet(),
        trail,
      ]);
      const ds = of(result, TRAIL_LOGGING);
      assert.equal(ds.length, 1, brief(result));
      assert.equal(ds[0]?.urn, trail.urn);
      assert.match(
        ds[0]?.message ?? "",
        /aws-native\.cloudtrail\.Trail is declared logging.*--region eu-west-1.*isLogging: true/,
      );
    });

    it("an aws-native trail declared isLogging: false that is stopped: intent only, named in aws-native terms", async () => {
      const prov = nativeProvider();
      const trail = nativeTrail("native-trail", prov, { isLogging: false });
      fake.trails.set(awsTrailArn("native-trail", "eu-west-1"), { IsLogging: false });
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(prov),
        providerResource(provider),
        ...recorderSet(),
        healthyTrail("main-trail"),
        trail,
      ]);
      assert.deepEqual(of(result, TRAIL_LOGGING), [], brief(result));
      const ds = of(result, TRAIL_DECLARED);
      assert.equal(ds.length, 1, brief(result));
      assert.match(ds[0]?.message ?? "", /\(isLogging: false\).*aws-native\.cloudtrail\.Trail declaration/);
    });

    it("an aws-native Config recorder needs no RecorderStatus and is checked live by name in its region", async () => {
      const prov = nativeProvider();
      const rec = resource(
        "aws-native:configuration:ConfigurationRecorder",
        "native-recorder",
        {
          id: "default",
          awsId: "default",
          name: "default",
          roleArn: `arn:aws:iam::${ACCOUNT}:role/config`,
          recordingGroup: {
            allSupported: true,
            includeGlobalResourceTypes: true,
            recordingStrategy: { useOnly: "ALL_SUPPORTED_RESOURCE_TYPES" },
          },
        },
        { provider: prov },
      );
      fake.recorders.set("us-east-1/default", { recording: false, lastStatus: "SUCCESS" });
      const result = await h().analyzeStack([
        stackResource(),
        providerResource(prov),
        providerResource(provider),
        rec,
        awsDeliveryChannel("default", { provider }),
        healthyTrail("t1"),
      ]);
      assert.deepEqual(of(result, RECORDER_DECLARED), [], brief(result));
      const ds = of(result, RECORDER);
      assert.equal(ds.length, 1, brief(result));
      assert.equal(ds[0]?.urn, rec.urn);
      assert.match(ds[0]?.message ?? "", /--configuration-recorder-name default --region us-east-1/);
      assert.match(ds[0]?.message ?? "", /CloudFormation starts an aws-native recorder itself/);
      const call = fake.requests.find((r) => r.action === "DescribeConfigurationRecorderStatus");
      assert.deepEqual(call?.body["ConfigurationRecorderNames"], ["default"]);
      assert.equal(call?.region, "us-east-1");
      assert.equal(call?.accessKeyId, NATIVE_KEY);
    });
  });
});
