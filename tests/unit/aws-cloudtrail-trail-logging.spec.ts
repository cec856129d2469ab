import assert from "node:assert/strict";
import type { NotFound, TrailStatus } from "../../lib/aws/sdk";
import {
  type DeliveryRules,
  judgeTrail,
  staleDelivery,
  type TrailIntent,
} from "../../policies/aws-cloudtrail-trail-logging";
import { HOUR, MINUTE, NOW } from "./support";

const where = "'arn:aws:cloudtrail:us-east-1:123456789012:trail/main' (region us-east-1)";
const rules: DeliveryRules = { maxDeliveryAgeHours: 24, newTrailGraceMinutes: 60, cloudWatchConfigured: false };

const healthy: TrailStatus = {
  found: true,
  isLogging: true,
  latestDeliveryError: undefined,
  latestDigestDeliveryError: undefined,
  latestNotificationError: undefined,
  latestCloudWatchLogsDeliveryError: undefined,
  latestDeliveryTime: NOW - 10 * MINUTE,
  latestCloudWatchLogsDeliveryTime: NOW - 5 * MINUTE,
  startLoggingTime: NOW - 30 * 24 * HOUR,
  stopLoggingTime: undefined,
};
const ARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/main";
const on: TrailIntent = {
  logging: true,
  deliveryExpected: true,
  trail: ARN,
  region: "us-east-1",
  loggingProp: "enableLogging",
  declaredAs: "aws.cloudtrail.Trail",
};
const judge = (s: Partial<TrailStatus>, r: Partial<DeliveryRules> = {}, intent: Partial<TrailIntent> = {}) =>
  judgeTrail({ ...healthy, ...s }, where, { ...rules, ...r }, { ...on, ...intent }, NOW);

describe("aws-cloudtrail-trail-logging: staleDelivery", () => {
  const r = { maxDeliveryAgeHours: 24, newTrailGraceMinutes: 60 };

  it("no start time (org trail seen from a member account) is no data, not a violation", () => {
    assert.equal(staleDelivery(undefined, undefined, r, NOW), undefined);
    assert.equal(staleDelivery(undefined, NOW - 400 * HOUR, r, NOW), undefined);
  });

  it("a trail started inside the grace window may have no delivery yet", () => {
    assert.equal(staleDelivery(NOW - 5 * MINUTE, undefined, r, NOW), undefined);
    assert.equal(staleDelivery(NOW - 60 * MINUTE, undefined, r, NOW), undefined);
  });

  it("no delivery after the grace window is stale", () => {
    const msg = staleDelivery(NOW - 61 * MINUTE, undefined, r, NOW);
    assert.match(
      msg ?? "",
      /has delivered no log file since it started logging at 2026-03-01T10:59:00Z \(61 min ago\)/,
    );
  });

  it("a delivery older than maxDeliveryAgeHours is stale", () => {
    const msg = staleDelivery(NOW - 30 * 24 * HOUR, NOW - 25 * HOUR, r, NOW);
    assert.match(
      msg ?? "",
      /last delivered a log file at 2026-02-28T11:00:00Z \(25 h ago\), older than maxDeliveryAgeHours=24/,
    );
    assert.equal(staleDelivery(NOW - 30 * 24 * HOUR, NOW - 24 * HOUR, r, NOW), undefined);
    assert.equal(
      staleDelivery(NOW - 30 * 24 * HOUR, NOW - 25 * HOUR, { ...r, maxDeliveryAgeHours: 48 }, NOW),
      undefined,
    );
  });

  it("a recent delivery is fine", () => {
    assert.equal(staleDelivery(NOW - 30 * 24 * HOUR, NOW - HOUR, r, NOW), undefined);
  });

  it("newTrailGraceMinutes 0 judges at once", () => {
    assert.notEqual(staleDelivery(NOW - MINUTE, undefined, { ...r, newTrailGraceMinutes: 0 }, NOW), undefined);
  });
});

