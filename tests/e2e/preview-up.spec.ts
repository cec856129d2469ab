// `pulumi preview` and `pulumi up` with `--policy-pack`, real CLI and engine, on a TypeScript program using the real
// @pulumi/aws and @pulumi/alicloud classes (tests/e2e/program/). The providers are the test provider plugin
// (tests/e2e/provider/), the clouds the loopback fakes. One stack goes through: preview of the creation, up, preview
// and up of the existing resources, a trail stopped out of band. Run twice: the pack given as a directory (through a
// language host) and as the launcher (tests/e2e/cli.ts).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FakeAlibaba } from "../fakes/alibaba";
import { FakeAws } from "../fakes/aws";
import type * as Sarif from "sarif";
import { XMLValidator } from "fast-xml-parser";
import { sarifValidator } from "../schemas/sarif";
import { bash, githubRecipe, gitlabRecipe } from "./recipes";
import {
  AUDITGUARD_BIN,
  type Cli,
  cliFor,
  offlineEnv,
  PACK_PATHS,
  packArgument,
  provideCli,
  ROOT,
  run,
  takeRpcLines,
  takeRpcs,
  workDir,
} from "./cli";
import { type EngineEvent, ensureProgram, type OpResult, providerPlugin, runOp } from "./program";

const PROJECT = "auditguard-e2e";
const STACK = "dev";
const COVERAGE_POLICIES = [
  "aws-cloudtrail-account-coverage",
  "aws-config-account-coverage",
  "alicloud-actiontrail-account-coverage",
  "alicloud-config-account-coverage",
];
const LIVE_POLICIES = [
  "aws-config-recorder-recording",
  "aws-cloudtrail-trail-logging",
  "alicloud-config-recorder-recording",
  "alicloud-actiontrail-trail-logging",
  "auditguard-live-verification",
];
// Secret provider keys: from secret program config (explicit providers) and secure stack config (default ones).
const SECRETS = {
  explicitAws: "agE2eExplicitAwsSecret0001",
  defaultAws: "agE2eDefaultAwsSecret0002",
  explicitAli: "agE2eExplicitAliSecret0003",
  defaultAli: "agE2eDefaultAliSecret0004",
};
const KEYS = {
  explicitAws: "AKIAE2EEXPLICIT00001",
  defaultAws: "AKIAE2EDEFAULT000002",
  explicitAli: "LTAIe2eExplicit0003",
  defaultAli: "LTAIe2eDefault00004",
};

// The fakes' accounts: both AWS credential sets act in one account; the explicit Alibaba keys belong to another
// account than the default ones (so Cloud Config coverage, one check per account, runs once for each).
const AWS_ACCOUNT = "123456789012";
const ALI_DEFAULT_ACCOUNT = "1234567890123456";
const ALI_EXPLICIT_ACCOUNT = "5550000000000003";

const urn = (type: string, name: string): string => `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
const AWS_TRAIL = "aws:cloudtrail/trail:Trail";
const ALI_TRAIL = "alicloud:actiontrail/trail:Trail";
const arnOf = (region: string, name: string): string => `arn:aws:cloudtrail:${region}:${AWS_ACCOUNT}:trail/${name}`;
const STACK_URN = urn("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`);
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

type Policy = NonNullable<EngineEvent["policyEvent"]>;
function policyEvents(r: OpResult): Policy[] {
  return r.events.flatMap((e) => (e.policyEvent ? [e.policyEvent] : []));
}
function brief(events: readonly Policy[]): string[] {
  return events.map((e) => `${e.policyName}@${e.resourceUrn ?? ""}#${e.enforcementLevel}`).sort();
}
function explain(r: OpResult): string {
  return `exit ${r.code}\n${brief(policyEvents(r)).join("\n")}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`;
}

