// AWS account coverage: is every (account, region) the stack deploys into recorded by someone, declared here
// or not? What AWS supplies to the shared core (lib/live/coverage.ts): its placements (one per credential set,
// endpoint and region, from the stack's footprint), its intent (trails and recorders this update creates), and
// its calls through the shared round: the first wave (GetCallerIdentity when the provider does not name the
// account, DescribeTrails or the three recorder reads, the declared trails' status and selectors) and what
// depends on it (the status and selectors of trails first seen in DescribeTrails; service-linked recorders; the
// global-types probe). The rules are ./coverage-rules.ts; message text lives with the policies.

import { bool, field, isObject, knownStr, UNKNOWN, UNKNOWN_SENTINELS } from "../plain";
import { type NumberOption, type BooleanOption, readOptions, timeoutSecondsOption } from "../options";
import { type AuditIdentity, currentAuditIdentity } from "../live/audit";
import {
  byIntent,
  type Composed,
  coverageCheck,
  evaluatedOnce,
  failed,
  type GlobalTypesFacts,
  planCoverage,
  type UndecidedPlace,
} from "../live/coverage";
import { type CallSpec, type CheckFailure, type Outcome, success } from "../live/outcome";
import type { Call, LiveKind, PlannedCheck, RunCall } from "../live/round";
import { ofType, type ResourceView, type StackView, TYPES } from "../stack";
import { isUrl } from "./kinds";
import { awsTrails, classicRouting } from "./native";
import { managementCoverage, recordingScope } from "./judges";
import {
  canRecordGlobalIamTypes,
  GLOBAL_IAM_REGIONS,
  partitionOf,
  type RecorderEvidence,
  type RecorderRules,
  recorderCovers,
  recordsGlobalTypes,
  recordsGlobalTypesNow,
  regionVerdict,
  type RegionCoverage,
  type TrailEvidence,
  trailCovers,
} from "./coverage-rules";
import type {
  DescribedRecorder,
  ListedTrail,
  NotFound,
  RecorderStatus,
  RecorderSummary,
  TrailSelectors,
  TrailStatus,
} from "./sdk";
import {
  accountHint,
  accountOfArn,
  type AwsService,
  type AwsTarget,
  endpointOf,
  regionOf,
  regionOfArn,
  resolveTarget,
} from "./target";

export const AWS_TRAIL_COVERAGE_POLICY = "aws-cloudtrail-account-coverage";
export const AWS_CONFIG_COVERAGE_POLICY = "aws-config-account-coverage";

export const COVERAGE_ACTIONS = {
  identity: { action: "GetCallerIdentity", permission: "sts:GetCallerIdentity (needs no IAM permission)" },
  describeTrails: { action: "DescribeTrails", permission: "cloudtrail:DescribeTrails" },
  trailStatus: { action: "GetTrailStatus", permission: "cloudtrail:GetTrailStatus" },
  eventSelectors: { action: "GetEventSelectors", permission: "cloudtrail:GetEventSelectors" },
  describeRecorders: {
    action: "DescribeConfigurationRecorders",
    permission: "config:DescribeConfigurationRecorders",
  },
  recorderStatus: {
    action: "DescribeConfigurationRecorderStatus",
    permission: "config:DescribeConfigurationRecorderStatus",
  },
  listRecorders: { action: "ListConfigurationRecorders", permission: "config:ListConfigurationRecorders" },
} as const;

export const allowExclusionsOption: BooleanOption = {
  type: "boolean",
  default: false,
  description:
    "Accept recorders that exclude resource types (EXCLUSION_BY_RESOURCE_TYPES), as aws-config-recorder-declared does.",
};
export const pendingGraceOption: NumberOption = {
  type: "number",
  default: 60,
  minimum: 0,
  maximum: 10080,
  description: "How long a recorder may report lastStatus PENDING before its region counts as not covered.",
};
export const checkGlobalTypesOption: BooleanOption = {
  type: "boolean",
  default: true,
  description:
    "Require global resource types (IAM) to be recorded in one Region of each account the stack deploys into: its own Regions first, then the account's other Regions where AWS Config can record them (those available before February 2022).",
};

export const trailCoverageOptions = { timeoutSeconds: timeoutSecondsOption };
export const configCoverageOptions = {
  timeoutSeconds: timeoutSecondsOption,
  pendingGraceMinutes: pendingGraceOption,
  allowExclusions: allowExclusionsOption,
  checkGlobalResourceTypes: checkGlobalTypesOption,
};

// ---- planning ------------------------------------------------------------------------------------

type Sdk = typeof import("./sdk");
/** The reply mappers, loaded on a check's first call (a stack with nothing to check never loads them). */
const sdk = (): Sdk => require("./sdk") as Sdk;
type IdentityModule = typeof import("./identity");

