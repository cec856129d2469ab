// Property-based: random, hostile stacks through every policy of the pack. The pack never throws,
// never hangs, never plans a call it should not, and never prints a secret. Seeded: a failure replays
// with FC_SEED=<seed printed by fast-check>.

import assert from "node:assert/strict";
import fc from "fast-check";
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { LIVE_KINDS } from "../../lib/live/kinds";
import { failure } from "../../lib/live/outcome";
import { type Call, type LiveKind, type PlannedCheck, registerKinds } from "../../lib/live/round";
import { viewOf, TYPES } from "../../lib/stack";
import * as policies from "../policies-list";

const proxyModule = require("@pulumi/policy/proxy") as {
  unknownCheckingProxy<T extends object>(v: T): T;
  unknownStringValue: string;
  unknownBooleanValue: string;
  unknownArrayValue: string;
  unknownObjectValue: string;
  unknownNumberValue: string;
};

const SEED = Number(process.env["FC_SEED"] ?? 20261121);
const RUNS = Number(process.env["FC_RUNS"] ?? 150);
const CANARY_KEY = "AKIACANARYKEY0000001";
const CANARY_SECRET = "canary-secret-9f8e7d6c5b4a";
const CANARY_TOKEN = "canary-token-0a1b2c3d4e5f";

const UNKNOWNS = [
  proxyModule.unknownStringValue,
  proxyModule.unknownBooleanValue,
  proxyModule.unknownArrayValue,
  proxyModule.unknownObjectValue,
  proxyModule.unknownNumberValue,
];

// ---- generators ----
const oddString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "名前",
    "trail/../x",
    "a\u0000b",
    "arn:",
    "arn:aws:cloudtrail",
    "ünïcödé-trail",
    "x".repeat(5000),
  ),
  fc.constantFrom(...UNKNOWNS),
);
const region = fc.constantFrom(
  "us-east-1",
  "eu-west-1",
  "cn-north-1",
  "us-gov-west-1",
  "xx-nowhere-9",
  "",
  "cn-hangzhou",
  "ap-southeast-1",
);
const arn = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("aws", "aws-cn", "aws-us-gov", "bogus"),
      region,
      fc.constantFrom("123456789012", "1", ""),
      oddString,
    )
    .map(([p, r, a, n]) => `arn:${p}:cloudtrail:${r}:${a}:trail/${n}`),
  oddString,
);
const scalar: fc.Arbitrary<unknown> = fc.oneof(oddString, fc.boolean(), fc.integer(), fc.constant(null), fc.double());
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie("value"), { maxKeys: 3 }),
  ),
})).value;
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof(a, anyValue, fc.constantFrom(...UNKNOWNS));

const recordingGroup = fc.record(
  {
    allSupported: maybe(fc.boolean()),
    recordingStrategies: maybe(
      fc.array(
        fc.record({
          useOnly: maybe(
            fc.constantFrom(
              "ALL_SUPPORTED_RESOURCE_TYPES",
              "EXCLUSION_BY_RESOURCE_TYPES",
              "INCLUSION_BY_RESOURCE_TYPES",
            ),
          ),
        }),
        { maxLength: 2 },
      ),
    ),
    exclusionByResourceTypes: maybe(
      fc.array(fc.record({ resourceTypes: maybe(fc.array(oddString, { maxLength: 3 })) }), { maxLength: 2 }),
    ),
    resourceTypes: maybe(fc.array(oddString, { maxLength: 3 })),
  },
  { requiredKeys: [] },
);

const props = fc.record(
  {
    id: maybe(oddString),
    name: maybe(oddString),
    arn: maybe(arn),
    region: maybe(region),
    homeRegion: maybe(region),
    regionId: maybe(region),
    trailName: maybe(oddString),
    isEnabled: maybe(fc.boolean()),
    isMultiRegionTrail: maybe(fc.boolean()),
    enableLogging: maybe(fc.boolean()),
    isOrganizationTrail: maybe(fc.boolean()),
    status: maybe(fc.constantFrom("Enable", "Disable", "Fresh")),
    trailRegion: maybe(fc.constantFrom("All", "cn-hangzhou")),
    eventRw: maybe(fc.constantFrom("All", "Read", "Write")),
    resourceTypes: maybe(fc.array(oddString, { maxLength: 3 })),
    recordingGroup: maybe(recordingGroup),
    eventSelectors: maybe(fc.array(anyValue, { maxLength: 2 })),
    advancedEventSelectors: maybe(fc.array(anyValue, { maxLength: 2 })),
    cloudWatchLogsGroupArn: maybe(oddString),
  },
  { requiredKeys: [] },
);

