// Turns the proxied props that stack policies receive into plain data, without ever tripping the
// unknown-checking Proxy: a preview unknown becomes the UNKNOWN marker instead of an exception.

/** Marks a value the engine cannot know yet (a preview unknown). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

export type Plain = string | number | boolean | null | Unknown | Plain[] | PlainObject;
export interface PlainObject {
  [key: string]: Plain;
}

// The sentinel strings the engine uses for unknowns (@pulumi/policy proxy.ts; asset and archive included).
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

// Internal key of @pulumi/policy's proxy that returns the raw target; reading it never throws.
const PROXY_TARGET_KEY = "__getSpecialProxyTarget";
const MAX_DEPTH = 32;

export function isUnknownSentinel(value: unknown): boolean {
  return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/**
 * Deep-copies a (possibly proxied) value into plain data. Unknowns, anywhere, become UNKNOWN.
 * Never throws: a field that cannot be read is treated as unknown.
 */
export function toPlain(value: unknown, depth = 0): Plain {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return UNKNOWN_SENTINELS.has(value) ? UNKNOWN : value;
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value !== "object" || depth > MAX_DEPTH) return null;
  const target = rawTarget(value);
  if (Array.isArray(target)) {
    const out: Plain[] = [];
    for (let i = 0; i < target.length; i++) out.push(readField(target, i, depth));
    return out;
  }
  const out: PlainObject = {};
  for (const key of Object.keys(target)) {
    const v = readField(target, key, depth);
    // Dropped like the engine drops undefined values; null stays distinguishable from absent below.
    if (v !== null || (target as Record<string, unknown>)[key] === null) out[key] = v;
  }
  return out;
}

/** One field of a (possibly proxied) object as plain data, without converting the rest; never throws. */
export function plainField(value: unknown, key: string): Plain {
  if (value === null || typeof value !== "object") return null;
  return readField(rawTarget(value), key, 0);
}

function rawTarget(value: object): object {
  try {
    const raw = (value as Record<string, unknown>)[PROXY_TARGET_KEY];
    if (raw && typeof raw === "object") return raw;
  } catch {
    // not a proxy we know; read it field by field below
  }
  return value;
}

function readField(target: object, key: string | number, depth: number): Plain {
  try {
    return toPlain((target as Record<string | number, unknown>)[key], depth + 1);
  } catch {
    return UNKNOWN;
  }
}

// ---- typed readers over plain data; each answers "known value", UNKNOWN, or undefined (absent/other type) ----

export function field(obj: Plain | undefined, key: string): Plain | undefined {
  if (obj === undefined || obj === null || obj === UNKNOWN || typeof obj !== "object" || Array.isArray(obj)) {
    return obj === UNKNOWN ? UNKNOWN : undefined;
  }
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export function str(v: Plain | undefined): string | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  return typeof v === "string" ? v : undefined;
}

/** A non-empty known string, else undefined (unknowns included). */
export function knownStr(v: Plain | undefined): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Booleans, also as the strings "true"/"false" that providers store. */
export function bool(v: Plain | undefined): boolean | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

export function num(v: Plain | undefined): number | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function list(v: Plain | undefined): Plain[] | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  return Array.isArray(v) ? v : undefined;
}

export function strList(v: Plain | undefined): string[] | Unknown | undefined {
  const l = list(v);
  if (l === UNKNOWN || l === undefined) return l;
  if (l.some((e) => e === UNKNOWN)) return UNKNOWN;
  return l.filter((e): e is string => typeof e === "string");
}

/**
 * Provider props arrive as in state: structured values may be JSON strings ("[{...}]").
 * Accepts both forms; malformed JSON reads as absent.
 */
export function structured(v: Plain | undefined): Plain | undefined {
  if (typeof v !== "string") return v;
  const t = v.trim();
  if (!(t.startsWith("[") || t.startsWith("{"))) return undefined;
  try {
    return toPlain(JSON.parse(t) as unknown);
  } catch {
    return undefined;
  }
}

/** Reads a list-of-objects provider prop (JSON string or array); a single object becomes a one-item list. */
export function objectList(v: Plain | undefined): PlainObject[] | Unknown {
  const s = structured(v);
  if (s === UNKNOWN) return UNKNOWN;
  if (Array.isArray(s)) {
    if (s.some((e) => e === UNKNOWN)) return UNKNOWN;
    return s.filter(isObject);
  }
  return isObject(s) ? [s] : [];
}

export function isObject(v: Plain | undefined): v is PlainObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
