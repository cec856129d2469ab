// Adapter-depth tests: the real AWS SDK v3 clients and credential providers, driven through the shared
// live round, talking to the loopback fake in ./fakes/aws (JSON 1.1 for Config/CloudTrail, awsQuery
// for STS). Nothing here leaves 127.0.0.1.
process.env["AWS_EC2_METADATA_DISABLED"] = "true";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AWS_RECORDER_POLICY, AWS_TRAIL_POLICY, awsRecorderKind, awsTrailKind } from "../lib/aws/kinds";
import { classify, type NotFound, type RecorderStatus, type TrailStatus } from "../lib/aws/sdk";
import { DeadlineExceeded, withDeadline } from "../lib/live/deadline";
import type { CheckFailure, Outcome } from "../lib/live/outcome";
import {
  type Clock,
  lastRoundStats,
  type LiveEntry,
  type LiveKind,
  liveEntries,
  RateLimiter,
  registerKinds,
} from "../lib/live/round";
import type { PlainObject } from "../lib/plain";
import type { ProviderView, ResourceView, StackView } from "../lib/stack";
import { type AwsRequest, type Fault, FakeAws } from "./fakes/aws";
import { closedPort, entryOf, failureOf, okValue, setEnv } from "./support";

const ACCESS_KEY = "AKIAFAKEBASEKEY00001";
const SECRET_KEY = "base-secret-Zq81mXv03LwPq7";
const SESSION_TOKEN = "base-session-token-Hh28Kd93Jx";
const ACCOUNT = "123456789012";
const READ_ONLY_ACTIONS: ReadonlySet<string> = new Set([
  "DescribeConfigurationRecorderStatus",
  "GetTrailStatus",
  "AssumeRole",
  "AssumeRoleWithWebIdentity",
  "GetCallerIdentity",
]);

/** Every request any fake in this file saw, for the read-only check at the end. */
const everyRequest: AwsRequest[] = [];

let seq = 0;
function urn(type: string, name: string): string {
  return `urn:pulumi:test::auditguard::${type}::${name}`;
}

function providerView(props: PlainObject): ProviderView {
  seq++;
  return {
    urn: `urn:pulumi:test::auditguard::pulumi:providers:aws::p${seq}`,
    name: `p${seq}`,
    type: "pulumi:providers:aws",
    props,
  };
}

/** Explicit provider as the engine shows it: non-string inputs are JSON strings. */
function awsProvider(fake: FakeAws, extra: PlainObject = {}): ProviderView {
  return providerView({
    region: "eu-west-1",
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    endpoints: JSON.stringify([{ configservice: fake.url, cloudtrail: fake.url, sts: fake.url }]),
    ...extra,
  });
}

function recorder(name: string, provider: ProviderView | undefined, props: PlainObject = {}): ResourceView {
  return {
    urn: urn("aws:cfg/recorder:Recorder", `${name}-${++seq}`),
    name,
    type: "aws:cfg/recorder:Recorder",
    props: { id: name, name, ...props },
    provider,
    exists: true,
  };
}

function trail(name: string, provider: ProviderView | undefined, props: PlainObject = {}): ResourceView {
  return {
    urn: urn("aws:cloudtrail/trail:Trail", `${name}-${++seq}`),
    name,
    type: "aws:cloudtrail/trail:Trail",
    props: { id: name, name, ...props },
    provider,
    exists: true,
  };
}

