// aws-cloudtrail-trail-discovered: each CloudTrail trail a Pulumi Cloud audit for cloud accounts (Discovery) finds
// is logging and delivering, checked live with GetTrailStatus where the pack's environment has credentials; else
// its discovered properties are judged and it is said that it was not verified live. A resource policy: Discovery
// runs no stack policy. Disabled by default: in preview/up the stack policies already check a stack's own trails.

import { discoveredFacts, planDiscoveredTrail } from "../lib/aws/discovered";
import type { NotFound, TrailStatus } from "../lib/aws/sdk";
import { engineConfigFor } from "../lib/engine";
import { FRAMEWORKS } from "../lib/frameworks";
import { auditIdentityOf, LIVE_VERIFICATION_POLICY } from "../lib/live/audit";
import { whereOf } from "../lib/live/findings";
import { runResourceChecks } from "../lib/live/resource-round";
import type { LiveKind } from "../lib/live/round";
import {
  maxDeliveryAgeHoursOption,
  newTrailGraceMinutesOption,
  quietTrailsMustDeliverOption,
  timeoutSecondsOption,
} from "../lib/options";
import { field, knownStr } from "../lib/plain";
import { type ResourceFinding, resourcePolicy } from "../lib/resource-policy-kit";
import { TYPES } from "../lib/stack";
import { describeFailure } from "./auditguard-live-verification";
import { recordsAllManagementEvents, trailGaps } from "./aws-cloudtrail-trail-declared";
import { judgeTrail } from "./aws-cloudtrail-trail-logging";

export const name = "aws-cloudtrail-trail-discovered";

/** A runner analyses every resource one after another: a shorter deadline than the stack policies' 10 s. */
export const DISCOVERED_TIMEOUT_SECONDS = 5;

export const options = {
  timeoutSeconds: { ...timeoutSecondsOption, default: DISCOVERED_TIMEOUT_SECONDS },
  maxDeliveryAgeHours: maxDeliveryAgeHoursOption,
  newTrailGraceMinutes: newTrailGraceMinutesOption,
  quietTrailsMustDeliver: quietTrailsMustDeliverOption,
};

/** The one property a discovered trail's logging shows (classic shape), judged as the declared policy judges it. */
const PROPERTY_RULES = {
  requireTrail: false,
  requireMultiRegion: false,
  requireLoggingEnabled: true,
  requireGlobalServiceEvents: false,
  requireLogFileValidation: false,
  requireManagementEvents: false,
  requireKmsEncryption: false,
  requireCloudWatchLogs: false,
};

const kind: LiveKind<TrailStatus | NotFound> = {
  id: name,
  label: "CloudTrail trail",
  policyName: name,
  plan: () => [],
};

export const policy = resourcePolicy({
  name,
  description:
    "Each CloudTrail trail a Discovery audit finds is logging and delivering without errors, live (GetTrailStatus) where the pack has credentials.",
  enforcementLevel: "disabled",
  severity: "high",
  framework: FRAMEWORKS.cisAws31,
  tags: ["aws", "cloudtrail", "security-hub:CloudTrail.1", "live", "discovery"],
  remediationSteps:
    "Start the trail (`aws cloudtrail start-logging --name <trail ARN> --region <home region>` in its account, or in the stack that owns it) and fix the bucket, KMS, SNS or CloudWatch Logs permissions named in a delivery error. A trail not verified live needs credentials in the ESC environment attached to the pack (docs/pulumi-cloud.md).",
  url: "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html",
  options,
  types: [TYPES.awsTrail],
  async evaluate(r, config) {
    const facts = discoveredFacts(r);
    const label = `CloudTrail trail '${facts.arn ?? facts.name ?? r.name}'`;
    const propertyFindings: ResourceFinding[] = trailGaps(r.props, PROPERTY_RULES).map((gap) => ({
      message: `${label} ${gap.replace("is declared not logging", "is not logging")}, by its discovered properties.`,
    }));
    // A stack's own trail (a provider, a stack's URN): Analyze runs before the step that creates or changes it, and
    // aws-cloudtrail-trail-logging checks it live after; a call here could only find it missing. A resource with a
    // Discovery URN is checked whatever provider reference it carries.
    if (r.provider && !facts.discoveryUrn) return propertyFindings;
    const audit = auditIdentityOf(engineConfigFor(LIVE_VERIFICATION_POLICY));
    const checks = planDiscoveredTrail(r, facts, audit, config.timeoutSeconds * 1000);
    const entries = await runResourceChecks(kind, checks);
    const findings: ResourceFinding[] = [];
    for (const e of entries) {
      if (!e.outcome.ok) {
        findings.push(...propertyFindings, {
          message: `Not verified live: ${describeFailure(e, e.outcome.failure)}`,
          undetermined: true,
        });
        continue;
      }
      const cloudWatchConfigured = knownStr(field(r.props, "cloudWatchLogsGroupArn")) !== undefined;
      const messages = judgeTrail(
        e.outcome.value as TrailStatus | NotFound,
        whereOf(e.spec),
        { ...config, cloudWatchConfigured },
        {
          logging: true,
          deliveryExpected: config.quietTrailsMustDeliver || recordsAllManagementEvents(r.props),
          trail: e.spec.target,
          region: e.spec.region,
          loggingProp: "enableLogging",
          declaredAs: "trail",
          expectation: {
            why: "an audit expects every trail to log",
            fix:
              `Start it with \`aws cloudtrail start-logging --name ${e.spec.target} --region ${e.spec.region ?? "<its home region>"}\` ` +
              "in its account, or in the stack that owns it.",
          },
        },
        Date.now(),
      );
      findings.push(...messages.map((message) => ({ message })));
    }
    return findings;
  },
});
