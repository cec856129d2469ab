// alicloud-config-account-coverage: every account the stack deploys into has its Cloud Config recorder
// monitoring (REGISTERED; BUILDING/REBUILDING within grace) and, where requiredResourceTypes is set,
// monitoring those types, whoever enabled it. Cloud Config is account-wide: one check per account (central site).

import { ALI_CONFIG_COVERAGE_POLICY, aliConfigCoverageKind, aliConfigCoverageOptions } from "../lib/alicloud/coverage";
import { type CoverageFacts, coverageFacts, coverageNotApplicable, uncoveredFindings } from "../lib/live/coverage";
import { stackPolicy } from "../lib/policy-kit";

export const name = ALI_CONFIG_COVERAGE_POLICY;
export const options = aliConfigCoverageOptions;

export function aliConfigCoverageMessage(f: CoverageFacts): string {
  return (
    `Alibaba Cloud account ${f.account} (Cloud Config site ${f.region}): Cloud Config is not monitoring the ` +
    `account's resources. Found: ${f.found.join("; ")}. Fix: enable Cloud Config in the console (Cloud Config > ` +
    "Settings) or in the account baseline stack (alicloud.cfg.ConfigurationRecorder), monitoring all resource types " +
    "or at least the required ones."
  );
}

export const policy = stackPolicy({
  name,
  description:
    "Every Alibaba Cloud account the stack deploys into has Cloud Config monitoring (REGISTERED), declared by this stack or not (live).",
  enforcementLevel: "advisory",
  severity: "high",
  tags: ["alicloud", "config", "live", "coverage"],
  remediationSteps:
    "Enable Cloud Config for the account (Cloud Config > Settings, or alicloud.cfg.ConfigurationRecorder in the baseline stack); grant config:GetConfigurationRecorder to the identity the pack runs as.",
  url: "https://www.alibabacloud.com/help/en/cloud-config/latest/api-config-2020-09-07-getconfigurationrecorder",
  options,
  async evaluate(view, _config, raw) {
    const notApplicable = coverageNotApplicable(view, "alicloud");
    if (notApplicable) return { notApplicable };
    const { facts } = await coverageFacts(name, aliConfigCoverageKind.id, view, raw);
    return uncoveredFindings(facts, aliConfigCoverageMessage);
  },
});
