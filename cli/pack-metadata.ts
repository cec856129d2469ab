// The pack's own policy metadata (severity, description, help URL, remediation, tags), read from the
// policy modules next to this command, so reports enrich auditguard's events with what the pack declares.

import { readdirSync } from "node:fs";
import path from "node:path";
import type { StackValidationPolicy } from "@pulumi/policy";

export const PACK_NAME = "auditguard";

export interface PolicyMetadata {
  name: string;
  description: string;
  enforcementLevel: string;
  severity: string | undefined;
  remediationSteps: string | undefined;
  url: string | undefined;
  tags: string[];
  framework: string | undefined;
}

let cached: Map<string, PolicyMetadata> | undefined;

/** Every policy module under policies/ (compiled), by policy name. */
export function packPolicies(): ReadonlyMap<string, PolicyMetadata> {
  if (cached) return cached;
  const dir = path.join(__dirname, "..", "policies");
  const out = new Map<string, PolicyMetadata>();
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".js"))
    .sort()) {
    const p = (require(path.join(dir, f)) as { policy?: StackValidationPolicy }).policy;
    if (!p) continue;
    out.set(p.name, {
      name: p.name,
      description: p.description,
      enforcementLevel: p.enforcementLevel ?? "advisory",
      severity: p.severity,
      remediationSteps: p.remediationSteps,
      url: p.url,
      tags: p.tags ?? [],
      framework: p.framework ? `${p.framework.name} ${p.framework.reference ?? ""}`.trim() : undefined,
    });
  }
  cached = out;
  return out;
}
