// Discovered resources (a Pulumi Cloud audit of cloud accounts) read from what any shape carries, and the resource
// round that every per-resource Analyze of one analysis shares.

import assert from "node:assert/strict";
import { discoveredFacts, urnParts } from "../../lib/aws/discovered";
import { success } from "../../lib/live/outcome";
import { runResourceChecks, SESSION_LIFE_MS } from "../../lib/live/resource-round";
import type { LiveKind, PlannedCall } from "../../lib/live/round";
import { resource, TYPES } from "./support";

const ACCOUNT = "123456789012";
const urn = (type: string, name: string, stack = `${ACCOUNT}/eu-west-1`, project = ACCOUNT): string =>
  `urn:pulumi:${stack}::${project}::${type}::${name}`;

function discovered(
  type: string,
  name: string,
  props: Record<string, string>,
  u = urn(type, name),
): ReturnType<typeof resource> {
  return { ...resource(type, name, props), urn: u };
}

describe("discovered resources: facts from any shape", () => {
  it("urnParts splits a URN whose stack is <account>/<region>, keeping '::' inside the name", () => {
    assert.deepEqual(urnParts(urn(TYPES.awsTrail, "a::b")), {
      stack: `${ACCOUNT}/eu-west-1`,
      project: ACCOUNT,
      type: TYPES.awsTrail,
      name: "a::b",
    });
    assert.equal(urnParts("arn:aws:cloudtrail:x"), undefined);
  });

  it("the ARN names account, region and trail; it wins over the URN", () => {
    const arn = "arn:aws:cloudtrail:us-west-2:210987654321:trail/org";
    assert.deepEqual(discoveredFacts(discovered(TYPES.awsTrail, "org", { arn })), {
      account: "210987654321",
      region: "us-west-2",
      arn,
      name: "org",
      discoveryUrn: true,
    });
  });

  it("an id that is an ARN stands for the arn; homeRegion is the trail's home", () => {
    const arn = "arn:aws-cn:cloudtrail:cn-north-1:210987654321:trail/org";
    const f = discoveredFacts(discovered(TYPES.awsTrail, "x", { id: arn, homeRegion: "cn-northwest-1", name: "org" }));
    assert.deepEqual(f, { account: "210987654321", region: "cn-northwest-1", arn, name: "org", discoveryUrn: true });
  });

  it("no props: account from the URN's project, region from its stack, name from its last part", () => {
    assert.deepEqual(discoveredFacts(discovered(TYPES.awsRecorder, "default", {})), {
      account: ACCOUNT,
      region: "eu-west-1",
      arn: undefined,
      name: "default",
      discoveryUrn: true,
    });
  });

  it("a URN that is not Discovery's (an ordinary stack) names neither account nor region", () => {
    const f = discoveredFacts(discovered(TYPES.awsRecorder, "rec", {}, urn(TYPES.awsRecorder, "rec", "dev", "app")));
    assert.equal(f.account, undefined);
    assert.equal(f.region, undefined);
    assert.equal(f.name, "rec");
    assert.equal(f.discoveryUrn, false);
  });
});

describe("resource round: one session per analysis, short-lived", () => {
  const kind: LiveKind<string> = { id: "unit-kind", label: "unit", policyName: "unit", plan: () => [] };

  function counted(key: string, counter: { n: number }): PlannedCall<string> {
    return {
      urn: `urn:${key}`,
      spec: { cloud: "aws", action: "Unit", permission: "unit:Unit", region: "r", account: undefined, target: key },
      key,
      rateKey: "unit",
      timeoutMs: 1000,
      attempt: () => {
        counter.n++;
        return Promise.resolve(success(key));
      },
    };
  }

  it("an identical call from another resource's Analyze is made once; after the session's life it is made again", async () => {
    const counter = { n: 0 };
    // Past any session an earlier test left, so this test starts its own.
    const t0 = Date.now() + 10 * SESSION_LIFE_MS;
    const key = `unit-${Math.random()}`;
    const a = await runResourceChecks(kind, [counted(key, counter)], t0);
    const b = await runResourceChecks(kind, [counted(key, counter)], t0 + 1000);
    assert.equal(counter.n, 1);
    assert.deepEqual([a[0]?.outcome, b[0]?.outcome], [success(key), success(key)]);
    assert.deepEqual([a[0]?.urn, a[0]?.policyName], [`urn:${key}`, "unit"]);
    await runResourceChecks(kind, [counted(key, counter)], t0 + 1000 + SESSION_LIFE_MS + 1);
    assert.equal(counter.n, 2, "a result older than the session's life is not reused");
  });
});