/** One (credential set, region) the stack deploys into, and a resource whose routing reaches it. */
interface Placement {
  region: string;
  target: AwsTarget;
  via: ResourceView;
  /**
   * The audit identity in force while the round planned: a call in another region (a trail's home) is
   * routed later, once the trail is listed, when planning (and with it currentAuditIdentity) is over.
   */
  audit: AuditIdentity | undefined;
}

/**
 * Every (credentials, endpoint, region) the stack's AWS resources deploy into, routed exactly as the
 * per-resource checks route; decided failures for resources whose region or credentials cannot be told.
 */
export function awsPlacements(
  view: StackView,
  service: AwsService,
  firstAction: { action: string; permission: string },
): { placements: Placement[]; undecided: UndecidedPlace[] } {
  const placements = new Map<string, Placement>();
  const undecided: UndecidedPlace[] = [];
  for (const footprint of view.footprint?.aws ?? []) {
    const r = classicRouting(footprint);
    const region = regionOf(r);
    if (!region.ok) {
      undecided.push({ urn: r.urn, why: region.why });
      continue;
    }
    const target = resolveTarget(r, service, region.value);
    if (!target.ok) {
      // Provider settings unknown until the update: the provider is being replaced; nothing to check yet.
      if (!target.unknown) {
        const place = undecidedPlace(r, target.why, region.value, service, firstAction);
        undecided.push({
          ...place,
          ...(target.reason ? { reason: target.reason } : {}),
          ...(target.advisoryOnly ? { advisoryOnly: true } : {}),
        });
      }
      continue;
    }
    const t = target.value;
    const badUrl = [t.endpoint, t.stsEndpoint].find((u) => u !== undefined && !isUrl(u));
    if (badUrl !== undefined) {
      const why = `its provider's endpoint ${badUrl} is not a valid URL`;
      undecided.push(undecidedPlace(r, why, region.value, service, firstAction, t.account));
      continue;
    }
    const key = [t.credentialsId, t.endpoint ?? "", t.stsEndpoint ?? "", region.value].join("|");
    if (!placements.has(key))
      placements.set(key, { region: region.value, target: t, via: r, audit: currentAuditIdentity() });
  }
  return { placements: [...placements.values()], undecided };
}

/**
 * A region whose check cannot be made, and the first call its check would have made there: GetCallerIdentity
 * unless the provider's settings name the account, else the coverage action itself (endpoints as configured).
 */
function undecidedPlace(
  r: ResourceView,
  why: string,
  region: string,
  service: AwsService,
  coverage: { action: string; permission: string },
  account = accountHint(r, undefined),
): UndecidedPlace {
  const [api, endpoint] = account
    ? [coverage, endpointOf(r, service)]
    : [COVERAGE_ACTIONS.identity, endpointOf(r, "sts")];
  return {
    urn: r.urn,
    why,
    firstCall: { ...api, region, account, ...(typeof endpoint === "string" ? { endpoint } : {}) },
  };
}

function spec(
  api: { action: string; permission: string },
  region: string | undefined,
  account: string | undefined,
  target: string,
  endpoint?: string,
): CallSpec {
  return { cloud: "aws", ...api, region, account, target, ...(endpoint ? { endpoint } : {}) };
}

function identityCall(t: AwsTarget, timeoutMs: number): Call<{ account: string; arn: string }> {
  return {
    spec: spec(COVERAGE_ACTIONS.identity, t.stsRegion ?? t.region, undefined, "caller identity", t.stsEndpoint),
    key: ["aws", "GetCallerIdentity", t.stsEndpoint ?? "", t.credentialsId].join("|"),
    rateKey: ["aws", t.credentialsId, "sts", "GetCallerIdentity"].join("|"),
    timeoutMs,
    attempt: (ctx, signal) => (require("./identity") as IdentityModule).callerIdentity(ctx, t, timeoutMs, signal),
  };
}

/** The account behind the placement's credentials: a hint from the provider (role ARN, allowedAccountIds), else STS. */
async function accountOf(
  run: RunCall,
  p: Placement,
  timeoutMs: number,
): Promise<{ ok: true; account: string } | { ok: false; failure: CheckFailure; spec: CallSpec }> {
  if (p.target.account) return { ok: true, account: p.target.account };
  const call = identityCall(p.target, timeoutMs);
  const id = await run(call);
  return id.ok ? { ok: true, account: id.value.account } : { ok: false, failure: id.failure, spec: call.spec };
}

/** A call in `region` with the placement's credentials; keyed like the per-resource checks so both share it. */
function awsCall<T>(
  p: Placement,
  service: AwsService,
  region: string,
  /** Undefined before the identity call answers (a call of the first wave): the credentials stand for it. */
  account: string | undefined,
  api: { action: string; permission: string },
  id: string,
  target: string,
  timeoutMs: number,
  attempt: (t: AwsTarget) => Call<T>["attempt"],
): Call<T> | { failure: string } {
  const routed =
    region === p.region
      ? { ok: true as const, value: p.target }
      : resolveTarget(p.via, service, region, undefined, p.audit);
  if (!routed.ok) return { failure: routed.why };
  const t = { ...routed.value, account };
  return {
    spec: spec(api, region, account, target, t.endpoint),
    key: ["aws", api.action, region, t.endpoint ?? "", t.credentialsId, id].join("|"),
    rateKey: ["aws", account ?? t.credentialsId, region, api.action].join("|"),
    timeoutMs,
    attempt: attempt(t),
  };
}

