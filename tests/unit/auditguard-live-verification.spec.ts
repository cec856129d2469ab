import assert from "node:assert/strict";
import type { CheckFailure } from "../../lib/live/outcome";
import type { LiveEntry } from "../../lib/live/round";
import { describeFailure } from "../../policies/auditguard-live-verification";

const trailArn = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main";

function entry(spec: Partial<LiveEntry<unknown>["spec"]> = {}): LiveEntry<unknown> {
  const failure: CheckFailure = { reason: "access-denied", detail: "x" };
  return {
    kind: "aws-cloudtrail-trail",
    label: "CloudTrail trail",
    policyName: "aws-cloudtrail-trail-logging",
    urn: "urn:pulumi:dev::proj::aws:cloudtrail/trail:Trail::main",
    spec: {
      cloud: "aws",
      action: "GetTrailStatus",
      permission: "cloudtrail:GetTrailStatus",
      region: "eu-west-1",
      account: "123456789012",
      target: trailArn,
      ...spec,
    },
    outcome: { ok: false, failure },
  };
}

describe("auditguard-live-verification: describeFailure", () => {
  it("names the resource, region, account, API action, permission, code, HTTP status and request id", () => {
    const msg = describeFailure(entry(), {
      reason: "access-denied",
      detail:
        "User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: cloudtrail:GetTrailStatus",
      code: "AccessDeniedException",
      httpStatus: 400,
      requestId: "req-1",
    });
    assert.match(msg, /^Could not verify CloudTrail trail 'arn:aws:cloudtrail:eu-west-1:123456789012:trail\/main' /);
    assert.match(msg, /\(region eu-west-1, account 123456789012\)/);
    assert.match(msg, /access was denied calling GetTrailStatus: User: .* is not authorized/);
    assert.match(msg, /\[code AccessDeniedException, HTTP 400, request id req-1\]/);
    assert.match(msg, /Grant the permission below/);
    assert.match(msg, /Needed permission: cloudtrail:GetTrailStatus\./);
    assert.match(msg, /aws-cloudtrail-trail-logging has not verified this resource\.$/);
  });

  it("says when the region is unknown and adds API region and endpoint when set", () => {
    const msg = describeFailure(entry({ region: undefined, account: undefined }), { reason: "bad-target", detail: "" });
    assert.match(msg, /\(region unknown\)/);
    assert.ok(!msg.includes("account"));
    const ali = describeFailure(
      entry({
        cloud: "alicloud",
        action: "GetConfigurationRecorder",
        permission: "config:GetConfigurationRecorder",
        region: "cn-hangzhou",
        apiRegion: "cn-shanghai",
        endpoint: "http://127.0.0.1:9000",
      }),
      { reason: "timeout", detail: "deadline 10 s" },
    );
    assert.match(
      ali,
      /\(region cn-hangzhou, API region cn-shanghai, account 123456789012, endpoint http:\/\/127\.0\.0\.1:9000\)/,
    );
    assert.match(ali, /did not finish before its deadline calling GetConfigurationRecorder: deadline 10 s\./);
    assert.match(ali, /raise timeoutSeconds/);
  });

  it("omits empty details and facts, and stays one line without double spaces", () => {
    const msg = describeFailure(entry(), { reason: "service-error", detail: "" });
    assert.match(msg, /the service answered with a server error calling GetTrailStatus\. Needed permission/);
    assert.ok(!msg.includes("["));
    assert.ok(!/\s{2}/.test(msg), msg);
    const multi = describeFailure(entry(), {
      reason: "malformed-reply",
      detail: "line one\nline two",
      httpStatus: 502,
    });
    assert.ok(!multi.includes("\n"));
    assert.match(multi, /: line one line two \[HTTP 502\]\./);
  });

  it("no credentials: each cloud's hint names where its credentials come from", () => {
    const aws = describeFailure(entry(), { reason: "no-credentials", detail: "d" });
    assert.match(aws, /the SDK's default chain \(environment, profile, SSO, web identity\)/);
    const ali = describeFailure(
      entry({ cloud: "alicloud", action: "GetTrailStatus", permission: "actiontrail:GetTrailStatus" }),
      { reason: "no-credentials", detail: "d" },
    );
    assert.match(ali, /accessKey\/secretKey, profile, credentialsUri, ecsRoleName or assumeRoleWithOidc/);
    assert.match(ali, /ALIBABA_CLOUD_ACCESS_KEY_ID/);
    assert.doesNotMatch(ali, /default chain|SSO/);
  });

  it("has a text for every failure reason", () => {
    const reasons: CheckFailure["reason"][] = [
      "no-credentials",
      "invalid-credentials",
      "access-denied",
      "throttled",
      "timeout",
      "endpoint-error",
      "service-error",
      "malformed-reply",
      "bad-target",
      "unexpected-error",
    ];
    for (const reason of reasons) {
      const msg = describeFailure(entry(), { reason, detail: "d" });
      assert.ok(!msg.includes("undefined"), `${reason}: ${msg}`);
      assert.match(msg, /calling GetTrailStatus: d\./);
    }
  });
});
