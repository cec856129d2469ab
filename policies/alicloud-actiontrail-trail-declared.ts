// alicloud-actiontrail-trail-declared: the stack declares at least one ActionTrail trail that is enabled,
// covers all regions and all events, and delivers somewhere. No network.

import type { BooleanOption } from "../lib/options";
import { field, knownStr, UNKNOWN } from "../lib/plain";
import { type Finding, stackPolicy, type Verdict } from "../lib/policy-kit";
import { type StackView, TYPES } from "../lib/stack";
import { aliTrailNameOf, aliTrailsOf } from "../lib/alicloud/kinds";
import { FRAMEWORKS } from "../lib/frameworks";

export const name = "alicloud-actiontrail-trail-declared";

const on = (description: string): BooleanOption => ({ type: "boolean", default: true, description });
export const options = {
  // Whether a trail exists at all is a live question (alicloud-actiontrail-account-coverage): off by default.
  requireTrail: {
    type: "boolean",
    default: false,
    description:
      "A stack that deploys Alibaba Cloud resources must itself declare an alicloud.actiontrail.Trail (alicloud-actiontrail-account-coverage checks live whether some trail covers the account).",
  } satisfies BooleanOption,
  requireEnabled: on(
    "The trail must be declared with status Enable (not Disable; a trail without status can stay Fresh, never logging).",
  ),
  requireAllRegions: on("The trail must cover all regions (trailRegion All)."),
  requireAllEvents: on("The trail must record read and write events (eventRw All)."),
  requireDeliveryTarget: on("The trail must deliver to an OSS bucket, an SLS project or a MaxCompute project."),
};
export type AliTrailConfig = { [K in keyof typeof options]: boolean };

/** `deprecated`: the legacy TrailDeprecated resource, whose eventRw defaults to Write (the current one: All). */
export function aliTrailGaps(props: Parameters<typeof field>[0], config: AliTrailConfig, deprecated = false): string[] {
  const gaps: string[] = [];
  const value = (k: string): string | typeof UNKNOWN | undefined => {
    const v = field(props, k);
    return v === UNKNOWN ? UNKNOWN : knownStr(v);
  };
  const status = value("status");
  if (config.requireEnabled && status !== UNKNOWN && status !== "Enable") {
    gaps.push(
      status === undefined
        ? 'declares no status, so it can stay Fresh (created, never logging): set status: "Enable"'
        : `has status ${status} (set status: "Enable")`,
    );
  }
  const region = value("trailRegion");
  if (config.requireAllRegions && region !== UNKNOWN && region !== undefined && region !== "All") {
    gaps.push(`covers only region ${region} (set trailRegion: "All")`);
  }
  const rw = value("eventRw") ?? (deprecated ? "Write" : undefined);
  if (config.requireAllEvents && rw !== UNKNOWN && rw !== undefined && rw !== "All") {
    gaps.push(`records only ${rw} events (set eventRw: "All")`);
  }
  if (config.requireDeliveryTarget) {
    const targets = ["ossBucketName", "slsProjectArn", "maxComputeProjectArn"].map(value);
    if (targets.every((t) => t === undefined))
      gaps.push("delivers nowhere (set ossBucketName, slsProjectArn or maxComputeProjectArn)");
  }
  return gaps;
}

export function evaluate(view: StackView, config: AliTrailConfig): Verdict {
  if (!view.deploys.alicloud) return { notApplicable: "the stack deploys no Alibaba Cloud resources" };
  const trails = aliTrailsOf(view);
  if (trails.length === 0) {
    return config.requireTrail
      ? [
          {
            message:
              "The stack deploys Alibaba Cloud resources but declares no ActionTrail trail (alicloud.actiontrail.Trail), so " +
              "API activity is not delivered anywhere by this stack. Declare a trail with status Enable, trailRegion All, " +
              "eventRw All and an OSS bucket, SLS project or MaxCompute project, or set requireTrail: false if another trail covers the account.",
          },
        ]
      : [];
  }
  const gaps = trails.map((t) => ({ t, g: aliTrailGaps(t.props, config, t.type === TYPES.aliTrailDeprecated) }));
  if (gaps.some(({ g }) => g.length === 0)) return [];
  return gaps.map(({ t, g }): Finding => ({
    urn: t.urn,
    message: `No declared trail meets the baseline. ActionTrail trail '${aliTrailNameOf(t) ?? t.name}' ${g.join("; ")}.`,
  }));
}

export const policy = stackPolicy({
  name,
  description:
    "The stack declares an ActionTrail trail that is enabled, covers all regions and all events, and delivers to OSS, SLS or MaxCompute.",
  enforcementLevel: "advisory",
  severity: "critical",
  framework: FRAMEWORKS.cisAlibaba21,
  tags: ["alicloud", "actiontrail", "declared"],
  remediationSteps:
    'Declare alicloud.actiontrail.Trail with status: "Enable", trailRegion: "All", eventRw: "All" and ossBucketName, slsProjectArn or maxComputeProjectArn.',
  url: "https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-gettrailstatus",
  options,
  evaluate: (view, config) => evaluate(view, config),
});
