// Alibaba Cloud account coverage: is every (account, region) the stack deploys into recorded, declared here
// or not? What Alibaba Cloud supplies to the shared core (lib/live/coverage.ts): its placements (credential
// set, STS host and region), its intent, and its calls: GetCallerIdentity (unless the provider names the
// account) in the same wave as ActionTrail DescribeTrails or Cloud Config GetConfigurationRecorder (account-wide,
// central site), then the covering candidates' GetTrailStatus in their home region. The rules (TrailRegion All
// or the region, EventRW All, IsLogging; the recorder REGISTERED, or BUILDING/REBUILDING within grace) are
// ./coverage-rules.ts.

import { readOptions, type StringListOption, timeoutSecondsOption } from "../options";
import { pendingGraceMinutesOption } from "../options";
import { firstSeen, clearSeen } from "../first-seen";
import { type AuditIdentity, currentAuditIdentity } from "../live/audit";
import {
  byIntent,
  type Composed,
  type CoverageFacts,
  coverageCheck,
  failed,
  type Judgement,
  planCoverage,
  regionVerdict,
  type UndecidedPlace,
} from "../live/coverage";
import { type CallSpec, failure, type FailureReason, type Outcome, success } from "../live/outcome";
import type { Call, LiveKind, PlannedCheck, RoundContext, RunCall } from "../live/round";
import { ofType, type ResourceView, type StackView, TYPES } from "../stack";
import { aliServiceHost } from "./endpoints";
import { aliTrailStatusKey, configSiteOption } from "./kinds";
import { aliRecorderCovers, aliTrailCovers, TRANSITIONAL, trailRegionsOf } from "./coverage-rules";
import type { AliListedTrail, AliNotFound, AliRecorder, AliTrailStatus } from "./sdk";

import {
  type AliEndpoint,
  aliAccountHint,
  aliRegionOf,
  aliResolveTarget,
  type AliTarget,
  CONFIG_SITES,
  type ConfigSite,
  configSiteOf,
  endpointOverride,
  parseEndpoint,
} from "./target";
import { field, knownStr, UNKNOWN } from "../plain";

export const ALI_TRAIL_COVERAGE_POLICY = "alicloud-actiontrail-account-coverage";
export const ALI_CONFIG_COVERAGE_POLICY = "alicloud-config-account-coverage";

export const ALI_COVERAGE_ACTIONS = {
  identity: { action: "GetCallerIdentity", permission: "sts:GetCallerIdentity (needs no RAM permission)" },
  describeTrails: { action: "DescribeTrails", permission: "actiontrail:DescribeTrails" },
  trailStatus: { action: "GetTrailStatus", permission: "actiontrail:GetTrailStatus" },
  recorder: { action: "GetConfigurationRecorder", permission: "config:GetConfigurationRecorder" },
} as const;

export const requiredResourceTypesOption: StringListOption = {
  type: "array",
  default: [],
  description: "Resource types the account's recorder must monitor, e.g. ACS::ECS::Instance (empty: any).",
};

export const aliTrailCoverageOptions = { timeoutSeconds: timeoutSecondsOption };
export const aliConfigCoverageOptions = {
  timeoutSeconds: timeoutSecondsOption,
  pendingGraceMinutes: pendingGraceMinutesOption,
  configSite: configSiteOption,
  requiredResourceTypes: requiredResourceTypesOption,
};

// ---- planning ------------------------------------------------------------------------------------

type Sdk = typeof import("./sdk");

type IdentityModule = typeof import("./identity");

interface Placement {
  region: string;
  via: ResourceView;
  /** Credentials and the STS endpoint (its `endpoint` is the STS host). */
  sts: AliTarget;
  /**
   * The audit identity in force while the round planned: the list and status calls are routed later, once
   * the account is known, when planning (and with it currentAuditIdentity) is over.
   */
  audit: AuditIdentity | undefined;
}

function endpointFor(
  r: ResourceView,
  service: "actiontrail" | "config" | "sts",
  fallback: string,
): AliEndpoint | string | undefined {
  const override = endpointOverride(r, service);
  if (override === UNKNOWN) return undefined;
  if (!override) return { protocol: "HTTPS", host: fallback };
  return parseEndpoint(override);
}

/** A region the stack deploys into whose check cannot be made: the provider's settings say why. */
interface Unplaceable {
  urn: string;
  why: string;
  reason: FailureReason | undefined;
  region: string;
  via: ResourceView;
  /** The STS host GetCallerIdentity would have asked, when the provider's setting is a valid one. */
  sts: AliEndpoint | undefined;
}

