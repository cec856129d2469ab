// AWS's official service models (botocore's service-2.json, installed by scripts/botocore-models.sh into a cache
// outside the repo), and a validator that checks a request against them as the service does before it runs the
// operation: required members, string and list lengths, numeric ranges, enums and patterns (and, the fake's own
// strictness, members the model does not have: said so in the message). The fakes answer a violation as AWS answers it (ValidationException for JSON services, ValidationError for STS), with AWS's message
// shape: "1 validation error detected: Value '100' at 'maxResults' failed to satisfy constraint: Member must have
// value less than or equal to 20" (several joined by "; "). Member paths are lower-camel, list elements
// "<list>.<n>.member", as the service writes them.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

interface ShapeRef {
  shape: string;
  locationName?: string;
}
interface Bounds {
  min?: number;
  max?: number;
}
export type Shape =
  | { type: "structure"; members: Record<string, ShapeRef>; required?: string[] }
  | ({ type: "list"; member: ShapeRef; flattened?: boolean } & Bounds)
  | ({ type: "map"; key: ShapeRef; value: ShapeRef } & Bounds)
  | ({ type: "string"; pattern?: string; enum?: string[]; sensitive?: boolean } & Bounds)
  | ({ type: "integer" | "long" | "double" | "float" } & Bounds)
  | { type: "boolean" | "timestamp" | "blob" };

export interface ServiceModel {
  metadata: { apiVersion: string; protocol: string; targetPrefix?: string; endpointPrefix: string };
  operations: Record<string, { name: string; input?: ShapeRef }>;
  shapes: Record<string, Shape>;
}

/** A model violation: `constraint` phrased as AWS phrases it; `serialization` when the value has the wrong type. */
export interface Violation {
  path: string;
  value: string;
  constraint: string;
  serialization?: true;
  /**
   * Refused by this fake's own strictness, not a documented AWS answer: a member the model does not have (AWS
   * services may ignore one). It catches a misspelt member; the message says it is the fake's.
   */
  fakeOnly?: true;
}

const PACK_DIR = path.join(__dirname, "..", "..", "..");

let dataDir: string | undefined;
/**
 * botocore's data directory: AUDITGUARD_BOTOCORE_DATA (scripts/test.js sets it before mocha starts), else what
 * scripts/botocore-models.sh prints (it installs the pinned botocore on a cold cache).
 */
export function botocoreDataDir(): string {
  if (dataDir) return dataDir;
  const fromEnv = process.env["AUDITGUARD_BOTOCORE_DATA"];
  const dir =
    fromEnv ||
    execFileSync("bash", [path.join(PACK_DIR, "scripts", "botocore-models.sh")], { encoding: "utf8" })
      .trim()
      .split("\n")
      .pop() ||
    "";
  if (!fs.existsSync(path.join(dir, "sts"))) throw new Error(`no botocore data directory at ${JSON.stringify(dir)}`);
  dataDir = dir;
  return dir;
}

const models = new Map<string, ServiceModel>();
/** The newest model botocore has for the service (e.g. "config" → data/config/2014-11-12/service-2.json.gz). */
export function serviceModel(service: string): ServiceModel {
  const cached = models.get(service);
  if (cached) return cached;
  const root = path.join(botocoreDataDir(), service);
  const version = fs.readdirSync(root).sort().pop();
  if (!version) throw new Error(`botocore has no model for ${service}`);
  const file = path.join(root, version, "service-2.json");
  const text = fs.existsSync(file)
    ? fs.readFileSync(file, "utf8")
    : zlib.gunzipSync(fs.readFileSync(`${file}.gz`)).toString("utf8");
  const model = JSON.parse(text) as ServiceModel;
  models.set(service, model);
  return model;
}

/** Violations of a JSON-protocol request body (an object, as parsed). */
export function validateJson(model: ServiceModel, action: string, body: unknown): Violation[] {
  const input = model.operations[action]?.input?.shape;
  if (!input) return isEmptyObject(body) ? [] : [unknownMember("", "(body)")];
  const out: Violation[] = [];
  check(model, input, body, "", out, "json");
  return out;
}

/**
 * Violations of an awsQuery request (STS): the form is first read back into the input shape (structure members
 * `A.B`, list elements `A.member.N`, maps `A.entry.N.key`), then checked like a JSON body. Parameters the shape
 * has no place for are violations too; Action and Version are the protocol's own.
 */
