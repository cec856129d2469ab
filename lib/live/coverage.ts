// Coverage findings, shared by the four account-coverage policies: the shared round's entries of one kind,
// one group per (account, region) however many providers or credential sets reached it, judged once.

import type { Finding } from "../policy-kit";
import type { StackView } from "../stack";
import { type CallSpec, failure, type FailureReason } from "./outcome";
import { liveEntries, type PlannedCheck } from "./round";

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