/**
 * One check per placement (lib/live/coverage.ts coverageCheck): `prefetch` starts the calls that need no
 * account, with the identity call when the provider's settings do not name the account.
 */
function awsCoverageCheck(
  kindId: string,
  p: Placement,
  timeoutMs: number,
  prefetch: (run: RunCall) => void,
  evaluate: (run: RunCall, account: string) => Promise<Composed>,
): PlannedCheck<RegionCoverage> {
  return coverageCheck({
    base: spec({ action: kindId, permission: "" }, p.region, p.target.account, "account coverage", p.target.endpoint),
    account: p.target.account,
    identity: () => identityCall(p.target, timeoutMs),
    memoKey: (account) => regionMemoKey(kindId, account, p),
    prefetch,
    evaluate: (run, _ctx, account) => evaluate(run, account),
  });
}

/** One evaluation per account, region and endpoint per round (shared with the global-types check). */
function regionMemoKey(kindId: string, account: string, p: Placement): string {
  return `${kindId}:${account}:${p.region}:${p.target.endpoint ?? ""}`;
}

function placementFacts(p: Placement): { region: string; account: string | undefined; credentialsId: string } {
  return { region: p.region, account: p.target.account, credentialsId: p.target.credentialsId };
}

// ---- intent: what this update creates ---------------------------------------------------------------

/** Regions a trail being created in this preview will cover, per credential set: "*" = all regions. */
function trailIntent(view: StackView): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const t of ofType(view, TYPES.awsTrail)) {
    if (t.exists) continue;
    const region = regionOf(t, [field(t.props, "homeRegion")]);
    if (!region.ok) continue;
    const target = resolveTarget(t, "cloudtrail", region.value);
    if (!target.ok) continue;
    if (bool(field(t.props, "enableLogging")) === false) continue;
    const cov = managementCoverage(field(t.props, "eventSelectors"), field(t.props, "advancedEventSelectors"));
    if (!cov.unknown && (!cov.read || !cov.write || cov.excludedSources.length > 0)) continue;
    const multi = bool(field(t.props, "isMultiRegionTrail"));
    const regions = out.get(target.value.credentialsId) ?? new Set<string>();
    regions.add(multi === true || multi === UNKNOWN ? "*" : region.value);
    out.set(target.value.credentialsId, regions);
  }
  return out;
}

/** Regions where a recorder being created in this preview, started by its declared RecorderStatus, will cover. */
function recorderIntent(view: StackView, allowExclusions: boolean): Map<string, { global: boolean }> {
  const out = new Map<string, { global: boolean }>();
  const statuses = ofType(view, TYPES.awsRecorderStatus);
  for (const r of ofType(view, TYPES.awsRecorder)) {
    if (r.exists) continue;
    const region = regionOf(r);
    if (!region.ok) continue;
    const target = resolveTarget(r, "config", region.value);
    if (!target.ok) continue;
    const scope = recordingScope(field(r.props, "recordingGroup"));
    if (scope.kind === "inclusion" || (scope.kind === "exclusion" && !allowExclusions)) continue;
    const name = knownStr(field(r.props, "name"));
    const started = statuses.some((s) => {
      const sr = regionOf(s);
      const n = field(s.props, "name");
      return (
        bool(field(s.props, "isEnabled")) !== false &&
        (!sr.ok || sr.value === region.value) &&
        (n === UNKNOWN || name === undefined || n === name)
      );
    });
    if (!started) continue;
    const group = field(r.props, "recordingGroup");
    out.set(`${target.value.credentialsId}|${region.value}`, {
      global: scope.kind === "unknown" || recordsGlobalTypes(isObject(group) ? group : undefined),
    });
  }
  return out;
}

// ---- the two kinds -------------------------------------------------------------------------------

const TRAIL_KIND_ID = "aws-cloudtrail-coverage";
const CONFIG_KIND_ID = "aws-config-coverage";

export const awsTrailCoverageKind: LiveKind<RegionCoverage> = {
  id: TRAIL_KIND_ID,
  label: "CloudTrail coverage",
  policyName: AWS_TRAIL_COVERAGE_POLICY,
  plan(view, raw) {
    const timeoutMs = readOptions(trailCoverageOptions, raw).timeoutSeconds * 1000;
    const { placements, undecided } = awsPlacements(view, "cloudtrail", COVERAGE_ACTIONS.describeTrails);
    const intent = trailIntent(view);
    const declared = declaredTrails(view);
    return planCoverage(
      "aws",
      TRAIL_KIND_ID,
      undecided,
      placements,
      (p) => {
        const regions = intent.get(p.target.credentialsId);
        const creating = regions && (regions.has("*") || regions.has(p.region));
        return creating ? [byIntent("aws", placementFacts(p), "a trail this update creates", false)] : undefined;
      },
      (p) => {
        const mine = declaredFor(p, declared);
        return [
          awsCoverageCheck(
            TRAIL_KIND_ID,
            p,
            timeoutMs,
            (run) => prefetchTrails(run, p, mine, timeoutMs),
            (run, account) => evaluateTrails(run, p, account, timeoutMs),
          ),
        ];
      },
    );
  },
};

