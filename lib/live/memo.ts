// Answers shared for the rest of a round, unless they failed.

import type { Outcome } from "./outcome";
import type { RoundContext } from "./round";

/**
 * One pending answer per key per round, shared by every caller; a failed answer is not kept, so the round's next
 * attempt (a retry, another check) asks again.
 */
export function sharedUnlessFailed<T>(
  ctx: RoundContext,
  key: string,
  ask: () => Promise<Outcome<T>>,
): Promise<Outcome<T>> {
  const memo = ctx.memo(key, () => ({ pending: undefined as Promise<Outcome<T>> | undefined }));
  if (!memo.pending) {
    const p = ask();
    memo.pending = p;
    void p.then((o) => {
      if (!o.ok && memo.pending === p) memo.pending = undefined;
    });
  }
  return memo.pending;
}