for (const mode of PACK_PATHS)
  describe(`e2e: pulumi preview / up with --policy-pack (real CLI, real SDK classes, test provider; pack through the ${mode})`, function () {
    this.timeout(300_000);
    let cli: Cli;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let driver: string;
    let aws: FakeAws;
    let ali: FakeAlibaba;
    let providerLog: string;
    let base: Omit<Parameters<typeof runOp>[1], "op">;

    before(async function () {
      this.timeout(3_600_000); // cold: CLI build, npm ci of the program, its compile
      work = workDir(`preview-up-${mode}`);
      cli = cliFor(await provideCli(), mode, work);
      driver = await ensureProgram();
      env = offlineEnv(cli, work);
      aws = await FakeAws.start();
      ali = await FakeAlibaba.start();
      providerLog = path.join(work, "provider.log");
      const programDir = path.join(work, "program");
      fs.mkdirSync(programDir);
      const u = aws.url;
      const a = ali.url;
      base = {
        workDir: programDir,
        project: PROJECT,
        stack: STACK,
        envVars: Object.fromEntries(
          Object.entries(env).filter((e): e is [string, string] => e[0].startsWith("PULUMI_") && e[1] !== undefined),
        ),
        providers: {
          aws: providerPlugin("aws", work, providerLog),
          alicloud: providerPlugin("alicloud", work, providerLog),
        },
        config: {
          "e2e:awsEndpoint": { value: u },
          "e2e:aliEndpoint": { value: a },
          "e2e:awsAccessKey": { value: KEYS.explicitAws },
          "e2e:awsSecretKey": { value: SECRETS.explicitAws, secret: true },
          "e2e:aliAccessKey": { value: KEYS.explicitAli },
          "e2e:aliSecretKey": { value: SECRETS.explicitAli, secret: true },
          "aws:region": { value: "us-west-2" },
          "aws:endpoints[0].cloudtrail": { value: u },
          "aws:endpoints[0].configservice": { value: u },
          "aws:endpoints[0].sts": { value: u },
          "aws:accessKey": { value: KEYS.defaultAws },
          "aws:secretKey": { value: SECRETS.defaultAws, secret: true },
          "aws:skipCredentialsValidation": { value: "true" },
          "alicloud:region": { value: "cn-hangzhou" },
          "alicloud:endpoints[0].actiontrail": { value: a },
          "alicloud:endpoints[0].config": { value: a },
          // Coverage asks STS who the keys belong to: without this the call would go to sts.aliyuncs.com.
          "alicloud:endpoints[0].sts": { value: a },
          "alicloud:accessKey": { value: KEYS.defaultAli },
          "alicloud:secretKey": { value: SECRETS.defaultAli, secret: true },
        },
        policyPacks: [packArgument(cli, ROOT, work)],
        policyPackConfigs: [],
      };
    });
    after(async () => {
      await aws?.close();
      await ali?.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    /** The Analyzer RPCs the pack received during the last op. */
    let rpcs: string[] = [];
    /** The start environments of the pack processes of the last op (tests/e2e/rpc-trace.ts). */
    let packEnvs: Record<string, unknown>[] = [];

    async function op(name: "preview" | "up"): Promise<OpResult> {
      aws.requests.length = 0;
      ali.requests.length = 0;
      fs.writeFileSync(providerLog, "");
      takeRpcs(work);
      const r = await runOp(driver, { ...base, op: name }, env);
      const lines = takeRpcLines(work);
      rpcs = lines.filter((l) => !l.startsWith("pack-env ")).map((l) => l.split(" ")[0] ?? l);
      packEnvs = lines
        .filter((l) => l.startsWith("pack-env "))
        .map((l) => JSON.parse(l.slice("pack-env ".length)) as Record<string, unknown>);
      const everything = r.stdout + r.stderr + JSON.stringify(r.events) + (r.error ?? "");
      for (const [which, secret] of Object.entries(SECRETS)) {
        assert.ok(!everything.includes(secret), `the ${which} secret key reached the CLI output`);
      }
      return r;
    }

    function providerCalls(): { pkg: string; method: string; type?: string; preview?: boolean }[] {
      return fs
        .readFileSync(providerLog, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { pkg: string; method: string; type?: string; preview?: boolean });
    }

    /**
     * What the clouds say: every trail and recorder healthy, or all stopped. Besides the stack's own trails and
     * recorders, the AWS account has a baseline recorder in us-west-2 that this stack does not declare (the
     * account-coverage policies count it). The trails are multi-region as declared, so DescribeTrails lists each in
     * both regions.
     */
    function cloud(state: "healthy" | "stopped"): void {
      const t = nowSeconds();
      const healthyTrail = { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 };
      const stoppedTrail = { IsLogging: false, StopLoggingTime: t - 60 };
      aws.reset();
      aws.recorders.set("us-east-1/main", { recording: state === "healthy", lastStatus: "SUCCESS" });
      aws.recorders.set("us-west-2/baseline", { recording: state === "healthy", lastStatus: "SUCCESS" });
      for (const arn of [arnOf("us-east-1", "main-trail"), arnOf("us-west-2", "default-trail")]) {
        aws.trails.set(arn, state === "healthy" ? { ...healthyTrail } : { ...stoppedTrail });
        aws.trailSetups.set(arn, { isMultiRegion: true });
      }
      ali.recorder = {
        ConfigurationRecorderStatus: state === "healthy" ? "REGISTERED" : "REGISTRABLE",
        ResourceTypes: [],
      };
      ali.accounts.clear();
      ali.accounts.set(KEYS.explicitAli, ALI_EXPLICIT_ACCOUNT);
      ali.trails.clear();
      ali.trailSetups.clear();
      const aliTrail =
        state === "healthy" ? { IsLogging: true, LatestDeliveryTime: new Date().toISOString() } : { IsLogging: false };
      ali.trails.set("ali-trail", { ...aliTrail });
      ali.trails.set("ali-explicit-trail", { ...aliTrail });
      ali.trailSetups.set("ali-trail", { HomeRegion: "cn-hangzhou", TrailRegion: "All", EventRW: "All" });
      ali.trailSetups.set("ali-explicit-trail", { HomeRegion: "cn-shanghai", TrailRegion: "All", EventRW: "All" });
    }

    /** Every call the clouds received during the last op, as "<cloud> <action> <target or -> [<region>] <key id>", sorted. */
    function liveCalls(): string[] {
      return [
        ...aws.requests.map((r) => {
          const names = r.body["ConfigurationRecorderNames"];
          const named = Array.isArray(names) ? names[0] : (r.body["Name"] ?? r.body["TrailName"]);
          return `aws ${r.action} ${named === undefined ? "-" : String(named)} ${r.region} ${r.accessKeyId}`;
        }),
        ...ali.requests.map((r) => `alicloud ${r.action} ${r.query["Name"] ?? "-"} ${r.accessKeyId}`),
      ].sort();
    }

    /** The per-resource checks' calls: one per declared trail and recorder, signed with its own provider's key. */
    const PER_RESOURCE_CALLS = [
      `alicloud GetConfigurationRecorder - ${KEYS.defaultAli}`,
      `alicloud GetTrailStatus ali-explicit-trail ${KEYS.explicitAli}`,
      `alicloud GetTrailStatus ali-trail ${KEYS.defaultAli}`,
      `aws DescribeConfigurationRecorderStatus main us-east-1 ${KEYS.explicitAws}`,
      `aws GetTrailStatus ${arnOf("us-east-1", "main-trail")} us-east-1 ${KEYS.explicitAws}`,
      `aws GetTrailStatus ${arnOf("us-west-2", "default-trail")} us-west-2 ${KEYS.defaultAws}`,
    ];

    /**
     * The account-coverage policies' calls once the resources exist, per (credential set, region) the stack deploys
     * into: AWS explicit provider → us-east-1, default provider → us-west-2; Alibaba default → cn-hangzhou,
     * explicit → cn-shanghai. Each through its provider's own endpoints (sts included) and keys: GetCallerIdentity
     * once per credential set; DescribeTrails and the Config reads once per region; the status and selectors of every
     * trail DescribeTrails lists, read in the trail's home region; Cloud Config once per account. Reads identical to
     * a per-resource check's (same action, region, endpoint, keys, target) are shared, not repeated.
     */
    const COVERAGE_CALLS = [
      ...(
        [
          ["us-east-1", KEYS.explicitAws],
          ["us-west-2", KEYS.defaultAws],
        ] as const
      ).flatMap(([region, key]) => [
        `aws GetCallerIdentity - ${region} ${key}`,
        `aws DescribeTrails - ${region} ${key}`,
        `aws DescribeConfigurationRecorders - ${region} ${key}`,
        `aws DescribeConfigurationRecorderStatus - ${region} ${key}`,
        `aws ListConfigurationRecorders - ${region} ${key}`,
        ...(
          [
            ["us-east-1", "main-trail"],
            ["us-west-2", "default-trail"],
          ] as const
        ).flatMap(([home, trail]) => [
          `aws GetTrailStatus ${arnOf(home, trail)} ${home} ${key}`,
          `aws GetEventSelectors ${arnOf(home, trail)} ${home} ${key}`,
        ]),
      ]),
      ...[KEYS.defaultAli, KEYS.explicitAli].flatMap((key) => [
        `alicloud GetCallerIdentity - ${key}`,
        `alicloud DescribeTrails - ${key}`,
        `alicloud GetTrailStatus ali-trail ${key}`,
        `alicloud GetTrailStatus ali-explicit-trail ${key}`,
        `alicloud GetConfigurationRecorder - ${key}`,
      ]),
    ];

    /** Both sets, each call once: a read shared by a per-resource and a coverage check is made once. */
    const ALL_LIVE_CALLS = [...new Set([...PER_RESOURCE_CALLS, ...COVERAGE_CALLS])].sort();

    function coverageEvents(r: OpResult): Policy[] {
      return policyEvents(r).filter((e) => COVERAGE_POLICIES.includes(e.policyName));
    }

    it("preview of a stack being created: no per-resource live call; coverage only where no declared cover is coming", async () => {
      cloud("stopped"); // a per-resource call would find everything stopped: none may be made for resources not yet created
      ali.trailSetups.clear(); // the stack's ActionTrail trails do not exist yet: DescribeTrails lists none
      const r = await op("preview");
      assert.ok(r.ok, explain(r));
      // Every call is a coverage read. AWS: the trails being created are multi-region for both credential sets and
      // the recorder being created (with its RecorderStatus) covers us-east-1 for the explicit keys, so only
      // us-west-2's Config coverage is read, with the default provider's keys (intent). Alibaba: each credential set
      // creates an enabled all-region, all-event ActionTrail trail (intent: no trail read), and the default provider
      // creates the Cloud Config recorder of its account; the explicit keys' account gets none, so only its recorder
      // is read.
      assert.deepEqual(
        liveCalls(),
        [
          `aws GetCallerIdentity - us-west-2 ${KEYS.defaultAws}`,
          `aws DescribeConfigurationRecorders - us-west-2 ${KEYS.defaultAws}`,
          `aws DescribeConfigurationRecorderStatus - us-west-2 ${KEYS.defaultAws}`,
          `aws ListConfigurationRecorders - us-west-2 ${KEYS.defaultAws}`,
          `alicloud GetCallerIdentity - ${KEYS.explicitAli}`,
          `alicloud GetConfigurationRecorder - ${KEYS.explicitAli}`,
        ].sort(),
      );
      assert.deepEqual(
        brief(coverageEvents(r).filter((e) => e.policyName === "alicloud-actiontrail-account-coverage")),
        [],
        "the trails being created cover their regions",
      );
      assert.deepEqual(
        brief(
          policyEvents(r).filter((e) => LIVE_POLICIES.includes(e.policyName) || e.enforcementLevel === "mandatory"),
        ),
        [],
      );
      // The baseline recorder of us-west-2 is stopped and nothing declared covers that region: the one AWS coverage
      // finding, advisory, on the stack.
      const awsCoverage = coverageEvents(r).filter((e) => e.policyName.startsWith("aws-"));
      assert.deepEqual(brief(awsCoverage), [`aws-config-account-coverage@${STACK_URN}#advisory`], explain(r));
      assert.ok(awsCoverage[0]?.message.includes("us-west-2"), awsCoverage[0]?.message);
      assert.ok(
        coverageEvents(r).every((e) => e.resourceUrn === STACK_URN && e.enforcementLevel === "advisory"),
        explain(r),
      );
      // The engine's calls: ConfigureStack first (the pack learns it is a preview from it alone when started through
      // the launcher), then Configure, Remediate and Analyze per resource, one AnalyzeStack last.
      assert.deepEqual(
        rpcs.slice(0, 4),
        ["configureStack", "getPluginInfo", "getAnalyzerInfo", "configure"],
        rpcs.join(),
      );
      assert.equal(rpcs.at(-1), "analyzeStack", rpcs.join());
      assert.equal(rpcs.filter((x) => x === "analyzeStack").length, 1, rpcs.join());
      // Through a language host the pack also starts with the stack context in its environment (the host's policy
      // proxy takes it from the engine's ConfigureStack): PULUMI_NODEJS_* and PULUMI_CONFIG, the decrypted stack config.
      if (mode === "host") {
        assert.equal(packEnvs.length, 1, JSON.stringify(packEnvs));
        const started = packEnvs[0] ?? {};
        assert.equal(started["PULUMI_NODEJS_STACK"], STACK);
        assert.equal(started["PULUMI_NODEJS_PROJECT"], PROJECT);
        assert.equal(started["PULUMI_NODEJS_DRY_RUN"], "true");
        assert.equal(started["PULUMI_NODEJS_TYPESCRIPT"], "true");
        const configKeys = started["PULUMI_CONFIG"] as string[];
        for (const key of ["aws:region", "aws:secretKey", "alicloud:region", "e2e:awsEndpoint"]) {
          assert.ok(configKeys.includes(key), `${key} in ${configKeys.join()}`);
        }
      } else assert.deepEqual(packEnvs, [{}]);
      // The provider answered the planned creates itself (preview support), so computed outputs were unknown.
      const creates = providerCalls().filter((c) => c.method === "Create");
      assert.ok(creates.length >= 7, JSON.stringify(creates));
      assert.ok(creates.every((c) => c.preview === true));
    });

    it("up creates the resources; the update phase checks every trail, recorder and account region live with its provider's keys", async () => {
      cloud("healthy");
      const r = await op("up");
      assert.ok(r.ok, explain(r));
      assert.deepEqual(liveCalls(), ALL_LIVE_CALLS);
      // A healthy cloud: no finding from any live or coverage policy, nothing it could not verify.
      assert.deepEqual(
        brief(
          policyEvents(r).filter(
            (e) =>
              LIVE_POLICIES.includes(e.policyName) ||
              COVERAGE_POLICIES.includes(e.policyName) ||
              e.enforcementLevel === "mandatory",
          ),
        ),
        [],
      );
      // `up --skip-preview` (the Automation API's up): one analysis, of the final state.
      assert.equal(rpcs[0], "configureStack", rpcs.join());
      assert.equal(rpcs.filter((x) => x === "analyzeStack").length, 1, rpcs.join());
    });

    it("preview of the existing resources checks them live (ids known from state)", async () => {
      cloud("healthy");
      const r = await op("preview");
      assert.ok(r.ok, explain(r));
      assert.deepEqual(liveCalls(), ALL_LIVE_CALLS);
    });

    it("up with nothing to change checks them live again in the update phase", async () => {
      cloud("healthy");
      const r = await op("up");
      assert.ok(r.ok, explain(r));
      assert.deepEqual(liveCalls(), ALL_LIVE_CALLS);
    });

    it("with the coverage policies disabled, the calls are the per-resource checks' alone", async () => {
      cloud("healthy");
      const config = path.join(work, "coverage-off.json");
      fs.writeFileSync(config, JSON.stringify(Object.fromEntries(COVERAGE_POLICIES.map((p) => [p, "disabled"]))));
      base.policyPackConfigs = [config];
      try {
        const r = await op("preview");
        assert.ok(r.ok, explain(r));
        assert.deepEqual(liveCalls(), PER_RESOURCE_CALLS);
        assert.deepEqual(coverageEvents(r), []);
      } finally {
        base.policyPackConfigs = [];
      }
    });

    it("coverage: a stopped trail with a multi-region one still logging, and a region with no recorder", async () => {
      cloud("healthy");
      aws.trails.set(arnOf("us-west-2", "default-trail"), { IsLogging: false, StopLoggingTime: nowSeconds() - 60 });
      aws.recorders.delete("us-west-2/baseline");
      const r = await op("preview");
      assert.equal(r.ok, false, explain(r));
      // The stopped trail is the per-resource policy's (mandatory); us-west-2 stays covered by main-trail, which is
      // multi-region and logging (read with the default provider's keys), so CloudTrail coverage has no finding.
      assert.deepEqual(brief(policyEvents(r).filter((e) => e.enforcementLevel === "mandatory")), [
        `aws-cloudtrail-trail-logging@${urn(AWS_TRAIL, "default-trail")}#mandatory`,
      ]);
      assert.ok(
        liveCalls().includes(`aws GetTrailStatus ${arnOf("us-east-1", "main-trail")} us-east-1 ${KEYS.defaultAws}`),
      );
      // No recorder in us-west-2: exactly one Config coverage advisory, on the stack, for that account and region.
      const coverage = coverageEvents(r);
      assert.deepEqual(brief(coverage), [`aws-config-account-coverage@${STACK_URN}#advisory`], explain(r));
      assert.ok(coverage[0]?.message.includes("us-west-2"), coverage[0]?.message);
      assert.ok(coverage[0]?.message.includes(AWS_ACCOUNT), coverage[0]?.message);
    });

    it("trails stopped out of band block the next preview: non-zero exit, mandatory violations on their URNs", async () => {
      cloud("stopped");
      const r = await op("preview");
      assert.equal(r.ok, false, explain(r));
      assert.notEqual(r.code, 0);
      const mandatory = brief(policyEvents(r).filter((e) => e.enforcementLevel === "mandatory"));
      assert.deepEqual(mandatory, [
        `alicloud-actiontrail-trail-logging@${urn(ALI_TRAIL, "ali-explicit-trail")}#mandatory`,
        `alicloud-actiontrail-trail-logging@${urn(ALI_TRAIL, "ali-trail")}#mandatory`,
        `alicloud-config-recorder-recording@${urn("alicloud:cfg/configurationRecorder:ConfigurationRecorder", "ali-recorder")}#mandatory`,
        `aws-cloudtrail-trail-logging@${urn(AWS_TRAIL, "default-trail")}#mandatory`,
        `aws-cloudtrail-trail-logging@${urn(AWS_TRAIL, "main-trail")}#mandatory`,
        `aws-config-recorder-recording@${urn("aws:cfg/recorder:Recorder", "main-recorder")}#mandatory`,
      ]);
      // Nothing records anywhere: one coverage advisory per uncovered (account, region), on the stack. AWS: one
      // account, two regions; ActionTrail: one region per Alibaba account; Cloud Config: once per account.
      const coverage = coverageEvents(r);
      assert.deepEqual(
        brief(coverage),
        [
          ...Array.from({ length: 2 }, () => `alicloud-actiontrail-account-coverage@${STACK_URN}#advisory`),
          ...Array.from({ length: 2 }, () => `alicloud-config-account-coverage@${STACK_URN}#advisory`),
          ...Array.from({ length: 2 }, () => `aws-cloudtrail-account-coverage@${STACK_URN}#advisory`),
          ...Array.from({ length: 2 }, () => `aws-config-account-coverage@${STACK_URN}#advisory`),
        ],
        explain(r),
      );
      const named = (policy: string, what: string): boolean =>
        coverage.filter((e) => e.policyName === policy).some((e) => e.message.includes(what));
      for (const policy of ["aws-cloudtrail-account-coverage", "aws-config-account-coverage"]) {
        for (const region of ["us-east-1", "us-west-2"]) assert.ok(named(policy, region), `${policy} ${region}`);
      }
      for (const account of [ALI_DEFAULT_ACCOUNT, ALI_EXPLICIT_ACCOUNT]) {
        assert.ok(named("alicloud-config-account-coverage", account), account);
        assert.ok(named("alicloud-actiontrail-account-coverage", account), account);
      }
    });

    it("auditguard report over the preview's engine events, one JSON object per line as --event-log writes them", async () => {
      cloud("stopped");
      const r = await op("preview");
      assert.equal(r.ok, false, explain(r));
      // The Automation API reads these events from the CLI's own --event-log file, line by line.
      const events = path.join(work, "preview-events.json");
      fs.writeFileSync(events, r.events.map((e) => JSON.stringify(e)).join("\n") + "\n");
      const sarif = await run(process.execPath, [AUDITGUARD_BIN, "report", events, "--format", "sarif"], {
        cwd: work,
        env,
      });
      assert.equal(sarif.code, 1, sarif.stderr);
      const results = (JSON.parse(sarif.stdout) as Sarif.Log).runs.flatMap((run) => run.results ?? []);
      const mandatory = policyEvents(r).filter((e) => e.enforcementLevel === "mandatory");
      assert.equal(results.filter((x) => x.level === "error").length, mandatory.length, sarif.stdout);
      assert.equal(
        results.filter((x) => x.ruleId?.endsWith("-account-coverage")).length,
        coverageEvents(r).length,
        sarif.stdout,
      );
      const markdown = await run(process.execPath, [AUDITGUARD_BIN, "report", events, "--format", "markdown"], {
        cwd: work,
        env,
      });
      assert.equal(markdown.code, 1, markdown.stderr);
      for (const e of mandatory) assert.ok(markdown.stdout.includes(e.policyName), markdown.stdout);
      assert.ok(markdown.stdout.includes("main-trail"), markdown.stdout);
    });

    // Once: the recipes read the event log, not the pack path.
    if (mode === PACK_PATHS[0])
      it("the CI recipes in docs/ci: their report steps, run as the runners run them, over this preview's event log", async () => {
        cloud("stopped");
        const r = await op("preview");
        assert.equal(r.ok, false, explain(r));
        const dir = path.join(work, "ci");
        fs.mkdirSync(dir, { recursive: true });
        // The recipes' preview step is `pulumi preview … --event-log events.json`; the Automation API ran this CLI with
        // --event-log, and these are its events (a program run by the CLI itself needs a language host we cannot have).
        fs.writeFileSync(path.join(dir, "events.json"), r.events.map((e) => JSON.stringify(e)).join("\n") + "\n");
        const shellEnv = { PATH: process.env["PATH"] ?? "", HOME: work, AUDITGUARD_PACK: ROOT, STACK };

        const wf = githubRecipe();
        assert.equal(wf.permissions["security-events"], "write");
        const job = wf.jobs["policy"];
        assert.deepEqual(job?.strategy.matrix.stack, [STACK]);
        const step = (id: string) => job?.steps.find((s) => s.id === id || s.name === id);
        assert.match(
          step("preview")?.run ?? "",
          /^pulumi preview --stack "\$STACK" --policy-pack "\$AUDITGUARD_PACK" --event-log events\.json/,
        );
        const report = step("report")?.run ?? "";
        assert.doesNotMatch(report, /\$\{\{/, "a run script reads inputs from the environment, not expressions");
        const gh = await bash(report, dir, {
          ...shellEnv,
          PROJECT_DIR: "infra",
          GITHUB_SERVER_URL: "https://github.example",
          GITHUB_REPOSITORY: "org/infra",
          GITHUB_RUN_ID: "7",
        });
        assert.equal(gh.code, 1, gh.stdout + gh.stderr);
        assert.match(gh.stdout, /✗ \[mandatory\] CloudTrail trail/);
        const log = JSON.parse(fs.readFileSync(path.join(dir, "auditguard.sarif"), "utf8")) as Sarif.Log;
        const validate = sarifValidator();
        assert.ok(validate(log), JSON.stringify(validate.errors));
        const upload = job?.steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"));
        assert.equal(upload?.with?.["sarif_file"], "${{ env.PROJECT_DIR }}/auditguard.sarif");
        // The file's own automationDetails.id names the stack (upload-sarif's category would not replace it).
        assert.equal(
          log.runs.find((x) => x.tool.driver.name === "auditguard")?.automationDetails?.id,
          "auditguard/dev/",
        );
        // Results sit on the project's Pulumi.yaml, from the repository root.
        const uris = log.runs
          .flatMap((x) => x.results ?? [])
          .map((x) => x.locations?.[0]?.physicalLocation?.artifactLocation?.uri);
        assert.ok(uris.length > 0 && uris.every((u) => u === "infra/Pulumi.yaml"), JSON.stringify(uris));
        const comment = fs.readFileSync(path.join(dir, "comment.md"), "utf8");
        assert.ok(comment.length <= 65_536);
        assert.equal(comment.split("\n")[0], `<!-- auditguard-${STACK} -->`);
        assert.match(comment, /https:\/\/github\.example\/org\/infra\/actions\/runs\/7|main-trail/);

        const gl = gitlabRecipe()["auditguard"];
        assert.equal(gl?.artifacts.when, "always");
        assert.equal(gl?.artifacts.reports.junit, "auditguard.xml");
        assert.match(
          gl?.script[0] ?? "",
          /^pulumi preview --stack "\$STACK" --policy-pack "\$AUDITGUARD_PACK" --event-log events\.json/,
        );
        const glEnv = { ...shellEnv, STACK: gl?.variables["STACK"] ?? "" };
        const line = await bash(gl?.script[1] ?? "", dir, glEnv);
        assert.equal(line.code, 1, line.stdout + line.stderr);
        const junit = fs.readFileSync(path.join(dir, "auditguard.xml"), "utf8");
        assert.equal(XMLValidator.validate(junit), true);
        assert.match(junit, /<testsuite name="dev" tests="\d+" failures="[1-9]/);
        // A preview that never wrote its event log fails the job; it is not reported clean.
        const empty = path.join(work, "ci-empty");
        fs.mkdirSync(empty, { recursive: true });
        const none = await bash(gl?.script[1] ?? "", empty, glEnv);
        assert.equal(none.code, 3, none.stdout + none.stderr);
      });

    it("with the live policies lowered to advisory by --policy-pack-config, the same preview passes and still reports", async () => {
      cloud("stopped");
      const config = path.join(work, "advisory.json");
      fs.writeFileSync(config, JSON.stringify(Object.fromEntries(LIVE_POLICIES.map((p) => [p, "advisory"]))));
      base.policyPackConfigs = [config];
      try {
        const r = await op("preview");
        assert.ok(r.ok, explain(r));
        const live = policyEvents(r).filter((e) => LIVE_POLICIES.includes(e.policyName));
        assert.equal(live.length, 6, explain(r));
        assert.ok(live.every((e) => e.enforcementLevel === "advisory"));
      } finally {
        base.policyPackConfigs = [];
      }
    });

    it("coverage made mandatory by --policy-pack-config blocks the preview on the stack, per uncovered region", async () => {
      cloud("healthy");
      aws.recorders.delete("us-west-2/baseline");
      const config = path.join(work, "coverage-mandatory.json");
      fs.writeFileSync(config, JSON.stringify({ "aws-config-account-coverage": { enforcementLevel: "mandatory" } }));
      base.policyPackConfigs = [config];
      try {
        const r = await op("preview");
        assert.equal(r.ok, false, explain(r));
        assert.notEqual(r.code, 0);
        assert.deepEqual(brief(policyEvents(r).filter((e) => e.enforcementLevel === "mandatory")), [
          `aws-config-account-coverage@${STACK_URN}#mandatory`,
        ]);
      } finally {
        base.policyPackConfigs = [];
      }
    });

    it("up with the trails still stopped fails in its update phase (the stack policies run on the final state)", async () => {
      cloud("stopped");
      const r = await op("up");
      assert.equal(r.ok, false, explain(r));
      assert.notEqual(r.code, 0);
      assert.ok(
        brief(policyEvents(r)).includes(`aws-cloudtrail-trail-logging@${urn(AWS_TRAIL, "main-trail")}#mandatory`),
        explain(r),
      );
    });
  });
