// The Alibaba Cloud account behind a set of credentials: STS GetCallerIdentity (2015-04-01, needs no RAM
// permission), asked once per distinct credential set per round. `target.endpoint` is the STS host to call.

import { failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { call, classifyAli } from "./sdk";
import { aliAccountSourceOf, type AliTarget } from "./target";

export async function aliCallerIdentity(
  ctx: RoundContext,
  audited: AliTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<{ account: string; arn: string }>> {
  // An audit role still waiting for its account is in the provider's account: ask as the provider.
  const target = aliAccountSourceOf(audited, audited.endpoint) ?? audited;
  // Shared while in flight and once answered; a failure is forgotten, so a retry asks again.
  const memo = ctx.memo(`ali:identity:${target.credentialsId}:${target.endpoint.host}`, () => ({
    pending: undefined as Promise<Outcome<{ account: string; arn: string }>> | undefined,
  }));
  if (!memo.pending) {
    const p = ask(ctx, target, timeoutMs, signal);
    memo.pending = p;
    void p.then((o) => {
      if (!o.ok && memo.pending === p) memo.pending = undefined;
    });
  }
  return memo.pending;
}

async function ask(
  ctx: RoundContext,
  target: AliTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<{ account: string; arn: string }>> {
  try {
    const body = await call(ctx, target, { action: "GetCallerIdentity", version: "2015-04-01" }, {}, timeoutMs, signal);
    const account = body["AccountId"];
    if (typeof account !== "string" || !/^\d+$/.test(account)) {
      return failure("malformed-reply", "AccountId is missing or not numeric");
    }
    return success({ account, arn: typeof body["Arn"] === "string" ? body["Arn"] : "" });
  } catch (e) {
    return { ok: false, failure: classifyAli(e) };
  }
}
