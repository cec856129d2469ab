// Item 4 and 7 of issue 7 as pure judgements: a trail or recorder declared off on purpose is reported
// as intent by the declared policies and not by the live ones; the live ones report drift and broken
// health with fix commands for the real region; delivery freshness only where a delivery is expected;
// a recorder in every region the stack deploys to; CIS 3.3's global IAM types.
import assert from "node:assert/strict";
import type { RecorderStatus, TrailStatus } from "../../lib/aws/sdk";
import type { PlainObject } from "../../lib/plain";
import type { Finding, Verdict } from "../../lib/policy-kit";
import type { AwsSite, ResourceView, StackView } from "../../lib/stack";
import {
  declaredNotLogging,
  evaluate as evaluateTrails,
  recordsAllManagementEvents,
} from "../../policies/aws-cloudtrail-trail-declared";
import { judgeTrail, type TrailIntent } from "../../policies/aws-cloudtrail-trail-logging";
import {
  declaredRecording,
  deployedRegions,
  evaluate as evaluateRecorders,
  recordsGlobalTypes,
  statusesOf,
} from "../../policies/aws-config-recorder-declared";
import { judgeRecorder, type RecorderIntent } from "../../policies/aws-config-recorder-recording";
import { HOUR, MINUTE, NOW, provider, resource, stackOf, TYPES, withEnv } from "./support";

const ARN = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/audit";
const trailOn: TrailIntent = {
  logging: true,
  deliveryExpected: true,
  trail: ARN,
  region: "eu-west-1",
  loggingProp: "enableLogging",
  declaredAs: "aws.cloudtrail.Trail",
};
const rules = { maxDeliveryAgeHours: 24, newTrailGraceMinutes: 60, cloudWatchConfigured: false };
const trailStatus = (s: Partial<TrailStatus>): TrailStatus => ({
  found: true,
  isLogging: true,
  latestDeliveryError: undefined,
  latestDigestDeliveryError: undefined,
  latestNotificationError: undefined,
  latestCloudWatchLogsDeliveryError: undefined,
  latestDeliveryTime: NOW - 10 * MINUTE,
  latestCloudWatchLogsDeliveryTime: undefined,
  startLoggingTime: NOW - 30 * 24 * HOUR,
  stopLoggingTime: undefined,
  ...s,
});
const judgeT = (s: Partial<TrailStatus>, intent: Partial<TrailIntent> = {}) =>
  judgeTrail(trailStatus(s), `'${ARN}' (region eu-west-1)`, rules, { ...trailOn, ...intent }, NOW);

describe("aws-cloudtrail-trail-logging: intent and health", () => {
  it("a trail declared stopped that is stopped is not a live violation, whatever its old delivery errors", () => {
    assert.deepEqual(judgeT({ isLogging: false, latestDeliveryError: "AccessDenied" }, { logging: false }), []);
  });

  it("a trail declared logging that is stopped is drift: the fix command names the ARN and the home region", () => {
    const out = judgeT({ isLogging: false, stopLoggingTime: NOW - HOUR });
    assert.equal(out.length, 1);
    assert.ok(out[0]?.includes(`\`aws cloudtrail start-logging --name ${ARN} --region eu-west-1\``), out[0]);
    assert.match(out[0] ?? "", /although its aws\.cloudtrail\.Trail is declared logging/);
    assert.match(out[0] ?? "", /If it should stay stopped, declare enableLogging: false/);
  });

  it("an aws-native trail's fix names its own property", () => {
    const out = judgeT({ isLogging: false }, { loggingProp: "isLogging", declaredAs: "aws-native.cloudtrail.Trail" });
    assert.match(out[0] ?? "", /so isLogging: true starts it/);
    assert.match(out[0] ?? "", /aws-native\.cloudtrail\.Trail/);
  });

  it("a trail declared stopped that logs anyway is still judged on its health", () => {
    const out = judgeT({ latestDeliveryError: "AccessDenied" }, { logging: false });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /LatestDeliveryError=AccessDenied/);
  });

  it("freshness applies only where a delivery is expected", () => {
    const stale = { latestDeliveryTime: NOW - 50 * HOUR };
    assert.equal(judgeT(stale).length, 1);
    assert.deepEqual(judgeT(stale, { deliveryExpected: false }), []);
    // Errors are health, not freshness: they count on quiet trails too.
    assert.equal(judgeT({ ...stale, latestDigestDeliveryError: "KMS" }, { deliveryExpected: false }).length, 1);
  });
});

