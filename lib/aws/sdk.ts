// AWS I/O: the two read-only status calls, made with the official SDK v3 clients and credential
// providers, turned into plain facts. The SDK is loaded on first use, so a stack with nothing to
// check never loads it.

import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { errorMessage, errorName, NETWORK_ERROR_CODES, optionalString } from "../live/errors";
import { type CheckFailure, failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { quote, registerSecret } from "../redact";
import type { AwsTarget } from "./target";

export interface RecorderStatus {
  found: true;
  name: string;
  recording: boolean | undefined;
  /** Upper-cased: the service sends SUCCESS/PENDING/FAILURE although the model says Success... */
  lastStatus: string | undefined;
  lastErrorCode: string | undefined;
  lastErrorMessage: string | undefined;
  lastStartTime: number | undefined;
  lastStopTime: number | undefined;
  lastStatusChangeTime: number | undefined;
}
export interface TrailStatus {
  found: true;
  isLogging: boolean | undefined;
  latestDeliveryError: string | undefined;
  latestDigestDeliveryError: string | undefined;
  latestNotificationError: string | undefined;
  latestCloudWatchLogsDeliveryError: string | undefined;
  latestDeliveryTime: number | undefined;
  latestCloudWatchLogsDeliveryTime: number | undefined;
  startLoggingTime: number | undefined;
  stopLoggingTime: number | undefined;
}
/** The service says the resource does not exist. An observation, not a failed check. */
export interface NotFound {
  found: false;
  detail: string;
}

type ConfigModule = typeof import("@aws-sdk/client-config-service");
type CloudTrailModule = typeof import("@aws-sdk/client-cloudtrail");
type CredentialsModule = typeof import("@aws-sdk/credential-providers");
type HttpModule = typeof import("@smithy/node-http-handler");

export function sdk(): {
  config: ConfigModule;
  cloudtrail: CloudTrailModule;
  credentials: CredentialsModule;
  http: HttpModule;
} {
  // Node 20 support notice printed by every client; it would land in every `pulumi preview`.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  return {
    config: require("@aws-sdk/client-config-service") as ConfigModule,
    cloudtrail: require("@aws-sdk/client-cloudtrail") as CloudTrailModule,
    credentials: require("@aws-sdk/credential-providers") as CredentialsModule,
    http: require("@smithy/node-http-handler") as HttpModule,
  };
}

