// The AWS account-coverage rules: pure judges over the facts the calls return (lib/aws/sdk.ts), deciding whether
// a trail or recorder covers a region of an account, and where AWS Config can record the global IAM types. The
// planning, calls and verdict assembly are lib/aws/coverage.ts's and lib/live/coverage.ts's; messages are the
// policies'.

import { bool, field, type PlainObject } from "../plain";
import { type CoverageFacts, type Judgement, regionVerdict as verdictOf } from "../live/coverage";
import { quote } from "../redact";
import { managementCoverage, recordingScope } from "./judges";
import type { ListedTrail, NotFound, RecorderStatus, TrailSelectors, TrailStatus } from "./sdk";
import { accountOfArn, regionOfArn } from "./target";

export type { Judgement } from "../live/coverage";

// ---- facts ---------------------------------------------------------------------------------------

/** What one region of one account looks like to a coverage check. */
export type RegionCoverage = CoverageFacts;

/** A candidate trail and what its status and selectors calls returned. */
export interface TrailEvidence {
  trail: ListedTrail;
  /**
   * Another account's trail (an organization trail seen from a member account): CloudTrail answers
   * GetEventSelectors on it only to its own account, so its selectors are not asked. Absent: the account's own.
   */
  foreign?: boolean;
  status: TrailStatus | NotFound | undefined;
  selectors: TrailSelectors | NotFound | undefined;
}

/** A recorder of the region (customer-managed or service-linked) and its status. */
export interface RecorderEvidence {
  name: string;
  /** Undefined for the customer-managed recorder. */
  servicePrincipal: string | undefined;
  /**
   * A service-linked recorder's third-party cloud (ListConfigurationRecorders' `provider`: AZURE, GCP): it records
   * that cloud's resources, never an AWS Region's.
   */
  provider?: string;
  recordingScope: string | undefined;
  recordingGroup: PlainObject | undefined;
  status: RecorderStatus | undefined;
}

// ---- pure rules ----------------------------------------------------------------------------------

/**
 * Does this trail cover `region`? Scope (multi-region or homed there), IsLogging, every delivery destination
 * healthy, read+write management events. Another account's trail (an organization trail seen from a member
 * account) has selectors this account cannot read: without custom selectors (HasCustomEventSelectors false) it
 * records CloudTrail's default, all management events; otherwise it is undetermined, never a pass.
 */
export function trailCovers(region: string, e: TrailEvidence): Judgement {
  const t = e.trail;
  const home = t.homeRegion ?? regionOfArn(t.arn) ?? "an unknown region";
  const owner = accountOfArn(t.arn);
  const label = `trail '${t.name}'${t.isOrganizationTrail ? ` (organization trail${owner ? ` of ${owner}` : ""})` : ""}`;
  if (!t.isMultiRegion && home !== region) return { covers: false, why: `${label} is single-region in ${home}` };
  if (!e.status) return { covers: false, why: `${label}: its status is unknown` };
  if (!e.status.found) return { covers: false, why: `${label} was not found by GetTrailStatus (${e.status.detail})` };
  if (e.status.isLogging !== true) {
    const since = e.status.stopLoggingTime !== undefined ? ` since ${iso(e.status.stopLoggingTime)}` : "";
    return { covers: false, why: `${label} is not logging${since}` };
  }
  const failing = failingDestinations(t, e.status);
  if (failing.length > 0) return { covers: false, why: `${label} is logging but ${failing.join(" and ")}` };
  const scope = t.isMultiRegion ? `multi-region, home ${home}` : `home ${home}`;
  if (!e.selectors) return { covers: false, why: `${label}: its event selectors are unknown` };
  if (!e.selectors.found && !e.foreign) {
    // The account's own trail: its selectors are read, never assumed (GetEventSelectors failed or found nothing).
    const detail = `the event selectors of ${label} could not be read (${e.selectors.detail})`;
    return { covers: false, why: detail, undetermined: { reason: "unexpected-error", detail } };
  }
  if (!e.selectors.found) {
    // Another account's trail. No custom selectors is CloudTrail's default: all read and write management events.
    if (t.hasCustomEventSelectors === false) {
      return {
        covers: true,
        by: `${label} (${scope}; no custom event selectors, so all read and write management events (CloudTrail's default))`,
      };
    }
    // Custom (or unreported) selectors only the owner may read: what it records cannot be told from here.
    const custom =
      t.hasCustomEventSelectors === true
        ? "has custom event selectors"
        : "does not say whether it has custom event selectors";
    const detail =
      `${label} ${custom} (HasCustomEventSelectors), and its event selectors cannot be read from this account ` +
      `(${e.selectors.detail}), so whether it records read and write management events is unknown`;
    return {
      covers: false,
      why: detail,
      undetermined: {
        reason: "access-denied",
        detail,
        permission: `cloudtrail:GetEventSelectors as the trail's own account${owner ? ` ${owner}` : ""} (CloudTrail answers it only to that account)`,
      },
    };
  }
  // Judged exactly as aws-cloudtrail-trail-declared judges declared selectors.
  const cov = managementCoverage(e.selectors.eventSelectors, e.selectors.advancedEventSelectors);
  if (!cov.read || !cov.write) {
    const missing = [!cov.read ? "read" : "", !cov.write ? "write" : ""].filter(Boolean).join(" and ");
    return { covers: false, why: `${label} does not record ${missing} management events` };
  }
  if (cov.excludedSources.length > 0) {
    return {
      covers: false,
      why: `${label} excludes management event sources (${[...new Set(cov.excludedSources)].join(", ")})`,
    };
  }
  return { covers: true, by: `${label} (${scope})` };
}

