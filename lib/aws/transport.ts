// AWS transport: how a call is made. The SDK loaded on first use, one HTTP handler per network settings, the
// settings every client shares, and what an SDK error means (classify). Knows nothing of credentials
// (./identity) or of any API's reply (./sdk).

import { readFileSync } from "node:fs";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import { errorMessage, errorName, NETWORK_ERROR_CODES } from "../live/errors";
import type { CheckFailure } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { quote } from "../redact";
import { isPlainNetwork, networkId, routingAgents } from "./network";
import type { AwsTarget } from "./target";

export type ConfigModule = typeof import("@aws-sdk/client-config-service");
export type CloudTrailModule = typeof import("@aws-sdk/client-cloudtrail");
type CredentialsModule = typeof import("@aws-sdk/credential-providers");
type HttpModule = typeof import("@smithy/node-http-handler");

/** Silences the SDK's Node 20 support notice, printed by every client; it would land in every `pulumi preview`. */
export function quietSdkNotices(): void {
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
}

interface SdkModules {
  config: ConfigModule;
  cloudtrail: CloudTrailModule;
  credentials: CredentialsModule;
  http: HttpModule;
}
let sdkModules: SdkModules | undefined;

/**
 * The SDK modules, loaded on first use (a stack with nothing to check never loads them), then kept in one object
 * (a repeated require() is cheap, Node caching it by parent path and request: about 0.3 µs on Node 20).
 */
export function sdk(): SdkModules {
  if (sdkModules) return sdkModules;
  quietSdkNotices();
  sdkModules = {
    config: require("@aws-sdk/client-config-service") as ConfigModule,
    cloudtrail: require("@aws-sdk/client-cloudtrail") as CloudTrailModule,
    credentials: require("@aws-sdk/credential-providers") as CredentialsModule,
    http: require("@smithy/node-http-handler") as HttpModule,
  };
  return sdkModules;
}

/** STS client settings (assume-role, web identity, GetCallerIdentity): provider stsRegion and sts endpoint. */
export function stsClientConfig(ctx: RoundContext, target: AwsTarget, timeoutMs: number) {
  return {
    ...endpointSettings(ctx, target, target.stsRegion ?? target.region, target.stsEndpoint),
    maxAttempts: 1,
    requestHandler: requestHandler(ctx, target, timeoutMs),
  };
}

export function endpointSettings(ctx: RoundContext, target: AwsTarget, region: string, endpoint: string | undefined) {
  const shared = sharedSdkSettings(ctx);
  return {
    ...shared,
    region,
    ...(endpoint ? { endpoint } : {}),
    // The provider ignores FIPS for a service whose endpoint it overrides (its generated resolvers); the SDK
    // would refuse the pair ("FIPS and custom endpoint are not supported").
    useFipsEndpoint: endpoint ? false : target.network.useFipsEndpoint || shared.useFipsEndpoint,
    useDualstackEndpoint: target.network.useDualstackEndpoint || shared.useDualstackEndpoint,
  };
}

/**
 * Settings each SDK client would otherwise look up on its own (environment, then the shared config files,
 * then a default) before its first call: about 1.7 ms a client, and an org-wide round makes a hundred
 * clients. One client that never calls looks them up once per round; the others take its answers.
 */
function sharedSdkSettings(ctx: RoundContext) {
  return ctx.memo("aws:sdk-settings", () => {
    const probe = new (sdk().config.ConfigServiceClient)({ region: "us-east-1" });
    ctx.onDispose(() => probe.destroy());
    const { useFipsEndpoint, useDualstackEndpoint, defaultsMode, retryMode, authSchemePreference, userAgentAppId } =
      probe.config;
    return { useFipsEndpoint, useDualstackEndpoint, defaultsMode, retryMode, authSchemePreference, userAgentAppId };
  });
}

/** A setting that cannot be carried out as the provider would (e.g. an unreadable CA bundle). */
export class TargetError extends Error {
  override readonly name = "TargetError";
}

/**
 * A failure in one step of getting credentials, naming the permission that step needs (sts:AssumeRole
 * on a role), so a denied AssumeRole is not reported as a denied status call.
 */
export class CredentialStepError extends Error {
  override readonly name = "CredentialStepError";
  constructor(
    readonly step: string,
    readonly permission: string,
    readonly inner: unknown,
  ) {
    super(`${step}: ${errorMessage(inner)}`);
  }
}

