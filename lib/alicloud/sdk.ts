// Alibaba Cloud I/O: Cloud Config GetConfigurationRecorder (2020-09-07) and ActionTrail GetTrailStatus
// (2020-07-06), read-only, through the official generic OpenAPI runtime and credentials library,
// turned into plain facts. Loaded on first use only.

import type * as OpenApiCore from "@alicloud/openapi-core";
import type * as Credentials from "@alicloud/credentials";
import type * as Dara from "@darabonba/typescript";
import { errorCode, errorMessage, NETWORK_ERROR_CODES, optionalString } from "../live/errors";
import { type CheckFailure, failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { quote, registerSecret } from "../redact";
import { auditRoleFor, needsAccount } from "../live/audit";
import { aliAccountSourceOf, type AliEndpoint, aliSourceCredentialsId, type AliTarget } from "./target";

export interface AliRecorder {
  found: true;
  /** REGISTRABLE | BUILDING | REGISTERED | REBUILDING (upper-cased). */
  status: string;
  resourceTypes: string[] | undefined;
}
export interface AliTrailStatus {
  found: true;
  isLogging: boolean | undefined;
  latestDeliveryError: string | undefined;
  latestDeliveryLogServiceError: string | undefined;
  latestDeliveryTime: number | undefined;
  latestDeliveryLogServiceTime: number | undefined;
  startLoggingTime: number | undefined;
  stopLoggingTime: number | undefined;
  /** The OSS bucket / SLS Logstore the trail delivers to is available (API: true available, false unavailable). */
  ossBucketStatus: boolean | undefined;
  slsLogStoreStatus: boolean | undefined;
}
export interface AliNotFound {
  found: false;
  detail: string;
}

interface Modules {
  core: typeof OpenApiCore;
  credentials: typeof Credentials;
  dara: typeof Dara;
}
let loaded: Modules | undefined;
/** Loaded on first use and kept: a require() of a package name resolves it again on every call. */
function modules(): Modules {
  loaded ??= {
    core: require("@alicloud/openapi-core") as typeof OpenApiCore,
    credentials: require("@alicloud/credentials") as typeof Credentials,
    dara: require("@darabonba/typescript") as typeof Dara,
  };
  return loaded;
}

type CallBody = Record<string, unknown>;

/** One read-only RPC call with the target's credentials, at `endpoint` (default: the target's). */
export async function aliCall(
  ctx: RoundContext,
  target: AliTarget,
  api: { action: string; version: string },
  query: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
  endpoint: AliEndpoint = target.endpoint,
): Promise<CallBody> {
  const { core, dara } = modules();
  const client = ctx.memo(`ali:client:${endpoint.protocol}:${endpoint.host}:${target.credentialsId}`, () => {
    const Client = core.default;
    return new Client(
      new core.$OpenApiUtil.Config({
        credential: credential(ctx, target, timeoutMs),
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

function tagged(provider: Credentials.CredentialsProvider, stage: AliCredentialError["stage"], roleArn?: string) {
  return rethrowing(provider, (e) => (e instanceof AliCredentialError ? e : new AliCredentialError(stage, e, roleArn)));
}

/**
 * The provider with its failures rethrown as `wrap` makes them, and callers that ask at once sharing one pending
 * answer: the library's session providers (RAM role, OIDC) ask STS once per caller until the first session
 * arrives, which would assume one role once per concurrent call. A failed answer is not kept, so the round's next
 * attempt asks again.
 */
function rethrowing(
  provider: Credentials.CredentialsProvider,
  wrap: (e: unknown) => Error,
): Credentials.CredentialsProvider {
  let pending: ReturnType<Credentials.CredentialsProvider["getCredentials"]> | undefined;
  const ask = async (): ReturnType<Credentials.CredentialsProvider["getCredentials"]> => {
    try {
      return await provider.getCredentials();
    } catch (e) {
      throw wrap(e);
    }
  };
  return {
    getProviderName: () => provider.getProviderName(),
    getCredentials: () => {
      pending ??= ask().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

function credential(ctx: RoundContext, target: AliTarget, timeoutMs: number): Credentials.default {
  return ctx.memo(`ali:credential:${target.credentialsId}:${target.stsEndpoint ?? ""}`, () => {
    const { credentials: c } = modules();
    const spec = target.credentials;
    const Credential = c.default;
    const base = spec.base;
    let provider: Credentials.CredentialsProvider;
    switch (base.source) {
      case "static":
        provider = base.securityToken
          ? c.StaticSTSCredentialsProvider.builder()
              .withAccessKeyId(base.accessKeyId)
              .withAccessKeySecret(base.accessKeySecret)
              .withSecurityToken(base.securityToken)
              .build()
          : c.StaticAKCredentialsProvider.builder()
              .withAccessKeyId(base.accessKeyId)
              .withAccessKeySecret(base.accessKeySecret)
              .build();
        break;
      case "cli-profile":
        provider = tagged(
          c.CLIProfileCredentialsProvider.builder().withProfileName(base.profile).build(),
          "cli-profile",
        );
        break;
      case "credentials-uri":
        provider = tagged(
          c.URICredentialsProvider.builder()
            .withCredentialsURI(base.uri)
            .withReadTimeout(timeoutMs)
            .withConnectTimeout(timeoutMs)
            .build(),
          "credentials-uri",
        );
        break;
      case "ecs-role":
        // The library's own metadata timeouts (1 s) stay: they say "not on ECS", not "the call was slow".
        // Its builder throws when instance metadata is disabled (ALIBABA_CLOUD_ECS_METADATA_DISABLED).
        try {
          provider = tagged(
            c.ECSRAMRoleCredentialsProvider.builder().withRoleName(base.roleName).build(),
            "ecs-metadata",
          );
        } catch (e) {
          throw new AliCredentialError("ecs-metadata", e);
        }
        break;
      case "oidc": {
        let b = c.OIDCRoleArnCredentialsProvider.builder()
          .withRoleArn(base.roleArn)
          .withOIDCProviderArn(base.oidcProviderArn)
          .withOIDCTokenFilePath(base.tokenFile)
          .withRoleSessionName(base.sessionName)
          .withReadTimeout(timeoutMs)
          .withConnectTimeout(timeoutMs);
        if (base.policy) b = b.withPolicy(base.policy);
        if (base.durationSeconds) b = b.withDurationSeconds(base.durationSeconds);
        if (target.stsEndpoint) b = b.withStsEndpoint(target.stsEndpoint);
        provider = tagged(b.build(), "oidc", base.roleArn);
        break;
      }
      case "ambient":
        provider = c.DefaultCredentialsProvider.builder().build();
        break;
    }
    const role = spec.assumeRole;
    if (role) {
      let b = c.RAMRoleARNCredentialsProvider.builder()
        .withCredentialsProvider(provider)
        .withRoleArn(role.roleArn)
        .withRoleSessionName(role.sessionName)
        .withReadTimeout(timeoutMs)
        .withConnectTimeout(timeoutMs);
      if (role.policy) b = b.withPolicy(role.policy);
      if (role.externalId) b = b.withExternalId(role.externalId);
      if (role.sessionExpiration) b = b.withDurationSeconds(role.sessionExpiration);
      if (target.stsEndpoint) b = b.withStsEndpoint(target.stsEndpoint);
      provider = tagged(b.build(), "assume-role", role.roleArn);
    }
    const audit = spec.auditRole;
    if (audit) {
      const master = provider;
      // Once per source credentials and role: a target whose account was known at planning (a recorder's id)
      // and one whose account GetCallerIdentity names share the role's session.
      const source = aliSourceCredentialsId(spec, target.stsEndpoint);
      const assume = (roleArn: string): Credentials.CredentialsProvider =>
        ctx.memo(`ali:audit-role:${source}:${roleArn}`, () => {
          let b = c.RAMRoleARNCredentialsProvider.builder()
            .withCredentialsProvider(master)
            .withRoleArn(roleArn)
            .withRoleSessionName(audit.sessionName)
            .withReadTimeout(timeoutMs)
            .withConnectTimeout(timeoutMs);
          if (target.stsEndpoint) b = b.withStsEndpoint(target.stsEndpoint);
          return stepOf(`sts:AssumeRole on ${roleArn}`, b.build());
        });
      provider = needsAccount(audit.roleArn)
        ? auditRoleOfAccount(ctx, target, audit.roleArn, assume, timeoutMs)
        : assume(audit.roleArn);
    }
    // Credentials resolved from profiles, roles or the environment are secrets too: redact them if echoed.
    const resolved = provider;
    return new Credential(null, {
      getProviderName: () => resolved.getProviderName(),
      getCredentials: async () => {
        const c = await resolved.getCredentials();
        registerSecret(c.accessKeyId);
        registerSecret(c.accessKeySecret);
        registerSecret(c.securityToken);
        return c;
      },
    });
  });
}

/** An audit role whose ARN waits for the account: GetCallerIdentity of the provider's credentials names it. */
function auditRoleOfAccount(
  ctx: RoundContext,
  target: AliTarget,
  template: string,
  assume: (roleArn: string) => Credentials.CredentialsProvider,
  timeoutMs: number,
): Credentials.CredentialsProvider {
  let resolved: Credentials.CredentialsProvider | undefined;
  return {
    getProviderName: () => "auditguard-audit-role",
    getCredentials: async () => {
      if (!resolved) {
        const source = aliAccountSourceOf(target) ?? target;
        const { aliCallerIdentity } = require("./identity") as typeof import("./identity");
        const who = await aliCallerIdentity(ctx, source, timeoutMs, AbortSignal.timeout(timeoutMs));
        if (!who.ok) {
          throw new AliCredentialStepError(
            `GetCallerIdentity for the account of the audit role ${template}`,
            "sts:GetCallerIdentity (needs no RAM permission)",
            who.failure,
          );
        }
        resolved = assume(auditRoleFor(template, who.value.account));
      }
      return resolved.getCredentials();
    },
  };
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

/** Tags a role step's failures with sts:AssumeRole on that role, so a denied role is not read as a denied call. */
function stepOf(name: string, provider: Credentials.CredentialsProvider): Credentials.CredentialsProvider {
  return rethrowing(provider, (e) =>
    e instanceof AliCredentialStepError ? e : new AliCredentialStepError(name, name, classifyAli(stsAnswerOf(e))),
  );
}

/**
 * @alicloud/credentials gives STS's error answer only as text ("refresh session token failed: {…"Code":
 * "NoPermission"…}"): the same error with the answer's code and request id, so that it is classified by them.
 */
function stsAnswerOf(e: unknown): unknown {
  const json = /failed: (\{.*\})\s*$/s.exec(errorMessage(e))?.[1];
  if (!json) return e;
  let answer: unknown;
  try {
    answer = JSON.parse(json);
  } catch {
    return e;
  }
  const { Code: code, RequestId: requestId } = (answer ?? {}) as { Code?: unknown; RequestId?: unknown };
  if (typeof code !== "string") return e;
  return Object.assign(new Error(errorMessage(e)), { code, ...(typeof requestId === "string" ? { requestId } : {}) });
}

class MalformedReply extends Error {
  override readonly name = "MalformedReply";
}

export async function getConfigurationRecorder(
  ctx: RoundContext,
  target: AliTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<AliRecorder | AliNotFound>> {
  try {
    const body = await aliCall(
      ctx,
      target,
      { action: "GetConfigurationRecorder", version: "2020-09-07" },
      {},
      timeoutMs,
      signal,
    );
    const rec = body["ConfigurationRecorder"];
    if (!rec || typeof rec !== "object") return failure("malformed-reply", "ConfigurationRecorder is missing");
    const r = rec as Record<string, unknown>;
    const status = r["ConfigurationRecorderStatus"];
    if (typeof status !== "string" || status === "")
      return failure("malformed-reply", "ConfigurationRecorderStatus is missing or not a string");
    const types = r["ResourceTypes"];
    let resourceTypes: string[] | undefined;
    if (Array.isArray(types)) resourceTypes = types.filter((t): t is string => typeof t === "string");
    else if (typeof types === "string")
      resourceTypes = types
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean);
    else if (types !== undefined && types !== null) return failure("malformed-reply", "ResourceTypes is not a list");
    return success({ found: true, status: status.toUpperCase(), resourceTypes });
  } catch (e) {
    // The service answers AccountNotExisted when Cloud Config was never enabled for the account.
    if (errorCode(e) === "AccountNotExisted") return success({ found: false, detail: quote(errorMessage(e)) });
    return { ok: false, failure: classifyAli(e) };
  }
}

export async function getTrailStatus(
  ctx: RoundContext,
  target: AliTarget,
  name: string,
  organizationTrail: boolean,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<AliTrailStatus | AliNotFound>> {
  try {
    const body = await aliCall(
      ctx,
      target,
      { action: "GetTrailStatus", version: "2020-07-06" },
      { Name: name, IsOrganizationTrail: String(organizationTrail) },
      timeoutMs,
      signal,
    );
    // The one fact asked for: a reply without it is not "not logging" but undetermined.
    const isLogging = toBool(body["IsLogging"]);
    if (isLogging === undefined) return failure("malformed-reply", "IsLogging is missing from the reply");
    if (isLogging === null) return failure("malformed-reply", "IsLogging is not a boolean");
    return success({
      found: true,
      isLogging,
      latestDeliveryError: optionalString(body["LatestDeliveryError"]),
      latestDeliveryLogServiceError: optionalString(body["LatestDeliveryLogServiceError"]),
      latestDeliveryTime: parseAliTime(body["LatestDeliveryTime"]),
      latestDeliveryLogServiceTime: parseAliTime(body["LatestDeliveryLogServiceTime"]),
      startLoggingTime: parseAliTime(body["StartLoggingTime"]),
      stopLoggingTime: parseAliTime(body["StopLoggingTime"]),
      ossBucketStatus: toBool(body["OssBucketStatus"]) ?? undefined,
      slsLogStoreStatus: toBool(body["SlsLogStoreStatus"]) ?? undefined,
    });
  } catch (e) {
    if (/^TrailNotFound/.test(errorCode(e))) return success({ found: false, detail: quote(errorMessage(e)) });
    return { ok: false, failure: classifyAli(e) };
  }
}

/** Times arrive as epoch milliseconds ("1547792223000"), epoch seconds, or ISO 8601 ("2021-02-26T09:19:44Z"). */
export function parseAliTime(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number" || (typeof v === "string" && /^\d+(\.\d+)?$/.test(v.trim()))) {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    return n < 1e11 ? n * 1000 : n; // seconds before ~5138 AD vs milliseconds
  }
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function toBool(v: unknown): boolean | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return null;
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
