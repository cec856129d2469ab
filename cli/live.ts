// `status`: the shared live round over a stack export, judged by the live policies' own judge functions.
// One row per declared recorder or trail: what was observed and the verdict the pack would give.

import { aliRecorderKind, aliTrailKind } from "../lib/alicloud/kinds";
import type { AliNotFound, AliRecorder, AliTrailStatus } from "../lib/alicloud/sdk";
import { awsRecorderKind, awsTrailKind } from "../lib/aws/kinds";
import type { NotFound, RecorderStatus, TrailStatus } from "../lib/aws/sdk";
import { whereOf } from "../lib/live/findings";
import { aliConfigCoverageKind, aliTrailCoverageKind } from "../lib/alicloud/coverage";
import { awsConfigCoverageKind, awsTrailCoverageKind } from "../lib/aws/coverage";
import { type CoverageFacts, isAccountWide } from "../lib/live/coverage";
import { LIVE_KINDS, RESOURCE_KINDS } from "../lib/live/kinds";
import { registerKinds, type LiveEntry, runRound } from "../lib/live/round";
import { readOptions } from "../lib/options";
import { field, knownStr } from "../lib/plain";
import { redact } from "../lib/redact";
import { type ResourceView, type StackView, TYPES } from "../lib/stack";
import * as aliRecorderPolicy from "../policies/alicloud-config-recorder-recording";
import * as aliTrailPolicy from "../policies/alicloud-actiontrail-trail-logging";
import { describeFailure } from "../policies/auditguard-live-verification";
import * as awsRecorderPolicy from "../policies/aws-config-recorder-recording";
import * as awsTrailPolicy from "../policies/aws-cloudtrail-trail-logging";
import { aliTrailCoverageMessage } from "../policies/alicloud-actiontrail-account-coverage";
import { aliConfigCoverageMessage } from "../policies/alicloud-config-account-coverage";
import { trailCoverageMessage } from "../policies/aws-cloudtrail-account-coverage";
import * as awsConfigCoveragePolicy from "../policies/aws-config-account-coverage";
import type { ConfigOf } from "./state";

export type Verdict = "healthy" | "violation" | "undetermined";

export interface StatusRow {
  urn: string;
  /** The resource's Pulumi name. */
  resource: string;
  /** "CloudTrail trail", "AWS Config recorder", … */
  label: string;
  kind: string;
  policy: string;
  /** Name or ARN the API was asked about. */
  target: string;
  region: string | undefined;
  account: string | undefined;
  /** What was observed, in a few words: "logging", "not recording", "REGISTRABLE", "could not check". */
  state: string;
  verdict: Verdict;
  /** Violations, or why the check could not complete. Redacted. */
  messages: string[];
}

export interface StatusResult {
  rows: StatusRow[];
  entries: LiveEntry<unknown>[];
}

const LIVE_TYPES: Record<string, { kind: string; policy: string; label: string }> = {
  [TYPES.awsRecorder]: { kind: awsRecorderKind.id, policy: awsRecorderKind.policyName, label: awsRecorderKind.label },
  [TYPES.awsTrail]: { kind: awsTrailKind.id, policy: awsTrailKind.policyName, label: awsTrailKind.label },
  [TYPES.aliRecorder]: { kind: aliRecorderKind.id, policy: aliRecorderKind.policyName, label: aliRecorderKind.label },
  [TYPES.aliTrail]: { kind: aliTrailKind.id, policy: aliTrailKind.policyName, label: aliTrailKind.label },
};

/** The violation text of each account-coverage kind: the coverage policies' own. */
const COVERAGE_MESSAGES: Record<string, (f: CoverageFacts) => string> = {
  [awsTrailCoverageKind.id]: trailCoverageMessage,
  [awsConfigCoverageKind.id]: awsConfigCoveragePolicy.configCoverageMessage,
  [aliTrailCoverageKind.id]: aliTrailCoverageMessage,
  [aliConfigCoverageKind.id]: aliConfigCoverageMessage,
};

export async function liveStatus(
  view: StackView,
  configOf: ConfigOf,
  nowMs = Date.now(),
  opts: { coverage?: boolean; onSettled?: (done: number, total: number) => void } = {},
): Promise<StatusResult> {
  // Account coverage calls the accounts and regions the stack deploys into: only when asked for.
  registerKinds(opts.coverage ? LIVE_KINDS : RESOURCE_KINDS);
  const entries = await runRound(view, configOf, opts.onSettled);
  const byUrn = new Map(view.resources.map((r) => [r.urn, r]));
  // Account-wide facts (the global resource types) become globalTypesRows' per-account rows, not region rows.
  const rows = entries
    .filter((e) => !(e.outcome.ok && isAccountWide(e.outcome.value)))
    .map((e) => rowOf(view, e, byUrn.get(e.urn), configOf, nowMs));
  if (opts.coverage) rows.push(...globalTypesRows(entries, configOf));
  // A declared resource the round made no call for: its provider settings are not known (an encrypted secret).
  const checked = new Set(entries.map((e) => e.urn));
  for (const r of view.resources) {
    const live = LIVE_TYPES[r.type];
    if (!live || !r.exists || checked.has(r.urn) || configOf(live.policy) === undefined) continue;
    rows.push({
      urn: r.urn,
      resource: r.name,
      label: live.label,
      kind: live.kind,
      policy: live.policy,
      target: knownStr(field(r.props, "name")) ?? r.name,
      region: undefined,
      account: undefined,
      state: "not checked",
      verdict: "undetermined",
      messages: [
        `${live.label} '${r.name}' was not checked: its provider's credentials, role or endpoints are not known. ` +
          "A secret in the export could not be decrypted: export with `pulumi stack export --show-secrets`, or use --stack.",
      ],
    });
  }
  return { rows, entries };
}

