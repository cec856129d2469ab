// Small helpers shared by the adapter specs and the whole-pack specs: entry lookup, outcome unwrapping,
// scoped environment changes and a loopback port nobody listens on. Type-only imports from lib/, so
// importing this file loads nothing that reads the environment.

import assert from "node:assert/strict";
import net from "node:net";
import type { CheckFailure, Outcome } from "../lib/live/outcome";
import type { LiveEntry } from "../lib/live/round";
import type { ResourceView } from "../lib/stack";

/** The one live entry of a resource (fails unless there is exactly one). */
export function entryOf(entries: LiveEntry<unknown>[], r: ResourceView): LiveEntry<unknown> {
  const found = entries.filter((e) => e.urn === r.urn);
  assert.equal(found.length, 1, `one entry for ${r.urn}`);
  return found[0] as LiveEntry<unknown>;
}

/** The value of a successful outcome (fails on a failure). */
export function okValue<T>(outcome: Outcome<unknown>): T {
  if (!outcome.ok) assert.fail(`expected success, got ${JSON.stringify(outcome.failure)}`);
  return outcome.value as T;
}

/** The failure of a failed outcome (fails on a success). */
export function failureOf(outcome: Outcome<unknown>): CheckFailure {
  if (outcome.ok) assert.fail(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.failure;
}

/** Sets an environment variable, or removes it when `value` is undefined. */
export function setEnv(key: string, value: string | undefined): void {
  if (value === undefined) Reflect.deleteProperty(process.env, key);
  else process.env[key] = value;
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An http URL on 127.0.0.1 that nothing listens on: connections are refused. */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}`;
}
