// The account-coverage core, shared by both clouds and the four account-coverage policies: the planning loop
// (undecided places, intent, one check per placement), the check itself (the account joined with calls that
// need none of it, one evaluation per account and region per round), the verdict from the candidates'
// judgements, and the findings from the shared round's entries. Each cloud supplies its placements, its
// rules (lib/aws/coverage.ts, lib/alicloud/coverage.ts) and its calls.

import type { Finding } from "../policy-kit";
import type { StackView } from "../stack";
import { sharedSuccess } from "./memo";
import { type CallSpec, type CheckFailure, failure, type FailureReason, type Outcome, success } from "./outcome";
import {
  type Call,
  type ComposedCheck,
  liveEntries,
  type PlannedCheck,
  type RoundContext,
  type RunCall,
} from "./round";

/** What a coverage check found for one region of one account (AWS and Alibaba Cloud alike). */
export interface CoverageFacts {
  account: string;
  region: string;
  /** What covers the region; undefined when nothing does. */
  coveredBy: string | undefined;
  /** What was found, and why none of it covers the region. */
  found: string[];
  recordsGlobalTypes?: boolean;
  byIntent?: boolean;
  /**
   * An account-wide fact (AWS Config's global resource types: lib/aws/coverage.ts), whose region is a label,
   * not a Region: never a region finding, nor a region row.
   */
  accountWide?: true;
  /** On an account-wide fact that judged the global resource types: where they are recorded, what was asked. */
  globalTypes?: GlobalTypesFacts;
}

/** The account-wide answer to "are AWS Config's global IAM types recorded somewhere?" */
export interface GlobalTypesFacts {
  /** Where a recorder records them; undefined when no Region of the account does. */
  recordedIn: string | undefined;
  /** The stack's Regions of the account. */
  stackRegions: string[];
  /** The account's other Regions that can record them, all asked (and all answered: else undetermined). */
  probed: string[];
}

/** The completed coverage facts of one kind, one per (account, region); failed checks are live-verification's. */
export async function coverageFacts(
  policyName: string,
  kindId: string,
  view: StackView,
  rawConfig: Record<string, unknown>,
): Promise<{ facts: CoverageFacts[]; undetermined: number }> {
  const entries = await liveEntries(policyName, view, rawConfig, kindId);
  const byPair = new Map<string, CoverageFacts>();
  let undetermined = 0;
  for (const e of entries) {
    if (e.kind !== kindId) continue;
    if (!e.outcome.ok) {
      undetermined++;
      continue;
    }
    const f = e.outcome.value as CoverageFacts;
    const key = `${f.account}|${f.region}`;
    const seen = byPair.get(key);
    // Covered by intent wins over a live "not covered": the update is about to create the cover.
    if (!seen || (f.coveredBy && !seen.coveredBy)) byPair.set(key, f);
  }
  return { facts: [...byPair.values()], undetermined };
}

/** A live entry whose value is an account-wide coverage fact (not one Region's). */
export function isAccountWide(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as CoverageFacts).accountWide === true;
}

/**
 * Why a cloud's coverage policy has nothing to judge, or undefined when it has: the stack deploys none of the
 * cloud's resources and coverageTargets (lib/live/sweep.ts) lists none of its accounts and regions.
 */
export function coverageNotApplicable(view: StackView, cloud: "aws" | "alicloud"): string | undefined {
  if (view.deploys[cloud] || view.sweep?.[cloud]) return undefined;
  const label = cloud === "aws" ? "AWS" : "Alibaba Cloud";
  return `the stack deploys no ${label} resources and coverageTargets lists none`;
}

/** One finding per uncovered (account, region), on the stack. */
export function uncoveredFindings(facts: CoverageFacts[], message: (f: CoverageFacts) => string): Finding[] {
  return facts
    .filter((f) => !f.coveredBy && !f.accountWide)
    .sort((a, b) => (a.account + a.region).localeCompare(b.account + b.region))
    .map((f) => ({ message: message(f) }));
}

/** A place whose coverage cannot be planned (no region, unusable provider settings), and what is known of it. */
export interface UndecidedPlace {
  urn: string;
  why: string;
  /** Default bad-target; no-credentials when the provider has no credential source at all. */
  reason?: FailureReason;
  /** See CheckFailure.advisoryOnly. */
  advisoryOnly?: boolean;
  /**
   * The first call the check would have made, where the provider's settings tell it: the region it could not
   * check, and GetCallerIdentity when the account is unknown, else the coverage action itself.
   */
  firstCall?: Omit<CallSpec, "cloud" | "target">;
}

/**
 * One undetermined check per distinct reason and first call (so per region where the region is known), never a
 * violation. Without a first call the check is named by its kind and needs no permission.
 */
export function undecidedChecks(
  cloud: "aws" | "alicloud",
  kindId: string,
  undecided: readonly UndecidedPlace[],
): PlannedCheck<CoverageFacts>[] {
  const seen = new Set<string>();
  return undecided
    .filter((u) => {
      const key = JSON.stringify([u.why, u.firstCall ?? null, u.reason ?? null]);
      return !seen.has(key) && seen.add(key);
    })
    .map((u) => ({
      urn: "",
      spec: {
        cloud,
        action: kindId,
        permission: "",
        region: undefined,
        account: undefined,
        ...u.firstCall,
        target: `account coverage (via ${u.urn})`,
      },
      outcome: failure(u.reason ?? "bad-target", u.why, u.advisoryOnly ? { advisoryOnly: true } : {}),
    }));
}

// ---- the verdict -----------------------------------------------------------------------------------

/**
 * A candidate's verdict for a region. `undetermined` (with covers false): what could not be read, and why; the
 * region is then undetermined, not uncovered, unless another candidate verifiably covers it.
 */
