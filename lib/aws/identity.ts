// The AWS account behind a set of credentials: STS GetCallerIdentity (needs no IAM permission). Asked once
// per distinct credential set per round; the STS client is loaded only when asked.

import { failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { classify, clientConfig } from "./sdk";
import type { AwsTarget } from "./target";

type StsModule = typeof import("@aws-sdk/client-sts");

export async function callerIdentity(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<{ account: string; arn: string }>> {
  // Shared while in flight and once answered; a failure is forgotten, so a retry asks again.
  const memo = ctx.memo(`aws:identity:${target.credentialsId}:${target.stsEndpoint ?? ""}`, () => ({
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
  target: AwsTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<{ account: string; arn: string }>> {
  try {
    process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
    const sts = require("@aws-sdk/client-sts") as StsModule;
    const region = target.stsRegion ?? target.region;
    const client = ctx.memo(`aws:sts:${region}:${target.stsEndpoint ?? ""}:${target.credentialsId}`, () => {
      const c = new sts.STSClient({ ...clientConfig(ctx, target, target.stsEndpoint, timeoutMs), region });
      ctx.onDispose(() => c.destroy());
      return c;
    });
    const out = await client.send(new sts.GetCallerIdentityCommand({}), { abortSignal: signal });
    const account = out.Account;
    if (typeof account !== "string" || !/^\d{12}$/.test(account)) {
      return failure("malformed-reply", "Account is missing or not a 12-digit account id");
    }
    return success({ account, arn: typeof out.Arn === "string" ? out.Arn : "" });
  } catch (e) {
    return { ok: false, failure: classify(e) };
  }
}
