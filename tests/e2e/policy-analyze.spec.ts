// `pulumi policy analyze --file <state export> --policy-pack <this pack>` with the real CLI: no program, no provider
// plugins, no stack context (no PULUMI_CONFIG; no ConfigureStack through the launcher, an empty one through a language
// host). The state's trails and recorders point, through their providers' `endpoints`, at the loopback fakes this test
// starts. Run twice: the pack given as a directory (through a language host) and as the launcher (tests/e2e/cli.ts).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FakeAlibaba } from "../fakes/alibaba";
import { type AwsRequest, FakeAws } from "../fakes/aws";
import {
  ALI_REGION,
  AWS_REGION,
  aliEndpoints,
  aliRecorder,
  aliTrail,
  awsDeliveryChannel,
  awsEndpoints,
  awsRecorder,
  awsRecorderStatus,
  awsTrail,
  awsTrailArn,
} from "../harness/fixtures";
import {
  AUDITGUARD_BIN,
  brief,
  type Cli,
  cliFor,
  offlineEnv,
  PACK_PATHS,
  packArgument,
  type PolicyEvent,
  policyEventsOf,
  provideCli,
  ROOT,
  run,
  type Run,
  takeRpcLines,
  takeRpcs,
  workDir,
} from "./cli";
import { exportedSecret, StateFile, undecryptableSecret } from "./state";
import { XMLValidator } from "fast-xml-parser";
import { sarifValidator } from "../schemas/sarif";
import type * as Sarif from "sarif";

const TRAIL_LOGGING = "aws-cloudtrail-trail-logging";
const TRAIL_COVERAGE = "aws-cloudtrail-account-coverage";
const COVERAGE_POLICIES = [
  TRAIL_COVERAGE,
  "aws-config-account-coverage",
  "alicloud-actiontrail-account-coverage",
  "alicloud-config-account-coverage",
];
const AWS_KEY = "AKIAE2EANALYZE000001";
const ALI_KEY = "LTAIe2eAnalyze0001";
const ALI_TRAIL_LOGGING = "alicloud-actiontrail-trail-logging";
const SECRET_CANARY = "agE2eAnalyzeSecretCanary0001";
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

interface Stack {
  file: string;
  stackUrn: string;
  awsTrailUrn: string;
  aliTrailUrn: string;
}

/**
 * The account-coverage policies' reads (not the per-resource checks'): whose keys, which account and region. A
 * recorder status read without names is coverage's; with a name it is the per-resource check's.
 */
function coverageCall(r: AwsRequest): boolean {
  if (r.action === "DescribeConfigurationRecorderStatus") return r.body["ConfigurationRecorderNames"] === undefined;
  return [
    "GetCallerIdentity",
    "DescribeTrails",
    "GetEventSelectors",
    "DescribeConfigurationRecorders",
    "ListConfigurationRecorders",
  ].includes(r.action);
}

/** AWS recorder (+ status, channel) and trail, Alibaba recorder and trail, behind explicit providers. */
function writeState(dir: string, aws: FakeAws, ali: FakeAlibaba): Stack {
  const s = new StateFile();
  const awsProvider = s.provider("aws", "aws-fake", "7.48.0", {
    region: AWS_REGION,
    accessKey: AWS_KEY,
    secretKey: exportedSecret(SECRET_CANARY),
    skipCredentialsValidation: true,
    endpoints: awsEndpoints(aws.url),
  });
  const aliProvider = s.provider("alicloud", "ali-fake", "3.108.0", {
    region: ALI_REGION,
    accessKey: ALI_KEY,
    secretKey: exportedSecret(SECRET_CANARY),
    // sts too: the coverage policies ask GetCallerIdentity there (else sts.aliyuncs.com).
    endpoints: [{ ...aliEndpoints(ali.url)[0], sts: ali.url }],
  });
  for (const spec of [awsRecorder("main"), awsRecorderStatus("main"), awsDeliveryChannel("main")]) {
    s.resource(spec.type, spec.name, spec.props, awsProvider);
  }
  const trail = awsTrail("main-trail");
  const awsTrailUrn = s.resource(trail.type, trail.name, trail.props, awsProvider);
  const rec = aliRecorder("ali-recorder");
  s.resource(rec.type, rec.name, rec.props, aliProvider);
  const at = aliTrail("ali-trail");
  const aliTrailUrn = s.resource(at.type, at.name, at.props, aliProvider);
  const file = path.join(dir, "state.json");
  fs.writeFileSync(file, JSON.stringify(s.toJSON(), null, 2));
  return { file, stackUrn: s.stackUrn, awsTrailUrn, aliTrailUrn };
}

