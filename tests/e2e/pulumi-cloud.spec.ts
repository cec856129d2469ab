// The pack published to Pulumi Cloud and enforced org-wide, with the real CLI against a Pulumi Cloud API on loopback
// (tests/fakes/pulumi-cloud.ts) and the Node.js language host beside it (the real one when installed, else the
// stand-in of tests/e2e/language-host.ts): `pulumi login`, `pulumi policy publish`, `pulumi policy enable` with a
// group config and an ESC environment, then `pulumi up` / `pulumi preview` of a stack on that backend. The CLI
// downloads the pack from the service, installs it with `npm install --loglevel=error` under PULUMI_HOME through the
// language host, and runs it with the group's config and the environment's variables.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FakeAlibaba } from "../fakes/alibaba";
import { FakeAws } from "../fakes/aws";
import { FakePulumiCloud, type PublishedPack, type PublishedPolicy } from "../fakes/pulumi-cloud";
import { all as POLICIES } from "../policies-list";
import { type Cli, cliFor, hostLogOf, offlineEnv, provideCli, ROOT, run, takeRpcLines, workDir } from "./cli";
import { type EngineEvent, ensureProgram, type OpResult, providerPlugin, runOp } from "./program";

const ORG = "auditguard-org";
const USER = "auditguard-e2e-user";
const TOKEN = "pul-e2e0000000000000000000000000000000000000";
const PROJECT = "auditguard-e2e";
const STACK = "dev";
const PACK = "auditguard";
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const ESC_ENV = "auditguard/aws-audit";
// The default AWS provider has no keys in stack config: the pack can only sign with the ESC environment's.
const ESC_KEY = "AKIAE2EESCONLY000001";
const ESC_SECRET = "agE2eEscSecret0001";
const EXPLICIT_AWS_KEY = "AKIAE2ECLOUDEXPL0001";
const ALI_KEY = "LTAIe2eCloudDefault01";
const ALI_EXPLICIT_KEY = "LTAIe2eCloudExplicit1";
const TRAIL_LOGGING = "aws-cloudtrail-trail-logging";
const RECORDER_RECORDING = "aws-config-recorder-recording";
const AWS_ACCOUNT = "123456789012";
const arnOf = (region: string, name: string): string => `arn:aws:cloudtrail:${region}:${AWS_ACCOUNT}:trail/${name}`;
const urn = (type: string, name: string): string => `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

type Policy = NonNullable<EngineEvent["policyEvent"]>;
const policyEvents = (r: OpResult): Policy[] => r.events.flatMap((e) => (e.policyEvent ? [e.policyEvent] : []));
const brief = (events: readonly Policy[]): string[] =>
  events.map((e) => `${e.policyName}@${e.resourceUrn ?? ""}#${e.enforcementLevel}`).sort();
const explain = (r: OpResult): string =>
  `exit ${r.code}\n${brief(policyEvents(r)).join("\n")}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}\n${r.error ?? ""}`;

