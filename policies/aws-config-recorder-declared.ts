// aws-config-recorder-declared: the stack declares an AWS Config recorder that will actually record.
// No network: reads declared resources only.

import { type BooleanOption } from "../lib/options";
import { bool, field, knownStr, type Plain, UNKNOWN } from "../lib/plain";
import { type Finding, stackPolicy, type Verdict } from "../lib/policy-kit";
import { regionOf } from "../lib/aws/target";
import { awsRecorders, isNative } from "../lib/aws/native";
import { stackConfig } from "../lib/engine";
import { ofType, type ResourceView, type StackView, TYPES } from "../lib/stack";
import { FRAMEWORKS } from "../lib/frameworks";
import { recordingScope } from "../lib/aws/judges";

export { type RecordingScope, recordingScope } from "../lib/aws/judges";

export const name = "aws-config-recorder-declared";

export const options = {
  // Whether a recorder exists at all is a live question (aws-config-account-coverage): off by default.
  requireRecorder: {
    type: "boolean",
    default: false,
    description:
      "Each region the stack deploys AWS resources to must have a recorder (aws.cfg.Recorder) declared by this stack in that region (aws-config-account-coverage checks live whether some recorder records each region).",
  } satisfies BooleanOption,
  requireGlobalResourceTypes: {
    type: "boolean",
    default: true,
    description:
      "At least one declared recorder must record the global IAM resource types (includeGlobalResourceTypes with allSupported), as CIS AWS 3.3 asks.",
  } satisfies BooleanOption,
  allowExclusions: {
    type: "boolean",
    default: false,
    description:
      "Accept recorders that exclude resource types (EXCLUSION_BY_RESOURCE_TYPES), e.g. under Control Tower.",
  } satisfies BooleanOption,
};

type Config = { requireRecorder: boolean; requireGlobalResourceTypes: boolean; allowExclusions: boolean };

function sameRegion(a: ResourceView, b: ResourceView): boolean {
  const ra = regionOf(a);
  const rb = regionOf(b);
  return !ra.ok || !rb.ok || ra.value === rb.value;
}

function regionLabel(r: ResourceView): string {
  const reg = regionOf(r);
  return reg.ok ? reg.value : "its region";
}

/** Same provider package and provider: two explicit providers may point at two accounts. */
function sameProvider(a: ResourceView, b: ResourceView): boolean {
  if (!a.provider || !b.provider || a.provider.type !== b.provider.type) return true;
  return a.provider.urn === b.provider.urn;
}

/**
 * The aws.cfg.RecorderStatus resources that start or stop this recorder: same recorder name (a status
 * whose name is unknown in preview matches any), same region, same provider.
 */
export function statusesOf(view: StackView, rec: ResourceView): ResourceView[] {
  const recName = knownStr(field(rec.props, "name"));
  return ofType(view, TYPES.awsRecorderStatus).filter((s) => {
    const n = field(s.props, "name");
    const nameMatches = n === UNKNOWN || recName === undefined || n === recName;
    return nameMatches && sameRegion(s, rec) && sameProvider(s, rec);
  });
}

/**
 * Whether the stack means the recorder to record: a linked RecorderStatus with isEnabled true (or unknown);
 * none linked: an aws-native recorder yes (CloudFormation starts it once a delivery channel exists), a
 * classic one is never started by this stack but is still expected to record.
 */
export function declaredRecording(view: StackView, rec: ResourceView): boolean {
  const statuses = statusesOf(view, rec);
  return statuses.length === 0 || statuses.some((s) => bool(field(s.props, "isEnabled")) !== false);
}

// The global IAM types CIS AWS 3.3 wants recorded in at least one region.
const GLOBAL_IAM_TYPES = ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"];

/**
 * Whether a recorder records the global IAM resource types: ALL_SUPPORTED with includeGlobalResourceTypes,
 * an exclusion strategy that does not exclude them, or an inclusion list naming them all. Unknown: yes.
 */
export function recordsGlobalTypes(group: Plain | undefined): boolean {
  const scope = recordingScope(group);
  switch (scope.kind) {
    case "unknown":
      return true;
    case "exclusion":
      return !GLOBAL_IAM_TYPES.some((t) => scope.excluded.includes(t));
    case "inclusion":
      return GLOBAL_IAM_TYPES.every((t) => scope.included.includes(t));
    default: {
      const include = bool(field(group, "includeGlobalResourceTypes"));
      return include === UNKNOWN || include === true;
    }
  }
}

