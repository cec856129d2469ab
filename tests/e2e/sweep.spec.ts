// An org-wide sweep through the real CLI (docs/sweeps.md): `pulumi policy analyze --file` of a stack that holds
// nothing but its root resource, with `--policy-pack-config` setting coverageTargets and the audit role; the engine
// validates the config against the pack's schema, the pack assumes each account's reader role with the hub keys
// (AUDITGUARD_AWS_*) and reports exactly the (account, region) whose trail is stopped. The pack's SDK clients reach the
// loopback fake through AWS_ENDPOINT_URL (a sweep target's provider is the stack's default one: no stack config here).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FakeAws } from "../fakes/aws";
import {
  brief,
  type Cli,
  cliFor,
  offlineEnv,
  PACK_PATHS,
  packArgument,
  policyEventsOf,
  provideCli,
  ROOT,
  run,
  workDir,
} from "./cli";
import { StateFile } from "./state";
import { awsAssumedRoles, mandatoryAwsCoverageConfig, seedRegionalTrailOrg } from "../harness/sweep";

const ACCOUNTS = ["111111111111", "222222222222"];
const REGIONS = ["us-east-1", "eu-west-1"];
const STOPPED = { account: "222222222222", region: "eu-west-1" };
const HUB_KEY = "ASIAE2ESWEEPHUBKEY01";
const readerOf = (account: string): string => `arn:aws:iam::${account}:role/auditguard-reader`;
const readerKey = (account: string): string => `AGE2EREADER${account}`;

describe("e2e: an org-wide sweep through pulumi policy analyze --policy-pack-config (real CLI)", function () {
  this.timeout(180_000);
  let cli: Cli;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let pack: string;
  let fake: FakeAws;

  before(async function () {
    this.timeout(3_600_000); // a cold CLI build from Go modules takes minutes
    work = workDir("sweep");
    const mode = PACK_PATHS[0] ?? "launcher";
    cli = cliFor(await provideCli(), mode, work);
    fake = await FakeAws.start();
    env = offlineEnv(cli, work, {
      AWS_ENDPOINT_URL: fake.url,
      AUDITGUARD_AWS_ACCESS_KEY_ID: HUB_KEY,
      AUDITGUARD_AWS_SECRET_ACCESS_KEY: "ag-e2e-sweep-hub-secret",
    });
    pack = packArgument(cli, ROOT, work);
  });
  after(async () => {
    await fake?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("verifies 2 accounts × 2 regions through their reader roles: the stopped trail's (account, region) is the one mandatory violation", async () => {
    seedRegionalTrailOrg(fake, { accounts: ACCOUNTS, regions: REGIONS, stopped: STOPPED, readerKey });
    const state = path.join(work, "sweep-state.json");
    fs.writeFileSync(state, JSON.stringify(new StateFile("org-sweep", "org-sweep").toJSON(), null, 2));
    const config = path.join(work, "sweep.json");
    fs.writeFileSync(
      config,
      mandatoryAwsCoverageConfig({
        awsAuditRole: "arn:aws:iam::{account}:role/auditguard-reader",
        auditRoleSource: "ambient",
        coverageTargets: [{ cloud: "aws", accounts: ACCOUNTS, regions: REGIONS }],
      }),
    );
    const r = await run(
      cli.pulumi,
      ["policy", "analyze", "--file", state, "--policy-pack", pack, "--policy-pack-config", config, "--json"],
      { cwd: work, env },
    );
    const events = policyEventsOf(r.stdout);
    assert.notEqual(r.code, 0, r.stderr);
    assert.deepEqual(
      events
        .filter((e) => e.policyName.startsWith("aws-") || e.policyName.startsWith("auditguard"))
        .map((e) => e.policyName),
      ["aws-cloudtrail-account-coverage"],
      brief(events).join("\n") + r.stderr,
    );
    assert.match(
      events[0]?.message ?? "",
      new RegExp(`AWS account ${STOPPED.account}, region ${STOPPED.region}: no CloudTrail trail covers it`),
    );
    assert.equal(events[0]?.enforcementLevel, "mandatory");
    assert.deepEqual(
      awsAssumedRoles(fake),
      ACCOUNTS.map((a) => [readerOf(a), HUB_KEY]),
    );
  });

  it("an invalid coverageTargets is refused by the engine against the pack's schema, before any call", async () => {
    fake.reset();
    const state = path.join(work, "sweep-state.json");
    const config = path.join(work, "bad.json");
    fs.writeFileSync(
      config,
      JSON.stringify({
        "auditguard-live-verification": {
          coverageTargets: [{ cloud: "aws", accounts: ["12345"], regions: ["us-east-1"] }],
        },
      }),
    );
    const r = await run(
      cli.pulumi,
      ["policy", "analyze", "--file", state, "--policy-pack", pack, "--policy-pack-config", config],
      { cwd: work, env },
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /coverageTargets/);
    assert.deepEqual(fake.requests, []);
  });
});
