// The Alibaba Cloud live checks: which declared resources get a status call, with what, where.
// Pure planning; the calls are in ./sdk, loaded only when a call is made.

import { bool, field, knownStr, UNKNOWN } from "../plain";
import { type EnumOption, readOptions, timeoutSecondsOption } from "../options";
import { type CallSpec, failure, type Outcome } from "../live/outcome";
import type { LiveKind, PlannedCheck, RoundContext } from "../live/round";
import { ofType, type ResourceView, type StackView, TYPES } from "../stack";
import { aliServiceHost } from "./endpoints";
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
    "Cloud Config API site of the account: china (config.cn-shanghai), international (config.ap-southeast-1), or auto (the provider's accountType or ALIBABA_CLOUD_ACCOUNT_TYPE, else ask both sites; never guessed from the region).",
};

const recorderOptions = { timeoutSeconds: timeoutSecondsOption, configSite: configSiteOption };
const trailOptions = { timeoutSeconds: timeoutSecondsOption };

type Sdk = typeof import("./sdk");
type Identity = typeof import("./identity");
type Site = typeof import("./site");
const identity = (): Identity => require("./identity") as Identity;

/** The trail resource types: the current one and the deprecated alias (same provider schema). */
export function aliTrailsOf(view: StackView): ResourceView[] {
  return view.resources.filter((r) => r.type === TYPES.aliTrail || r.type === TYPES.aliTrailDeprecated);
}

/** The trail's name: `trailName`, else the deprecated `name` (the provider keeps both). */
export function aliTrailNameOf(r: ResourceView): string | undefined {
  return knownStr(field(r.props, "trailName")) ?? knownStr(field(r.props, "name"));
}

export const aliRecorderKind: LiveKind<AliRecorder | AliNotFound> = {
  id: "alicloud-config-recorder",
  label: "Alibaba Cloud Config recorder",
  policyName: ALI_RECORDER_POLICY,
  plan(view, raw) {
    const o = readOptions(recorderOptions, raw);
    const timeoutMs = o.timeoutSeconds * 1000;
    return ofType(view, TYPES.aliRecorder)
      .filter((r) => r.exists)
      .flatMap((r): PlannedCheck<AliRecorder | AliNotFound>[] => {
        // The recorder is account-wide and has no name; its resource id is the account id.
        const recorderAccount = knownStr(field(r.props, "id"));
        const id = recorderAccount ? `account ${recorderAccount}` : "account recorder";
        const choice = configSiteOf(r, o.configSite);
        if (choice === UNKNOWN) return [];
        const override = endpointOverride(r, "config");
        const site = choice === "probe" ? undefined : CONFIG_SITES[choice];
        // A provider region not known until the update (its STS host depends on it): nothing to call yet.
        if (aliRegionOf(r) === undefined) return [];
        const checks = planAli(
          r,
          "config",
          ALI_ACTIONS.recorder,
          // With neither a site nor an override the first target is a placeholder: the probe asks both hosts.
          site?.host ?? CONFIG_SITES.china.host,
          aliRegionOf(r),
          override ? undefined : site?.region,
          id,
          timeoutMs,
          async (sdk, ctx, t, signal) => {
            let rec: Outcome<AliRecorder | AliNotFound>;
            if (site || override) {
              rec = await sdk.getConfigurationRecorder(ctx, t, timeoutMs, signal);
            } else {
              const probe = (require("./site") as Site).probeConfigSite;
              const targets = {
                china: { ...t, endpoint: { protocol: "HTTPS", host: CONFIG_SITES.china.host } },
                international: { ...t, endpoint: { protocol: "HTTPS", host: CONFIG_SITES.international.host } },
              } as const;
              const answer = await probe(ctx, targets, timeoutMs, signal);
              rec = answer.ok ? { ok: true, value: answer.value.recorder } : answer;
            }
            // "Not enabled" (AccountNotExisted, REGISTRABLE) is believed only from the recorder's own account.
            if (rec.ok && (!rec.value.found || rec.value.status === "REGISTRABLE")) {
              const expected = recorderAccount ?? t.account;
              return identity().confirmNotFound(ctx, t, expected, "the recorder", rec.value, timeoutMs, signal);
            }
            return rec;
          },
          recorderAccount,
        );
        for (const c of checks) {
          c.spec.account ??= recorderAccount;
          // Probed: both site hosts are asked, so no single endpoint is named (a failure names both sites).
          if (!site && !override) delete c.spec.endpoint;
        }
        return checks;
      });
  },
};

