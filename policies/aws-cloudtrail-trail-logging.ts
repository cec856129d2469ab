// aws-cloudtrail-trail-logging: each declared CloudTrail trail is really logging and delivering, checked
// live with GetTrailStatus (trail ARN, home region).

import { AWS_TRAIL_POLICY, awsTrailKind } from "../lib/aws/kinds";
import type { NotFound, TrailStatus } from "../lib/aws/sdk";
import { liveFindings } from "../lib/live/findings";
import { maxDeliveryAgeHoursOption, newTrailGraceMinutesOption, timeoutSecondsOption } from "../lib/options";
import { field, knownStr } from "../lib/plain";
import { ago, at, stackPolicy } from "../lib/policy-kit";
import { quote } from "../lib/redact";
import { FRAMEWORKS } from "../lib/frameworks";

export const name = AWS_TRAIL_POLICY;
export const options = {
  timeoutSeconds: timeoutSecondsOption,
  maxDeliveryAgeHours: maxDeliveryAgeHoursOption,
  newTrailGraceMinutes: newTrailGraceMinutesOption,
};

export interface DeliveryRules {
  maxDeliveryAgeHours: number;
  newTrailGraceMinutes: number;
  /** The trail declares CloudWatch Logs delivery, so its delivery error matters. */
  cloudWatchConfigured: boolean;
}

/**
 * Delivery freshness shared by CloudTrail and ActionTrail: a trail logging for longer than the grace
 * window must have delivered within maxDeliveryAgeHours. No start time (e.g. an org trail seen from
 * a member account) means no data, not a violation.
 */
export function staleDelivery(
  startLoggingTime: number | undefined,
  latestDeliveryTime: number | undefined,
  rules: Pick<DeliveryRules, "maxDeliveryAgeHours" | "newTrailGraceMinutes">,
  nowMs: number,
): string | undefined {
  if (startLoggingTime === undefined || nowMs - startLoggingTime <= rules.newTrailGraceMinutes * 60_000)
    return undefined;
  if (latestDeliveryTime === undefined) {
    return `has delivered no log file since it started logging at ${at(startLoggingTime)} (${ago(nowMs, startLoggingTime)} ago)`;
  }
  if (nowMs - latestDeliveryTime > rules.maxDeliveryAgeHours * 3_600_000) {
    return (
      `last delivered a log file at ${at(latestDeliveryTime)} (${ago(nowMs, latestDeliveryTime)} ago), ` +
      `older than maxDeliveryAgeHours=${rules.maxDeliveryAgeHours}`
    );
  }
  return undefined;
}

export function judgeTrail(
  status: TrailStatus | NotFound,
  where: string,
  rules: DeliveryRules,
  nowMs: number,
): string[] {
  if (!status.found) {
    return [
      `CloudTrail trail ${where} does not exist (${status.detail}). It was deleted outside Pulumi: run ` +
        "`pulumi refresh`, then `pulumi up` to recreate it.",
    ];
  }
  const out: string[] = [];
  if (status.isLogging !== true) {
    const since = status.stopLoggingTime !== undefined ? ` since ${at(status.stopLoggingTime)}` : "";
    out.push(
      `CloudTrail trail ${where} is not logging (IsLogging=${String(status.isLogging ?? "absent")}${since}). ` +
        "Start it with `aws cloudtrail start-logging --name <trail ARN>` (in its home region), or run `pulumi refresh` then " +
        "`pulumi up --skip-preview` so enableLogging: true starts it (a preview would still see the trail stopped and block the fix).",
    );
  }
  const errors: [string, string | undefined][] = [
    ["LatestDeliveryError", status.latestDeliveryError],
    ["LatestDigestDeliveryError", status.latestDigestDeliveryError],
    ["LatestNotificationError", status.latestNotificationError],
  ];
  if (rules.cloudWatchConfigured)
    errors.push(["LatestCloudWatchLogsDeliveryError", status.latestCloudWatchLogsDeliveryError]);
  for (const [field, value] of errors) {
    if (value) {
      out.push(
        `CloudTrail trail ${where} reports ${field}=${quote(value)}. Fix the S3 bucket policy, KMS key policy, SNS topic ` +
          "policy or CloudWatch Logs role the trail delivers with.",
      );
    }
  }
  if (status.isLogging === true) {
    const stale = staleDelivery(status.startLoggingTime, status.latestDeliveryTime, rules, nowMs);
    if (stale) out.push(`CloudTrail trail ${where} ${stale}. Check the trail's S3 bucket and its bucket policy.`);
  }
  return out;
}

export const policy = stackPolicy({
  name,
  description: "Each declared CloudTrail trail is logging and delivering without errors, live (GetTrailStatus).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: FRAMEWORKS.cisAws31,
  tags: ["aws", "cloudtrail", "security-hub:CloudTrail.1", "live"],
  remediationSteps:
    "Start the trail (`aws cloudtrail start-logging --name <trail ARN>`), or `pulumi refresh` then `pulumi up --skip-preview` so enableLogging starts it; fix the bucket, KMS, SNS or CloudWatch Logs permissions named in the delivery error.",
  url: "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html",
  options,
  evaluate(view, config, raw) {
    const now = Date.now();
    return liveFindings(name, awsTrailKind, view, raw, (status, where, _e, resource) => {
      const cloudWatchConfigured = knownStr(field(resource?.props ?? {}, "cloudWatchLogsGroupArn")) !== undefined;
      return judgeTrail(status, where, { ...config, cloudWatchConfigured }, now);
    });
  },
});
