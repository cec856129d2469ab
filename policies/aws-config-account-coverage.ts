// aws-config-account-coverage: every (account, region) the stack deploys into has an AWS Config recorder
// that is recording all supported types (a customer-managed one, or a PAID service-linked one), whoever set
// it up; global resource types (IAM) are recorded in at least one of the account's regions. Live.

import { AWS_CONFIG_COVERAGE_POLICY, awsConfigCoverageKind, configCoverageOptions } from "../lib/aws/coverage";
import { canRecordGlobalIamTypes } from "../lib/aws/coverage-rules";
import { type CoverageFacts, coverageFacts, coverageNotApplicable, uncoveredFindings } from "../lib/live/coverage";
import type { Finding } from "../lib/policy-kit";
import { stackPolicy } from "../lib/policy-kit";
import { FRAMEWORKS } from "../lib/frameworks";

export const name = AWS_CONFIG_COVERAGE_POLICY;
export const options = configCoverageOptions;

export function configCoverageMessage(f: CoverageFacts): string {
  return (
    `AWS account ${f.account}, region ${f.region}: no AWS Config recorder is recording there, so configuration ` +
    `changes are not recorded. Found: ${f.found.join("; ")}. Fix: set up a configuration recorder recording all ` +
    "supported resource types with a delivery channel (aws.cfg.Recorder, DeliveryChannel, RecorderStatus " +
    "{ isEnabled: true } in the account baseline), or start the stopped one with " +
    "`aws configservice start-configuration-recorder --configuration-recorder-name <name>`."
  );
}

/**
 * One finding per account where no Region records the global resource types (IAM users, groups, roles,
 * policies): judged by the account-wide check (lib/aws/coverage.ts), which asks the stack's Regions, then the
 * account's other Regions where AWS Config can record them. The fix names only such Regions: AWS Config cannot
 * record them in Regions launched since February 2022.
 */
export function globalTypesFindings(facts: CoverageFacts[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const f of [...facts].sort((a, b) => a.account.localeCompare(b.account))) {
    const g = f.globalTypes;
    if (!g || f.coveredBy || g.recordedIn || seen.has(f.account)) continue;
    seen.add(f.account);
    const recordable = g.stackRegions.filter(canRecordGlobalIamTypes);
    const unrecordable = g.stackRegions.filter((r) => !canRecordGlobalIamTypes(r));
    // The probed Regions come in GLOBAL_IAM_REGIONS order: us-east-1 (enabled by default) first.
    const where = recordable[0] ?? g.probed[0] ?? "us-east-1";
    out.push({
      message:
        `AWS account ${f.account}: no AWS Config recorder records global resource types (IAM users, groups, roles, ` +
        `customer managed policies) in any Region of the account that can record them, so IAM changes are not ` +
        `recorded. Asked: this stack's Regions (${g.stackRegions.join(", ")}) and the account's other Regions ` +
        `where AWS Config can record them (${g.probed.length}).` +
        (unrecordable.length
          ? ` AWS Config cannot record them in ${unrecordable.join(", ")} (Regions launched since February 2022).`
          : "") +
        ` Fix: set recordingGroup.includeGlobalResourceTypes: true on the recorder of one such Region of the account ` +
        `(AWS advises exactly one), e.g. ${where}; or set checkGlobalResourceTypes: false.`,
    });
  }
  return out;
}

export const policy = stackPolicy({
  name,
  description:
    "Every AWS account and region the stack deploys into has an AWS Config recorder recording all supported types, declared by this stack or not (live).",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: FRAMEWORKS.cisAws33,
  tags: ["aws", "config", "security-hub:Config.1", "live", "coverage"],
  remediationSteps:
    "Set up (or start) an AWS Config recorder recording all supported resource types in each region, with global types in one; grant config:DescribeConfigurationRecorders, config:DescribeConfigurationRecorderStatus and config:ListConfigurationRecorders to the identity the pack runs as.",
  url: "https://docs.aws.amazon.com/config/latest/APIReference/API_ListConfigurationRecorders.html",
  options,
  async evaluate(view, config, raw) {
    const notApplicable = coverageNotApplicable(view, "aws");
    if (notApplicable) return { notApplicable };
    const { facts } = await coverageFacts(name, awsConfigCoverageKind.id, view, raw);
    return [
      ...uncoveredFindings(facts, configCoverageMessage),
      ...(config.checkGlobalResourceTypes ? globalTypesFindings(facts) : []),
    ];
  },
});
