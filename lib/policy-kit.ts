// Shared frame for auditguard's stack policies: metadata and options in one place, a plain view of
// the stack, and the guarantee that nothing escapes a policy (an exception there fails the whole
// update, whatever the enforcement level). Every message is redacted.

import type {
  EnforcementLevel,
  PolicyComplianceFramework,
  ReportViolation,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { analysisEpoch, engineConfigFor, engineObserved } from "./engine";
import { LIVE_VERIFICATION_POLICY } from "./live/audit";
import { sweepOf } from "./live/sweep";
import { prefetchRound } from "./live/round";
import { configSchema, type Options, type OptionValues, readOptions } from "./options";
import { redact } from "./redact";
import { type StackView, viewOf } from "./stack";

export interface Finding {
  /** The resource the finding is about; absent means the stack itself. */
  urn?: string;
  message: string;
  /** Reported advisory whatever the policy's level (a check that could not be made because of where the pack runs). */
  advisory?: boolean;
}

export type Verdict = Finding[] | { notApplicable: string };

/** What every auditguard policy declares, stack or resource: its metadata beside its options. */
export interface PolicyDefinition<O extends Options> {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  severity: Severity;
  framework?: PolicyComplianceFramework;
  tags?: string[];
  remediationSteps: string;
  url: string;
  options: O;
}

export interface AuditPolicy<O extends Options> extends PolicyDefinition<O> {
  evaluate(view: StackView, config: OptionValues<O>, rawConfig: Record<string, unknown>): Verdict | Promise<Verdict>;
}

/** The SDK policy's metadata and config schema, as every auditguard policy sends them. */
export function policyMetadata<O extends Options>(def: PolicyDefinition<O>) {
  return {
    name: def.name,
    description: def.description,
    enforcementLevel: def.enforcementLevel,
    severity: def.severity,
    ...(def.framework ? { framework: def.framework } : {}),
    ...(def.tags ? { tags: def.tags } : {}),
    remediationSteps: def.remediationSteps,
    url: def.url,
    configSchema: configSchema(def.options),
  };
}

// The live-verification policy links to Pulumi's page on stack policies and their enforcement levels: whether a
// check that could not complete blocks an update is that policy's enforcement level (other policies link to the
// API or control documentation they enforce).
export const DOCS_URL = "https://www.pulumi.com/docs/discovery-governance/concepts/policy-as-code/policies/";

export function stackPolicy<O extends Options>(def: AuditPolicy<O>): StackValidationPolicy {
  return {
    ...policyMetadata(def),
    validateStack: async (args: StackValidationArgs, report: ReportViolation) => {
      let verdict: Verdict;
      try {
        const raw = safeConfig(args);
        const view = viewOfAnalysis(args.resources);
        await prefetchRound(view);
        verdict = await def.evaluate(view, readOptions(def.options, raw), raw);
      } catch (e) {
        // A bug in auditguard must not fail the user's update; say so, without blocking it.
        reportObject(report, {
          message: redact(`auditguard could not evaluate this policy: ${e instanceof Error ? e.message : String(e)}`),
          enforcementLevel: "advisory",
        });
        return;
      }
      if (!Array.isArray(verdict)) {
        args.notApplicable(verdict.notApplicable);
        return;
      }
      for (const f of verdict) {
        if (f.advisory) {
          reportObject(report, {
            message: redact(f.message),
            enforcementLevel: "advisory",
            ...(f.urn ? { urn: f.urn } : {}),
          });
        } else report(redact(f.message), f.urn);
      }
    },
  };
}

let analysisView: { epoch: number; view: StackView } | undefined;

/**
 * The stack view, built once per analysis: every stack policy of one AnalyzeStack receives the same
 * resources (each freshly deserialized by the SDK). Without the engine hooks analyses cannot be told
 * apart, so each policy builds its own.
 */
function viewOfAnalysis(resources: StackValidationArgs["resources"]): StackView {
  if (!engineObserved()) return viewOf(resources);
  const epoch = analysisEpoch();
  if (analysisView?.epoch !== epoch) {
    // Coverage targets (org-wide sweeps) come from the engine's config of auditguard-live-verification, which
    // every policy's view must agree on: the round serves one view per analysis.
    analysisView = { epoch, view: viewOf(resources, sweepOf(engineConfigFor(LIVE_VERIFICATION_POLICY))) };
  }
  return analysisView.view;
}

/** The policy's config object, or {} when the SDK has none or throws (stack and resource policies alike). */
export function safeConfig(args: Pick<StackValidationArgs, "getConfig">): Record<string, unknown> {
  try {
    const c: unknown = args.getConfig();
    return c && typeof c === "object" ? (c as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

// The runtime accepts an object (with a level override); the typed overload does not expose it.
export function reportObject(
  report: ReportViolation,
  v: { message: string; enforcementLevel: EnforcementLevel; urn?: string },
): void {
  (report as unknown as (v: { message: string; enforcementLevel: EnforcementLevel; urn?: string }) => void)(v);
}

/** "2026-11-02T10:00:00Z" from epoch ms; "unknown time" when absent. */
export function at(ms: number | undefined): string {
  return ms === undefined ? "an unknown time" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function ago(nowMs: number, ms: number): string {
  const minutes = Math.max(0, Math.round((nowMs - ms) / 60000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 72 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}
