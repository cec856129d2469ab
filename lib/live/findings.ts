// The shape every live policy shares: take this analysis's shared round, keep the completed checks of
// one kind, and judge each observed value. Checks that could not complete are left to
// auditguard-live-verification.

import type { Finding } from "../policy-kit";
import type { ResourceView, StackView } from "../stack";
import type { CallSpec } from "./outcome";
import { type LiveEntry, type LiveKind, liveEntries } from "./round";

/** "'trail-1' (region eu-west-1, API region cn-shanghai, account 123456789012)" */
export function whereOf(spec: CallSpec): string {
  const parts = [
    spec.region ? `region ${spec.region}` : "",
    spec.apiRegion ? `API region ${spec.apiRegion}` : "",
    spec.account ? `account ${spec.account}` : "",
  ].filter(Boolean);
  return `'${spec.target}'${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

/** Violations for one observed value of a live check (empty when healthy). */
export type EntryJudge<T> = (
  value: T,
  where: string,
  entry: LiveEntry<unknown>,
  resource: ResourceView | undefined,
) => string[];

export async function liveFindings<T>(
  policyName: string,
  kind: LiveKind<T>,
  view: StackView,
  rawConfig: Record<string, unknown>,
  judge: EntryJudge<T>,
): Promise<Finding[]> {
  const entries = await liveEntries(policyName, view, rawConfig, kind.id);
  const byUrn = new Map(view.resources.map((r) => [r.urn, r]));
  const findings: Finding[] = [];
  for (const e of entries) {
    if (e.kind !== kind.id || !e.outcome.ok) continue;
    for (const message of judge(e.outcome.value as T, whereOf(e.spec), e, byUrn.get(e.urn))) {
      findings.push({ urn: e.urn, message });
    }
  }
  return findings;
}
