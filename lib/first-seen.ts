// Cloud Config's recorder status carries no timestamp, so a BUILDING grace period needs a reference:
// the first time this machine saw the state. Best effort: a small JSON file; any failure means "just seen".

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

interface Sighting {
  state: string;
  since: number;
}

function file(): string {
  const dir = process.env["AUDITGUARD_STATE_DIR"] ?? path.join(os.tmpdir(), "auditguard");
  return path.join(dir, "first-seen.json");
}

function load(): Map<string, Sighting> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file(), "utf8"));
    return new Map(Object.entries(parsed && typeof parsed === "object" ? (parsed as Record<string, Sighting>) : {}));
  } catch {
    return new Map();
  }
}

function save(all: Map<string, Sighting>): void {
  try {
    const f = file();
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(`${f}.tmp`, JSON.stringify(Object.fromEntries(all)));
    renameSync(`${f}.tmp`, f);
  } catch {
    // read-only disk: the grace simply restarts next time
  }
}

/** When `key` was first seen in `state` (epoch ms); records now if it was never seen in that state. */
export function firstSeen(key: string, state: string, nowMs: number): number {
  const all = load();
  const seen = all.get(key);
  if (seen && seen.state === state && typeof seen.since === "number" && seen.since <= nowMs) return seen.since;
  all.set(key, { state, since: nowMs });
  save(all);
  return nowMs;
}

/** Forgets the key: its state is healthy again. */
export function clearSeen(key: string): void {
  const all = load();
  if (all.delete(key)) save(all);
}