export function validateQuery(model: ServiceModel, action: string, form: URLSearchParams): Violation[] {
  const out: Violation[] = [];
  if (form.get("Version") !== model.metadata.apiVersion) {
    out.push({
      path: "version",
      value: quoted(form.get("Version")),
      constraint: `must be ${model.metadata.apiVersion}`,
    });
  }
  const input = model.operations[action]?.input?.shape;
  const used = new Set(["Action", "Version"]);
  const value = input ? fromQuery(model, input, "", form, used) : undefined;
  for (const key of form.keys()) if (!used.has(key)) out.push(unknownMember(key, form.get(key) ?? ""));
  if (input) check(model, input, value ?? {}, "", out, "query");
  return out;
}

/** AWS's message for a list of violations. */
export function validationMessage(violations: readonly Violation[]): string {
  const n = violations.length;
  const each = violations.map((v) =>
    v.serialization
      ? `${v.constraint} at '${v.path}'${v.fakeOnly ? " (refused by the test fake's own strictness, not as AWS answers)" : ""}`
      : `Value ${v.value} at '${v.path}' failed to satisfy constraint: ${v.constraint}`,
  );
  return `${n} validation error${n === 1 ? "" : "s"} detected: ${each.join("; ")}`;
}

type QueryValue = string | QueryValue[] | { [k: string]: QueryValue };

function fromQuery(
  model: ServiceModel,
  shapeName: string,
  prefix: string,
  form: URLSearchParams,
  used: Set<string>,
): QueryValue | undefined {
  const shape = model.shapes[shapeName];
  if (!shape) return undefined;
  const at = (k: string): string => (prefix ? `${prefix}.${k}` : k);
  const has = (p: string): boolean => [...form.keys()].some((k) => k === p || k.startsWith(`${p}.`));
  switch (shape.type) {
    case "structure": {
      const out: Record<string, QueryValue> = {};
      for (const [name, ref] of Object.entries(shape.members)) {
        const v = fromQuery(model, ref.shape, at(ref.locationName ?? name), form, used);
        if (v !== undefined) out[name] = v;
      }
      return prefix === "" || Object.keys(out).length > 0 ? out : undefined;
    }
    case "list": {
      // An empty list is sent as the bare name with an empty value.
      if (form.get(prefix) === "" && !has(`${prefix}.member`)) {
        used.add(prefix);
        return [];
      }
      const base = shape.flattened ? prefix : `${prefix}.${shape.member.locationName ?? "member"}`;
      const items: QueryValue[] = [];
      for (let i = 1; has(`${base}.${i}`); i++) {
        const v = fromQuery(model, shape.member.shape, `${base}.${i}`, form, used);
        items.push(v ?? "");
      }
      return items.length > 0 ? items : undefined;
    }
    case "map": {
      const out: Record<string, QueryValue> = {};
      for (let i = 1; has(`${prefix}.entry.${i}`); i++) {
        const k = fromQuery(model, shape.key.shape, `${prefix}.entry.${i}.key`, form, used);
        const v = fromQuery(model, shape.value.shape, `${prefix}.entry.${i}.value`, form, used);
        if (typeof k === "string" && v !== undefined) out[k] = v;
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    default: {
      const v = form.get(prefix);
      if (v === null) return undefined;
      used.add(prefix);
      return v;
    }
  }
}

/**
 * A value against its shape. `protocol` says how scalars arrive: an awsQuery form carries every value as text
 * ("20", "true"), read as its shape's type; a JSON body carries typed values, and a string where the model wants
 * a number or a boolean is a wrong type, as AWS's JSON services reject it.
 */
function check(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  at: string,
  out: Violation[],
  protocol: "json" | "query",
): void {
  const shape = model.shapes[shapeName];
  if (!shape) throw new Error(`the model has no shape ${shapeName}`);
  const wrongType = (): void => {
    out.push({ path: at, value: quoted(value), constraint: `Expected ${shape.type}`, serialization: true });
  };
  switch (shape.type) {
    case "structure": {
      if (!isObject(value)) return wrongType();
      for (const name of shape.required ?? []) {
        if (value[name] === undefined || value[name] === null) {
          out.push({ path: join(at, name), value: "null", constraint: "Member must not be null" });
        }
      }
      for (const [name, v] of Object.entries(value)) {
        const ref = shape.members[name];
        if (!ref) {
          out.push(unknownMember(join(at, name), v));
          continue;
        }
        if (v !== null && v !== undefined) check(model, ref.shape, v, join(at, name), out, protocol);
      }
      return;
    }
    case "list": {
      if (!Array.isArray(value)) return wrongType();
      length(value.length, shape, at, () => `[${value.map((e) => String(e)).join(", ")}]`, out);
      value.forEach((e, i) => check(model, shape.member.shape, e, `${at}.${i + 1}.member`, out, protocol));
      return;
    }
    case "map": {
      if (!isObject(value)) return wrongType();
      length(Object.keys(value).length, shape, at, () => JSON.stringify(value), out);
      for (const [k, v] of Object.entries(value)) {
        check(model, shape.key.shape, k, `${at}.${k}.key`, out, protocol);
        check(model, shape.value.shape, v, `${at}.${k}.value`, out, protocol);
      }
      return;
    }
    case "string": {
      if (typeof value !== "string") return wrongType();
      const shown = shape.sensitive ? "'***'" : quoted(value);
      length(value.length, shape, at, () => value, out, shown);
      if (shape.enum && !shape.enum.includes(value)) {
        out.push({
          path: at,
          value: shown,
          constraint: `Member must satisfy enum value set: [${shape.enum.join(", ")}]`,
        });
      }
      if (shape.pattern !== undefined && !fullMatch(shape.pattern, value)) {
        out.push({
          path: at,
          value: shown,
          constraint: `Member must satisfy regular expression pattern: ${shape.pattern}`,
        });
      }
      return;
    }
    case "integer":
    case "long":
    case "double":
    case "float": {
      const n = protocol === "query" && typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n)) return wrongType();
      if ((shape.type === "integer" || shape.type === "long") && !Number.isInteger(n)) return wrongType();
      if (shape.min !== undefined && n < shape.min) {
        out.push({
          path: at,
          value: quoted(n),
          constraint: `Member must have value greater than or equal to ${shape.min}`,
        });
      }
      if (shape.max !== undefined && n > shape.max) {
        out.push({
          path: at,
          value: quoted(n),
          constraint: `Member must have value less than or equal to ${shape.max}`,
        });
      }
      return;
    }
    case "boolean":
      if (typeof value !== "boolean" && !(protocol === "query" && (value === "true" || value === "false"))) wrongType();
      return;
    case "timestamp":
      // JSON: epoch seconds; query: ISO 8601.
      if (typeof value !== "number" && !(typeof value === "string" && !Number.isNaN(Date.parse(value)))) wrongType();
      return;
    case "blob":
      if (typeof value !== "string") wrongType();
      return;
  }
}

