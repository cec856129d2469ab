// aws-cloudtrail-trail-declared: the stack declares at least one CloudTrail trail that is multi-region,
// logging, includes global service events, validates log files and records all management events.
// No network: reads declared resources only.

import { type BooleanOption } from "../lib/options";
import { bool, field, isObject, knownStr, list, type Plain, strList, UNKNOWN } from "../lib/plain";
import { type Finding, stackPolicy, type Verdict } from "../lib/policy-kit";
import { ofType, type StackView, TYPES } from "../lib/stack";
import { FRAMEWORKS } from "../lib/frameworks";

export const name = "aws-cloudtrail-trail-declared";

const on = (description: string): BooleanOption => ({ type: "boolean", default: true, description });
const off = (description: string): BooleanOption => ({ type: "boolean", default: false, description });

export const options = {
  requireTrail: on(
    "A stack that deploys AWS resources must declare an aws.cloudtrail.Trail (turn off where an organization trail covers the account).",
  ),
  requireMultiRegion: on("The trail must be multi-region (isMultiRegionTrail)."),
  requireLoggingEnabled: on("The trail must be declared logging (enableLogging not false)."),
  requireGlobalServiceEvents: on("The trail must include global service events (IAM, STS, CloudFront)."),
  requireLogFileValidation: on("The trail must validate log files (enableLogFileValidation)."),
  requireManagementEvents: on("The trail must record read and write management events, with no event source excluded."),
  requireKmsEncryption: off("The trail must encrypt logs with a KMS key (kmsKeyId)."),
  requireCloudWatchLogs: off("The trail must send events to CloudWatch Logs (cloudWatchLogsGroupArn)."),
};

export type TrailConfig = { [K in keyof typeof options]: boolean };

export interface ManagementCoverage {
  read: boolean;
  write: boolean;
  excludedSources: string[];
  unknown: boolean;
}

/** What management events a trail's selectors record. No selectors: CloudTrail's default, all of them. */
export function managementCoverage(classic: Plain | undefined, advanced: Plain | undefined): ManagementCoverage {
  const adv = list(advanced);
  const cls = list(classic);
  if (adv === UNKNOWN || cls === UNKNOWN) return { read: true, write: true, excludedSources: [], unknown: true };
  const cov: ManagementCoverage = { read: false, write: false, excludedSources: [], unknown: false };
  if (adv && adv.length > 0) {
    for (const sel of adv) advancedSelector(sel, cov);
    return cov;
  }
  if (!cls || cls.length === 0) return { read: true, write: true, excludedSources: [], unknown: false };
  for (const sel of cls) {
    const include = bool(field(sel, "includeManagementEvents"));
    const rw = field(sel, "readWriteType");
    if (include === UNKNOWN || rw === UNKNOWN) return { ...cov, read: true, write: true, unknown: true };
    if (include === false) continue;
    const mode = typeof rw === "string" ? rw : "All";
    if (mode === "All" || mode === "ReadOnly") cov.read = true;
    if (mode === "All" || mode === "WriteOnly") cov.write = true;
    const excluded = strList(field(sel, "excludeManagementEventSources"));
    if (Array.isArray(excluded)) cov.excludedSources.push(...excluded);
  }
  return cov;
}

function advancedSelector(sel: Plain, cov: ManagementCoverage): void {
  const fields = list(field(sel, "fieldSelectors"));
  if (fields === UNKNOWN) {
    cov.unknown = cov.read = cov.write = true;
    return;
  }
  let management = false;
  let read = true;
  let write = true;
  const excluded: string[] = [];
  for (const f of fields ?? []) {
    if (!isObject(f)) continue;
    const key = f["field"];
    const equals = strList(field(f, "equals"));
    const notEquals = strList(field(f, "notEquals"));
    if (equals === UNKNOWN || notEquals === UNKNOWN || key === UNKNOWN) {
      cov.unknown = cov.read = cov.write = true;
      return;
    }
    if (key === "eventCategory") management = (equals ?? []).includes("Management");
    else if (key === "readOnly") {
      // A readOnly constraint narrows the selector to reads or to writes.
      const values = new Set(equals ?? []);
      for (const v of notEquals ?? []) values.add(v === "true" ? "false" : "true");
      read = values.size === 0 || values.has("true");
      write = values.size === 0 || values.has("false");
    } else if (key === "eventSource") {
      excluded.push(...(notEquals ?? []));
      // Any other operator narrows the selector to some sources: not "all management events".
      for (const op of ["equals", "startsWiths", "notStartsWiths", "endsWiths", "notEndsWiths"]) {
        const v = strList(field(f, op));
        if (Array.isArray(v) && v.length > 0) excluded.push(`eventSource ${op} ${v.join("|")}`);
      }
    }
  }
  if (!management) return;
  cov.read ||= read;
  cov.write ||= write;
  cov.excludedSources.push(...excluded);
}

/** What keeps one trail from meeting the switched-on requirements; empty = compliant. */
export function trailGaps(props: Plain, config: TrailConfig): string[] {
  const gaps: string[] = [];
  const isFalse = (k: string, dflt: boolean): boolean => {
    const v = bool(field(props, k));
    return v === UNKNOWN ? false : (v ?? dflt) === false;
  };
  if (config.requireMultiRegion && isFalse("isMultiRegionTrail", false))
    gaps.push("is not multi-region (isMultiRegionTrail: true)");
  if (config.requireLoggingEnabled && isFalse("enableLogging", true))
    gaps.push("is declared not logging (enableLogging: false)");
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
    gaps.push("does not send events to CloudWatch Logs (cloudWatchLogsGroupArn)");
  }
  return gaps;
}

export function evaluate(view: StackView, config: TrailConfig): Verdict {
  if (!view.deploys.aws) return { notApplicable: "the stack deploys no AWS resources" };
  const trails = ofType(view, TYPES.awsTrail);
  if (trails.length === 0) {
    return config.requireTrail
      ? [
          {
            message:
              "The stack deploys AWS resources but declares no CloudTrail trail (aws.cloudtrail.Trail), so API activity " +
              "is not logged by this stack. Declare a multi-region trail with log file validation, or set requireTrail: " +
              "false if an organization trail covers the account.",
          },
        ]
      : [];
  }
  const gaps = trails.map((t) => ({ t, gaps: trailGaps(t.props, config) }));
  if (gaps.some((g) => g.gaps.length === 0)) return [];
  return gaps.map(({ t, gaps: g }): Finding => ({
    urn: t.urn,
    message:
      `No declared trail meets the baseline. CloudTrail trail '${knownStr(field(t.props, "name")) ?? t.name}' ${g.join("; ")}. ` +
      "Fix at least one trail's declaration and run `pulumi up`.",
  }));
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
    "Declare an aws.cloudtrail.Trail with isMultiRegionTrail: true, includeGlobalServiceEvents: true, enableLogFileValidation: true, and no event selectors that narrow management events.",
  url: "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html",
  options,
  evaluate: (view, config) => evaluate(view, config),
});
