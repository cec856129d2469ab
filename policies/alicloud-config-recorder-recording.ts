// alicloud-config-recorder-recording: the declared Alibaba Cloud Config recorder is really on, checked live
// with GetConfigurationRecorder (Config API 2020-09-07, central site endpoint). Read-only.

import { ALI_RECORDER_POLICY, aliRecorderKind, configSiteOption } from "../lib/alicloud/kinds";
import type { AliNotFound, AliRecorder } from "../lib/alicloud/sdk";
import { clearSeen, firstSeen } from "../lib/first-seen";
import { type EntryJudge, liveFindings } from "../lib/live/findings";
import { type OptionValues, pendingGraceMinutesOption, timeoutSecondsOption } from "../lib/options";
import { field, strList } from "../lib/plain";
import { ago, at, stackPolicy } from "../lib/policy-kit";
import { stackName } from "../lib/engine";
import { startCommandFor } from "../lib/start-command";
import type { StackView } from "../lib/stack";

export const name = ALI_RECORDER_POLICY;
export const options = {
  timeoutSeconds: timeoutSecondsOption,
  pendingGraceMinutes: pendingGraceMinutesOption,
  configSite: configSiteOption,
};

const TRANSITIONAL = new Set(["BUILDING", "REBUILDING"]);

/**
 * Violations for the observed recorder. `sinceMs` is when the current transitional state was first
 * seen (the API gives no timestamp); `declaredTypes` are the stack's resourceTypes after an update (undefined in a preview).
 */
export function judgeAliRecorder(
  rec: AliRecorder | AliNotFound,
  where: string,
  declaredTypes: readonly string[] | undefined,
  rules: { pendingGraceMinutes: number },
  sinceMs: number,
  nowMs: number,
): string[] {
  // This policy also blocks the preview of the update that would fix it, so a start outside Pulumi comes first.
  const fix =
    `Start it with \`${startCommandFor(stackName())}\` (a dry run; add --yes), or enable Cloud Config in the console ` +
    "(Cloud Config > Settings), or run `pulumi refresh` then `pulumi up --skip-preview` " +
    "(a preview would still see the recorder off and block the fix).";
  if (!rec.found) return [`Cloud Config recorder ${where} is not enabled for the account (${rec.detail}). ${fix}`];
  const out: string[] = [];
  if (rec.status === "REGISTRABLE") {
    out.push(`Cloud Config recorder ${where} is not monitoring (status REGISTRABLE: not enabled). ${fix}`);
  } else if (TRANSITIONAL.has(rec.status)) {
    if (nowMs - sinceMs > rules.pendingGraceMinutes * 60_000) {
      out.push(
        `Cloud Config recorder ${where} has been ${rec.status} for at least ${ago(nowMs, sinceMs)} (first seen ${at(sinceMs)}), ` +
          `longer than pendingGraceMinutes=${rules.pendingGraceMinutes}. Check Cloud Config's service-linked role and open a ticket if it persists.`,
      );
    }
  } else if (rec.status !== "REGISTERED") {
    out.push(`Cloud Config recorder ${where} reports an unrecognised status ${rec.status}; expected REGISTERED.`);
  }
  // Only declared types the recorder does not monitor are a gap. Types monitored beyond the list are not:
  // resourceTypes is optional and computed, so the list may be the provider's copy of what the account
  // monitors (then newly supported types show up live later), not a restriction the user wrote.
  if (declaredTypes && declaredTypes.length > 0 && rec.resourceTypes) {
    const live = new Set(rec.resourceTypes);
    const notMonitored = [...new Set(declaredTypes)].filter((t) => !live.has(t));
    if (notMonitored.length > 0) {
      out.push(
        `Cloud Config recorder ${where} does not monitor declared resource types: ${notMonitored.join(", ")}. ` +
          "Run `pulumi refresh` then `pulumi up --skip-preview` to apply the declared types.",
      );
    }
  }
  return out;
}

export const policy = stackPolicy({
  name,
  description:
    "The declared Alibaba Cloud Config recorder is monitoring (REGISTERED), live (GetConfigurationRecorder).",
  enforcementLevel: "mandatory",
  severity: "high",
  tags: ["alicloud", "config", "live"],
  remediationSteps:
    "Start the recorder with `node <pack dir>/dist/cli/main.js start --stack <stack> --yes`, as the violation message prints it (or enable Cloud Config in Cloud Config > Settings), or `pulumi refresh` then `pulumi up --skip-preview`; align resourceTypes with the declaration.",
  url: "https://www.alibabacloud.com/help/en/cloud-config/latest/api-config-2020-09-07-getconfigurationrecorder",
  options,
  evaluate(view, config, raw) {
    return liveFindings(name, aliRecorderKind, view, raw, judgeEntry(view, config, Date.now()));
  },
});

/** The judgement of the observed recorder in its stack, as the policy and the `auditguard status` command give it. */
export function judgeEntry(
  view: StackView,
  config: OptionValues<typeof options>,
  now: number,
): EntryJudge<AliRecorder | AliNotFound> {
  return (rec, where, e, resource) => {
    // The API gives no timestamp: a transitional state is timed from when this machine first saw it.
    const key = `alicloud-config:${e.spec.account ?? ""}:${e.spec.endpoint ?? ""}`;
    let since = now;
    if (rec.found && TRANSITIONAL.has(rec.status)) since = firstSeen(key, rec.status, now);
    else clearSeen(key);
    // In a preview the declared list may be exactly what this update changes: judged after the update.
    const declared = view.dryRun ? undefined : strList(field(resource?.props ?? {}, "resourceTypes"));
    return judgeAliRecorder(rec, where, Array.isArray(declared) ? declared : undefined, config, since, now);
  };
}
