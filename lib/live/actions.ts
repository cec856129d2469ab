// Every cloud API action the pack can call, and the permission each needs: the single source
// docs/permissions.md's IAM/RAM policies are checked against. All are reads.
import { ALI_COVERAGE_ACTIONS } from "../alicloud/coverage";
import { ALI_ACTIONS } from "../alicloud/kinds";
import { COVERAGE_ACTIONS } from "../aws/coverage";
import { AWS_ACTIONS } from "../aws/kinds";

/** The status reads of declared recorders and trails (what `auditguard start` reads before and after a start). */
export const RESOURCE_ACTIONS = {
  aws: [AWS_ACTIONS.recorder, AWS_ACTIONS.trail],
  alicloud: [ALI_ACTIONS.recorder, ALI_ACTIONS.trail],
} as const;

export const CALLED_ACTIONS = {
  aws: [
    AWS_ACTIONS.recorder,
    AWS_ACTIONS.trail,
    COVERAGE_ACTIONS.describeTrails,
    COVERAGE_ACTIONS.eventSelectors,
    COVERAGE_ACTIONS.describeRecorders,
    COVERAGE_ACTIONS.listRecorders,
  ],
  alicloud: [ALI_ACTIONS.recorder, ALI_ACTIONS.trail, ALI_COVERAGE_ACTIONS.describeTrails],
} as const;

/**
 * Made only to get or confirm the provider's identity: its assumeRoles chain and web identity role
 * (each needing sts:AssumeRole / sts:AssumeRoleWithWebIdentity in the role's trust policy), and
 * sts:GetCallerIdentity before a "not found" is believed (no permission needed; it cannot be denied).
 */
export const CREDENTIAL_ACTIONS = {
  aws: ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:GetCallerIdentity"],
  alicloud: ["sts:AssumeRole", "sts:GetCallerIdentity"],
} as const;

/** Who the credentials belong to, for account coverage: needs no IAM/RAM permission. */
export const IDENTITY_ACTIONS = { aws: ["sts:GetCallerIdentity"], alicloud: ["sts:GetCallerIdentity"] } as const;