function aliPlacements(view: StackView): { placements: Placement[]; undecided: Unplaceable[] } {
  const placements = new Map<string, Placement>();
  const undecided: Unplaceable[] = [];
  for (const r of view.footprint?.alicloud ?? []) {
    // Without a setting the provider defaults its region (cn-beijing): undefined means not known until the update.
    const region = aliRegionOf(r);
    if (!region) continue;
    // The host GetCallerIdentity is sent to: the provider's override, else the region's STS host.
    const sts = endpointFor(r, "sts", aliServiceHost("sts", region));
    if (sts === undefined) continue; // not known until the update
    if (typeof sts === "string") {
      undecided.push({
        urn: r.urn,
        why: `the provider's sts endpoint is ${sts}`,
        reason: undefined,
        region,
        via: r,
        sts: undefined,
      });
      continue;
    }
    const target = aliResolveTarget(r, sts);
    if (!target.ok) {
      if (!target.unknown) undecided.push({ urn: r.urn, why: target.why, reason: target.reason, region, via: r, sts });
      continue;
    }
    const key = [target.value.credentialsId, sts.host, region].join("|");
    if (!placements.has(key)) placements.set(key, { region, via: r, sts: target.value, audit: currentAuditIdentity() });
  }
  return { placements: [...placements.values()], undecided };
}

function spec(
  api: { action: string; permission: string },
  region: string | undefined,
  account: string | undefined,
  target: string,
  endpoint?: AliEndpoint,
): CallSpec {
  return {
    cloud: "alicloud",
    ...api,
    region,
    account,
    target,
    ...(endpoint ? { endpoint: `${endpoint.protocol.toLowerCase()}://${endpoint.host}` } : {}),
  };
}

/**
 * What an undetermined place says: the region it could not check and the first call its check would have made,
 * GetCallerIdentity (its STS host) unless the provider's accountId names the account, else the coverage call.
 */
function undecidedPlace(
  u: Unplaceable,
  coverage: { api: { action: string; permission: string }; endpoint: AliEndpoint | undefined; apiRegion?: string },
): UndecidedPlace {
  const account = aliAccountHint(u.via, undefined);
  const [api, endpoint] = account ? [coverage.api, coverage.endpoint] : [ALI_COVERAGE_ACTIONS.identity, u.sts];
  return {
    urn: u.urn,
    why: u.why,
    ...(u.reason ? { reason: u.reason } : {}),
    firstCall: {
      ...api,
      region: u.region,
      ...(account && coverage.apiRegion ? { apiRegion: coverage.apiRegion } : {}),
      account,
      ...(endpoint ? { endpoint: `${endpoint.protocol.toLowerCase()}://${endpoint.host}` } : {}),
    },
  };
}

/** GetCallerIdentity of the placement's credentials, at the host aliCallerIdentity calls (so a failure names it). */
function identityCall(p: Placement, timeoutMs: number): Call<{ account: string; arn: string }> {
  const called = p.sts.identityEndpoint;
  return {
    spec: spec(ALI_COVERAGE_ACTIONS.identity, p.region, undefined, "caller identity", called),
    key: ["alicloud", "GetCallerIdentity", called.protocol, called.host, p.sts.credentialsId].join("|"),
    rateKey: ["alicloud", p.sts.credentialsId, "sts", "GetCallerIdentity"].join("|"),
    timeoutMs,
    attempt: (ctx, signal) =>
      (require("./identity") as IdentityModule).aliCallerIdentity(ctx, p.sts, timeoutMs, signal),
  };
}

/** A call to `endpoint` with the placement's credentials, keyed like the per-resource checks. */
function aliCall<T>(
  p: Placement,
  endpoint: AliEndpoint,
  region: string,
  /** Undefined before the identity call answers (a call of the first wave): the credentials stand for it. */
  account: string | undefined,
  api: { action: string; permission: string },
  /** What the call reads: its round key's last part and, unless given apart, its spec's target. */
  id: string | { key: string; target: string },
  attempt: (t: AliTarget) => Call<T>["attempt"],
  timeoutMs: number,
  rateRegion = region,
): Call<T> | { failure: string } {
  const routed = aliResolveTarget(p.via, endpoint, undefined, p.audit);
  if (!routed.ok) return { failure: routed.why };
  const t = { ...routed.value, account };
  const [key, target] = typeof id === "string" ? [id, id] : [id.key, id.target];
  return {
    spec: spec(api, region, account, target, endpoint),
    key: ["alicloud", api.action, endpoint.protocol, endpoint.host, t.credentialsId, key].join("|"),
    rateKey: ["alicloud", account ?? t.credentialsId, rateRegion, api.action].join("|"),
    timeoutMs,
    attempt: attempt(t),
  };
}

