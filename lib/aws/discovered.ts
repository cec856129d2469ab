// Resources as a Pulumi Cloud audit group for cloud accounts (Discovery) hands them to resource policies: one at a
// time, usually without a provider, in a shape that is not public. What any shape carries is read first (the ARN:
// account, region, name; the URN, whose project is the account and whose stack is `<account>/<region>`), then the
// classic properties where present. Pure planning: the calls are lib/aws/sdk.ts's, made through a resource round.

import { auditRoleFor, type AuditIdentity, needsAccount } from "../live/audit";
import { failure, type CallSpec } from "../live/outcome";
import type { PlannedCheck } from "../live/round";
import { field, knownStr } from "../plain";
import type { ResourceView } from "../stack";
import { AWS_ACTIONS, planAws } from "./kinds";
import type { NotFound, RecorderStatus, TrailStatus } from "./sdk";
import {
  accountOfArn,
  AMBIENT_ENV_NAMES,
  ambientEnvironmentBase,
  AUDIT_SESSION_NAME,
  type AwsCredentialSpec,
  regionOfArn,
  resolveTarget,
  type Resolution,
  type AwsTarget,
  withCredentials,
} from "./target";

/** Where a discovered resource lives and what it is called, from whatever its shape carries. */
export interface DiscoveredFacts {
  /** From the ARN, else the URN's project (a 12-digit account id). */
  account: string | undefined;
  /** `homeRegion`, the ARN's region, `region`, else the URN's stack `<account>/<region>`. */
  region: string | undefined;
  arn: string | undefined;
  /** `name`, else the resource name (the URN's last part). */
  name: string | undefined;
  /** The URN is Discovery's: its project is an account id and its stack `<account>/<region>`. */
  discoveryUrn: boolean;
}

/** The parts of `urn:pulumi:<stack>::<project>::<type>::<name>`; undefined when it is not one. */
export function urnParts(urn: string): { stack: string; project: string; type: string; name: string } | undefined {
  if (!urn.startsWith("urn:pulumi:")) return undefined;
  const parts = urn.slice("urn:pulumi:".length).split("::");
  if (parts.length < 4) return undefined;
  const [stack = "", project = "", type = ""] = parts;
  return { stack, project, type, name: parts.slice(3).join("::") };
}

export function discoveredFacts(r: ResourceView): DiscoveredFacts {
  const idOutput = knownStr(field(r.props, "id"));
  const arn = knownStr(field(r.props, "arn")) ?? (idOutput?.startsWith("arn:") ? idOutput : undefined);
  const urn = urnParts(r.urn);
  const urnAccount = urn && /^\d{12}$/.test(urn.project) ? urn.project : undefined;
  const stackParts = urn?.stack.split("/") ?? [];
  const urnRegion = stackParts.length === 2 && stackParts[0] === urnAccount ? stackParts[1] : undefined;
  const name = knownStr(field(r.props, "name")) ?? (urn?.name || r.name || undefined);
  return {
    account: accountOfArn(arn) ?? urnAccount,
    region:
      knownStr(field(r.props, "homeRegion")) ?? regionOfArn(arn) ?? knownStr(field(r.props, "region")) ?? urnRegion,
    arn,
    name,
    discoveryUrn: urnRegion !== undefined,
  };
}

/**
 * Where a call for a discovered resource (no provider) goes: the resource's region and the environment's endpoint
 * settings, signed with the pack's environment keys (ambientEnvironmentBase), as the audit role of the resource's
 * account when auditguard-live-verification sets one. The role's source setting does not matter here: there is no
 * provider to assume it from. The account (ARN, else URN) is the one a "not found" must come from to be believed.
 */
export function discoveredResolver(audit: AuditIdentity | undefined, facts: DiscoveredFacts): typeof resolveTarget {
  return (r, service, region, arn) => {
    const target = resolveTarget(r, service, region, arn, undefined);
    if (!target.ok) return target;
    return ambientTarget(target.value, audit, facts.account);
  };
}

function ambientTarget(
  t: AwsTarget,
  audit: AuditIdentity | undefined,
  account: string | undefined,
): Resolution<AwsTarget> {
  const base = ambientEnvironmentBase();
  if (!base) {
    return {
      ok: false,
      unknown: false,
      reason: "no-credentials",
      why: `the resource has no provider and the pack's environment has no keys (${AMBIENT_ENV_NAMES}); attach an ESC environment to the pack that sets them`,
    };
  }
  const credentials: AwsCredentialSpec = { base, assumeRoles: [] };
  const template = audit?.awsRole;
  if (template) {
    const roleArn = account ? auditRoleFor(template, account) : template;
    if (needsAccount(roleArn)) {
      return {
        ok: false,
        unknown: false,
        why: "the audit role needs the resource's account, which neither its ARN nor its URN's project names",
      };
    }
    credentials.assumeRoles.push({ roleArn, sessionName: AUDIT_SESSION_NAME });
  }
  const acct = t.account ?? account;
  return {
    ok: true,
    value: {
      ...withCredentials(t, credentials),
      account: acct,
      ...(t.expectedAccounts || !acct ? {} : { expectedAccounts: { accounts: [acct], kind: "arn" as const } }),
    },
  };
}

/** A discovered resource without a region or any way to be named gets one undetermined check, no call. */
function undetermined<T>(r: ResourceView, api: { action: string; permission: string }, why: string): PlannedCheck<T>[] {
  const spec: CallSpec = {
    cloud: "aws",
    action: api.action,
    permission: api.permission,
    region: undefined,
    account: undefined,
    target: r.name,
  };
  return [{ urn: r.urn, spec, outcome: failure("bad-target", why) }];
}

/** GetTrailStatus for a discovered trail: by ARN when it has one (in its home region), else by name in its region. */
export function planDiscoveredTrail(
  r: ResourceView,
  facts: DiscoveredFacts,
  audit: AuditIdentity | undefined,
  timeoutMs: number,
): PlannedCheck<TrailStatus | NotFound>[] {
  const id = facts.arn ?? facts.name;
  if (!id) return undetermined(r, AWS_ACTIONS.trail, "the trail has neither an ARN nor a name");
  return planAws(
    r,
    "cloudtrail",
    AWS_ACTIONS.trail,
    id,
    facts.region,
    facts.arn,
    timeoutMs,
    (sdk, ctx, target, signal) => sdk.getTrailStatus(ctx, target, id, timeoutMs, signal),
    discoveredResolver(audit, facts),
  );
}

/** DescribeConfigurationRecorderStatus by the recorder's name, in the resource's region (Recorder or RecorderStatus). */
export function planDiscoveredRecorder(
  r: ResourceView,
  facts: DiscoveredFacts,
  audit: AuditIdentity | undefined,
  timeoutMs: number,
): PlannedCheck<RecorderStatus | NotFound>[] {
  const name = facts.name;
  if (!name) return undetermined(r, AWS_ACTIONS.recorder, "the recorder has no name");
  return planAws(
    r,
    "config",
    AWS_ACTIONS.recorder,
    name,
    facts.region,
    facts.arn,
    timeoutMs,
    (sdk, ctx, target, signal) => sdk.describeRecorderStatus(ctx, target, name, timeoutMs, signal),
    discoveredResolver(audit, facts),
  );
}
