// auditguard-live-verification: one diagnostic for every live check that could not be completed, so an
// unverifiable recorder or trail is never mistaken for a healthy one. Advisory by default; raise it
// to mandatory to fail closed.

import { auditOptions, LIVE_VERIFICATION_POLICY } from "../lib/live/audit";
import { liveEntries, type LiveEntry } from "../lib/live/round";
import { coverageTargetsOption } from "../lib/live/sweep";
import { type CallSpec, type CheckFailure, FAILURE_TEXT } from "../lib/live/outcome";
import { DOCS_URL, type Finding, stackPolicy } from "../lib/policy-kit";

export const name = LIVE_VERIFICATION_POLICY;
/**
 * The audit identity every live call is made as (docs/org-coverage.md: org-wide audit identity), and the accounts and regions the
 * coverage policies sweep through it (docs/sweeps.md): one place for both, since a target needs the role.
 */
export const options = { ...auditOptions, coverageTargets: coverageTargetsOption };

/** Where each cloud's credentials can come from: the AWS SDK has a default chain, the Alibaba provider has none. */
const NO_CREDENTIALS_HINT: Record<CallSpec["cloud"], string> = {
  aws: "Give the pack credentials: the provider's keys or profile, the SDK's default chain (environment, profile, SSO, web identity), or a Pulumi ESC environment in the policy config.",
  alicloud:
    "Give the pack credentials: the provider's accessKey/secretKey, profile, credentialsUri, ecsRoleName or assumeRoleWithOidc, or their environment variables (e.g. ALIBABA_CLOUD_ACCESS_KEY_ID), for instance from a Pulumi ESC environment in the policy config.",
};

const HINTS: Partial<Record<CheckFailure["reason"], string>> = {
  "invalid-credentials": "Refresh or replace the credentials the provider uses.",
  "region-not-enabled":
    "Enable the Region for the account (AWS Account Management, Regions: an opt-in Region is off until enabled), or deploy elsewhere; if it is enabled, get session tokens from a regional STS endpoint (version 1 tokens from the global endpoint are valid only in Regions enabled by default).",
  "access-denied":
    "Grant the permission below to the identity the pack runs as (see the pack's least-privilege policy, docs/permissions.md).",
  throttled: "The API is rate-limited; run again later or lower the number of checks per region.",
  timeout: "Check network access to the endpoint, or raise timeoutSeconds in the policy config.",
  "endpoint-error": "Check the endpoint (provider endpoints, proxy, DNS) and network access.",
  "bad-target": "Check the resource's and provider's region, name and endpoint settings.",
  "wrong-account":
    "The pack resolved credentials of another account than the resource's, so a \"not found\" says nothing about it: give the pack the provider's own credentials, profile or roles (or check the resource's account).",
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
    `${(f.reason === "no-credentials" ? NO_CREDENTIALS_HINT[e.spec.cloud] : HINTS[f.reason]) ?? ""} Needed permission: ${f.permission ?? e.spec.permission}. Until this check completes, ${e.policyName} has not verified this resource.`
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
    // Coverage checks of one account and region reached through several providers fail alike: say it once.
    const said = new Set<string>();
    for (const e of entries) {
      if (e.outcome.ok) continue;
      const message = describeFailure(e, e.outcome.failure);
      if (said.has(`${e.urn}|${message}`)) continue;
      said.add(`${e.urn}|${message}`);
      const advisory = e.outcome.failure.advisoryOnly === true;
      findings.push({ ...(e.urn ? { urn: e.urn } : {}), message, ...(advisory ? { advisory } : {}) });
    }
    return findings;
  },
});
