// A `pulumi stack export` (deployment v3) read the way the engine hands a stack to a stack policy: each
// resource's outputs as its props, its provider's inputs as the provider's props. Used by the operator
// command, so it judges a stack with the pack's own code paths. Pure: no I/O here.

import type { PolicyResource } from "@pulumi/policy";
import { type PlainObject, toPlain } from "./plain";

/** The engine's signature key and its value for a secret (sdk/go/common/resource/sig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The engine's sentinel for a value it does not know: an undecryptable secret is exactly that to us. */
const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface ExportedStack {
  /** Stack name from the resources' URNs (urn:pulumi:<stack>::<project>::…), when they agree. */
  stack: string | undefined;
  /** Resource-like objects for `viewOf`: urn, name, type, props (outputs) and provider (inputs). */
  resources: PolicyResource[];
  /** Each resource's declared inputs: what the program asked for, as opposed to what was last read. */
  inputs: ReadonlyMap<string, PlainObject>;
  /** How many distinct secret values could not be decrypted (exported without --show-secrets). */
  encryptedSecrets: number;
}

export class StackExportError extends Error {
  override readonly name = "StackExportError";
}

/** Distinct secrets that could not be read (one provider's inputs are read more than once). */
interface Counter {
  encrypted: Set<string>;
}

interface RawResource {
  urn: string;
  type: string;
  id?: unknown;
  custom?: unknown;
  delete?: unknown;
  inputs?: unknown;
  outputs?: unknown;
  provider?: unknown;
}

/** Parses an export (the object `pulumi stack export` prints). Throws StackExportError when it is not one. */
export function readStackExport(doc: unknown): ExportedStack {
  const deployment = isObject(doc) ? doc["deployment"] : undefined;
  const list = isObject(deployment) ? deployment["resources"] : undefined;
  if (!isObject(doc) || !isObject(deployment)) {
    throw new StackExportError("not a stack export: no `deployment` object (expected `pulumi stack export` output)");
  }
  if (list !== undefined && list !== null && !Array.isArray(list)) {
    throw new StackExportError("not a stack export: `deployment.resources` is not a list");
  }
  const counter: Counter = { encrypted: new Set() };
  const raw: RawResource[] = (Array.isArray(list) ? list : []).filter(
    (r): r is RawResource => isObject(r) && typeof r["urn"] === "string" && typeof r["type"] === "string",
  );
  const byUrn = new Map(raw.map((r) => [r.urn, r]));
  const inputs = new Map<string, PlainObject>();
  const providers = new Map<string, PolicyResource["provider"]>();
  const resources: PolicyResource[] = [];
  const stacks = new Set<string>();
  for (const r of raw) {
    // A resource pending deletion is gone from the program; the engine does not analyze it.
    if (r.delete === true) continue;
    const stack = /^urn:pulumi:([^:]+)::/.exec(r.urn)?.[1];
    if (stack) stacks.add(stack);
    const outputs = properties(r.outputs, counter);
    if (outputs["id"] === undefined && typeof r.id === "string" && r.id !== "") outputs["id"] = r.id;
    inputs.set(r.urn, asObject(toPlain(properties(r.inputs, counter))));
    resources.push(resourceLike(r.urn, r.type, outputs, providerOf(r.provider, byUrn, providers, counter)));
  }
  return {
    stack: stacks.size === 1 ? [...stacks][0] : undefined,
    resources,
    inputs,
    encryptedSecrets: counter.encrypted.size,
  };
}

function providerOf(
  ref: unknown,
  byUrn: ReadonlyMap<string, RawResource>,
  cache: Map<string, PolicyResource["provider"]>,
  counter: Counter,
): PolicyResource["provider"] {
  if (typeof ref !== "string") return undefined;
  // "<provider urn>::<provider id>"; the URN itself contains "::", the id does not.
  const cut = ref.lastIndexOf("::");
  const urn = cut > 0 ? ref.slice(0, cut) : ref;
  if (cache.has(urn)) return cache.get(urn);
  const p = byUrn.get(urn);
  const provider = p
    ? { urn: p.urn, name: nameOf(p.urn), type: p.type, props: properties(p.inputs, counter) }
    : undefined;
  cache.set(urn, provider as PolicyResource["provider"]);
  return provider as PolicyResource["provider"];
}

// viewOf reads urn, name, type, props and provider; the rest of PolicyResource is the SDK's runtime surface.
function resourceLike(
  urn: string,
  type: string,
  props: Record<string, unknown>,
  provider: PolicyResource["provider"],
): PolicyResource {
  return { urn, name: nameOf(urn), type, props, provider } as unknown as PolicyResource;
}

/** The last URN component after the type: urn:pulumi:stack::project::type::name. */
export function nameOf(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

/** Properties as the engine marshals them to analyzers: secrets unwrapped, `__` keys dropped. */
function properties(v: unknown, counter: Counter): Record<string, unknown> {
  const out = decode(v, counter, 0);
  return isObject(out) ? out : {};
}

function decode(v: unknown, counter: Counter, depth: number): unknown {
  if (depth > 64 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((e) => decode(e, counter, depth + 1));
  const o = v as Record<string, unknown>;
  if (o[SIG_KEY] === SECRET_SIG) {
    // --show-secrets: `plaintext` is the value's JSON text. Otherwise only `ciphertext`: unknown to us.
    if (typeof o["plaintext"] === "string") {
      try {
        return decode(JSON.parse(o["plaintext"]), counter, depth + 1);
      } catch {
        counter.encrypted.add(o["plaintext"]);
        return UNKNOWN_SENTINEL;
      }
    }
    counter.encrypted.add(String(o["ciphertext"]));
    return UNKNOWN_SENTINEL;
  }
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(o)) {
    if (k.startsWith("__")) continue;
    out[k] = decode(e, counter, depth + 1);
  }
  return out;
}

function asObject(v: ReturnType<typeof toPlain>): PlainObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
