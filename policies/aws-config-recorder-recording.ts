// aws-config-recorder-recording: each declared AWS Config recorder is really recording, checked live
// with DescribeConfigurationRecorderStatus in the recorder's region.

import { AWS_RECORDER_POLICY, awsRecorderKind } from "../lib/aws/kinds";
import type { NotFound, RecorderStatus } from "../lib/aws/sdk";
import { type EntryJudge, liveFindings } from "../lib/live/findings";
import type { OptionValues } from "../lib/options";
import type { StackView } from "../lib/stack";
import { pendingGraceMinutesOption, timeoutSecondsOption } from "../lib/options";
import { quote } from "../lib/redact";
import { ago, at, stackPolicy } from "../lib/policy-kit";
import { FRAMEWORKS } from "../lib/frameworks";
import { stackName } from "../lib/engine";
import { startCommandFor } from "../lib/start-command";
import { awsRecorders, declaredAs } from "../lib/aws/native";
import { declaredRecording } from "./aws-config-recorder-declared";

export const name = AWS_RECORDER_POLICY;
export const options = { timeoutSeconds: timeoutSecondsOption, pendingGraceMinutes: pendingGraceMinutesOption };

export interface RecorderRules {
  pendingGraceMinutes: number;
}

/** What the stack declares about one recorder, and where it lives. */
export interface RecorderIntent {
  /** Meant to record: its RecorderStatus isEnabled is not false (an aws-native recorder always is). */
  recording: boolean;
  /** The recorder's region, for the fix command. */
  region: string | undefined;
  declaredAs: string;
  /** Where there is no declaration (a Discovery audit): what the recorder is expected to do, and how to fix it. */
  expectation?: { why: string; fix: string };
}

/** Violations for one recorder's observed status. */
export function judgeRecorder(
  status: RecorderStatus | NotFound,
  where: string,
  rules: RecorderRules,
  intent: RecorderIntent,
  nowMs: number,
): string[] {
  if (!status.found) {
    return [
      `AWS Config recorder ${where} does not exist in the account (${status.detail}). It was deleted outside Pulumi ` +
        "or never created: run `pulumi refresh`, then `pulumi up` to recreate it.",
    ];
  }
  // Declared stopped and indeed stopped: the intent, reported by aws-config-recorder-declared, not a live fault.
  if (status.recording !== true && !intent.recording) return [];
  const out: string[] = [];
  const fix =
    `Start it with \`${startCommandFor(stackName())}\` (a dry run; add --yes), or ` +
    `\`aws configservice start-configuration-recorder --configuration-recorder-name ${status.name} ` +
    `--region ${intent.region ?? "<its region>"}\`, or run \`pulumi refresh\` then \`pulumi up --skip-preview\` so ` +
    "its RecorderStatus isEnabled: true starts it (a preview would still see the recorder stopped and block the fix). " +
    (intent.declaredAs.startsWith("aws-native")
      ? "CloudFormation starts an aws-native recorder itself; to stop it for good, remove it from the stack."
      : "If it should stay stopped, declare its RecorderStatus with isEnabled: false.");
  if (status.recording !== true) {
    const since = status.lastStopTime !== undefined ? ` since ${at(status.lastStopTime)}` : "";
    const observed = `AWS Config recorder ${where} is not recording (recording=${String(status.recording ?? "absent")}${since})`;
    out.push(
      intent.expectation
        ? `${observed}; ${intent.expectation.why}. ${intent.expectation.fix}`
        : `${observed} although its ${intent.declaredAs} is declared recording. ${fix}`,
    );
  }
  // The service sends UPPERCASE although its model says Failure/Pending: compare case-insensitively.
  const lastStatus = status.lastStatus?.toUpperCase();
  if (lastStatus === "FAILURE") {
    const err = [status.lastErrorCode, status.lastErrorMessage].filter(Boolean).join(": ");
    out.push(
      `AWS Config recorder ${where} reports lastStatus=FAILURE${err ? ` (${quote(err)})` : ""}` +
        `${status.lastStatusChangeTime !== undefined ? ` since ${at(status.lastStatusChangeTime)}` : ""}. ` +
        "Check the delivery channel's S3 bucket policy, KMS key and the recorder's IAM role.",
    );
  } else if (lastStatus === "PENDING" && status.recording === true) {
    const since = status.lastStatusChangeTime ?? status.lastStartTime;
    if (since !== undefined && nowMs - since > rules.pendingGraceMinutes * 60_000) {
      out.push(
        `AWS Config recorder ${where} has been PENDING for ${ago(nowMs, since)} (since ${at(since)}), longer than ` +
          `pendingGraceMinutes=${rules.pendingGraceMinutes}. Check the delivery channel and the recorder's IAM role.`,
      );
    }
  }
  return out;
}

export const policy = stackPolicy({
  name,
  description:
    "Each declared AWS Config recorder is recording as declared and without delivery failures, live (DescribeConfigurationRecorderStatus).",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: FRAMEWORKS.cisAws33,
  tags: ["aws", "config", "security-hub:Config.1", "live"],
  remediationSteps:
    "Start the recorder with `node <pack dir>/dist/cli/main.js start --stack <stack> --yes`, as the violation message prints it (or `aws configservice start-configuration-recorder --configuration-recorder-name <name> --region <region>`), or `pulumi refresh` then `pulumi up --skip-preview` so the RecorderStatus starts it; fix the delivery channel bucket/KMS permissions and the recorder role when lastStatus is FAILURE.",
  url: "https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationRecorderStatus.html",
  options,
  evaluate(view, config, raw) {
    return liveFindings(name, awsRecorderKind, view, raw, judgeEntry(view, config, Date.now()));
  },
});

/** The judgement of one observed recorder in its stack, as the policy and the `auditguard status` command give it. */
export function judgeEntry(
  view: StackView,
  config: OptionValues<typeof options>,
  now: number,
): EntryJudge<RecorderStatus | NotFound> {
  const recorders = new Map(awsRecorders(view).map((r) => [r.urn, r]));
  return (status, where, entry) => {
    const rec = recorders.get(entry.urn);
    const intent: RecorderIntent = {
      recording: rec ? declaredRecording(view, rec) : true,
      region: entry.spec.region,
      declaredAs: rec ? declaredAs(rec) : "recorder",
    };
    return judgeRecorder(status, where, config, intent, now);
  };
}
