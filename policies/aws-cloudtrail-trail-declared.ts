// aws-cloudtrail-trail-declared: the stack declares at least one CloudTrail trail that is multi-region,
// logging, includes global service events, validates log files and records all management events.
// No network: reads declared resources only.

import { type BooleanOption } from "../lib/options";
import { bool, field, knownStr, type Plain, UNKNOWN } from "../lib/plain";
import { type Finding, stackPolicy, type Verdict } from "../lib/policy-kit";
import { type ResourceView, type StackView } from "../lib/stack";
import { FRAMEWORKS } from "../lib/frameworks";
import { awsTrails, declaredAs, propName } from "../lib/aws/native";
import { managementCoverage } from "../lib/aws/judges";

export { type ManagementCoverage, managementCoverage } from "../lib/aws/judges";

export const name = "aws-cloudtrail-trail-declared";

const on = (description: string): BooleanOption => ({ type: "boolean", default: true, description });
const off = (description: string): BooleanOption => ({ type: "boolean", default: false, description });

export const options = {
  // Whether a trail exists at all is a live question (aws-cloudtrail-account-coverage): off by default.
  requireTrail: off(
    "A stack that deploys AWS resources must itself declare an aws.cloudtrail.Trail or aws-native.cloudtrail.Trail (aws-cloudtrail-account-coverage checks live whether some trail covers the account).",
  ),
  requireMultiRegion: on("The trail must be multi-region (isMultiRegionTrail)."),
  requireLoggingEnabled: on(
    "The trail must be declared logging (enableLogging / aws-native isLogging not false); a trail declared stopped is reported here as intended, not by the live check.",
  ),
  requireGlobalServiceEvents: on("The trail must include global service events (IAM, STS, CloudFront)."),
  requireLogFileValidation: on("The trail must validate log files (enableLogFileValidation)."),
  requireManagementEvents: on("The trail must record read and write management events, with no event source excluded."),
  requireKmsEncryption: off("The trail must encrypt logs with a KMS key (kmsKeyId)."),
  requireCloudWatchLogs: off("The trail must send events to CloudWatch Logs (cloudWatchLogsGroupArn)."),
};

export type TrailConfig = { [K in keyof typeof options]: boolean };

/**
 * Whether a trail records read and write management events, so that some delivery is expected every day
 * in any account. Unknown selectors count as expected.
 */
export function recordsAllManagementEvents(props: Plain): boolean {
  const cov = managementCoverage(field(props, "eventSelectors"), field(props, "advancedEventSelectors"));
  return cov.unknown || (cov.read && cov.write);
}

/** The trail is declared stopped on purpose (enableLogging: false; aws-native isLogging: false). */
export function declaredNotLogging(props: Plain): boolean {
  return bool(field(props, "enableLogging")) === false;
}

/** What keeps one trail from meeting the switched-on requirements; empty = compliant. */
export function trailGaps(props: Plain, config: TrailConfig, prop: (classic: string) => string = (k) => k): string[] {
  const gaps: string[] = [];
  const isFalse = (k: string, dflt: boolean): boolean => {
    const v = bool(field(props, k));
    return v === UNKNOWN ? false : (v ?? dflt) === false;
  };
  if (config.requireMultiRegion && isFalse("isMultiRegionTrail", false))
    gaps.push("is not multi-region (isMultiRegionTrail: true)");
  if (config.requireLoggingEnabled && isFalse("enableLogging", true))
    gaps.push(`is declared not logging (${prop("enableLogging")}: false)`);
  if (config.requireGlobalServiceEvents && isFalse("includeGlobalServiceEvents", true)) {
    gaps.push("excludes global service events (includeGlobalServiceEvents: true)");
  }
  if (config.requireLogFileValidation && isFalse("enableLogFileValidation", false)) {
    gaps.push("does not validate log files (enableLogFileValidation: true)");
  }
  if (config.requireManagementEvents) {
    const cov = managementCoverage(field(props, "eventSelectors"), field(props, "advancedEventSelectors"));
    if (!cov.unknown) {
      if (!cov.read || !cov.write) {
        const missing = [!cov.read ? "read" : "", !cov.write ? "write" : ""].filter(Boolean).join(" and ");
        gaps.push(`does not record ${missing} management events`);
      }
      if (cov.excludedSources.length > 0) {
        gaps.push(`excludes management event sources (${[...new Set(cov.excludedSources)].join(", ")})`);
      }
    }
  }
  const unset = (k: string): boolean => {
    const v = field(props, k);
    return v !== UNKNOWN && !knownStr(v);
  };
  if (config.requireKmsEncryption && unset("kmsKeyId")) gaps.push("is not encrypted with a KMS key (kmsKeyId)");
  if (config.requireCloudWatchLogs && unset("cloudWatchLogsGroupArn")) {
    gaps.push(`does not send events to CloudWatch Logs (${prop("cloudWatchLogsGroupArn")})`);
  }
  return gaps;
}

