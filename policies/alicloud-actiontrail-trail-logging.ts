// alicloud-actiontrail-trail-logging: each declared ActionTrail trail is really logging and delivering,
// checked live with GetTrailStatus (API 2020-07-06) in the trail's home region. Read-only.

import { ALI_TRAIL_POLICY, aliTrailKind } from "../lib/alicloud/kinds";
import type { AliNotFound, AliTrailStatus } from "../lib/alicloud/sdk";
import { type EntryJudge, liveFindings } from "../lib/live/findings";
import type { OptionValues } from "../lib/options";
import {
  maxDeliveryAgeHoursOption,
  newTrailGraceMinutesOption,
  quietTrailsMustDeliverOption,
  timeoutSecondsOption,
} from "../lib/options";
import { field, knownStr, UNKNOWN } from "../lib/plain";
import { type ResourceView, type StackView, TYPES } from "../lib/stack";
import { aliRegionOf } from "../lib/alicloud/target";
import { at, stackPolicy } from "../lib/policy-kit";
import { quote } from "../lib/redact";
import { staleDelivery } from "./aws-cloudtrail-trail-logging";
import { FRAMEWORKS } from "../lib/frameworks";
import { stackName } from "../lib/engine";
import { startCommandFor } from "../lib/start-command";

export const name = ALI_TRAIL_POLICY;
export const options = {
  timeoutSeconds: timeoutSecondsOption,
  maxDeliveryAgeHours: maxDeliveryAgeHoursOption,
  newTrailGraceMinutes: newTrailGraceMinutesOption,
  quietTrailsMustDeliver: quietTrailsMustDeliverOption,
};

/** What the stack says about the trail (its props: inputs, and after an update the provider-read outputs). */
export interface AliTrailDeclaration {
  /** `status`: Enable | Disable; undefined when not declared or not known. */
  status: string | undefined;
  /** Effective `eventRw`: the declared value, else the resource type's default. */
  eventRw: string | undefined;
  /** Destinations whose live health can be judged: known-declared OSS bucket / SLS project. */
  oss: boolean;
  sls: boolean;
  /** The trail's home region, for fix commands. */
  region: string | undefined;
}

export interface AliTrailRules {
  maxDeliveryAgeHours: number;
  newTrailGraceMinutes: number;
  quietTrailsMustDeliver: boolean;
}

/**
 * The declaration read from a trail resource. `eventRw` is optional and computed by the provider: after
 * the update it holds the live value; when absent the API default applies, which the provider docs give as
 * `Write` for the deprecated resource and `All` for the current one.
 */
export function aliTrailDeclaration(r: ResourceView | undefined): AliTrailDeclaration {
  const props = r?.props ?? {};
  const known = (k: string): string | undefined => knownStr(field(props, k));
  const rw = field(props, "eventRw");
  const eventRw =
    rw === UNKNOWN ? undefined : (knownStr(rw) ?? (r?.type === TYPES.aliTrailDeprecated ? "Write" : "All"));
  return {
    status: known("status"),
    eventRw,
    oss: known("ossBucketName") !== undefined,
    sls: known("slsProjectArn") !== undefined,
    region: r ? aliRegionOf(r) : undefined,
  };
}