describe("e2e: published to a Pulumi Cloud API on loopback and enforced org-wide (real CLI, language host)", function () {
  this.timeout(600_000);
  let cli: Cli;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let driver: string;
  let cloud: FakePulumiCloud;
  let aws: FakeAws;
  let ali: FakeAlibaba;
  let base: Parameters<typeof runOp>[1];

  before(async function () {
    this.timeout(3_600_000);
    work = workDir("cloud");
    cli = cliFor(await provideCli(), "host", work);
    driver = await ensureProgram();
    cloud = await FakePulumiCloud.start(TOKEN, USER, ORG);
    aws = await FakeAws.start();
    ali = await FakeAlibaba.start();
    env = offlineEnv(cli, work, { PULUMI_BACKEND_URL: cloud.url, PULUMI_ACCESS_TOKEN: TOKEN });
    const programDir = path.join(work, "program");
    fs.mkdirSync(programDir);
    const providerLog = path.join(work, "provider.log");
    base = {
      op: "preview",
      workDir: programDir,
      project: PROJECT,
      stack: `${ORG}/${PROJECT}/${STACK}`,
      secretsProvider: "passphrase",
      envVars: Object.fromEntries(
        Object.entries(env).filter((e): e is [string, string] => e[0].startsWith("PULUMI_") && e[1] !== undefined),
      ),
      providers: {
        aws: providerPlugin("aws", work, providerLog),
        alicloud: providerPlugin("alicloud", work, providerLog),
      },
      config: {
        "e2e:awsEndpoint": { value: aws.url },
        "e2e:aliEndpoint": { value: ali.url },
        "e2e:awsAccessKey": { value: EXPLICIT_AWS_KEY },
        "e2e:awsSecretKey": { value: "agE2eCloudExplicitSecret", secret: true },
        "e2e:aliAccessKey": { value: ALI_EXPLICIT_KEY },
        "e2e:aliSecretKey": { value: "agE2eCloudAliExplicitSecret", secret: true },
        "aws:region": { value: "us-west-2" },
        "aws:endpoints[0].cloudtrail": { value: aws.url },
        "aws:endpoints[0].configservice": { value: aws.url },
        "aws:endpoints[0].sts": { value: aws.url },
        "aws:skipCredentialsValidation": { value: "true" },
        "alicloud:region": { value: "cn-hangzhou" },
        "alicloud:endpoints[0].actiontrail": { value: ali.url },
        "alicloud:endpoints[0].config": { value: ali.url },
        "alicloud:endpoints[0].sts": { value: ali.url },
        "alicloud:accessKey": { value: ALI_KEY },
        "alicloud:secretKey": { value: "agE2eCloudAliSecret", secret: true },
      },
      // No local pack: the only pack that runs is the one the service requires.
      policyPacks: [],
      policyPackConfigs: [],
    };
  });
  after(async () => {
    await cloud?.close();
    await aws?.close();
    await ali?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** The clouds: every trail and recorder healthy; `trailDeliveredHoursAgo` for main-trail's last delivery. */
  function healthy(mainTrailDeliveredHoursAgo = 0.1): void {
    const t = nowSeconds();
    aws.reset();
    aws.recorders.set("us-east-1/main", { recording: true, lastStatus: "SUCCESS" });
    aws.recorders.set("us-west-2/baseline", { recording: true, lastStatus: "SUCCESS" });
    aws.trails.set(arnOf("us-east-1", "main-trail"), {
      IsLogging: true,
      StartLoggingTime: t - 86_400,
      LatestDeliveryTime: t - Math.round(mainTrailDeliveredHoursAgo * 3600),
    });
    aws.trails.set(arnOf("us-west-2", "default-trail"), {
      IsLogging: true,
      StartLoggingTime: t - 86_400,
      LatestDeliveryTime: t - 300,
    });
    for (const arn of [arnOf("us-east-1", "main-trail"), arnOf("us-west-2", "default-trail")]) {
      aws.trailSetups.set(arn, { isMultiRegion: true });
    }
    ali.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
    ali.accounts.clear();
    ali.accounts.set(ALI_EXPLICIT_KEY, "5550000000000003");
    ali.trails.clear();
    ali.trailSetups.clear();
    for (const [name, home] of [
      ["ali-trail", "cn-hangzhou"],
      ["ali-explicit-trail", "cn-shanghai"],
    ] as const) {
      ali.trails.set(name, { IsLogging: true, LatestDeliveryTime: new Date().toISOString() });
      ali.trailSetups.set(name, { HomeRegion: home, TrailRegion: "All", EventRW: "All" });
    }
  }

  async function op(name: "preview" | "up"): Promise<OpResult> {
    aws.requests.length = 0;
    ali.requests.length = 0;
    takeRpcLines(work);
    const r = await runOp(driver, { ...base, op: name }, env);
    const everything = r.stdout + r.stderr + JSON.stringify(r.events);
    assert.ok(!everything.includes(ESC_SECRET), "the ESC environment's secret reached the CLI output");
    return r;
  }

  // Where the CLI installs a required pack (sdk/go/common/workspace/plugins.go GetPolicyPath):
  // <PULUMI_HOME>/policies/<org>/pulumi-analyzer-<pack>-v<version>
  const installDir = (): string =>
    path.join(String(env["PULUMI_HOME"]), "policies", ORG, `pulumi-analyzer-${PACK}-v${VERSION}`);

  it("login: the CLI sends the access token and takes the user and organization the service names", async () => {
    const wrong = await run(cli.pulumi, ["login", cloud.url], {
      cwd: work,
      env: { ...env, PULUMI_ACCESS_TOKEN: "pul-e2ewrong000000000000000000000000000000" },
    });
    assert.notEqual(wrong.code, 0, "a login with a token the service does not know fails");
    assert.ok(
      cloud.requests.some((q) => q.method === "GET" && q.path === "/api/user" && q.auth === "token"),
      JSON.stringify(cloud.requests),
    );
    cloud.requests.length = 0;
    const r = await run(cli.pulumi, ["login", cloud.url], { cwd: work, env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(
      cloud.requests.some((q) => q.method === "GET" && q.path === "/api/user" && q.auth === "token"),
      JSON.stringify(cloud.requests),
    );
    const who = await run(cli.pulumi, ["whoami", "--verbose"], { cwd: work, env });
    assert.equal(who.code, 0, who.stdout + who.stderr);
    assert.ok(who.stdout.includes(USER), who.stdout);
    assert.ok(who.stdout.includes(ORG), who.stdout);
  });

  it("publish: the CLI runs the pack through the language host for its metadata, uploads npm pack's tarball and completes", async () => {
    const before = fs.readdirSync(ROOT);
    takeRpcLines(work);
    const r = await run(cli.pulumi, ["policy", "publish", ORG], { cwd: ROOT, env, timeoutMs: 600_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(fs.readdirSync(ROOT), before, "publish leaves no file in the pack directory");
    const published: PublishedPack | undefined = cloud.packs.get(`${PACK}@${VERSION}`);
    assert.ok(published?.completed, JSON.stringify([...cloud.packs.keys()]));
    assert.equal(published.runtime, "nodejs");
    assert.deepEqual(published.tarball?.subarray(0, 2), Buffer.from([0x1f, 0x8b]), "a gzip tarball was uploaded");
    // What was published is the pack's own metadata, policy by policy.
    assert.deepEqual(published.policies.map((p) => p.name).sort(), POLICIES.map((p) => p.name).sort());
    for (const own of POLICIES) {
      const p: PublishedPolicy | undefined = published.policies.find((x) => x.name === own.name);
      assert.ok(p, own.name);
      assert.equal(p.enforcementLevel, own.enforcementLevel ?? "advisory", own.name);
      assert.equal(p.description, own.description, own.name);
      assert.equal(p.severity ?? undefined, own.severity, own.name);
      assert.equal(p.remediationSteps ?? undefined, own.remediationSteps, own.name);
      assert.deepEqual(p.framework ?? undefined, own.framework, own.name);
      // @pulumi/policy adds an `enforcementLevel` property to every policy's schema in GetAnalyzerInfo.
      const schema: Record<string, unknown> = p.configSchema?.properties ?? {};
      const { enforcementLevel, ...properties } = schema;
      assert.deepEqual(properties, own.configSchema?.properties ?? {}, own.name);
      assert.deepEqual(enforcementLevel, { type: "string", enum: ["advisory", "mandatory", "remediate", "disabled"] });
    }
    assert.ok(published.policies.some((p) => p.framework && p.severity && p.remediationSteps));
    assert.ok(
      published.policies.find((p) => p.name === TRAIL_LOGGING)?.configSchema?.properties["maxDeliveryAgeHours"],
    );
    // The metadata came from the pack run through the language host (real or stand-in), with no stack context: the
    // pack process started without PULUMI_NODEJS_STACK and was asked for its metadata, never configured for a stack
    const lines = takeRpcLines(work);
    const packEnvs = lines.filter((l) => l.startsWith("pack-env "));
    assert.ok(packEnvs.length > 0, lines.join("\n"));
    assert.ok(
      packEnvs.every((l) => !l.includes("PULUMI_NODEJS_STACK")),
      lines.join("\n"),
    );
    assert.ok(lines.includes("getAnalyzerInfo"), lines.join("\n"));
    // (the CLI may configure it with an empty stack context: no stack, no project)
    assert.ok(
      lines
        .filter((l) => l.startsWith("configureStack "))
        .every((l) => (JSON.parse(l.slice("configureStack ".length)) as { stack: string }).stack === ""),
      lines.join("\n"),
    );
    if (cli.standInHost) {
      const host = fs.readFileSync(hostLogOf(work), "utf8");
      assert.ok(host.includes(`RunPlugin {"kind":"analyzer","dir":"${ROOT}","args":[`), host);
      assert.ok(host.includes("PolicyProxy configuration none"), host);
    }
  });

  it("publish of the same version again is refused (409): a published version tag is never replaced", async () => {
    const published = cloud.packs.get(`${PACK}@${VERSION}`);
    const tarball = published?.tarball;
    assert.ok(published?.completed && tarball);
    const r = await run(cli.pulumi, ["policy", "publish", ORG], { cwd: ROOT, env, timeoutMs: 600_000 });
    assert.notEqual(r.code, 0, r.stdout + r.stderr);
    assert.ok((r.stdout + r.stderr).includes("already exists"), r.stdout + r.stderr);
    assert.equal(cloud.packs.get(`${PACK}@${VERSION}`), published);
    assert.equal(published.tarball, tarball, "nothing was uploaded over the published version");
  });

  it("enable into another organization fails: the service holds only its own org's packs and policy group", async () => {
    const other = "another-org";
    const r = await run(cli.pulumi, ["policy", "enable", `${other}/${PACK}`, VERSION], { cwd: work, env });
    assert.notEqual(r.code, 0, r.stdout + r.stderr);
    assert.equal(cloud.groupPacks.size, 0, "nothing was added to the org's policy group");
    assert.ok(cloud.unexpected.length > 0, r.stdout + r.stderr);
    assert.ok(
      cloud.unexpected.every((route) => route.includes(`/api/orgs/${other}/`)),
      cloud.unexpected.join("\n"),
    );
    // Answered 404 as refused; the last test checks that the CLI's own flow never names another org.
    cloud.unexpected.length = 0;
  });

  it("enable: the pack goes into the default policy group with a config file and an ESC environment", async () => {
    const config = path.join(work, "group-config.json");
    fs.writeFileSync(
      config,
      JSON.stringify({
        [TRAIL_LOGGING]: { maxDeliveryAgeHours: 2 },
        [RECORDER_RECORDING]: "disabled",
        environments: [ESC_ENV],
      }),
    );
    const r = await run(cli.pulumi, ["policy", "enable", `${ORG}/${PACK}`, VERSION, "--config", config], {
      cwd: work,
      env,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const group = cloud.groupPacks.get(PACK);
    assert.equal(group?.versionTag, VERSION);
    assert.deepEqual(group?.environments, [ESC_ENV]);
    assert.deepEqual((group?.config ?? {})[TRAIL_LOGGING], { maxDeliveryAgeHours: 2 });
    assert.deepEqual((group?.config ?? {})[RECORDER_RECORDING], { enforcementLevel: "disabled" });
    // The evaluated environment the service would serve: AWS keys for the pack, nothing else.
    cloud.environments.set(ESC_ENV, {
      environmentVariables: { AWS_ACCESS_KEY_ID: ESC_KEY, AWS_SECRET_ACCESS_KEY: { secret: ESC_SECRET } },
    });
  });

  it("up: the CLI downloads the required pack, installs it under PULUMI_HOME through the host, and runs it with the group config and ESC keys", async () => {
    healthy();
    const r = await op("up");
    assert.ok(r.ok, explain(r));
    // Download from the packLocation the update named; install with npm in that directory.
    assert.ok(cloud.requests.some((q) => q.method === "GET" && q.path.startsWith("/storage/policypacks/")));
    const home = path.join(String(env["PULUMI_HOME"]), "policies");
    assert.ok(
      fs.existsSync(path.join(installDir(), "node_modules", "@pulumi", "policy", "package.json")),
      `${fs
        .readdirSync(home, { recursive: true })
        .filter((f) => !String(f).includes("node_modules"))
        .slice(0, 40)
        .join("\n")}\n${explain(r)}`,
    );
    assert.ok(fs.existsSync(path.join(installDir(), "dist", "index.js")), "the root's postinstall built the pack");
    // npm installed the published tarball's shrinkwrap in that directory: every locked runtime dependency at its
    // locked version (whichever host ran `npm install`).
    const shrinkwrap = JSON.parse(fs.readFileSync(path.join(installDir(), "npm-shrinkwrap.json"), "utf8")) as {
      packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; link?: boolean }>;
    };
    const locked = Object.entries(shrinkwrap.packages).filter(
      ([where, e]) => where.startsWith("node_modules/") && e.version && !e.dev && !e.optional && !e.link,
    );
    assert.ok(locked.length > 50, `${locked.length} locked runtime packages`);
    const drift = locked.flatMap(([where, e]) => {
      const manifest = path.join(installDir(), where, "package.json");
      const installed = fs.existsSync(manifest)
        ? (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version?: string }).version
        : "missing";
      // (@pulumi/policy's own package.json spells its version "v1.21.0"; npm's lock drops the "v")
      return installed?.replace(/^v/, "") === e.version
        ? []
        : [`${where}: locked ${e.version}, installed ${installed}`];
    });
    assert.deepEqual(drift, []);
    if (cli.standInHost) {
      const host = fs.readFileSync(hostLogOf(work), "utf8");
      assert.ok(host.includes(`InstallDependencies {"dir":"${installDir()}","isPlugin":true}`), host);
      assert.ok(host.includes(`npm install --loglevel=error (cwd ${installDir()})`), host);
      // The CLI gave the host the environment's variables for the pack process (names logged, never values).
      assert.ok(
        host.includes(`RunPlugin {"kind":"analyzer","dir":"${installDir()}","args":[`) &&
          /"added":\[[^\]]*"AWS_ACCESS_KEY_ID","AWS_SECRET_ACCESS_KEY"/.test(host),
        host,
      );
    }
    // ESC: the environment was opened for the pack, and its keys are the only ones the default AWS provider has
    // (with either host, the AWS requests below signed with the ESC key are the proof the pack process had them).
    assert.ok(cloud.openedYaml.includes(JSON.stringify({ imports: [ESC_ENV] })), cloud.openedYaml.join("\n---\n"));
    const defaultTrailReads = aws.requests.filter(
      (q) =>
        q.action === "GetTrailStatus" &&
        q.body["Name"] === arnOf("us-west-2", "default-trail") &&
        q.region === "us-west-2",
    );
    assert.ok(defaultTrailReads.length > 0, explain(r));
    assert.ok(defaultTrailReads.every((q) => q.accessKeyId === ESC_KEY || q.accessKeyId === EXPLICIT_AWS_KEY));
    assert.ok(
      defaultTrailReads.some((q) => q.accessKeyId === ESC_KEY),
      JSON.stringify(defaultTrailReads),
    );
    // The disabled policy made no call: the recorder "main" is read by name only by aws-config-recorder-recording.
    assert.deepEqual(
      aws.requests.filter((q) => {
        const names = q.body["ConfigurationRecorderNames"];
        return Array.isArray(names) && names.includes("main");
      }),
      [],
    );
    assert.deepEqual(brief(policyEvents(r).filter((e) => e.enforcementLevel === "mandatory")), []);
    // The pack ran as the required pack of the update, through the host, with the stack context.
    const lines = takeRpcLines(work);
    assert.ok(
      lines.some((l) => l.startsWith("pack-env ") && l.includes(`"PULUMI_NODEJS_STACK":"${STACK}"`)),
      lines.join("\n"),
    );
    const update = [...cloud.updates.values()].at(-1);
    assert.equal(update?.kind, "update");
    assert.equal(update?.status, "succeeded");
  });

  it("preview: a trail stopped out of band and one delivering later than the group's threshold block it; the disabled policy stays silent", async () => {
    healthy(5); // main-trail last delivered 5 hours ago: within the pack's default threshold, past the group's 2 hours
    aws.trails.set(arnOf("us-west-2", "default-trail"), { IsLogging: false, StopLoggingTime: nowSeconds() - 60 });
    aws.recorders.set("us-east-1/main", { recording: false, lastStatus: "SUCCESS" });
    const r = await op("preview");
    assert.equal(r.ok, false, explain(r));
    assert.notEqual(r.code, 0);
    assert.deepEqual(
      brief(policyEvents(r).filter((e) => e.enforcementLevel === "mandatory")),
      [
        `${TRAIL_LOGGING}@${urn("aws:cloudtrail/trail:Trail", "default-trail")}#mandatory`,
        `${TRAIL_LOGGING}@${urn("aws:cloudtrail/trail:Trail", "main-trail")}#mandatory`,
      ],
      explain(r),
    );
    assert.deepEqual(
      policyEvents(r).filter((e) => e.policyName === RECORDER_RECORDING),
      [],
    );
    assert.ok(
      policyEvents(r).every((e) => e.policyPackName === PACK),
      explain(r),
    );
    const update = [...cloud.updates.values()].at(-1);
    assert.equal(update?.kind, "preview");
    assert.equal(update?.status, "failed");
    assert.ok((update?.events.length ?? 0) > 0, "the CLI sent the preview's engine events to the service");
  });

  it("enable again without disabling the recorder policy: the group config is replaced and that policy reads and reports again", async () => {
    // The control for "the disabled policy stays silent": ApplyPolicyPack sends the whole config (client.go
    // ApplyPolicyPack, UpdatePolicyGroupRequest.addPolicyPack), so the recorder policy is back at its own level.
    const config = path.join(work, "group-config-enabled.json");
    fs.writeFileSync(config, JSON.stringify({ [TRAIL_LOGGING]: { maxDeliveryAgeHours: 2 }, environments: [ESC_ENV] }));
    const enable = await run(cli.pulumi, ["policy", "enable", `${ORG}/${PACK}`, VERSION, "--config", config], {
      cwd: work,
      env,
    });
    assert.equal(enable.code, 0, enable.stdout + enable.stderr);
    assert.equal((cloud.groupPacks.get(PACK)?.config ?? {})[RECORDER_RECORDING], undefined);
    healthy();
    aws.recorders.set("us-east-1/main", { recording: false, lastStatus: "SUCCESS" });
    const r = await op("preview");
    assert.ok(
      aws.requests.some((q) => {
        const names = q.body["ConfigurationRecorderNames"];
        return Array.isArray(names) && names.includes("main");
      }),
      JSON.stringify(aws.requests.map((q) => [q.action, q.region, q.body])),
    );
    assert.ok(
      brief(policyEvents(r).filter((e) => e.policyName === RECORDER_RECORDING)).includes(
        `${RECORDER_RECORDING}@${urn("aws:cfg/recorder:Recorder", "main-recorder")}#mandatory`,
      ),
      explain(r),
    );
    assert.equal(r.ok, false, explain(r));
  });

  it("the CLI called no route the loopback service does not serve, and every API call carried the token", () => {
    assert.deepEqual(cloud.unexpected, []);
    assert.ok(
      cloud.requests.every((q) => q.path.startsWith("/storage/") || q.auth !== "none"),
      JSON.stringify(cloud.requests),
    );
  });
});
