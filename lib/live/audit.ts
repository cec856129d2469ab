// The audit identity for org-wide use: an optional read-only role per account that every live call of the
// round is made as, assumed from the resource's provider credentials or from the pack's own environment.
// Configured on auditguard-live-verification (it governs every live call); applied in one place per cloud
// (lib/aws/target.ts withAuditRole, lib/alicloud/target.ts withAliAuditRole), while the round plans.

import { type EnumOption, readOptions, type TextOption } from "../options";
import { registerSecret } from "../redact";

export const LIVE_VERIFICATION_POLICY = "auditguard-live-verification";

/** The placeholder a role template carries for the target account id. */
export const ACCOUNT_PLACEHOLDER = "{account}";

export type AuditRoleSource = "provider" | "ambient";

export const auditOptions = {
  awsAuditRole: {
    type: "string",
    default: "",
    pattern: "^$|^arn:aws[a-z-]*:iam::(\\d{12}|\\{account\\}):role/.+$",
    description:
      "Role every AWS live call is made as, e.g. arn:aws:iam::{account}:role/auditguard-reader ({account} = the target account id). Empty: the provider's own credentials.",
  } satisfies TextOption,
  alicloudAuditRole: {
    type: "string",
    default: "",
    pattern: "^$|^acs:ram::(\\d+|\\{account\\}):role/.+$",
    description:
      "RAM role every Alibaba Cloud live call is made as, e.g. acs:ram::{account}:role/auditguard-reader. Empty: the provider's own credentials.",
  } satisfies TextOption,
  auditRoleSource: {
    type: "string",
    enum: ["provider", "ambient"],
    default: "provider",
    description:
      "Who assumes the audit role: provider (the resource's provider credentials) or ambient (the pack's own hub keys AUDITGUARD_AWS_* / AUDITGUARD_ALIBABA_CLOUD_*, e.g. from a Pulumi ESC environment, else its default credential chain).",
  } satisfies EnumOption<AuditRoleSource>,
};

export interface AuditIdentity {
  /** Role ARN templates; undefined = off for that cloud. */
  awsRole: string | undefined;
  alicloudRole: string | undefined;
  source: AuditRoleSource;
}

/** The audit identity a policy config asks for; undefined when neither cloud has a role. */
export function auditIdentityOf(raw: Record<string, unknown> | undefined): AuditIdentity | undefined {
  const o = readOptions(auditOptions, raw);
  if (!o.awsAuditRole && !o.alicloudAuditRole) return undefined;
  return {
    awsRole: o.awsAuditRole || undefined,
    alicloudRole: o.alicloudAuditRole || undefined,
    source: o.auditRoleSource,
  };
}

/**
 * Hub keys for the ambient source alone, e.g. from an ESC environment attached to the pack. The CLI sets such an
 * environment's variables on top of its own for the pack process, so under the usual AWS_* / ALIBABA_CLOUD_*
 * names they would also stand in for the deployer's credentials wherever a provider declares none (the pack reads
 * such a provider's default chain from its own environment): the hub would name the account, and audit itself.
 * Under these names they reach the ambient source only. Without them, the ambient source is the default chain.
 */
export const AMBIENT_KEY_ENV = {
  aws: {
    accessKeyId: "AUDITGUARD_AWS_ACCESS_KEY_ID",
    secret: "AUDITGUARD_AWS_SECRET_ACCESS_KEY",
    token: "AUDITGUARD_AWS_SESSION_TOKEN",
  },
  alicloud: {
    accessKeyId: "AUDITGUARD_ALIBABA_CLOUD_ACCESS_KEY_ID",
    secret: "AUDITGUARD_ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    token: "AUDITGUARD_ALIBABA_CLOUD_SECURITY_TOKEN",
  },
} as const;

/** The hub keys in the pack's environment for the ambient source (both key id and secret), else undefined. */
export function ambientKeys(
  cloud: keyof typeof AMBIENT_KEY_ENV,
): { accessKeyId: string; secret: string; token: string | undefined } | undefined {
  const names = AMBIENT_KEY_ENV[cloud];
  const accessKeyId = process.env[names.accessKeyId]?.trim();
  const secret = process.env[names.secret]?.trim();
  if (!accessKeyId || !secret) return undefined;
  registerSecret(secret);
  const token = process.env[names.token]?.trim() || undefined;
  registerSecret(token);
  return { accessKeyId, secret, token };
}

/** The role ARN for an account: every `{account}` replaced. */
export function auditRoleFor(template: string, account: string): string {
  return template.split(ACCOUNT_PLACEHOLDER).join(account);
}

export function needsAccount(roleArn: string): boolean {
  return roleArn.includes(ACCOUNT_PLACEHOLDER);
}

let planning: AuditIdentity | undefined;

/**
 * Runs a round's (synchronous) planning with an audit identity in force: every target resolved inside it
 * is made to act as the audit role. Targets resolved outside planning (e.g. the operator's start
 * command, which must act as the provider) are unaffected.
 */
export function planningAs<T>(audit: AuditIdentity | undefined, plan: () => T): T {
  const previous = planning;
  planning = audit;
  try {
    return plan();
  } finally {
    planning = previous;
  }
}

/** The audit identity of the planning in progress, if any. */
export function currentAuditIdentity(): AuditIdentity | undefined {
  return planning;
}