/** A trail the stack declares and that exists: its ARN, home region and scope as declared. */
interface DeclaredTrail {
  arn: string;
  home: string;
  multiRegion: boolean;
  /** Declared (or read with `Trail.get`) as an organization trail: a member account's stack may hold it. */
  organization: boolean;
  via: ResourceView;
}

/** The stack's existing trails whose ARN is known (classic and aws-native), as the per-resource checks read them. */
function declaredTrails(view: StackView): DeclaredTrail[] {
  const out: DeclaredTrail[] = [];
  for (const r of awsTrails(view)) {
    if (!r.exists) continue;
    const idOutput = knownStr(field(r.props, "id"));
    const arn = knownStr(field(r.props, "arn")) ?? (idOutput?.startsWith("arn:") ? idOutput : undefined);
    if (!arn || [...UNKNOWN_SENTINELS].some((u) => arn.includes(u))) continue;
    const home = knownStr(field(r.props, "homeRegion")) ?? regionOfArn(arn);
    if (!home) continue;
    out.push({
      arn,
      home,
      multiRegion: bool(field(r.props, "isMultiRegionTrail")) === true,
      organization: bool(field(r.props, "isOrganizationTrail")) === true,
      via: r,
    });
  }
  return out;
}

/**
 * The declared trails that apply to the placement's region and are read with its credentials and endpoint (the
 * same call as the per-resource check's). Decided while planning, when the round's audit identity is in force.
 */
function declaredFor(p: Placement, declared: readonly DeclaredTrail[]): DeclaredTrail[] {
  return declared.filter((d) => {
    if (!d.multiRegion && d.home !== p.region) return false;
    const mine =
      d.home === p.region ? { ok: true as const, value: p.target } : resolveTarget(p.via, "cloudtrail", d.home);
    const own = resolveTarget(d.via, "cloudtrail", d.home, d.arn);
    return (
      mine.ok &&
      own.ok &&
      own.value.credentialsId === mine.value.credentialsId &&
      own.value.endpoint === mine.value.endpoint
    );
  });
}

/**
 * The first wave of a region's trail check: DescribeTrails, and the status and selectors of every trail the
 * stack declares that applies to the region and is read with the same credentials (keyed as the per-resource
 * check keys its GetTrailStatus, so both share it). When DescribeTrails lists only those, nothing is left for
 * a second wave.
 */
function prefetchTrails(run: RunCall, p: Placement, declared: readonly DeclaredTrail[], timeoutMs: number): void {
  const account = p.target.account;
  const list = trailListCall(p, account, timeoutMs);
  if (!("failure" in list)) void run(list);
  for (const d of declared) {
    // Another account's trail answers GetEventSelectors only to its owner: not asked (see evaluateTrails).
    const calls = trailCalls(p, account, d.arn, d.home, mayBeOwn(p, d), timeoutMs);
    if ("failure" in calls.status) continue;
    void run(calls.status);
    if (calls.selectors && !("failure" in calls.selectors)) void run(calls.selectors);
  }
}

/**
 * Whether the placement's credentials may own a declared trail, before the identity call answers: with the
 * account known, exactly when the ARN names it; unknown, unless the trail is an organization trail (a member
 * account's stack reads it with `Trail.get`; the management account's own stack, which could ask, asks after the
 * identity call) or the provider's accounts (allowedAccountIds, the role it assumes) do not include the ARN's.
 */
function mayBeOwn(p: Placement, d: DeclaredTrail): boolean {
  const owner = accountOfArn(d.arn);
  if (p.target.account !== undefined) return owner === p.target.account;
  if (d.organization) return false;
  const hinted = p.target.expectedAccounts?.accounts;
  return owner === undefined || hinted === undefined || hinted.includes(owner);
}

function trailListCall(
  p: Placement,
  account: string | undefined,
  timeoutMs: number,
): Call<ListedTrail[]> | { failure: string } {
  return awsCall(
    p,
    "cloudtrail",
    p.region,
    account,
    COVERAGE_ACTIONS.describeTrails,
    "",
    "trails",
    timeoutMs,
    (t) => (ctx, signal) => sdk().describeTrails(ctx, t, timeoutMs, signal),
  );
}

