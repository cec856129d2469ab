import assert from "node:assert/strict";
import { type PlainObject, UNKNOWN } from "../../lib/plain";
import type { Finding, Verdict } from "../../lib/policy-kit";
import type { ResourceView } from "../../lib/stack";
import { evaluate, recordingScope } from "../../policies/aws-config-recorder-declared";
import { proxied, proxy, resource, stackOf, TYPES, withEnv } from "./support";

// The global-types rule is off here; its own tests below switch it on.
const defaults = { requireRecorder: true, requireGlobalResourceTypes: false, allowExclusions: false };

const recorder = (props: PlainObject = {}, logical = "rec") =>
  resource(TYPES.awsRecorder, logical, { name: "main-recorder", region: "us-east-1", ...props });
const status = (props: PlainObject = {}, logical = "rec-status") =>
  resource(TYPES.awsRecorderStatus, logical, { name: "main-recorder", isEnabled: true, region: "us-east-1", ...props });
const channel = (props: PlainObject = {}, logical = "channel") =>
  resource(TYPES.awsDeliveryChannel, logical, { name: "main", s3BucketName: "logs", region: "us-east-1", ...props });

function findings(resources: ResourceView[], config = defaults): Finding[] {
  const v: Verdict = withEnv({}, () => evaluate(stackOf(resources), config));
  assert.ok(Array.isArray(v), "expected findings, got notApplicable");
  return v;
}

describe("aws-config-recorder-declared: recordingScope", () => {
  it("no recordingGroup, or one without a strategy, records all supported types", () => {
    assert.deepEqual(recordingScope(undefined), { kind: "all" });
    assert.deepEqual(recordingScope(null), { kind: "all" });
    assert.deepEqual(recordingScope({}), { kind: "all" });
    assert.deepEqual(recordingScope({ allSupported: true, includeGlobalResourceTypes: true }), { kind: "all" });
    assert.deepEqual(recordingScope({ allSupported: "true" }), { kind: "all" });
  });

  it("ALL_SUPPORTED_RESOURCE_TYPES records all", () => {
    assert.deepEqual(
      recordingScope({ allSupported: true, recordingStrategies: [{ useOnly: "ALL_SUPPORTED_RESOURCE_TYPES" }] }),
      { kind: "all" },
    );
  });

  it("an empty or absent useOnly does not override allSupported", () => {
    assert.deepEqual(recordingScope({ allSupported: true, recordingStrategies: [{ useOnly: "" }] }), { kind: "all" });
    assert.deepEqual(recordingScope({ allSupported: true, recordingStrategies: [{}] }), { kind: "all" });
    assert.deepEqual(recordingScope({ allSupported: true, recordingStrategies: [] }), { kind: "all" });
  });

  it("allSupported false records the listed types only", () => {
    assert.deepEqual(recordingScope({ allSupported: false, resourceTypes: ["AWS::S3::Bucket", "AWS::IAM::Role"] }), {
      kind: "inclusion",
      included: ["AWS::S3::Bucket", "AWS::IAM::Role"],
    });
    assert.deepEqual(
      recordingScope({ allSupported: false, recordingStrategies: [{ useOnly: "INCLUSION_BY_RESOURCE_TYPES" }] }),
      { kind: "inclusion", included: [] },
    );
  });

  it("EXCLUSION_BY_RESOURCE_TYPES collects the excluded types of every block", () => {
    assert.deepEqual(
      recordingScope({
        allSupported: false,
        recordingStrategies: [{ useOnly: "EXCLUSION_BY_RESOURCE_TYPES" }],
        exclusionByResourceTypes: [{ resourceTypes: ["AWS::EC2::Volume"] }, { resourceTypes: ["AWS::EC2::Subnet"] }],
      }),
      { kind: "exclusion", excluded: ["AWS::EC2::Volume", "AWS::EC2::Subnet"] },
    );
  });

  it("any unknown that decides the scope makes it unknown", () => {
    const cases: PlainObject[] = [
      { allSupported: UNKNOWN },
      { recordingStrategies: UNKNOWN },
      { recordingStrategies: [UNKNOWN] },
      { recordingStrategies: [{ useOnly: UNKNOWN }] },
      { allSupported: false, resourceTypes: UNKNOWN },
      { allSupported: false, resourceTypes: ["AWS::S3::Bucket", UNKNOWN] },
      { recordingStrategies: [{ useOnly: "EXCLUSION_BY_RESOURCE_TYPES" }], exclusionByResourceTypes: UNKNOWN },
      {
        recordingStrategies: [{ useOnly: "EXCLUSION_BY_RESOURCE_TYPES" }],
        exclusionByResourceTypes: [{ resourceTypes: UNKNOWN }],
      },
    ];
    assert.deepEqual(recordingScope(UNKNOWN), { kind: "unknown" });
    for (const c of cases) assert.deepEqual(recordingScope(c), { kind: "unknown" }, JSON.stringify(c));
  });

  it("a known ALL strategy wins over an unknown allSupported", () => {
    assert.deepEqual(
      recordingScope({ allSupported: UNKNOWN, recordingStrategies: [{ useOnly: "ALL_SUPPORTED_RESOURCE_TYPES" }] }),
      { kind: "all" },
    );
  });
});

