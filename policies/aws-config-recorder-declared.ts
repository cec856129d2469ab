// aws-config-recorder-declared: the stack declares an AWS Config recorder that will actually record.
// No network: reads declared resources only.

import { type BooleanOption } from "../lib/options";
import { bool, field, isObject, knownStr, list, type Plain, strList, UNKNOWN } from "../lib/plain";
import { type Finding, stackPolicy, type Verdict } from "../lib/policy-kit";
import { regionOf } from "../lib/aws/target";
import { ofType, type ResourceView, type StackView, TYPES } from "../lib/stack";
import { FRAMEWORKS } from "../lib/frameworks";

export const name = "aws-config-recorder-declared";

export const options = {
  requireRecorder: {
    type: "boolean",
    default: true,
    description:
      "A stack that deploys AWS resources must declare an aws.cfg.Recorder (turn off where Config is managed centrally).",
  } satisfies BooleanOption,
  allowExclusions: {
    type: "boolean",
    default: false,
    description:
      "Accept recorders that exclude resource types (EXCLUSION_BY_RESOURCE_TYPES), e.g. under Control Tower.",
  } satisfies BooleanOption,
};

type Config = { requireRecorder: boolean; allowExclusions: boolean };

export type RecordingScope =
  | { kind: "all" }
  | { kind: "exclusion"; excluded: string[] }
  | { kind: "inclusion"; included: string[] }
  | { kind: "unknown" };

/** What a recordingGroup records (TF default: all supported types). */
export function recordingScope(group: Plain | undefined): RecordingScope {
  if (group === UNKNOWN) return { kind: "unknown" };
  if (!isObject(group)) return { kind: "all" };
  const strategies = list(field(group, "recordingStrategies"));
  if (strategies === UNKNOWN) return { kind: "unknown" };
  // An empty useOnly (planned state, or a strategy block left blank) decides nothing.
  const useOnly = strategies
    ?.map((s) => field(s, "useOnly"))
    .find((v) => v === UNKNOWN || (typeof v === "string" && v !== ""));
  if (useOnly === UNKNOWN) return { kind: "unknown" };
  const allSupported = bool(field(group, "allSupported"));
  if (useOnly === "ALL_SUPPORTED_RESOURCE_TYPES" || (useOnly === undefined && allSupported !== false)) {
    return allSupported === UNKNOWN && useOnly === undefined ? { kind: "unknown" } : { kind: "all" };
  }
  if (useOnly === "EXCLUSION_BY_RESOURCE_TYPES") {
    const blocks = list(field(group, "exclusionByResourceTypes"));
    if (blocks === UNKNOWN) return { kind: "unknown" };
    const excluded: string[] = [];
    for (const b of blocks ?? []) {
      const types = strList(field(b, "resourceTypes"));
      if (types === UNKNOWN) return { kind: "unknown" };
      excluded.push(...(types ?? []));
    }
    return { kind: "exclusion", excluded };
  }
  const included = strList(field(group, "resourceTypes"));
  if (included === UNKNOWN) return { kind: "unknown" };
  return { kind: "inclusion", included: included ?? [] };
}

function sameRegion(a: ResourceView, b: ResourceView): boolean {
  const ra = regionOf(a);
  const rb = regionOf(b);
  return !ra.ok || !rb.ok || ra.value === rb.value;
}

function regionLabel(r: ResourceView): string {
  const reg = regionOf(r);
  return reg.ok ? reg.value : "its region";
}

export function evaluate(view: StackView, config: Config): Verdict {
  if (!view.deploys.aws) return { notApplicable: "the stack deploys no AWS resources" };
  const recorders = ofType(view, TYPES.awsRecorder);
  const statuses = ofType(view, TYPES.awsRecorderStatus);
  const channels = ofType(view, TYPES.awsDeliveryChannel);
  const findings: Finding[] = [];
  if (recorders.length === 0) {
    if (config.requireRecorder) {
      findings.push({
        message:
          "The stack deploys AWS resources but declares no AWS Config recorder (aws.cfg.Recorder), so configuration " +
          "changes are not recorded. Declare an aws.cfg.Recorder with an aws.cfg.DeliveryChannel and an " +
          "aws.cfg.RecorderStatus { isEnabled: true } in each region the stack uses, or set requireRecorder: false " +
          "if AWS Config is managed outside this stack.",
      });
    }
    return findings;
  }
  for (const rec of recorders) {
    const recName = knownStr(field(rec.props, "name"));
    const label = `AWS Config recorder '${recName ?? rec.name}' (${regionLabel(rec)})`;
    const myStatuses = statuses.filter((s) => {
      const n = field(s.props, "name");
      return n === UNKNOWN || recName === undefined ? sameRegion(s, rec) : n === recName && sameRegion(s, rec);
    });
    if (myStatuses.length === 0) {
      findings.push({
        urn: rec.urn,
        message:
          `${label} has no aws.cfg.RecorderStatus, so it is never started and records nothing. Add ` +
          `new aws.cfg.RecorderStatus("…", { name: recorder.name, isEnabled: true }, { dependsOn: [deliveryChannel] }).`,
      });
    } else if (myStatuses.every((s) => bool(field(s.props, "isEnabled")) === false)) {
      findings.push({
        urn: rec.urn,
        message: `${label} is declared stopped: its aws.cfg.RecorderStatus has isEnabled: false. Set isEnabled: true.`,
      });
    }
    if (!channels.some((c) => sameRegion(c, rec))) {
      findings.push({
        urn: rec.urn,
        message:
          `${label} has no aws.cfg.DeliveryChannel in the same region, so it cannot start ` +
          `(NoAvailableDeliveryChannelException) and delivers nothing. Declare an aws.cfg.DeliveryChannel with an S3 bucket.`,
      });
    }
    const scope = recordingScope(field(rec.props, "recordingGroup"));
    if (scope.kind === "inclusion") {
      findings.push({
        urn: rec.urn,
        message:
          `${label} records only ${scope.included.length} selected resource type(s) ` +
          `(${preview(scope.included)}), not all supported types. Set recordingGroup.allSupported: true ` +
          `(CIS AWS 3.3, Security Hub Config.1).`,
      });
    } else if (scope.kind === "exclusion" && !config.allowExclusions) {
      findings.push({
        urn: rec.urn,
        message:
          `${label} excludes ${scope.excluded.length} resource type(s) from recording (${preview(scope.excluded)}). ` +
          `Record all supported types, or set allowExclusions: true if the exclusions are intended.`,
      });
    }
  }
  return findings;
}

function preview(types: string[]): string {
  const shown = types.slice(0, 5).join(", ");
  return types.length > 5 ? `${shown}, …` : shown || "none";
}

export const policy = stackPolicy({
  name,
  description:
    "The stack declares an AWS Config recorder that records all supported resource types, is started, and has a delivery channel.",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: FRAMEWORKS.cisAws33,
  tags: ["aws", "config", "security-hub:Config.1", "declared"],
  remediationSteps:
    "Declare aws.cfg.Recorder (recordingGroup.allSupported: true), aws.cfg.DeliveryChannel and aws.cfg.RecorderStatus { isEnabled: true } in every region the stack uses.",
  url: "https://docs.aws.amazon.com/securityhub/latest/userguide/config-controls.html",
  options,
  evaluate: (view, config) => evaluate(view, config),
});