export async function describeRecorderStatus(
  ctx: RoundContext,
  target: AwsTarget,
  name: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<RecorderStatus | NotFound>> {
  try {
    const { config } = sdk();
    const client = ctx.memo(`aws:config:${target.region}:${target.endpoint ?? ""}:${target.credentialsId}`, () => {
      const c = new config.ConfigServiceClient(clientConfig(ctx, target, target.endpoint, timeoutMs));
      ctx.onDispose(() => c.destroy());
      return c;
    });
    const out = await client.send(
      new config.DescribeConfigurationRecorderStatusCommand({ ConfigurationRecorderNames: [name] }),
      { abortSignal: signal },
    );
    const list: unknown = out.ConfigurationRecordersStatus;
    if (!Array.isArray(list)) return failure("malformed-reply", "ConfigurationRecordersStatus is missing");
    if (!list.every(isRecord)) return failure("malformed-reply", "ConfigurationRecordersStatus has a non-object entry");
    const s = list.find((e) => e["name"] === name) ?? (list.length === 1 ? list[0] : undefined);
    if (!s) return success({ found: false, detail: `no configuration recorder named '${quote(name)}'` });
    const recording = s["recording"];
    // A reply without `recording` says nothing about recording: undetermined, never "stopped".
    if (typeof recording !== "boolean") return failure("malformed-reply", "recording is missing or not a boolean");
    const lastStatus = s["lastStatus"];
    if (lastStatus !== undefined && typeof lastStatus !== "string")
      return failure("malformed-reply", "lastStatus is not a string");
    return success({
      found: true,
      name,
      recording,
      lastStatus: lastStatus?.toUpperCase(),
      lastErrorCode: optionalString(s["lastErrorCode"]),
      lastErrorMessage: optionalString(s["lastErrorMessage"]),
      lastStartTime: time(s["lastStartTime"]),
      lastStopTime: time(s["lastStopTime"]),
      lastStatusChangeTime: time(s["lastStatusChangeTime"]),
    });
  } catch (e) {
    if (errorName(e) === "NoSuchConfigurationRecorderException") {
      return success({ found: false, detail: quote(errorMessage(e)) });
    }
    return { ok: false, failure: classify(e) };
  }
}

export async function getTrailStatus(
  ctx: RoundContext,
  target: AwsTarget,
  nameOrArn: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<TrailStatus | NotFound>> {
  try {
    const { cloudtrail } = sdk();
    const client = ctx.memo(`aws:cloudtrail:${target.region}:${target.endpoint ?? ""}:${target.credentialsId}`, () => {
      const c = new cloudtrail.CloudTrailClient(clientConfig(ctx, target, target.endpoint, timeoutMs));
      ctx.onDispose(() => c.destroy());
      return c;
    });
    const out = await client.send(new cloudtrail.GetTrailStatusCommand({ Name: nameOrArn }), { abortSignal: signal });
    if (typeof out.IsLogging !== "boolean") {
      return failure("malformed-reply", "IsLogging is missing or not a boolean");
    }
    return success({
      found: true,
      isLogging: out.IsLogging,
      latestDeliveryError: optionalString(out.LatestDeliveryError),
      latestDigestDeliveryError: optionalString(out.LatestDigestDeliveryError),
      latestNotificationError: optionalString(out.LatestNotificationError),
      latestCloudWatchLogsDeliveryError: optionalString(out.LatestCloudWatchLogsDeliveryError),
      latestDeliveryTime: time(out.LatestDeliveryTime),
      latestCloudWatchLogsDeliveryTime: time(out.LatestCloudWatchLogsDeliveryTime),
      startLoggingTime: time(out.StartLoggingTime),
      stopLoggingTime: time(out.StopLoggingTime),
    });
  } catch (e) {
    if (errorName(e) === "TrailNotFoundException") return success({ found: false, detail: quote(errorMessage(e)) });
    return { ok: false, failure: classify(e) };
  }
}

export function clientConfig(ctx: RoundContext, target: AwsTarget, endpoint: string | undefined, timeoutMs: number) {
  const { http } = sdk();
  return {
    region: target.region,
    ...(endpoint ? { endpoint } : {}),
    credentials: credentialsProvider(ctx, target, timeoutMs),
    // Retries are made by the round, one rate-limited attempt at a time.
    maxAttempts: 1,
    requestHandler: new http.NodeHttpHandler({
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
    }),
  };
}

/** One provider per distinct credentials per round: an assume-role chain runs once, however many calls use it. */
export function credentialsProvider(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
): AwsCredentialIdentityProvider {
  return ctx.memo(`aws:credentials:${target.credentialsId}:${target.region}:${target.stsEndpoint ?? ""}`, () => {
    const { credentials: providers, http } = sdk();
    const spec = target.credentials;
    let provider: AwsCredentialIdentityProvider;
    switch (spec.base.source) {
      case "static": {
        const identity: AwsCredentialIdentity = {
          accessKeyId: spec.base.accessKeyId,
          secretAccessKey: spec.base.secretAccessKey,
          ...(spec.base.sessionToken ? { sessionToken: spec.base.sessionToken } : {}),
        };
        provider = () => Promise.resolve(identity);
        break;
      }
      case "profile":
        provider = providers.fromIni({
          profile: spec.base.profile,
          ...(spec.base.credentialsFile ? { filepath: spec.base.credentialsFile } : {}),
          ...(spec.base.configFile ? { configFilepath: spec.base.configFile } : {}),
        });
        break;
      default:
        provider = providers.fromNodeProviderChain({ timeout: timeoutMs, maxRetries: 0 });
    }
    for (const role of spec.assumeRoles) {
      // The nested STS client is never handed back to us; its handler is closed with the round.
      const stsHandler = new http.NodeHttpHandler({
        connectionTimeout: timeoutMs,
        requestTimeout: timeoutMs,
        throwOnRequestTimeout: true,
      });
      ctx.onDispose(() => stsHandler.destroy());
      provider = providers.fromTemporaryCredentials({
        masterCredentials: provider,
        params: {
          RoleArn: role.roleArn,
          RoleSessionName: role.sessionName,
          ...(role.externalId ? { ExternalId: role.externalId } : {}),
          ...(role.durationSeconds ? { DurationSeconds: role.durationSeconds } : {}),
          ...(role.policy ? { Policy: role.policy } : {}),
          ...(role.sourceIdentity ? { SourceIdentity: role.sourceIdentity } : {}),
        },
        clientConfig: {
          region: target.stsRegion ?? target.region,
          ...(target.stsEndpoint ? { endpoint: target.stsEndpoint } : {}),
          maxAttempts: 1,
          requestHandler: stsHandler,
        },
      });
    }
    return memoize(provider);
  });
}

/** Shares one resolution between concurrent calls; a failed one is forgotten, so a retry resolves afresh. */
function memoize(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return () => {
    if (!pending) {
      // Credentials the SDK resolves (profiles, SSO, roles) are secrets too: redact them if a reply echoes one.
      const p = provider().then((id) => {
        registerSecret(id.accessKeyId);
        registerSecret(id.secretAccessKey);
        registerSecret(id.sessionToken);
        return id;
      });
      pending = p;
      p.catch(() => {
        if (pending === p) pending = undefined;
      });
    }
    return pending;
  };
}

const ACCESS_DENIED = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
  "AuthorizationErrorException",
  "OperationNotPermittedException",
  "InsufficientDependencyServiceAccessPermissionException",
]);
const INVALID_CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "ExpiredTokenException",
  "ExpiredToken",
  "RequestExpired",
  "InvalidAccessKeyId",
  "MissingAuthenticationToken",
]);
const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);
const GENERIC_NAMES = new Set(["Error", "TypeError", "SyntaxError", "RangeError", "TimeoutError", "AbortError"]);
/** JS built-in error classes: never shown as an error code (a 503 HTML page is not "code SyntaxError"). */
const JS_ERROR_CLASSES = new Set(["Error", "TypeError", "SyntaxError", "RangeError"]);
/** The SDK's note appended to parse failures: about a hidden JS field, meaningless in a diagnostic. */
const SDK_RAW_RESPONSE_NOTE =
  /\s*Deserialization error: to see the raw response, inspect the hidden field \{error\}\.\$response on this object\.?/g;

