// Org-wide sweeps: accounts and regions the account-coverage policies verify beyond the stack's own footprint
// (auditguard-live-verification `coverageTargets`). Each configured (account, region) becomes one more footprint
// entry: a resource-like place whose provider names the region and the account, so the coverage planners route it
// exactly as a stack's own resource (the audit-role template turns the account into the reader role to assume),
// and de-duplication, the round's memo, its limits and live-verification's undetermined reporting apply unchanged.
// A target no audit identity can reach is one undetermined check per cloud, never a pass nor a violation.

import { aliResolveTarget } from "../alicloud/target";
import { accountOfArn, resolveTarget } from "../aws/target";
import { packageConfig } from "../engine";
import type { StructuredOption } from "../options";
import type { PlainObject } from "../plain";
import type { ProviderView, ResourceView } from "../stack";
import { ambientKeys, type AuditIdentity, auditIdentityOf, LIVE_VERIFICATION_POLICY, needsAccount } from "./audit";
import { type CallSpec, failure, type FailureReason } from "./outcome";
import type { LiveKind, PlannedCheck } from "./round";

export type SweepCloud = "aws" | "alicloud";

/** One group of targets: every listed account in every listed region (an Alibaba account's Config check is per account). */
export interface CoverageTargetGroup {
  cloud: SweepCloud;
  accounts: readonly string[];
  regions: readonly string[];
}

const ACCOUNT_PATTERN: Record<SweepCloud, string> = { aws: "^[0-9]{12}$", alicloud: "^[0-9]{1,20}$" };
const REGION_PATTERN = "^[a-z]{2}(-[a-z0-9]+)+$";

function groupSchema(cloud: SweepCloud): Record<string, unknown> {
  return {
    type: "object",
    additionalProperties: false,
    required: ["cloud", "accounts", "regions"],
    properties: {
      cloud: { type: "string", enum: [cloud] },
      accounts: { type: "array", minItems: 1, items: { type: "string", pattern: ACCOUNT_PATTERN[cloud] } },
      regions: { type: "array", minItems: 1, items: { type: "string", pattern: REGION_PATTERN } },
    },
  };
}

function readGroups(v: unknown): readonly CoverageTargetGroup[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: CoverageTargetGroup[] = [];
  for (const g of v) {
    if (!g || typeof g !== "object" || Array.isArray(g)) return undefined;
    const { cloud, accounts, regions, ...others } = g as Record<string, unknown>;
    if (Object.keys(others).length > 0) return undefined;
    if (cloud !== "aws" && cloud !== "alicloud") return undefined;
    const strings = (x: unknown, pattern: string): string[] | undefined =>
      Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === "string" && new RegExp(pattern).test(s))
        ? (x as string[])
        : undefined;
    const a = strings(accounts, ACCOUNT_PATTERN[cloud]);
    const r = strings(regions, REGION_PATTERN);
    if (!a || !r) return undefined;
    out.push({ cloud, accounts: a, regions: r });
  }
  return out;
}

/**
 * auditguard-live-verification `coverageTargets`: one key for the four coverage policies, beside the audit role
 * it needs. The engine validates it against this schema; a value that does not have its shape is ignored.
 */
export const coverageTargetsOption: StructuredOption<readonly CoverageTargetGroup[]> = {
  type: "structured",
  default: [],
  description:
    'Accounts and regions the account-coverage policies verify beyond the stack\'s own, each through the audit role (awsAuditRole / alicloudAuditRole): a list of { "cloud": "aws" | "alicloud", "accounts": [...], "regions": [...] }, every account in every region of its group. Empty: only the stack\'s own accounts and regions.',
  schema: { type: "array", items: { oneOf: [groupSchema("aws"), groupSchema("alicloud")] } },
  read: readGroups,
};