/**
 * The trail's log destinations that report a delivery error, each judged on its own field as
 * aws-cloudtrail-trail-logging judges it: S3 (LatestDeliveryError, every trail has a bucket) and CloudWatch
 * Logs (LatestCloudWatchLogsDeliveryError, only when the trail has a log group). A destination that fails
 * loses events however healthy the other is. Digest and SNS notification errors do not lose events: they
 * stay with the per-resource policy. Fields an organization trail's member view omits are "no data".
 */
function failingDestinations(t: ListedTrail, s: TrailStatus): string[] {
  const out: string[] = [];
  if (s.latestDeliveryError) out.push(`its S3 delivery fails (LatestDeliveryError=${quote(s.latestDeliveryError)})`);
  if (t.cloudWatchLogsLogGroupArn && s.latestCloudWatchLogsDeliveryError) {
    out.push(
      `its CloudWatch Logs delivery fails (LatestCloudWatchLogsDeliveryError=${quote(s.latestCloudWatchLogsDeliveryError)})`,
    );
  }
  return out;
}

export interface RecorderRules {
  pendingGraceMinutes: number;
  allowExclusions: boolean;
}

/** Is this recorder recording for the account right now? Recording, not FAILURE, PENDING within grace. */
function recordingNow(
  e: RecorderEvidence,
  rules: RecorderRules,
  nowMs: number,
): { recording: true; label: string } | { recording: false; why: string } {
  const label = e.servicePrincipal
    ? `service-linked recorder '${e.name}' (${e.servicePrincipal}, ${e.recordingScope ?? "scope unknown"})`
    : `recorder '${e.name}'`;
  if (e.provider !== undefined) {
    return { recording: false, why: `service-linked recorder '${e.name}' records ${e.provider} resources` };
  }
  if (e.servicePrincipal && e.recordingScope !== "PAID") {
    return {
      recording: false,
      why: `only an ${e.recordingScope ?? "unknown-scope"} ${label}: it records for ${e.servicePrincipal}, not for you`,
    };
  }
  const s = e.status;
  if (!s) return { recording: false, why: `${label} has no status` };
  if (s.recording !== true) {
    const since = s.lastStopTime !== undefined ? ` since ${iso(s.lastStopTime)}` : "";
    return { recording: false, why: `${label} stopped${since}` };
  }
  const last = s.lastStatus?.toUpperCase();
  if (last === "FAILURE") {
    const err = [s.lastErrorCode, s.lastErrorMessage].filter(Boolean).join(": ");
    return { recording: false, why: `${label} reports lastStatus FAILURE${err ? ` (${err})` : ""}` };
  }
  if (last === "PENDING") {
    const since = s.lastStatusChangeTime ?? s.lastStartTime;
    if (since !== undefined && nowMs - since > rules.pendingGraceMinutes * 60_000) {
      return { recording: false, why: `${label} has been PENDING since ${iso(since)}` };
    }
  }
  return { recording: true, label };
}