/** A trail's status and (the account's own trails only) selectors calls, by ARN in its home region. */
function trailCalls(
  p: Placement,
  account: string | undefined,
  arn: string,
  home: string,
  withSelectors: boolean,
  timeoutMs: number,
): {
  status: Call<TrailStatus | NotFound> | { failure: string };
  selectors: Call<TrailSelectors> | { failure: string } | undefined;
} {
  const status = awsCall(
    p,
    "cloudtrail",
    home,
    account,
    COVERAGE_ACTIONS.trailStatus,
    arn,
    arn,
    timeoutMs,
    (t) => (ctx, signal) => sdk().getTrailStatus(ctx, t, arn, timeoutMs, signal),
  );
  const selectors = withSelectors
    ? awsCall(
        p,
        "cloudtrail",
        home,
        account,
        COVERAGE_ACTIONS.eventSelectors,
        arn,
        arn,
        timeoutMs,
        (t) => (ctx, signal) => sdk().getEventSelectors(ctx, t, arn, timeoutMs, signal),
      )
    : undefined;
  return { status, selectors };
}

async function evaluateTrails(run: RunCall, p: Placement, account: string, timeoutMs: number): Promise<Composed> {
  const list = trailListCall(p, account, timeoutMs);
  if ("failure" in list)
    return failed(
      { reason: "bad-target", detail: list.failure },
      spec(COVERAGE_ACTIONS.describeTrails, p.region, account, "trails"),
    );
  const listed = await run(list);
  if (!listed.ok) return failed(listed.failure, list.spec);
  const evidence = await Promise.all(
    listed.value.map(async (trail): Promise<{ e: TrailEvidence; failure?: Composed; selectorsSpec?: CallSpec }> => {
      const home = trail.homeRegion ?? regionOfArn(trail.arn) ?? p.region;
      if (!trail.isMultiRegion && home !== p.region) return { e: { trail, status: undefined, selectors: undefined } };
      // By ARN in the home region: shadow and organization trails answer only to their ARN.
      // CloudTrail answers GetEventSelectors only to the trail's own account (a member account asking about
      // an organization trail gets TrailNotFoundException or CloudTrailARNInvalidException; steampipe-plugin-aws
      // skips the call for other accounts' trails): such a trail is judged on its status and its listing.
      const owner = accountOfArn(trail.arn);
      const foreign = owner !== undefined && owner !== account;
      const calls = trailCalls(p, account, trail.arn, home, !foreign, timeoutMs);
      const statusCall = calls.status;
      const selectorsCall = calls.selectors;
      if ("failure" in statusCall || (selectorsCall && "failure" in selectorsCall)) {
        const why = "failure" in statusCall ? statusCall.failure : (selectorsCall as { failure: string }).failure;
        return {
          e: { trail, status: undefined, selectors: undefined },
          failure: failed(
            { reason: "bad-target", detail: why },
            spec(COVERAGE_ACTIONS.trailStatus, home, account, trail.arn),
          ),
        };
      }
      const unread: Outcome<TrailSelectors | NotFound> = success({
        found: false,
        detail: `only its account ${owner ?? "?"} may call GetEventSelectors on it, not ${account}`,
      });
      const [status, selectors] = await Promise.all([
        run(statusCall),
        selectorsCall ? run(selectorsCall) : Promise.resolve(unread),
      ]);
      const failure = !status.ok
        ? failed(status.failure, statusCall.spec)
        : !selectors.ok && selectorsCall
          ? failed(selectors.failure, selectorsCall.spec)
          : undefined;
      return {
        e: {
          trail,
          foreign,
          status: status.ok ? status.value : undefined,
          selectors: selectors.ok ? selectors.value : undefined,
        },
        selectorsSpec: spec(COVERAGE_ACTIONS.eventSelectors, home, account, trail.arn),
        ...(failure ? { failure } : {}),
      };
    }),
  );
  const judged = evidence.map((x) => ({ ...x, j: trailCovers(p.region, x.e) }));
  const verdict = regionVerdict(
    account,
    p.region,
    judged.map((x) => x.j),
    `no trail applies to ${p.region}`,
  );
  // Not covered while some candidate could not be read or judged: undetermined, never a violation.
  const unjudged = judged.find((x) => !x.j.covers && x.j.undetermined);
  const undetermined =
    judged.find((x) => x.failure)?.failure ??
    (unjudged && !unjudged.j.covers && unjudged.j.undetermined && unjudged.selectorsSpec
      ? failed(unjudged.j.undetermined, unjudged.selectorsSpec)
      : undefined);
  if (!verdict.coveredBy && undetermined) return undetermined;
  return { outcome: success(verdict), spec: list.spec };
}

