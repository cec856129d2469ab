import assert from "node:assert/strict";
import { type Plain, type PlainObject, UNKNOWN } from "../../lib/plain";
import type { Finding } from "../../lib/policy-kit";
import {
  evaluate,
  managementCoverage,
  type TrailConfig,
  trailGaps,
} from "../../policies/aws-cloudtrail-trail-declared";
import { proxied, proxy, resource, stackOf, TYPES } from "./support";

const defaults: TrailConfig = {
  requireTrail: true,
  requireMultiRegion: true,
  requireLoggingEnabled: true,
  requireGlobalServiceEvents: true,
  requireLogFileValidation: true,
  requireManagementEvents: true,
  requireKmsEncryption: false,
  requireCloudWatchLogs: false,
};
const none: TrailConfig = Object.fromEntries(Object.keys(defaults).map((k) => [k, false])) as TrailConfig;

const good: PlainObject = {
  name: "org-audit",
  s3BucketName: "logs",
  isMultiRegionTrail: true,
  enableLogFileValidation: true,
};

const mgmt = (...extra: PlainObject[]): PlainObject => ({
  fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }, ...extra],
});

function cov(classic: Plain | undefined, advanced?: Plain) {
  return managementCoverage(classic, advanced);
}
const full = { read: true, write: true, excludedSources: [], unknown: false };

describe("aws-cloudtrail-trail-declared: managementCoverage", () => {
  it("no selectors means CloudTrail's default: all management events", () => {
    assert.deepEqual(cov(undefined, undefined), full);
    assert.deepEqual(cov([], []), full);
    assert.deepEqual(cov(null, null), full);
  });

  it("a classic selector with defaults records read and write", () => {
    assert.deepEqual(cov([{}]), full);
    assert.deepEqual(cov([{ readWriteType: "All", includeManagementEvents: true }]), full);
  });

  it("classic ReadOnly or WriteOnly alone covers one side", () => {
    assert.deepEqual(cov([{ readWriteType: "ReadOnly" }]), { ...full, write: false });
    assert.deepEqual(cov([{ readWriteType: "WriteOnly" }]), { ...full, read: false });
  });

  it("classic ReadOnly plus WriteOnly selectors are the union", () => {
    assert.deepEqual(cov([{ readWriteType: "ReadOnly" }, { readWriteType: "WriteOnly" }]), full);
  });

  it("includeManagementEvents false records no management events", () => {
    assert.deepEqual(cov([{ readWriteType: "All", includeManagementEvents: false }]), {
      ...full,
      read: false,
      write: false,
    });
    assert.deepEqual(
      cov([{ includeManagementEvents: "false", excludeManagementEventSources: ["kms.amazonaws.com"] }]),
      {
        ...full,
        read: false,
        write: false,
      },
    );
  });

  it("collects excludeManagementEventSources", () => {
    assert.deepEqual(
      cov([{ readWriteType: "All", excludeManagementEventSources: ["kms.amazonaws.com", "rdsdata.amazonaws.com"] }]),
      {
        ...full,
        excludedSources: ["kms.amazonaws.com", "rdsdata.amazonaws.com"],
      },
    );
  });

  it("classic unknowns are unknown", () => {
    assert.equal(cov(UNKNOWN).unknown, true);
    assert.equal(cov([{ readWriteType: UNKNOWN }]).unknown, true);
    assert.equal(cov([{ includeManagementEvents: UNKNOWN }]).unknown, true);
  });

  it("an advanced Management selector without readOnly records all", () => {
    assert.deepEqual(cov(undefined, [mgmt()]), full);
  });

  it("advanced readOnly equals narrows to reads or writes", () => {
    assert.deepEqual(cov(undefined, [mgmt({ field: "readOnly", equals: ["true"] })]), { ...full, write: false });
    assert.deepEqual(cov(undefined, [mgmt({ field: "readOnly", equals: ["false"] })]), { ...full, read: false });
  });

  it("advanced readOnly notEquals narrows to the other side", () => {
    assert.deepEqual(cov(undefined, [mgmt({ field: "readOnly", notEquals: ["true"] })]), { ...full, read: false });
    assert.deepEqual(cov(undefined, [mgmt({ field: "readOnly", notEquals: ["false"] })]), { ...full, write: false });
  });

  it("advanced read and write selectors are the union", () => {
    assert.deepEqual(
      cov(undefined, [mgmt({ field: "readOnly", equals: ["true"] }), mgmt({ field: "readOnly", equals: ["false"] })]),
      full,
    );
  });

  it("advanced eventSource notEquals excludes sources; other operators narrow", () => {
    assert.deepEqual(cov(undefined, [mgmt({ field: "eventSource", notEquals: ["kms.amazonaws.com"] })]), {
      ...full,
      excludedSources: ["kms.amazonaws.com"],
    });
    const narrowed = cov(undefined, [mgmt({ field: "eventSource", equals: ["iam.amazonaws.com"] })]);
    assert.deepEqual(narrowed.excludedSources, ["eventSource equals iam.amazonaws.com"]);
    const starts = cov(undefined, [mgmt({ field: "eventSource", notStartsWiths: ["kms"] })]);
    assert.deepEqual(starts.excludedSources, ["eventSource notStartsWiths kms"]);
  });

  it("data-only advanced selectors record no management events", () => {
    const data = {
      name: "Management events selector",
      fieldSelectors: [
        { field: "eventCategory", equals: ["Data"] },
        { field: "resources.type", equals: ["AWS::S3::Object"] },
      ],
    };
    assert.deepEqual(cov(undefined, [data]), { ...full, read: false, write: false });
  });

  it("never keys on the selector name", () => {
    assert.deepEqual(cov(undefined, [{ name: "anything at all", ...mgmt() }]), full);
    assert.deepEqual(cov(undefined, [{ name: "Log all management events", fieldSelectors: [] }]), {
      ...full,
      read: false,
      write: false,
    });
  });

  it("advanced selectors replace classic ones", () => {
    assert.deepEqual(cov([{ readWriteType: "All" }], [mgmt({ field: "readOnly", equals: ["true"] })]), {
      ...full,
      write: false,
    });
  });

  it("advanced unknowns are unknown", () => {
    assert.equal(cov(undefined, UNKNOWN).unknown, true);
    assert.equal(cov(undefined, [{ fieldSelectors: UNKNOWN }]).unknown, true);
    assert.equal(cov(undefined, [{ fieldSelectors: [{ field: "eventCategory", equals: UNKNOWN }] }]).unknown, true);
    assert.equal(cov(undefined, [mgmt({ field: UNKNOWN, equals: ["true"] })]).unknown, true);
  });
});

