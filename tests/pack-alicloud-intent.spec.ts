// The whole built pack over the Analyzer protocol, Alibaba half of issue 7: "not found" only from the right
// account (STS GetCallerIdentity), declared intent (a trail declared Disable that is off), per-destination
// health, a preview that may change resourceTypes, and the deprecated TrailDeprecated resource. Only 127.0.0.1.

import assert from "node:assert/strict";
import { type AnalyzeResult, AnalyzerHarness, type Diagnostic, type ResourceSpec, resource } from "./harness/analyzer";
import { aliProvider, aliRecorder, aliTrail } from "./harness/fixtures";
import { FakeAlibaba } from "./fakes/alibaba";

const REC_LIVE = "alicloud-config-recorder-recording";
const TRAIL_LIVE = "alicloud-actiontrail-trail-logging";
const TRAIL_DECLARED = "alicloud-actiontrail-trail-declared";
const LIVE = "auditguard-live-verification";
const KEYS = { accessKey: "LTAI5tPACKPACK", secretKey: "packsecretpacksecret" };
const ACCOUNT = "1234567890123456";

const of = (r: AnalyzeResult, policy: string): Diagnostic[] => r.diagnostics.filter((d) => d.policyName === policy);
const brief = (r: AnalyzeResult): string => JSON.stringify(r.diagnostics.map((d) => [d.policyName, d.message]));

describe("pack (Analyzer protocol): Alibaba identities, intents and resources", function () {
  this.timeout(60_000);
  let fake: FakeAlibaba;
  let pack: AnalyzerHarness | undefined;

  beforeEach(async () => {
    fake = await FakeAlibaba.start();
    fake.account = ACCOUNT;
    fake.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: ["ACS::ECS::Instance"] };
  });
  afterEach(async () => {
    await pack?.close();
    pack = undefined;
    await fake.close();
  });

  /** A fresh pack process in the given phase; the previous one of this test is closed first. */
  async function startPack(dryRun: boolean): Promise<AnalyzerHarness> {
    await pack?.close();
    pack = await AnalyzerHarness.start({ dryRun, env: { ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true" } });
    return pack;
  }
  const provider = (props: Record<string, string> = {}) => aliProvider("ali", fake.url, { ...KEYS, ...props });

  it("a recorder reported missing by another account is undetermined naming both accounts, not a violation", async () => {
    fake.recorder = undefined;
    fake.account = "999999";
    const p = provider();
    const rec = aliRecorder("rec", { provider: p });
    const result = await (await startPack(false)).analyzeStack([rec]);
    assert.deepEqual(of(result, REC_LIVE), [], brief(result));
    const [live] = of(result, LIVE);
    assert.match(live?.message ?? "", /called as 999999; the recorder belongs to 1234567890123456/);
    assert.equal(fake.calls("GetCallerIdentity").length, 1);

    // From the recorder's own account the same answer is a violation.
    fake.account = ACCOUNT;
    const again = await (await startPack(false)).analyzeStack([aliRecorder("rec2", { provider: provider() })]);
    assert.match(of(again, REC_LIVE)[0]?.message ?? "", /not enabled for the account/);
  });

  it('a trail declared status "Disable" that is off: intent reported by the declared policy, no live violation', async () => {
    fake.trails.set("quiet", { IsLogging: false });
    const t = aliTrail("quiet", { provider: provider(), props: { status: "Disable" } });
    const result = await (await startPack(false)).analyzeStack([t]);
    assert.deepEqual(of(result, TRAIL_LIVE), [], brief(result));
    assert.match(of(result, TRAIL_DECLARED)[0]?.message ?? "", /has status Disable/);
  });

  it("an enabled trail that is off is a live violation whose fix command names the home region", async () => {
    fake.trails.set("main", { IsLogging: false });
    const t = aliTrail("main", { provider: provider(), props: { regionId: "cn-hangzhou" } });
    const result = await (await startPack(false)).analyzeStack([t]);
    assert.match(of(result, TRAIL_LIVE)[0]?.message ?? "", /StartLogging --Name main --region cn-hangzhou/);
  });

  it("a stalled OSS delivery is reported though SLS delivers; an unavailable Logstore too", async () => {
    const now = Date.now();
    fake.trails.set("both", {
      IsLogging: true,
      StartLoggingTime: new Date(now - 30 * 86_400_000).toISOString(),
      LatestDeliveryTime: new Date(now - 48 * 3_600_000).toISOString(),
      LatestDeliveryLogServiceTime: new Date(now - 3_600_000).toISOString(),
      OssBucketStatus: true,
      SlsLogStoreStatus: false,
    });
    const t = aliTrail("both", { provider: provider(), props: { slsProjectArn: "acs:log:cn-hangzhou:1:project/p" } });
    const messages = of(await (await startPack(false)).analyzeStack([t]), TRAIL_LIVE).map((d) => d.message);
    assert.equal(messages.length, 2, JSON.stringify(messages));
    assert.ok(messages.some((m) => /older than maxDeliveryAgeHours=24 \(to OSS\)/.test(m)));
    assert.ok(messages.some((m) => /SlsLogStoreStatus=false/.test(m)));
  });

  it("in preview a declared resourceTypes that differs from the live list is not a violation; after the update it is", async () => {
    const rec = (): ResourceSpec =>
      aliRecorder("rec", { provider: provider(), props: { resourceTypes: ["ACS::ECS::Instance", "ACS::RAM::User"] } });
    const preview = await (await startPack(true)).analyzeStack([rec()]);
    assert.deepEqual(of(preview, REC_LIVE), [], brief(preview));
    const update = await (await startPack(false)).analyzeStack([rec()]);
    assert.match(of(update, REC_LIVE)[0]?.message ?? "", /does not monitor declared resource types: ACS::RAM::User/);
  });

  it("the deprecated TrailDeprecated resource is checked live by its name, and satisfies the declared policy", async () => {
    fake.trails.set("legacy", { IsLogging: false });
    const dep = resource(
      "alicloud:actiontrail/trailDeprecated:TrailDeprecated",
      "legacy",
      {
        id: "legacy",
        name: "legacy",
        status: "Enable",
        trailRegion: "All",
        eventRw: "All",
        maxComputeProjectArn: "acs:odps:cn-hangzhou:1:project/audit",
      },
      { provider: provider() },
    );
    const result = await (await startPack(false)).analyzeStack([dep]);
    assert.equal(fake.calls("GetTrailStatus")[0]?.query["Name"], "legacy");
    assert.match(of(result, TRAIL_LIVE)[0]?.message ?? "", /'legacy'.*is not logging/);
    assert.deepEqual(of(result, TRAIL_DECLARED), [], "a MaxCompute project is a delivery target");
  });
});