/** A cloud whose targets cannot be reached: one undetermined check says why. */
export interface UnreachedTargets {
  cloud: SweepCloud;
  accounts: readonly string[];
  regions: readonly string[];
  reason: FailureReason;
  why: string;
  /** The call the check would have made first, and its permission. */
  action: string;
  permission: string;
}

export interface Sweep {
  /** Footprint entries, per cloud, one per distinct (account, region). */
  aws: ResourceView[];
  alicloud: ResourceView[];
  unreached: UnreachedTargets[];
}

const ROLE_KEY: Record<SweepCloud, string> = { aws: "awsAuditRole", alicloud: "alicloudAuditRole" };
const CLOUD_NAME: Record<SweepCloud, string> = { aws: "AWS", alicloud: "Alibaba Cloud" };

/** The targets of a live-verification config, as footprint entries routed through its audit identity. */
export function sweepOf(liveConfig: Record<string, unknown> | undefined): Sweep {
  const groups = readGroups(liveConfig?.["coverageTargets"]) ?? [];
  const audit = auditIdentityOf(liveConfig);
  const out: Sweep = { aws: [], alicloud: [], unreached: [] };
  for (const cloud of ["aws", "alicloud"] as const) {
    const pairs = new Map<string, { account: string; region: string }>();
    for (const g of groups) {
      if (g.cloud !== cloud) continue;
      for (const account of g.accounts) {
        for (const region of g.regions) pairs.set(`${account}|${region}`, { account, region });
      }
    }
    if (pairs.size === 0) continue;
    const entries = [...pairs.values()].map(({ account, region }) => targetEntry(cloud, account, region, audit));
    const accounts = [...new Set([...pairs.values()].map((p) => p.account))];
    const regions = [...new Set([...pairs.values()].map((p) => p.region))];
    const blocked = unreachable(cloud, entries[0] as ResourceView, audit);
    if (blocked) {
      out.unreached.push({ cloud, accounts, regions, ...blocked });
      continue;
    }
    const misrouted = new Map<string, { why: string; role: string; regions: Map<string, string[]> }>();
    for (const entry of entries) {
      const wrong = misroute(cloud, entry, audit);
      if (!wrong) {
        out[cloud].push(entry);
        continue;
      }
      const account = entry.account ?? "";
      const group = misrouted.get(wrong.why) ?? { ...wrong, regions: new Map<string, string[]>() };
      group.regions.set(account, [...(group.regions.get(account) ?? []), regionOfEntry(cloud, entry)]);
      misrouted.set(wrong.why, group);
    }
    out.unreached.push(...misroutedTargets(cloud, misrouted));
  }
  return out;
}

/** Why no target of the cloud can be reached (checked on one: they differ only in account and region). */
function unreachable(
  cloud: SweepCloud,
  sample: ResourceView,
  audit: AuditIdentity | undefined,
): Omit<UnreachedTargets, "cloud" | "accounts" | "regions"> | undefined {
  const role = cloud === "aws" ? audit?.awsRole : audit?.alicloudRole;
  const assume = cloud === "aws" ? "sts:AssumeRole" : "sts:AssumeRole (RAM)";
  if (!role) {
    // The pack's own credentials name one account at most: checking another account's region with them would
    // report on the wrong account.
    return {
      reason: "no-credentials",
      why:
        `coverageTargets lists ${CLOUD_NAME[cloud]} accounts, but auditguard-live-verification sets no ${ROLE_KEY[cloud]}, ` +
        `so no identity reaches them: set ${ROLE_KEY[cloud]} (e.g. ${cloud === "aws" ? "arn:aws:iam::{account}:role/auditguard-reader" : "acs:ram::{account}:role/auditguard-reader"}) ` +
        "and deploy that reader role in every listed account",
      action: "AssumeRole",
      permission: `${assume} on the reader role of each listed account (${ROLE_KEY[cloud]} unset)`,
    };
  }
  const region = String(sample.props[cloud === "aws" ? "region" : "regionId"]);
  const routed =
    cloud === "aws"
      ? resolveTarget(sample, "cloudtrail", region, undefined, audit)
      : aliResolveTarget(sample, { protocol: "HTTPS", host: "unused" }, undefined, audit);
  if (routed.ok) return undefined;
  return {
    reason: routed.reason ?? "bad-target",
    why: `the identity that assumes ${ROLE_KEY[cloud]} for coverageTargets cannot be used: ${routed.why}`,
    action: "AssumeRole",
    permission: `${assume} on ${role}`,
  };
}

