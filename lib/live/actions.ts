// Every cloud API action the pack can call, and the permission each needs: the single source the
// README's IAM/RAM policies are checked against. All are reads.
import { ALI_ACTIONS } from "../alicloud/kinds";
import { AWS_ACTIONS } from "../aws/kinds";

export const CALLED_ACTIONS = {
  aws: [AWS_ACTIONS.recorder, AWS_ACTIONS.trail],
  alicloud: [ALI_ACTIONS.recorder, ALI_ACTIONS.trail],
} as const;

/**
 * Made only for a provider's role chain, with that chain's own credentials, or to confirm the answering
 * account before a "not found" is believed (Alibaba STS GetCallerIdentity needs no RAM permission).
 */
export const CREDENTIAL_ACTIONS = {
  aws: ["sts:AssumeRole"],
  alicloud: ["sts:AssumeRole", "sts:GetCallerIdentity"],
} as const;