/**
 * One check per placement (lib/live/coverage.ts coverageCheck): `prefetch` starts the calls that need no
 * account, with the identity call when the provider's settings do not name the account.
 */
function aliCoverageCheck(
  kind: string,
  p: Placement,
  memoScope: string,
  timeoutMs: number,
  prefetch: (run: RunCall) => void,
  evaluate: (run: RunCall, account: string) => Promise<Composed>,
): PlannedCheck<CoverageFacts> {
  return coverageCheck({
    base: spec({ action: kind, permission: "" }, p.region, p.sts.account, "account coverage"),
    account: p.sts.account,
    identity: () => identityCall(p, timeoutMs),
    memoKey: (account) => `${kind}:${account}:${memoScope}`,
    prefetch,
    evaluate: (run, _ctx, account) => evaluate(run, account),
  });
}

// ---- intent: what this update creates (preview) ----------------------------------------------------

/** The STS target a resource's own provider resolves to: the key its placements are grouped by. */
function credentialsKeyOf(r: ResourceView): string | undefined {
  const region = aliRegionOf(r);
  if (!region) return undefined;
  const sts = endpointFor(r, "sts", aliServiceHost("sts", region));
  if (sts === undefined || typeof sts === "string") return undefined;
  const t = aliResolveTarget(r, sts);
  return t.ok ? credentialsKey(t.value.credentialsId, r) : undefined;
}

/** Credentials and the provider's STS override (not the region's STS host): the same account in every region. */
function credentialsKey(credentialsId: string, r: ResourceView): string {
  const override = endpointOverride(r, "sts");
  return [credentialsId, typeof override === "string" ? override : ""].join("|");
}

/**
 * Regions an ActionTrail trail being created in this preview will cover, per credential set ("*" = all): declared
 * `status: "Enable"` (without it a trail stays Fresh, never logging), all events (`eventRw` defaults to All on the
 * current resource, Write on the deprecated one), `trailRegion` All or the region.
 */
function trailIntent(view: StackView): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const t of [...ofType(view, TYPES.aliTrail), ...ofType(view, TYPES.aliTrailDeprecated)]) {
    if (t.exists || knownStr(field(t.props, "status")) !== "Enable") continue;
    const defaultRw = t.type === TYPES.aliTrail ? "All" : "Write";
    const rw = field(t.props, "eventRw");
    if (rw !== UNKNOWN && (knownStr(rw) ?? defaultRw) !== "All") continue;
    const key = credentialsKeyOf(t);
    const scope = field(t.props, "trailRegion");
    const region = scope === UNKNOWN ? "*" : (knownStr(scope) ?? aliRegionOf(t));
    if (!key || !region) continue;
    const regions = out.get(key) ?? new Set<string>();
    for (const r of trailRegionsOf(region)) regions.add(r === "All" ? "*" : r);
    out.set(key, regions);
  }
  return out;
}

/** Credential sets whose account gets its Cloud Config recorder from this update (the recorder is account-wide). */
function recorderIntent(view: StackView): Set<string> {
  const out = new Set<string>();
  for (const r of ofType(view, TYPES.aliRecorder)) {
    if (r.exists) continue;
    const key = credentialsKeyOf(r);
    if (key) out.add(key);
  }
  return out;
}

function placementFacts(p: Placement): { region: string; account: string | undefined; credentialsId: string } {
  return { region: p.region, account: p.sts.account, credentialsId: p.sts.credentialsId };
}

function placementKey(p: Placement): string {
  return credentialsKey(p.sts.credentialsId, p.via);
}

const TRAIL_KIND = "alicloud-actiontrail-coverage";
const CONFIG_KIND = "alicloud-config-coverage";

