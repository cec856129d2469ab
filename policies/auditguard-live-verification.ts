// auditguard-live-verification: one diagnostic for every live check that could not be completed, so an
// unverifiable recorder or trail is never mistaken for a healthy one. Advisory by default; raise it
// to mandatory to fail closed.

import { liveEntries, type LiveEntry } from "../lib/live/round";
import { type CheckFailure, FAILURE_TEXT } from "../lib/live/outcome";
import { DOCS_URL, type Finding, stackPolicy } from "../lib/policy-kit";

export const name = "auditguard-live-verification";
export const options = {};

const HINTS: Partial<Record<CheckFailure["reason"], string>> = {
  "no-credentials":
    "Give the pack credentials: the provider's keys or profile, the SDK's default chain (environment, profile, SSO, web identity), or a Pulumi ESC environment in the policy config.",
  "invalid-credentials": "Refresh or replace the credentials the provider uses.",
  "access-denied":
    "Grant the permission below to the identity the pack runs as (see the README's least-privilege policy).",
  throttled: "The API is rate-limited; run again later or lower the number of checks per region.",
  timeout: "Check network access to the endpoint, or raise timeoutSeconds in the policy config.",
  "endpoint-error": "Check the endpoint (provider endpoints, proxy, DNS) and network access.",
  "bad-target": "Check the resource's and provider's region, name and endpoint settings.",
};

export function describeFailure(e: LiveEntry<unknown>, f: CheckFailure): string {
  const where = [
    e.spec.region ? `region ${e.spec.region}` : "region unknown",
    e.spec.apiRegion ? `API region ${e.spec.apiRegion}` : "",
    e.spec.account ? `account ${e.spec.account}` : "",
    e.spec.endpoint ? `endpoint ${e.spec.endpoint}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const facts = [
    f.code ? `code ${f.code}` : "",
    f.httpStatus ? `HTTP ${f.httpStatus}` : "",
    f.requestId ? `request id ${f.requestId}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return (
    `Could not verify ${e.label} '${e.spec.target}' (${where}): ${FAILURE_TEXT[f.reason]} calling ${e.spec.action}` +
    `${f.detail ? `: ${f.detail}` : ""}${facts ? ` [${facts}]` : ""}. ` +
    `${HINTS[f.reason] ?? ""} Needed permission: ${f.permission ?? e.spec.permission}. Until this check completes, ${e.policyName} has not verified this resource.`
  ).replace(/\s+/g, " ");
}

export const policy = stackPolicy({
  name,
  description:
    "Every live recording/logging check completed; a check that could not (credentials, permissions, throttling, timeout, endpoint, bad reply) is reported here, never as a pass.",
  enforcementLevel: "advisory",
  severity: "medium",
  tags: ["aws", "alicloud", "live"],
  remediationSteps:
    "Read the diagnostic: it names the resource, region, account, API action and the permission needed. Fix credentials, permissions or network access, or raise timeoutSeconds.",
  url: DOCS_URL,
  options,
  async evaluate(view, _config, raw) {
    const entries = await liveEntries(name, view, raw);
    const findings: Finding[] = [];
    for (const e of entries) {
      if (!e.outcome.ok)
        findings.push({ ...(e.urn ? { urn: e.urn } : {}), message: describeFailure(e, e.outcome.failure) });
    }
    return findings;
  },
});
