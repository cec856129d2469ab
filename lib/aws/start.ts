// AWS writes for the operator command only (`auditguard start --yes`): Config StartConfigurationRecorder
// and CloudTrail StartLogging, one attempt each, with the same clients, credentials and classification as
// the read adapter. Never imported by the pack's policies.

import { errorMessage, errorName } from "../live/errors";
import type { RoundContext } from "../live/round";
import { isRetryable, type StartAction, type StartFailure, type StartResult } from "../live/start";
import { quote } from "../redact";
import { classify, cloudTrailClient, configClient, sdk } from "./sdk";
import type { AwsTarget } from "./target";

export const AWS_START_ACTIONS = {
  recorder: { action: "StartConfigurationRecorder", permission: "config:StartConfigurationRecorder" },
  trail: { action: "StartLogging", permission: "cloudtrail:StartLogging" },
} as const satisfies Record<string, StartAction>;

export async function startConfigurationRecorder(
  ctx: RoundContext,
  target: AwsTarget,
  name: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<StartResult> {
  try {
    const { config } = sdk();
    const client = configClient(ctx, target, timeoutMs);
    await client.send(new config.StartConfigurationRecorderCommand({ ConfigurationRecorderName: name }), {
      abortSignal: signal,
    });
    return { ok: true, alreadyStarting: false };
  } catch (e) {
    return { ok: false, failure: startFailure(e, AWS_START_ACTIONS.recorder, target) };
  }
}

export async function startTrailLogging(
  ctx: RoundContext,
  target: AwsTarget,
  nameOrArn: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<StartResult> {
  try {
    const { cloudtrail } = sdk();
    const client = cloudTrailClient(ctx, target, timeoutMs);
    await client.send(new cloudtrail.StartLoggingCommand({ Name: nameOrArn }), { abortSignal: signal });
    return { ok: true, alreadyStarting: false };
  } catch (e) {
    return { ok: false, failure: startFailure(e, AWS_START_ACTIONS.trail, target) };
  }
}

/** Service errors a start can meet, each with the fix it needs. */
const FIXES: Record<string, (target: AwsTarget) => string> = {
  NoAvailableDeliveryChannelException: (t) =>
    `AWS Config has no delivery channel in ${t.region}: declare an aws:cfg/deliveryChannel:DeliveryChannel (S3 bucket) next to the recorder and run \`pulumi up\`, then start it again.`,
  InsufficientDeliveryPolicyException: () =>
    "AWS Config cannot deliver to the delivery channel's S3 bucket: let config.amazonaws.com s3:PutObject (and s3:GetBucketAcl) in the bucket policy, and kms:GenerateDataKey on its KMS key, then start it again.",
  NoSuchConfigurationRecorderException: () =>
    "The recorder does not exist: run `pulumi refresh`, then `pulumi up` to recreate it.",
  UnmodifiableEntityException: () =>
    "The recorder is service-linked and is started by its service, not by you: check the service that owns it.",
  TrailNotFoundException: () =>
    "The trail does not exist in its home region: run `pulumi refresh`, then `pulumi up` to recreate it.",
  InvalidHomeRegionException: () =>
    "A trail can be started only in its home region: set the trail's homeRegion or its provider's region to it.",
  NotOrganizationMasterAccountException: () =>
    "An organization trail can be started only from the organization's management account: run the command with its credentials.",
  NoManagementAccountSLRExistsException: () =>
    "The management account has no CloudTrail service-linked role: enable trusted access for CloudTrail in AWS Organizations.",
};

function startFailure(e: unknown, api: StartAction, target: AwsTarget): StartFailure {
  const name = errorName(e);
  const fix = FIXES[name];
  if (fix) {
    return {
      reason: "precondition",
      code: name,
      detail: quote(errorMessage(e)),
      fix: fix(target),
      retryable: false,
    };
  }
  const c = classify(e);
  const byReason: Partial<Record<StartFailure["reason"], string>> = {
    "access-denied": `Grant ${api.permission} to the identity the command runs as (docs/aws-iam-start-policy.json).`,
    "invalid-credentials": "Refresh or replace the credentials the provider uses.",
    "no-credentials": "Give the command credentials: the provider's keys or profile, or the SDK's default chain.",
    throttled: "The API kept throttling; run the command again later.",
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
