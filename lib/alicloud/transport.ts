// Alibaba Cloud transport: how a call is made. The official generic OpenAPI runtime loaded on first use, one
// signed RPC call with given credentials, and what an error means (classifyAli). Credentials and the caller
// identity are ./identity's; replies as facts are ./sdk's.

import type * as OpenApiCore from "@alicloud/openapi-core";
import type * as Credentials from "@alicloud/credentials";
import type * as Dara from "@darabonba/typescript";
import { errorCode, errorMessage, NETWORK_ERROR_CODES } from "../live/errors";
import type { CheckFailure } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { quote } from "../redact";
import type { AliEndpoint, AliTarget } from "./target";

interface Modules {
  core: typeof OpenApiCore;
  credentials: typeof Credentials;
  dara: typeof Dara;
}
let loaded: Modules | undefined;
/** Loaded on first use (a stack with nothing to check never loads them), then kept in one object. */
export function modules(): Modules {
  loaded ??= {
    core: require("@alicloud/openapi-core") as typeof OpenApiCore,
    credentials: require("@alicloud/credentials") as typeof Credentials,
    dara: require("@darabonba/typescript") as typeof Dara,
  };
  return loaded;
}

/** One RPC request: the API (action and version), its query, and the host it goes to. */
export interface AliRequest {
  api: { action: string; version: string };
  query: Record<string, string>;
  endpoint: AliEndpoint;
}

export type CallBody = Record<string, unknown>;

/**
 * One read-only RPC call at `endpoint` (default: the target's), signed with `credential` (./identity gives the
 * target's). One client per endpoint and credential set per round.
 */
export async function signedCall(
  ctx: RoundContext,
  target: AliTarget,
  credential: () => Credentials.default,
  request: AliRequest,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<CallBody> {
  const { api, query, endpoint } = request;
  const { core, dara } = modules();
  const client = ctx.memo(`ali:client:${endpoint.protocol}:${endpoint.host}:${target.credentialsId}`, () => {
    const Client = core.default;
    return new Client(
      new core.$OpenApiUtil.Config({
        credential: credential(),
        endpoint: endpoint.host,
        protocol: endpoint.protocol,
        // openapi-core applies the connect timeout as the socket idle timeout too: set both to the deadline.
        connectTimeout: timeoutMs,
        readTimeout: timeoutMs,
      }),
    );
  });
  const params = new core.$OpenApiUtil.Params({
    action: api.action,
    version: api.version,
    protocol: endpoint.protocol,
    pathname: "/",
    method: "POST",
    authType: "AK",
    style: "RPC",
    reqBodyType: "formData",
    bodyType: "json",
  });
  const runtime = new dara.RuntimeOptions({ readTimeout: timeoutMs, connectTimeout: timeoutMs, autoretry: false });
  // openapi-core takes no AbortSignal; the round's deadline bounds the wait, and the client's own timeouts end the socket.
  const pending = client.callApi(params, new core.$OpenApiUtil.OpenApiRequest({ query }), runtime);
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
  });
  pending.catch(() => undefined);
  const res = await Promise.race([pending, aborted]);
  const body: unknown = res?.body;
  if (!body || typeof body !== "object") throw new MalformedReply("the reply has no JSON object body");
  return body as CallBody;
}

/** Where credential resolution failed, so a failure can say what really went wrong. */
export class AliCredentialError extends Error {
  override readonly name = "AliCredentialError";
  constructor(
    readonly stage: "ecs-metadata" | "assume-role" | "credentials-uri" | "oidc" | "cli-profile",
    readonly cause: unknown,
    readonly roleArn?: string,
  ) {
    super(errorMessage(cause));
  }
}

/** A failed credential step (assuming the audit role), naming the permission it needs. */
export class AliCredentialStepError extends Error {
  override readonly name = "AliCredentialStepError";
  constructor(
    readonly step: string,
    readonly permission: string,
    readonly failure: CheckFailure,
  ) {
    super(`${step} failed: ${failure.detail}`);
  }
}

class MalformedReply extends Error {
  override readonly name = "MalformedReply";
}

/**
 * The Resource Directory refusal of Cloud Config StartConfigurationRecorder (API 2019-01-08 error table):
 * RDMemberNoPermission, "You have not enabled the resource directory service, or you are not using the
 * administrator account of resource directory" (a member account of Cloud Config for Enterprise). Access denied,
 * with its own fix. RDEnableConfigAccessFail is not here: it is documented only for StartConfigurationRecorder
 * with EnterpriseEdition=true, which the pack never sends, so it stays an unexpected error like any unknown code.
 */
export const ALI_RESOURCE_DIRECTORY_DENIED: ReadonlySet<string> = new Set(["RDMemberNoPermission"]);

const ALI_ACCESS_DENIED =
  /^(NoPermission|Forbidden|NotAuthorized|AccessDenied|Unauthorized|NoPermission\..*|Forbidden\..*)$/;
