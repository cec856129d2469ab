// Whole pack over the Analyzer protocol: a "not found" is believed only from the resource's account.
// The pack process signs with ambient environment keys; the fake's STS GetCallerIdentity says which
// account those keys belong to. A trail or recorder missing as seen from another account is reported
// by auditguard-live-verification (undetermined, naming both accounts), never as a mandatory violation.

import assert from "node:assert/strict";
import { type AnalyzeResult, AnalyzerHarness, type Diagnostic, providerResource } from "./harness/analyzer";
import { FakeAws } from "./fakes/aws";
import { ACCOUNT, awsProvider, awsRecorder, awsTrail, coverageOff } from "./harness/fixtures";

const TRAIL_LOGGING = "aws-cloudtrail-trail-logging";
const RECORDER = "aws-config-recorder-recording";
const LIVE = "auditguard-live-verification";
const ENV_KEY = "AGACCOUNTSENVKEY01";
const PACK_ENV = { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: "ag-accounts-secret-0000" };

function of(result: AnalyzeResult, policy: string): Diagnostic[] {
  return result.diagnostics.filter((d) => d.policyName === policy);
}

function brief(result: AnalyzeResult): string {
  return JSON.stringify(result.diagnostics.map((d) => ({ p: d.policyName, m: d.message })));
}

describe("pack: a not-found is believed only from the resource's account (Analyzer protocol)", function () {
  let fake: FakeAws;
  let pack: AnalyzerHarness | undefined;
  const h = (): AnalyzerHarness => {
    assert.ok(pack, "pack not started");
    return pack;
  };

  before(async () => {
    fake = await FakeAws.start();
    // Coverage off: these tests count the per-resource checks' calls (coverage: tests/coverage-pack.spec.ts).
    pack = await AnalyzerHarness.start({ dryRun: false, env: PACK_ENV, policies: coverageOff() });
  });
  after(async () => {
    await pack?.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it("a trail missing as seen from another account: undetermined naming both accounts, no violation", async () => {
    fake.accounts.set(ENV_KEY, "111111111111");
    const arn = "arn:aws:cloudtrail:us-east-1:222222222222:trail/org-trail";
    const provider = awsProvider("p-other", fake.url);
    const trail = awsTrail("org-trail", { provider, props: { id: arn, arn } });
    const result = await h().analyzeStack([providerResource(provider), trail]);
    assert.deepEqual(of(result, TRAIL_LOGGING), [], brief(result));
    const live = of(result, LIVE);
    assert.equal(live.length, 1, brief(result));
    assert.equal(live[0]?.urn, trail.urn);
    assert.equal(live[0]?.enforcementLevel, "advisory");
    assert.match(live[0]?.message ?? "", /called as 111111111111 .*; the trail belongs to 222222222222/);
    assert.match(live[0]?.message ?? "", /answer came from another account/);
    assert.equal(fake.calls("GetCallerIdentity").length, 1);
  });

  it("a recorder missing from an account outside allowedAccountIds: undetermined, no violation", async () => {
    fake.accounts.set(ENV_KEY, "111111111111");
    const provider = awsProvider("p-allowed", fake.url, { allowedAccountIds: ["333333333333"] });
    const recorder = awsRecorder("gone-recorder", { provider });
    const result = await h().analyzeStack([providerResource(provider), recorder]);
    assert.deepEqual(of(result, RECORDER), [], brief(result));
    assert.match(of(result, LIVE)[0]?.message ?? "", /allowedAccountIds allow only 333333333333/);
  });

  it("missing as seen from its own account: a mandatory violation that says which account answered", async () => {
    const provider = awsProvider("p-own", fake.url);
    const trail = awsTrail("deleted-trail", { provider });
    const recorder = awsRecorder("deleted-recorder", { provider });
    const result = await h().analyzeStack([providerResource(provider), trail, recorder]);
    const t = of(result, TRAIL_LOGGING);
    assert.equal(t.length, 1, brief(result));
    assert.equal(t[0]?.enforcementLevel, "mandatory");
    assert.match(t[0]?.message ?? "", new RegExp(`does not exist .*answered by account ${ACCOUNT}`));
    assert.match(of(result, RECORDER)[0]?.message ?? "", new RegExp(`answered by account ${ACCOUNT}`));
    assert.deepEqual(of(result, LIVE), []);
    // One GetCallerIdentity for the one credential set, however many resources were missing.
    assert.equal(fake.calls("GetCallerIdentity").length, 1);
  });

  it("a denied AssumeRole names sts:AssumeRole on that role as the permission, not the status call's", async () => {
    const roleArn = "arn:aws:iam::444444444444:role/not-trusted";
    const provider = awsProvider("p-denied", fake.url, { assumeRoles: [{ roleArn }] });
    const recorder = awsRecorder("rec-behind-role", { provider });
    const result = await h().analyzeStack([providerResource(provider), recorder]);
    const live = of(result, LIVE);
    assert.equal(live.length, 1, brief(result));
    assert.match(live[0]?.message ?? "", new RegExp(`Needed permission: sts:AssumeRole on ${roleArn}\\.`));
    assert.doesNotMatch(live[0]?.message ?? "", /Needed permission: config:/);
    assert.equal(fake.calls("DescribeConfigurationRecorderStatus").length, 0);
  });
});
