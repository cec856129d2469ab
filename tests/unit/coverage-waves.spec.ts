// Issue 17 item 1: account coverage in the fewest dependent waves. The planned checks run against a fake round
// that makes each call once per key (as lib/live/round.ts does) and holds every request until the checks have
// asked all they can without another answer; then it answers that whole wave at once. The number of waves is
// the number of dependent round trips, whatever the latency; no clock is involved.
import assert from "node:assert/strict";
import { aliConfigCoverageKind, aliTrailCoverageKind } from "../../lib/alicloud/coverage";
import type { AliListedTrail, AliRecorder, AliTrailStatus } from "../../lib/alicloud/sdk";
import { awsConfigCoverageKind, awsTrailCoverageKind } from "../../lib/aws/coverage";
import { awsRecorderKind, awsTrailKind } from "../../lib/aws/kinds";
import type {
  DescribedRecorder,
  ListedTrail,
  RecorderStatus,
  RecorderSummary,
  TrailSelectors,
  TrailStatus,
} from "../../lib/aws/sdk";
import type { CoverageFacts } from "../../lib/live/coverage";
import type { CheckFailure, Outcome } from "../../lib/live/outcome";
import { type Call, type LiveKind, type PlannedCheck, RoundContext } from "../../lib/live/round";
import type { PlainObject } from "../../lib/plain";
import type { ResourceView, StackView } from "../../lib/stack";
import { provider, resource, TYPES } from "./support";

const ACCOUNT = "123456789012";
const ORG_ACCOUNT = "999988887777";
const REGION = "us-east-1";
const OWN_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`;
const ORG_ARN = `arn:aws:cloudtrail:${REGION}:${ORG_ACCOUNT}:trail/org-trail`;

/** An answer that is a failed call (the fake round releases it as the call's failure). */
class Refused {
  constructor(readonly failure: CheckFailure) {}
}

interface Wave {
  /** The actions asked in this wave, sorted. */
  actions: string[];
}

/**
 * Runs the checks to the end against `answer`, one wave at a time: every call asked while the previous wave's
 * answers were being read is held; when nothing more is asked, the held calls are answered together. Returns the
 * waves and the checks' outcomes.
 */
async function inWaves(
  checks: readonly PlannedCheck<unknown>[],
  answer: (call: Call<unknown>) => unknown,
): Promise<{ waves: Wave[]; outcomes: Outcome<unknown>[] }> {
  const byKey = new Map<string, Promise<Outcome<unknown>>>();
  let held: { call: Call<unknown>; release: (o: Outcome<unknown>) => void }[] = [];
  const run = <U>(call: Call<U>): Promise<Outcome<U>> => {
    const shared = byKey.get(call.key);
    if (shared) return shared as Promise<Outcome<U>>;
    const p = new Promise<Outcome<unknown>>((release) => held.push({ call: call as Call<unknown>, release }));
    byKey.set(call.key, p);
    return p as Promise<Outcome<U>>;
  };
  const ctx = new RoundContext();
  const done = Promise.all(
    checks.map(async (c): Promise<Outcome<unknown>> => {
      if ("outcome" in c) return c.outcome;
      if ("compose" in c) return (await c.compose(run, ctx)).outcome;
      return run(c);
    }),
  );
  let finished = false;
  void done.then(() => (finished = true));
  const waves: Wave[] = [];
  try {
    for (;;) {
      // Let every check ask what it can: answers are already settled promises, so a few turns of the event loop
      // carry each check to its next call (or its end).
      for (let turn = 0; turn < 20; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      if (held.length === 0) break;
      const wave = held;
      held = [];
      waves.push({ actions: wave.map((h) => h.call.spec.action).sort() });
      for (const h of wave) {
        const value = answer(h.call);
        h.release(value instanceof Refused ? { ok: false, failure: value.failure } : { ok: true, value });
      }
    }
    assert.ok(finished, "every check ended once nothing more was asked");
    return { waves, outcomes: await done };
  } finally {
    ctx.dispose();
  }
}

// ---- AWS ------------------------------------------------------------------------------------------------

// Only what the judges read; every other field of the reply is absent (undefined), as for a quiet trail.
const trailStatus = { found: true, isLogging: true } as TrailStatus;
const allManagement: TrailSelectors = {
  found: true,
  eventSelectors: [{ readWriteType: "All", includeManagementEvents: true, excludeManagementEventSources: [] }],
  advancedEventSelectors: [],
};
const recorderGroup: PlainObject = {
  allSupported: true,
  includeGlobalResourceTypes: true,
  resourceTypes: [],
  exclusionByResourceTypes: [],
  recordingStrategies: [],
};
const recorderStatus = { found: true, name: "default", recording: true, lastStatus: "SUCCESS" } as RecorderStatus;

function listedTrail(arn: string, organization: boolean): ListedTrail {
  return {
    arn,
    name: arn.split("/").pop() ?? arn,
    homeRegion: REGION,
    isMultiRegion: true,
    isOrganizationTrail: organization,
    hasCustomEventSelectors: false,
    cloudWatchLogsLogGroupArn: undefined,
  };
}

function awsAnswer(trails: ListedTrail[]): (call: Call<unknown>) => unknown {
  return (call) => {
    switch (call.spec.action) {
      case "GetCallerIdentity":
        return { account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deployer` };
      case "DescribeTrails":
        return trails;
      case "GetTrailStatus":
        return trailStatus;
      case "GetEventSelectors":
        return allManagement;
      case "DescribeConfigurationRecorders":
        return [
          { name: "default", recordingGroup: recorderGroup, recordingScope: undefined, servicePrincipal: undefined },
        ] satisfies DescribedRecorder[];
      case "DescribeConfigurationRecorderStatus":
        return [recorderStatus];
      case "ListConfigurationRecorders":
        return [
          { arn: "arn:aws:config:us-east-1:123456789012:config-recorder/default", name: "default" },
        ] as RecorderSummary[];
      default:
        throw new Error(`unexpected call ${call.spec.action}`);
    }
  };
}

