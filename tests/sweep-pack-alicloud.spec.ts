// Org-wide sweeps of Alibaba Cloud through the whole built pack (docs/sweeps.md): a stack with no resources,
// coverageTargets listing two accounts × three regions, the hub's keys in AUDITGUARD_ALIBABA_CLOUD_*, each account's
// reader role assumed once (over HTTPS, at a TLS front before the fake, as @alicloud/credentials requires), and every
// ActionTrail and Cloud Config call signed by the key STS issued for that account's role.

import assert from "node:assert/strict";
import { type AnalyzeResult, AnalyzerHarness, brief, stackResource } from "./harness/analyzer";
import { aliStatusCalls, alibabaWithStsFront, seedRecordingAccount } from "./harness/alibaba-sts-front";
import { aliAssumedRoles } from "./harness/sweep";

const LIVE = "auditguard-live-verification";
const TRAIL_COVERAGE = "alicloud-actiontrail-account-coverage";
const CONFIG_COVERAGE = "alicloud-config-account-coverage";
const TEMPLATE = "acs:ram::{account}:role/auditguard-reader";
const ACCOUNTS = ["5550001112223331", "5550001112223332"] as const;
const REGIONS = ["cn-hangzhou", "cn-shanghai", "ap-southeast-1"] as const;
const HUB_KEY = "LTAI5tSWEEPHUBKEY0001";
const HUB_SECRET = "ag-ali-sweep-hub-secret-01";

const readerOf = (account: string): string => `acs:ram::${account}:role/auditguard-reader`;
const readerKey = (account: string): string => `STS.NTsweepReader${account.slice(-4)}`;

