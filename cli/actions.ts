// Every cloud action the operator command can make beyond the pack's reads: the single source the start
// permission documents (docs/*-start-policy.json) are checked against.
import { ALI_SERVICE_LINKED_ROLE_PERMISSION, ALI_START_ACTIONS } from "../lib/alicloud/start";
import { AWS_START_ACTIONS } from "../lib/aws/start";
import { RESOURCE_ACTIONS } from "../lib/live/actions";

export const START_ACTIONS = {
  aws: [AWS_START_ACTIONS.recorder, AWS_START_ACTIONS.trail],
  alicloud: [ALI_START_ACTIONS.recorder, ALI_START_ACTIONS.trail],
} as const;

/** `start` reads status before and after (the pack's reads), starts, and may let Cloud Config create its role. */
export const START_PERMISSIONS = {
  aws: [...RESOURCE_ACTIONS.aws, ...START_ACTIONS.aws].map((a) => a.permission),
  alicloud: [
    ...[...RESOURCE_ACTIONS.alicloud, ...START_ACTIONS.alicloud].map((a) => a.permission),
    ALI_SERVICE_LINKED_ROLE_PERMISSION,
  ],
} as const;
