import assert from "node:assert/strict";
import {
  type BooleanOption,
  configSchema,
  type EnumOption,
  maxDeliveryAgeHoursOption,
  newTrailGraceMinutesOption,
  type NumberOption,
  type Options,
  pendingGraceMinutesOption,
  readOptions,
  type StringListOption,
  timeoutSecondsOption,
} from "../../lib/options";
import * as liveVerification from "../../policies/auditguard-live-verification";
import * as trailDeclared from "../../policies/aws-cloudtrail-trail-declared";
import * as trailLogging from "../../policies/aws-cloudtrail-trail-logging";
import * as recorderDeclared from "../../policies/aws-config-recorder-declared";
import * as recorderRecording from "../../policies/aws-config-recorder-recording";

const sample = {
  seconds: { type: "number", default: 10, minimum: 1, maximum: 300, description: "s" } satisfies NumberOption,
  count: { type: "integer", default: 3, minimum: 0, maximum: 5, description: "c" } satisfies NumberOption,
  flag: { type: "boolean", default: true, description: "f" } satisfies BooleanOption,
  names: { type: "array", default: ["kms.amazonaws.com"], description: "n" } satisfies StringListOption,
  mode: {
    type: "string",
    default: "warn",
    enum: ["warn", "fail"],
    description: "m",
  } satisfies EnumOption<"warn" | "fail">,
};

const policyOptions: [string, Options][] = [
  [recorderDeclared.name, recorderDeclared.options],
  [trailDeclared.name, trailDeclared.options],
  [recorderRecording.name, recorderRecording.options],
  [trailLogging.name, trailLogging.options],
  [liveVerification.name, liveVerification.options],
];

describe("options: configSchema", () => {
  it("emits one JSON-schema property per option, with its default, and nothing required", () => {
    const schema = configSchema(sample);
    assert.equal(schema.required, undefined);
    assert.deepEqual(schema.properties, {
      seconds: { type: "number", default: 10, minimum: 1, maximum: 300, description: "s" },
      count: { type: "integer", default: 3, minimum: 0, maximum: 5, description: "c" },
      flag: { type: "boolean", default: true, description: "f" },
      names: { type: "array", items: { type: "string" }, default: ["kms.amazonaws.com"], description: "n" },
      mode: { type: "string", enum: ["warn", "fail"], default: "warn", description: "m" },
    });
  });

  it("copies array defaults, so the schema cannot alias an option", () => {
    const schema = configSchema(sample);
    const names = schema.properties["names"] as { default: string[] };
    names.default.push("changed");
    assert.deepEqual(sample.names.default, ["kms.amazonaws.com"]);
  });

  for (const [policy, options] of policyOptions) {
    it(`${policy}: every property has a valid default that readOptions keeps`, () => {
      const props = configSchema(options).properties;
      assert.deepEqual(Object.keys(props).sort(), Object.keys(options).sort());
      const defaults: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(props)) {
        assert.ok(typeof p === "object" && p !== null && "default" in p, `${policy}.${k} has no default`);
        assert.equal(typeof (p as { description?: unknown }).description, "string", `${policy}.${k} description`);
        defaults[k] = (p as { default: unknown }).default;
      }
      // A default that failed its own validation would be silently replaced: compare both ways.
      assert.deepEqual(readOptions(options, defaults), defaults);
      assert.deepEqual(readOptions(options, {}), defaults);
    });
  }

  it("the shared live options have sensible ranges", () => {
    for (const o of [
      timeoutSecondsOption,
      pendingGraceMinutesOption,
      maxDeliveryAgeHoursOption,
      newTrailGraceMinutesOption,
    ]) {
      assert.ok(o.minimum <= o.default && o.default <= o.maximum);
    }
    assert.ok(timeoutSecondsOption.minimum > 0, "a zero deadline would fail every call");
    assert.ok(maxDeliveryAgeHoursOption.minimum > 0);
  });
});

describe("options: readOptions", () => {
  const defaults = { seconds: 10, count: 3, flag: true, names: ["kms.amazonaws.com"], mode: "warn" };

  it("applies defaults when no config is sent", () => {
    assert.deepEqual(readOptions(sample, undefined), defaults);
    assert.deepEqual(readOptions(sample, {}), defaults);
  });

  it("keeps valid values, boundaries included", () => {
    assert.deepEqual(readOptions(sample, { seconds: 300, count: 0, flag: false, names: [], mode: "fail" }), {
      seconds: 300,
      count: 0,
      flag: false,
      names: [],
      mode: "fail",
    });
    assert.equal(readOptions(sample, { seconds: 1 }).seconds, 1);
    assert.equal(readOptions(sample, { seconds: 2.5 }).seconds, 2.5, "type number accepts fractions");
  });

  it("falls back to the default for wrong types", () => {
    assert.deepEqual(readOptions(sample, { seconds: "20", count: true, flag: "false", names: "a", mode: 1 }), defaults);
    assert.deepEqual(readOptions(sample, { seconds: null, names: ["a", 1], flag: 0 }), defaults);
  });

  it("falls back to the default for values out of range or not allowed", () => {
    assert.deepEqual(readOptions(sample, { seconds: 0, count: 6, mode: "WARN" }), defaults);
    assert.deepEqual(readOptions(sample, { seconds: 301, count: -1 }), defaults);
    assert.deepEqual(readOptions(sample, { seconds: Number.NaN, count: Number.POSITIVE_INFINITY }), defaults);
    assert.equal(readOptions(sample, { count: 2.5 }).count, 3, "type integer rejects fractions");
  });

  it("ignores unknown keys and judges each option independently", () => {
    const out = readOptions(sample, { seconds: 999, flag: false, extra: 1 });
    assert.deepEqual(out, { ...defaults, flag: false });
    assert.equal(Object.prototype.hasOwnProperty.call(out, "extra"), false);
  });

  it("reads the real policy options", () => {
    assert.deepEqual(readOptions(trailLogging.options, { maxDeliveryAgeHours: 6, newTrailGraceMinutes: -5 }), {
      timeoutSeconds: 10,
      maxDeliveryAgeHours: 6,
      newTrailGraceMinutes: 60,
      quietTrailsMustDeliver: false,
    });
    assert.deepEqual(readOptions(recorderDeclared.options, { allowExclusions: true }), {
      requireRecorder: false,
      requireGlobalResourceTypes: true,
      allowExclusions: true,
    });
  });
});
