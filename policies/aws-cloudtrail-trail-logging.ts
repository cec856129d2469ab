// aws-cloudtrail-trail-logging: each declared CloudTrail trail is really logging and delivering, checked
// live with GetTrailStatus (trail ARN, home region).

import { AWS_TRAIL_POLICY, awsTrailKind } from "../lib/aws/kinds";
import type { NotFound, TrailStatus } from "../lib/aws/sdk";
import { type EntryJudge, liveFindings } from "../lib/live/findings";
import type { OptionValues } from "../lib/options";
import type { StackView } from "../lib/stack";
import {
  maxDeliveryAgeHoursOption,
  newTrailGraceMinutesOption,
  quietTrailsMustDeliverOption,
  timeoutSecondsOption,
} from "../lib/options";
import { field, knownStr } from "../lib/plain";
import { classicProps, declaredAs, propName } from "../lib/aws/native";
import { declaredNotLogging, recordsAllManagementEvents } from "./aws-cloudtrail-trail-declared";
import { ago, at, stackPolicy } from "../lib/policy-kit";
import { quote } from "../lib/redact";
import { FRAMEWORKS } from "../lib/frameworks";
import { stackName } from "../lib/engine";
import { startCommandFor } from "../lib/start-command";

export const name = AWS_TRAIL_POLICY;
export const options = {
  timeoutSeconds: timeoutSecondsOption,
  maxDeliveryAgeHours: maxDeliveryAgeHoursOption,
  newTrailGraceMinutes: newTrailGraceMinutesOption,
  quietTrailsMustDeliver: quietTrailsMustDeliverOption,
};

export interface DeliveryRules {
  maxDeliveryAgeHours: number;
  newTrailGraceMinutes: number;
  /** The trail declares CloudWatch Logs delivery, so its delivery error matters. */
  cloudWatchConfigured: boolean;
}

/** What the stack declares about one trail, and where it lives: the judgement's reference. */
export interface TrailIntent {
  /** Declared logging (enableLogging / aws-native isLogging not false). */
  logging: boolean;
  /** Some delivery is expected every day: the trail records read and write management events (or quietTrailsMustDeliver). */
  deliveryExpected: boolean;
  /** The trail as the API was called with (ARN, else name) and its home region, for the fix command. */
  trail: string;
  region: string | undefined;
  /** Where to change the declaration, for messages: "enableLogging" / "isLogging" and the declared type. */
  loggingProp: string;
  declaredAs: string;
  /** Where there is no declaration (a Discovery audit): what the trail is expected to do, and how to fix it. */
  expectation?: { why: string; fix: string };
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
  intent: TrailIntent,
  nowMs: number,
): string[] {
  if (!status.found) {
    return [
      `CloudTrail trail ${where} does not exist (${status.detail}). It was deleted outside Pulumi: run ` +
        "`pulumi refresh`, then `pulumi up` to recreate it.",
    ];
  }
  // Declared stopped and indeed stopped: the intent, reported by aws-cloudtrail-trail-declared, not a live fault.
  if (status.isLogging !== true && !intent.logging) return [];
  const out: string[] = [];
  if (status.isLogging !== true) {
    const since = status.stopLoggingTime !== undefined ? ` since ${at(status.stopLoggingTime)}` : "";
    const region = intent.region ?? "<its home region>";
    const observed = `CloudTrail trail ${where} is not logging (IsLogging=${String(status.isLogging ?? "absent")}${since})`;
    if (intent.expectation) out.push(`${observed}; ${intent.expectation.why}. ${intent.expectation.fix}`);
    else
      out.push(
        `${observed} although ` +
          `its ${intent.declaredAs} is declared logging. Start it with \`${startCommandFor(stackName())}\` (a dry run; ` +
          `add --yes), or \`aws cloudtrail start-logging --name ${intent.trail} --region ${region}\`, or run \`pulumi refresh\` then \`pulumi up --skip-preview\` so ${intent.loggingProp}: true ` +
          "starts it (a preview would still see the trail stopped and block the fix). If it should stay stopped, declare " +
          `${intent.loggingProp}: false.`,
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
  if (status.isLogging === true && intent.deliveryExpected) {
    const stale = staleDelivery(status.startLoggingTime, status.latestDeliveryTime, rules, nowMs);
    if (stale) out.push(`CloudTrail trail ${where} ${stale}. Check the trail's S3 bucket and its bucket policy.`);
  }
  return out;
}

export const policy = stackPolicy({
  name,
  description:
    "Each declared CloudTrail trail is logging as declared and delivering without errors, live (GetTrailStatus).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: FRAMEWORKS.cisAws31,
  tags: ["aws", "cloudtrail", "security-hub:CloudTrail.1", "live"],
  remediationSteps:
    "Start the trail with `node <pack dir>/dist/cli/main.js start --stack <stack> --yes`, as the violation message prints it (or `aws cloudtrail start-logging --name <trail ARN> --region <home region>`), or `pulumi refresh` then `pulumi up --skip-preview` so enableLogging starts it; fix the bucket, KMS, SNS or CloudWatch Logs permissions named in the delivery error.",
  url: "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html",
  options,
  evaluate(view, config, raw) {
    return liveFindings(name, awsTrailKind, view, raw, judgeEntry(view, config, Date.now()));
  },
});

/** The judgement of one observed trail in its stack, as the policy and the `auditguard status` command give it. */
export function judgeEntry(
  _view: StackView,
  config: OptionValues<typeof options>,
  now: number,
): EntryJudge<TrailStatus | NotFound> {
  return (status, where, entry, resource) => {
    const props = resource ? classicProps(resource) : {};
    const cloudWatchConfigured = knownStr(field(props, "cloudWatchLogsGroupArn")) !== undefined;
    const intent: TrailIntent = {
      logging: !declaredNotLogging(props),
      deliveryExpected: config.quietTrailsMustDeliver || recordsAllManagementEvents(props),
      trail: entry.spec.target,
      region: entry.spec.region,
      loggingProp: resource ? propName(resource, "enableLogging") : "enableLogging",
      declaredAs: resource ? declaredAs(resource) : "trail",
    };
    return judgeTrail(status, where, { ...config, cloudWatchConfigured }, intent, now);
  };
}