export const aliTrailCoverageKind: LiveKind<CoverageFacts> = {
  id: TRAIL_KIND,
  label: "ActionTrail coverage",
  policyName: ALI_TRAIL_COVERAGE_POLICY,
  plan(view, raw) {
    const timeoutMs = readOptions(aliTrailCoverageOptions, raw).timeoutSeconds * 1000;
    const { placements, undecided } = aliPlacements(view);
    const intent = trailIntent(view);
    return planCoverage(
      "alicloud",
      TRAIL_KIND,
      undecided.map((u) => {
        const endpoint = endpointFor(u.via, "actiontrail", aliServiceHost("actiontrail", u.region));
        const known = typeof endpoint === "object" ? endpoint : undefined;
        return undecidedPlace(u, { api: ALI_COVERAGE_ACTIONS.describeTrails, endpoint: known });
      }),
      placements,
      (p) => {
        const regions = intent.get(placementKey(p));
        const creating = regions && (regions.has("*") || regions.has(p.region));
        return creating ? [byIntent("alicloud", placementFacts(p), "a trail this update creates")] : undefined;
      },
      (p) => {
        const endpoint = endpointFor(p.via, "actiontrail", aliServiceHost("actiontrail", p.region));
        if (endpoint === undefined) return [];
        if (typeof endpoint === "string") {
          return [
            badEndpoint(
              spec(ALI_COVERAGE_ACTIONS.describeTrails, p.region, p.sts.account, "trails"),
              "actiontrail",
              endpoint,
            ),
          ];
        }
        return [
          aliCoverageCheck(
            TRAIL_KIND,
            p,
            `${p.region}:${endpoint.host}`,
            timeoutMs,
            (run) => {
              const list = trailListing(p, endpoint, p.sts.account, true, timeoutMs);
              if (!("failure" in list)) void run(list);
            },
            (run, account) => evaluateTrails(run, p, endpoint, account, timeoutMs),
          ),
        ];
      },
    );
  },
};

/** A check its provider's endpoint override rules out (not a valid endpoint): undetermined, no call. */
function badEndpoint(at: CallSpec, service: string, why: string): PlannedCheck<CoverageFacts> {
  return { urn: "", spec: at, outcome: failure("bad-target", `the provider's ${service} endpoint is ${why}`) };
}

/** DescribeTrails in the placement's region, with or without organization trails. */
function trailListing(
  p: Placement,
  endpoint: AliEndpoint,
  account: string | undefined,
  includeOrganizationTrail: boolean,
  timeoutMs: number,
): Call<AliListedTrail[]> | { failure: string } {
  return aliCall(
    p,
    endpoint,
    p.region,
    account,
    ALI_COVERAGE_ACTIONS.describeTrails,
    includeOrganizationTrail ? "*trails" : "*trails:single-account",
    (t) => (ctx, signal) =>
      (require("./sdk") as Sdk).describeAliTrails(ctx, t, timeoutMs, signal, includeOrganizationTrail),
    timeoutMs,
  );
}

async function evaluateTrails(
  run: RunCall,
  p: Placement,
  endpoint: AliEndpoint,
  account: string,
  timeoutMs: number,
): Promise<Composed> {
  const listing = (includeOrganizationTrail: boolean): Call<AliListedTrail[]> | { failure: string } =>
    trailListing(p, endpoint, account, includeOrganizationTrail, timeoutMs);
  const list = listing(true);
  if ("failure" in list)
    return failed(
      { reason: "bad-target", detail: list.failure },
      spec(ALI_COVERAGE_ACTIONS.describeTrails, p.region, account, "trails"),
    );
  const listed = await run(list);
  if (!listed.ok) return failed(listed.failure, list.spec);
  let undetermined: Composed | undefined;
  const judge = (trails: readonly AliListedTrail[]): Promise<Judgement[]> =>
    Promise.all(
      trails.map(async (trail): Promise<Judgement> => {
        const first = aliTrailCovers(p.region, trail, { found: true, isLogging: true } as AliTrailStatus);
        if (!first.covers) return first; // scope or EventRW rule it out: no status call
        const home = trail.homeRegion ?? p.region;
        // The trail's home-region endpoint: the placement's own override if it has one (one host serves all).
        const homeEndpoint = endpointOverride(p.via, "actiontrail")
          ? endpoint
          : { protocol: "HTTPS" as const, host: aliServiceHost("actiontrail", home) };
        const c = aliCall(
          p,
          homeEndpoint,
          home,
          account,
          ALI_COVERAGE_ACTIONS.trailStatus,
          { key: aliTrailStatusKey(trail.name, trail.isOrganizationTrail, home), target: trail.name },
          (t) => (ctx, signal) =>
            (require("./sdk") as Sdk).getTrailStatus(ctx, t, trail.name, trail.isOrganizationTrail, timeoutMs, signal),
          timeoutMs,
        );
        if ("failure" in c) return { covers: false, why: c.failure };
        const status = await run(c);
        if (!status.ok) {
          undetermined ??= failed(status.failure, c.spec);
          return { covers: false, why: `trail '${trail.name}': its status could not be read` };
        }
        return aliTrailCovers(p.region, trail, status.value);
      }),
    );
  const judgements = await judge(listed.value);
  if (!judgements.some((j) => j.covers)) {
    // Whether IncludeOrganizationTrail=true lists single-account trails as well is not documented (the API
    // documents only that false lists single-account trails alone): before "no trail covers", list those too.
    const single = listing(false);
    if ("failure" in single) return failed({ reason: "bad-target", detail: single.failure }, list.spec);
    const more = await run(single);
    if (!more.ok) return failed(more.failure, single.spec);
    const keyOf = (t: AliListedTrail): string => [t.name, t.isOrganizationTrail, t.homeRegion ?? ""].join("|");
    const seen = new Set(listed.value.map(keyOf));
    judgements.push(...(await judge(more.value.filter((t) => !seen.has(keyOf(t))))));
  }
  const v = regionVerdict(account, p.region, judgements, `no trail applies to ${p.region}`);
  if (!v.coveredBy && undetermined) return undetermined;
  return { outcome: success(v), spec: list.spec };
}

