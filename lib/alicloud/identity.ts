// Who is answering: Alibaba Cloud STS GetCallerIdentity (API 2015-04-01, RPC) with a check's own credentials,
// so that "does not exist" is believed only from the resource's own account. Any identity may call it; it
// needs no RAM permission. One call per credential set and STS host per round (memoised in the round context).

import { failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { aliCall, classifyAli } from "./sdk";
import { aliAccountSourceOf, type AliTarget, plainHttpStsRefusal } from "./target";

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
  const memo = ctx.memo(key, () => ({ pending: undefined as Promise<Outcome<CallerIdentity>> | undefined }));
  if (!memo.pending) {
    const p = ask(ctx, target, timeoutMs, signal);
    memo.pending = p;
    // A failed answer is not kept (as for AWS): the round's next attempt asks again.
    void p.then((o) => {
      if (!o.ok && memo.pending === p) memo.pending = undefined;
    });
  }
  return memo.pending;
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