function length(
  n: number,
  bounds: Bounds,
  at: string,
  show: () => string,
  out: Violation[],
  shown = quoted(show()),
): void {
  if (bounds.min !== undefined && n < bounds.min) {
    out.push({ path: at, value: shown, constraint: `Member must have length greater than or equal to ${bounds.min}` });
  }
  if (bounds.max !== undefined && n > bounds.max) {
    out.push({ path: at, value: shown, constraint: `Member must have length less than or equal to ${bounds.max}` });
  }
}

const compiled = new Map<string, RegExp | null>();
/**
 * The service matches the whole value (a space in a role session name fails "[\w+=,.@-]*"). The models' patterns
 * are Java regular expressions. Most read the same in JavaScript with the `u` flag; Java's leading inline flag
 * `(?s)` (CloudTrail's QueryStatement) is JavaScript's `s` flag; a few escape characters the `u` flag refuses
 * ("\-", "\:": Config's QueryArn and PolicyRuntime, STS's federatedIdType) and are read without it. A pattern
 * neither reading compiles is not checked, rather than failing the fake.
 */
function fullMatch(pattern: string, value: string): boolean {
  if (!compiled.has(pattern)) compiled.set(pattern, compile(pattern));
  const re = compiled.get(pattern);
  return re ? re.test(value) : true;
}
function compile(pattern: string): RegExp | null {
  const dotAll = pattern.startsWith("(?s)");
  const source = `^(?:${dotAll ? pattern.slice(4) : pattern})$`;
  for (const flags of [dotAll ? "us" : "u", dotAll ? "s" : ""]) {
    try {
      return new RegExp(source, flags);
    } catch {
      // The next reading.
    }
  }
  return null;
}

function unknownMember(at: string, value: unknown): Violation {
  return { path: at, value: quoted(value), constraint: "Unrecognized field", serialization: true, fakeOnly: true };
}

function join(at: string, member: string): string {
  const name = member.charAt(0).toLowerCase() + member.slice(1);
  return at ? `${at}.${name}` : name;
}

function quoted(v: unknown): string {
  if (v === null || v === undefined) return "null";
  return `'${typeof v === "object" ? JSON.stringify(v) : String(v)}'`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function isEmptyObject(v: unknown): boolean {
  return isObject(v) && Object.keys(v).length === 0;
}
