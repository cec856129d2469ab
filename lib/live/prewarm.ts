// Cold start off the critical path. A pack process's first analysis would otherwise load a cloud's SDK
// (about 100–200 ms of synchronous module loading on 2 cores) inside AnalyzeStack, the RPC the deployment waits
// on. The engine sends every resource's Analyze RPC as the resource registers (preview, update and
// `pulumi policy analyze` alike), well before AnalyzeStack: the first resource of a cloud whose live checks
// are enabled starts loading that cloud's modules in the background.
//
// require() is synchronous, so the loading is cut into steps, one module per event-loop turn (setImmediate):
// between two steps the server reads and answers any RPC that has arrived, so no Analyze reply waits behind
// more than one module's load. A stack with nothing of a cloud's to check never loads that cloud's SDK: no
// resource of it reaches Analyze, or its live policies are disabled.

import { isPolicyEnabled, observeResourceTypes } from "../engine";
import { TYPES } from "../stack";

export type PrewarmCloud = "aws" | "alicloud";

interface CloudPlan {
  /** The cloud's resources are `<prefix>...` types. */
  prefixes: readonly string[];
  /** Policies that make calls for any resource of the cloud (account coverage). */
  anyResource: readonly string[];
  /** Policies that make calls for the declared recorders and trails (these types). */
  declared: readonly string[];
  declaredTypes: ReadonlySet<string>;
  /** The loading, one synchronous step per event-loop turn, in the order a round needs them. */
  steps: readonly (() => void)[];
}

const PLANS: Record<PrewarmCloud, CloudPlan> = {
  aws: {
    prefixes: ["aws:", "aws-native:"],
    anyResource: ["aws-cloudtrail-account-coverage", "aws-config-account-coverage"],
    declared: ["aws-config-recorder-recording", "aws-cloudtrail-trail-logging"],
    declaredTypes: new Set([
      TYPES.awsRecorder,
      TYPES.awsRecorderStatus,
      TYPES.awsTrail,
      TYPES.awsNativeTrail,
      TYPES.awsNativeRecorder,
    ]),
    steps: [
      () => (require("../aws/transport") as typeof import("../aws/transport")).quietSdkNotices(),
      // The largest step (60–120 ms measured; 39 ms on a warm file cache): the HTTP handler and the @smithy
      // modules it pulls in, which every client shares.
      () => require("@smithy/node-http-handler"),
      // The first client: @aws-sdk/core and the rest of what every client shares load with it (about 20 ms).
      () => require("@aws-sdk/client-sts"),
      () => require("@aws-sdk/client-config-service"),
      () => require("@aws-sdk/client-cloudtrail"),
      () => require("@aws-sdk/credential-providers"),
      () => require("../aws/identity"),
      () => require("../aws/sdk"),
      // A client's first construction runs code no module load does (config resolvers, middleware stack).
      () => {
        const { ConfigServiceClient } =
          require("@aws-sdk/client-config-service") as typeof import("@aws-sdk/client-config-service");
        new ConfigServiceClient({ region: "us-east-1" }).destroy();
      },
    ],
  },
  alicloud: {
    prefixes: ["alicloud:"],
    anyResource: ["alicloud-actiontrail-account-coverage", "alicloud-config-account-coverage"],
    declared: ["alicloud-config-recorder-recording", "alicloud-actiontrail-trail-logging"],
    declaredTypes: new Set([TYPES.aliRecorder, TYPES.aliTrail, TYPES.aliTrailDeprecated]),
    steps: [
      () => require("../alicloud/transport"),
      () => require("@darabonba/typescript"),
      () => require("@alicloud/credentials"),
      () => require("@alicloud/openapi-core"),
      () => require("../alicloud/identity"),
      () => require("../alicloud/sdk"),
      () => require("../alicloud/site"),
    ],
  },
};

const started = new Set<PrewarmCloud>();
let installed = false;

/** Starts prewarming on the engine's Analyze RPCs; call once at pack start. Safe to call twice. */
export function installPrewarm(): void {
  if (installed) return;
  installed = true;
  observeResourceTypes(noticeResourceType);
}

/** The cloud whose SDK an analysis of a stack with this resource will load, if any (and not yet started). */
export function cloudToPrewarm(type: string): PrewarmCloud | undefined {
  for (const cloud of ["aws", "alicloud"] as const) {
    if (started.has(cloud)) continue;
    const plan = PLANS[cloud];
    if (!plan.prefixes.some((p) => type.startsWith(p))) continue;
    if (plan.anyResource.some(isPolicyEnabled)) return cloud;
    if (plan.declaredTypes.has(type) && plan.declared.some(isPolicyEnabled)) return cloud;
  }
  return undefined;
}

/** Observer of each Analyze RPC's resource type: returns at once, the loading happens on later turns. */
export function noticeResourceType(type: string): void {
  const cloud = cloudToPrewarm(type);
  if (cloud) prewarm(cloud);
}

/** Loads a cloud's modules, one step per event-loop turn. A failing step is skipped: the round loads and reports. */
export function prewarm(cloud: PrewarmCloud): void {
  if (started.has(cloud)) return;
  started.add(cloud);
  const steps = [...PLANS[cloud].steps];
  const next = (): void => {
    const step = steps.shift();
    if (!step) return;
    try {
      step();
    } catch {
      // The analysis that needs the module loads it itself and says what failed.
    }
    setImmediate(next);
  };
  setImmediate(next);
}

/** A cloud's loading steps (tests: each must load, since prewarm skips a failing step without a word). */
export function prewarmSteps(cloud: PrewarmCloud): readonly (() => void)[] {
  return PLANS[cloud].steps;
}

/** The clouds whose prewarming has started (tests). */
export function prewarmStarted(): ReadonlySet<PrewarmCloud> {
  return started;
}