/** One HTTP handler per network settings per round, shared by every client and STS call it routes. */
export function requestHandler(ctx: RoundContext, target: AwsTarget, timeoutMs: number): NodeHttpHandler {
  return ctx.memo(`aws:handler:${networkId(target.network)}:${timeoutMs}`, () => {
    const { http } = sdk();
    const timeouts = { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true };
    let handler: NodeHttpHandler;
    if (isPlainNetwork(target.network)) {
      handler = new http.NodeHttpHandler(timeouts);
    } else {
      const caFile = target.network.caBundleFile;
      let ca: string | undefined;
      if (caFile) {
        try {
          ca = readFileSync(caFile, "utf8");
        } catch (e) {
          throw new TargetError(
            `the CA bundle ${caFile} (customCaBundle / AWS_CA_BUNDLE) cannot be read: ${errorMessage(e)}`,
          );
        }
      }
      const agents = routingAgents(target.network, ca);
      handler = new http.NodeHttpHandler({ ...timeouts, httpAgent: agents.httpAgent, httpsAgent: agents.httpsAgent });
      ctx.onDispose(() => agents.destroy());
    }
    ctx.onDispose(() => handler.destroy());
    return handler;
  });
}

/** A failure already classified (by a call made inside a credential step). */
export class FailedCheck extends Error {
  override readonly name = "FailedCheck";
  constructor(readonly failure: CheckFailure) {
    super(failure.detail);
  }
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

/**
 * Regions AWS does not enable by default (AWS Account Management reference, "Enable or disable AWS Regions in
 * your account"): every Region launched after 20 March 2019. A call into one the account has not enabled is
 * refused like a bad key, with InvalidClientTokenId (STS, awsQuery) or UnrecognizedClientException (JSON
 * services): "The security token included in the request is invalid".
 */
export const OPT_IN_REGIONS: ReadonlySet<string> = new Set([
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-west-1",
  "eu-central-2",
  "eu-south-1",
  "eu-south-2",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "me-west-1",
  "mx-central-1",
  "sa-west-1",
]);
const TOKEN_REFUSED = new Set(["InvalidClientTokenId", "UnrecognizedClientException"]);

/**
 * classify() for a call signed for `region`: keys refused in an opt-in Region are named for both things that
 * cause it and that one refusal cannot tell apart: a Region the account has not enabled, or credentials not
 * valid there (a version 1 session token, valid only in Regions enabled by default); not simply bad credentials.
 */
export function classifyAt(e: unknown, region: string | undefined): CheckFailure {
  const f = classify(e);
  if (f.reason !== "invalid-credentials" || !region || !OPT_IN_REGIONS.has(region)) return f;
  if (!f.code || !TOKEN_REFUSED.has(f.code)) return f;
  return {
    ...f,
    reason: "region-not-enabled",
    detail:
      `${region} is an opt-in Region and AWS refused the credentials there (${f.detail}): the Region may not be ` +
      "enabled for the account, or the credentials are not valid there (e.g. version 1 session tokens from the " +
      "global STS endpoint, valid only in Regions enabled by default)",
  };
}

/** Maps whatever the SDK threw to a reason a person can act on. */
export function classify(e: unknown): CheckFailure {
  if (e instanceof CredentialStepError) {
    // The step's own failure, said as that step's: "sts:AssumeRole on arn:…: access was denied".
    const inner = classify(e.inner);
    return { ...inner, detail: `${e.step} failed: ${inner.detail}`, permission: e.permission };
  }
  if (e instanceof TargetError) return { reason: "bad-target", detail: quote(e.message) };
  if (e instanceof FailedCheck) return e.failure;
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
  // The endpoint's (or proxy's) certificate is not trusted: CA bundle, proxy or endpoint settings.
  if (code !== undefined && /CERT|SSL|TLS|SIGNATURE/.test(code)) return { reason: "endpoint-error", detail, ...extra };
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
  // The endpoint rules refuse a combination (dual-stack with a custom endpoint), as the provider's SDK does.
  if (/^Invalid Configuration:/.test(raw)) return { reason: "bad-target", detail, ...extra };
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

/** One client per key per round, destroyed with the round. */
export function memoClient<C extends { destroy(): void }>(ctx: RoundContext, key: string, make: () => C): C {
  return ctx.memo(key, () => {
    const c = make();
    ctx.onDispose(() => c.destroy());
    return c;
  });
}