/**
 * The round key of a trail's GetTrailStatus: the call sends IsOrganizationTrail, and a member's own trail and the
 * organization trail (listed with IncludeOrganizationTrail=true) may share a name; the home region too, for an
 * endpoint override that serves every region from one host.
 */
export function aliTrailStatusKey(name: string, organizationTrail: boolean, home: string): string {
  return JSON.stringify(["trail", name, organizationTrail, home]);
}

export const aliTrailKind: LiveKind<AliTrailStatus | AliNotFound> = {
  id: "alicloud-actiontrail-trail",
  label: "ActionTrail trail",
  policyName: ALI_TRAIL_POLICY,
  plan(view, raw) {
    const timeoutMs = readOptions(trailOptions, raw).timeoutSeconds * 1000;
    return aliTrailsOf(view)
      .filter((r) => r.exists)
      .flatMap((r) => {
        const name = aliTrailNameOf(r);
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
                "no home region: set the provider's region, stack config alicloud:region, or ALICLOUD_REGION",
              ),
            },
          ];
        }
        return planAli(
          r,
          "actiontrail",
          ALI_ACTIONS.trail,
          aliServiceHost("actiontrail", region),
          region,
          undefined,
          { key: aliTrailStatusKey(name, org, region), target: name },
          timeoutMs,
          async (sdk, ctx, t, signal) => {
            const s = await sdk.getTrailStatus(ctx, t, name, org, timeoutMs, signal);
            // TrailNotFound is believed only from the account the provider deploys to (accountId / role ARN).
            if (s.ok && !s.value.found) {
              return identity().confirmNotFound(ctx, t, t.account, `trail '${name}'`, s.value, timeoutMs, signal);
            }
            return s;
          },
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
  /** What the call reads: its round key's last part and, unless given apart, its spec's target. */
  id: string | { key: string; target: string },
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
    target: typeof id === "string" ? id : id.target,
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
  if (!target.ok) {
    return target.unknown ? [] : [{ urn: r.urn, spec, outcome: failure(target.reason ?? "bad-target", target.why) }];
  }
  const t = target.value;
  spec.account = t.account;
  return [
    {
      urn: r.urn,
      spec,
      key: [
        "alicloud",
        api.action,
        endpoint.protocol,
        endpoint.host,
        t.credentialsId,
        typeof id === "string" ? id : id.key,
      ].join("|"),
      // Limits are per account, region and action: Config's central region, else the trail's home region.
      rateKey: ["alicloud", t.account ?? t.credentialsId, apiRegion ?? region ?? endpoint.host, api.action].join("|"),
      timeoutMs,
      attempt: async (ctx, signal) => withProxyNote(await call(require("./sdk") as Sdk, ctx, t, signal), endpoint),
    },
  ];
}

/**
 * The provider (Go) sends its calls through HTTPS_PROXY / HTTP_PROXY unless NO_PROXY excludes the host.
 * openapi-core 1.0.8 accepts httpProxy/httpsProxy but its HTTP transport ignores them (checked against a
 * loopback proxy, which saw no call), and it takes no agent: the pack's calls go direct. When such a call
 * cannot reach its endpoint, say that the network path differs from the provider's.
 */
export function proxyFor(endpoint: AliEndpoint): string | undefined {
  const env = (n: string): string | undefined => process.env[n] || process.env[n.toLowerCase()] || undefined;
  const proxy = endpoint.protocol === "HTTPS" ? env("HTTPS_PROXY") : env("HTTP_PROXY");
  if (!proxy) return undefined;
  const host = endpoint.host.replace(/:\d+$/, "").toLowerCase();
  const excluded = (env("NO_PROXY") ?? "")
    .split(",")
    .map((e) => e.trim().toLowerCase().replace(/:\d+$/, ""))
    .filter(Boolean)
    .some((e) => e === "*" || host === e.replace(/^\./, "") || host.endsWith(e.startsWith(".") ? e : `.${e}`));
  return excluded ? undefined : proxy;
}

function withProxyNote<T>(outcome: Outcome<T>, endpoint: AliEndpoint): Outcome<T> {
  if (outcome.ok || (outcome.failure.reason !== "endpoint-error" && outcome.failure.reason !== "timeout"))
    return outcome;
  if (!proxyFor(endpoint)) return outcome;
  return {
    ok: false,
    failure: {
      ...outcome.failure,
      detail:
        `${outcome.failure.detail} (the provider would go through the proxy in ${endpoint.protocol === "HTTPS" ? "HTTPS_PROXY" : "HTTP_PROXY"}; ` +
        "the pack's Alibaba client cannot use a proxy and called directly)",
    },
  };
}