describe("org-wide sweep (coverageTargets) of Alibaba Cloud over the Analyzer protocol", function () {
  this.timeout(60_000);
  const ali = alibabaWithStsFront();
  beforeEach(() => {
    ali.fake.reset();
    ali.fake.secrets.set(HUB_KEY, HUB_SECRET);
    for (const a of ACCOUNTS) ali.fake.roles.set(readerOf(a), readerKey(a));
    seedRecordingAccount(ali.fake, {
      trail: "baseline",
      setup: { HomeRegion: "cn-hangzhou", TrailRegion: "All" },
      deliveredMsAgo: 300_000,
    });
  });

  async function sweep(live: Record<string, unknown>): Promise<AnalyzeResult> {
    const pack = await AnalyzerHarness.start({
      dryRun: true,
      env: {
        NODE_EXTRA_CA_CERTS: ali.cert.certFile,
        AUDITGUARD_ALIBABA_CLOUD_ACCESS_KEY_ID: HUB_KEY,
        AUDITGUARD_ALIBABA_CLOUD_ACCESS_KEY_SECRET: HUB_SECRET,
      },
      // The sweep stack's default provider: Config and ActionTrail at the fake, STS at the TLS front.
      config: {
        "alicloud:endpoints": JSON.stringify([
          { config: ali.fake.url, actiontrail: ali.fake.url, sts: `https://127.0.0.1:${ali.front.port}` },
        ]),
        "alicloud:accountType": "Domestic",
      },
      policies: {
        "alicloud-config-recorder-declared": "disabled",
        "alicloud-actiontrail-trail-declared": "disabled",
        [TRAIL_COVERAGE]: "mandatory",
        [CONFIG_COVERAGE]: "mandatory",
        [LIVE]: live,
      },
    });
    try {
      return await pack.analyzeStack([stackResource()]);
    } finally {
      await pack.close();
    }
  }

  const live = {
    alicloudAuditRole: TEMPLATE,
    auditRoleSource: "ambient",
    coverageTargets: [{ cloud: "alicloud", accounts: [...ACCOUNTS], regions: [...REGIONS] }],
  };

  it("2 accounts × 3 regions verified live, each account's reader role assumed once by the hub; every call as that account's role", async () => {
    const result = await sweep(live);
    assert.deepEqual(result.diagnostics, [], brief(result));
    assert.deepEqual(
      aliAssumedRoles(ali.fake),
      ACCOUNTS.map((a) => [readerOf(a), HUB_KEY]),
    );
    const status = aliStatusCalls(ali.fake.requests);
    const keys = new Set(status.map((r) => r.accessKeyId));
    assert.deepEqual([...keys].sort(), ACCOUNTS.map(readerKey).sort(), "every status call as a reader role");
    // ActionTrail calls are keyed by host: the stack config's one actiontrail endpoint serves every region, so the
    // listing is made once per account (regional hosts would make one per account and region). Cloud Config: one
    // recorder read per account (account-wide).
    assert.deepEqual(
      ali.fake
        .calls("DescribeTrails")
        .map((r) => r.accessKeyId)
        .sort(),
      ACCOUNTS.map(readerKey).sort(),
    );
    assert.equal(ali.fake.calls("GetConfigurationRecorder").length, ACCOUNTS.length);
  });

  it("negative control: the all-region trail stopped, a cn-hangzhou-only trail logging: exactly the other regions of each account are violations", async () => {
    const started = new Date(Date.now() - 86_400_000).toISOString();
    ali.fake.trails.set("baseline", { IsLogging: false, StopLoggingTime: started });
    ali.fake.trails.set("hz-only", { IsLogging: true, StartLoggingTime: started, LatestDeliveryTime: started });
    ali.fake.trailSetups.set("hz-only", { HomeRegion: "cn-hangzhou", TrailRegion: "cn-hangzhou" });
    const result = await sweep(live);
    const violations = result.diagnostics.filter((d) => d.policyName === TRAIL_COVERAGE).map((d) => d.message);
    const expected = ACCOUNTS.flatMap((a) =>
      ["ap-southeast-1", "cn-shanghai"].map((r) => `Alibaba Cloud account ${a}, region ${r}: no ActionTrail trail`),
    );
    assert.equal(violations.length, expected.length, brief(result));
    for (const e of expected)
      assert.ok(
        violations.some((m) => m.includes(e)),
        `${e}\n${brief(result)}`,
      );
    assert.ok(
      violations.every((m) => m.includes("trail 'baseline'") && m.includes("not logging")),
      brief(result),
    );
    assert.deepEqual(
      result.diagnostics.filter((d) => d.policyName !== TRAIL_COVERAGE),
      [],
      brief(result),
    );
  });

  it("a reader role STS refuses in one account: that account is undetermined (sts:AssumeRole on its role), the other verified", async () => {
    const [ok, denied] = ACCOUNTS;
    ali.fake.roles.delete(readerOf(denied));
    const result = await sweep(live);
    const livediag = result.diagnostics.filter((d) => d.policyName === LIVE);
    assert.ok(livediag.length > 0, brief(result));
    for (const d of livediag) assert.match(d.message, new RegExp(`acs:ram::${denied}:role/auditguard-reader`));
    assert.deepEqual(
      result.diagnostics.filter((d) => d.policyName !== LIVE),
      [],
      brief(result),
    );
    const status = aliStatusCalls(ali.fake.requests);
    assert.ok(status.length > 0 && status.every((r) => r.accessKeyId === readerKey(ok)));
  });

  it("an alicloudAuditRole naming one fixed account: that account is checked, the other is undetermined (bad-target, naming it), never checked as the role's account", async () => {
    const [fixed, other] = ACCOUNTS;
    const result = await sweep({ ...live, alicloudAuditRole: readerOf(fixed) });
    const livediag = result.diagnostics.filter((d) => d.policyName === LIVE);
    assert.equal(livediag.length, 1, brief(result));
    const message = livediag[0]?.message ?? "";
    assert.match(message, /coverageTargets: 1 Alibaba Cloud account\(s\) × 3 region\(s\)/);
    assert.match(message, new RegExp(other));
    assert.match(
      message,
      new RegExp(
        `alicloudAuditRole names one account \\(${fixed}\\); a sweep of other accounts needs \`\\{account\\}\``,
      ),
    );
    assert.deepEqual(
      result.diagnostics.filter((d) => d.policyName !== LIVE),
      [],
      brief(result),
    );
    assert.deepEqual(aliAssumedRoles(ali.fake), [[readerOf(fixed), HUB_KEY]]);
    const status = aliStatusCalls(ali.fake.requests);
    assert.ok(
      status.length > 0 && status.every((r) => r.accessKeyId === readerKey(fixed)),
      "only the role's own account",
    );
  });
});