function awsStack(providerProps: PlainObject, declare: boolean): StackView {
  const prov = provider({ region: REGION, accessKey: "AKIAWAVESWAVES", secretKey: "waves-secret", ...providerProps });
  const bucket = resource("aws:s3/bucketV2:BucketV2", "data", {}, { provider: prov });
  const declared: ResourceView[] = declare
    ? [
        resource(
          TYPES.awsTrail,
          "audit",
          { name: "audit", arn: OWN_ARN, id: OWN_ARN, homeRegion: REGION, isMultiRegionTrail: true },
          { provider: prov },
        ),
        resource(TYPES.awsRecorder, "default", { name: "default", recordingGroup: recorderGroup }, { provider: prov }),
      ]
    : [];
  const resources = [bucket, ...declared];
  return {
    resources,
    footprint: { aws: resources, alicloud: [] },
    deploys: { aws: true, alicloud: false },
    dryRun: false,
    fingerprint: `fp-waves-${JSON.stringify(providerProps)}-${declare}`,
  };
}

/** A member account's stack that reads a trail of another account with `Trail.get` (state as the provider reads it). */
function memberStack(providerProps: PlainObject, arn: string, organization: boolean): StackView {
  const prov = provider({ region: REGION, accessKey: "AKIAWAVESWAVES", secretKey: "waves-secret", ...providerProps });
  const bucket = resource("aws:s3/bucketV2:BucketV2", "data", {}, { provider: prov });
  const trail = resource(
    TYPES.awsTrail,
    "org",
    {
      name: "org-trail",
      arn,
      id: arn,
      homeRegion: REGION,
      isMultiRegionTrail: true,
      isOrganizationTrail: organization,
    },
    { provider: prov },
  );
  return {
    resources: [bucket, trail],
    footprint: { aws: [bucket, trail], alicloud: [] },
    deploys: { aws: true, alicloud: false },
    dryRun: false,
    fingerprint: `fp-waves-member-${JSON.stringify(providerProps)}-${arn}-${organization}`,
  };
}

function planAll(view: StackView, kinds: readonly LiveKind<unknown>[]): PlannedCheck<unknown>[] {
  return kinds.flatMap((k) => k.plan(view, {}));
}

function covered(outcomes: Outcome<unknown>[]): void {
  for (const o of outcomes) {
    assert.ok(o.ok, `every check completes: ${JSON.stringify(o)}`);
    const f = o.value as Partial<CoverageFacts>;
    if ("coveredBy" in f) assert.ok(f.coveredBy, `covered: ${JSON.stringify(f)}`);
  }
}

const AWS_KINDS = [awsTrailCoverageKind, awsConfigCoverageKind, awsTrailKind, awsRecorderKind] as LiveKind<unknown>[];