describe("aws-cloudtrail-trail-logging: which trails are expected to deliver", () => {
  const sel = (readWriteType: string, includeManagementEvents = true) => ({
    eventSelectors: [{ readWriteType, includeManagementEvents }],
  });
  const advanced = (...fieldSelectors: PlainObject[]) => ({ advancedEventSelectors: [{ fieldSelectors }] });

  it("no selectors, or read and write management events (classic or advanced): expected", () => {
    assert.ok(recordsAllManagementEvents({}));
    assert.ok(recordsAllManagementEvents(sel("All")));
    assert.ok(recordsAllManagementEvents(advanced({ field: "eventCategory", equals: ["Management"] })));
  });

  it("write-only or read-only management events: may be quiet", () => {
    assert.ok(!recordsAllManagementEvents(sel("WriteOnly")));
    assert.ok(!recordsAllManagementEvents(sel("ReadOnly")));
    assert.ok(
      !recordsAllManagementEvents(
        advanced({ field: "eventCategory", equals: ["Management"] }, { field: "readOnly", equals: ["false"] }),
      ),
    );
  });

  it("data events only: may be quiet", () => {
    assert.ok(!recordsAllManagementEvents(sel("All", false)));
    assert.ok(
      !recordsAllManagementEvents(
        advanced(
          { field: "eventCategory", equals: ["Data"] },
          { field: "resources.type", equals: ["AWS::S3::Object"] },
        ),
      ),
    );
  });

  it("declaredNotLogging reads enableLogging false as a boolean or the provider's string", () => {
    assert.ok(declaredNotLogging({ enableLogging: false }));
    assert.ok(declaredNotLogging({ enableLogging: "false" }));
    assert.ok(!declaredNotLogging({}));
    assert.ok(!declaredNotLogging({ enableLogging: true }));
  });
});

describe("aws-cloudtrail-trail-declared: intent", () => {
  const good = {
    name: "main",
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    enableLogFileValidation: true,
  };
  const on = { requireTrail: true, requireMultiRegion: true, requireLoggingEnabled: true };
  const config = {
    ...on,
    requireGlobalServiceEvents: true,
    requireLogFileValidation: true,
    requireManagementEvents: true,
    requireKmsEncryption: false,
    requireCloudWatchLogs: false,
  };
  const findings = (resources: ResourceView[], c = config): Finding[] => {
    const v = evaluateTrails(stackOf(resources), c);
    assert.ok(Array.isArray(v));
    return v;
  };

  it("a trail declared stopped beside a compliant one is reported once as intent, with where to change it", () => {
    const stopped = resource(TYPES.awsTrail, "stopped", { ...good, name: "paused", enableLogging: false });
    const f = findings([resource(TYPES.awsTrail, "main", good), stopped]);
    assert.equal(f.length, 1);
    assert.equal(f[0]?.urn, stopped.urn);
    assert.match(f[0]?.message ?? "", /'paused' is declared not logging \(enableLogging: false\)/);
    assert.match(f[0]?.message ?? "", /taken as intended, so aws-cloudtrail-trail-logging does not report it stopped/);
    assert.match(f[0]?.message ?? "", /set enableLogging: true in its aws\.cloudtrail\.Trail declaration/);
  });

  it("the only trail declared stopped fails the baseline and says the live check takes it as intended", () => {
    const f = findings([resource(TYPES.awsTrail, "main", { ...good, enableLogging: false })]);
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? "", /No declared trail meets the baseline.*declared not logging/);
    assert.match(f[0]?.message ?? "", /taken as intended/);
  });

  it("requireLoggingEnabled false says nothing about a stopped trail", () => {
    const stopped = resource(TYPES.awsTrail, "stopped", { ...good, enableLogging: false });
    assert.deepEqual(findings([stopped], { ...config, requireLoggingEnabled: false }), []);
  });
});