export function rowOf(
  view: StackView,
  e: LiveEntry<unknown>,
  resource: ResourceView | undefined,
  configOf: ConfigOf,
  nowMs: number,
): StatusRow {
  const base = {
    urn: e.urn,
    resource: resource?.name ?? (e.urn || "(planning)"),
    label: e.label,
    kind: e.kind,
    policy: e.policyName,
    target: e.spec.target,
    region: e.spec.region,
    account: e.spec.account,
  };
  if (!e.outcome.ok) {
    return {
      ...base,
      state: "could not check",
      verdict: "undetermined",
      messages: [redact(describeFailure(e, e.outcome.failure))],
    };
  }
  const coverage = COVERAGE_MESSAGES[e.kind];
  if (coverage) {
    const f = e.outcome.value as CoverageFacts;
    return {
      ...base,
      resource: `account ${f.account}`,
      target: f.coveredBy ?? "-",
      region: f.region,
      account: f.account,
      state: f.coveredBy ? (f.byIntent ? "covered by this update" : "covered") : "not covered",
      verdict: f.coveredBy ? "healthy" : "violation",
      messages: f.coveredBy ? [] : [redact(coverage(f))],
    };
  }
  const messages = judge(view, e, e.outcome.value, resource, configOf(e.policyName) ?? {}, nowMs).map(redact);
  return {
    ...base,
    state: stateOf(e.kind, e.outcome.value),
    verdict: messages.length ? "violation" : "healthy",
    messages,
  };
}

/** The policy's own judgement of an observed value (the same functions the pack's policies call). */
export function judge(
  view: StackView,
  e: LiveEntry<unknown>,
  value: unknown,
  resource: ResourceView | undefined,
  raw: Record<string, unknown>,
  nowMs: number,
): string[] {
  const where = whereOf(e.spec);
  switch (e.kind) {
    case awsRecorderKind.id:
      return awsRecorderPolicy.judgeEntry(view, readOptions(awsRecorderPolicy.options, raw), nowMs)(
        value as RecorderStatus | NotFound,
        where,
        e,
        resource,
      );
    case awsTrailKind.id:
      return awsTrailPolicy.judgeEntry(view, readOptions(awsTrailPolicy.options, raw), nowMs)(
        value as TrailStatus | NotFound,
        where,
        e,
        resource,
      );
    case aliRecorderKind.id:
      return aliRecorderPolicy.judgeEntry(view, readOptions(aliRecorderPolicy.options, raw), nowMs)(
        value as AliRecorder | AliNotFound,
        where,
        e,
        resource,
      );
    case aliTrailKind.id:
      return aliTrailPolicy.judgeEntry(view, readOptions(aliTrailPolicy.options, raw), nowMs)(
        value as AliTrailStatus | AliNotFound,
        where,
        e,
        resource,
      );
    default:
      return [];
  }
}

/** A few words for the table. */
export function stateOf(kind: string, value: unknown): string {
  const v = value as { found: boolean };
  if (!v.found) return "does not exist";
  switch (kind) {
    case awsRecorderKind.id: {
      const r = value as RecorderStatus;
      return `${r.recording ? "recording" : "not recording"}${r.lastStatus ? `, last ${r.lastStatus}` : ""}`;
    }
    case aliRecorderKind.id:
      return (value as AliRecorder).status;
    case awsTrailKind.id:
    case aliTrailKind.id:
      return (value as TrailStatus | AliTrailStatus).isLogging ? "logging" : "not logging";
    default:
      return "observed";
  }
}

export function exitCodeOf(rows: readonly { verdict: Verdict }[]): number {
  if (rows.some((r) => r.verdict === "violation")) return 1;
  if (rows.some((r) => r.verdict === "undetermined")) return 2;
  return 0;
}

/** aws-config-account-coverage's per-account finding: no checked region records global (IAM) resource types. */
function globalTypesRows(entries: readonly LiveEntry<unknown>[], configOf: ConfigOf): StatusRow[] {
  const raw = configOf(awsConfigCoveragePolicy.name);
  if (raw === undefined || !readOptions(awsConfigCoveragePolicy.options, raw).checkGlobalResourceTypes) return [];
  const mine = entries.filter((e) => e.kind === awsConfigCoverageKind.id);
  const facts = mine.flatMap((e) => (e.outcome.ok ? [e.outcome.value as CoverageFacts] : []));
  return awsConfigCoveragePolicy.globalTypesFindings(facts).map((f) => ({
    urn: "",
    resource: "account",
    label: awsConfigCoverageKind.label,
    kind: awsConfigCoverageKind.id,
    policy: awsConfigCoveragePolicy.name,
    target: "global resource types",
    region: undefined,
    account: undefined,
    state: "global types not recorded",
    verdict: "violation",
    messages: [redact(f.message)],
  }));
}
