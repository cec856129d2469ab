// Org-wide sweeps through the whole built pack over the Analyzer protocol (docs/sweeps.md): a dedicated stack with
// no resources, auditguard-live-verification's coverageTargets listing several accounts × regions, the hub keys in
// AUDITGUARD_AWS_*, and the reader role of each account assumed once. A stopped trail in one swept account and region
// is exactly one violation; a target that overlaps the stack's own footprint is checked once; targets without an
// audit role are one undetermined diagnostic, never a pass nor a violation.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type AnalyzeResult,
  AnalyzerHarness,
  brief,
  providerResource,
  resource,
  type ResourceSpec,
  stackResource,
} from "./harness/analyzer";
import { type AwsRequest, FakeAws } from "./fakes/aws";
import { awsEndpoints, awsProvider } from "./harness/fixtures";
import { awsAssumedRoles } from "./harness/sweep";

const LIVE = "auditguard-live-verification";
const TRAIL_COVERAGE = "aws-cloudtrail-account-coverage";
const CONFIG_COVERAGE = "aws-config-account-coverage";
const TEMPLATE = "arn:aws:iam::{account}:role/auditguard-reader";
const ACCOUNTS = ["111111111111", "222222222222", "333333333333"] as const;
const REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"] as const;
const HUB_KEY = "ASIAHUBSWEEPSESSION1";
const HUB_ENV = {
  AUDITGUARD_AWS_ACCESS_KEY_ID: HUB_KEY,
  AUDITGUARD_AWS_SECRET_ACCESS_KEY: "ag-hub-sweep-secret-0001",
  AUDITGUARD_AWS_SESSION_TOKEN: "IQoJhub-sweep-session-token",
};
/** The stopped trail: account B, eu-west-1 (single-region trails there; A and C have a multi-region trail). */
const STOPPED = { account: "222222222222", region: "eu-west-1" };
const DECLARED_OFF = {
  "aws-config-recorder-declared": "disabled" as const,
  "aws-cloudtrail-trail-declared": "disabled" as const,
};