const recOn: RecorderIntent = { recording: true, region: "ap-southeast-2", declaredAs: "aws.cfg.Recorder" };
const recorderStatus = (s: Partial<RecorderStatus>): RecorderStatus => ({
  found: true,
  name: "main-recorder",
  recording: true,
  lastStatus: "SUCCESS",
  lastErrorCode: undefined,
  lastErrorMessage: undefined,
  lastStartTime: NOW - 48 * HOUR,
  lastStopTime: undefined,
  lastStatusChangeTime: NOW - 10 * MINUTE,
  ...s,
});
const judgeR = (s: Partial<RecorderStatus>, intent: Partial<RecorderIntent> = {}) =>
  judgeRecorder(recorderStatus(s), "'main-recorder'", { pendingGraceMinutes: 60 }, { ...recOn, ...intent }, NOW);

describe("aws-config-recorder-recording: intent and health", () => {
  it("a recorder declared stopped that is stopped is not a live violation", () => {
    assert.deepEqual(judgeR({ recording: false, lastStatus: "FAILURE" }, { recording: false }), []);
  });

  it("declared recording but stopped: the fix command names the recorder and its region", () => {
    const out = judgeR({ recording: false });
    assert.equal(out.length, 1);
    assert.ok(
      out[0]?.includes(
        "`aws configservice start-configuration-recorder --configuration-recorder-name main-recorder --region ap-southeast-2`",
      ),
      out[0],
    );
    assert.match(out[0] ?? "", /declare its RecorderStatus with isEnabled: false/);
  });

  it("an aws-native recorder's fix says CloudFormation starts it", () => {
    const out = judgeR({ recording: false }, { declaredAs: "aws-native.configuration.ConfigurationRecorder" });
    assert.match(out[0] ?? "", /CloudFormation starts an aws-native recorder itself/);
  });

  it("declared stopped but recording with FAILURE is still broken health", () => {
    const out = judgeR({ lastStatus: "FAILURE", lastErrorCode: "AccessDenied" }, { recording: false });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /lastStatus=FAILURE/);
  });
});