/** Does this recorder cover its region? Recording now (recordingNow), all supported types. */
export function recorderCovers(e: RecorderEvidence, rules: RecorderRules, nowMs: number): Judgement {
  const now = recordingNow(e, rules, nowMs);
  if (!now.recording) return { covers: false, why: now.why };
  const label = now.label;
  const scope = recordingScope(e.recordingGroup ?? null);
  if (scope.kind === "inclusion") {
    return { covers: false, why: `${label} records only ${scope.included.length} selected resource type(s)` };
  }
  if (scope.kind === "exclusion" && !rules.allowExclusions) {
    return {
      covers: false,
      why: `${label} excludes ${scope.excluded.length} resource type(s) (${scope.excluded.slice(0, 5).join(", ")})`,
    };
  }
  return { covers: true, by: label, recordsGlobalTypes: recordsGlobalTypes(e.recordingGroup) };
}

/**
 * Does this recorder record the global IAM types right now? Recording (recordingNow) with a group that includes
 * them, whether or not it covers its region: an IAM-only recorder, or an exclusion list sparing IAM, records them.
 */
export function recordsGlobalTypesNow(e: RecorderEvidence, rules: RecorderRules, nowMs: number): boolean {
  return recordingNow(e, rules, nowMs).recording && recordsGlobalTypes(e.recordingGroup);
}

/** IAM (global) types: all-supported with includeGlobalResourceTypes, an exclusion list that spares them, or an inclusion of them. */
export function recordsGlobalTypes(group: PlainObject | undefined): boolean {
  const scope = recordingScope(group ?? null);
  const isGlobal = (t: string): boolean => t.startsWith("AWS::IAM::");
  switch (scope.kind) {
    case "all":
      return bool(field(group ?? {}, "includeGlobalResourceTypes")) === true;
    case "exclusion":
      return !scope.excluded.some(isGlobal);
    case "inclusion":
      return scope.included.some(isGlobal);
    default:
      return false;
  }
}

/** The verdict for a region (lib/live/coverage.ts), saying whether a covering candidate records the global IAM types. */
export function regionVerdict(
  account: string,
  region: string,
  judgements: Judgement[],
  nothingFound: string,
): RegionCoverage {
  const covering = judgements.filter((j): j is Extract<Judgement, { covers: true }> => j.covers);
  return {
    ...verdictOf(account, region, judgements, nothingFound),
    recordsGlobalTypes: covering.some((j) => j.recordsGlobalTypes === true),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The Regions where AWS Config can record the global IAM types (AWS::IAM::User, Group, Role, Policy): those
 * where AWS Config was available before February 2022 (AWS Config Developer Guide, "Recording AWS Resources",
 * global resources; the RecordingGroup API reference). Regions launched since cannot record them: AWS names seven
 * (Hyderabad, Melbourne, Calgary, Spain, Zurich, Tel Aviv, UAE); later ones (Malaysia, Thailand, Mexico, Taipei,
 * New Zealand, ...) are inferred from the February 2022 rule, not listed by AWS.
 * AWS advises recording them in one Region per account.
 */
export const GLOBAL_IAM_REGIONS: Readonly<Record<Partition, readonly string[]>> = {
  aws: [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-south-1",
    "me-south-1",
    "sa-east-1",
  ],
  "aws-cn": ["cn-north-1", "cn-northwest-1"],
  "aws-us-gov": ["us-gov-east-1", "us-gov-west-1"],
};
export type Partition = "aws" | "aws-cn" | "aws-us-gov";

export function partitionOf(region: string): Partition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function canRecordGlobalIamTypes(region: string): boolean {
  return GLOBAL_IAM_REGIONS[partitionOf(region)].includes(region);
}
