// The Alibaba Cloud live checks: which declared resources get a status call, with what, where.
// Pure planning; the calls are in ./sdk, loaded only when a call is made.

import { bool, field, knownStr, UNKNOWN } from "../plain";
import { type EnumOption, readOptions, timeoutSecondsOption } from "../options";
import { type CallSpec, failure, type Outcome } from "../live/outcome";
import type { LiveKind, PlannedCheck, RoundContext } from "../live/round";
import { ofType, type ResourceView, TYPES } from "../stack";
import type { AliNotFound, AliRecorder, AliTrailStatus } from "./sdk";
import {
  aliRegionOf,
  aliResolveTarget,
  type AliEndpoint,
  type AliTarget,
  CONFIG_SITES,
  configSiteOf,
  type ConfigSite,
  endpointOverride,
  parseEndpoint,
} from "./target";

export const ALI_RECORDER_POLICY = "alicloud-config-recorder-recording";
export const ALI_TRAIL_POLICY = "alicloud-actiontrail-trail-logging";

export const ALI_ACTIONS = {
  recorder: { action: "GetConfigurationRecorder", permission: "config:GetConfigurationRecorder" },
  trail: { action: "GetTrailStatus", permission: "actiontrail:GetTrailStatus" },
} as const;

export const configSiteOption: EnumOption<"auto" | ConfigSite> = {
  type: "string",
  enum: ["auto", "china", "international"],
  default: "auto",
  description:
    "Cloud Config API site: china (config.cn-shanghai), international (config.ap-southeast-1), or auto (provider accountType, else cn-* regions = china).",
};

const recorderOptions = { timeoutSeconds: timeoutSecondsOption, configSite: configSiteOption };
const trailOptions = { timeoutSeconds: timeoutSecondsOption };

type Sdk = typeof import("./sdk");

export const aliRecorderKind: LiveKind<AliRecorder | AliNotFound> = {
  id: "alicloud-config-recorder",
  label: "Alibaba Cloud Config recorder",
  policyName: ALI_RECORDER_POLICY,
  plan(view, raw) {
    const o = readOptions(recorderOptions, raw);
    const timeoutMs = o.timeoutSeconds * 1000;
    return ofType(view, TYPES.aliRecorder)
      .filter((r) => r.exists)
      .flatMap((r) => {
        const site = CONFIG_SITES[configSiteOf(r, o.configSite)];
        // The recorder is account-wide and has no name; its resource id is the account id.
        const account = knownStr(field(r.props, "id"));
        const checks = planAli(
          r,
          "config",
          ALI_ACTIONS.recorder,
          site.host,
          aliRegionOf(r),
          site.region,
          account ? `account ${account}` : "account recorder",
          timeoutMs,
          (sdk, ctx, t, signal) => sdk.getConfigurationRecorder(ctx, t, timeoutMs, signal),
          account,
        );
        for (const c of checks) c.spec.account ??= account;
        return checks;
      });
  },
};

export const aliTrailKind: LiveKind<AliTrailStatus | AliNotFound> = {
  id: "alicloud-actiontrail-trail",
  label: "ActionTrail trail",
  policyName: ALI_TRAIL_POLICY,
  plan(view, raw) {
    const timeoutMs = readOptions(trailOptions, raw).timeoutSeconds * 1000;
    return ofType(view, TYPES.aliTrail)
      .filter((r) => r.exists)
      .flatMap((r) => {
        const name = knownStr(field(r.props, "trailName")) ?? knownStr(field(r.props, "name"));
        const region = aliRegionOf(r);
        const org = bool(field(r.props, "isOrganizationTrail")) === true;
        const spec: CallSpec = {
          cloud: "alicloud",
          ...ALI_ACTIONS.trail,
          region,
          account: undefined,
          target: name ?? r.name,
        };
        if (!name) return [{ urn: r.urn, spec, outcome: failure("bad-target", "the trail's name is not known") }];
        if (!region) {
          return [
            {
              urn: r.urn,
              spec,
              outcome: failure(
                "bad-target",
                "no home region: set the provider's region, stack config alicloud:region, or ALIBABA_CLOUD_REGION_ID",
              ),
            },
          ];
        }
        return planAli(
          r,
          "actiontrail",
          ALI_ACTIONS.trail,
          `actiontrail.${region}.aliyuncs.com`,
          region,
          undefined,
          name,
          timeoutMs,
          (sdk, ctx, t, signal) => sdk.getTrailStatus(ctx, t, name, org, timeoutMs, signal),
        );
      });
  },
};

function planAli<T>(
  r: ResourceView,
  service: "config" | "actiontrail",
  api: { action: string; permission: string },
  defaultHost: string,
  region: string | undefined,
  apiRegion: string | undefined,
  id: string,
  timeoutMs: number,
  call: (sdk: Sdk, ctx: RoundContext, target: AliTarget, signal: AbortSignal) => Promise<Outcome<T>>,
  /** The account the call acts on where the resource tells it (a recorder's id). */
  account?: string,
): PlannedCheck<T>[] {
  const spec: CallSpec = {
    cloud: "alicloud",
    ...api,
    region,
    ...(apiRegion ? { apiRegion } : {}),
    account: undefined,
    target: id,
  };
  const override = endpointOverride(r, service);
  // An endpoint override not known until the update: the call must not go to the default host instead.
  if (override === UNKNOWN) return [];
  let endpoint: AliEndpoint;
  if (override) {
    const parsed = parseEndpoint(override);
    if (typeof parsed === "string") {
      return [{ urn: r.urn, spec, outcome: failure("bad-target", `the provider's ${service} endpoint is ${parsed}`) }];
    }
    endpoint = parsed;
  } else {
    endpoint = { protocol: "HTTPS", host: defaultHost };
  }
  spec.endpoint = `${endpoint.protocol.toLowerCase()}://${endpoint.host}`;
  const target = aliResolveTarget(r, endpoint, account);
  if (!target.ok) return target.unknown ? [] : [{ urn: r.urn, spec, outcome: failure("bad-target", target.why) }];
  const t = target.value;
  spec.account = t.account;
  return [
    {
      urn: r.urn,
      spec,
      key: ["alicloud", api.action, endpoint.protocol, endpoint.host, t.credentialsId, id].join("|"),
      // Limits are per account, region and action: Config's central region, else the trail's home region.
      rateKey: ["alicloud", t.account ?? t.credentialsId, apiRegion ?? region ?? endpoint.host, api.action].join("|"),
      timeoutMs,
      attempt: (ctx, signal) => call(require("./sdk") as Sdk, ctx, t, signal),
    },
  ];
}
