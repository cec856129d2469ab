// Where `status` and `start` get a stack from: an export file (or stdin), or `pulumi stack export` for a
// named stack; and the policy config they judge with (the pack's --policy-pack-config format).

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { type ExportedStack, readStackExport, StackExportError } from "../lib/state-export";
import { TYPES } from "../lib/stack";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface StateSource {
  file?: string;
  stack?: string;
}

/** Runs `pulumi stack export`; replaceable in tests. */
export type StackExporter = (stack: string) => Promise<string>;

export const pulumiStackExport: StackExporter = (stack) =>
  new Promise((resolve, reject) => {
    // --show-secrets: the pack sees provider secrets in plaintext too; without it they cannot be used.
    execFile(
      process.env["AUDITGUARD_PULUMI"] ?? "pulumi",
      ["stack", "export", "--stack", stack, "--show-secrets"],
      { maxBuffer: 512 * 1024 * 1024, env: process.env },
      (err, stdout, stderr) => {
        if (err) {
          const why = String(stderr || err.message)
            .trim()
            .split("\n")
            .slice(-3)
            .join(" ");
          reject(new UsageError(`\`pulumi stack export --stack ${stack}\` failed: ${why}`));
        } else resolve(stdout);
      },
    );
  });

export async function loadStack(
  source: StateSource,
  exporter: StackExporter,
  readStdin: () => Promise<string>,
): Promise<ExportedStack & { source: string }> {
  if (!source.file === !source.stack)
    throw new UsageError("give exactly one of --file <export.json> or --stack <name>");
  let text: string;
  let label: string;
  if (source.stack) {
    text = await exporter(source.stack);
    label = `stack ${source.stack}`;
  } else {
    const file = source.file ?? "-";
    text = file === "-" ? await readStdin() : await readText(file);
    label = file === "-" ? "stdin" : file;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${label} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const exported = readStackExport(doc);
    return { ...exported, stack: source.stack ?? exported.stack, source: label };
  } catch (e) {
    if (e instanceof StackExportError) throw new UsageError(`${label}: ${e.message}`);
    throw e;
  }
}

/** A policy's config (undefined = disabled) from a --policy-pack-config style file. */
export type ConfigOf = (policyName: string) => Record<string, unknown> | undefined;

export async function loadPolicyConfig(file: string | undefined): Promise<ConfigOf> {
  if (!file) return () => ({});
  let doc: unknown;
  try {
    doc = JSON.parse(await readText(file));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new UsageError(`${file}: expected a JSON object`);
  const all = doc as Record<string, unknown>;
  return (policyName) => {
    const entry = all[policyName] ?? all["all"];
    if (entry === "disabled") return undefined;
    if (entry && typeof entry === "object" && !Array.isArray(entry)) {
      const { enforcementLevel, ...props } = entry as Record<string, unknown>;
      return enforcementLevel === "disabled" ? undefined : props;
    }
    return {};
  };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Declared intent, read from inputs as `start` reads it. `pulumi refresh` writes what it observed into the
 * outputs (terraform-provider-aws's trail Read sets `enable_logging` from GetTrailStatus' IsLogging), so after a
 * refresh a stopped trail's outputs say `enableLogging: false`: judged on outputs, `status` would call it
 * "declared off" while `start` plans to start it. The declared value wins where the inputs carry one.
 */
const INTENT_KEYS: Readonly<Record<string, readonly string[]>> = {
  [TYPES.awsTrail]: ["enableLogging"],
  [TYPES.awsNativeTrail]: ["isLogging"],
  [TYPES.awsRecorderStatus]: ["isEnabled"],
  [TYPES.aliTrail]: ["status"],
  [TYPES.aliTrailDeprecated]: ["status"],
};
/** What an absent input declares (the provider schema's default), as `start` reads it: enable_logging defaults on. */
const INTENT_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  [TYPES.awsTrail]: { enableLogging: true },
};

export function intentFromInputs<T extends ExportedStack>(state: T): T {
  const resources = state.resources.map((r) => {
    const keys = INTENT_KEYS[r.type];
    const declared = state.inputs.get(r.urn);
    if (!keys || !declared) return r;
    const props: Record<string, unknown> = { ...(r.props as Record<string, unknown>) };
    let changed = false;
    for (const k of keys) {
      const value = declared[k] ?? INTENT_DEFAULTS[r.type]?.[k];
      if (value === undefined || props[k] === value) continue;
      props[k] = value;
      changed = true;
    }
    return changed ? ({ ...r, props } as typeof r) : r;
  });
  return { ...state, resources };
}