describe("account coverage: dependent waves (issue 17)", () => {
  it("a stack declaring its covering trail and recorder: one wave, identity and lists included; the declared trail's status is asked once", async () => {
    const view = awsStack({}, true);
    const { waves, outcomes } = await inWaves(planAll(view, AWS_KINDS), awsAnswer([listedTrail(OWN_ARN, false)]));
    assert.deepEqual(waves, [
      {
        actions: [
          "DescribeConfigurationRecorderStatus",
          "DescribeConfigurationRecorderStatus",
          "DescribeConfigurationRecorders",
          "DescribeTrails",
          "GetCallerIdentity",
          "GetEventSelectors",
          "GetTrailStatus",
          "ListConfigurationRecorders",
        ],
      },
    ]);
    covered(outcomes);
  });

  it("the same stack whose provider names its account (allowedAccountIds): one wave, no identity call", async () => {
    const view = awsStack({ allowedAccountIds: [ACCOUNT] }, true);
    const { waves, outcomes } = await inWaves(planAll(view, AWS_KINDS), awsAnswer([listedTrail(OWN_ARN, false)]));
    assert.equal(waves.length, 1, JSON.stringify(waves));
    assert.ok(!waves[0]?.actions.includes("GetCallerIdentity"));
    covered(outcomes);
  });

  it("an application stack whose account only STS names: two waves, the identity call with the lists, then the listed trail", async () => {
    const view = awsStack({}, false);
    const kinds = [awsTrailCoverageKind, awsConfigCoverageKind] as LiveKind<unknown>[];
    const { waves, outcomes } = await inWaves(planAll(view, kinds), awsAnswer([listedTrail(OWN_ARN, false)]));
    assert.deepEqual(waves, [
      {
        actions: [
          "DescribeConfigurationRecorderStatus",
          "DescribeConfigurationRecorders",
          "DescribeTrails",
          "GetCallerIdentity",
          "ListConfigurationRecorders",
        ],
      },
      { actions: ["GetEventSelectors", "GetTrailStatus"] },
    ]);
    covered(outcomes);
  });

  it("an organization trail seen from a member account: two waves, its status by ARN, never its selectors", async () => {
    const view = awsStack({}, false);
    const { waves, outcomes } = await inWaves(
      planAll(view, [awsTrailCoverageKind] as LiveKind<unknown>[]),
      awsAnswer([listedTrail(ORG_ARN, true)]),
    );
    assert.deepEqual(waves, [{ actions: ["DescribeTrails", "GetCallerIdentity"] }, { actions: ["GetTrailStatus"] }]);
    covered(outcomes);
  });

  it("two credential sets of one account: one evaluation when it succeeds; the first denied DescribeTrails, the second makes its own, not the first's failure", async () => {
    const provs = ["AKIAWAVESFIRST", "AKIAWAVESSECOND"].map((key) =>
      provider({ region: REGION, accessKey: key, secretKey: "waves-secret" }),
    );
    const buckets = provs.map((prov, i) => resource("aws:s3/bucketV2:BucketV2", `data-${i}`, {}, { provider: prov }));
    const view: StackView = {
      resources: buckets,
      footprint: { aws: buckets, alicloud: [] },
      deploys: { aws: true, alicloud: false },
      dryRun: false,
      fingerprint: "fp-waves-two-credential-sets",
    };
    const ok = awsAnswer([listedTrail(OWN_ARN, false)]);
    // Both can read: one evaluation for the account's region, its trail's status and selectors asked once.
    const shared = await inWaves(planAll(view, [awsTrailCoverageKind] as LiveKind<unknown>[]), ok);
    assert.deepEqual(shared.waves[1], { actions: ["GetEventSelectors", "GetTrailStatus"] });
    covered(shared.outcomes);
    const listings: string[] = [];
    const { waves, outcomes } = await inWaves(planAll(view, [awsTrailCoverageKind] as LiveKind<unknown>[]), (call) => {
      if (call.spec.action !== "DescribeTrails") return ok(call);
      listings.push(call.key);
      return listings.length === 1
        ? new Refused({ reason: "access-denied", detail: "not authorized to perform cloudtrail:DescribeTrails" })
        : ok(call);
    });
    assert.equal(outcomes.length, 2);
    const failed = outcomes.filter((o) => !o.ok);
    assert.equal(failed.length, 1, JSON.stringify(outcomes));
    assert.equal(failed[0]?.ok === false ? failed[0].failure.reason : undefined, "access-denied");
    covered(outcomes.filter((o) => o.ok));
    // Each credential set listed once; the successful evaluation's calls were made once.
    assert.equal(new Set(listings).size, 2);
    assert.equal(listings.length, 2);
    assert.deepEqual(waves[1], { actions: ["GetEventSelectors", "GetTrailStatus"] });
  });

  it("a member account's stack declaring the organization trail (Trail.get) whose account only STS names: one wave, never its selectors", async () => {
    const view = memberStack({}, ORG_ARN, true);
    const { waves, outcomes } = await inWaves(
      planAll(view, [awsTrailCoverageKind, awsTrailKind] as LiveKind<unknown>[]),
      awsAnswer([listedTrail(ORG_ARN, true)]),
    );
    assert.deepEqual(waves, [{ actions: ["DescribeTrails", "GetCallerIdentity", "GetTrailStatus"] }]);
    covered(outcomes);
  });

  it("a declared trail whose ARN names none of the provider's allowedAccountIds: its selectors are never asked", async () => {
    const view = memberStack({ allowedAccountIds: [ACCOUNT, "111122223333"] }, ORG_ARN, false);
    const { waves } = await inWaves(
      planAll(view, [awsTrailCoverageKind] as LiveKind<unknown>[]),
      awsAnswer([listedTrail(ORG_ARN, true)]),
    );
    assert.ok(!waves.some((w) => w.actions.includes("GetEventSelectors")), JSON.stringify(waves));
  });
});

