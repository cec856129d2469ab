// Plain facts about a live call: a value the service returned, or why the check could not complete.

export type FailureReason =
  | "no-credentials"
  | "invalid-credentials"
  | "region-not-enabled"
  | "access-denied"
  | "throttled"
  | "timeout"
  | "endpoint-error"
  | "service-error"
  | "malformed-reply"
  | "bad-target"
  | "wrong-account"
  | "unexpected-error";

export interface CheckFailure {
  reason: FailureReason;
  /** One line for humans; already free of credentials. */
  detail: string;
  code?: string;
  httpStatus?: number;
  requestId?: string;
  /** The permission the failed step needs, where it is not the action's own (sts:AssumeRole on a role). */
  permission?: string;
  /**
   * Reported advisory whatever auditguard-live-verification's level: the check could not be made because of where
   * the pack runs (server-side, provider keys unreadable and none in its environment), not because of the cloud.
   */
  advisoryOnly?: boolean;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: CheckFailure };

export function success<T>(value: T): Outcome<T> {
  return { ok: true, value };
}
export function failure<T>(
  reason: FailureReason,
  detail: string,
  extra: Omit<CheckFailure, "reason" | "detail"> = {},
): Outcome<T> {
  return { ok: false, failure: { reason, detail, ...extra } };
}

/** What a live check calls, where and for what: enough to say exactly what failed. */
export interface CallSpec {
  cloud: "aws" | "alicloud";
  /** API action, e.g. "GetTrailStatus". */
  action: string;
  /** IAM/RAM permission the action needs, e.g. "cloudtrail:GetTrailStatus". */
  permission: string;
  region: string | undefined;
  /** Where the API host is not in the resource's region (Alibaba Config), its region. */
  apiRegion?: string;
  account: string | undefined;
  /** Physical identity as sent to the API (name or ARN). */
  target: string;
  endpoint?: string;
}

export const FAILURE_TEXT: Record<FailureReason, string> = {
  "no-credentials": "no credentials could be found",
  "invalid-credentials": "the credentials were rejected",
  "region-not-enabled":
    "the credentials were refused in an opt-in Region (it may not be enabled for the account, or the credentials are not valid there)",
  "access-denied": "access was denied",
  throttled: "the API kept throttling after retries",
  timeout: "the call did not finish before its deadline",
  "endpoint-error": "the API endpoint could not be reached",
  "service-error": "the service answered with a server error",
  "malformed-reply": "the reply could not be understood",
  "bad-target": "the call target could not be determined",
  "wrong-account": "the answer came from another account than the resource's",
  "unexpected-error": "the call failed unexpectedly",
};