describe("aws-cloudtrail-trail-declared: trailGaps", () => {
  it("a trail declared with only a bucket misses multi-region and validation (provider defaults)", () => {
    const gaps = trailGaps({ s3BucketName: "logs" }, defaults);
    assert.deepEqual(gaps, [
      "is not multi-region (isMultiRegionTrail: true)",
      "does not validate log files (enableLogFileValidation: true)",
    ]);
  });

  it("a well-declared trail has no gaps, and switched-off requirements are not checked", () => {
    assert.deepEqual(trailGaps(good, defaults), []);
    assert.deepEqual(
      trailGaps(
        {
          enableLogging: false,
          includeGlobalServiceEvents: false,
          eventSelectors: [{ includeManagementEvents: false }],
        },
        none,
      ),
      [],
    );
  });

  const switches: [keyof TrailConfig, PlainObject, RegExp][] = [
    ["requireMultiRegion", { isMultiRegionTrail: false }, /not multi-region/],
    ["requireLoggingEnabled", { enableLogging: false }, /declared not logging/],
    ["requireGlobalServiceEvents", { includeGlobalServiceEvents: false }, /excludes global service events/],
    ["requireLogFileValidation", { enableLogFileValidation: "false" }, /does not validate log files/],
    [
      "requireManagementEvents",
      { eventSelectors: [{ readWriteType: "WriteOnly" }] },
      /does not record read management events/,
    ],
    [
      "requireManagementEvents",
      { eventSelectors: [{ excludeManagementEventSources: ["kms.amazonaws.com", "kms.amazonaws.com"] }] },
      /^excludes management event sources \(kms\.amazonaws\.com\)$/,
    ],
    ["requireKmsEncryption", {}, /not encrypted with a KMS key/],
    ["requireKmsEncryption", { kmsKeyId: "" }, /not encrypted with a KMS key/],
    ["requireCloudWatchLogs", {}, /does not send events to CloudWatch Logs/],
  ];
  for (const [key, props, gap] of switches) {
    it(`${key}: ${JSON.stringify(props)} is a gap only when switched on`, () => {
      const on = trailGaps({ ...good, ...props }, { ...none, [key]: true });
      assert.equal(on.length, 1, JSON.stringify(on));
      assert.match(on[0] ?? "", gap);
      assert.deepEqual(trailGaps({ ...good, ...props }, { ...defaults, ...none }), []);
    });
  }

  it("explicit enableLogging true and includeGlobalServiceEvents true are fine", () => {
    assert.deepEqual(trailGaps({ ...good, enableLogging: true, includeGlobalServiceEvents: "true" }, defaults), []);
  });

  it("missing read and write management events are named together", () => {
    const gaps = trailGaps({ ...good, eventSelectors: [{ includeManagementEvents: false }] }, defaults);
    assert.deepEqual(gaps, ["does not record read and write management events"]);
  });

  it("KMS and CloudWatch settings satisfy their switches", () => {
    const all = { ...defaults, requireKmsEncryption: true, requireCloudWatchLogs: true };
    const props = {
      ...good,
      kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k",
      cloudWatchLogsGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:trail:*",
    };
    assert.deepEqual(trailGaps(props, all), []);
  });

  it("unknown values are never gaps", () => {
    const all = { ...defaults, requireKmsEncryption: true, requireCloudWatchLogs: true };
    const props = proxied({
      isMultiRegionTrail: proxy.unknownBooleanValue,
      enableLogging: proxy.unknownBooleanValue,
      includeGlobalServiceEvents: proxy.unknownBooleanValue,
      enableLogFileValidation: proxy.unknownBooleanValue,
      eventSelectors: proxy.unknownArrayValue,
      kmsKeyId: proxy.unknownStringValue,
      cloudWatchLogsGroupArn: proxy.unknownStringValue,
    });
    assert.deepEqual(trailGaps(props, all), []);
  });
});