const readerOf = (account: string): string => `arn:aws:iam::${account}:role/auditguard-reader`;
const readerKey = (account: string): string => `AGREADER${account}`;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Every call by action, signing account (the key's) and region: a sweep repeats none. */
function callKeys(fake: FakeAws, requests: readonly AwsRequest[]): string[] {
  return requests.map((r) => `${r.action}|${fake.accountOf(r)}|${r.region}|${JSON.stringify(r.body)}`);
}

function organisation(fake: FakeAws): void {
  const t = nowSeconds();
  const logging = { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 };
  for (const account of ACCOUNTS) {
    fake.roles.set(readerOf(account), readerKey(account));
    if (account === STOPPED.account) {
      for (const region of REGIONS) {
        const arn = `arn:aws:cloudtrail:${region}:${account}:trail/regional`;
        fake.trails.set(
          arn,
          region === STOPPED.region ? { IsLogging: false, StopLoggingTime: t - 3600 } : { ...logging },
        );
        fake.trailSetups.set(arn, { isMultiRegion: false });
      }
    } else {
      const arn = `arn:aws:cloudtrail:us-east-1:${account}:trail/baseline`;
      fake.trails.set(arn, { ...logging });
      fake.trailSetups.set(arn, { isMultiRegion: true });
    }
  }
  // The fake keeps recorders per region (every account sees them): each swept region records, IAM types included.
  for (const region of REGIONS) {
    fake.recorders.set(`${region}/default`, {
      recording: true,
      lastStatus: "SUCCESS",
      lastStartTime: t - 86_400,
      lastStatusChangeTime: t - 600,
    });
  }
}

describe("org-wide sweep (coverageTargets) over the Analyzer protocol", function () {
  this.timeout(60_000);
  let fake: FakeAws;
  before(async () => {
    fake = await FakeAws.start();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  async function sweep(
    live: Record<string, unknown>,
    stack: ResourceSpec[] = [stackResource()],
    env: Record<string, string> = HUB_ENV,
    stackConfig: Record<string, string> = {},
  ): Promise<AnalyzeResult> {
    const pack = await AnalyzerHarness.start({
      dryRun: true,
      env,
      // The sweep stack's default provider: every endpoint at the fake (as a CI runner's stack config would set a
      // proxy or a profile); the targets take their region and account from coverageTargets.
      config: { "aws:endpoints": JSON.stringify(awsEndpoints(fake.url)), ...stackConfig },
      policies: {
        ...DECLARED_OFF,
        [TRAIL_COVERAGE]: "mandatory",
        [CONFIG_COVERAGE]: "mandatory",
        [LIVE]: live,
      },
    });
    try {
      return await pack.analyzeStack(stack);
    } finally {
      await pack.close();
    }
  }

  const targets = [{ cloud: "aws", accounts: [...ACCOUNTS], regions: [...REGIONS] }];

  it("a stack with no resources verifies 3 accounts × 3 regions live, each account through its reader role assumed once by the hub: exactly the stopped trail's (account, region) is a violation", async () => {
    organisation(fake);
    const result = await sweep({ awsAuditRole: TEMPLATE, auditRoleSource: "ambient", coverageTargets: targets });
    const violations = result.diagnostics.filter((d) => d.policyName === TRAIL_COVERAGE);
    assert.equal(violations.length, 1, brief(result));
    assert.match(
      violations[0]?.message ?? "",
      new RegExp(`AWS account ${STOPPED.account}, region ${STOPPED.region}: no CloudTrail trail covers it`),
    );
    assert.match(violations[0]?.message ?? "", /trail 'regional' is not logging since/);
    assert.equal(violations[0]?.enforcementLevel, "mandatory");
    assert.deepEqual(
      result.diagnostics.filter((d) => d.policyName !== TRAIL_COVERAGE),
      [],
      "Config covered everywhere, nothing undetermined",
    );
    // Each account's reader role, assumed once, by the hub's session.
    assert.deepEqual(
      awsAssumedRoles(fake),
      ACCOUNTS.map((a) => [readerOf(a), HUB_KEY]),
    );
    assert.deepEqual(fake.calls("GetCallerIdentity"), [], "the accounts come from coverageTargets, not from STS");
    // Every status call signed by the reader role of the account it is about, in every swept region.
    const status = fake.requests.filter((r) => r.service !== "sts");
    for (const r of status) assert.equal(r.accessKeyId, readerKey(fake.accountOf(r)), `${r.action} ${r.region}`);
    const described = new Set(fake.calls("DescribeTrails").map((r) => `${fake.accountOf(r)}|${r.region}`));
    assert.deepEqual(described, new Set(ACCOUNTS.flatMap((a) => REGIONS.map((g) => `${a}|${g}`))));
    const keys = callKeys(fake, fake.requests);
    assert.deepEqual(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      [],
      "no call is repeated",
    );
  });

  it("positive control: the same organisation with the trail started has no diagnostic at all", async () => {
    organisation(fake);
    const arn = `arn:aws:cloudtrail:${STOPPED.region}:${STOPPED.account}:trail/regional`;
    fake.trails.set(arn, { IsLogging: true, StartLoggingTime: nowSeconds() - 600, LatestDeliveryTime: nowSeconds() });
    const result = await sweep({ awsAuditRole: TEMPLATE, auditRoleSource: "ambient", coverageTargets: targets });
    assert.deepEqual(result.diagnostics, [], brief(result));
  });

  it("a target that overlaps the stack's own footprint is checked once (same account, region and endpoint)", async () => {
    organisation(fake);
    const [a] = ACCOUNTS;
    // An application resource in account A, us-east-1: its provider names the account, as a target does.
    const app = awsProvider("app", fake.url, { allowedAccountIds: [a] });
    const stack = [
      stackResource(),
      providerResource(app),
      resource("aws:s3/bucketV2:BucketV2", "data", { id: "data", bucket: "data" }, { provider: app }),
    ];
    const result = await sweep({ awsAuditRole: TEMPLATE, auditRoleSource: "ambient", coverageTargets: targets }, stack);
    assert.equal(result.diagnostics.filter((d) => d.policyName === TRAIL_COVERAGE).length, 1, brief(result));
    const listed = fake.calls("DescribeTrails").filter((r) => fake.accountOf(r) === a && r.region === "us-east-1");
    assert.equal(listed.length, 1, "DescribeTrails once for account A in us-east-1");
    assert.equal(fake.calls("AssumeRole").filter((r) => r.body["RoleArn"] === readerOf(a ?? "")).length, 1);
  });

  it("a denied reader role in one account is undetermined for that account alone, naming sts:AssumeRole on its role", async () => {
    organisation(fake);
    const denied = "333333333333";
    fake.roles.delete(readerOf(denied));
    const result = await sweep({ awsAuditRole: TEMPLATE, auditRoleSource: "ambient", coverageTargets: targets });
    assert.equal(result.diagnostics.filter((d) => d.policyName === TRAIL_COVERAGE).length, 1, brief(result));
    const live = result.diagnostics.filter((d) => d.policyName === LIVE);
    assert.ok(live.length > 0, brief(result));
    for (const d of live) {
      assert.match(d.message, new RegExp(`account ${denied}`));
      assert.match(d.message, new RegExp(`sts:AssumeRole on arn:aws:iam::${denied}:role/auditguard-reader`));
    }
    assert.ok(!result.diagnostics.some((d) => d.policyName !== LIVE && d.message.includes(denied)), brief(result));
  });

  it("the stack config's aws:assumeRoleWithWebIdentity (another account's CI role) does not redirect the targets: each account is checked through its own reader role", async () => {
    organisation(fake);
    const ci = "arn:aws:iam::999999999999:role/ci";
    fake.roles.set(readerOf("999999999999"), readerKey("999999999999"));
    const dir = mkdtempSync(path.join(os.tmpdir(), "ag-sweep-webid-"));
    const tokenFile = path.join(dir, "token");
    writeFileSync(tokenFile, "ci-oidc-token");
    const result = await sweep(
      { awsAuditRole: TEMPLATE, auditRoleSource: "ambient", coverageTargets: targets },
      [stackResource()],
      HUB_ENV,
      { "aws:assumeRoleWithWebIdentity": JSON.stringify({ roleArn: ci, webIdentityTokenFile: tokenFile }) },
    );
    const violations = result.diagnostics.filter((d) => d.policyName === TRAIL_COVERAGE);
    assert.equal(violations.length, 1, brief(result));
    assert.match(violations[0]?.message ?? "", new RegExp(`AWS account ${STOPPED.account}, region ${STOPPED.region}`));
    assert.deepEqual(
      awsAssumedRoles(fake),
      ACCOUNTS.map((a) => [readerOf(a), HUB_KEY]),
    );
    const described = new Set(fake.calls("DescribeTrails").map((r) => `${fake.accountOf(r)}|${r.region}`));
    assert.deepEqual(described, new Set(ACCOUNTS.flatMap((a) => REGIONS.map((g) => `${a}|${g}`))));
  });

  it("an awsAuditRole naming one fixed account: targets in that account are checked, every other account is undetermined (bad-target, naming it), none merged into the role's account", async () => {
    organisation(fake);
    const [fixed] = ACCOUNTS;
    const others = ACCOUNTS.filter((a) => a !== fixed);
    const result = await sweep({
      awsAuditRole: readerOf(fixed),
      auditRoleSource: "ambient",
      coverageTargets: targets,
    });
    assert.deepEqual(
      result.diagnostics.filter((d) => d.policyName !== LIVE),
      [],
      "account B's stopped trail is neither reported as account A's nor passed",
    );
    const live = result.diagnostics.filter((d) => d.policyName === LIVE);
    assert.equal(live.length, 1, brief(result));
    const message = live[0]?.message ?? "";
    assert.match(message, /coverageTargets: 2 AWS account\(s\) × 3 region\(s\)/);
    for (const a of others) assert.match(message, new RegExp(a));
    assert.match(
      message,
      /awsAuditRole names one account \(111111111111\); a sweep of other accounts needs `\{account\}` in the template/,
    );
    assert.deepEqual(awsAssumedRoles(fake), [[readerOf(fixed), HUB_KEY]]);
    const described = new Set(fake.calls("DescribeTrails").map((r) => `${fake.accountOf(r)}|${r.region}`));
    assert.deepEqual(described, new Set(REGIONS.map((g) => `${fixed}|${g}`)), "only the role's own account is called");
  });

  it("auditRoleSource provider with the stack config's aws:assumeRoles [deployer]: each reader role is assumed by the deployer role's session, as for stack resources", async () => {
    organisation(fake);
    const deployer = "arn:aws:iam::555555555555:role/deployer";
    fake.roles.set(deployer, "AGDEPLOYERSESSION");
    const result = await sweep(
      { awsAuditRole: TEMPLATE, auditRoleSource: "provider", coverageTargets: targets },
      [stackResource()],
      {},
      {
        "aws:accessKey": "AKIADEPLOYERBASE",
        "aws:secretKey": "deployer-base-secret",
        "aws:assumeRoles": JSON.stringify([{ roleArn: deployer }]),
      },
    );
    const violations = result.diagnostics.filter((d) => d.policyName === TRAIL_COVERAGE);
    assert.equal(violations.length, 1, brief(result));
    assert.match(violations[0]?.message ?? "", new RegExp(`AWS account ${STOPPED.account}, region ${STOPPED.region}`));
    assert.deepEqual(
      result.diagnostics.filter((d) => d.policyName !== TRAIL_COVERAGE),
      [],
      brief(result),
    );
    const assumed = awsAssumedRoles(fake);
    for (const a of ACCOUNTS) {
      assert.deepEqual(
        assumed.filter((x) => x[0] === readerOf(a)),
        [[readerOf(a), "AGDEPLOYERSESSION"]],
        `reader role of ${a} assumed once, by the deployer's session`,
      );
    }
    assert.ok(
      assumed.filter((x) => x[0] === deployer).every((x) => x[1] === "AKIADEPLOYERBASE"),
      JSON.stringify(assumed),
    );
    const described = new Set(fake.calls("DescribeTrails").map((r) => `${fake.accountOf(r)}|${r.region}`));
    assert.deepEqual(described, new Set(ACCOUNTS.flatMap((a) => REGIONS.map((g) => `${a}|${g}`))));
  });

  it("targets without awsAuditRole: one undetermined diagnostic naming the missing role, no call, no violation", async () => {
    organisation(fake);
    const result = await sweep({ coverageTargets: targets }, [stackResource()], {});
    assert.equal(result.diagnostics.length, 1, brief(result));
    const [d] = result.diagnostics;
    assert.equal(d?.policyName, LIVE);
    assert.match(d?.message ?? "", /coverageTargets: 3 AWS account\(s\) × 3 region\(s\)/);
    assert.match(d?.message ?? "", /sets no awsAuditRole/);
    assert.match(d?.message ?? "", /Needed permission: sts:AssumeRole on the reader role of each listed account/);
    assert.deepEqual(fake.requests, [], "no call with credentials that could be another account's");
  });

  it("no coverageTargets: a stack with no resources is not applicable to the coverage policies and calls nothing", async () => {
    organisation(fake);
    const result = await sweep({ awsAuditRole: TEMPLATE, auditRoleSource: "ambient" });
    assert.deepEqual(result.diagnostics, [], brief(result));
    assert.deepEqual(fake.requests, []);
  });
});
