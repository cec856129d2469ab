// Who the calls are made as: one credential per credential set per round (keys, profiles, ECS role, OIDC, the
// provider's role, the audit role), the signed call made with it (aliCall), and Alibaba Cloud STS
// GetCallerIdentity (API 2015-04-01, RPC) for the account behind it, so that "does not exist" is believed only
// from the resource's own account. Any identity may call it; it needs no RAM permission. One call per credential
// set and STS host per round (memoised in the round context). They live together because an audit role that
// waits for its account asks GetCallerIdentity of the provider's credentials first.

import type * as Credentials from "@alicloud/credentials";
import { auditRoleFor, needsAccount } from "../live/audit";
import { errorMessage } from "../live/errors";
import { failure, type Outcome, success } from "../live/outcome";
import { sharedUnlessFailed } from "../live/memo";
import type { RoundContext } from "../live/round";
import { registerSecret } from "../redact";
import {
  aliAccountSourceOf,
  type AliEndpoint,
  aliSourceCredentialsId,
  type AliTarget,
  plainHttpStsRefusal,
} from "./target";
import {
  AliCredentialError,
  AliCredentialStepError,
  type CallBody,
  classifyAli,
  modules,
  signedCall,
} from "./transport";

/** One read-only RPC call with the target's credentials, at `endpoint` (default: the target's). */
export function aliCall(
  ctx: RoundContext,
  target: AliTarget,
  api: { action: string; version: string },
  query: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
  endpoint: AliEndpoint = target.endpoint,
): Promise<CallBody> {
  const request = { api, query, endpoint };
  return signedCall(ctx, target, () => credential(ctx, target, timeoutMs), request, timeoutMs, signal);
}

export const ALI_IDENTITY_ACTION = { action: "GetCallerIdentity", version: "2015-04-01" } as const;

export async function aliCallerIdentity(
  ctx: RoundContext,
  audited: AliTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<{ account: string; arn: string }>> {
  // An audit role still waiting for its account is in the provider's account: ask as the provider.
  const target = aliAccountSourceOf(audited) ?? audited;
  const endpoint = target.identityEndpoint;
  const key = `ali:identity:${target.credentialsId}:${endpoint.protocol}:${endpoint.host}`;
  // A failed answer is not kept (as for AWS): the round's next attempt asks again.
  return sharedUnlessFailed(ctx, key, () => ask(ctx, target, timeoutMs, signal));
}

type CallerIdentity = { account: string; arn: string };

async function ask(
  ctx: RoundContext,
  target: AliTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<CallerIdentity>> {
  const refused = plainHttpStsRefusal(target.identityEndpoint);
  if (refused) return failure("bad-target", refused);
  try {
    const body = await aliCall(ctx, target, ALI_IDENTITY_ACTION, {}, timeoutMs, signal, target.identityEndpoint);
    const account = body["AccountId"];
    const arn = body["Arn"];
    if (typeof account !== "string" || !/^\d+$/.test(account)) {
      return failure<{ account: string; arn: string }>("malformed-reply", "GetCallerIdentity gave no AccountId");
    }
    return success({ account, arn: typeof arn === "string" ? arn : "" });
  } catch (e) {
    return { ok: false, failure: classifyAli(e) } as Outcome<{ account: string; arn: string }>;
  }
}

/**
 * Believes a "does not exist" answer only when the caller is the resource's account: the answer as given
 * when it is (or when no account is known to compare with), else a wrong-account failure naming both.
 */
export async function confirmNotFound<T>(
  ctx: RoundContext,
  target: AliTarget,
  expectedAccount: string | undefined,
  what: string,
  notFound: T,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<T>> {
  if (!expectedAccount) return success(notFound);
  const who = await aliCallerIdentity(ctx, target, timeoutMs, signal);
  if (!who.ok) {
    const { reason, detail, ...facts } = who.failure;
    // Name the STS host that was asked (it is not the check's own endpoint), once: a refused endpoint's
    // detail already names it.
    const sts = (aliAccountSourceOf(target) ?? target).identityEndpoint;
    const url = `${sts.protocol.toLowerCase()}://${sts.host}`;
    const at = detail.includes(url) ? "" : ` (at ${url})`;
    return failure(
      reason,
      `the answer was "not found"; confirming the answering account with STS GetCallerIdentity failed${at}: ${detail}`,
      facts,
    );
  }
  if (who.value.account !== expectedAccount) {
    return failure(
      "wrong-account",
      `called as ${who.value.account}; ${what} belongs to ${expectedAccount}, so its "not found" says nothing about it`,
    );
  }
  return success(notFound);
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
    /** A RAM role assumed with `master`, at the provider's STS endpoint, within the call's deadline. */
    const ramRole = (master: Credentials.CredentialsProvider, roleArn: string, sessionName: string) => {
      const b = c.RAMRoleARNCredentialsProvider.builder()
        .withCredentialsProvider(master)
        .withRoleArn(roleArn)
        .withRoleSessionName(sessionName)
        .withReadTimeout(timeoutMs)
        .withConnectTimeout(timeoutMs);
      return target.stsEndpoint ? b.withStsEndpoint(target.stsEndpoint) : b;
    };
    const role = spec.assumeRole;
    if (role) {
      let b = ramRole(provider, role.roleArn, role.sessionName);
      if (role.policy) b = b.withPolicy(role.policy);
      if (role.externalId) b = b.withExternalId(role.externalId);
      if (role.sessionExpiration) b = b.withDurationSeconds(role.sessionExpiration);
      provider = tagged(b.build(), "assume-role", role.roleArn);
    }
    const audit = spec.auditRole;
    if (audit) {
      const master = provider;
      // Once per source credentials and role: a target whose account was known at planning (a recorder's id)
      // and one whose account GetCallerIdentity names share the role's session.
      const source = aliSourceCredentialsId(spec, target.stsEndpoint);
      const assume = (roleArn: string): Credentials.CredentialsProvider =>
        ctx.memo(`ali:audit-role:${source}:${roleArn}`, () =>
          stepOf(`sts:AssumeRole on ${roleArn}`, ramRole(master, roleArn, audit.sessionName).build()),
        );
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
