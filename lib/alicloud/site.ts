// Which Cloud Config site knows the account, when neither the policy, the provider's accountType nor
// ALIBABA_CLOUD_ACCOUNT_TYPE says: ask both sites (GetConfigurationRecorder, a read) and decide from both
// answers. Decided once per credential set per round; an undecidable pair of answers is a failure naming both,
// never "not enabled".
//
// What a site answers for an account of the other site is not documented. The rule therefore never takes
// "not enabled" from one site while the other's answer is unknown:
//   - a recorder that is on (REGISTERED, BUILDING, REBUILDING) wins over "not enabled" (REGISTRABLE, or
//     AccountNotExisted) from the other site;
//   - "not enabled" on both sites is not enabled;
//   - a site that rejects the credentials (InvalidAccessKeyId, …) does not know them: the other site's answer,
//     whatever it is, stands alone;
//   - two recorders that are on agree only if they say the same; anything else (a failure, an unrecognised
//     status, two different recorders) is undetermined.

import { failure, type FailureReason, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { type AliNotFound, type AliRecorder, getConfigurationRecorder } from "./sdk";
import type { AliTarget, ConfigSite } from "./target";

export interface SiteAnswer {
  site: ConfigSite;
  recorder: AliRecorder | AliNotFound;
}

const SITES: readonly ConfigSite[] = ["china", "international"];
const ON: ReadonlySet<string> = new Set(["REGISTERED", "BUILDING", "REBUILDING"]);

type Said = { site: ConfigSite; outcome: Outcome<AliRecorder | AliNotFound> };
/** What one site's answer says about the account. */
type Reading = "on" | "off" | "rejected" | "unknown";

function readingOf(o: Outcome<AliRecorder | AliNotFound>): Reading {
  if (!o.ok) return o.failure.reason === "invalid-credentials" ? "rejected" : "unknown";
  if (!o.value.found || o.value.status === "REGISTRABLE") return "off";
  return ON.has(o.value.status) ? "on" : "unknown";
}

function sameRecorder(a: AliRecorder | AliNotFound, b: AliRecorder | AliNotFound): boolean {
  if (!a.found || !b.found) return false;
  const types = (r: AliRecorder): string => JSON.stringify([...(r.resourceTypes ?? [])].sort());
  return a.status === b.status && types(a) === types(b);
}

/**
 * The decision from both sites' answers, or undefined when it cannot be made. Exported for the table test.
 */
export function decideConfigSite(answers: readonly Said[]): SiteAnswer | undefined {
  const [china, intl] = SITES.map((site) => answers.find((a) => a.site === site));
  if (!china || !intl) return undefined;
  const value = (a: Said): AliRecorder | AliNotFound | undefined => (a.outcome.ok ? a.outcome.value : undefined);
  const pick = (a: Said): SiteAnswer | undefined => {
    const v = value(a);
    return v ? { site: a.site, recorder: v } : undefined;
  };
  const [c, i] = [readingOf(china.outcome), readingOf(intl.outcome)];
  // One site does not know the credentials: the other's own answer stands, if it is one.
  if (c === "rejected") return i === "rejected" ? undefined : pick(intl);
  if (i === "rejected") return pick(china);
  if (c === "on" && i === "off") return pick(china);
  if (i === "on" && c === "off") return pick(intl);
  // Not enabled on either site: the China site's answer, as both say the same.
  if (c === "off" && i === "off") return pick(china);
  if (c === "on" && i === "on") {
    const [a, b] = [value(china), value(intl)];
    return a && b && sameRecorder(a, b) ? pick(china) : undefined;
  }
  return undefined;
}

/** How one site's answer reads in a diagnostic. */
function describe(a: Said, host: string): string {
  const o = a.outcome;
  const what = o.ok
    ? o.value.found
      ? `recorder ${o.value.status}`
      : "Cloud Config not enabled (AccountNotExisted)"
    : `${o.failure.reason} (${o.failure.detail})`;
  return `${a.site} (${host}): ${what}`;
}

/**
 * `targets` holds the same credentials at each site's host; both are asked at once and the answer is decided
 * from both (decideConfigSite).
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
  const answers: Said[] = await Promise.all(
    SITES.map(async (site) => ({
      site,
      outcome: await getConfigurationRecorder(ctx, targets[site], timeoutMs, signal),
    })),
  );
  const answer = decideConfigSite(answers);
  if (answer) {
    decided.set(key, answer);
    return success(answer);
  }
  const said = answers.map((a) => describe(a, targets[a.site].endpoint.host)).join("; ");
  // A failure on either site keeps its reason (a retryable one makes the round ask again); else the answers
  // themselves could not be reconciled.
  const failed = answers.find((a) => !a.outcome.ok && a.outcome.failure.reason !== "invalid-credentials");
  const rejected = answers.find((a) => !a.outcome.ok);
  const first = failed ?? rejected;
  const reason: FailureReason = first && !first.outcome.ok ? first.outcome.failure.reason : "unexpected-error";
  return failure(
    reason,
    `the Cloud Config site of the account could not be determined (${said}); set the policy's configSite or the provider's accountType`,
  );
}