export const awsConfigCoverageKind: LiveKind<RegionCoverage> = {
  id: CONFIG_KIND_ID,
  label: "AWS Config coverage",
  policyName: AWS_CONFIG_COVERAGE_POLICY,
  plan(view, raw) {
    const o = readOptions(configCoverageOptions, raw);
    const timeoutMs = o.timeoutSeconds * 1000;
    const { placements, undecided } = awsPlacements(view, "config", COVERAGE_ACTIONS.describeRecorders);
    const intent = recorderIntent(view, o.allowExclusions);
    const evaluate = (run: RunCall, p: Placement, account: string): Promise<Composed> =>
      evaluateRecorders(run, p, account, timeoutMs, o, Date.now());
    // The global types are judged per account: one check per credential set (and endpoint) over its Regions.
    const groups = new Map<string, { p: Placement; intent: { global: boolean } | undefined }[]>();
    for (const p of placements) {
      const groupKey = `${p.target.credentialsId}|${p.target.endpoint ?? ""}`;
      const planned = intent.get(`${p.target.credentialsId}|${p.region}`);
      groups.set(groupKey, [...(groups.get(groupKey) ?? []), { p, intent: planned }]);
    }
    const checks = planCoverage(
      "aws",
      CONFIG_KIND_ID,
      undecided,
      placements,
      (p) => {
        const planned = intent.get(`${p.target.credentialsId}|${p.region}`);
        return planned
          ? [byIntent("aws", placementFacts(p), "a recorder this update creates", planned.global)]
          : undefined;
      },
      (p) => [
        awsCoverageCheck(
          CONFIG_KIND_ID,
          p,
          timeoutMs,
          (run) => {
            const [describe, statuses, list] = recorderCalls(p, p.target.account, timeoutMs);
            void run(describe);
            void run(statuses);
            void run(list);
          },
          (run, account) => evaluate(run, p, account),
        ),
      ],
    );
    if (o.checkGlobalResourceTypes) {
      for (const group of groups.values()) checks.push(globalTypesCheck(group, evaluate, timeoutMs, o));
    }
    return checks;
  },
};

/** The region's three recorder reads, none needing another's answer: recorders, their status, the service-linked list. */
function recorderCalls(
  p: Placement,
  account: string | undefined,
  timeoutMs: number,
): [Call<DescribedRecorder[]>, Call<RecorderStatus[]>, Call<RecorderSummary[]>] {
  return [
    recorderCall(
      p,
      account,
      COVERAGE_ACTIONS.describeRecorders,
      "",
      timeoutMs,
      (t) => (ctx, s) => sdk().describeRecorders(ctx, t, undefined, timeoutMs, s),
    ),
    recorderCall(
      p,
      account,
      COVERAGE_ACTIONS.recorderStatus,
      "*customer",
      timeoutMs,
      (t) => (ctx, s) => sdk().describeRecorderStatuses(ctx, t, undefined, timeoutMs, s),
    ),
    recorderCall(
      p,
      account,
      COVERAGE_ACTIONS.listRecorders,
      "",
      timeoutMs,
      (t) => (ctx, s) => sdk().listRecorders(ctx, t, timeoutMs, s),
    ),
  ];
}

/** A Config call in the placement's own region (always routed: it is the placement's target). */
function recorderCall<T>(
  p: Placement,
  account: string | undefined,
  api: { action: string; permission: string },
  id: string,
  timeoutMs: number,
  fn: (t: AwsTarget) => Call<T>["attempt"],
): Call<T> {
  const c = awsCall(p, "config", p.region, account, api, id, id || "recorders", timeoutMs, fn);
  if ("failure" in c) throw new Error(c.failure);
  return c;
}

