// Cloud Config's recorder status carries no timestamp, so a BUILDING grace period needs a reference:
// the first time this machine saw the state. Best effort: a small JSON file; any failure means "just seen".
//
// The file lives in a per-user directory (by default under the shared temp dir), so it is written as
// on a shared machine: the directory is created 0700 and used only if it is a real directory owned by
// this user that nobody else can write to; the file is read and written without following symlinks
// (O_NOFOLLOW), through a fresh O_EXCL temp file renamed into place.

import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";

interface Sighting {
  state: string;
  since: number;
}

const FILE = "first-seen.json";
// O_NOFOLLOW is absent on Windows, where symlinks need privileges to create.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

function currentUid(): number | undefined {
  return typeof process.getuid === "function" ? process.getuid() : undefined;
}

/** The state directory: AUDITGUARD_STATE_DIR, else a per-user directory in the temp dir. */
export function stateDir(): string {
  const explicit = process.env["AUDITGUARD_STATE_DIR"];
  if (explicit) return explicit;
  const uid = currentUid();
  const user = uid !== undefined ? String(uid) : safeUserName();
  return path.join(os.tmpdir(), `auditguard-${user}`);
}

function safeUserName(): string {
  try {
    return os.userInfo().username.replace(/[^A-Za-z0-9._-]/g, "_") || "user";
  } catch {
    return "user";
  }
}

/**
 * Why a directory must not hold the state, or undefined when it may: it must be a directory (not a
 * symlink to one), owned by `uid`, and writable by nobody else. Without a uid (Windows) only the type is checked.
 */
export function unsafeDirReason(
  st: Pick<Stats, "uid" | "mode"> & { isDirectory(): boolean; isSymbolicLink(): boolean },
  uid: number | undefined,
): string | undefined {
  if (st.isSymbolicLink()) return "is a symbolic link";
  if (!st.isDirectory()) return "is not a directory";
  if (uid === undefined) return undefined;
  if (st.uid !== uid) return `is owned by uid ${st.uid}, not ${uid}`;
  if ((st.mode & 0o022) !== 0) return "is writable by group or others";
  return undefined;
}

/** Creates the directory 0700 if absent; returns it only when it is safe to use. */
function usableDir(): string | undefined {
  const dir = stateDir();
  try {
    mkdirSync(path.dirname(dir), { recursive: true });
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
  }
  try {
    return unsafeDirReason(lstatSync(dir), currentUid()) === undefined ? dir : undefined;
  } catch {
    return undefined;
  }
}

function load(dir: string): Map<string, Sighting> {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(dir, FILE), constants.O_RDONLY | NOFOLLOW);
    const st = fstatSync(fd);
    const uid = currentUid();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid)) return new Map();
    const parsed: unknown = JSON.parse(readFileSync(fd, "utf8"));
    return new Map(Object.entries(parsed && typeof parsed === "object" ? (parsed as Record<string, Sighting>) : {}));
  } catch {
    return new Map();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function save(dir: string, all: Map<string, Sighting>): void {
  const tmp = path.join(dir, `.${FILE}.${randomBytes(8).toString("hex")}.tmp`);
  let fd: number | undefined;
  let created = false;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
    created = true;
    writeSync(fd, JSON.stringify(Object.fromEntries(all)));
    closeSync(fd);
    fd = undefined;
    // rename replaces a symlink at the target instead of writing through it.
    renameSync(tmp, path.join(dir, FILE));
  } catch {
    // read-only disk or a hostile directory: the grace simply restarts next time
    if (fd !== undefined) closeSync(fd);
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
  }
}

/** When `key` was first seen in `state` (epoch ms); records now if it was never seen in that state. */
export function firstSeen(key: string, state: string, nowMs: number): number {
  const dir = usableDir();
  if (!dir) return nowMs;
  const all = load(dir);
  const seen = all.get(key);
  if (seen && seen.state === state && typeof seen.since === "number" && seen.since <= nowMs) return seen.since;
  all.set(key, { state, since: nowMs });
  save(dir, all);
  return nowMs;
}

/** Forgets the key: its state is healthy again. */
export function clearSeen(key: string): void {
  const dir = usableDir();
  if (!dir) return;
  const all = load(dir);
  if (all.delete(key)) save(dir, all);
}
