// aws-config-recorder-discovered: each AWS Config recorder (and recorder status) a Pulumi Cloud audit for cloud
// accounts (Discovery) finds is recording, checked live with DescribeConfigurationRecorderStatus in its region
// where the pack's environment has credentials; else its discovered properties are judged and it is said that it
// was not verified live. A resource policy, disabled by default (see aws-cloudtrail-trail-discovered).

import { discoveredFacts, planDiscoveredRecorder } from "../lib/aws/discovered";
import type { NotFound, RecorderStatus } from "../lib/aws/sdk";
import { engineConfigFor } from "../lib/engine";
import { FRAMEWORKS } from "../lib/frameworks";
import { auditIdentityOf, LIVE_VERIFICATION_POLICY } from "../lib/live/audit";
import { whereOf } from "../lib/live/findings";
import { runResourceChecks } from "../lib/live/resource-round";
import type { LiveKind } from "../lib/live/round";
import { pendingGraceMinutesOption, timeoutSecondsOption } from "../lib/options";
import { type ResourceFinding, resourcePolicy } from "../lib/resource-policy-kit";
import { type ResourceView, type StackView, TYPES } from "../lib/stack";
import { describeFailure } from "./auditguard-live-verification";
import { DISCOVERED_TIMEOUT_SECONDS } from "./aws-cloudtrail-trail-discovered";
import { declaredRecording } from "./aws-config-recorder-declared";
import { judgeRecorder } from "./aws-config-recorder-recording";

export const name = "aws-config-recorder-discovered";
export const options = {
  timeoutSeconds: { ...timeoutSecondsOption, default: DISCOVERED_TIMEOUT_SECONDS },
  pendingGraceMinutes: pendingGraceMinutesOption,
};

const kind: LiveKind<RecorderStatus | NotFound> = {
  id: name,
  label: "AWS Config recorder",
  policyName: name,
  plan: () => [],
};

/**
 * Whether the discovered properties show the recorder stopped: a RecorderStatus with isEnabled false, judged as
 * aws-config-recorder-declared judges a stack's (the status linked to its recorder by name and region).
 */
function stoppedByProperties(r: ResourceView): boolean {
  if (r.type !== TYPES.awsRecorderStatus) return false;
  const view: StackView = { resources: [r], deploys: { aws: true, alicloud: false }, dryRun: false, fingerprint: "" };
  return !declaredRecording(view, { ...r, type: TYPES.awsRecorder });
}

export const policy = resourcePolicy({
  name,
  description:
    "Each AWS Config recorder a Discovery audit finds is recording without delivery failures, live (DescribeConfigurationRecorderStatus) where the pack has credentials.",
  enforcementLevel: "disabled",
  severity: "critical",
  framework: FRAMEWORKS.cisAws33,
  tags: ["aws", "config", "security-hub:Config.1", "live", "discovery"],
  remediationSteps:
    "Start the recorder (`aws configservice start-configuration-recorder --configuration-recorder-name <name> --region <region>` in its account, or in the stack that owns it); when lastStatus is FAILURE fix the delivery channel's bucket/KMS permissions and the recorder role. A recorder not verified live needs credentials in the ESC environment attached to the pack (docs/pulumi-cloud.md).",
  url: "https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationRecorderStatus.html",
  options,
  types: [TYPES.awsRecorder, TYPES.awsRecorderStatus],
  async evaluate(r, config) {
    const facts = discoveredFacts(r);
    const label = `AWS Config recorder '${facts.name ?? r.name}'`;
    const propertyFindings: ResourceFinding[] = stoppedByProperties(r)
      ? [{ message: `${label} is not recording (isEnabled: false), by its discovered properties.` }]
      : [];
    // A stack's own recorder: checked live by aws-config-recorder-recording after the update (see the trail policy).
    if (r.provider && !facts.discoveryUrn) return propertyFindings;
    const audit = auditIdentityOf(engineConfigFor(LIVE_VERIFICATION_POLICY));
    const entries = await runResourceChecks(
      kind,
      planDiscoveredRecorder(r, facts, audit, config.timeoutSeconds * 1000),
    );
    const findings: ResourceFinding[] = [];
    for (const e of entries) {
      if (!e.outcome.ok) {
        findings.push(...propertyFindings, {
          message: `Not verified live: ${describeFailure(e, e.outcome.failure)}`,
          undetermined: true,
        });
        continue;
      }
      const status = e.outcome.value as RecorderStatus | NotFound;
      const messages = judgeRecorder(
        status,
        whereOf(e.spec),
        config,
        {
          recording: true,
          region: e.spec.region,
          declaredAs: "recorder",
          expectation: {
            why: "an audit expects every recorder to record",
            fix:
              "Start it with `aws configservice start-configuration-recorder --configuration-recorder-name " +
              `${e.spec.target} --region ${e.spec.region ?? "<its region>"}\` in its account, or in the stack that owns it.`,
          },
        },
        Date.now(),
      );
      findings.push(...messages.map((message) => ({ message })));
    }
    return findings;
  },
});
