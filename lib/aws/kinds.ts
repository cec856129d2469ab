// The AWS live checks: which declared resources get a status call, with what, where. Pure planning;
// the calls themselves are in ./sdk, loaded only when a call is made.

import { field, knownStr, UNKNOWN_SENTINELS } from "../plain";
import { readOptions, timeoutSecondsOption } from "../options";
import { type CallSpec, failure, type Outcome } from "../live/outcome";
import type { LiveKind, PlannedCheck, RoundContext } from "../live/round";
import type { ResourceView } from "../stack";
import { awsRecorders, awsTrails } from "./native";
import type { NotFound, RecorderStatus, TrailStatus } from "./sdk";
import { type AwsService, type AwsTarget, regionOf, regionOfArn, resolveTarget } from "./target";

export const AWS_RECORDER_POLICY = "aws-config-recorder-recording";
export const AWS_TRAIL_POLICY = "aws-cloudtrail-trail-logging";

export const AWS_ACTIONS = {
  recorder: { action: "DescribeConfigurationRecorderStatus", permission: "config:DescribeConfigurationRecorderStatus" },
  trail: { action: "GetTrailStatus", permission: "cloudtrail:GetTrailStatus" },
} as const;

const liveOptions = { timeoutSeconds: timeoutSecondsOption };

export const awsRecorderKind: LiveKind<RecorderStatus | NotFound> = {
  id: "aws-config-recorder",
  label: "AWS Config recorder",
  policyName: AWS_RECORDER_POLICY,
  plan(view, raw) {
    const timeoutMs = readOptions(liveOptions, raw).timeoutSeconds * 1000;
    return awsRecorders(view)
      .filter(exists)
      .flatMap((r) => {
        const name = knownStr(field(r.props, "name"));
        return planAws(
          r,
          "config",
          AWS_ACTIONS.recorder,
          name,
          undefined,
          undefined,
          timeoutMs,
          (sdk, ctx, target, signal) => sdk.describeRecorderStatus(ctx, target, name ?? "", timeoutMs, signal),
        );
      });
  },
};

export const awsTrailKind: LiveKind<TrailStatus | NotFound> = {
  id: "aws-cloudtrail-trail",
  label: "CloudTrail trail",
  policyName: AWS_TRAIL_POLICY,
  plan(view, raw) {
    const timeoutMs = readOptions(liveOptions, raw).timeoutSeconds * 1000;
    return awsTrails(view)
      .filter(exists)
      .flatMap((r) => {
        // GetTrailStatus by ARN in the trail's home region: a bare name fails for shadow and org trails.
        // The resource id of a trail is its ARN: use it when the arn output is absent.
        const idOutput = knownStr(field(r.props, "id"));
        const arn = knownStr(field(r.props, "arn")) ?? (idOutput?.startsWith("arn:") ? idOutput : undefined);
        const id = arn ?? knownStr(field(r.props, "name"));
        const home = knownStr(field(r.props, "homeRegion")) ?? regionOfArn(arn);
        return planAws(r, "cloudtrail", AWS_ACTIONS.trail, id, home, arn, timeoutMs, (sdk, ctx, target, signal) =>
          sdk.getTrailStatus(ctx, target, id ?? "", timeoutMs, signal),
        );
      });
  },
};

/** Resources that exist in the cloud (classic and aws-native, in the classic shape); one being created in this preview gets no call. */
function exists(r: ResourceView): boolean {
  return r.exists;
}

type Sdk = typeof import("./sdk");

export function planAws<T>(
  r: ResourceView,
  service: AwsService,
  api: { action: string; permission: string },
  id: string | undefined,
  homeRegion: string | undefined,
  arn: string | undefined,
  timeoutMs: number,
  call: (sdk: Sdk, ctx: RoundContext, target: AwsTarget, signal: AbortSignal) => Promise<Outcome<T>>,
  /** Where the call goes; by default the resource's provider (lib/aws/target.ts resolveTarget). */
  resolve: typeof resolveTarget = resolveTarget,
): PlannedCheck<T>[] {
  const region = homeRegion ? { ok: true as const, value: homeRegion } : regionOf(r);
  const spec: CallSpec = {
    cloud: "aws",
    action: api.action,
    permission: api.permission,
    region: region.ok ? region.value : undefined,
    account: undefined,
    target: id ?? r.name,
  };
  // A value built from an unknown (a sentinel inside an ARN) is as unknown as the sentinel itself.
  if (!id || [...UNKNOWN_SENTINELS].some((s) => id.includes(s)))
    return [{ urn: r.urn, spec, outcome: failure("bad-target", "the resource's name/ARN output is not known") }];
  if (!region.ok) return [{ urn: r.urn, spec, outcome: failure("bad-target", region.why) }];
  const target = resolve(r, service, region.value, arn);
  if (!target.ok) {
    // Provider settings that are themselves unknown (preview) mean the provider is being replaced: no call.
    if (target.unknown) return [];
    const extra = target.advisoryOnly ? { advisoryOnly: true } : {};
    return [{ urn: r.urn, spec, outcome: failure(target.reason ?? "bad-target", target.why, extra) }];
  }
  const t = target.value;
  spec.account = t.account;
  if (t.endpoint) spec.endpoint = t.endpoint;
  for (const [label, url] of [
    [service, t.endpoint],
    ["sts", t.stsEndpoint],
  ] as const) {
    if (url !== undefined && !isUrl(url)) {
      return [
        { urn: r.urn, spec, outcome: failure("bad-target", `the provider's ${label} endpoint is not a valid URL`) },
      ];
    }
  }
  return [
    {
      urn: r.urn,
      spec,
      key: ["aws", api.action, region.value, t.endpoint ?? "", t.credentialsId, id].join("|"),
      rateKey: ["aws", t.account ?? t.credentialsId, region.value, api.action].join("|"),
      timeoutMs,
      attempt: (ctx, signal) => call(require("./sdk") as Sdk, ctx, t, signal),
    },
  ];
}

/** An http(s) URL, as the provider accepts an endpoint override (coverage checks them alike). */
export function isUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
