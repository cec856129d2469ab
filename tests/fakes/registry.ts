// Every request any fake instance received in this process, whichever spec started it: the read-only
// audit (tests/security/read-only.spec.ts) checks the whole suite's traffic against the actions the
// pack may call. Each fake pushes one entry per request it reads, before any fault applies.

export interface RecordedRequest {
  cloud: "aws" | "alicloud";
  /** API action as the fake parsed it, e.g. "GetTrailStatus" ("" when the request named none). */
  action: string;
  /** The service the request addressed: config, cloudtrail, sts, actiontrail ("unknown" when unparsed). */
  service: string;
  /** The fake was told this write may come (`auditguard start --yes` tests only). */
  permittedWrite?: boolean;
}

/** Process-wide, append-only: never cleared by a fake's reset(). */
export const RECORDED_REQUESTS: RecordedRequest[] = [];

/** The Alibaba service an API version belongs to (the fake serves Config 2020-09-07, ActionTrail 2020-07-06). */
export function aliServiceOf(version: string): string {
  if (version === "2020-09-07") return "config";
  if (version === "2020-07-06") return "actiontrail";
  if (version === "2015-04-01") return "sts";
  return "unknown";
}

/** A request a fake received that the service's official model refuses (tests/fakes/aws-model.ts). */
export interface ModelViolation {
  cloud: "aws" | "alicloud";
  service: string;
  action: string;
  /** As the service would answer it: "1 validation error detected: …". */
  message: string;
}

/**
 * Process-wide, append-only: every model violation any fake answered, unless the test sent it on purpose
 * (FakeAws.expectModelViolations). tests/security/models.spec.ts fails the run when it is not empty.
 */
export const MODEL_VIOLATIONS: ModelViolation[] = [];