export function judgeAliTrail(
  s: AliTrailStatus | AliNotFound,
  where: string,
  declared: AliTrailDeclaration,
  rules: AliTrailRules,
  nowMs: number,
): string[] {
  const region = declared.region ? ` --region ${declared.region}` : "";
  if (!s.found) {
    return [
      `ActionTrail trail ${where} does not exist (${s.detail}). Run \`pulumi refresh\`, then \`pulumi up\` to recreate it.`,
    ];
  }
  const out: string[] = [];
  // A trail declared off on purpose that is off is the intent, not broken health: the declared policy
  // (alicloud-actiontrail-trail-declared) reports the intent.
  const offByIntent = declared.status === "Disable";
  if (s.isLogging !== true && !offByIntent) {
    const since = s.stopLoggingTime !== undefined ? ` since ${at(s.stopLoggingTime)}` : "";
    const name = /^'([^']*)'/.exec(where)?.[1] ?? "<trail>";
    out.push(
      `ActionTrail trail ${where} is not logging (IsLogging=${String(s.isLogging ?? "absent")}${since}). ` +
        `Start it with \`${startCommandFor(stackName())}\` (a dry run; add --yes), or ` +
        `\`aliyun actiontrail StartLogging --Name ${name}${region}\`, or declare status: "Enable" and run ` +
        "`pulumi refresh` then `pulumi up --skip-preview` (a preview would still see the trail stopped and block the fix).",
    );
  }
  if (s.latestDeliveryError)
    out.push(
      `ActionTrail trail ${where} reports LatestDeliveryError=${quote(s.latestDeliveryError)}. Check the OSS bucket and the trail's write role.`,
    );
  if (s.latestDeliveryLogServiceError) {
    out.push(
      `ActionTrail trail ${where} reports LatestDeliveryLogServiceError=${quote(s.latestDeliveryLogServiceError)}. Check the SLS project and the trail's write role.`,
    );
  }
  // Destination availability is reported only for a destination the trail is declared to use: the API
  // does not say what the flag reads as for a destination the trail does not have.
  if (declared.oss && s.ossBucketStatus === false) {
    out.push(
      `ActionTrail trail ${where} cannot deliver to its OSS bucket (OssBucketStatus=false: unavailable). Check that the bucket exists and the trail's write role may write to it.`,
    );
  }
  if (declared.sls && s.slsLogStoreStatus === false) {
    out.push(
      `ActionTrail trail ${where} cannot deliver to its SLS Logstore (SlsLogStoreStatus=false: unavailable). Check that the SLS project and Logstore exist and the trail's write role may write to them.`,
    );
  }
  // A trail that records only Read or only Write events may legitimately deliver nothing for a day in a
  // quiet account; staleness applies to EventRW All unless quietTrailsMustDeliver says otherwise.
  const deliveryExpected = declared.eventRw === "All" || rules.quietTrailsMustDeliver;
  if (s.isLogging === true && deliveryExpected) {
    // Each destination on its own: a healthy SLS delivery must not hide a stalled OSS one.
    const destinations: [string, number | undefined][] = [
      ...(declared.oss ? ([["to OSS", s.latestDeliveryTime]] as [string, number | undefined][]) : []),
      ...(declared.sls ? ([["to SLS", s.latestDeliveryLogServiceTime]] as [string, number | undefined][]) : []),
    ];
    for (const [label, time] of destinations) {
      const stale = staleDelivery(s.startLoggingTime, time, rules, nowMs);
      if (stale)
        out.push(
          `ActionTrail trail ${where} ${stale} (${label}). Check the ${label === "to OSS" ? "OSS bucket" : "SLS project"} it delivers to.`,
        );
    }
  }
  return out;
}

export const policy = stackPolicy({
  name,
  description:
    "Each declared ActionTrail trail is as declared (logging unless declared Disable) and delivering without errors to available destinations, live (GetTrailStatus).",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: FRAMEWORKS.cisAlibaba21,
  tags: ["alicloud", "actiontrail", "live"],
  remediationSteps:
    'Start the trail with `node <pack dir>/dist/cli/main.js start --stack <stack> --yes`, as the violation message prints it (or `aliyun actiontrail StartLogging --Name <trail> --region <home region>`), or declare status: "Enable" and `pulumi refresh` then `pulumi up --skip-preview`; fix the OSS bucket, SLS project or write role named in the delivery error.',
  url: "https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-gettrailstatus",
  options,
  evaluate(view, config, raw) {
    return liveFindings(name, aliTrailKind, view, raw, judgeEntry(view, config, Date.now()));
  },
});

/** The judgement of one observed trail in its stack, as the policy and the `auditguard status` command give it. */
export function judgeEntry(
  _view: StackView,
  config: OptionValues<typeof options>,
  now: number,
): EntryJudge<AliTrailStatus | AliNotFound> {
  return (status, where, _entry, resource) => judgeAliTrail(status, where, aliTrailDeclaration(resource), config, now);
}
