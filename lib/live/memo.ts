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

/**
 * One shared answer per key per round once one succeeds; until then each caller gets a success someone else
 * already has or is making, else makes its own: a caller that waited on an attempt that failed asks itself (its
 * own credentials may read what another's could not) instead of taking that failure.
 */
export async function sharedSuccess<T>(
  ctx: RoundContext,
  key: string,
  ask: () => Promise<T>,
  succeeded: (value: T) => boolean,
): Promise<T> {
  const slot = ctx.memo(key, () => ({ pending: undefined as Promise<T> | undefined }));
  for (;;) {
    const pending = slot.pending;
    if (pending === undefined) {
      const mine = ask();
      slot.pending = mine;
      void mine.then((v) => {
        if (!succeeded(v) && slot.pending === mine) slot.pending = undefined;
      });
      return mine;
    }
    const value = await pending;
    if (succeeded(value)) return value;
    // The failed attempt's slot was cleared before this continuation (its callback was registered first): the
    // next turn joins another caller's newer attempt or makes its own.
    if (slot.pending === pending) slot.pending = undefined;
  }
}