export type Judgement =
  | { covers: true; by: string; recordsGlobalTypes?: boolean }
  | { covers: false; why: string; undetermined?: CheckFailure };

/**
 * The verdict for a region from every candidate: covered by the first that verifiably covers (an undetermined
 * candidate never outweighs one), else what each lacks (`nothingFound` when there was no candidate); the
 * caller turns an undetermined candidate into an undetermined region.
 */
export function regionVerdict(
  account: string,
  region: string,
  judgements: readonly Judgement[],
  nothingFound: string,
): CoverageFacts {
  const first = judgements.find((j): j is Extract<Judgement, { covers: true }> => j.covers);
  if (first) return { account, region, coveredBy: first.by, found: [] };
  const found = judgements.map((j) => (j.covers ? "" : j.why)).filter(Boolean);
  return { account, region, coveredBy: undefined, found: found.length ? found : [nothingFound] };
}

// ---- the check ---------------------------------------------------------------------------------------

/** A coverage check's result, and the spec of the call that decided it (on failure: the call that failed). */
export type Composed = { outcome: Outcome<CoverageFacts>; spec?: CallSpec };

export function failed(f: CheckFailure, s: CallSpec): Composed {
  return { outcome: { ok: false, failure: f }, spec: s };
}

/** What a coverage check of one placement needs from its cloud. */
export interface CoverageCheck {
  /** The check's own spec (kind, region, the account where the provider's settings tell it). */
  base: CallSpec;
  /** The account where the provider's settings tell it; undefined: the identity call names it. */
  account: string | undefined;
  /** The caller-identity call of the placement's credentials (made only when `account` is undefined). */
  identity: () => Call<{ account: string }>;
  /** One evaluation per round for each key: the same account, region (or site) and endpoint. */
  memoKey: (account: string) => string;
  /**
   * Starts the calls that need nothing from another answer (the region's lists; the status and selectors of
   * what the stack declares), keyed as `evaluate` and the per-resource checks key them, so that the round
   * makes each once. Without a known account they go out with the identity call: one wave, not two.
   */
  prefetch: (run: RunCall) => void;
  /** The region's verdict, given the account (its calls share the prefetched ones by key). */
  evaluate: (run: RunCall, ctx: RoundContext, account: string) => Promise<Composed>;
}

/**
 * One check per placement. The identity call (when the provider's settings do not name the account) goes
 * out with the calls that need no account; the account's region is then evaluated once, whichever credential
 * set gets there first (a per-round memo keyed by account, region and endpoint, evaluatedOnce: a failed
 * evaluation is made again by the next credential set), and every entry for it carries the same facts. Two credential sets of one account whose account only STS names each send their
 * own first wave (the account is not known before it answers); everything after it is made once.
 */
export function coverageCheck(c: CoverageCheck): ComposedCheck<CoverageFacts> {
  return {
    urn: "",
    spec: c.base,
    async compose(run, ctx) {
      let account = c.account;
      if (account === undefined) {
        const identity = c.identity();
        const asked = run(identity);
        c.prefetch(run);
        const who = await asked;
        if (!who.ok) return failed(who.failure, identity.spec);
        account = who.value.account;
      }
      const known = account;
      const result = await evaluatedOnce(ctx, c.memoKey(known), () => {
        if (c.account !== undefined) c.prefetch(run);
        return c.evaluate(run, ctx, known);
      });
      return { outcome: result.outcome, spec: result.spec ?? { ...c.base, account: known } };
    },
  };
}

/**
 * The round's evaluation of one account's region under `key`, shared once it succeeds: a failed one (a permission
 * the first credential set lacks) is made again by the next credential set of the account, whose calls are its
 * own; a successful one is never repeated.
 */
export function evaluatedOnce(ctx: RoundContext, key: string, evaluate: () => Promise<Composed>): Promise<Composed> {
  return sharedSuccess(ctx, key, evaluate, (r) => r.outcome.ok);
}

// ---- planning ------------------------------------------------------------------------------------------

/** Where a placement is, for intent: its region, the account its provider names, its credentials. */
export interface PlacementFacts {
  region: string;
  account: string | undefined;
  credentialsId: string;
}

/**
 * A region this update covers (preview): a trail or recorder the stack creates. `recordsGlobalTypes` only for
 * AWS Config (whether the recorder created records the global IAM types); absent for the others.
 */
export function byIntent(
  cloud: "aws" | "alicloud",
  p: PlacementFacts,
  by: string,
  recordsGlobalTypes?: boolean,
): PlannedCheck<CoverageFacts> {
  return {
    urn: "",
    spec: {
      cloud,
      action: "intent",
      permission: "",
      region: p.region,
      account: p.account,
      target: "account coverage",
    },
    outcome: success({
      account: p.account ?? `of the credentials ${p.credentialsId}`,
      region: p.region,
      coveredBy: by,
      found: [],
      ...(recordsGlobalTypes !== undefined ? { recordsGlobalTypes } : {}),
      byIntent: true,
    }),
  };
}

/**
 * The planning loop of a coverage kind: the undecided places first (one undetermined check per reason and
 * first call), then per placement what this update creates (`intent`) or else its live check(s) (`check`).
 */
export function planCoverage<P>(
  cloud: "aws" | "alicloud",
  kindId: string,
  undecided: readonly UndecidedPlace[],
  placements: readonly P[],
  /** Undefined: nothing this update creates covers the placement (an empty list: covered, already said). */
  intent: (p: P) => PlannedCheck<CoverageFacts>[] | undefined,
  check: (p: P) => PlannedCheck<CoverageFacts>[],
): PlannedCheck<CoverageFacts>[] {
  const checks = undecidedChecks(cloud, kindId, undecided);
  for (const p of placements) checks.push(...(intent(p) ?? check(p)));
  return checks;
}