function trailArn(region: string, name: string, account = ACCOUNT): string {
  return `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
}

function stack(...resources: ResourceView[]): StackView {
  return {
    dryRun: false,
    deploys: { aws: true, alicloud: false },
    fingerprint: `fp-${++seq}`,
    resources,
  };
}

async function run(
  view: StackView,
  consumer: string = AWS_RECORDER_POLICY,
  timeoutSeconds = 10,
): Promise<LiveEntry<unknown>[]> {
  return liveEntries(consumer, view, { timeoutSeconds });
}

function recorderFound(outcome: Outcome<unknown>): RecorderStatus {
  const v = okValue<RecorderStatus | NotFound>(outcome);
  if (!v.found) assert.fail(`expected a recorder, got not-found: ${v.detail}`);
  return v;
}

function trailFound(outcome: Outcome<unknown>): TrailStatus {
  const v = okValue<TrailStatus | NotFound>(outcome);
  if (!v.found) assert.fail(`expected a trail, got not-found: ${v.detail}`);
  return v;
}

/** Applies `fault` to requests of one action only; everything else is answered normally. */
function onAction(action: string, fault: (n: number) => Fault | undefined): (req: AwsRequest) => Fault | undefined {
  let n = 0;
  return (req) => (req.action === action ? fault(++n) : undefined);
}

describe("AWS adapters against the loopback fake (real SDK v3 clients)", function () {
  let fake: FakeAws;
  const savedEnv: Record<string, string | undefined> = {};

  before(function () {
    for (const k of ["PULUMI_CONFIG", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"]) {
      savedEnv[k] = process.env[k];
      setEnv(k, undefined);
    }
  });
  after(function () {
    for (const [k, v] of Object.entries(savedEnv)) {
      setEnv(k, v);
    }
  });

  beforeEach(async function () {
    fake = await FakeAws.start();
    registerKinds([awsRecorderKind as LiveKind<unknown>, awsTrailKind as LiveKind<unknown>]);
  });
  afterEach(async function () {
    everyRequest.push(...fake.requests);
    await fake.close();
    delete process.env["PULUMI_CONFIG"];
  });

  describe("region routing", function () {
    it("signs a recorder call for the recorder's own region", async function () {
      fake.recorders.set("us-west-2/rec-a", { recording: true, lastStatus: "SUCCESS" });
      const r = recorder("rec-a", awsProvider(fake), { region: "us-west-2" });
      const e = entryOf(await run(stack(r)), r);
      assert.equal(recorderFound(e.outcome).recording, true);
      const calls = fake.calls("DescribeConfigurationRecorderStatus");
      assert.equal(calls.length, 1);
      assert.equal(calls[0]?.region, "us-west-2");
      assert.equal(calls[0]?.service, "config");
      assert.deepEqual(calls[0]?.body, { ConfigurationRecorderNames: ["rec-a"] });
      assert.equal(calls[0]?.accessKeyId, ACCESS_KEY);
      assert.equal(e.spec.region, "us-west-2");
      assert.equal(e.spec.action, "DescribeConfigurationRecorderStatus");
      assert.equal(e.spec.permission, "config:DescribeConfigurationRecorderStatus");
      assert.equal(e.spec.target, "rec-a");
      assert.equal(e.spec.endpoint, fake.url);
    });

    it("falls back to the provider's region for a recorder without one", async function () {
      fake.recorders.set("eu-west-1/rec-b", { recording: false });
      const r = recorder("rec-b", awsProvider(fake));
      const e = entryOf(await run(stack(r)), r);
      assert.equal(recorderFound(e.outcome).recording, false);
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus")[0]?.region, "eu-west-1");
    });

    it("calls GetTrailStatus with the ARN in the trail's home region", async function () {
      const arn = trailArn("ap-southeast-2", "org-trail");
      fake.trails.set(arn, { IsLogging: true });
      const t = trail("org-trail", awsProvider(fake), { arn, homeRegion: "ap-southeast-2", region: "eu-west-1" });
      const e = entryOf(await run(stack(t), AWS_TRAIL_POLICY), t);
      assert.equal(trailFound(e.outcome).isLogging, true);
      const calls = fake.calls("GetTrailStatus");
      assert.equal(calls.length, 1);
      assert.equal(calls[0]?.service, "cloudtrail");
      assert.equal(calls[0]?.region, "ap-southeast-2");
      assert.deepEqual(calls[0]?.body, { Name: arn });
      assert.equal(e.spec.target, arn);
      assert.equal(e.spec.account, ACCOUNT);
      assert.equal(e.spec.permission, "cloudtrail:GetTrailStatus");
    });

    it("takes the region from the trail ARN when homeRegion is absent", async function () {
      const arn = trailArn("ca-central-1", "arn-only");
      fake.trails.set(arn, { IsLogging: false });
      const t = trail("arn-only", awsProvider(fake), { arn });
      const e = entryOf(await run(stack(t), AWS_TRAIL_POLICY), t);
      assert.equal(trailFound(e.outcome).isLogging, false);
      assert.equal(fake.calls("GetTrailStatus")[0]?.region, "ca-central-1");
    });

    it("uses the provider's region and the bare name for a trail without ARN or home region", async function () {
      fake.trails.set(trailArn("eu-west-1", "named"), { IsLogging: true });
      const t = trail("named", awsProvider(fake));
      const e = entryOf(await run(stack(t), AWS_TRAIL_POLICY), t);
      assert.equal(trailFound(e.outcome).isLogging, true);
      const call = fake.calls("GetTrailStatus")[0];
      assert.equal(call?.region, "eu-west-1");
      assert.deepEqual(call?.body, { Name: "named" });
    });

    it("falls back to stack config aws:region when the provider has no region", async function () {
      process.env["PULUMI_CONFIG"] = JSON.stringify({ "aws:region": "sa-east-1" });
      fake.recorders.set("sa-east-1/rec-c", { recording: true });
      const p = awsProvider(fake);
      delete p.props["region"];
      const r = recorder("rec-c", p);
      const e = entryOf(await run(stack(r)), r);
      assert.equal(recorderFound(e.outcome).recording, true);
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus")[0]?.region, "sa-east-1");
      assert.equal(e.spec.region, "sa-east-1");
    });

    it("takes region, keys and endpoints from stack config for the default provider", async function () {
      process.env["PULUMI_CONFIG"] = JSON.stringify({
        "aws:region": "eu-north-1",
        "aws:accessKey": ACCESS_KEY,
        "aws:secretKey": SECRET_KEY,
        "aws:endpoints": JSON.stringify([{ config: fake.url, cloudtrail: fake.url }]),
      });
      fake.recorders.set("eu-north-1/rec-d", { recording: true });
      const r = recorder("rec-d", undefined);
      const e = entryOf(await run(stack(r)), r);
      assert.equal(recorderFound(e.outcome).recording, true);
      const call = fake.calls("DescribeConfigurationRecorderStatus")[0];
      assert.equal(call?.region, "eu-north-1");
      assert.equal(call?.accessKeyId, ACCESS_KEY);
    });

    it("reports bad-target, without a call, when no region can be found anywhere", async function () {
      const p = awsProvider(fake);
      delete p.props["region"];
      const r = recorder("rec-nowhere", p);
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "bad-target");
      assert.match(f.detail, /region/);
      assert.equal(fake.requests.length, 0);
    });
  });

  describe("replies turned into facts", function () {
    it("a recorder status without `recording` is undetermined, never reported as stopped", async function () {
      fake.recorders.set("eu-west-1/rec-blank", { lastStatus: "SUCCESS" });
      const r = recorder("rec-blank", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "malformed-reply");
      assert.match(f.detail, /recording is missing/);
    });

    it("a trail status without IsLogging is undetermined, never reported as not logging", async function () {
      const arn = trailArn("eu-west-1", "blank-trail");
      fake.trails.set(arn, { LatestDeliveryTime: 1_700_000_000 });
      const t = trail("blank-trail", awsProvider(fake), { arn, homeRegion: "eu-west-1" });
      const f = failureOf(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      assert.equal(f.reason, "malformed-reply");
      assert.match(f.detail, /IsLogging is missing/);
    });

    it("uses the trail's id (its ARN) when the arn output is absent", async function () {
      const arn = trailArn("ap-south-1", "id-only");
      fake.trails.set(arn, { IsLogging: true });
      const t = trail("id-only", awsProvider(fake), { id: arn });
      trailFound(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      const call = fake.calls("GetTrailStatus")[0];
      assert.equal(call?.body["Name"], arn);
      assert.equal(call?.region, "ap-south-1");
    });

    it("upper-cases lastStatus and converts epoch seconds to milliseconds", async function () {
      fake.recorders.set("eu-west-1/rec-s", {
        recording: true,
        lastStatus: "Success",
        lastErrorCode: "400",
        lastErrorMessage: "NA",
        lastStartTime: 1_700_000_000,
        lastStatusChangeTime: 1_700_000_100.5,
      });
      const r = recorder("rec-s", awsProvider(fake));
      const v = recorderFound(entryOf(await run(stack(r)), r).outcome);
      assert.equal(v.name, "rec-s");
      assert.equal(v.lastStatus, "SUCCESS");
      assert.equal(v.lastErrorCode, "400");
      assert.equal(v.lastErrorMessage, "NA");
      assert.equal(v.lastStartTime, 1_700_000_000_000);
      assert.equal(v.lastStatusChangeTime, 1_700_000_100_500);
      assert.equal(v.lastStopTime, undefined);
    });

    it("keeps pending/failure statuses upper-case too", async function () {
      fake.recorders.set("eu-west-1/rec-p", { recording: true, lastStatus: "pending" });
      fake.recorders.set("eu-west-1/rec-f", { recording: false, lastStatus: "FAILURE" });
      const a = recorder("rec-p", awsProvider(fake));
      const b = recorder("rec-f", a.provider);
      const entries = await run(stack(a, b));
      assert.equal(recorderFound(entryOf(entries, a).outcome).lastStatus, "PENDING");
      assert.equal(recorderFound(entryOf(entries, b).outcome).lastStatus, "FAILURE");
    });

    it("reads trail delivery facts; empty error strings and missing fields are absent", async function () {
      const arn = trailArn("eu-west-1", "facts");
      fake.trails.set(arn, {
        IsLogging: true,
        LatestDeliveryError: "",
        LatestCloudWatchLogsDeliveryError: "AccessDenied",
        LatestDeliveryTime: 1_700_000_000,
        StartLoggingTime: 1_600_000_000,
      });
      const t = trail("facts", awsProvider(fake), { arn, homeRegion: "eu-west-1" });
      const v = trailFound(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      assert.equal(v.isLogging, true);
      assert.equal(v.latestDeliveryError, undefined);
      assert.equal(v.latestCloudWatchLogsDeliveryError, "AccessDenied");
      assert.equal(v.latestDeliveryTime, 1_700_000_000_000);
      assert.equal(v.startLoggingTime, 1_600_000_000_000);
      assert.equal(v.latestCloudWatchLogsDeliveryTime, undefined);
      assert.equal(v.stopLoggingTime, undefined);
    });

    it("reports a missing recorder (NoSuchConfigurationRecorderException) as not found", async function () {
      const r = recorder("rec-gone", awsProvider(fake));
      const v = okValue<RecorderStatus | NotFound>(entryOf(await run(stack(r)), r).outcome);
      assert.equal(v.found, false);
      assert.match((v as NotFound).detail, /rec-gone/);
      assert.match((v as NotFound).detail, /answered by account 123456789012/);
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus").length, 1, "not-found is an answer, not retried");
      // Who said "not found" is asked once, signed with the same keys as the status call.
      const who = fake.calls("GetCallerIdentity");
      assert.equal(who.length, 1);
      assert.equal(who[0]?.accessKeyId, ACCESS_KEY);
      assert.equal(who[0]?.region, "eu-west-1");
    });

    it("reports a missing trail (TrailNotFoundException) as not found", async function () {
      const arn = trailArn("eu-west-1", "trail-gone");
      const t = trail("trail-gone", awsProvider(fake), { arn, homeRegion: "eu-west-1" });
      const v = okValue<TrailStatus | NotFound>(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      assert.equal(v.found, false);
      assert.match((v as NotFound).detail, /Unknown trail/);
      assert.equal((v as NotFound).account, ACCOUNT);
      assert.equal(fake.calls("GetTrailStatus").length, 1);
      assert.equal(fake.calls("GetCallerIdentity").length, 1);
    });

    it("a found resource costs no GetCallerIdentity", async function () {
      fake.recorders.set("eu-west-1/rec-here", { recording: true });
      const r = recorder("rec-here", awsProvider(fake));
      recorderFound(entryOf(await run(stack(r)), r).outcome);
      assert.equal(fake.calls("GetCallerIdentity").length, 0);
    });
  });

  describe('"not found" only from the right account (sts:GetCallerIdentity)', function () {
    it("a trail missing as seen from another account than its ARN's is wrong-account, naming both", async function () {
      fake.defaultAccount = "111111111111";
      const arn = trailArn("eu-west-1", "elsewhere", "222222222222");
      const t = trail("elsewhere", awsProvider(fake), { arn, homeRegion: "eu-west-1" });
      const f = failureOf(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      assert.equal(f.reason, "wrong-account");
      assert.match(f.detail, /called as 111111111111 .*; the trail belongs to 222222222222/);
      assert.equal(fake.calls("GetTrailStatus").length, 1, "wrong-account is not retried");
    });

    it("a recorder missing from an account outside allowedAccountIds is wrong-account", async function () {
      fake.defaultAccount = "111111111111";
      const p = awsProvider(fake, { allowedAccountIds: JSON.stringify(["333333333333", "444444444444"]) });
      const r = recorder("rec-other", p);
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "wrong-account");
      assert.match(f.detail, /called as 111111111111.*allowedAccountIds allow only 333333333333, 444444444444/);
    });

    it("a recorder missing in one of the allowed accounts is a real not-found", async function () {
      fake.defaultAccount = "444444444444";
      const p = awsProvider(fake, { allowedAccountIds: ["333333333333", "444444444444"] });
      const r = recorder("rec-allowed", p);
      const v = okValue<NotFound>(entryOf(await run(stack(r)), r).outcome);
      assert.equal(v.found, false);
      assert.equal(v.account, "444444444444");
    });

    it("checks the assumed role's account, and asks once per credential set however many are missing", async function () {
      const roleArn = "arn:aws:iam::555555555555:role/audit";
      fake.roles.set(roleArn, "ASIAROLEKEY00001");
      const p = awsProvider(fake, { assumeRoles: JSON.stringify([{ roleArn }]) });
      const missing = ["rec-m1", "rec-m2", "rec-m3"].map((n) => recorder(n, p));
      const arn = trailArn("eu-west-1", "trail-m", "555555555555");
      const t = trail("trail-m", p, { arn });
      const entries = await run(stack(...missing, t));
      for (const r of [...missing, t]) {
        const v = okValue<NotFound>(entryOf(entries, r).outcome);
        assert.equal(v.found, false);
        assert.equal(v.account, "555555555555");
      }
      const who = fake.calls("GetCallerIdentity");
      assert.equal(who.length, 1, "one GetCallerIdentity for one credential set");
      assert.equal(who[0]?.accessKeyId, "ASIAROLEKEY00001", "asked as the assumed role");
      // Different credentials (the provider's own keys) get their own answer.
      const other = recorder("rec-m4", awsProvider(fake));
      await run(stack(other));
      assert.equal(fake.calls("GetCallerIdentity").length, 2);
    });

    it("when GetCallerIdentity fails, the not-found is undetermined, never believed", async function () {
      fake.fault = onAction("GetCallerIdentity", () => ({ kind: "hang" }));
      const r = recorder("rec-unconfirmed", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r), AWS_RECORDER_POLICY, 1), r).outcome);
      assert.equal(f.reason, "timeout");
    });
  });

  describe("empty replies", function () {
    it("reports an empty recorder list as not found", async function () {
      fake.fault = onAction("DescribeConfigurationRecorderStatus", () => ({
        kind: "reply",
        status: 200,
        body: JSON.stringify({ ConfigurationRecordersStatus: [] }),
      }));
      const r = recorder("rec-empty", awsProvider(fake));
      const v = okValue<RecorderStatus | NotFound>(entryOf(await run(stack(r)), r).outcome);
      assert.equal(v.found, false);
    });
  });

  describe("error mapping", function () {
    function errorFault(status: number, code: string, message = `${code} from the fake`): (req: AwsRequest) => Fault {
      return () => ({ kind: "error", status, code, message });
    }

    it("AccessDeniedException → access-denied, not retried, with code, status and request id", async function () {
      fake.fault = errorFault(400, "AccessDeniedException", "User is not authorized to perform this action");
      const r = recorder("rec-denied", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "access-denied");
      assert.equal(f.code, "AccessDeniedException");
      assert.equal(f.httpStatus, 400);
      assert.equal(f.requestId, "fake-error-id");
      assert.match(f.detail, /not authorized/);
      assert.equal(fake.requests.length, 1);
    });

    it("UnrecognizedClientException → invalid-credentials, not retried", async function () {
      fake.fault = errorFault(
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      );
      const t = trail("trail-badkey", awsProvider(fake), { arn: trailArn("eu-west-1", "trail-badkey") });
      const f = failureOf(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      assert.equal(f.reason, "invalid-credentials");
      assert.equal(f.code, "UnrecognizedClientException");
      assert.equal(fake.requests.length, 1);
    });

    it("ThrottlingException on every attempt → throttled after 3 attempts", async function () {
      fake.fault = errorFault(400, "ThrottlingException", "Rate exceeded");
      const r = recorder("rec-throttled", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "throttled");
      assert.equal(f.code, "ThrottlingException");
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus").length, 3);
      assert.equal(lastRoundStats()?.attempts, 3);
      // The round retries, not the SDK: every request is a first SDK attempt of a one-attempt budget.
      for (const req of fake.requests) assert.match(req.attempt ?? "", /attempt=1; max=1/);
    });

    it("throttled on the first attempt only → success on the second", async function () {
      fake.recorders.set("eu-west-1/rec-once", { recording: true, lastStatus: "SUCCESS" });
      fake.fault = onAction("DescribeConfigurationRecorderStatus", (n) =>
        n === 1 ? { kind: "error", status: 400, code: "ThrottlingException", message: "Rate exceeded" } : undefined,
      );
      const r = recorder("rec-once", awsProvider(fake));
      const v = recorderFound(entryOf(await run(stack(r)), r).outcome);
      assert.equal(v.recording, true);
      assert.equal(fake.requests.length, 2);
    });

    it("HTTP 500 with a JSON error body → service-error after 3 attempts", async function () {
      fake.fault = errorFault(500, "InternalFailure", "internal failure");
      const r = recorder("rec-500", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "service-error");
      assert.equal(f.httpStatus, 500);
      assert.equal(fake.requests.length, 3);
    });

    it("HTTP 503 with a non-JSON body → service-error after 3 attempts", async function () {
      fake.fault = () => ({
        kind: "reply",
        status: 503,
        body: "<html><body>Service Unavailable</body></html>",
        contentType: "text/html",
      });
      const t = trail("trail-503", awsProvider(fake), { arn: trailArn("eu-west-1", "trail-503") });
      const f = failureOf(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      assert.equal(f.reason, "service-error");
      assert.equal(f.httpStatus, 503);
      assert.equal(fake.requests.length, 3);
    });

    it("HTTP 500 with a non-JSON body on the first attempt only → success", async function () {
      fake.recorders.set("eu-west-1/rec-flaky", { recording: true });
      fake.fault = onAction("DescribeConfigurationRecorderStatus", (n) =>
        n === 1 ? { kind: "reply", status: 500, body: "oops", contentType: "text/plain" } : undefined,
      );
      const r = recorder("rec-flaky", awsProvider(fake));
      assert.equal(recorderFound(entryOf(await run(stack(r)), r).outcome).recording, true);
      assert.equal(fake.requests.length, 2);
    });

    it("HTTP 200 with malformed JSON → malformed-reply, not retried", async function () {
      fake.fault = () => ({ kind: "reply", status: 200, body: '{"ConfigurationRecordersStatus": [{"name": ' });
      const r = recorder("rec-garbled", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "malformed-reply");
      assert.equal(f.httpStatus, 200);
      assert.equal(fake.requests.length, 1);
    });

    it("a connection dropped before the reply → endpoint-error after retries", async function () {
      fake.fault = () => ({ kind: "cut" });
      const t = trail("trail-cut", awsProvider(fake), { arn: trailArn("eu-west-1", "trail-cut") });
      const f = failureOf(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      assert.equal(f.reason, "endpoint-error");
      assert.equal(f.code, "ECONNRESET");
      assert.equal(fake.requests.length, 3);
    });

    it("a reply body cut off mid-way → endpoint-error after retries, then success once it comes whole", async function () {
      const arn = trailArn("eu-west-1", "trail-half");
      fake.trails.set(arn, { IsLogging: true });
      const whole = JSON.stringify({ IsLogging: true, LatestDeliveryTime: 1_700_000_000 });
      fake.fault = onAction("GetTrailStatus", (n) =>
        n <= 3 ? { kind: "truncate", status: 200, body: whole, keep: 12 } : undefined,
      );
      const t = trail("trail-half", awsProvider(fake), { arn });
      const f = failureOf(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      assert.equal(f.reason, "endpoint-error");
      assert.equal(f.code, "ECONNRESET");
      assert.equal(f.httpStatus, 200);
      assert.equal(fake.requests.length, 3);
      // The next analysis gets the whole reply.
      assert.equal(trailFound(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome).isLogging, true);
    });

    it("IsLogging of the wrong type → malformed-reply", async function () {
      fake.fault = () => ({ kind: "reply", status: 200, body: JSON.stringify({ IsLogging: "yes" }) });
      const t = trail("trail-yes", awsProvider(fake), { arn: trailArn("eu-west-1", "trail-yes") });
      const f = failureOf(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
      assert.equal(f.reason, "malformed-reply");
      assert.equal(fake.requests.length, 1);
    });

    it("recording of the wrong type → malformed-reply", async function () {
      fake.fault = () => ({
        kind: "reply",
        status: 200,
        body: JSON.stringify({ ConfigurationRecordersStatus: [{ name: "rec-yes", recording: "yes" }] }),
      });
      const r = recorder("rec-yes", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "malformed-reply");
    });

    it("a recorder list entry that is not an object → malformed-reply", async function () {
      fake.fault = () => ({
        kind: "reply",
        status: 200,
        body: JSON.stringify({ ConfigurationRecordersStatus: ["rec-str"] }),
      });
      const r = recorder("rec-str", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "malformed-reply");
    });

    it("an unknown error code → unexpected-error carrying the code, not retried", async function () {
      fake.fault = errorFault(400, "BrandNewFancyException", "something new");
      const r = recorder("rec-new-error", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "unexpected-error");
      assert.equal(f.code, "BrandNewFancyException");
      assert.match(f.detail, /something new/);
      assert.equal(fake.requests.length, 1);
    });

    it("a server that never answers → timeout, and the round settles", async function () {
      fake.fault = () => ({ kind: "hang" });
      const r = recorder("rec-hang", awsProvider(fake));
      const f = failureOf(entryOf(await run(stack(r), AWS_RECORDER_POLICY, 1), r).outcome);
      assert.equal(f.reason, "timeout");
      assert.ok(fake.requests.length >= 1);
    });

    it("connection refused → endpoint-error after retries", async function () {
      const port = await closedPort();
      const p = awsProvider(fake, {
        endpoints: JSON.stringify([{ configservice: `http://127.0.0.1:${port}` }]),
      });
      const r = recorder("rec-refused", p);
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "endpoint-error");
      assert.equal(f.code, "ECONNREFUSED");
      assert.equal(lastRoundStats()?.attempts, 3);
    });

    it("a malformed endpoint URL → bad-target and no request", async function () {
      const p = awsProvider(fake, {
        endpoints: JSON.stringify([{ configservice: "not a url", cloudtrail: "ftp://127.0.0.1/x" }]),
      });
      const r = recorder("rec-badurl", p);
      const t = trail("trail-badurl", p, { arn: trailArn("eu-west-1", "trail-badurl") });
      const entries = await run(stack(r, t));
      const fr = failureOf(entryOf(entries, r).outcome);
      const ft = failureOf(entryOf(entries, t).outcome);
      assert.equal(fr.reason, "bad-target");
      assert.match(fr.detail, /config endpoint/);
      assert.equal(ft.reason, "bad-target");
      assert.equal(fake.requests.length, 0);
      assert.equal(lastRoundStats()?.attempts, 0);
    });

    it("a malformed STS endpoint → bad-target and no request", async function () {
      const p = awsProvider(fake, {
        endpoints: JSON.stringify([{ configservice: fake.url, sts: "::::" }]),
        assumeRoles: JSON.stringify([{ roleArn: "arn:aws:iam::210987654321:role/audit" }]),
      });
      const r = recorder("rec-badsts", p);
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "bad-target");
      assert.match(f.detail, /sts endpoint/);
      assert.equal(fake.requests.length, 0);
    });
  });

  describe("credentials", function () {
    it("signs with the static keys and sends the session token", async function () {
      fake.recorders.set("eu-west-1/rec-token", { recording: true });
      const r = recorder("rec-token", awsProvider(fake, { token: SESSION_TOKEN }));
      recorderFound(entryOf(await run(stack(r)), r).outcome);
      const call = fake.requests[0];
      assert.equal(call?.accessKeyId, ACCESS_KEY);
      assert.equal(call?.sessionToken, SESSION_TOKEN);
    });

    it("assumes the provider's role through its STS endpoint and signs the call with the assumed key", async function () {
      const roleArn = "arn:aws:iam::210987654321:role/audit";
      fake.roles.set(roleArn, "ASIAASSUMED1");
      fake.recorders.set("eu-west-1/rec-role", { recording: true });
      const arn = trailArn("eu-west-1", "role-trail", "210987654321");
      fake.trails.set(arn, { IsLogging: true });
      const p = awsProvider(fake, {
        assumeRoles: JSON.stringify([{ roleArn, sessionName: "audit-session", externalId: "ext-1", duration: "1h" }]),
      });
      const r = recorder("rec-role", p);
      const t = trail("role-trail", p, { arn });
      const entries = await run(stack(r, t));
      assert.equal(recorderFound(entryOf(entries, r).outcome).recording, true);
      assert.equal(trailFound(entryOf(entries, t).outcome).isLogging, true);
      assert.equal(entryOf(entries, r).spec.account, "210987654321");

      const assumes = fake.calls("AssumeRole");
      assert.equal(assumes.length, 1, "one AssumeRole per round, shared by both calls");
      assert.equal(assumes[0]?.service, "sts");
      assert.equal(assumes[0]?.accessKeyId, ACCESS_KEY);
      assert.equal(assumes[0]?.region, "eu-west-1");
      assert.equal(assumes[0]?.body["RoleArn"], roleArn);
      assert.equal(assumes[0]?.body["RoleSessionName"], "audit-session");
      assert.equal(assumes[0]?.body["ExternalId"], "ext-1");
      assert.equal(assumes[0]?.body["DurationSeconds"], "3600");

      for (const action of ["DescribeConfigurationRecorderStatus", "GetTrailStatus"]) {
        const call = fake.calls(action)[0];
        assert.equal(call?.accessKeyId, "ASIAASSUMED1", action);
        assert.equal(call?.sessionToken, "assumed-token-ASIAASSUMED1", action);
      }
    });

    it("chains roles in order, each hop signed with the previous hop's key", async function () {
      const first = "arn:aws:iam::111111111111:role/hop1";
      const second = "arn:aws:iam::222222222222:role/hop2";
      fake.roles.set(first, "ASIAHOP1");
      fake.roles.set(second, "ASIAHOP2");
      fake.recorders.set("eu-west-1/rec-chain", { recording: true });
      const p = awsProvider(fake, { assumeRoles: JSON.stringify([{ roleArn: first }, { roleArn: second }]) });
      const r = recorder("rec-chain", p);
      const e = entryOf(await run(stack(r)), r);
      recorderFound(e.outcome);
      const assumes = fake.calls("AssumeRole");
      assert.deepEqual(
        assumes.map((a) => [a.body["RoleArn"], a.accessKeyId]),
        [
          [first, ACCESS_KEY],
          [second, "ASIAHOP1"],
        ],
      );
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus")[0]?.accessKeyId, "ASIAHOP2");
      assert.equal(e.spec.account, "222222222222");
    });

    it("a role STS will not let us assume → access-denied, and no status call", async function () {
      const p = awsProvider(fake, {
        assumeRoles: JSON.stringify([{ roleArn: "arn:aws:iam::210987654321:role/forbidden" }]),
      });
      const r = recorder("rec-forbidden", p);
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "access-denied");
      assert.match(f.detail, /^sts:AssumeRole on arn:aws:iam::210987654321:role\/forbidden failed: /);
      // The permission to grant is the role's trust, not the status call's.
      assert.equal(f.permission, "sts:AssumeRole on arn:aws:iam::210987654321:role/forbidden");
      assert.equal(f.code, "AccessDenied");
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus").length, 0);
      assert.equal(fake.calls("AssumeRole").length, 1);
    });

    it("retries a transient STS failure instead of reusing the failed credentials", async function () {
      const roleArn = "arn:aws:iam::210987654321:role/flaky-sts";
      fake.roles.set(roleArn, "ASIAFLAKY1");
      fake.recorders.set("eu-west-1/rec-flaky-sts", { recording: true });
      fake.fault = onAction("AssumeRole", (n) => (n === 1 ? { kind: "reply", status: 503, body: "busy" } : undefined));
      const p = awsProvider(fake, { assumeRoles: JSON.stringify([{ roleArn }]) });
      const r = recorder("rec-flaky-sts", p);
      const v = recorderFound(entryOf(await run(stack(r)), r).outcome);
      assert.equal(v.recording, true);
      assert.equal(fake.calls("AssumeRole").length, 2);
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus")[0]?.accessKeyId, "ASIAFLAKY1");
    });

    it("signs AssumeRole for the provider's stsRegion when it sets one", async function () {
      const roleArn = "arn:aws:iam::210987654321:role/sts-region";
      fake.roles.set(roleArn, "ASIASTSREGION1");
      fake.recorders.set("eu-west-1/rec-sts", { recording: true });
      const r = recorder(
        "rec-sts",
        awsProvider(fake, { stsRegion: "us-east-1", assumeRoles: JSON.stringify([{ roleArn }]) }),
      );
      recorderFound(entryOf(await run(stack(r)), r).outcome);
      assert.equal(fake.calls("AssumeRole")[0]?.region, "us-east-1");
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus")[0]?.region, "eu-west-1");
    });

    it("redacts credentials the SDK resolved itself (a profile) when an error echoes them", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-aws-"));
      const file = path.join(dir, "credentials");
      const secret = "profile-only-secret-Rr55Nn";
      fs.writeFileSync(file, `[echo]\naws_access_key_id = AKIAPROFILEECHO00001\naws_secret_access_key = ${secret}\n`);
      try {
        fake.fault = () => ({
          kind: "error",
          status: 400,
          code: "AccessDeniedException",
          message: `denied for ${secret}`,
        });
        const p = providerView({
          region: "eu-west-1",
          profile: "echo",
          sharedCredentialsFiles: JSON.stringify([file]),
          endpoints: JSON.stringify([{ configservice: fake.url }]),
        });
        const r = recorder("rec-echo", p);
        const entries = await run(stack(r));
        assert.equal(failureOf(entryOf(entries, r).outcome).reason, "access-denied");
        assert.ok(!JSON.stringify(entries).includes(secret), "the profile's secret was echoed");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("reads a named profile from the provider's shared credentials file", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-aws-"));
      const file = path.join(dir, "credentials");
      fs.writeFileSync(
        file,
        "[audit]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = profile-secret-Tt61Mm\n",
      );
      try {
        fake.recorders.set("eu-west-1/rec-profile", { recording: true });
        const p = providerView({
          region: "eu-west-1",
          profile: "audit",
          sharedCredentialsFiles: JSON.stringify([file]),
          endpoints: JSON.stringify([{ configservice: fake.url }]),
        });
        const r = recorder("rec-profile", p);
        recorderFound(entryOf(await run(stack(r)), r).outcome);
        assert.equal(fake.requests[0]?.accessKeyId, "AKIAPROFILEKEY000001");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("assumes the provider's web identity role with the token, unsigned, then signs with the role's key", async function () {
      const roleArn = "arn:aws:iam::555555555555:role/ci";
      fake.webIdentityRoles.set(roleArn, { token: "eyJ-token-inline-0001", key: "ASIAWEBKEY000001" });
      fake.recorders.set("eu-west-1/rec-web", { recording: true });
      const p = providerView({
        region: "eu-west-1",
        endpoints: JSON.stringify([{ configservice: fake.url, sts: fake.url }]),
        assumeRoleWithWebIdentity: JSON.stringify({
          roleArn,
          sessionName: "ci-session",
          webIdentityToken: "eyJ-token-inline-0001",
          duration: "15m",
          policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        }),
      });
      const r = recorder("rec-web", p);
      const e = entryOf(await run(stack(r)), r);
      recorderFound(e.outcome);
      const [web] = fake.calls("AssumeRoleWithWebIdentity");
      assert.equal(web?.accessKeyId, undefined, "AssumeRoleWithWebIdentity is not signed");
      assert.equal(web?.body["RoleArn"], roleArn);
      assert.equal(web?.body["RoleSessionName"], "ci-session");
      assert.equal(web?.body["DurationSeconds"], "900");
      assert.equal(web?.body["PolicyArns.member.1.arn"], "arn:aws:iam::aws:policy/ReadOnlyAccess");
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus")[0]?.accessKeyId, "ASIAWEBKEY000001");
      assert.equal(e.spec.account, "555555555555");
      assert.ok(!JSON.stringify(e).includes("eyJ-token-inline-0001"));
    });

    it("reads the web identity token file when the call is made, and chains assumeRoles after it", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-aws-"));
      const tokenFile = path.join(dir, "token");
      fs.writeFileSync(tokenFile, "eyJ-token-from-file-0002\n");
      const webRole = "arn:aws:iam::555555555555:role/ci";
      const hop = "arn:aws:iam::666666666666:role/audit";
      fake.webIdentityRoles.set(webRole, { token: "eyJ-token-from-file-0002", key: "ASIAWEBKEY000002" });
      fake.roles.set(hop, "ASIAHOPKEY000002");
      fake.trails.set(trailArn("eu-west-1", "trail-web", "666666666666"), { IsLogging: true });
      try {
        const p = providerView({
          region: "eu-west-1",
          endpoints: JSON.stringify([{ cloudtrail: fake.url, sts: fake.url }]),
          assumeRoleWithWebIdentity: { roleArn: webRole, webIdentityTokenFile: tokenFile },
          assumeRoles: JSON.stringify([{ roleArn: hop }]),
        });
        const t = trail("trail-web", p, { arn: trailArn("eu-west-1", "trail-web", "666666666666") });
        trailFound(entryOf(await run(stack(t), AWS_TRAIL_POLICY), t).outcome);
        assert.equal(fake.calls("AssumeRole")[0]?.accessKeyId, "ASIAWEBKEY000002", "the hop is signed by the web role");
        assert.equal(fake.calls("GetTrailStatus")[0]?.accessKeyId, "ASIAHOPKEY000002");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("a rejected web identity token names sts:AssumeRoleWithWebIdentity on the role, and never shows the token", async function () {
      const roleArn = "arn:aws:iam::555555555555:role/ci";
      fake.webIdentityRoles.set(roleArn, { token: "the-right-token-0003", key: "ASIAWEBKEY000003" });
      const p = providerView({
        region: "eu-west-1",
        endpoints: JSON.stringify([{ configservice: fake.url, sts: fake.url }]),
        assumeRoleWithWebIdentity: { roleArn, webIdentityToken: "eyJ-wrong-token-0003" },
      });
      const r = recorder("rec-web-denied", p);
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.equal(f.reason, "access-denied");
      assert.equal(f.permission, `sts:AssumeRoleWithWebIdentity on ${roleArn}`);
      assert.equal(fake.calls("DescribeConfigurationRecorderStatus").length, 0);
      assert.ok(!JSON.stringify(f).includes("eyJ-wrong-token-0003"));
    });

    it("merges every shared credentials and config file as the Go SDK does: later files win, key by key", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-aws-"));
      const write = (name: string, text: string): string => {
        fs.writeFileSync(path.join(dir, name), text);
        return path.join(dir, name);
      };
      const creds1 = write(
        "creds1",
        "[audit]\naws_access_key_id = AKIAFIRSTFILE000001\naws_secret_access_key = first-secret-000001\n" +
          "[base]\naws_access_key_id = AKIABASEPROFILE0001\naws_secret_access_key = base-secret-000001\n",
      );
      const creds2 = write(
        "creds2",
        "[audit]\naws_access_key_id = AKIASECONDFILE00001\naws_secret_access_key = second-secret-00001\n",
      );
      const config1 = write("config1", "[profile chained]\nregion = eu-west-1\n");
      const config2 = write(
        "config2",
        "[profile chained]\nrole_arn = arn:aws:iam::777777777777:role/from-profile\nsource_profile = base\n",
      );
      fake.roles.set("arn:aws:iam::777777777777:role/from-profile", "ASIAPROFILEROLE001");
      fake.recorders.set("eu-west-1/rec-files", { recording: true });
      const tmpBefore = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("auditguard-aws-ini-"));
      try {
        const files = {
          sharedCredentialsFiles: JSON.stringify([creds1, path.join(dir, "missing"), creds2]),
          sharedConfigFiles: JSON.stringify([config1, config2]),
          endpoints: JSON.stringify([{ configservice: fake.url, sts: fake.url }]),
          region: "eu-west-1",
        };
        const later = recorder("rec-files", providerView({ ...files, profile: "audit" }));
        recorderFound(entryOf(await run(stack(later)), later).outcome);
        assert.equal(fake.calls("DescribeConfigurationRecorderStatus")[0]?.accessKeyId, "AKIASECONDFILE00001");
        // A profile whose role is in the second config file and whose source keys are in the first credentials file.
        const chained = recorder("rec-files", providerView({ ...files, profile: "chained" }));
        recorderFound(entryOf(await run(stack(chained)), chained).outcome);
        assert.equal(fake.calls("AssumeRole")[0]?.accessKeyId, "AKIABASEPROFILE0001");
        assert.equal(fake.calls("DescribeConfigurationRecorderStatus")[1]?.accessKeyId, "ASIAPROFILEROLE001");
        const tmpAfter = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("auditguard-aws-ini-"));
        assert.deepEqual(tmpAfter, tmpBefore, "the merged copies are removed with the round");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("no credentials anywhere → no-credentials, and no request", async function () {
      const keys = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_CONFIG_FILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      ];
      const saved = new Map(keys.map((k) => [k, process.env[k]]));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-aws-"));
      for (const k of keys) setEnv(k, undefined);
      process.env["AWS_SHARED_CREDENTIALS_FILE"] = path.join(dir, "none");
      process.env["AWS_CONFIG_FILE"] = path.join(dir, "none-either");
      try {
        const p = providerView({ region: "eu-west-1", endpoints: JSON.stringify([{ configservice: fake.url }]) });
        const r = recorder("rec-nocreds", p);
        const f = failureOf(entryOf(await run(stack(r)), r).outcome);
        assert.equal(f.reason, "no-credentials");
        assert.equal(fake.requests.length, 0);
      } finally {
        for (const [k, v] of saved) setEnv(k, v);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("the shared round", function () {
    it("makes one request for two resources with the same target", async function () {
      fake.recorders.set("eu-west-1/rec-dup", { recording: true });
      const p = awsProvider(fake);
      const a = recorder("rec-dup", p);
      const b = recorder("rec-dup", p);
      const entries = await run(stack(a, b));
      assert.deepEqual(entryOf(entries, a).outcome, entryOf(entries, b).outcome);
      recorderFound(entryOf(entries, a).outcome);
      assert.equal(fake.requests.length, 1);
      assert.equal(lastRoundStats()?.deduplicated, 1);
      assert.equal(lastRoundStats()?.calls, 1);
    });

    it("does not merge the same name in different regions", async function () {
      fake.recorders.set("eu-west-1/rec-two", { recording: true });
      fake.recorders.set("us-east-1/rec-two", { recording: false });
      const p = awsProvider(fake);
      const a = recorder("rec-two", p);
      const b = recorder("rec-two", p, { region: "us-east-1" });
      const entries = await run(stack(a, b));
      assert.equal(recorderFound(entryOf(entries, a).outcome).recording, true);
      assert.equal(recorderFound(entryOf(entries, b).outcome).recording, false);
      assert.deepEqual(fake.requests.map((q) => q.region).sort(), ["eu-west-1", "us-east-1"]);
    });

    it("runs every kind's calls once for all policies, and again when a policy asks twice", async function () {
      fake.recorders.set("eu-west-1/rec-round", { recording: true });
      const arn = trailArn("eu-west-1", "trail-round");
      fake.trails.set(arn, { IsLogging: true });
      const p = awsProvider(fake);
      const view = stack(recorder("rec-round", p), trail("trail-round", p, { arn }));

      const first = await run(view, AWS_RECORDER_POLICY);
      assert.equal(first.length, 2);
      assert.equal(fake.requests.length, 2, "one round plans both kinds");

      const other = await run(view, AWS_TRAIL_POLICY);
      assert.equal(other.length, 2);
      assert.equal(fake.requests.length, 2, "another policy of the same analysis shares the round");

      await run(view, AWS_RECORDER_POLICY);
      assert.equal(fake.requests.length, 4, "the same policy asking again starts a new round");
      assert.deepEqual(fake.requests.map((q) => q.action).sort(), [
        "DescribeConfigurationRecorderStatus",
        "DescribeConfigurationRecorderStatus",
        "GetTrailStatus",
        "GetTrailStatus",
      ]);
    });

    it("makes only read-only calls", async function () {
      const roleArn = "arn:aws:iam::210987654321:role/ro";
      fake.roles.set(roleArn, "ASIAREADONLY");
      fake.recorders.set("eu-west-1/rec-ro", { recording: true });
      const arn = trailArn("eu-west-1", "trail-ro");
      fake.trails.set(arn, { IsLogging: true });
      const p = awsProvider(fake, { assumeRoles: JSON.stringify([{ roleArn }]) });
      await run(stack(recorder("rec-ro", p), recorder("rec-ro-missing", p), trail("trail-ro", p, { arn })));
      assert.ok(fake.requests.length >= 4);
      for (const req of fake.requests) assert.ok(READ_ONLY_ACTIONS.has(req.action), req.action);
    });

    it("never puts the provider's secrets in the entries, even when the service echoes them", async function () {
      const echo = `key ${ACCESS_KEY} secret ${SECRET_KEY} token ${SESSION_TOKEN}`;
      fake.fault = (req) =>
        req.service === "sts"
          ? undefined
          : {
              kind: "error",
              status: 400,
              code: req.action === "GetTrailStatus" ? "TrailNotFoundException" : "AccessDeniedException",
              message: echo,
            };
      const arn = trailArn("eu-west-1", "trail-echo");
      const p = awsProvider(fake, { token: SESSION_TOKEN });
      const r = recorder("rec-echo", p);
      const t = trail("trail-echo", p, { arn });
      const entries = await run(stack(r, t));
      assert.equal(failureOf(entryOf(entries, r).outcome).reason, "access-denied");
      assert.equal(okValue<NotFound>(entryOf(entries, t).outcome).found, false);
      const text = JSON.stringify(entries);
      assert.ok(text.includes("[redacted]"), "the echoed values were replaced");
      for (const secret of [SECRET_KEY, SESSION_TOKEN, ACCESS_KEY]) assert.ok(!text.includes(secret), secret);
    });
  });
});

// Mocha runs top-level suites in order: this one sees what every test of the suite above sent.
describe("read-only across every adapter test", function () {
  it("every request any test sent was a status read or an STS identity call", function () {
    assert.ok(everyRequest.length > 20, `saw ${everyRequest.length} requests`);
    const others = everyRequest.filter((r) => !READ_ONLY_ACTIONS.has(r.action));
    assert.deepEqual(
      others.map((r) => `${r.service}.${r.action}`),
      [],
    );
  });
});

describe("classify (error mapping without a server)", function () {
  it("maps credential, network, parse and server errors", function () {
    const cases: [unknown, CheckFailure["reason"]][] = [
      [
        Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
        "no-credentials",
      ],
      [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), "endpoint-error"],
      [Object.assign(new Error("Request aborted"), { name: "AbortError" }), "timeout"],
      [Object.assign(new Error("socket timed out"), { name: "TimeoutError", code: "ETIMEDOUT" }), "timeout"],
      [
        Object.assign(new Error("Unexpected token < in JSON. Deserialization error"), {
          name: "SyntaxError",
          $metadata: { httpStatusCode: 200 },
        }),
        "malformed-reply",
      ],
      [
        Object.assign(new Error("Unexpected token < in JSON. Deserialization error"), {
          name: "SyntaxError",
          $metadata: { httpStatusCode: 502 },
        }),
        "service-error",
      ],
      [Object.assign(new Error("Too many"), { name: "Weird", $metadata: { httpStatusCode: 429 } }), "throttled"],
      [Object.assign(new Error("boom"), { name: "InternalFailure", $fault: "server" }), "service-error"],
      [Object.assign(new Error("denied"), { name: "AccessDenied" }), "access-denied"],
      [Object.assign(new Error("expired"), { name: "ExpiredTokenException" }), "invalid-credentials"],
      ["a string", "unexpected-error"],
      [undefined, "unexpected-error"],
    ];
    for (const [error, reason] of cases) assert.equal(classify(error).reason, reason, String(error));
  });
});

describe("withDeadline", function () {
  it("returns the work's value, and the signal stays quiet", async function () {
    let seen: AbortSignal | undefined;
    const v = await withDeadline(60_000, async (signal) => {
      seen = signal;
      return 42;
    });
    assert.equal(v, 42);
    assert.equal(seen?.aborted, false);
  });

  it("passes the work's own error through", async function () {
    const boom = new Error("boom");
    await assert.rejects(
      withDeadline(60_000, () => Promise.reject(boom)),
      (e) => e === boom,
    );
  });

  it("rejects with DeadlineExceeded when the work never settles, and aborts its signal", async function () {
    let seen: AbortSignal | undefined;
    await assert.rejects(
      withDeadline(5, (signal) => {
        seen = signal;
        return new Promise<never>(() => undefined);
      }),
      (e) => e instanceof DeadlineExceeded && e.ms === 5,
    );
    assert.equal(seen?.aborted, true);
    assert.ok(seen?.reason instanceof DeadlineExceeded);
  });

  it("rejects with DeadlineExceeded, not the work's abort error, when the work honours the signal", async function () {
    await assert.rejects(
      withDeadline(
        5,
        (signal) =>
          new Promise<never>((_, reject) =>
            signal.addEventListener("abort", () => reject(new Error("work saw the abort")), { once: true }),
          ),
      ),
      (e) => e instanceof DeadlineExceeded,
    );
  });

  it("a non-positive deadline still gives the work a chance to be refused in time", async function () {
    await assert.rejects(
      withDeadline(0, () => new Promise<never>(() => undefined)),
      (e) => e instanceof DeadlineExceeded,
    );
  });
});

describe("RateLimiter (with a controlled clock)", function () {
  /** A clock whose time only moves when the test says so; sleeps wait for the test to release them. */
  class TestClock implements Clock {
    time = 0;
    readonly sleeps: { ms: number; release: () => void; signal: AbortSignal }[] = [];
    private waiters: (() => void)[] = [];
    now(): number {
      return this.time;
    }
    sleep(ms: number, signal: AbortSignal): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason as Error);
        const onAbort = (): void => reject(signal.reason as Error);
        signal.addEventListener("abort", onAbort, { once: true });
        this.sleeps.push({
          ms,
          signal,
          release: () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          },
        });
        for (const w of this.waiters.splice(0)) w();
      });
    }
    /** Resolves once someone is sleeping. */
    async sleeping(): Promise<{ ms: number; release: () => void }> {
      while (this.sleeps.length === 0) await new Promise<void>((r) => this.waiters.push(r));
      return this.sleeps.shift() as { ms: number; release: () => void };
    }
  }

  const never = new AbortController().signal;

  it("lets perSecond acquisitions through without waiting", async function () {
    const clock = new TestClock();
    const limiter = new RateLimiter(3, clock);
    await Promise.all([limiter.acquire(never), limiter.acquire(never), limiter.acquire(never)]);
    assert.equal(clock.sleeps.length, 0);
  });

  it("makes the next one wait until the oldest start is a second old", async function () {
    const clock = new TestClock();
    const limiter = new RateLimiter(2, clock);
    await limiter.acquire(never);
    clock.time = 400;
    await limiter.acquire(never);
    let third = false;
    const p = limiter.acquire(never).then(() => {
      third = true;
    });
    const s = await clock.sleeping();
    assert.equal(s.ms, 601, "waits for the start at t=0 to leave the window");
    assert.equal(third, false);
    clock.time = 1001;
    s.release();
    await p;
    assert.equal(third, true);
    // The window now holds t=400 and t=1001: a fourth waits for t=400 to expire.
    const q = limiter.acquire(never);
    const s2 = await clock.sleeping();
    assert.equal(s2.ms, 400);
    clock.time = 1400;
    s2.release();
    await q;
  });

  it("counts over a wider window when asked (room for send jitter)", async function () {
    const clock = new TestClock();
    const limiter = new RateLimiter(1, clock, 1150);
    await limiter.acquire(never);
    clock.time = 1000;
    const p = limiter.acquire(never);
    const s = await clock.sleeping();
    assert.equal(s.ms, 151, "a start at t=0 stays in a 1150 ms window until t=1150");
    clock.time = 1151;
    s.release();
    await p;
  });

  it("serves waiters in order", async function () {
    const clock = new TestClock();
    const limiter = new RateLimiter(1, clock);
    const order: number[] = [];
    await limiter.acquire(never);
    const a = limiter.acquire(never).then(() => order.push(1));
    const b = limiter.acquire(never).then(() => order.push(2));
    const s = await clock.sleeping();
    clock.time = 1000;
    s.release();
    await a;
    const s2 = await clock.sleeping();
    clock.time = 2000;
    s2.release();
    await b;
    assert.deepEqual(order, [1, 2]);
  });

  it("an aborted waiter rejects and does not block or use up later turns", async function () {
    const clock = new TestClock();
    const limiter = new RateLimiter(1, clock);
    await limiter.acquire(never);
    const ac = new AbortController();
    const waiting = limiter.acquire(ac.signal);
    await clock.sleeping();
    ac.abort(new Error("gave up"));
    await assert.rejects(waiting, /gave up/);
    clock.time = 1000;
    await limiter.acquire(never); // the aborted one took no turn: this gets the free slot at once
    assert.equal(clock.sleeps.length, 0);
  });

  it("an already-aborted signal rejects at once and takes no turn", async function () {
    const clock = new TestClock();
    const limiter = new RateLimiter(1, clock);
    const ac = new AbortController();
    ac.abort(new Error("too late"));
    await assert.rejects(limiter.acquire(ac.signal), /too late/);
    await limiter.acquire(never);
    assert.equal(clock.sleeps.length, 0, "the slot was still free");
  });
});
