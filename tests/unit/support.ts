// Hand-built stack views, the real @pulumi/policy proxy, and scoped environment changes for the unit specs.

import { resetEngineStateForTests } from "../../lib/engine";
import { type PlainObject, toPlain } from "../../lib/plain";
import { type ProviderView, type ResourceView, type StackView, TYPES } from "../../lib/stack";
import { setEnv } from "../support";

export { TYPES };

/** The runtime exports of @pulumi/policy/proxy (its .d.ts is `export {}`). */
export interface ProxyModule {
  unknownCheckingProxy<T extends object>(value: T): T;
  UnknownValueError: new (sentinel: string, props: string[]) => Error;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownStringValue: string;
  unknownArrayValue: string;
  unknownAssetValue: string;
  unknownArchiveValue: string;
  unknownObjectValue: string;
}
export const proxy = require("@pulumi/policy/proxy") as ProxyModule;

/** Plain props as a stack policy would see them after lib/stack's conversion of the real proxy. */
export function proxied(raw: Record<string, unknown>): PlainObject {
  const p = toPlain(proxy.unknownCheckingProxy(raw));
  if (typeof p !== "object" || p === null || Array.isArray(p)) throw new Error("not an object");
  return p;
}

let counter = 0;

export function provider(props: PlainObject, name = "explicit"): ProviderView {
  return { urn: `urn:pulumi:dev::proj::pulumi:providers:aws::${name}`, name, type: "pulumi:providers:aws", props };
}

export function resource(
  type: string,
  name: string,
  props: PlainObject,
  opts: { provider?: ProviderView; exists?: boolean } = {},
): ResourceView {
  counter++;
  return {
    urn: `urn:pulumi:dev::proj::${type}::${name}`,
    name,
    type,
    props,
    provider: opts.provider,
    exists: opts.exists ?? true,
  };
}

export function stackOf(
  resources: ResourceView[],
  deploys: { aws: boolean; alicloud: boolean } = { aws: true, alicloud: false },
): StackView {
  return { resources, deploys, dryRun: false, fingerprint: `fp-${counter}` };
}

const ENV_KEYS = ["PULUMI_CONFIG", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"];

/**
 * Runs fn with exactly these environment variables set among the ones region/credential resolution
 * reads (others in ENV_KEYS unset), and no engine-provided stack config; restores everything after.
 */
export function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const keys = [...new Set([...ENV_KEYS, ...Object.keys(vars)])];
  const saved = new Map(keys.map((k) => [k, process.env[k]]));
  resetEngineStateForTests();
  for (const k of keys) setEnv(k, vars[k]);
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) setEnv(k, v);
    resetEngineStateForTests();
  }
}

/** A fixed clock for time-based judgements: 2026-03-01T12:00:00Z. */
export const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