export const aliConfigCoverageKind: LiveKind<CoverageFacts> = {
  id: CONFIG_KIND,
  label: "Cloud Config coverage",
  policyName: ALI_CONFIG_COVERAGE_POLICY,
  plan(view, raw) {
    const o = readOptions(aliConfigCoverageOptions, raw);
    const timeoutMs = o.timeoutSeconds * 1000;
    const { placements, undecided } = aliPlacements(view);
    const seen = new Set<string>();
    const intent = recorderIntent(view);
    const declared = declaredRecorders(view);
    return planCoverage(
      "alicloud",
      CONFIG_KIND,
      undecided.map((u) => undecidedPlace(u, recorderCallOf(u.via, o.configSite))),
      placements,
      (p) => {
        if (!intent.has(placementKey(p))) return undefined;
        if (seen.has(placementKey(p))) return [];
        seen.add(placementKey(p));
        return [byIntent("alicloud", placementFacts(p), "a recorder this update creates")];
      },
      (p) => {
        const choice = configSiteOf(p.via, o.configSite);
        if (choice === UNKNOWN) return []; // the provider's accountType is not known until the update
        // Neither configSite, accountType nor an endpoint override says: both sites are asked (lib/alicloud/site.ts).
        const probe = choice === "probe" && endpointOverride(p.via, "config") === undefined;
        const site = CONFIG_SITES[choice === "probe" ? "china" : choice];
        const endpoint = endpointFor(p.via, "config", site.host);
        if (endpoint === undefined) return [];
        if (typeof endpoint === "string") {
          const at = spec(ALI_COVERAGE_ACTIONS.recorder, site.region, p.sts.account, "account recorder");
          return [badEndpoint(at, "config", endpoint)];
        }
        // Cloud Config is account-wide: one check per credential set and site, whatever the regions.
        const key = `${p.sts.credentialsId}|${endpoint.host}`;
        if (seen.has(key)) return [];
        seen.add(key);
        const placement = { ...p, region: site.region };
        // The call needs no account (it answers for the caller's): keyed by the account where it is known, the
        // one the stack's own recorder names, so that the per-resource check shares it. That check believes "not
        // enabled" only from the recorder's own account (wrong-account otherwise): the declared id is a guess
        // until the identity call answers, so a wrong-account answer is asked again, keyed by the credentials.
        const known = p.sts.account ?? declared.get(placementKey(p));
        const callId = known ? `account ${known}` : "account recorder";
        const call = (account: string | undefined): Call<AliRecorder | AliNotFound> | { failure: string } =>
          recorderCall(placement, endpoint, account, callId, probe, timeoutMs);
        const own = (account: string): Call<AliRecorder | AliNotFound> | { failure: string } =>
          recorderCall(placement, endpoint, account, "account of the credentials", probe, timeoutMs);
        return [
          aliCoverageCheck(
            CONFIG_KIND,
            placement,
            endpoint.host,
            timeoutMs,
            (run) => {
              const c = call(p.sts.account);
              if (!("failure" in c)) void run(c);
            },
            (run, account) => evaluateRecorder(run, placement, call(account), own(account), account, o),
          ),
        ];
      },
    );
  },
};

