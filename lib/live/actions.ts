// Every cloud API action the pack can call, and the permission each needs: the single source the
// README's IAM/RAM policies are checked against. All are reads.
import { ALI_ACTIONS } from "../alicloud/kinds";
import { AWS_ACTIONS } from "../aws/kinds";

export const CALLED_ACTIONS = {
  aws: [AWS_ACTIONS.recorder, AWS_ACTIONS.trail],
  alicloud: [ALI_ACTIONS.recorder, ALI_ACTIONS.trail],
} as const;

/**
 * Made only to get or confirm the provider's identity: its assumeRoles chain and web identity role
 * (each needing sts:AssumeRole / sts:AssumeRoleWithWebIdentity in the role's trust policy), and
 * sts:GetCallerIdentity before a "not found" is believed (no permission needed; it cannot be denied).
 */
export const CREDENTIAL_ACTIONS = {
  aws: ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:GetCallerIdentity"],
  alicloud: ["sts:AssumeRole"],
} as const;