/** Maps whatever the SDK threw to a reason a person can act on. */
export function classify(e: unknown): CheckFailure {
  const name = errorName(e);
  const raw = errorMessage(e);
  const message = quote(raw); // matched against below, with the SDK's note
  const detail = quote(raw.replace(SDK_RAW_RESPONSE_NOTE, "").trim() || raw);
  const meta = metadata(e);
  const rawCode = (e as { code?: unknown } | null | undefined)?.code;
  const code = typeof rawCode === "string" ? rawCode : undefined;
  // The AWS error code where there is one; for JS/Node errors the system code ("ECONNRESET"), else a
  // telling name ("TimeoutError"), never a JS class name.
  const shownCode =
    name && !GENERIC_NAMES.has(name) ? name : (code ?? (name && !JS_ERROR_CLASSES.has(name) ? name : undefined));
  const extra = {
    ...(shownCode ? { code: shownCode } : {}),
    ...(meta.httpStatusCode ? { httpStatus: meta.httpStatusCode } : {}),
    ...(meta.requestId ? { requestId: meta.requestId } : {}),
  };
  const status = meta.httpStatusCode ?? 0;
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
    return { reason: "no-credentials", detail, ...extra };
  }
  // Before the timeout test: node-http-handler renames ECONNRESET/EPIPE errors to "TimeoutError".
  if (code !== undefined && NETWORK_ERROR_CODES.has(code)) return { reason: "endpoint-error", detail, ...extra };
  if (name === "AbortError" || name === "TimeoutError" || name === "DeadlineExceeded" || code === "ETIMEDOUT") {
    return { reason: "timeout", detail, ...extra };
  }
  if (ACCESS_DENIED.has(name)) return { reason: "access-denied", detail, ...extra };
  if (INVALID_CREDENTIALS.has(name)) return { reason: "invalid-credentials", detail, ...extra };
  if (THROTTLED.has(name) || status === 429) return { reason: "throttled", detail, ...extra };
  // A 5xx is a server error even when its body is not JSON (an HTML page from a proxy or load balancer).
  if ((e as { $fault?: unknown } | null | undefined)?.$fault === "server" || status >= 500) {
    return { reason: "service-error", detail, ...extra };
  }
  if (name === "SyntaxError" || /deserializ|unexpected token|expected .* to be/i.test(message)) {
    return { reason: "malformed-reply", detail, ...extra };
  }
  if (name === "TypeError" && /url/i.test(message)) return { reason: "bad-target", detail, ...extra };
  return { reason: "unexpected-error", detail, ...extra };
}

function metadata(e: unknown): { httpStatusCode?: number; requestId?: string } {
  const m = (e as { $metadata?: unknown })?.$metadata;
  if (!m || typeof m !== "object") return {};
  const r = m as { httpStatusCode?: unknown; requestId?: unknown };
  return {
    ...(typeof r.httpStatusCode === "number" ? { httpStatusCode: r.httpStatusCode } : {}),
    ...(typeof r.requestId === "string" ? { requestId: r.requestId } : {}),
  };
}
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function time(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
  if (typeof v === "number" && Number.isFinite(v)) return v * 1000;
  return undefined;
}