function regionOfEntry(cloud: SweepCloud, entry: ResourceView): string {
  return String(entry.props[cloud === "aws" ? "region" : "regionId"]);
}

/**
 * Why an entry's calls would not be about its own account, if they would not: the role its calls are made as (the
 * audit role, last of its credentials) names another account. A target checked as another account would report
 * that account's trails and recorders as its own, or be merged with it and never checked: it is undetermined.
 */
function misroute(
  cloud: SweepCloud,
  entry: ResourceView,
  audit: AuditIdentity | undefined,
): { why: string; role: string } | undefined {
  const account = entry.account ?? "";
  const region = regionOfEntry(cloud, entry);
  let resolved: { account: string | undefined; role: string | undefined };
  if (cloud === "aws") {
    const t = resolveTarget(entry, "cloudtrail", region, undefined, audit);
    if (!t.ok) return undefined; // reported by the coverage planners as for any footprint entry
    const roles = t.value.credentials.assumeRoles;
    resolved = { account: t.value.account, role: roles[roles.length - 1]?.roleArn };
  } else {
    const t = aliResolveTarget(entry, { protocol: "HTTPS", host: "unused" }, account, audit);
    if (!t.ok) return undefined;
    resolved = { account: t.value.account, role: t.value.credentials.auditRole?.roleArn };
  }
  const roleAccount =
    cloud === "aws" ? accountOfArn(resolved.role) : /^acs:ram::(\d+):role\//i.exec(resolved.role ?? "")?.[1];
  const template = (cloud === "aws" ? audit?.awsRole : audit?.alicloudRole) ?? "";
  if (roleAccount !== undefined && roleAccount !== account) {
    const why = needsAccount(template)
      ? `the role its calls would be made as (${resolved.role ?? ""}) is in account ${roleAccount}, not in the target's account`
      : `${ROLE_KEY[cloud]} names one account (${roleAccount}); a sweep of other accounts needs \`{account}\` in the template (e.g. ${cloud === "aws" ? "arn:aws:iam::{account}:role/auditguard-reader" : "acs:ram::{account}:role/auditguard-reader"})`;
    return { why, role: resolved.role ?? template };
  }
  if (resolved.account !== account) {
    return {
      why: `its calls would be about account ${resolved.account ?? "(unknown)"}, not the target's account`,
      role: resolved.role ?? template,
    };
  }
  return undefined;
}

/** Misrouted targets, one undetermined check per reason and set of regions (each an exact accounts × regions). */
function misroutedTargets(
  cloud: SweepCloud,
  misrouted: Map<string, { why: string; role: string; regions: Map<string, string[]> }>,
): UnreachedTargets[] {
  const out: UnreachedTargets[] = [];
  for (const { why, role, regions } of misrouted.values()) {
    const byRegions = new Map<string, { accounts: string[]; regions: string[] }>();
    for (const [account, list] of regions) {
      const key = list.join(",");
      const group = byRegions.get(key) ?? { accounts: [], regions: list };
      group.accounts.push(account);
      byRegions.set(key, group);
    }
    for (const g of byRegions.values()) {
      out.push({
        cloud,
        accounts: g.accounts,
        regions: g.regions,
        reason: "bad-target",
        why: `coverageTargets cannot be checked as their own account${g.accounts.length > 1 ? "s" : ""}: ${why}`,
        action: "AssumeRole",
        permission: `${cloud === "aws" ? "sts:AssumeRole" : "sts:AssumeRole (RAM)"} on the reader role of each listed account (${ROLE_KEY[cloud]} resolves to ${role})`,
      });
    }
  }
  return out;
}