// ---- Alibaba Cloud ---------------------------------------------------------------------------------------

const aliTrail: AliListedTrail = {
  name: "audit",
  homeRegion: "cn-hangzhou",
  trailRegion: "All",
  eventRw: "All",
  status: "Enable",
  isOrganizationTrail: false,
  ossBucketName: "audit-logs",
  slsProjectArn: undefined,
};
const aliTrailStatus = { found: true, isLogging: true } as AliTrailStatus;
const aliRecorder: AliRecorder = { found: true, status: "REGISTERED", resourceTypes: undefined };

function aliAnswer(call: Call<unknown>): unknown {
  switch (call.spec.action) {
    case "GetCallerIdentity":
      return { account: "1234567890123456", arn: "acs:ram::1234567890123456:user/deployer" };
    case "DescribeTrails":
      return [aliTrail];
    case "GetTrailStatus":
      return aliTrailStatus;
    case "GetConfigurationRecorder":
      return aliRecorder;
    default:
      throw new Error(`unexpected call ${call.spec.action}`);
  }
}

function aliStack(): StackView {
  const prov = {
    urn: "urn:pulumi:dev::proj::pulumi:providers:alicloud::p",
    name: "p",
    type: "pulumi:providers:alicloud",
    props: { region: "cn-hangzhou", accessKey: "LTAI5tWAVESWAVES", secretKey: "waves-secret" },
  };
  const bucket = resource("alicloud:oss/bucket:Bucket", "data", {}, { provider: prov });
  return {
    resources: [bucket],
    footprint: { aws: [], alicloud: [bucket] },
    deploys: { aws: false, alicloud: true },
    dryRun: false,
    fingerprint: "fp-waves-ali",
  };
}

describe("Alibaba Cloud account coverage: dependent waves (issue 17)", () => {
  it("an application stack whose account only STS names: GetCallerIdentity with DescribeTrails and the recorder, then the trail's status", async () => {
    const kinds = [aliTrailCoverageKind, aliConfigCoverageKind] as LiveKind<unknown>[];
    const { waves, outcomes } = await inWaves(
      kinds.flatMap((k) => k.plan(aliStack(), { configSite: "china" })),
      aliAnswer,
    );
    assert.deepEqual(waves, [
      { actions: ["DescribeTrails", "GetCallerIdentity", "GetConfigurationRecorder"] },
      { actions: ["GetTrailStatus"] },
    ]);
    covered(outcomes);
  });

  it("a member's own trail and the organization trail of the same name: each status asked for its own IsOrganizationTrail", async () => {
    const orgTrail: AliListedTrail = { ...aliTrail, isOrganizationTrail: true };
    const statuses: string[] = [];
    const { waves, outcomes } = await inWaves(
      aliTrailCoverageKind.plan(aliStack(), { configSite: "china" }) as PlannedCheck<unknown>[],
      (call) => {
        if (call.spec.action === "DescribeTrails") return [aliTrail, orgTrail];
        if (call.spec.action !== "GetTrailStatus") return aliAnswer(call);
        // Only the organization trail logs (the member's own one is stopped): told apart by the call's key alone.
        statuses.push(call.key);
        return { found: true, isLogging: call.key.includes(",true,") } as AliTrailStatus;
      },
    );
    assert.deepEqual(waves, [
      { actions: ["DescribeTrails", "GetCallerIdentity"] },
      { actions: ["GetTrailStatus", "GetTrailStatus"] },
    ]);
    assert.equal(new Set(statuses).size, 2);
    covered(outcomes);
  });
});
