// Shared frame for auditguard's resource policies (the ones a Pulumi Cloud audit group for cloud accounts runs:
// Discovery runs resource policies only). Like stackPolicy (./policy-kit.ts): metadata and options in one place, a
// plain view of the resource, nothing escapes, every message redacted. A finding may be marked undetermined: it is
// then reported advisory whatever the policy's level, so an unverified resource never blocks nor fails anything.

import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { type Options, type OptionValues, readOptions } from "./options";
import { type PolicyDefinition, policyMetadata, reportObject, safeConfig } from "./policy-kit";
import { type PlainObject, toPlain } from "./plain";
import { redact } from "./redact";
import type { ProviderView, ResourceView } from "./stack";

export interface ResourceFinding {
  message: string;
  /** The check could not complete: reported advisory, whatever the policy's level. */
  undetermined?: boolean;
}

export interface AuditResourcePolicy<O extends Options> extends PolicyDefinition<O> {
  /** Resource types the policy judges; every other resource is not applicable. */
  types: readonly string[];
  evaluate(
    resource: ResourceView,
    config: OptionValues<O>,
    rawConfig: Record<string, unknown>,
  ): ResourceFinding[] | Promise<ResourceFinding[]>;
}

export function resourcePolicy<O extends Options>(def: AuditResourcePolicy<O>): ResourceValidationPolicy {
  const types = new Set(def.types);
  return {
    ...policyMetadata(def),
    validateResource: async (args: ResourceValidationArgs, report: ReportViolation) => {
      if (!types.has(args.type)) return;
      let findings: ResourceFinding[];
      try {
        const raw = safeConfig(args);
        findings = await def.evaluate(resourceViewOf(args), readOptions(def.options, raw), raw);
      } catch (e) {
        reportObject(report, {
          message: redact(`auditguard could not evaluate this policy: ${e instanceof Error ? e.message : String(e)}`),
          enforcementLevel: "advisory",
        });
        return;
      }
      for (const f of findings) {
        if (f.undetermined) reportObject(report, { message: redact(f.message), enforcementLevel: "advisory" });
        else report(redact(f.message));
      }
    },
  };
}

/** The resource as the stack policies' planners read it (lib/stack.ts ResourceView); it exists in the cloud. */
export function resourceViewOf(
  args: Pick<ResourceValidationArgs, "type" | "props" | "urn" | "name" | "provider">,
): ResourceView {
  let provider: ProviderView | undefined;
  try {
    const p = args.provider;
    if (p)
      provider = { urn: String(p.urn), name: String(p.name), type: String(p.type), props: asObject(toPlain(p.props)) };
  } catch {
    provider = undefined;
  }
  return {
    urn: String(args.urn),
    name: String(args.name),
    type: String(args.type),
    props: asObject(toPlain(args.props)),
    provider,
    exists: true,
  };
}

function asObject(v: ReturnType<typeof toPlain>): PlainObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
}