/**
 * One target as a footprint entry. Its provider is the stack's default provider for the cloud (its stack config:
 * endpoints, proxy, credentials) placed in the target's region and account: AWS `allowedAccountIds`, Alibaba
 * `accountId`, which the audit-role template turns into the account's reader role; the entry's `account` makes that
 * account authoritative over any role the stack config's provider assumes (AWS `assumeRoles`, web identity), so the
 * provider's role chain is kept: under the `provider` source the reader role is assumed by its last role, as for
 * the stack's own resources (under `ambient` the chain is not used).
 * Under the ambient source, the Alibaba provider carries the hub keys so its resolution has a source at all (the
 * audit role replaces it with those same keys).
 */
function targetEntry(
  cloud: SweepCloud,
  account: string,
  region: string,
  audit: AuditIdentity | undefined,
): ResourceView {
  const base: PlainObject = { ...packageConfig(cloud) };
  for (const key of ["region", "allowedAccountIds", "forbiddenAccountIds", "accountId"])
    Reflect.deleteProperty(base, key);
  let props: PlainObject;
  if (cloud === "aws") {
    // One STS region per partition (unless the stack config sets stsRegion): the pack assumes a role once per
    // credentials and STS region, so each account's reader role is assumed once, not once per swept region.
    // Regional STS endpoints issue sessions valid in every Region, opt-in Regions included.
    const stsRegion = typeof base["stsRegion"] === "string" && base["stsRegion"] ? base["stsRegion"] : stsHome(region);
    props = { ...base, region, stsRegion, allowedAccountIds: JSON.stringify([account]) };
  } else {
    props = { ...base, region, accountId: account };
    const hub = audit?.source === "ambient" ? ambientKeys("alicloud") : undefined;
    if (hub) {
      props["accessKey"] = hub.accessKeyId;
      props["secretKey"] = hub.secret;
      if (hub.token) props["securityToken"] = hub.token;
    }
  }
  const name = `coverageTargets ${cloud} ${account} ${region}`;
  const provider: ProviderView = {
    urn: `coverageTargets:${cloud}:${account}:${region}`,
    name,
    type: `pulumi:providers:${cloud}`,
    props,
  };
  return {
    urn: `coverageTargets (${CLOUD_NAME[cloud]} account ${account}, region ${region})`,
    name,
    type: `auditguard:coverageTargets:${cloud}`,
    props: cloud === "aws" ? { region } : { regionId: region },
    provider,
    exists: true,
    account,
  };
}

/** The partition's first Region (enabled in every account of it): where a sweep's AWS roles are assumed. */
function stsHome(region: string): string {
  if (region.startsWith("cn-")) return "cn-north-1";
  if (region.startsWith("us-gov-")) return "us-gov-west-1";
  return "us-east-1";
}

function summary(list: readonly string[]): string {
  return list.length <= 3 ? list.join(", ") : `${list.slice(0, 3).join(", ")} and ${list.length - 3} more`;
}

/** The sweep's own checks: one undetermined check per cloud whose targets no identity reaches. */
export const sweepKind: LiveKind<never> = {
  id: "coverage-targets",
  label: "coverage targets",
  policyName: LIVE_VERIFICATION_POLICY,
  plan(view) {
    return (view.sweep?.unreached ?? []).map((u): PlannedCheck<never> => {
      const spec: CallSpec = {
        cloud: u.cloud,
        action: u.action,
        permission: u.permission,
        region: summary(u.regions),
        account: summary(u.accounts),
        target: `coverageTargets: ${u.accounts.length} ${CLOUD_NAME[u.cloud]} account(s) × ${u.regions.length} region(s)`,
      };
      return { urn: "", spec, outcome: failure(u.reason, u.why, { permission: u.permission }) };
    });
  },
};
