// Every policy module under policies/, for tests that drive policies in-process (index.ts constructs
// and serves the pack, so it cannot be imported by a test).
import { readdirSync } from "node:fs";
import path from "node:path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

const dir = path.join(__dirname, "..", "policies");

export const all: (StackValidationPolicy | ResourceValidationPolicy)[] = readdirSync(dir)
  .filter((f) => f.endsWith(".js"))
  .sort()
  .map((f) => (require(path.join(dir, f)) as { policy: StackValidationPolicy | ResourceValidationPolicy }).policy);

/** The stack policies (validateStack), which preview/up and stack audits run. */
export const stack: StackValidationPolicy[] = all.filter((p): p is StackValidationPolicy => "validateStack" in p);

/** The resource policies (validateResource), which Discovery audits run too. */
export const resource: ResourceValidationPolicy[] = all.filter(
  (p): p is ResourceValidationPolicy => "validateResource" in p,
);
