// Who answers: STS GetCallerIdentity for the credentials a target resolves to (no IAM permission needed;
// it cannot be denied). Asked once per credential set per round, so a "not found" is believed only from
// the resource's own account. @aws-sdk/client-sts is loaded on first use.

import { type Outcome, failure, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { classifyAt, credentialsProvider, stsClientConfig } from "./sdk";
import { accountSourceOf, type AwsTarget } from "./target";

type StsModule = typeof import("@aws-sdk/client-sts");

export interface CallerIdentity {
  account: string;
  arn: string;
}

export async function callerIdentity(
  ctx: RoundContext,
  audited: AwsTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<{ account: string; arn: string }>> {
  // An audit role still waiting for its account is in the provider's account: ask as the provider, once.
  const target = accountSourceOf(audited) ?? audited;
  const key = `aws:caller:${target.credentialsId}:${target.stsEndpoint ?? ""}:${target.stsRegion ?? ""}`;
  const memo = ctx.memo(key, () => ({ pending: undefined as Promise<Outcome<CallerIdentity>> | undefined }));
  if (!memo.pending) {
    const p = ask(ctx, target, timeoutMs, signal);
    memo.pending = p;
    // A failed answer is not kept: the round's next attempt asks again.
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
): Promise<Outcome<CallerIdentity>> {
  try {
    process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
    const sts = require("@aws-sdk/client-sts") as StsModule;
    const client = ctx.memo(
      `aws:sts-client:${target.credentialsId}:${target.stsEndpoint ?? ""}:${target.stsRegion ?? target.region}`,
      () => {
        const c = new sts.STSClient({
          ...stsClientConfig(ctx, target, timeoutMs),
          credentials: credentialsProvider(ctx, target, timeoutMs),
        });
        ctx.onDispose(() => c.destroy());
        return c;
      },
    );
    const out = await client.send(new sts.GetCallerIdentityCommand({}), { abortSignal: signal });
    if (typeof out.Account !== "string" || !/^\d{12}$/.test(out.Account) || typeof out.Arn !== "string") {
      return failure("malformed-reply", "GetCallerIdentity returned no account id and ARN");
    }
    return success({ account: out.Account, arn: out.Arn });
  } catch (e) {
    return { ok: false, failure: classifyAt(e, target.stsRegion ?? target.region) };
  }
}
