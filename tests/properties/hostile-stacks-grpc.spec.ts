// Property-based, at the wire: random hostile stacks sent to the compiled pack over the Analyzer gRPC
// protocol, with secret wrappers and unknown sentinels nested anywhere. The pack answers every
// AnalyzeStack (no gRPC error, no hang past the RPC deadline), never reports "can't run policy", and
// never prints a canary. Live calls go to a loopback fake that echoes canaries back in its errors.
// Seeded: replay with FC_SEED=<seed> FC_RUNS=<n>.

import assert from "node:assert/strict";
import fc from "fast-check";
import { FakeAws } from "../fakes/aws";
import {
  AnalyzerHarness,
  explicitProvider,
  resource,
  type ResourceSpec,
  secret,
  stackResource,
  unknown,
  type UnknownKind,
  type Value,
} from "../harness/analyzer";
import { coverageOff } from "../harness/fixtures";

const SEED = Number(process.env["FC_SEED"] ?? 20261121);
const RUNS = Number(process.env["FC_RUNS"] ?? 40);
const CANARIES = ["AKIAGRPCCANARY000001", "grpc-canary-secret-7Hq2", "grpc-canary-token-Zp9w"] as const;
const [CANARY_KEY, CANARY_SECRET, CANARY_TOKEN] = CANARIES;

const unknownKinds: UnknownKind[] = ["string", "boolean", "number", "array", "object"];

// Any value, with unknowns and secret wrappers possibly nested at any depth.
const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.string({ maxLength: 12 }),
    fc.constantFrom("", "x".repeat(3000), "arn:aws-cn:cloudtrail:cn-north-1:1:trail/t", "arn:bogus", "名前/../%00"),
    fc.boolean(),
    fc.integer(),
    fc.constant(null),
    fc.constantFrom(...unknownKinds).map((k) => unknown(k)),
    tie("v").map((inner) => secret(inner)),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("name", "arn", "region", "id", "isEnabled", "x"), tie("v"), { maxKeys: 3 }),
  ),
})).v;

const maybe = (a: fc.Arbitrary<Value>): fc.Arbitrary<Value> =>
  fc.oneof(
    a,
    value,
    a.map((x) => secret(x)),
    fc.constantFrom(...unknownKinds).map((k) => unknown(k)),
  );

const awsType = fc.constantFrom(
  "aws:cfg/recorder:Recorder",
  "aws:cfg/recorderStatus:RecorderStatus",
  "aws:cfg/deliveryChannel:DeliveryChannel",
  "aws:cloudtrail/trail:Trail",
  "aws:s3/bucket:Bucket",
);

function stackOf(fakeUrl: string): fc.Arbitrary<ResourceSpec[]> {
  const provider = fc
    .record({
      region: maybe(fc.constantFrom("us-east-1", "eu-west-1", "nowhere-1")),
      endpoints: maybe(
        fc.constantFrom([{ cloudtrail: fakeUrl, configservice: fakeUrl }], [{ cloudtrail: "ht!tp://bad" }]),
      ),
      assumeRoles: maybe(fc.constant([{ roleArn: "arn:aws:iam::123456789012:role/x" }])),
    })
    .map((extra) =>
      explicitProvider("aws", "p", {
        accessKey: secret(CANARY_KEY),
        secretKey: secret(CANARY_SECRET),
        token: CANARY_TOKEN,
        ...extra,
      }),
    );
  const props = fc.record(
    {
      id: maybe(fc.constantFrom("rec-1", "arn:aws:cloudtrail:us-east-1:123456789012:trail/t-1")),
      name: maybe(fc.constantFrom("rec-1", "t-1")),
      arn: maybe(fc.constant("arn:aws:cloudtrail:us-east-1:123456789012:trail/t-1")),
      homeRegion: maybe(fc.constant("us-east-1")),
      isEnabled: maybe(fc.boolean()),
      recordingGroup: value,
      eventSelectors: value,
    },
    { requiredKeys: [] },
  );
  return fc
    .tuple(provider, fc.array(fc.tuple(awsType, fc.constantFrom("a", "b", "dup"), props), { maxLength: 8 }))
    .map(([p, rs]) => [stackResource(), ...rs.map(([type, n, pr]) => resource(type, n, pr, { provider: p }))]);
}

describe("hostile stacks over the Analyzer protocol (property-based)", function () {
  this.timeout(180_000);
  let fake: FakeAws;
  let pack: AnalyzerHarness;

  before(async function () {
    fake = await FakeAws.start();
    // Every live call fails with an error that echoes the canaries.
    fake.fault = () => ({
      kind: "error",
      status: 400,
      code: "AccessDeniedException",
      message: `no for ${CANARIES.join(" ")}`,
    });
    pack = await AnalyzerHarness.start({
      dryRun: false,
      // Coverage off: random providers may have no STS endpoint, and coverage would ask the real STS.
      policies: {
        ...coverageOff(),
        "aws-config-recorder-recording": { timeoutSeconds: 2 },
        "aws-cloudtrail-trail-logging": { timeoutSeconds: 2 },
      },
      env: { AWS_SECRET_ACCESS_KEY: CANARY_SECRET, AWS_ACCESS_KEY_ID: CANARY_KEY },
    });
  });
  after(async function () {
    await pack.close();
    await fake.close();
  });

  for (const dryRun of [true, false]) {
    it(`answers every AnalyzeStack and leaks nothing (${dryRun ? "preview" : "update"})`, async function () {
      await pack.configureStack(dryRun);
      fake.requests.length = 0;
      let diagnostics = 0;
      await fc.assert(
        fc.asyncProperty(stackOf(fake.url), async (stack) => {
          const res = await pack.analyzeStack(stack); // a gRPC error or a hang past the RPC deadline rejects
          diagnostics += res.diagnostics.length;
          for (const d of res.diagnostics) {
            const text = JSON.stringify(d);
            assert.ok(!text.includes("can't run policy"), text);
            assert.ok(!text.includes("auditguard could not evaluate"), text);
            for (const c of CANARIES) assert.ok(!text.includes(c), `canary in a diagnostic: ${text}`);
          }
        }),
        { seed: SEED + (dryRun ? 1 : 0), numRuns: RUNS },
      );
      for (const c of CANARIES) assert.ok(!pack.output().includes(c), "canary in the pack's stdout/stderr");
      assert.ok(diagnostics > 0, "no diagnostic at all: the stacks exercised nothing");
      // After an update every declared resource exists: some stacks must have reached the live path.
      if (!dryRun) assert.ok(fake.requests.length > 0, "no live call was ever made");
    });
  }
});
