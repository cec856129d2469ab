// aws-config-account-coverage: every (account, region) the stack deploys into has an AWS Config recorder
// that is recording all supported types (a customer-managed one, or a PAID service-linked one), whoever set
// it up; global resource types (IAM) are recorded in at least one of the account's regions. Live.

import { AWS_CONFIG_COVERAGE_POLICY, awsConfigCoverageKind, configCoverageOptions } from "../lib/aws/coverage";
import { type CoverageFacts, coverageFacts, uncoveredFindings } from "../lib/live/coverage";
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
 * One finding per account none of whose checked regions records global resource types; only when every
 * checked region of the account was determined (an undetermined region might be the one that records them).
 */
export function globalTypesFindings(facts: CoverageFacts[], undetermined: number): Finding[] {
  if (undetermined > 0) return [];
  const byAccount = new Map<string, CoverageFacts[]>();
  for (const f of facts) byAccount.set(f.account, [...(byAccount.get(f.account) ?? []), f]);
  const out: Finding[] = [];
  for (const [account, regions] of [...byAccount].sort(([a], [b]) => a.localeCompare(b))) {
    if (!/^\d{12}$/.test(account) || regions.some((r) => r.recordsGlobalTypes)) continue;
    // A region with no recording recorder is already reported; say the global gap only where something records.
    if (!regions.some((r) => r.coveredBy)) continue;
    const names = regions.map((r) => r.region).sort();
    out.push({
      message:
        `AWS account ${account}: no recorder in the regions this stack deploys into (${names.join(", ")}) records ` +
        "global resource types (IAM users, roles, policies), so IAM changes are not recorded. Fix: set " +
        "recordingGroup.includeGlobalResourceTypes: true on the recorder of one region (usually the home region), or " +
        "set checkGlobalResourceTypes: false if a region outside this stack records them.",
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
    if (!view.deploys.aws) return { notApplicable: "the stack deploys no AWS resources" };
    const { facts, undetermined } = await coverageFacts(name, awsConfigCoverageKind.id, view, raw);
    return [
      ...uncoveredFindings(facts, configCoverageMessage),
      ...(config.checkGlobalResourceTypes ? globalTypesFindings(facts, undetermined) : []),
    ];
  },
});
