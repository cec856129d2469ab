// A hard deadline around any promise: the caller gets an answer in time even if the work never settles.

export class DeadlineExceeded extends Error {
  override readonly name = "DeadlineExceeded";
  constructor(readonly ms: number) {
    super(`no answer within ${ms / 1000}s`);
  }
}

/**
 * Runs `work` with an AbortSignal that fires at the deadline, and resolves no later than that even
 * if `work` ignores the signal. Rejects with DeadlineExceeded on expiry.
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineExceeded(ms);
      // Reject first: work that settles on the abort event must not win the race with its own error.
      reject(err);
      controller.abort(err);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
