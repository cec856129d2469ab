// Which Cloud Config site knows the account, when neither the policy, the provider's accountType nor
// ALIBABA_CLOUD_ACCOUNT_TYPE says: ask both sites (GetConfigurationRecorder, a read) and keep the one that
// knows the account. Decided once per credential set per round; an undecidable answer is a failure, never
// "not enabled".

import { failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { type AliNotFound, type AliRecorder, getConfigurationRecorder } from "./sdk";
import type { AliTarget, ConfigSite } from "./target";

export interface SiteAnswer {
  site: ConfigSite;
  recorder: AliRecorder | AliNotFound;
}

const SITES: readonly ConfigSite[] = ["china", "international"];

/**
 * `targets` holds the same credentials at each site's host. A site that returns the recorder knows the
 * account; if none does, a site answering AccountNotExisted knows the account (Cloud Config not enabled)
 * when the other rejects the credentials; both saying AccountNotExisted means not enabled on either.
 */
export async function probeConfigSite(
  ctx: RoundContext,
  targets: Readonly<Record<ConfigSite, AliTarget>>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<SiteAnswer>> {
  const decided = ctx.memo("ali:config-sites", () => new Map<string, SiteAnswer>());
  const key = targets.china.credentialsId;
  const known = decided.get(key);
  if (known) return success(known);
  const answers = await Promise.all(
    SITES.map(async (site) => ({
      site,
      outcome: await getConfigurationRecorder(ctx, targets[site], timeoutMs, signal),
    })),
  );
  const found = answers.find((a) => a.outcome.ok && a.outcome.value.found);
  const notFound = answers.filter((a) => a.outcome.ok && !a.outcome.value.found);
  const rejected = answers.filter((a) => !a.outcome.ok && a.outcome.failure.reason === "invalid-credentials");
  let answer: SiteAnswer | undefined;
  if (found?.outcome.ok) answer = { site: found.site, recorder: found.outcome.value };
  else if (notFound.length === 2 && notFound[0]?.outcome.ok)
    answer = { site: "china", recorder: notFound[0].outcome.value };
  else if (notFound.length === 1 && rejected.length === 1 && notFound[0]?.outcome.ok)
    answer = { site: notFound[0].site, recorder: notFound[0].outcome.value };
  if (answer) {
    decided.set(key, answer);
    return success(answer);
  }
  const said = answers
    .map(
      (a) =>
        `${a.site} (${targets[a.site].endpoint.host}): ${a.outcome.ok ? "recorder found" : `${a.outcome.failure.reason} (${a.outcome.failure.detail})`}`,
    )
    .join("; ");
  // A retryable failure on either site keeps its reason, so the round retries the probe.
  const first = answers.find((a) => !a.outcome.ok);
  const reason = first && !first.outcome.ok ? first.outcome.failure.reason : "unexpected-error";
  return failure(
    reason,
    `the Cloud Config site of the account could not be determined (${said}); set the policy's configSite or the provider's accountType`,
  );
}
