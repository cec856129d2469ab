// The pure coverage rules over facts: which trail or recorder covers a region of an account, and the
// findings the two AWS coverage policies make of them.
import assert from "node:assert/strict";
import {
  canRecordGlobalIamTypes,
  type RecorderEvidence,
  recorderCovers,
  recordsGlobalTypes,
  regionVerdict,
  type TrailEvidence,
  trailCovers,
} from "../../lib/aws/coverage-rules";
import type { ListedTrail, RecorderStatus, TrailSelectors, TrailStatus } from "../../lib/aws/sdk";
import { type CoverageFacts, uncoveredFindings } from "../../lib/live/coverage";
import type { PlainObject } from "../../lib/plain";
import { trailCoverageMessage } from "../../policies/aws-cloudtrail-account-coverage";
import { configCoverageMessage, globalTypesFindings } from "../../policies/aws-config-account-coverage";
import { HOUR, MINUTE, NOW } from "./support";

const ACCOUNT = "123456789012";
const ORG_ACCOUNT = "999988887777";

function listed(name: string, home: string, extra: Partial<ListedTrail> = {}, account = ACCOUNT): ListedTrail {
  return {
    arn: `arn:aws:cloudtrail:${home}:${account}:trail/${name}`,
    name,
    homeRegion: home,
    isMultiRegion: false,
    isOrganizationTrail: false,
    hasCustomEventSelectors: true,
    cloudWatchLogsLogGroupArn: undefined,
    ...extra,
  };
}
const logging: TrailStatus = {
  found: true,
  isLogging: true,
  latestDeliveryError: undefined,
  latestDigestDeliveryError: undefined,
  latestNotificationError: undefined,
  latestCloudWatchLogsDeliveryError: undefined,
  latestDeliveryTime: NOW - 5 * MINUTE,
  latestCloudWatchLogsDeliveryTime: undefined,
  startLoggingTime: NOW - 48 * HOUR,
  stopLoggingTime: undefined,
};
const allManagement: TrailSelectors = {
  found: true,
  eventSelectors: [{ readWriteType: "All", includeManagementEvents: true, excludeManagementEventSources: [] }],
  advancedEventSelectors: [],
};
function evidence(trail: ListedTrail, status: Partial<TrailStatus> = {}, selectors = allManagement): TrailEvidence {
  return { trail, status: { ...logging, ...status }, selectors };
}