describe("aws-cloudtrail-trail-declared: evaluate", () => {
  const trail = (props: PlainObject, logical = "trail") => resource(TYPES.awsTrail, logical, props);
  const run = (trails: ReturnType<typeof trail>[], config = defaults): Finding[] => {
    const v = evaluate(stackOf(trails), config);
    assert.ok(Array.isArray(v));
    return v;
  };

  it("is not applicable to a stack without AWS resources", () => {
    const v = evaluate(stackOf([], { aws: false, alicloud: false }), defaults);
    assert.ok(!Array.isArray(v));
  });

  it("no trail: one stack-level finding, unless requireTrail is off", () => {
    const f = run([]);
    assert.equal(f.length, 1);
    assert.equal(f[0]?.urn, undefined);
    assert.match(f[0]?.message ?? "", /declares no CloudTrail trail/);
    assert.deepEqual(run([], { ...defaults, requireTrail: false }), []);
  });

  it("one compliant trail is enough", () => {
    assert.deepEqual(run([trail({ s3BucketName: "b" }, "weak"), trail(good, "strong")]), []);
  });

  it("otherwise a finding per trail, naming it and its gaps", () => {
    const a = trail({ name: "first", isMultiRegionTrail: true }, "a");
    const b = trail({ enableLogFileValidation: true, isMultiRegionTrail: true, enableLogging: false }, "b-logical");
    const f = run([a, b]);
    assert.deepEqual(
      f.map((x) => x.urn),
      [a.urn, b.urn],
    );
    assert.match(f[0]?.message ?? "", /trail 'first' does not validate log files/);
    assert.match(f[1]?.message ?? "", /trail 'b-logical' is declared not logging/);
  });
});