async function evaluateRecorders(
  run: RunCall,
  p: Placement,
  account: string,
  timeoutMs: number,
  rules: RecorderRules,
  nowMs: number,
): Promise<Composed> {
  const region = p.region;
  const call = <T>(
    api: { action: string; permission: string },
    id: string,
    fn: (t: AwsTarget) => Call<T>["attempt"],
  ): Call<T> => recorderCall(p, account, api, id, timeoutMs, fn);
  const [describe, statuses, list] = recorderCalls(p, account, timeoutMs);
  const [d, st, l] = await Promise.all([run(describe), run(statuses), run(list)]);
  if (!d.ok) return failed(d.failure, describe.spec);
  if (!st.ok) return failed(st.failure, statuses.spec);
  if (!l.ok) return failed(l.failure, list.spec);
  const evidence: RecorderEvidence[] = d.value
    .filter((r) => !r.servicePrincipal)
    .map((r) => ({
      name: r.name,
      servicePrincipal: undefined,
      recordingScope: r.recordingScope,
      recordingGroup: r.recordingGroup,
      status: st.value.find((s) => s.name === r.name) ?? (st.value.length === 1 ? st.value[0] : undefined),
    }));
  const linked = l.value.filter((s): s is RecorderSummary & { servicePrincipal: string } => !!s.servicePrincipal);
  // Only a PAID service-linked recorder of AWS resources records for the account: read its group and status by
  // ARN (ServicePrincipal is "only supported for Amazon Web Services service principals": botocore
  // config/2014-11-12). One with a `provider` records another cloud's (AZURE, GCP) resources: never read.
  const paid = await Promise.all(
    linked.map(async (s): Promise<{ e: RecorderEvidence; failure?: Composed }> => {
      const e: RecorderEvidence = {
        name: s.name,
        servicePrincipal: s.servicePrincipal,
        ...(s.provider !== undefined ? { provider: s.provider } : {}),
        recordingScope: s.recordingScope,
        recordingGroup: undefined,
        status: undefined,
      };
      if (s.recordingScope !== "PAID" || s.provider !== undefined) return { e };
      const selector = s.arn ? { arn: s.arn } : { servicePrincipal: s.servicePrincipal };
      const id = s.arn || s.servicePrincipal;
      const dc = call(
        COVERAGE_ACTIONS.describeRecorders,
        id,
        (t) => (ctx, sig) => sdk().describeRecorders(ctx, t, selector, timeoutMs, sig),
      );
      const sc = call(
        COVERAGE_ACTIONS.recorderStatus,
        id,
        (t) => (ctx, sig) => sdk().describeRecorderStatuses(ctx, t, selector, timeoutMs, sig),
      );
      const [rd, rs] = await Promise.all([run(dc), run(sc)]);
      if (!rd.ok) return { e, failure: failed(rd.failure, dc.spec) };
      if (!rs.ok) return { e, failure: failed(rs.failure, sc.spec) };
      return {
        e: {
          ...e,
          recordingGroup: (rd.value[0] as DescribedRecorder | undefined)?.recordingGroup,
          status: rs.value[0],
        },
      };
    }),
  );
  const all = [...evidence, ...paid.map((x) => x.e)];
  const verdict = regionVerdict(
    account,
    region,
    all.map((e) => recorderCovers(e, rules, nowMs)),
    `no configuration recorder in ${region}`,
  );
  // Any recorder recording them counts (not only one covering the region), but only where AWS Config can record them.
  verdict.recordsGlobalTypes =
    all.some((e) => recordsGlobalTypesNow(e, rules, nowMs)) && canRecordGlobalIamTypes(region);
  const undetermined = paid.find((x) => x.failure)?.failure;
  if (!verdict.coveredBy && undetermined) return undetermined;
  return { outcome: success(verdict), spec: describe.spec };
}

// ---- global resource types, per account ------------------------------------------------------------

const GLOBAL_REGION = "(global resource types)";

/**
 * One check per credential set: the stack's Regions of the account first (the region checks' own evaluations,
 * shared through the round's memo); only if none records the global types, the account's other Regions that
 * can (DescribeConfigurationRecorders in each, DescribeConfigurationRecorderStatus only where a recorder is
 * set to record them: probeGlobalTypes), since AWS advises
 * recording them in one Region, which need not be one this stack deploys to. Any Region that does not answer
 * (an opt-in Region refusing the credentials included) leaves the account undetermined unless another records them.
 */
function globalTypesCheck(
  group: { p: Placement; intent: { global: boolean } | undefined }[],
  evaluate: (run: RunCall, p: Placement, account: string) => Promise<Composed>,
  timeoutMs: number,
  rules: RecorderRules,
): PlannedCheck<RegionCoverage> {
  const first = (group[0] as (typeof group)[number]).p;
  const base = spec({ action: CONFIG_KIND_ID, permission: "" }, GLOBAL_REGION, first.target.account, "global types");
  const quiet = (account: string): Composed => ({
    outcome: success({ account, region: GLOBAL_REGION, coveredBy: "not judged", found: [], accountWide: true }),
  });
  return {
    urn: "",
    spec: base,
    async compose(run, ctx) {
      // A recorder this update creates records them: nothing to ask. Regions covered by intent whose recorders
      // do not record them say nothing of the account's other Regions: those are still asked.
      const intended = group.some(({ p, intent }) => intent?.global === true && canRecordGlobalIamTypes(p.region));
      if (intended) return quiet(first.target.account ?? "unknown");
      const who = await accountOf(run, first, timeoutMs);
      // The region checks report a failed identity call; this check then has nothing to add.
      if (!who.ok) return quiet("unknown");
      const account = who.account;
      const own = await Promise.all(
        group.map(async ({ p, intent }) => {
          if (intent)
            return { region: p.region, covered: true, global: intent.global && canRecordGlobalIamTypes(p.region) };
          const r = await evaluatedOnce(ctx, regionMemoKey(CONFIG_KIND_ID, account, p), () =>
            evaluate(run, p, account),
          );
          if (!r.outcome.ok) return undefined;
          const f = r.outcome.value;
          return { region: p.region, covered: f.coveredBy !== undefined, global: f.recordsGlobalTypes === true };
        }),
      );
      // An undetermined region (reported by live-verification) might be the one that records them.
      if (own.some((r) => r === undefined)) return quiet(account);
      const regions = own.filter((r): r is NonNullable<typeof r> => r !== undefined);
      const recording = regions.find((r) => r.global);
      if (recording) {
        return {
          outcome: success({
            account,
            region: GLOBAL_REGION,
            coveredBy: `recorded in ${recording.region}`,
            found: [],
            accountWide: true,
          }),
        };
      }
      // Nothing records at all in the stack's Regions: those are reported region by region already.
      if (!regions.some((r) => r.covered)) return quiet(account);
      const stackRegions = [...new Set(regions.map((r) => r.region))].sort();
      // GLOBAL_IAM_REGIONS order (us-east-1 first): the first Region that records them is named.
      const candidates = GLOBAL_IAM_REGIONS[partitionOf(first.region)].filter((r) => !stackRegions.includes(r));
      const probes = await probeGlobalTypes(run, first, account, candidates, timeoutMs, rules);
      const found = probes.find((x) => x.ok && x.recorder);
      const facts = (recordedIn: string | undefined): GlobalTypesFacts => ({
        recordedIn,
        stackRegions,
        probed: candidates,
      });
      if (found && found.ok) {
        return {
          outcome: success({
            account,
            region: GLOBAL_REGION,
            coveredBy: `recorder '${found.recorder}' in ${found.region}`,
            found: [],
            accountWide: true,
            globalTypes: facts(found.region),
          }),
        };
      }
      // A Region that did not answer (an opt-in Region refusing the credentials included: not enabled, or the
      // credentials not valid there, cannot be told apart) might be the one that records them: undetermined.
      const failure = probes.find((x) => !x.ok);
      if (failure && !failure.ok && failure.composed) return failure.composed;
      return {
        outcome: success({
          account,
          region: GLOBAL_REGION,
          coveredBy: undefined,
          found: [],
          accountWide: true,
          globalTypes: facts(undefined),
        }),
      };
    },
  };
}