export function evaluate(view: StackView, config: TrailConfig): Verdict {
  if (!view.deploys.aws) return { notApplicable: "the stack deploys no AWS resources" };
  const trails = awsTrails(view);
  if (trails.length === 0) {
    return config.requireTrail
      ? [
          {
            message:
              "The stack deploys AWS resources but declares no CloudTrail trail (aws.cloudtrail.Trail or " +
              "aws-native.cloudtrail.Trail), so API activity " +
              "is not logged by this stack. Declare a multi-region trail with log file validation, or set requireTrail: " +
              "false if an organization trail covers the account.",
          },
        ]
      : [];
  }
  const gaps = trails.map((t) => ({ t, gaps: trailGaps(t.props, config, (k) => propName(t, k)) }));
  if (gaps.some((g) => g.gaps.length === 0)) {
    // The baseline is met; a trail stopped on purpose is still worth saying, once, as intent.
    return config.requireLoggingEnabled
      ? trails.filter((t) => declaredNotLogging(t.props)).map((t) => ({ urn: t.urn, message: stoppedOnPurpose(t) }))
      : [];
  }
  return gaps.map(({ t, gaps: g }): Finding => ({
    urn: t.urn,
    message:
      `No declared trail meets the baseline. CloudTrail trail ${label(t)} ${g.join("; ")}. ` +
      "Fix at least one trail's declaration and run `pulumi up`." +
      (declaredNotLogging(t.props) ? ` ${intentNote(t)}` : ""),
  }));
}

function label(t: ResourceView): string {
  return `'${knownStr(field(t.props, "name")) ?? t.name}'`;
}

function intentNote(t: ResourceView): string {
  const prop = propName(t, "enableLogging");
  return (
    `Its ${prop}: false is taken as intended, so aws-cloudtrail-trail-logging does not report it stopped; ` +
    `to log, set ${prop}: true in its ${declaredAs(t)} declaration and run \`pulumi up\`.`
  );
}

function stoppedOnPurpose(t: ResourceView): string {
  return `CloudTrail trail ${label(t)} is declared not logging (${propName(t, "enableLogging")}: false). ${intentNote(t)}`;
}

export const policy = stackPolicy({
  name,
  description:
    "The stack declares a CloudTrail trail that is multi-region, logging, includes global service events, validates log files and records all management events.",
  enforcementLevel: "advisory",
  severity: "high",
  framework: FRAMEWORKS.cisAws31and32,
  tags: ["aws", "cloudtrail", "security-hub:CloudTrail.1", "security-hub:CloudTrail.4", "declared"],
  remediationSteps:
    "Declare an aws.cloudtrail.Trail (or aws-native.cloudtrail.Trail) with isMultiRegionTrail: true, includeGlobalServiceEvents: true, enableLogFileValidation: true, and no event selectors that narrow management events.",
  url: "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html",
  options,
  evaluate: (view, config) => evaluate(view, config),
});