/** The account id of each credential set's existing declared Cloud Config recorder (its resource id). */
function declaredRecorders(view: StackView): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of ofType(view, TYPES.aliRecorder)) {
    const account = knownStr(field(r.props, "id"));
    const key = r.exists ? credentialsKeyOf(r) : undefined;
    if (account && key && !out.has(key)) out.set(key, account);
  }
  return out;
}

/** The account's recorder at `endpoint`: GetConfigurationRecorder, or both sites when probed. */
function recorderCall(
  p: Placement,
  endpoint: AliEndpoint,
  account: string | undefined,
  callId: string,
  probe: boolean,
  timeoutMs: number,
): Call<AliRecorder | AliNotFound> | { failure: string } {
  const c = aliCall(
    p,
    endpoint,
    p.region,
    account,
    ALI_COVERAGE_ACTIONS.recorder,
    callId,
    (t) => (ctx, signal) =>
      probe
        ? probedRecorder(ctx, t, timeoutMs, signal)
        : (require("./sdk") as Sdk).getConfigurationRecorder(ctx, t, timeoutMs, signal),
    timeoutMs,
  );
  if ("failure" in c) return c;
  // Probed: both site hosts are asked, so no single endpoint is named (a failure names both sites and hosts).
  if (probe) delete c.spec.endpoint;
  // Named by the account it reads, once known (the key stays the call's: the same call, whoever asks).
  if (account) c.spec.target = `account ${account}`;
  return c;
}

/** Where the account's recorder would be read for this provider: no single host when both sites are probed. */
function recorderCallOf(
  via: ResourceView,
  configSite: "auto" | ConfigSite,
): { api: { action: string; permission: string }; endpoint: AliEndpoint | undefined; apiRegion?: string } {
  const choice = configSiteOf(via, configSite);
  const override = endpointOverride(via, "config");
  const site = choice === UNKNOWN || choice === "probe" ? undefined : CONFIG_SITES[choice];
  const endpoint = override || site ? endpointFor(via, "config", site?.host ?? CONFIG_SITES.china.host) : undefined;
  return {
    api: ALI_COVERAGE_ACTIONS.recorder,
    endpoint: typeof endpoint === "object" ? endpoint : undefined,
    ...(site && !override ? { apiRegion: site.region } : {}),
  };
}

async function evaluateRecorder(
  run: RunCall,
  p: Placement,
  shared: Call<AliRecorder | AliNotFound> | { failure: string },
  /** The same read keyed by the credentials alone: never carries the per-resource check's account condition. */
  own: Call<AliRecorder | AliNotFound> | { failure: string },
  account: string,
  rules: { pendingGraceMinutes: number; requiredResourceTypes: readonly string[] },
): Promise<Composed> {
  let c = shared;
  if ("failure" in c)
    return failed(
      { reason: "bad-target", detail: c.failure },
      spec(ALI_COVERAGE_ACTIONS.recorder, p.region, account, "account recorder"),
    );
  let rec = await run(c);
  // Shared with the check of a declared recorder of another account: its "not enabled" was not believed there,
  // but it is this account's answer.
  if (!rec.ok && rec.failure.reason === "wrong-account" && !("failure" in own)) {
    c = own;
    rec = await run(c);
  }
  if (!rec.ok) return failed(rec.failure, c.spec);
  const now = Date.now();
  // The API gives no timestamp: a transitional state is timed from when this machine first saw it.
  const key = `alicloud-config:${account}:${c.spec.endpoint ?? ""}`;
  let since = now;
  if (rec.value.found && TRANSITIONAL.has(rec.value.status)) since = firstSeen(key, rec.value.status, now);
  else clearSeen(key);
  const v = regionVerdict(account, p.region, [aliRecorderCovers(rec.value, rules, since, now)], "no recorder");
  return { outcome: success(v), spec: c.spec };
}

/** The account's recorder from whichever Config site knows the account (decided once per credential set per round). */
async function probedRecorder(
  ctx: RoundContext,
  t: AliTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<AliRecorder | AliNotFound>> {
  const targets = {
    china: { ...t, endpoint: { protocol: "HTTPS", host: CONFIG_SITES.china.host } },
    international: { ...t, endpoint: { protocol: "HTTPS", host: CONFIG_SITES.international.host } },
  } as const;
  const answer = await (require("./site") as typeof import("./site")).probeConfigSite(ctx, targets, timeoutMs, signal);
  return answer.ok ? success(answer.value.recorder) : answer;
}
