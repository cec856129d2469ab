// alicloud-actiontrail-account-coverage: every (account, region) the stack deploys into is covered by a
// logging ActionTrail trail with TrailRegion All (or that region) and EventRW All, whoever owns it (an
// organization trail counts). Live: DescribeTrails → GetTrailStatus, in one round.

import { ALI_TRAIL_COVERAGE_POLICY, aliTrailCoverageKind, aliTrailCoverageOptions } from "../lib/alicloud/coverage";
import { type CoverageFacts, coverageFacts, coverageNotApplicable, uncoveredFindings } from "../lib/live/coverage";
import { stackPolicy } from "../lib/policy-kit";
import { FRAMEWORKS } from "../lib/frameworks";

export const name = ALI_TRAIL_COVERAGE_POLICY;
export const options = aliTrailCoverageOptions;

export function aliTrailCoverageMessage(f: CoverageFacts): string {
  return (
    `Alibaba Cloud account ${f.account}, region ${f.region}: no ActionTrail trail covers it, so API activity there ` +
    `is not delivered anywhere. Found: ${f.found.join("; ")}. Fix: create (or ask the owner of the account baseline ` +
    'for) a trail with trailRegion "All", eventRw "All" and status "Enable", or an organization trail; or start the ' +
    "stopped trail with `aliyun actiontrail StartLogging --Name <trail>` in its home region."
  );
}

export const policy = stackPolicy({
  name,
  description:
    "Every Alibaba Cloud account and region the stack deploys into is covered by a logging all-region, all-event ActionTrail trail, declared by this stack or not (live).",
  enforcementLevel: "advisory",
  severity: "critical",
  framework: FRAMEWORKS.cisAlibaba21,
  tags: ["alicloud", "actiontrail", "live", "coverage"],
  remediationSteps:
    'Create an ActionTrail trail with trailRegion "All", eventRw "All" and status "Enable" (or an organization trail), or start the stopped one; grant actiontrail:DescribeTrails and actiontrail:GetTrailStatus to the identity the pack runs as.',
  url: "https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-describetrails",
  options,
  async evaluate(view, _config, raw) {
    const notApplicable = coverageNotApplicable(view, "alicloud");
    if (notApplicable) return { notApplicable };
    const { facts } = await coverageFacts(name, aliTrailCoverageKind.id, view, raw);
    return uncoveredFindings(facts, aliTrailCoverageMessage);
  },
});
