// Every policy module under policies/, for tests that drive policies in-process (index.ts constructs
// and serves the pack, so it cannot be imported by a test).
import { readdirSync } from "node:fs";
import path from "node:path";
import type { StackValidationPolicy } from "@pulumi/policy";

const dir = path.join(__dirname, "..", "policies");

export const all: StackValidationPolicy[] = readdirSync(dir)
  .filter((f) => f.endsWith(".js"))
  .sort()
  .map((f) => (require(path.join(dir, f)) as { policy: StackValidationPolicy }).policy);
