// aws-cloudtrail-account-coverage: every (account, region) the stack deploys into is covered by a logging
// CloudTrail trail that records read and write management events, whoever owns the trail (an organization
// trail of another account counts). Live: DescribeTrails → GetTrailStatus + GetEventSelectors, in one round.

import { AWS_TRAIL_COVERAGE_POLICY, awsTrailCoverageKind, trailCoverageOptions } from "../lib/aws/coverage";
import { type CoverageFacts, coverageFacts, coverageNotApplicable, uncoveredFindings } from "../lib/live/coverage";
import { stackPolicy } from "../lib/policy-kit";
import { FRAMEWORKS } from "../lib/frameworks";

export const name = AWS_TRAIL_COVERAGE_POLICY;
export const options = trailCoverageOptions;

/** The violation for a region no trail covers. */
export function trailCoverageMessage(f: CoverageFacts): string {
  return (
    `AWS account ${f.account}, region ${f.region}: no CloudTrail trail covers it, so API activity there is not ` +
    `logged. Found: ${f.found.join("; ")}. Fix: create (or ask the owner of the account baseline for) a multi-region ` +
    "trail, or an organization trail, that is logging and records read and write management events; start the " +
    "stopped trail with `aws cloudtrail start-logging --name <trail ARN>` in its home region; or fix the delivery " +
    "named above (the S3 bucket and its policy, the KMS key policy, the CloudWatch Logs role)."
  );
}

export const policy = stackPolicy({
  name,
  description:
    "Every AWS account and region the stack deploys into is covered by a logging CloudTrail trail recording all management events, declared by this stack or not (live).",
  enforcementLevel: "advisory",
  severity: "high",
  framework: FRAMEWORKS.cisAws31,
  tags: ["aws", "cloudtrail", "security-hub:CloudTrail.1", "live", "coverage"],
  remediationSteps:
    "Create a multi-region (or organization) CloudTrail trail that is logging and records read and write management events, or start the stopped one; grant cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus and cloudtrail:GetEventSelectors to the identity the pack runs as.",
  url: "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html",
  options,
  async evaluate(view, _config, raw) {
    const notApplicable = coverageNotApplicable(view, "aws");
    if (notApplicable) return { notApplicable };
    const { facts } = await coverageFacts(name, awsTrailCoverageKind.id, view, raw);
    return uncoveredFindings(facts, trailCoverageMessage);
  },
});