describe("aws-config-recorder-declared: linking, regions and CIS 3.3 global types", () => {
  const all = { requireRecorder: true, requireGlobalResourceTypes: true, allowExclusions: false };
  const global = { allSupported: true, includeGlobalResourceTypes: true };
  const rec = (region: string, props: PlainObject = {}, logical = `rec-${region}`) =>
    resource(TYPES.awsRecorder, logical, { name: "default", region, recordingGroup: global, ...props });
  const status = (region: string, props: PlainObject = {}) =>
    resource(TYPES.awsRecorderStatus, `st-${region}`, { name: "default", region, isEnabled: true, ...props });
  const channel = (region: string) =>
    resource(TYPES.awsDeliveryChannel, `ch-${region}`, { name: "default", region, s3BucketName: "b" });
  const healthy = (region: string) => [rec(region), status(region), channel(region)];
  const view = (resources: ResourceView[], sites: AwsSite[]): StackView => ({ ...stackOf(resources), awsSites: sites });
  const run = (v: StackView, c = all, env: Record<string, string | undefined> = {}): Finding[] => {
    const out: Verdict = withEnv(env, () => evaluateRecorders(v, c));
    assert.ok(Array.isArray(out));
    return out;
  };

  it("a region the stack deploys to without a recorder there is a finding naming that region", () => {
    const f = run(
      view(healthy("us-east-1"), [
        { pkg: "aws", region: "us-east-1" },
        { pkg: "aws", region: "eu-west-1" },
      ]),
    );
    assert.equal(f.length, 1);
    assert.equal(f[0]?.urn, undefined);
    assert.match(
      f[0]?.message ?? "",
      /deploys AWS resources in eu-west-1 but declares no AWS Config recorder in eu-west-1/,
    );
    assert.match(f[0]?.message ?? "", /requireRecorder: false/);
  });

  it("every region covered: no finding; requireRecorder false: no region finding", () => {
    const sites: AwsSite[] = [
      { pkg: "aws", region: "us-east-1" },
      { pkg: "aws", region: "eu-west-1" },
    ];
    assert.deepEqual(run(view([...healthy("us-east-1"), ...healthy("eu-west-1")], sites)), []);
    assert.deepEqual(run(view(healthy("us-east-1"), sites), { ...all, requireRecorder: false }), []);
  });

  it("a site without its own region takes the package's configured region, then AWS_REGION", () => {
    const sites: AwsSite[] = [{ pkg: "aws-native", region: undefined }];
    assert.deepEqual(
      withEnv({ PULUMI_CONFIG: JSON.stringify({ "aws-native:region": "eu-north-1" }) }, () =>
        deployedRegions(view([], sites)),
      ),
      ["eu-north-1"],
    );
    assert.deepEqual(
      withEnv({ AWS_REGION: "sa-east-1" }, () => deployedRegions(view([], sites))),
      ["sa-east-1"],
    );
    const f = run(view(healthy("us-east-1"), sites), all, { AWS_REGION: "sa-east-1" });
    assert.match(f[0]?.message ?? "", /in sa-east-1/);
  });

  it("no recorder at all: one finding listing the regions", () => {
    const f = run(
      view(
        [],
        [
          { pkg: "aws", region: "us-east-1" },
          { pkg: "aws", region: "eu-west-1" },
        ],
      ),
    );
    assert.equal(f.length, 1);
    assert.match(
      f[0]?.message ?? "",
      /deploys AWS resources \(eu-west-1, us-east-1\) but declares no AWS Config recorder/,
    );
  });

  it("no recorder records the global IAM types: one CIS 3.3 finding; one that does is enough", () => {
    const sites: AwsSite[] = [
      { pkg: "aws", region: "us-east-1" },
      { pkg: "aws", region: "eu-west-1" },
    ];
    const noGlobal = { recordingGroup: { allSupported: true } };
    const east = [rec("us-east-1", noGlobal), status("us-east-1"), channel("us-east-1")];
    const west = [rec("eu-west-1", noGlobal), status("eu-west-1"), channel("eu-west-1")];
    const f = run(view([...east, ...west], sites));
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? "", /records the global IAM resource types.*CIS AWS 3\.3/);
    assert.deepEqual(run(view([...healthy("us-east-1"), ...west], sites)), []);
    assert.deepEqual(run(view([...east, ...west], sites), { ...all, requireGlobalResourceTypes: false }), []);
  });

  it("recordsGlobalTypes: by flag, by an exclusion strategy that keeps them, by an inclusion list naming them", () => {
    assert.ok(recordsGlobalTypes(global));
    assert.ok(!recordsGlobalTypes({ allSupported: true }));
    assert.ok(!recordsGlobalTypes(undefined), "the provider's default leaves them out");
    const exclusion = (types: string[]) => ({
      allSupported: false,
      recordingStrategies: [{ useOnly: "EXCLUSION_BY_RESOURCE_TYPES" }],
      exclusionByResourceTypes: [{ resourceTypes: types }],
    });
    assert.ok(recordsGlobalTypes(exclusion(["AWS::EC2::Volume"])));
    assert.ok(!recordsGlobalTypes(exclusion(["AWS::IAM::Role"])));
    const iam = ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"];
    assert.ok(recordsGlobalTypes({ allSupported: false, resourceTypes: iam }));
    assert.ok(!recordsGlobalTypes({ allSupported: false, resourceTypes: ["AWS::IAM::User"] }));
  });

  it("a RecorderStatus links by name, region and provider", () => {
    const a = provider({ region: "us-east-1" }, "account-a");
    const b = provider({ region: "us-east-1" }, "account-b");
    const r = resource(TYPES.awsRecorder, "r", { name: "default" }, { provider: a });
    const same = resource(TYPES.awsRecorderStatus, "s1", { name: "default", isEnabled: false }, { provider: a });
    const other = resource(TYPES.awsRecorderStatus, "s2", { name: "default", isEnabled: true }, { provider: b });
    const v = stackOf([r, same, other]);
    assert.deepEqual(
      statusesOf(v, r).map((s) => s.name),
      ["s1"],
    );
    assert.equal(declaredRecording(v, r), false);
    assert.equal(declaredRecording(stackOf([r]), r), true, "no status: expected to record");
  });

  it("declared stopped: the message says it is intended and which RecorderStatus to change", () => {
    const f = run(view([rec("us-east-1"), status("us-east-1", { isEnabled: false }), channel("us-east-1")], []));
    assert.equal(f.length, 1);
    assert.match(
      f[0]?.message ?? "",
      /is declared stopped: its aws\.cfg\.RecorderStatus 'st-us-east-1' has isEnabled: false/,
    );
    assert.match(f[0]?.message ?? "", /taken as intended, so aws-config-recorder-recording does not report it/);
    assert.match(f[0]?.message ?? "", /set isEnabled: true on RecorderStatus 'st-us-east-1'/);
  });
});