const ALI_INVALID_CREDENTIALS =
  /^(InvalidAccessKeyId(\..*)?|SignatureDoesNotMatch|InvalidSecurityToken(\..*)?|IncompleteSignature|InvalidAccessKeySecret|MissingSecurityToken)$/;

export function classifyAli(e: unknown): CheckFailure {
  if (e instanceof AliCredentialStepError) {
    return { ...e.failure, detail: e.message, permission: e.permission };
  }
  // openapi-core wraps what the credential provider threw; the step's own failure is inside.
  const cause: unknown = (e as { data?: unknown; cause?: unknown } | null | undefined)?.cause;
  if (cause instanceof AliCredentialStepError) return classifyAli(cause);
  if (e instanceof AliCredentialError) return classifyCredentialError(e);
  const code = errorCode(e);
  const name = e && typeof e === "object" ? String((e as { name?: unknown }).name ?? "") : "";
  const status = (e as { statusCode?: unknown })?.statusCode;
  const requestId = (e as { requestId?: unknown })?.requestId;
  // openapi-core glues the request line onto the cause ("socket hang upPOST http://…"): separate them.
  const detail = quote(errorMessage(e).replace(/(\S)((?:GET|POST) https?:\/\/)/, "$1 $2"));
  const extra = {
    ...(code ? { code } : {}),
    ...(typeof status === "number" ? { httpStatus: status } : {}),
    ...(typeof requestId === "string" ? { requestId } : {}),
  };
  if (
    /unable to get credentials|credentials? (is|are) (not|un)|InvalidCredentials/i.test(detail) ||
    code === "InvalidCredentials"
  ) {
    return { reason: "no-credentials", detail, ...extra };
  }
  if (
    name === "RequestTimeoutError" ||
    name === "DeadlineExceeded" ||
    name === "AbortError" ||
    /timeout/i.test(name) ||
    code === "ETIMEDOUT"
  ) {
    return { reason: "timeout", detail, ...extra };
  }
  if (name === "ThrottlingError" || /Throttling/i.test(code) || status === 429)
    return { reason: "throttled", detail, ...extra };
  if (ALI_ACCESS_DENIED.test(code) || ALI_RESOURCE_DIRECTORY_DENIED.has(code))
    return { reason: "access-denied", detail, ...extra };
  if (ALI_INVALID_CREDENTIALS.test(code)) return { reason: "invalid-credentials", detail, ...extra };
  if (NETWORK_ERROR_CODES.has(code)) return { reason: "endpoint-error", detail, ...extra };
  if (name === "SyntaxError" || name === "MalformedReply") {
    return { reason: "malformed-reply", detail: `the reply was not the expected JSON (${detail})`, ...extra };
  }
  if (name === "ServerError" || (typeof status === "number" && status >= 500) || code === "ServiceUnavailable") {
    return { reason: "service-error", detail, ...extra };
  }
  return { reason: "unexpected-error", detail, ...extra };
}

/**
 * A failure while obtaining credentials, said as what it is: no ECS RAM role on this machine is "no
 * credentials" (not a timeout of the call); a refused role assumption names sts:AssumeRole on that role.
 */
function classifyCredentialError(e: AliCredentialError): CheckFailure {
  const detail = quote(errorMessage(e.cause));
  switch (e.stage) {
    case "ecs-metadata":
      return {
        reason: "no-credentials",
        detail:
          `the provider's ecsRoleName needs the ECS instance metadata service, which did not give credentials ` +
          `(${detail}); this machine is probably not an ECS instance with that RAM role attached`,
      };
    case "assume-role":
    case "oidc": {
      const action = e.stage === "oidc" ? "sts:AssumeRoleWithOIDC" : "sts:AssumeRole";
      const denied = /NoPermission|AccessDenied|Forbidden|NotAuthorized|EntityNotExist\.Role/i.test(detail);
      const invalid =
        /InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken|access key secret is invalid/i.test(detail);
      if (denied) {
        return {
          reason: "access-denied",
          detail: `${action} on ${e.roleArn ?? "the role"} was denied (${detail})`,
          permission: `${action} on ${e.roleArn ?? "the role"}`,
        };
      }
      if (invalid)
        return { reason: "invalid-credentials", detail: `${action} on ${e.roleArn ?? "the role"}: ${detail}` };
      if (/timeout|ETIMEDOUT|ECONNREFUSED|ENOTFOUND|ECONNRESET|socket hang up/i.test(detail)) {
        return { reason: "endpoint-error", detail: `${action} on ${e.roleArn ?? "the role"}: ${detail}` };
      }
      return { reason: "no-credentials", detail: `${action} on ${e.roleArn ?? "the role"} failed: ${detail}` };
    }
    default:
      return {
        reason: "no-credentials",
        detail: `the provider's ${e.stage === "cli-profile" ? "profile" : "credentialsUri"} gave no credentials: ${detail}`,
      };
  }
}