describe("aws-config-recorder-declared: evaluate", () => {
  it("is not applicable to a stack without AWS resources", () => {
    const v = evaluate(stackOf([], { aws: false, alicloud: true }), defaults);
    assert.ok(!Array.isArray(v));
    assert.match(v.notApplicable, /no AWS resources/);
  });

  it("a stack with AWS resources and no recorder gets one stack-level finding", () => {
    const f = findings([]);
    assert.equal(f.length, 1);
    assert.equal(f[0]?.urn, undefined);
    assert.match(f[0]?.message ?? "", /declares no AWS Config recorder/);
    assert.match(f[0]?.message ?? "", /requireRecorder: false/);
  });

  it("requireRecorder false accepts a stack without recorder", () => {
    assert.deepEqual(findings([], { ...defaults, requireRecorder: false }), []);
  });

  it("a recorder with a started status and a delivery channel in its region is fine", () => {
    assert.deepEqual(findings([recorder(), status(), channel()]), []);
  });

  it("flags a recorder without RecorderStatus", () => {
    const rec = recorder();
    const f = findings([rec, channel()]);
    assert.equal(f.length, 1);
    assert.equal(f[0]?.urn, rec.urn);
    assert.match(f[0]?.message ?? "", /'main-recorder' \(us-east-1\) has no aws\.cfg\.RecorderStatus/);
  });

  it("a RecorderStatus for another recorder name or region does not count", () => {
    const f1 = findings([recorder(), status({ name: "other" }), channel()]);
    assert.equal(f1.length, 1);
    assert.match(f1[0]?.message ?? "", /no aws\.cfg\.RecorderStatus/);
    const f2 = findings([recorder(), status({ region: "eu-west-1" }), channel()]);
    assert.equal(f2.length, 1);
    assert.match(f2[0]?.message ?? "", /no aws\.cfg\.RecorderStatus/);
  });

  it("a RecorderStatus whose name is unknown in preview matches by region", () => {
    assert.deepEqual(findings([recorder(), status({ name: UNKNOWN }), channel()]), []);
  });

  it("flags isEnabled false, as a boolean or the provider's string", () => {
    for (const isEnabled of [false, "false"]) {
      const rec = recorder();
      const f = findings([rec, status({ isEnabled }), channel()]);
      assert.equal(f.length, 1);
      assert.equal(f[0]?.urn, rec.urn);
      assert.match(f[0]?.message ?? "", /declared stopped.*isEnabled: false/);
    }
  });

  it("an unknown isEnabled is no finding", () => {
    assert.deepEqual(findings([recorder(), status({ isEnabled: UNKNOWN }), channel()]), []);
  });

  it("flags a recorder with no delivery channel in the same region", () => {
    for (const resources of [
      [recorder(), status()],
      [recorder(), status(), channel({ region: "eu-west-1" })],
    ]) {
      const f = findings(resources);
      assert.equal(f.length, 1);
      assert.match(f[0]?.message ?? "", /no aws\.cfg\.DeliveryChannel in the same region/);
      assert.match(f[0]?.message ?? "", /NoAvailableDeliveryChannelException/);
    }
  });

  it("a delivery channel whose region cannot be resolved is given the benefit of the doubt", () => {
    assert.deepEqual(findings([recorder(), status(), channel({ region: UNKNOWN })]), []);
  });

  it("reports every gap of one recorder", () => {
    const f = findings([recorder({ recordingGroup: { allSupported: false, resourceTypes: ["AWS::S3::Bucket"] } })]);
    assert.equal(f.length, 3);
  });

  it("flags an inclusion list, naming its types", () => {
    const types = ["A::B::C1", "A::B::C2", "A::B::C3", "A::B::C4", "A::B::C5", "A::B::C6"];
    const f = findings([
      recorder({ recordingGroup: { allSupported: false, resourceTypes: types } }),
      status(),
      channel(),
    ]);
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? "", /records only 6 selected resource type\(s\) \(A::B::C1, .*A::B::C5, …\)/);
    assert.ok(!(f[0]?.message ?? "").includes("C6"));
  });

  it("flags an exclusion list unless allowExclusions", () => {
    const group = {
      allSupported: false,
      recordingStrategies: [{ useOnly: "EXCLUSION_BY_RESOURCE_TYPES" }],
      exclusionByResourceTypes: [{ resourceTypes: ["AWS::EC2::Volume"] }],
    };
    const resources = [recorder({ recordingGroup: group }), status(), channel()];
    const f = findings(resources);
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? "", /excludes 1 resource type\(s\) from recording \(AWS::EC2::Volume\)/);
    assert.deepEqual(findings(resources, { ...defaults, allowExclusions: true }), []);
  });

  it("an inclusion list is flagged even with allowExclusions", () => {
    const rec = recorder({ recordingGroup: { allSupported: false, resourceTypes: ["AWS::S3::Bucket"] } });
    assert.equal(findings([rec, status(), channel()], { ...defaults, allowExclusions: true }).length, 1);
  });

  it("preview unknowns from the real proxy produce no finding", () => {
    const rec = resource(
      TYPES.awsRecorder,
      "rec",
      proxied({
        name: proxy.unknownStringValue,
        region: "us-east-1",
        recordingGroup: { allSupported: proxy.unknownBooleanValue },
      }),
    );
    const st = resource(
      TYPES.awsRecorderStatus,
      "st",
      proxied({ name: proxy.unknownStringValue, isEnabled: true, region: "us-east-1" }),
    );
    const ch = resource(
      TYPES.awsDeliveryChannel,
      "ch",
      proxied({ name: proxy.unknownStringValue, region: "us-east-1" }),
    );
    assert.deepEqual(findings([rec, st, ch]), []);
    const whole = resource(
      TYPES.awsRecorder,
      "rec2",
      proxied({ region: "us-east-1", recordingGroup: proxy.unknownObjectValue }),
    );
    assert.deepEqual(findings([whole, st, ch]), []);
  });

  it("labels a recorder with an unknown name by its logical name", () => {
    const f = findings([recorder({ name: UNKNOWN }, "logical-rec"), channel()]);
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? "", /'logical-rec'/);
  });

  it("judges each recorder on its own", () => {
    const east = recorder({}, "east");
    const west = recorder({ name: "west-recorder", region: "us-west-2" }, "west");
    const f = findings([east, west, status(), channel()]);
    assert.deepEqual(
      f.map((x) => x.urn),
      [west.urn, west.urn],
    );
  });
});
