// alicloud-config-recorder-declared: the stack declares an Alibaba Cloud Config recorder, and says which
// resource types go unmonitored where it restricts them. No network.

import type { BooleanOption, StringListOption } from "../lib/options";
import { field, strList, UNKNOWN } from "../lib/plain";
import { type Finding, stackPolicy, type Verdict } from "../lib/policy-kit";
import { ofType, type StackView, TYPES } from "../lib/stack";

export const name = "alicloud-config-recorder-declared";

export const options = {
  // Whether Cloud Config is on at all is a live question (alicloud-config-account-coverage): off by default.
  requireRecorder: {
    type: "boolean",
    default: false,
    description:
      "A stack that deploys Alibaba Cloud resources must itself declare an alicloud.cfg.ConfigurationRecorder (alicloud-config-account-coverage checks live whether Cloud Config records the account).",
  } satisfies BooleanOption,
  allowRestrictedResourceTypes: {
    type: "boolean",
    default: false,
    description:
      "Accept a recorder whose resourceTypes restricts monitoring to a list (all other types go unmonitored).",
  } satisfies BooleanOption,
  requiredResourceTypes: {
    type: "array",
    default: [],
    description: "Resource types the recorder must monitor, e.g. ACS::ECS::Instance.",
  } satisfies StringListOption,
};

export interface AliRecorderConfig {
  requireRecorder: boolean;
  allowRestrictedResourceTypes: boolean;
  requiredResourceTypes: readonly string[];
}

export function evaluate(view: StackView, config: AliRecorderConfig): Verdict {
  if (!view.deploys.alicloud) return { notApplicable: "the stack deploys no Alibaba Cloud resources" };
  const recorders = ofType(view, TYPES.aliRecorder);
  if (recorders.length === 0) {
    return config.requireRecorder
      ? [
          {
            message:
              "The stack deploys Alibaba Cloud resources but declares no Cloud Config recorder " +
              "(alicloud.cfg.ConfigurationRecorder), so resource configuration is not monitored. Declare one, or set " +
              "requireRecorder: false if Cloud Config is managed outside this stack.",
          },
        ]
      : [];
  }
  const findings: Finding[] = [];
  for (const r of recorders) {
    const types = strList(field(r.props, "resourceTypes"));
    if (types === UNKNOWN) continue;
    // resourceTypes is optional and computed: for a recorder that exists, the list may be the provider's
    // copy of every type the account monitors, not a restriction the user wrote. A stack policy sees only
    // these values, so "restricted" is judged only where the list is certainly the user's: a recorder this
    // preview creates. Required types missing from the list are unmonitored whoever filled it.
    const restricted = (types ?? []).length > 0;
    const userWritten = !r.exists;
    const monitored = new Set(types ?? []);
    const missing = restricted ? config.requiredResourceTypes.filter((t) => !monitored.has(t)) : [];
    if (missing.length > 0) {
      findings.push({
        urn: r.urn,
        message:
          `Cloud Config recorder monitors only ${monitored.size} resource type(s); required types go unmonitored: ` +
          `${missing.join(", ")}. Add them to resourceTypes, or leave resourceTypes empty to monitor all supported types.`,
      });
    } else if (restricted && userWritten && !config.allowRestrictedResourceTypes) {
      findings.push({
        urn: r.urn,
        message:
          `Cloud Config recorder monitors only these ${monitored.size} resource type(s): ${[...monitored].slice(0, 10).join(", ")}` +
          `${monitored.size > 10 ? ", …" : ""}; every other supported type goes unmonitored. Leave resourceTypes empty to ` +
          "monitor all types, or set allowRestrictedResourceTypes: true.",
      });
    }
  }
  return findings;
}

export const policy = stackPolicy({
  name,
  description:
    "The stack declares an Alibaba Cloud Config recorder that monitors all (or all required) resource types.",
  enforcementLevel: "advisory",
  severity: "medium",
  tags: ["alicloud", "config", "declared"],
  remediationSteps:
    "Declare alicloud.cfg.ConfigurationRecorder with no resourceTypes restriction, or with every required type.",
  url: "https://www.alibabacloud.com/help/en/cloud-config/latest/api-config-2020-09-07-getconfigurationrecorder",
  options,
  evaluate: (view, config) => evaluate(view, config),
});
