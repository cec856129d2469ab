// Alibaba Cloud writes for the operator command only (`auditguard start --yes`): Cloud Config
// StartConfigurationRecorder (2020-09-07) and ActionTrail StartLogging (2020-07-06), one attempt each, with
// the same client, credentials and classification as the read adapter. Never imported by the pack's policies.

import { errorCode, errorMessage } from "../live/errors";
import type { RoundContext } from "../live/round";
import { isRetryable, type StartAction, type StartFailure, type StartResult } from "../live/start";
import { quote } from "../redact";
import { ALI_RESOURCE_DIRECTORY_DENIED, aliCall, classifyAli } from "./sdk";
import type { AliTarget } from "./target";

export const ALI_START_ACTIONS = {
  recorder: { action: "StartConfigurationRecorder", permission: "config:StartConfigurationRecorder" },
  trail: { action: "StartLogging", permission: "actiontrail:StartLogging" },
} as const satisfies Record<string, StartAction>;

/** Cloud Config creates its service-linked role (AliyunServiceRoleForConfig) on first start: this permission. */
export const ALI_SERVICE_LINKED_ROLE_PERMISSION = "ram:CreateServiceLinkedRole";

export async function startConfigurationRecorder(
  ctx: RoundContext,
  target: AliTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<StartResult> {
  try {
    const body = await aliCall(
      ctx,
      target,
      { action: ALI_START_ACTIONS.recorder.action, version: "2020-09-07" },
      {},
      timeoutMs,
      signal,
    );
    const rec = body["ConfigurationRecorder"];
    const status =
      rec && typeof rec === "object" ? (rec as Record<string, unknown>)["ConfigurationRecorderStatus"] : undefined;
    return {
      ok: true,
      alreadyStarting: false,
      ...(typeof status === "string" ? { status: status.toUpperCase() } : {}),
    };
  } catch (e) {
    // Someone else (the console, another run) is starting it: wait for it, never start it twice.
    if (errorCode(e) === "ProcessIsRunning") return { ok: true, alreadyStarting: true };
    return { ok: false, failure: startFailure(e, ALI_START_ACTIONS.recorder) };
  }
}

export async function startTrailLogging(
  ctx: RoundContext,
  target: AliTarget,
  name: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<StartResult> {
  try {
    await aliCall(
      ctx,
      target,
      { action: ALI_START_ACTIONS.trail.action, version: "2020-07-06" },
      { Name: name },
      timeoutMs,
      signal,
    );
    return { ok: true, alreadyStarting: false };
  } catch (e) {
    return { ok: false, failure: startFailure(e, ALI_START_ACTIONS.trail) };
  }
}

function startFailure(e: unknown, api: StartAction): StartFailure {
  const code = errorCode(e);
  const detail = quote(errorMessage(e));
  if (code === "CreateSLRFail") {
    return {
      reason: "access-denied",
      code,
      detail,
      fix:
        `Cloud Config could not create its service-linked role AliyunServiceRoleForConfig: grant ` +
        `${ALI_SERVICE_LINKED_ROLE_PERMISSION} (for config.aliyuncs.com) and ${api.permission} to the identity the command runs as (docs/alicloud-ram-start-policy.json).`,
      retryable: false,
    };
  }
  if (ALI_RESOURCE_DIRECTORY_DENIED.has(code)) {
    return {
      reason: "access-denied",
      code,
      detail,
      // RAM permissions do not clear this refusal: only the management account may start it.
      fix:
        `Cloud Config refused the account as a Resource Directory member (${code}): its Cloud Config is managed ` +
        `from the Resource Directory management account; start it from that account.`,
      retryable: false,
    };
  }
  if (/^TrailNotFound/.test(code)) {
    return {
      reason: "precondition",
      code,
      detail,
      fix: "The trail does not exist in its home region: run `pulumi refresh`, then `pulumi up` to recreate it.",
      retryable: false,
    };
  }
  const c = classifyAli(e);
  const byReason: Partial<Record<StartFailure["reason"], string>> = {
    "access-denied":
      api === ALI_START_ACTIONS.recorder
        ? `Grant ${api.permission} and ${ALI_SERVICE_LINKED_ROLE_PERMISSION} to the identity the command runs as (docs/alicloud-ram-start-policy.json).`
        : `Grant ${api.permission} to the identity the command runs as (docs/alicloud-ram-start-policy.json).`,
    "invalid-credentials": "Refresh or replace the credentials the provider uses.",
    "no-credentials": "Give the command credentials: the provider's keys or profile, or the default credential chain.",
    throttled: "The API kept throttling; run the command again later.",
    "service-error": "The service is unavailable; run the command again later.",
    timeout: "Check network access to the endpoint, or raise --timeout.",
    "endpoint-error": "Check the endpoint (provider endpoints, proxy, DNS) and network access.",
  };
  return {
    reason: c.reason,
    code: c.code,
    detail: c.detail,
    fix: byReason[c.reason] ?? `${api.action} failed; see the detail.`,
    retryable: isRetryable(c.reason),
  };
}