const json = (v: unknown): fc.Arbitrary<unknown> =>
  fc.constantFrom(JSON.stringify(v), v, "[{not json", "{}", "", proxyModule.unknownStringValue);
const providerProps = fc.record(
  {
    region: maybe(region),
    accessKey: fc.constantFrom(CANARY_KEY, proxyModule.unknownStringValue),
    secretKey: fc.constantFrom(CANARY_SECRET, proxyModule.unknownStringValue),
    token: fc.constant(CANARY_TOKEN),
    securityToken: fc.constant(CANARY_TOKEN),
    profile: maybe(oddString),
    endpoints: fc.oneof(
      json([
        {
          cloudtrail: "http://127.0.0.1:1",
          configservice: "ht!tp://bad",
          config: "not a host",
          actiontrail: "http://127.0.0.1:1",
        },
      ]),
      json([{ sts: "http://127.0.0.1:1" }]),
    ),
    assumeRoles: json([{ roleArn: "arn:aws:iam::123456789012:role/audit", duration: "1h" }]),
    assumeRole: json({ roleArn: "acs:ram::123456:role/audit" }),
    accountType: maybe(fc.constantFrom("Domestic", "International")),
  },
  { requiredKeys: ["accessKey", "secretKey", "token", "securityToken"] },
);

const resourceType = fc.constantFrom(
  ...Object.values(TYPES),
  "aws:s3/bucket:Bucket",
  "alicloud:ecs/instance:Instance",
  "pulumi:pulumi:Stack",
  "pulumi:providers:aws",
  "random:index/randomId:RandomId",
);

interface RawResource {
  type: string;
  urn: string;
  name: string;
  props: Record<string, unknown>;
  provider: { type: string; urn: string; name: string; props: Record<string, unknown> } | undefined;
}

const resource: fc.Arbitrary<RawResource> = fc
  .tuple(
    resourceType,
    fc.constantFrom("a", "b", "dup"),
    props,
    fc.option(providerProps, { nil: undefined }),
    fc.boolean(),
  )
  .map(([type, n, p, prov, alicloud]) => ({
    type,
    urn: `urn:pulumi:s::p::${type}::${n}`, // "dup" gives duplicate URNs
    name: n,
    props: p as Record<string, unknown>,
    provider: prov
      ? {
          type: alicloud ? "pulumi:providers:alicloud" : "pulumi:providers:aws",
          urn: `urn:prov:${n}`,
          name: n,
          props: prov as Record<string, unknown>,
        }
      : undefined,
  }));

const stack = fc.array(resource, { maxLength: 12 });

// ---- the pack, without network: every live attempt is replaced by a failure that echoes the secrets ----
let attemptsMade: { urn: string; exists: boolean; cloud: "aws" | "alicloud"; coverage: boolean }[] = [];
let totals = { attempts: 0, messages: 0, coverage: 0 };
function offlineKinds(existsByUrn: Map<string, boolean>): LiveKind<unknown>[] {
  return LIVE_KINDS.map((k) => ({
    ...k,
    plan: (view, raw) =>
      k.plan(view, raw).map((c): PlannedCheck<unknown> => {
        if ("outcome" in c) return c;
        if ("compose" in c) {
          // Account coverage: every call it makes, whatever it depends on, fails the same way.
          return {
            ...c,
            compose: (_run, ctx) =>
              c.compose(<U>(call: Call<U>) => {
                attemptsMade.push({ urn: c.urn, exists: true, cloud: call.spec.cloud, coverage: true });
                return Promise.resolve(
                  failure<U>("access-denied", `denied for ${CANARY_KEY} / ${CANARY_SECRET} token ${CANARY_TOKEN}`),
                );
              }, ctx),
          };
        }
        return {
          ...c,
          attempt: () => {
            attemptsMade.push({
              urn: c.urn,
              exists: existsByUrn.get(c.urn) ?? false,
              cloud: c.spec.cloud,
              coverage: false,
            });
            return Promise.resolve(
              failure("access-denied", `denied for ${CANARY_KEY} / ${CANARY_SECRET} token ${CANARY_TOKEN}`),
            );
          },
        };
      }),
  }));
}

class NotApplicable extends Error {}