type Probe =
  | { ok: true; region: string; recorder: string | undefined }
  | { ok: false; region: string; composed: Composed | undefined };

/**
 * Does a customer-managed recorder of one of `regions` record the global IAM types right now? Two round trips:
 * DescribeConfigurationRecorders in every Region at once (one call each), then DescribeConfigurationRecorderStatus
 * only where a recorder's group includes the IAM types (usually one Region, often none). Asking them one Region
 * at a time would save calls only when an early Region records them, and cost a round trip per Region otherwise.
 */
async function probeGlobalTypes(
  run: RunCall,
  p: Placement,
  account: string,
  regions: readonly string[],
  timeoutMs: number,
  rules: RecorderRules,
): Promise<Probe[]> {
  const inRegion = <T>(
    region: string,
    api: { action: string; permission: string },
    id: string,
    attempt: (t: AwsTarget) => Call<T>["attempt"],
  ): Call<T> | { failure: Composed } => {
    const c = awsCall(p, "config", region, account, api, id, "recorders", timeoutMs, attempt);
    if (!("failure" in c)) return c;
    return { failure: failed({ reason: "bad-target", detail: c.failure }, spec(api, region, account, "recorders")) };
  };
  /** One call in `region`: its answer, or the probe result that says why there is none. */
  const ask = async <T>(
    region: string,
    api: { action: string; permission: string },
    id: string,
    attempt: (t: AwsTarget) => Call<T>["attempt"],
  ): Promise<{ ok: true; value: T } | { ok: false; probe: Probe }> => {
    const c = inRegion(region, api, id, attempt);
    if ("failure" in c) return { ok: false, probe: { ok: false, region, composed: c.failure } };
    const o = await run(c);
    return o.ok ? o : { ok: false, probe: { ok: false, region, composed: failed(o.failure, c.spec) } };
  };
  const described = await Promise.all(
    regions.map(async (region): Promise<Probe | { region: string; recorders: DescribedRecorder[] }> => {
      const d = await ask(
        region,
        COVERAGE_ACTIONS.describeRecorders,
        "",
        (t) => (ctx, s) => sdk().describeRecorders(ctx, t, undefined, timeoutMs, s),
      );
      if (!d.ok) return d.probe;
      // Only the customer-managed recorder, and only one whose group includes them, is worth its status.
      const recorders = d.value.filter((r) => !r.servicePrincipal && recordsGlobalTypes(r.recordingGroup));
      return recorders.length ? { region, recorders } : { ok: true, region, recorder: undefined };
    }),
  );
  return Promise.all(
    described.map(async (x): Promise<Probe> => {
      if (!("recorders" in x)) return x;
      const { region, recorders } = x;
      const st = await ask(
        region,
        COVERAGE_ACTIONS.recorderStatus,
        "*customer",
        (t) => (ctx, s) => sdk().describeRecorderStatuses(ctx, t, undefined, timeoutMs, s),
      );
      if (!st.ok) return st.probe;
      const now = Date.now();
      const recorder = recorders.find((r) => {
        const s = st.value.find((x) => x.name === r.name) ?? (st.value.length === 1 ? st.value[0] : undefined);
        const e: RecorderEvidence = {
          name: r.name,
          servicePrincipal: undefined,
          recordingScope: r.recordingScope,
          recordingGroup: r.recordingGroup,
          status: s,
        };
        return recordsGlobalTypesNow(e, rules, now);
      });
      return { ok: true, region, recorder: recorder?.name };
    }),
  );
}
