// Every live check the pack makes, in one list: the shared round plans them all at once.
import { aliRecorderKind, aliTrailKind } from "../alicloud/kinds";
import { aliConfigCoverageKind, aliTrailCoverageKind } from "../alicloud/coverage";
import { awsConfigCoverageKind, awsTrailCoverageKind } from "../aws/coverage";
import { awsRecorderKind, awsTrailKind } from "../aws/kinds";
import type { LiveKind } from "./round";
import { sweepKind } from "./sweep";

/** Checks of the recorders and trails a stack declares. */
export const RESOURCE_KINDS: readonly LiveKind<unknown>[] = [
  awsRecorderKind as LiveKind<unknown>,
  awsTrailKind as LiveKind<unknown>,
  aliRecorderKind as LiveKind<unknown>,
  aliTrailKind as LiveKind<unknown>,
];

/** Checks that every (account, region) the stack deploys into is recorded, declared or not. */
export const COVERAGE_KINDS: readonly LiveKind<unknown>[] = [
  awsTrailCoverageKind as LiveKind<unknown>,
  awsConfigCoverageKind as LiveKind<unknown>,
  aliTrailCoverageKind as LiveKind<unknown>,
  aliConfigCoverageKind as LiveKind<unknown>,
  // Coverage targets no identity reaches (auditguard-live-verification coverageTargets): one check per cloud.
  sweepKind as LiveKind<unknown>,
];

export const LIVE_KINDS: readonly LiveKind<unknown>[] = [...RESOURCE_KINDS, ...COVERAGE_KINDS];
