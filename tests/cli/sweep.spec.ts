// `auditguard status --sweep`: the pack's org-wide sweep without a stack, over the same --policy-config file
// (auditguard-live-verification coverageTargets and its audit role), with progress on stderr and the coverage
// policies' own verdicts and messages.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resetEngineStateForTests } from "../../lib/engine";
import { FakeAws } from "../fakes/aws";
import { awsEndpoints } from "../harness/fixtures";
import { awsAssumedRoles, mandatoryAwsCoverageConfig, seedRegionalTrailOrg } from "../harness/sweep";
import { runCli } from "./fixtures";

const ACCOUNTS = ["111111111111", "222222222222"] as const;
const REGIONS = ["us-east-1", "eu-west-1"] as const;
const STOPPED = { account: "222222222222", region: "eu-west-1" };
const HUB_KEY = "ASIAHUBCLISWEEP00001";
const readerOf = (account: string): string => `arn:aws:iam::${account}:role/auditguard-reader`;
const readerKey = (account: string): string => `AGCLIREADER${account}`;

interface JsonRow {
  kind: string;
  account: string | null;
  region: string | null;
  verdict: string;
  messages: string[];
}

describe("auditguard status --sweep (against the loopback AWS fake)", function () {
  this.timeout(60_000);
  let fake: FakeAws;
  let dir: string;
  const saved: Record<string, string | undefined> = {};
  const env = (): Record<string, string> => ({
    AUDITGUARD_AWS_ACCESS_KEY_ID: HUB_KEY,
    AUDITGUARD_AWS_SECRET_ACCESS_KEY: "ag-hub-cli-sweep-secret",
    // The default provider's settings a sweep target takes (here: every endpoint at the fake).
    PULUMI_CONFIG: JSON.stringify({ "aws:endpoints": JSON.stringify(awsEndpoints(fake.url)) }),
  });

  before(async () => {
    fake = await FakeAws.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ag-sweep-"));
  });
  after(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    resetEngineStateForTests();
    fake.reset();
    for (const [k, v] of Object.entries(env())) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    seedRegionalTrailOrg(fake, { accounts: ACCOUNTS, regions: REGIONS, stopped: STOPPED, readerKey });
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  });

  function config(live: Record<string, unknown>): string {
    const file = path.join(dir, "sweep.json");
    fs.writeFileSync(file, mandatoryAwsCoverageConfig(live));
    return file;
  }

  const targets = [{ cloud: "aws", accounts: [...ACCOUNTS], regions: [...REGIONS] }];

  it("checks every target as the pack does: one row per account, region and policy; the stopped trail alone is a violation; progress on stderr", async () => {
    const file = config({
      awsAuditRole: "arn:aws:iam::{account}:role/auditguard-reader",
      auditRoleSource: "ambient",
      coverageTargets: targets,
    });
    const r = await runCli(["status", "--sweep", "--policy-config", file, "--json"], "");
    assert.equal(r.code, 1, r.stderr);
    const rows = (JSON.parse(r.stdout) as { resources: JsonRow[] }).resources;
    const trailRows = rows.filter((x) => x.kind === "aws-cloudtrail-coverage");
    assert.deepEqual(
      trailRows.map((x) => [x.account, x.region, x.verdict]).sort(),
      ACCOUNTS.flatMap((a) =>
        REGIONS.map((g) => [a, g, a === STOPPED.account && g === STOPPED.region ? "violation" : "healthy"]),
      ).sort(),
    );
    const bad = trailRows.find((x) => x.verdict === "violation");
    assert.match(
      bad?.messages[0] ?? "",
      /^AWS account 222222222222, region eu-west-1: no CloudTrail trail covers it, so API activity there is not logged\. Found: trail 'regional' is not logging since /,
    );
    assert.equal(rows.filter((x) => x.kind === "aws-config-coverage").length, ACCOUNTS.length * REGIONS.length);
    assert.ok(
      rows.filter((x) => x.kind !== "aws-cloudtrail-coverage").every((x) => x.verdict === "healthy"),
      r.stdout,
    );
    // Each account's reader role assumed once, by the hub.
    assert.deepEqual(
      awsAssumedRoles(fake),
      ACCOUNTS.map((a) => [readerOf(a), HUB_KEY]),
    );
    // Plain progress (not a terminal): a line per tenth at most, then the outcome.
    const lines = r.stderr.trim().split("\n");
    assert.ok(lines.length >= 2 && lines.length <= 12, r.stderr);
    assert.match(lines[lines.length - 2] ?? "", /^auditguard status --sweep: (\d+)\/\1 checks settled$/);
    assert.match(lines[lines.length - 1] ?? "", /^auditguard status --sweep: not done: \d+ rows, 1 not healthy$/);
  });

  it("targets without awsAuditRole: one undetermined row naming the missing role, exit 2, no call", async () => {
    const file = config({ coverageTargets: targets });
    const r = await runCli(["status", "--sweep", "--policy-config", file, "--json"], "");
    assert.equal(r.code, 2, r.stderr);
    const rows = (JSON.parse(r.stdout) as { resources: JsonRow[] }).resources;
    assert.equal(rows.length, 1, r.stdout);
    assert.equal(rows[0]?.verdict, "undetermined");
    assert.match(rows[0]?.messages[0] ?? "", /sets no awsAuditRole/);
    assert.deepEqual(fake.requests, []);
  });

  it("usage errors: --sweep with a stack, without --policy-config, or with a config listing no targets", async () => {
    const none = config({ awsAuditRole: "arn:aws:iam::{account}:role/auditguard-reader" });
    for (const [args, why] of [
      [["status", "--sweep", "--stack", "dev", "--policy-config", none], /without a stack/],
      [["status", "--sweep"], /needs --policy-config/],
      [["status", "--sweep", "--policy-config", none], /lists no coverageTargets/],
    ] as const) {
      const r = await runCli([...args], "");
      assert.equal(r.code, 3, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, why);
    }
  });
});