function toPolicyResources(raw: RawResource[]): PolicyResource[] {
  return raw.map(
    (r) =>
      ({
        type: r.type,
        urn: r.urn,
        name: r.name,
        props: proxyModule.unknownCheckingProxy({ ...r.props }),
        provider: r.provider
          ? { ...r.provider, props: proxyModule.unknownCheckingProxy({ ...r.provider.props }) }
          : undefined,
        opts: {},
        dependencies: [],
        propertyDependencies: {},
      }) as unknown as PolicyResource,
  );
}

async function runPack(resources: PolicyResource[]): Promise<string[]> {
  const messages: string[] = [];
  for (const p of policies.stack) {
    const report = ((m: unknown) => messages.push(typeof m === "string" ? m : JSON.stringify(m))) as ReportViolation;
    const args = {
      resources,
      getConfig: () => ({ timeoutSeconds: 1 }),
      stackTags: new Map<string, string>(),
      notApplicable: (reason?: string): never => {
        throw new NotApplicable(reason);
      },
    } as unknown as StackValidationArgs;
    try {
      await p.validateStack(args, report);
    } catch (e) {
      if (!(e instanceof NotApplicable)) throw e;
    }
  }
  return messages;
}

describe("hostile stacks (property-based)", function () {
  this.timeout(120_000);

  for (const dryRun of [true, false]) {
    it(`never throws, plans no forbidden call and leaks no secret (${dryRun ? "preview" : "update"})`, async () => {
      // The canaries are everything the pack is given: provider props and its environment (e.g. from ESC).
      const env: Record<string, string> = {
        PULUMI_NODEJS_DRY_RUN: String(dryRun),
        AWS_ACCESS_KEY_ID: CANARY_KEY,
        AWS_SECRET_ACCESS_KEY: CANARY_SECRET,
        AWS_SESSION_TOKEN: CANARY_TOKEN,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: CANARY_SECRET,
      };
      const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      totals = { attempts: 0, messages: 0, coverage: 0 };
      try {
        await fc.assert(
          fc.asyncProperty(stack, async (raw) => {
            const resources = toPolicyResources(raw);
            const view = viewOf(resources);
            const exists = new Map(view.resources.map((r) => [r.urn, r.exists]));
            attemptsMade = [];
            registerKinds(offlineKinds(exists));
            const messages = await runPack(resources);
            totals.attempts += attemptsMade.length;
            totals.messages += messages.length;
            // Calls are made only for resources that exist in the cloud.
            for (const a of attemptsMade) assert.ok(a.exists, `call for a resource being created: ${a.urn}`);
            // Coverage calls only for a cloud the stack deploys resources of.
            for (const a of attemptsMade.filter((x) => x.coverage)) {
              assert.ok(view.deploys[a.cloud], `a ${a.cloud} coverage call for a stack with no ${a.cloud} resource`);
            }
            totals.coverage += attemptsMade.filter((x) => x.coverage).length;
            // Planned calls have a usable target: an id, a region, a valid endpoint.
            for (const k of LIVE_KINDS) {
              for (const c of k.plan(view, {})) {
                if ("outcome" in c) continue;
                assert.ok(c.spec.target.length > 0 && !c.spec.target.includes("04da6b54"), "unknown target planned");
                assert.ok(c.spec.region ?? c.spec.apiRegion, "call without region");
                if (c.spec.endpoint) assert.doesNotThrow(() => new URL(c.spec.endpoint ?? ""));
              }
            }
            for (const m of messages) {
              for (const canary of [CANARY_KEY, CANARY_SECRET, CANARY_TOKEN])
                assert.ok(!m.includes(canary), `secret leaked: ${m}`);
              assert.ok(!m.includes("can't run policy"), m);
              assert.ok(!m.startsWith("auditguard could not evaluate"), `internal error: ${m}`);
            }
          }),
          { seed: SEED, numRuns: RUNS },
        );
        // Not vacuous: the generated stacks did reach live attempts and produce diagnostics.
        assert.ok(totals.attempts > 0, "no live attempt was ever made");
        assert.ok(totals.messages > 0, "no diagnostic was ever produced");
        assert.ok(totals.coverage > 0, "no coverage call was ever made");
      } finally {
        for (const [k, v] of Object.entries(before)) {
          if (v === undefined) Reflect.deleteProperty(process.env, k);
          else process.env[k] = v;
        }
        registerKinds(LIVE_KINDS);
      }
    });
  }
});