/** The regions the stack deploys AWS resources to, where they can be told. */
export function deployedRegions(view: StackView): string[] {
  const out = new Set<string>();
  for (const site of view.awsSites ?? []) {
    const region =
      site.region ||
      stackConfig(`${site.pkg}:region`) ||
      process.env["AWS_REGION"] ||
      process.env["AWS_DEFAULT_REGION"];
    if (region) out.add(region);
  }
  return [...out].sort();
}

const STARTED_BY_STATUS = "an aws.cfg.DeliveryChannel and an aws.cfg.RecorderStatus { isEnabled: true }";

export function evaluate(view: StackView, config: Config): Verdict {
  if (!view.deploys.aws) return { notApplicable: "the stack deploys no AWS resources" };
  const recorders = awsRecorders(view);
  const channels = ofType(view, TYPES.awsDeliveryChannel);
  const findings: Finding[] = [];
  if (config.requireRecorder) {
    const covered = new Set(recorders.map((r) => regionOf(r)).flatMap((r) => (r.ok ? [r.value] : [])));
    const anyUnresolved = recorders.some((r) => !regionOf(r).ok);
    const missing = anyUnresolved ? [] : deployedRegions(view).filter((r) => !covered.has(r));
    if (recorders.length === 0) {
      const where = missing.length > 0 ? ` (${missing.join(", ")})` : "";
      findings.push({
        message:
          `The stack deploys AWS resources${where} but declares no AWS Config recorder (aws.cfg.Recorder), so ` +
          `configuration changes are not recorded. Declare an aws.cfg.Recorder with ${STARTED_BY_STATUS} in each ` +
          "region the stack deploys to, or set requireRecorder: false if AWS Config is managed outside this stack.",
      });
    } else {
      for (const region of missing) {
        findings.push({
          message:
            `The stack deploys AWS resources in ${region} but declares no AWS Config recorder in ${region}, so ` +
            `configuration changes there are not recorded (a recorder records only its own region). Declare an ` +
            `aws.cfg.Recorder with ${STARTED_BY_STATUS} in ${region}, or set requireRecorder: false if AWS Config is ` +
            "managed outside this stack.",
        });
      }
    }
  }
  if (recorders.length === 0) return findings;
  for (const rec of recorders) {
    const recName = knownStr(field(rec.props, "name"));
    const label = `AWS Config recorder '${recName ?? rec.name}' (${regionLabel(rec)})`;
    const myStatuses = statusesOf(view, rec);
    if (myStatuses.length === 0 && !isNative(rec)) {
      findings.push({
        urn: rec.urn,
        message:
          `${label} has no aws.cfg.RecorderStatus, so it is never started and records nothing. Add ` +
          `new aws.cfg.RecorderStatus("…", { name: recorder.name, isEnabled: true }, { dependsOn: [deliveryChannel] }).`,
      });
    } else if (myStatuses.length > 0 && myStatuses.every((s) => bool(field(s.props, "isEnabled")) === false)) {
      const statusName = myStatuses[0]?.name ?? "its RecorderStatus";
      findings.push({
        urn: rec.urn,
        message:
          `${label} is declared stopped: its aws.cfg.RecorderStatus '${statusName}' has isEnabled: false. This is ` +
          "taken as intended, so aws-config-recorder-recording does not report it not recording. To record, set " +
          `isEnabled: true on RecorderStatus '${statusName}' and run \`pulumi up\`.`,
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
  if (
    config.requireGlobalResourceTypes &&
    !recorders.some((r) => recordsGlobalTypes(field(r.props, "recordingGroup")))
  ) {
    findings.push({
      urn: recorders[0]?.urn,
      message:
        `No declared AWS Config recorder records the global IAM resource types (${GLOBAL_IAM_TYPES.join(", ")}); ` +
        "CIS AWS 3.3 wants them recorded in at least one region. Set recordingGroup.includeGlobalResourceTypes: true " +
        "(with allSupported: true) on the recorder of one region, or set requireGlobalResourceTypes: false if another " +
        "stack's recorder records them.",
    });
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
    "Each region the stack deploys AWS resources to has a declared AWS Config recorder that records all supported resource types, is started (or says it is stopped on purpose) and has a delivery channel; one records the global IAM types.",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: FRAMEWORKS.cisAws33,
  tags: ["aws", "config", "security-hub:Config.1", "declared"],
  remediationSteps:
    "Declare aws.cfg.Recorder (recordingGroup.allSupported: true), aws.cfg.DeliveryChannel and aws.cfg.RecorderStatus { isEnabled: true } in every region the stack deploys to, with includeGlobalResourceTypes: true in one of them.",
  url: "https://docs.aws.amazon.com/securityhub/latest/userguide/config-controls.html",
  options,
  evaluate: (view, config) => evaluate(view, config),
});
