// The shared round as resource policies see it. They run per resource, in the Analyze RPC, one resource at a time,
// before any AnalyzeStack: there is no whole view to plan from. So each Analyze makes its own small round, inside
// one session that every Analyze of the same analysis shares (one AnalyzeStack epoch, and at most SESSION_LIFE_MS
// old): identical calls (a Recorder and its RecorderStatus read the same status) are made once, an audit role is
// assumed once per account, and SDK clients are reused. The session's life is short because a Discovery audit may
// never send AnalyzeStack: results older than that are not reused.

import { analysisEpoch } from "../engine";
import {
  type LiveEntry,
  type LiveKind,
  newRoundSession,
  type PlannedCheck,
  type RoundSession,
  type RoundStats,
  runChecksIn,
} from "./round";

export const SESSION_LIFE_MS = 60_000;

interface Held {
  epoch: number;
  startedMs: number;
  session: RoundSession;
  stats: RoundStats;
}

let held: Held | undefined;

function sessionNow(nowMs: number): Held {
  const epoch = analysisEpoch();
  if (held && held.epoch === epoch && nowMs - held.startedMs <= SESSION_LIFE_MS) return held;
  if (held) retire(held.session);
  held = { epoch, startedMs: nowMs, session: newRoundSession(), stats: { calls: 0, attempts: 0, deduplicated: 0 } };
  return held;
}

/** Disposes of a session's clients once the calls still in flight in it have settled. */
function retire(session: RoundSession): void {
  void Promise.allSettled([...session.byKey.values()]).then(() => session.ctx.dispose());
}

/** One resource's checks, made in the current session. Never rejects: failures are outcomes. */
export function runResourceChecks<T>(
  kind: LiveKind<T>,
  checks: readonly PlannedCheck<T>[],
  nowMs = Date.now(),
): Promise<LiveEntry<unknown>[]> {
  const h = sessionNow(nowMs);
  return runChecksIn(h.session, kind as LiveKind<unknown>, checks as readonly PlannedCheck<unknown>[], h.stats);
}

/** Calls made and shared in the current session, for tests and benchmarks. */
export function resourceSessionStats(): RoundStats | undefined {
  return held?.stats;
}