describe("AWS coverage rules: trails", () => {
  it("a multi-region trail covers every region; a single-region trail only its home region", () => {
    const multi = evidence(listed("org", "us-east-1", { isMultiRegion: true }));
    assert.equal(trailCovers("eu-west-1", multi).covers, true);
    const single = evidence(listed("local", "us-east-1"));
    assert.equal(trailCovers("us-east-1", single).covers, true);
    const other = trailCovers("eu-west-1", single);
    assert.deepEqual(other, { covers: false, why: "trail 'local' is single-region in us-east-1" });
  });

  it("a shadow trail (multi-region, listed away from its home) covers; its home comes from the ARN if absent", () => {
    const shadow = listed("shadow", "ap-south-1", { isMultiRegion: true, homeRegion: undefined });
    const j = trailCovers("eu-central-1", evidence(shadow));
    assert.deepEqual(j, { covers: true, by: "trail 'shadow' (multi-region, home ap-south-1)" });
  });

  it("an organization trail of another account covers the member account's regions", () => {
    const org = listed("org-trail", "us-east-1", { isMultiRegion: true, isOrganizationTrail: true }, ORG_ACCOUNT);
    const j = trailCovers("eu-west-1", evidence(org));
    assert.equal(j.covers, true);
    assert.match(j.covers ? j.by : "", /organization trail/);
  });

  it("an organization trail whose selectors the member cannot read: covered only without custom selectors, else undetermined", () => {
    const org = (custom: boolean | undefined): ListedTrail =>
      listed(
        "org-trail",
        "us-east-1",
        { isMultiRegion: true, isOrganizationTrail: true, hasCustomEventSelectors: custom },
        ORG_ACCOUNT,
      );
    const unread = { found: false as const, detail: "only its account 999988887777 may call GetEventSelectors on it" };
    // No custom selectors: CloudTrail's default, all read and write management events.
    const plain = trailCovers("eu-west-1", { trail: org(false), foreign: true, status: logging, selectors: unread });
    assert.deepEqual(plain, {
      covers: true,
      by:
        "trail 'org-trail' (organization trail of 999988887777) (multi-region, home us-east-1; no custom event " +
        "selectors, so all read and write management events (CloudTrail's default))",
    });
    // Custom (or unreported) selectors it cannot read: undetermined, naming what could not be read and why.
    for (const custom of [true, undefined]) {
      const j = trailCovers("eu-west-1", { trail: org(custom), foreign: true, status: logging, selectors: unread });
      assert.equal(j.covers, false);
      const u = j.covers ? undefined : j.undetermined;
      assert.equal(u?.reason, "access-denied");
      assert.match(
        u?.detail ?? "",
        /its event selectors cannot be read from this account \(only its account 999988887777 /,
      );
      assert.match(u?.permission ?? "", /cloudtrail:GetEventSelectors as the trail's own account 999988887777/);
      // A trail that verifiably covers outweighs it.
      const verdict = regionVerdict(ACCOUNT, "eu-west-1", [j, { covers: true, by: "trail 'own'" }], "none");
      assert.equal(verdict.coveredBy, "trail 'own'");
    }
    // Still judged on what the member can read: its status.
    const stopped = trailCovers("eu-west-1", {
      trail: org(false),
      foreign: true,
      status: { ...logging, isLogging: false },
      selectors: unread,
    });
    assert.equal(stopped.covers, false);
  });

  it("the account's own trail whose selectors could not be read: not covered, undetermined (never assumed)", () => {
    const unread = { found: false as const, detail: "TrailNotFoundException" };
    for (const own of [listed("own", "eu-west-1", { hasCustomEventSelectors: false }), listed("x", "eu-west-1")]) {
      const j = trailCovers("eu-west-1", { trail: own, status: logging, selectors: unread });
      assert.equal(j.covers, false);
      assert.equal(j.covers ? undefined : j.undetermined?.reason, "unexpected-error");
    }
  });

  it("delivery health, one destination at a time: a failing S3 or CloudWatch Logs delivery does not cover", () => {
    const t = listed("t", "us-east-1");
    const s3 = trailCovers("us-east-1", evidence(t, { latestDeliveryError: "NoSuchBucket" }));
    assert.deepEqual(s3, {
      covers: false,
      why: "trail 't' is logging but its S3 delivery fails (LatestDeliveryError=NoSuchBucket)",
    });
    // CloudWatch Logs counts only for a trail that has a log group, as aws-cloudtrail-trail-logging judges it.
    const cwError = { latestCloudWatchLogsDeliveryError: "AccessDenied" };
    assert.equal(trailCovers("us-east-1", evidence(t, cwError)).covers, true);
    const withLogs = listed("t", "us-east-1", {
      cloudWatchLogsLogGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:ct",
    });
    const cw = trailCovers("us-east-1", evidence(withLogs, cwError));
    assert.match(
      cw.covers ? "" : cw.why,
      /its CloudWatch Logs delivery fails \(LatestCloudWatchLogsDeliveryError=AccessDenied\)/,
    );
    // A healthy CloudWatch Logs delivery does not hide a failing S3 one.
    const both = trailCovers("us-east-1", evidence(withLogs, { latestDeliveryError: "NoSuchBucket" }));
    assert.match(both.covers ? "" : both.why, /S3 delivery fails/);
    // Digest and notification errors lose no events: the per-resource policy reports them.
    assert.equal(
      trailCovers("us-east-1", evidence(t, { latestDigestDeliveryError: "x", latestNotificationError: "y" })).covers,
      true,
    );
  });

  it("a stopped trail does not cover, and says since when", () => {
    const j = trailCovers(
      "us-east-1",
      evidence(listed("t", "us-east-1"), { isLogging: false, stopLoggingTime: NOW - HOUR }),
    );
    assert.equal(j.covers, false);
    assert.match(j.covers ? "" : j.why, /is not logging since \d{4}-/);
  });

  it("classic selectors: write-only or management events off do not cover; excluded sources do not cover", () => {
    const t = listed("t", "us-east-1");
    const sel = (s: PlainObject[]): TrailSelectors => ({ found: true, eventSelectors: s, advancedEventSelectors: [] });
    const writeOnly = trailCovers(
      "us-east-1",
      evidence(t, {}, sel([{ readWriteType: "WriteOnly", includeManagementEvents: true }])),
    );
    assert.deepEqual(writeOnly, { covers: false, why: "trail 't' does not record read management events" });
    const off = trailCovers(
      "us-east-1",
      evidence(t, {}, sel([{ readWriteType: "All", includeManagementEvents: false }])),
    );
    assert.match(off.covers ? "" : off.why, /does not record read and write management events/);
    const excluded = trailCovers(
      "us-east-1",
      evidence(
        t,
        {},
        sel([
          { readWriteType: "All", includeManagementEvents: true, excludeManagementEventSources: ["kms.amazonaws.com"] },
        ]),
      ),
    );
    assert.match(excluded.covers ? "" : excluded.why, /excludes management event sources \(kms\.amazonaws\.com\)/);
  });

  it("advanced selectors: Management category covers; readOnly=true alone or an eventSource filter does not", () => {
    const t = listed("t", "us-east-1");
    const adv = (fieldSelectors: PlainObject[]): TrailSelectors => ({
      found: true,
      eventSelectors: [],
      advancedEventSelectors: [{ name: "m", fieldSelectors }],
    });
    const mgmt = { field: "eventCategory", equals: ["Management"], notEquals: [] };
    assert.equal(trailCovers("us-east-1", evidence(t, {}, adv([mgmt]))).covers, true);
    const readsOnly = trailCovers("us-east-1", evidence(t, {}, adv([mgmt, { field: "readOnly", equals: ["true"] }])));
    assert.match(readsOnly.covers ? "" : readsOnly.why, /does not record write management events/);
    const notKms = trailCovers(
      "us-east-1",
      evidence(t, {}, adv([mgmt, { field: "eventSource", notEquals: ["kms.amazonaws.com"] }])),
    );
    assert.match(notKms.covers ? "" : notKms.why, /kms\.amazonaws\.com/);
  });

  it("the region verdict: covered by the first covering trail, else every reason, else 'no trail'", () => {
    const covered = regionVerdict(
      ACCOUNT,
      "eu-west-1",
      [
        { covers: false, why: "a" },
        { covers: true, by: "b" },
      ],
      "none",
    );
    assert.equal(covered.coveredBy, "b");
    assert.deepEqual(covered.found, []);
    const not = regionVerdict(
      ACCOUNT,
      "eu-west-1",
      [
        { covers: false, why: "a" },
        { covers: false, why: "c" },
      ],
      "none",
    );
    assert.deepEqual(not.found, ["a", "c"]);
    assert.deepEqual(regionVerdict(ACCOUNT, "eu-west-1", [], "no trail applies to eu-west-1").found, [
      "no trail applies to eu-west-1",
    ]);
  });

  it("the violation names account, region, what was found and how to fix it", () => {
    const m = trailCoverageMessage({
      account: ACCOUNT,
      region: "eu-west-1",
      coveredBy: undefined,
      found: ["trail 'org-trail' is single-region in us-east-1"],
    });
    assert.match(m, /AWS account 123456789012, region eu-west-1/);
    assert.match(m, /'org-trail' is single-region in us-east-1/);
    assert.match(m, /multi-region/);
    assert.match(m, /start-logging/);
  });
});

const recording: RecorderStatus = {
  found: true,
  name: "default",
  recording: true,
  lastStatus: "SUCCESS",
  lastErrorCode: undefined,
  lastErrorMessage: undefined,
  lastStartTime: NOW - 48 * HOUR,
  lastStopTime: undefined,
  lastStatusChangeTime: NOW - 10 * MINUTE,
};
const allTypes: PlainObject = {
  allSupported: true,
  includeGlobalResourceTypes: true,
  resourceTypes: [],
  exclusionByResourceTypes: [],
  recordingStrategies: [{ useOnly: "ALL_SUPPORTED_RESOURCE_TYPES" }],
};
function recorder(extra: Partial<RecorderEvidence> = {}, status: Partial<RecorderStatus> = {}): RecorderEvidence {
  return {
    name: "default",
    servicePrincipal: undefined,
    recordingScope: undefined,
    recordingGroup: allTypes,
    status: { ...recording, ...status },
    ...extra,
  };
}
const rules = { pendingGraceMinutes: 60, allowExclusions: false };

describe("AWS coverage rules: recorders", () => {
  it("a recording customer-managed recorder of all types covers, and records global types", () => {
    assert.deepEqual(recorderCovers(recorder(), rules, NOW), {
      covers: true,
      by: "recorder 'default'",
      recordsGlobalTypes: true,
    });
  });

  it("stopped, FAILURE, or PENDING past the grace window: not covered; PENDING within grace: covered", () => {
    const stopped = recorderCovers(recorder({}, { recording: false, lastStopTime: NOW - HOUR }), rules, NOW);
    assert.match(stopped.covers ? "" : stopped.why, /recorder 'default' stopped since/);
    const failing = recorderCovers(recorder({}, { lastStatus: "FAILURE", lastErrorCode: "NoSuchBucket" }), rules, NOW);
    assert.match(failing.covers ? "" : failing.why, /FAILURE \(NoSuchBucket\)/);
    const pendingLong = recorderCovers(
      recorder({}, { lastStatus: "PENDING", lastStatusChangeTime: NOW - 2 * HOUR }),
      rules,
      NOW,
    );
    assert.match(pendingLong.covers ? "" : pendingLong.why, /PENDING since/);
    const pendingShort = recorderCovers(
      recorder({}, { lastStatus: "PENDING", lastStatusChangeTime: NOW - 5 * MINUTE }),
      rules,
      NOW,
    );
    assert.equal(pendingShort.covers, true);
  });

  it("selected types do not cover; exclusions cover only with allowExclusions", () => {
    const some = recorderCovers(
      recorder({ recordingGroup: { allSupported: false, resourceTypes: ["AWS::S3::Bucket"] } }),
      rules,
      NOW,
    );
    assert.match(some.covers ? "" : some.why, /records only 1 selected resource type/);
    const group: PlainObject = {
      allSupported: false,
      recordingStrategies: [{ useOnly: "EXCLUSION_BY_RESOURCE_TYPES" }],
      exclusionByResourceTypes: [{ resourceTypes: ["AWS::EC2::Volume"] }],
    };
    assert.equal(recorderCovers(recorder({ recordingGroup: group }), rules, NOW).covers, false);
    assert.equal(
      recorderCovers(recorder({ recordingGroup: group }), { ...rules, allowExclusions: true }, NOW).covers,
      true,
    );
  });

  it("a PAID service-linked recorder covers; an INTERNAL one never does, whatever its status", () => {
    const paid = recorderCovers(
      recorder({ name: "AWSConfigurationRecorderForX", servicePrincipal: "x.amazonaws.com", recordingScope: "PAID" }),
      rules,
      NOW,
    );
    assert.equal(paid.covers, true);
    const internal = recorderCovers(
      recorder({
        name: "AWSConfigurationRecorderForY",
        servicePrincipal: "y.amazonaws.com",
        recordingScope: "INTERNAL",
      }),
      rules,
      NOW,
    );
    assert.equal(internal.covers, false);
    assert.match(
      internal.covers ? "" : internal.why,
      /only an INTERNAL service-linked recorder .* records for y\.amazonaws\.com, not for you/,
    );
  });

  it("global types: all-supported with includeGlobalResourceTypes, an exclusion sparing IAM, an inclusion of IAM", () => {
    assert.equal(recordsGlobalTypes(allTypes), true);
    assert.equal(recordsGlobalTypes({ ...allTypes, includeGlobalResourceTypes: false }), false);
    const exclusion = (types: string[]): PlainObject => ({
      allSupported: false,
      recordingStrategies: [{ useOnly: "EXCLUSION_BY_RESOURCE_TYPES" }],
      exclusionByResourceTypes: [{ resourceTypes: types }],
    });
    assert.equal(recordsGlobalTypes(exclusion(["AWS::EC2::Volume"])), true);
    assert.equal(recordsGlobalTypes(exclusion(["AWS::IAM::User"])), false);
    assert.equal(recordsGlobalTypes({ allSupported: false, resourceTypes: ["AWS::IAM::Role"] }), true);
  });

  it("global types, per account: the finding names only Regions where AWS Config can record them", () => {
    const global = (
      account: string,
      g: NonNullable<CoverageFacts["globalTypes"]>,
      coveredBy?: string,
    ): CoverageFacts => ({
      account,
      region: "(global resource types)",
      coveredBy,
      found: [],
      accountWide: true,
      globalTypes: g,
    });
    const facts = [
      global(ACCOUNT, {
        recordedIn: undefined,
        stackRegions: ["ap-south-2", "eu-west-1"],
        probed: ["us-east-1", "af-south-1"],
      }),
      global(
        ORG_ACCOUNT,
        { recordedIn: "eu-west-1", stackRegions: ["us-east-1"], probed: ["eu-west-1"] },
        "recorder 'default' in eu-west-1",
      ),
    ];
    const findings = globalTypesFindings(facts);
    assert.equal(findings.length, 1);
    const m = findings[0]?.message ?? "";
    assert.match(m, /^AWS account 123456789012: no AWS Config recorder records global resource types/);
    assert.match(
      m,
      /this stack's Regions \(ap-south-2, eu-west-1\) and the account's other Regions where AWS Config can record them \(2\)/,
    );
    assert.match(m, /AWS Config cannot record them in ap-south-2 \(Regions launched since February 2022\)/);
    assert.match(m, /e\.g\. eu-west-1;/);
    // A stack only in a Region that cannot record them: the fix names a Region of the account that can.
    const newOnly = globalTypesFindings([
      global(ACCOUNT, {
        recordedIn: undefined,
        stackRegions: ["me-central-1"],
        probed: ["us-east-1", "af-south-1"],
      }),
    ]);
    assert.match(newOnly[0]?.message ?? "", /e\.g\. us-east-1;/);
    assert.doesNotMatch(newOnly[0]?.message ?? "", /e\.g\. me-central-1/);
    // Region facts never make a global finding; region findings never come from account-wide facts.
    assert.deepEqual(
      globalTypesFindings([
        { account: ACCOUNT, region: "eu-west-1", coveredBy: "r", found: [], recordsGlobalTypes: false },
      ]),
      [],
    );
    assert.deepEqual(uncoveredFindings(facts, configCoverageMessage), []);
  });

  it("the Regions that can record global IAM types: those AWS Config served before February 2022", () => {
    for (const r of ["us-east-1", "eu-west-1", "af-south-1", "ap-southeast-3", "cn-north-1", "us-gov-west-1"]) {
      assert.equal(canRecordGlobalIamTypes(r), true, r);
    }
    for (const r of [
      "ap-south-2",
      "ap-southeast-4",
      "ca-west-1",
      "eu-central-2",
      "eu-south-2",
      "il-central-1",
      "me-central-1",
      "mx-central-1",
      "ap-southeast-7",
    ]) {
      assert.equal(canRecordGlobalIamTypes(r), false, r);
    }
  });

  it("one finding per uncovered (account, region), on the stack, naming what was found", () => {
    const facts: CoverageFacts[] = [
      { account: ACCOUNT, region: "us-east-1", coveredBy: "recorder 'default'", found: [] },
      {
        account: ACCOUNT,
        region: "eu-west-1",
        coveredBy: undefined,
        found: ["only an INTERNAL service-linked recorder"],
      },
    ];
    const findings = uncoveredFindings(facts, configCoverageMessage);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.urn, undefined);
    assert.match(findings[0]?.message ?? "", /AWS account 123456789012, region eu-west-1: .*only an INTERNAL/);
  });
});