describe("aws-cloudtrail-trail-logging: judgeTrail", () => {
  it("a logging trail with a recent delivery and no errors is fine", () => {
    assert.deepEqual(judge({}), []);
  });

  it("a trail that does not exist says so", () => {
    const missing: NotFound = {
      found: false,
      detail: "Unknown trail: arn:aws:cloudtrail:us-east-1:123456789012:trail/main",
    };
    const out = judgeTrail(missing, where, rules, on, NOW);
    assert.equal(out.length, 1);
    assert.match(
      out[0] ?? "",
      /^CloudTrail trail 'arn:aws:cloudtrail:us-east-1:123456789012:trail\/main' \(region us-east-1\) does not exist \(Unknown trail:/,
    );
  });

  it("IsLogging false names the stop time; freshness is not judged then", () => {
    const out = judge({
      isLogging: false,
      stopLoggingTime: Date.UTC(2026, 1, 20, 0, 0, 0),
      latestDeliveryTime: NOW - 400 * HOUR,
    });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /is not logging \(IsLogging=false since 2026-02-20T00:00:00Z\)/);
    assert.match(out[0] ?? "", /start-logging/);
  });

  it("an absent IsLogging is not logging", () => {
    const out = judge({ isLogging: undefined });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /IsLogging=absent\)/);
  });

  const errors: [keyof TrailStatus, string][] = [
    ["latestDeliveryError", "LatestDeliveryError"],
    ["latestDigestDeliveryError", "LatestDigestDeliveryError"],
    ["latestNotificationError", "LatestNotificationError"],
  ];
  for (const [key, label] of errors) {
    it(`${label} is a violation`, () => {
      const out = judge({ [key]: "AccessDenied:\nbucket policy" });
      assert.equal(out.length, 1);
      assert.match(out[0] ?? "", new RegExp(`reports ${label}=AccessDenied: bucket policy\\.`));
    });
  }

  it("LatestCloudWatchLogsDeliveryError counts only when CloudWatch Logs is configured", () => {
    assert.deepEqual(judge({ latestCloudWatchLogsDeliveryError: "AccessDeniedException" }), []);
    const out = judge({ latestCloudWatchLogsDeliveryError: "AccessDeniedException" }, { cloudWatchConfigured: true });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /LatestCloudWatchLogsDeliveryError=AccessDeniedException/);
  });

  it("an empty error string is no error", () => {
    assert.deepEqual(judge({ latestDeliveryError: "" }, { cloudWatchConfigured: true }), []);
  });

  it("every error is reported, with not logging", () => {
    const out = judge(
      {
        isLogging: false,
        latestDeliveryError: "a",
        latestDigestDeliveryError: "b",
        latestNotificationError: "c",
        latestCloudWatchLogsDeliveryError: "d",
      },
      { cloudWatchConfigured: true },
    );
    assert.equal(out.length, 5);
  });

  it("a brand-new trail with no delivery inside newTrailGraceMinutes is fine", () => {
    assert.deepEqual(
      judge({
        startLoggingTime: NOW - 10 * MINUTE,
        latestDeliveryTime: undefined,
        latestCloudWatchLogsDeliveryTime: undefined,
      }),
      [],
    );
  });

  it("no delivery after the grace is a violation", () => {
    const out = judge({ startLoggingTime: NOW - 2 * HOUR, latestDeliveryTime: undefined });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /has delivered no log file since it started logging/);
    assert.equal(
      judge({ startLoggingTime: NOW - 2 * HOUR, latestDeliveryTime: undefined }, { newTrailGraceMinutes: 180 }).length,
      0,
    );
  });

  it("a delivery older than maxDeliveryAgeHours is a violation", () => {
    const out = judge({ latestDeliveryTime: NOW - 30 * HOUR });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /older than maxDeliveryAgeHours=24/);
    assert.deepEqual(judge({ latestDeliveryTime: NOW - 30 * HOUR }, { maxDeliveryAgeHours: 36 }), []);
  });

  it("no StartLoggingTime (org trail in a member account) gives no freshness violation", () => {
    assert.deepEqual(judge({ startLoggingTime: undefined, latestDeliveryTime: undefined }), []);
    assert.deepEqual(judge({ startLoggingTime: undefined, latestDeliveryTime: NOW - 1000 * HOUR }), []);
  });
});
