// What a start call (the operator command's one write) returns: done, someone else is already starting
// it, or a failure that says what to fix. Only the operator command uses this; the pack never starts
// anything.

import type { FailureReason } from "./outcome";

export interface StartFailure {
  /** The read-side reason where one applies (access-denied, throttled, …), else "precondition". */
  reason: FailureReason | "precondition";
  /** The service's error code, when there is one. */
  code: string | undefined;
  /** What the service said, one line, redacted. */
  detail: string;
  /** What to do about it, one sentence. */
  fix: string;
  /** Another attempt may succeed (throttling, 5xx, connection reset). */
  retryable: boolean;
}

export type StartResult =
  { ok: true; alreadyStarting: boolean; status?: string } | { ok: false; failure: StartFailure };

export interface StartAction {
  /** API action, e.g. "StartLogging". */
  action: string;
  /** IAM/RAM permission it needs, e.g. "cloudtrail:StartLogging". */
  permission: string;
}

const RETRYABLE: ReadonlySet<string> = new Set(["throttled", "service-error", "endpoint-error"]);

export function isRetryable(reason: StartFailure["reason"]): boolean {
  return RETRYABLE.has(reason);
}