/** Both clouds healthy; the AWS trail's last delivery `deliveryAgeHours` ago. */
function healthy(aws: FakeAws, ali: FakeAlibaba, deliveryAgeHours = 0.1): void {
  const t = nowSeconds();
  aws.recorders.set(`${AWS_REGION}/main`, { recording: true, lastStatus: "SUCCESS", lastStatusChangeTime: t - 600 });
  aws.trails.set(awsTrailArn("main-trail"), {
    IsLogging: true,
    StartLoggingTime: t - 10 * 86_400,
    LatestDeliveryTime: t - Math.round(deliveryAgeHours * 3600),
  });
  ali.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
  ali.trails.set("ali-trail", { IsLogging: true, LatestDeliveryTime: new Date(Date.now() - 300_000).toISOString() });
  // DescribeTrails lists it, so it covers its account's regions for alicloud-actiontrail-account-coverage.
  ali.trailSetups.set("ali-trail", { HomeRegion: ALI_REGION, TrailRegion: "All", EventRW: "All" });
}

for (const mode of PACK_PATHS)
  describe(`e2e: pulumi policy analyze --file (real CLI, no stack context; pack through the ${mode})`, function () {
    this.timeout(120_000);
    let cli: Cli;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let pack: string;
    let aws: FakeAws;
    let ali: FakeAlibaba;
    let stack: Stack;

    before(async function () {
      this.timeout(3_600_000); // a cold CLI build from Go modules takes minutes
      work = workDir(`analyze-${mode}`);
      cli = cliFor(await provideCli(), mode, work);
      env = offlineEnv(cli, work);
      pack = packArgument(cli, ROOT, work);
      aws = await FakeAws.start();
      ali = await FakeAlibaba.start();
      stack = writeState(work, aws, ali);
    });
    after(async () => {
      await aws?.close();
      await ali?.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });
    beforeEach(() => {
      aws.reset();
      ali.recorder = undefined;
      ali.trails.clear();
      ali.trailSetups.clear();
      ali.requests.length = 0;
    });

    async function analyze(...extra: string[]): Promise<Run & { events: PolicyEvent[] }> {
      const r = await run(cli.pulumi, ["policy", "analyze", "--file", stack.file, "--policy-pack", pack, ...extra], {
        cwd: work,
        env,
      });
      const output = r.stdout + r.stderr;
      assert.ok(!output.includes(SECRET_CANARY), "a provider secret reached the CLI output");
      return { ...r, events: extra.includes("--json") ? policyEventsOf(r.stdout) : [] };
    }

    function configFile(name: string, config: unknown): string {
      const file = path.join(work, name);
      fs.writeFileSync(file, JSON.stringify(config));
      return file;
    }

    it(`the CLI reports its version`, () => {
      assert.match(cli.version, /^v3\.\d+\.\d+/);
    });

    it("the engine's calls without stack context: no ConfigureStack; Configure always; one AnalyzeStack last", async () => {
      healthy(aws, ali);
      takeRpcs(work);
      const r = await analyze();
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lines = takeRpcLines(work);
      const rpcs = lines.filter((l) => !l.startsWith("pack-env ")).map((l) => l.split(" ")[0]);
      // 9 resources in the state (the stack, 2 providers, 6 others): each gets Remediate then Analyze.
      const perResource = Array.from({ length: 9 }, () => ["remediate", "analyze"]).flat();
      const calls = ["getPluginInfo", "getAnalyzerInfo", "configure", ...perResource, "analyzeStack"];
      // Through a language host the policy proxy (sdk/v3 policy_proxy.go) starts the pack when GetPluginInfo arrives
      // without a ConfigureStack, and then forwards its nil request to it: an empty ConfigureStack, which the pack takes
      // as "no stack context". The pack process gets no PULUMI_NODEJS_* context and no PULUMI_CONFIG either way.
      if (mode === "host") {
        assert.deepEqual(rpcs, ["configureStack", ...calls]);
        assert.ok(lines.includes(`configureStack {"stack":"","project":"","dryRun":false}`), lines.join("\n"));
      } else assert.deepEqual(rpcs, calls);
      const packEnv = lines.filter((l) => l.startsWith("pack-env "));
      assert.deepEqual(packEnv, [
        `pack-env ${JSON.stringify(mode === "host" ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {})}`,
      ]);
    });

    it("a healthy state exits 0 after checking every trail and recorder live, with the state's provider keys", async () => {
      healthy(aws, ali);
      const r = await analyze("--json");
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(
        r.events.filter((e) => e.enforcementLevel === "mandatory"),
        [],
      );
      // Whatever else --json carries (declared-check advisories), every policy event is the pack's own.
      assert.ok(
        r.events.every((e) => e.policyPackName === "auditguard"),
        brief(r.events).join("\n"),
      );
      // The per-resource reads (coverage's own reads are filtered out; its status read of the same trail, with the
      // same keys in the same region, is shared with the per-resource check, so there is one).
      const perResource = aws.requests.filter((c) => !coverageCall(c));
      assert.deepEqual(
        perResource
          .map((c) =>
            JSON.stringify([c.action, c.body["Name"] ?? c.body["ConfigurationRecorderNames"], c.region, c.accessKeyId]),
          )
          .sort(),
        [
          JSON.stringify(["DescribeConfigurationRecorderStatus", ["main"], AWS_REGION, AWS_KEY]),
          JSON.stringify(["GetTrailStatus", awsTrailArn("main-trail"), AWS_REGION, AWS_KEY]),
        ],
      );
      assert.deepEqual(
        ali.calls("GetTrailStatus").map((c) => [c.query["Name"], c.accessKeyId]),
        [["ali-trail", ALI_KEY]],
      );
      assert.equal(ali.calls("GetConfigurationRecorder").length, 1);
      // Healthy everywhere: no coverage finding, nothing left unverified.
      assert.deepEqual(
        brief(
          r.events.filter(
            (e) => COVERAGE_POLICIES.includes(e.policyName) || e.policyName === "auditguard-live-verification",
          ),
        ),
        [],
      );
    });

    it("a trail stopped out of band exits non-zero with the mandatory violation on that trail's URN", async () => {
      healthy(aws, ali);
      aws.trails.set(awsTrailArn("main-trail"), { IsLogging: false, StopLoggingTime: nowSeconds() - 60 });
      ali.trails.set("ali-trail", { IsLogging: false });
      const r = await analyze("--json");
      assert.notEqual(r.code, 0);
      const mandatory = brief(r.events.filter((e) => e.enforcementLevel === "mandatory"));
      assert.deepEqual(mandatory, [
        `${ALI_TRAIL_LOGGING}@${stack.aliTrailUrn}#mandatory`,
        `${TRAIL_LOGGING}@${stack.awsTrailUrn}#mandatory`,
      ]);
    });

    it("auditguard report over this CLI's own --json output: exit 1, valid SARIF and JUnit naming the stopped trail", async () => {
      healthy(aws, ali);
      aws.trails.set(awsTrailArn("main-trail"), { IsLogging: false, StopLoggingTime: nowSeconds() - 60 });
      const r = await analyze("--json");
      assert.notEqual(r.code, 0);
      const events = path.join(work, "analyze-events.json");
      fs.writeFileSync(events, r.stdout);
      const sarif = await run(process.execPath, [AUDITGUARD_BIN, "report", events, "--format", "sarif"], {
        cwd: work,
        env,
      });
      assert.equal(sarif.code, 1, sarif.stderr);
      const log = JSON.parse(sarif.stdout) as Sarif.Log;
      const validate = sarifValidator();
      assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
      const results = log.runs.flatMap((run) => run.results ?? []);
      const trail = results.filter((x) => x.ruleId === TRAIL_LOGGING);
      assert.equal(trail.length, 1, JSON.stringify(results.map((x) => x.ruleId)));
      assert.equal(trail[0]?.level, "error");
      assert.ok(JSON.stringify(trail[0]).includes(stack.awsTrailUrn), JSON.stringify(trail[0]));
      const junit = await run(process.execPath, [AUDITGUARD_BIN, "report", events, "--format", "junit"], {
        cwd: work,
        env,
      });
      assert.equal(junit.code, 1, junit.stderr);
      assert.equal(XMLValidator.validate(junit.stdout), true);
      assert.ok(junit.stdout.includes(TRAIL_LOGGING), junit.stdout);
    });

    // Once: the report reads the CLI's output, whichever way the pack was started.
    if (mode === PACK_PATHS[0])
      it("auditguard report on this CLI's output for a stopped trail and three uncovered regions: the violation leads every format", async () => {
        healthy(aws, ali);
        aws.trails.set(awsTrailArn("main-trail"), { IsLogging: false, StopLoggingTime: nowSeconds() - 60 });
        // The stack deploys into two more regions, where the stopped (multi-region) trail is the only candidate.
        const s = new StateFile();
        const provider = s.provider("aws", "aws-fake", "7.48.0", {
          region: AWS_REGION,
          accessKey: AWS_KEY,
          secretKey: exportedSecret(SECRET_CANARY),
          skipCredentialsValidation: true,
          endpoints: awsEndpoints(aws.url),
        });
        for (const spec of [awsRecorder("main"), awsRecorderStatus("main"), awsDeliveryChannel("main")]) {
          s.resource(spec.type, spec.name, spec.props, provider);
        }
        const trail = awsTrail("main-trail");
        const trailUrn = s.resource(trail.type, trail.name, trail.props, provider);
        for (const region of ["us-west-2", "ap-southeast-1"]) {
          s.resource("aws:sqs/queue:Queue", `jobs-${region}`, { id: `jobs-${region}`, region }, provider);
        }
        const state = path.join(work, "three-regions.json");
        fs.writeFileSync(state, JSON.stringify(s.toJSON(), null, 2));
        // Config coverage would add its own findings for the two new regions: this test is about the trail's.
        const config = configFile("trail-only.json", { "aws-config-account-coverage": "disabled" });
        const analyzed = await run(
          cli.pulumi,
          ["policy", "analyze", "--file", state, "--policy-pack", pack, "--policy-pack-config", config, "--json"],
          { cwd: work, env },
        );
        assert.notEqual(analyzed.code, 0, analyzed.stderr);
        const events = path.join(work, "three-regions-events.json");
        fs.writeFileSync(events, analyzed.stdout);
        // What the real CLI sends: the policy's description, a newline, then the violation.
        const raw = policyEventsOf(analyzed.stdout);
        const trailEvent = raw.find((e) => e.policyName === TRAIL_LOGGING);
        const description = trailEvent?.message.split("\n")[0] ?? "";
        assert.match(description, /^Each declared CloudTrail trail is logging/, trailEvent?.message);

        const out = (name: string) => path.join(work, name);
        const r = await run(
          process.execPath,
          [
            AUDITGUARD_BIN,
            "report",
            events,
            "--format",
            `sarif=${out("r.sarif")}`,
            "--format",
            `junit=${out("r.xml")}`,
            "--format",
            `markdown=${out("r.md")}`,
            "--format",
            "text",
          ],
          { cwd: work, env },
        );
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^auditguard report: stack dev: 1 mandatory, 3 advisory; .*; exit 1 \(violations\)\n$/);
        const violation = /^CloudTrail trail 'arn:aws:cloudtrail:[^']+:trail\/main-trail' .*is not logging/;

        const log = JSON.parse(fs.readFileSync(out("r.sarif"), "utf8")) as Sarif.Log;
        const validate = sarifValidator();
        assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
        const results = log.runs.flatMap((x) => x.results ?? []);
        assert.deepEqual(results.map((x) => x.ruleId).sort(), [
          TRAIL_COVERAGE,
          TRAIL_COVERAGE,
          TRAIL_COVERAGE,
          TRAIL_LOGGING,
        ]);
        assert.match(results.find((x) => x.ruleId === TRAIL_LOGGING)?.message.text ?? "", violation);
        for (const x of results) {
          assert.ok(!(x.message.text ?? "").startsWith(description.slice(0, 20)), x.message.text);
          assert.equal(x.locations?.[0]?.physicalLocation?.region?.startLine, 1);
        }
        const regions = results
          .filter((x) => x.ruleId === TRAIL_COVERAGE)
          .map((x) => /region ([a-z0-9-]+):/.exec(x.message.text ?? "")?.[1])
          .sort();
        assert.deepEqual(regions, ["ap-southeast-1", AWS_REGION, "us-west-2"].sort());
        assert.equal(new Set(results.map((x) => JSON.stringify(x.partialFingerprints))).size, 4);
        assert.equal(log.runs[0]?.automationDetails?.id, "auditguard/dev/");

        const junit = fs.readFileSync(out("r.xml"), "utf8");
        assert.equal(XMLValidator.validate(junit), true);
        const failure = /<failure message="([^"]*)" type="mandatory">/.exec(junit)?.[1] ?? "";
        assert.match(failure.replace(/&apos;/g, "'"), violation);
        for (const region of ["ap-southeast-1", AWS_REGION, "us-west-2"]) {
          assert.ok(junit.includes(`name="AWS account 123456789012, region ${region}"`), junit);
        }
        const text = r.stdout;
        assert.match(text.split("\n")[1] ?? "", /^ {2}✗ \[mandatory\] CloudTrail trail 'arn:aws:cloudtrail:/);
        const md = fs.readFileSync(out("r.md"), "utf8");
        assert.match(md, /^<!-- auditguard-report -->\n/);
        assert.match(md, /\n\| CloudTrail trail 'arn:aws:cloudtrail:[^|]+ is not logging/);
        assert.ok(trailUrn);
        // Kept for the record of what each format looks like (docs/command.md), when asked for.
        const keep = process.env["AUDITGUARD_REPORT_SAMPLES"];
        if (keep) {
          fs.mkdirSync(keep, { recursive: true });
          for (const f of ["r.sarif", "r.xml", "r.md"]) fs.copyFileSync(out(f), path.join(keep, f));
          fs.writeFileSync(path.join(keep, "r.txt"), text);
          fs.writeFileSync(path.join(keep, "stderr.txt"), r.stderr);
          fs.copyFileSync(events, path.join(keep, "events.json"));
        }
      });

    it("without --json the exit code is the same and the report names the policy and the trail", async () => {
      healthy(aws, ali);
      aws.trails.set(awsTrailArn("main-trail"), { IsLogging: false });
      const r = await analyze();
      assert.notEqual(r.code, 0);
      assert.ok(r.stdout.includes(TRAIL_LOGGING), r.stdout);
      assert.ok(r.stdout.includes("main-trail"), r.stdout);
    });

    it("--policy-pack-config: a lower delivery-age threshold makes a 5-hour-old delivery a mandatory violation", async () => {
      healthy(aws, ali, 5);
      const before = await analyze("--json");
      assert.equal(before.code, 0, before.stdout + before.stderr);
      assert.deepEqual(
        before.events.filter((e) => e.policyName === TRAIL_LOGGING),
        [],
      );
      const config = configFile("threshold.json", { [TRAIL_LOGGING]: { maxDeliveryAgeHours: 2 } });
      const after = await analyze("--json", "--policy-pack-config", config);
      assert.notEqual(after.code, 0);
      assert.deepEqual(brief(after.events.filter((e) => e.policyName === TRAIL_LOGGING)), [
        `${TRAIL_LOGGING}@${stack.awsTrailUrn}#mandatory`,
      ]);
    });

    it("--policy-pack-config: the same violation at level advisory is reported and exits 0", async () => {
      healthy(aws, ali, 5);
      const config = configFile("advisory.json", {
        [TRAIL_LOGGING]: { enforcementLevel: "advisory", maxDeliveryAgeHours: 2 },
      });
      const r = await analyze("--json", "--policy-pack-config", config);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(brief(r.events.filter((e) => e.policyName === TRAIL_LOGGING)), [
        `${TRAIL_LOGGING}@${stack.awsTrailUrn}#advisory`,
      ]);
    });

    it("--policy-pack-config: a disabled live policy makes no call", async () => {
      healthy(aws, ali);
      aws.trails.set(awsTrailArn("main-trail"), { IsLogging: false });
      // CloudTrail coverage reads the same trail's status: it is disabled too, so no CloudTrail call may be made at
      // all; the Config policies (per-resource and coverage) still read.
      const config = configFile("disabled.json", { [TRAIL_LOGGING]: "disabled", [TRAIL_COVERAGE]: "disabled" });
      const r = await analyze("--json", "--policy-pack-config", config);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(
        aws.requests.filter((c) => c.service === "cloudtrail").map((c) => c.action),
        [],
      );
      assert.equal(aws.calls("DescribeConfigurationRecorderStatus").filter((c) => !coverageCall(c)).length, 1);
      assert.deepEqual(
        r.events.filter((e) => e.policyName === TRAIL_LOGGING || e.policyName === TRAIL_COVERAGE),
        [],
      );
    });

    it("account coverage without stack context: a trail recording only write events leaves its region uncovered", async () => {
      healthy(aws, ali);
      // Logging (so the per-resource check passes) but recording no read management events.
      aws.trailSetups.set(awsTrailArn("main-trail"), {
        eventSelectors: [{ ReadWriteType: "WriteOnly", IncludeManagementEvents: true, DataResources: [] }],
      });
      const r = await analyze("--json");
      assert.equal(r.code, 0, r.stdout + r.stderr); // coverage is advisory by default
      const coverage = r.events.filter((e) => COVERAGE_POLICIES.includes(e.policyName));
      assert.deepEqual(brief(coverage), [`${TRAIL_COVERAGE}@${stack.stackUrn}#advisory`]);
      assert.ok(coverage[0]?.message.includes(AWS_REGION), coverage[0]?.message);
      assert.deepEqual(
        r.events.filter((e) => e.policyName === TRAIL_LOGGING),
        [],
      );
      // Coverage's reads: the account from STS once per credential set, each through the state's provider endpoint
      // and keys; the trails, their selectors and the recorders of the one region the state deploys into.
      const awsCoverage = aws.requests.filter(coverageCall).map((c) => `${c.action} ${c.region} ${c.accessKeyId}`);
      assert.deepEqual(
        awsCoverage.sort(),
        [
          "GetCallerIdentity",
          "DescribeTrails",
          "GetEventSelectors",
          "DescribeConfigurationRecorders",
          "DescribeConfigurationRecorderStatus",
          "ListConfigurationRecorders",
        ]
          .map((a) => `${a} ${AWS_REGION} ${AWS_KEY}`)
          .sort(),
      );
      assert.deepEqual(
        ali.requests
          .filter((c) => ["GetCallerIdentity", "DescribeTrails"].includes(c.action))
          .map((c) => `${c.action} ${c.accessKeyId}`)
          .sort(),
        [`DescribeTrails ${ALI_KEY}`, `GetCallerIdentity ${ALI_KEY}`],
      );
      // Made mandatory by --policy-pack-config, the same finding fails the analysis.
      const config = configFile("coverage-mandatory.json", { [TRAIL_COVERAGE]: { enforcementLevel: "mandatory" } });
      const strict = await analyze("--json", "--policy-pack-config", config);
      assert.notEqual(strict.code, 0);
      assert.deepEqual(brief(strict.events.filter((e) => e.enforcementLevel === "mandatory")), [
        `${TRAIL_COVERAGE}@${stack.stackUrn}#mandatory`,
      ]);
    });

    it("secrets the CLI cannot decrypt: no call signed with the placeholder, and live-verification says why", async () => {
      const s = new StateFile("dev", "auditguard-e2e", true);
      const provider = s.provider("aws", "aws-foreign", "7.48.0", {
        region: AWS_REGION,
        accessKey: "AKIAE2EFOREIGN000001",
        secretKey: undecryptableSecret(),
        endpoints: awsEndpoints(aws.url),
      });
      const trail = awsTrail("main-trail");
      const trailUrn = s.resource(trail.type, trail.name, trail.props, provider);
      const file = path.join(work, "foreign-secrets.json");
      fs.writeFileSync(file, JSON.stringify(s.toJSON()));
      healthy(aws, ali);
      const r = await run(cli.pulumi, ["policy", "analyze", "--json", "--file", file, "--policy-pack", pack], {
        cwd: work,
        env,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      // No call at all: neither the trail's status nor coverage's GetCallerIdentity is signed with the placeholder.
      assert.deepEqual(
        aws.requests.map((c) => c.action),
        [],
      );
      // One on the trail, one per AWS coverage policy on the stack; each names the redacted key.
      const events = policyEventsOf(r.stdout).filter((e) => e.policyName === "auditguard-live-verification");
      assert.deepEqual(brief(events), [
        `auditguard-live-verification@${trailUrn}#advisory`,
        `auditguard-live-verification@${s.stackUrn}#advisory`,
        `auditguard-live-verification@${s.stackUrn}#advisory`,
      ]);
      assert.ok(
        events.every((e) => e.message.includes("secretKey")),
        events.map((e) => e.message).join("\n"),
      );
    });
  });
