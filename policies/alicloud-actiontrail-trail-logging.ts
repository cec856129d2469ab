// alicloud-actiontrail-trail-logging: each declared ActionTrail trail is really logging and delivering,
// checked live with GetTrailStatus (API 2020-07-06) in the trail's home region. Read-only.

import { ALI_TRAIL_POLICY, aliTrailKind } from "../lib/alicloud/kinds";
import type { AliNotFound, AliTrailStatus } from "../lib/alicloud/sdk";
import { liveFindings } from "../lib/live/findings";
import { maxDeliveryAgeHoursOption, newTrailGraceMinutesOption, timeoutSecondsOption } from "../lib/options";
import { at, stackPolicy } from "../lib/policy-kit";
import { quote } from "../lib/redact";
import { staleDelivery } from "./aws-cloudtrail-trail-logging";
import { FRAMEWORKS } from "../lib/frameworks";

export const name = ALI_TRAIL_POLICY;
export const options = {
  timeoutSeconds: timeoutSecondsOption,
  maxDeliveryAgeHours: maxDeliveryAgeHoursOption,
  newTrailGraceMinutes: newTrailGraceMinutesOption,
};

export function judgeAliTrail(
  s: AliTrailStatus | AliNotFound,
  where: string,
  rules: { maxDeliveryAgeHours: number; newTrailGraceMinutes: number },
  nowMs: number,
): string[] {
  if (!s.found) {
    return [
      `ActionTrail trail ${where} does not exist (${s.detail}). Run \`pulumi refresh\`, then \`pulumi up\` to recreate it.`,
    ];
  }
  const out: string[] = [];
  if (s.isLogging !== true) {
    const since = s.stopLoggingTime !== undefined ? ` since ${at(s.stopLoggingTime)}` : "";
    out.push(
      `ActionTrail trail ${where} is not logging (IsLogging=${String(s.isLogging ?? "absent")}${since}). ` +
        'Start it with `aliyun actiontrail StartLogging --Name <trail>` in its home region, or declare status: "Enable" and run ' +
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
  if (s.isLogging === true) {
    const times = [s.latestDeliveryTime, s.latestDeliveryLogServiceTime].filter((t): t is number => t !== undefined);
    const latest = times.length ? Math.max(...times) : undefined;
    const stale = staleDelivery(s.startLoggingTime, latest, rules, nowMs);
    if (stale) out.push(`ActionTrail trail ${where} ${stale}. Check the OSS bucket / SLS project it delivers to.`);
  }
  return out;
}

export const policy = stackPolicy({
  name,
  description: "Each declared ActionTrail trail is logging and delivering without errors, live (GetTrailStatus).",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: FRAMEWORKS.cisAlibaba21,
  tags: ["alicloud", "actiontrail", "live"],
  remediationSteps:
    'Start the trail (`aliyun actiontrail StartLogging --Name <trail>`), or declare status: "Enable" and `pulumi refresh` then `pulumi up --skip-preview`; fix the OSS bucket, SLS project or write role named in the delivery error.',
  url: "https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-gettrailstatus",
  options,
  evaluate(view, config, raw) {
    const now = Date.now();
    return liveFindings(name, aliTrailKind, view, raw, (status, where) => judgeAliTrail(status, where, config, now));
  },
});
