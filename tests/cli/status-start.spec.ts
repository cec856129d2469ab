// `auditguard status` and `auditguard start` over stack exports, against the loopback fakes with the real SDK
// clients: the same round and judgements as the pack; no write without --yes; --yes starts exactly the plan.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resetEngineStateForTests } from "../../lib/engine";
import { selfCommand } from "../../lib/start-command";
import { FakeAlibaba } from "../fakes/alibaba";
import { FakeAws } from "../fakes/aws";
import {
  ACCOUNT,
  aliProvider,
  aliRecorder,
  aliTrail,
  awsProvider,
  awsRecorder,
  awsRecorderStatus,
  awsTrail,
  encryptedSecret,
  type ExportResource,
  REGION,
  runCli,
  stackExport,
  trailArn,
} from "./fixtures";

/** A string matched literally inside a RegExp. */
function escaped(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const WRITES = {
  aws: ["config:StartConfigurationRecorder", "cloudtrail:StartLogging"],
  alicloud: ["config:StartConfigurationRecorder", "actiontrail:StartLogging"],
};

interface JsonRow {
  resource: string;
  kind: string;
  state: string;
  verdict: string;
  messages: string[];
}
interface StartJson {
  dryRun: boolean;
  exitCode: number;
  planned?: { resource: string; action: string; permission: string }[];
  notPlanned: { resource: string; why: string }[];
  results?: {
    resource: string;
    action: string;
    result: string;
    alreadyStarting: boolean;
    polls: number;
    failure: { code: string | null; fix: string; reason: string } | null;
    after: JsonRow;
  }[];
  resources: JsonRow[];
}

describe("auditguard status and start (against the loopback fakes)", function () {
  let aws: FakeAws;
  let ali: FakeAlibaba;
  const nowS = () => Math.floor(Date.now() / 1000);

  before(async () => {
    aws = await FakeAws.start();
    ali = await FakeAlibaba.start();
  });
  after(async () => {
    await aws.close();
    await ali.close();
  });
  beforeEach(() => {
    resetEngineStateForTests();
    aws.reset();
    ali.requests.length = 0;
    ali.fault = undefined;
    ali.trails.clear();
    ali.recorder = undefined;
    ali.buildingReads = 2;
    // STS answers as the account the export's Cloud Config recorder belongs to (its id), so "not enabled" is believed.
    ali.account = "1234567";
    aws.permitWrites.clear();
    ali.permitWrites.clear();
  });

  /** Every declared kind once: an AWS recorder (declared on), an AWS trail, the Alibaba recorder and a trail. */
  function fullStack(extra: ExportResource[] = []): string {
    const ap = awsProvider(aws.url);
    const lp = aliProvider(ali.url);
    return stackExport([
      ap,
      lp,
      awsRecorder(ap, "default"),
      awsRecorderStatus(ap, "default", true),
      awsTrail(ap, "main"),
      aliRecorder(lp),
      aliTrail(lp, "ali-trail", "Enable"),
      ...extra,
    ]);
  }

  function allHealthy(): void {
    aws.recorders.set(`${REGION}/default`, { recording: true, lastStatus: "SUCCESS" });
    aws.trails.set(trailArn("main"), {
      IsLogging: true,
      StartLoggingTime: nowS() - 60,
      LatestDeliveryTime: nowS() - 30,
    });
    ali.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: ["ACS::ECS::Instance"] };
    ali.trails.set("ali-trail", { IsLogging: true });
  }

  function allStopped(): void {
    aws.recorders.set(`${REGION}/default`, { recording: false, lastStatus: "SUCCESS" });
    aws.trails.set(trailArn("main"), { IsLogging: false, StopLoggingTime: nowS() - 600 });
    ali.recorder = { ConfigurationRecorderStatus: "REGISTRABLE", ResourceTypes: ["ACS::ECS::Instance"] };
    ali.trails.set("ali-trail", { IsLogging: false });
  }

  function writesSent(): string[] {
    const aw = aws.requests.filter((r) => WRITES.aws.includes(`${r.service}:${r.action}`));
    const al = ali.requests.filter((r) => r.action.startsWith("Start"));
    return [...aw.map((r) => `aws ${r.service}:${r.action}`), ...al.map((r) => `alicloud ${r.action}@${r.version}`)];
  }

  function permitAll(): void {
    for (const w of WRITES.aws) aws.permitWrites.add(w);
    for (const w of WRITES.alicloud) ali.permitWrites.add(w);
  }

  describe("status", () => {
    it("prints the live state of each declared recorder and trail; all healthy exits 0", async () => {
      allHealthy();
      const r = await runCli(["status", "--stack", "dev"], fullStack());
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(r.exported, ["dev"]);
      assert.match(r.stdout, /Stack dev \(stack dev\): 4 checked, 4 healthy, 0 with violations, 0 undetermined/);
      for (const s of ["recording, last SUCCESS", "logging", "REGISTERED"]) assert.ok(r.stdout.includes(s), s);
      assert.ok(r.stdout.includes(trailArn("main")));
      // Reads only, each once.
      assert.equal(aws.calls("DescribeConfigurationRecorderStatus").length, 1);
      assert.equal(aws.calls("GetTrailStatus").length, 1);
      assert.equal(ali.calls("GetConfigurationRecorder").length, 1);
      assert.equal(ali.calls("GetTrailStatus").length, 1);
      assert.deepEqual(writesSent(), []);
    });

    it("--json: one row per resource with the policy's verdict; a stopped trail exits 1 with the policy's message", async () => {
      allHealthy();
      aws.trails.set(trailArn("main"), { IsLogging: false });
      const r = await runCli(["status", "--stack", "dev", "--json"], fullStack());
      assert.equal(r.code, 1);
      const doc = JSON.parse(r.stdout) as { stack: string; exitCode: number; resources: JsonRow[] };
      assert.equal(doc.stack, "dev");
      assert.equal(doc.exitCode, 1);
      const trail = doc.resources.find((x) => x.kind === "aws-cloudtrail-trail");
      assert.equal(trail?.verdict, "violation");
      assert.equal(trail?.state, "not logging");
      assert.match(
        trail?.messages[0] ?? "",
        /CloudTrail trail 'arn:aws:cloudtrail:eu-west-1:123456789012:trail\/main'.*is not logging/,
      );
      assert.deepEqual(
        doc.resources
          .filter((x) => x.verdict === "healthy")
          .map((x) => x.kind)
          .sort(),
        ["alicloud-actiontrail-trail", "alicloud-config-recorder", "aws-config-recorder"],
      );
    });

    it("points to `auditguard start` when something is stopped", async () => {
      allStopped();
      const r = await runCli(["status", "--stack", "dev"], fullStack());
      assert.equal(r.code, 1);
      assert.match(r.stdout, new RegExp(`To start what is stopped: ${escaped(selfCommand())} start --stack dev \\(`));
      assert.deepEqual(writesSent(), []);
    });

    it("a check that cannot complete is undetermined (exit 2) and names the permission", async () => {
      allHealthy();
      aws.fault = (req) =>
        req.action === "DescribeConfigurationRecorderStatus"
          ? { kind: "error", status: 400, code: "AccessDeniedException", message: "not authorized" }
          : undefined;
      const r = await runCli(["status", "--stack", "dev"], fullStack());
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stdout, /could not check/);
      assert.match(
        r.stdout,
        /access was denied calling DescribeConfigurationRecorderStatus.*config:DescribeConfigurationRecorderStatus/,
      );
    });

    it("an export whose provider keys are encrypted: the resource is reported not checked, never healthy", async () => {
      allHealthy();
      const ap = awsProvider(aws.url, { secretKey: encryptedSecret() });
      const text = stackExport([ap, awsTrail(ap, "main")]);
      const r = await runCli(["status", "--file", "-", "--json"], text);
      assert.equal(r.code, 2);
      const doc = JSON.parse(r.stdout) as { resources: JsonRow[] };
      assert.deepEqual(
        doc.resources.map((x) => [x.resource, x.state, x.verdict]),
        [["main", "not checked", "undetermined"]],
      );
      assert.match(doc.resources[0]?.messages[0] ?? "", /--show-secrets/);
      assert.equal(aws.requests.length, 0);
    });

    it("never prints a credential from the export", async () => {
      allStopped();
      aws.fault = () => ({
        kind: "error",
        status: 400,
        code: "InvalidClientTokenId",
        message: "bad key cli-aws-secret-value-xyz",
      });
      const r = await runCli(["status", "--stack", "dev", "--json"], fullStack());
      for (const secret of [
        "cli-aws-secret-value-xyz",
        "cli-ali-secret-value-xyz",
        "AKIAFAKECLIEXAMPLE1",
        "LTAI5tCLIFAKEKEY01",
      ]) {
        assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), secret);
      }
    });

    it("--coverage adds one row per account and region the stack deploys into, judged as the coverage policies judge", async () => {
      allHealthy();
      ali.trailSetups.set("ali-trail", { HomeRegion: "cn-hangzhou" });
      const plain = await runCli(["status", "--stack", "dev", "--json"], fullStack());
      assert.equal(plain.code, 0, plain.stdout + plain.stderr);
      assert.ok(
        !aws.requests.some((r) => r.action === "DescribeTrails") &&
          !ali.requests.some((r) => r.action === "DescribeTrails"),
        "without --coverage no coverage call is made",
      );
      const covered = await runCli(["status", "--stack", "dev", "--json", "--coverage"], fullStack());
      const rows = (JSON.parse(covered.stdout) as { resources: (JsonRow & { region: string; account: string })[] })
        .resources;
      const coverage = rows.filter((r) => r.kind.endsWith("-coverage"));
      assert.deepEqual(
        // Cloud Config is account-wide: its row's region is the Config site's, not a deployment region.
        coverage
          .map((r) => [r.kind, r.account, r.kind === "alicloud-config-coverage" ? "-" : r.region, r.verdict])
          .sort(),
        [
          ["alicloud-actiontrail-coverage", "1234567", "cn-hangzhou", "healthy"],
          ["alicloud-config-coverage", "1234567", "-", "healthy"],
          ["aws-cloudtrail-coverage", ACCOUNT, REGION, "healthy"],
          ["aws-config-coverage", ACCOUNT, REGION, "healthy"],
        ].sort(),
        covered.stdout,
      );
      assert.equal(covered.code, 0, covered.stdout);
      // The only trail of the region stopped: the region is not covered, with the coverage policy's message.
      aws.trails.set(trailArn("main"), { IsLogging: false, StopLoggingTime: nowS() - 600 });
      const stopped = await runCli(["status", "--stack", "dev", "--json", "--coverage"], fullStack());
      assert.equal(stopped.code, 1);
      const gap = (JSON.parse(stopped.stdout) as { resources: JsonRow[] }).resources.find(
        (r) => r.kind === "aws-cloudtrail-coverage",
      );
      assert.equal(gap?.verdict, "violation");
      assert.match(
        gap?.messages[0] ?? "",
        new RegExp(`AWS account ${ACCOUNT}, region ${REGION}: no CloudTrail trail covers it`),
      );
    });

    it("bad input exits 3 with a clear line", async () => {
      const both = await runCli(["status"], fullStack());
      assert.equal(both.code, 3);
      assert.match(both.stderr, /exactly one of --file/);
      const junk = await runCli(["status", "--file", "-"], "", { stdin: '{"not":"an export"}' });
      assert.equal(junk.code, 3);
      assert.match(junk.stderr, /not a stack export/);
    });

    it("honours a policy config: a disabled live policy makes no call", async () => {
      allHealthy();
      const fs = await import("node:fs");
      const os = await import("node:os");
      const path = await import("node:path");
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-cli-")), "config.json");
      fs.writeFileSync(file, JSON.stringify({ "aws-cloudtrail-trail-logging": "disabled" }));
      const r = await runCli(["status", "--stack", "dev", "--json", "--policy-config", file], fullStack());
      assert.equal(r.code, 0);
      assert.equal(aws.calls("GetTrailStatus").length, 0);
      assert.equal((JSON.parse(r.stdout) as { resources: JsonRow[] }).resources.length, 3);
    });
  });

  describe("start (dry run)", () => {
    it("plans one start per stopped resource declared on, prints it, and makes no write", async () => {
      allStopped();
      const r = await runCli(["start", "--stack", "dev"], fullStack());
      assert.equal(r.code, 1);
      assert.match(r.stdout, /Plan \(4\):/);
      for (const a of ["config:StartConfigurationRecorder", "cloudtrail:StartLogging", "actiontrail:StartLogging"]) {
        assert.ok(r.stdout.includes(a), a);
      }
      assert.match(
        r.stdout,
        new RegExp(`Dry run: nothing was changed. To apply: ${escaped(selfCommand())} start --stack dev --yes\n`),
      );
      // Each planned call names who makes it and where it goes.
      assert.match(
        r.stdout,
        new RegExp(`StartLogging \\[cloudtrail:StartLogging\\] as access key AKIA…PLE1 at ${escaped(aws.url)}`),
      );
      assert.match(
        r.stdout,
        new RegExp(`StartLogging \\[actiontrail:StartLogging\\] as access key LTAI…EY01 at ${escaped(ali.url)}`),
      );
      assert.match(r.stdout, /\nTally: 4 to start, 0 stopped but not started, 0 other finding\(s\)\.\n/);
      assert.deepEqual(writesSent(), []);
    });

    it("never plans what is declared off on purpose, and says why", async () => {
      allStopped();
      const ap = awsProvider(aws.url);
      const lp = aliProvider(ali.url);
      aws.trails.set(trailArn("paused"), { IsLogging: false });
      ali.trails.set("ali-off", { IsLogging: false });
      ali.trails.set("ali-fresh", { IsLogging: false });
      aws.recorders.set(`${REGION}/off`, { recording: false });
      const text = stackExport([
        ap,
        lp,
        awsTrail(ap, "paused", { enableLogging: false }),
        awsRecorder(ap, "off"),
        awsRecorderStatus(ap, "off", false),
        aliTrail(lp, "ali-off", "Disable"),
        aliTrail(lp, "ali-fresh", undefined),
      ]);
      const r = await runCli(["start", "--file", "-", "--json"], text);
      const doc = JSON.parse(r.stdout) as StartJson;
      assert.deepEqual(doc.planned, []);
      const why = Object.fromEntries(doc.notPlanned.map((s) => [s.resource, s.why]));
      assert.match(why["paused"] ?? "", /declared off on purpose \(enableLogging: false\)/);
      assert.match(
        why["off-status"] ?? why["off"] ?? "",
        /declared off on purpose \(its RecorderStatus has isEnabled: false\)/,
      );
      assert.match(why["ali-off"] ?? "", /declared off on purpose \(status: "Disable"\)/);
      assert.match(why["ali-fresh"] ?? "", /not declared logging/);
      assert.deepEqual(writesSent(), []);
    });

    it("healthy stacks plan nothing and exit 0", async () => {
      allHealthy();
      const r = await runCli(["start", "--stack", "dev"], fullStack());
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /Plan: nothing to start/);
    });
    it("the apply hint repeats the user's own input: --file and --policy-config, not a stack named elsewhere", async () => {
      allStopped();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-cli-"));
      const file = path.join(dir, "my state.json");
      fs.writeFileSync(file, fullStack());
      const config = path.join(dir, "config.json");
      fs.writeFileSync(config, "{}");
      const r = await runCli(["start", "--file", file, "--policy-config", config, "--timeout", "5"], "");
      assert.equal(r.code, 1, r.stderr);
      assert.ok(
        r.stdout.includes(
          `To apply: ${selfCommand()} start --file '${file}' --policy-config ${config} --timeout 5 --yes\n`,
        ),
        r.stdout,
      );
      assert.doesNotMatch(r.stdout, /--stack/);
    });

    it("after `pulumi refresh` wrote IsLogging into enableLogging, status and start agree: declared on, stopped", async () => {
      allStopped();
      const ap = awsProvider(aws.url);
      const trail = awsTrail(ap, "main");
      // The refreshed outputs say what was observed; the inputs still say what the program declares.
      trail.outputs = { ...trail.outputs, enableLogging: false };
      const text = stackExport([ap, trail]);
      const status = await runCli(["status", "--stack", "dev", "--json"], text);
      const row = (JSON.parse(status.stdout) as { resources: JsonRow[] }).resources[0];
      assert.equal(row?.verdict, "violation", status.stdout);
      assert.equal(status.code, 1);
      const plan = await runCli(["start", "--stack", "dev", "--json"], text);
      assert.deepEqual(
        (JSON.parse(plan.stdout) as StartJson).planned?.map((p) => p.resource),
        ["main"],
      );
    });
  });

  describe("start --yes", () => {
    it("starts exactly the planned resources, waits through BUILDING, and reports their new state", async () => {
      allStopped();
      permitAll();
      ali.buildingReads = 3;
      // A trail declared off stays off even with --yes.
      const ap = awsProvider(aws.url);
      const lp = aliProvider(ali.url);
      aws.trails.set(trailArn("paused"), { IsLogging: false });
      const text = stackExport([
        ap,
        lp,
        awsRecorder(ap, "default"),
        awsRecorderStatus(ap, "default", true),
        awsTrail(ap, "main"),
        awsTrail(ap, "paused", { enableLogging: false }),
        aliRecorder(lp),
        aliTrail(lp, "ali-trail", "Enable"),
      ]);
      const r = await runCli(["start", "--stack", "dev", "--yes", "--json"], text);
      const doc = JSON.parse(r.stdout) as StartJson;
      // The trail declared off (in its inputs) is not logging, as declared: not a violation, and not touched.
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(doc.resources.find((x) => x.resource === "paused")?.verdict, "healthy");
      assert.equal(doc.dryRun, false);
      assert.deepEqual(writesSent().sort(), [
        "alicloud StartConfigurationRecorder@2020-09-07",
        "alicloud StartLogging@2020-07-06",
        "aws cloudtrail:StartLogging",
        "aws config:StartConfigurationRecorder",
      ]);
      assert.deepEqual(
        aws.calls("StartLogging").map((q) => q.body["Name"]),
        [trailArn("main")],
      );
      assert.deepEqual(
        aws.calls("StartConfigurationRecorder").map((q) => [q.region, q.body["ConfigurationRecorderName"]]),
        [[REGION, "default"]],
      );
      assert.deepEqual(
        ali.calls("StartLogging").map((q) => q.query["Name"]),
        ["ali-trail"],
      );
      assert.deepEqual(doc.results?.map((x) => [x.resource, x.result, x.after.verdict]).sort(), [
        ["ali-trail", "started", "healthy"],
        ["default", "started", "healthy"],
        ["main", "started", "healthy"],
        ["recorder", "started", "healthy"],
      ]);
      const rec = doc.results?.find((x) => x.resource === "recorder");
      assert.equal(rec?.after.state, "REGISTERED");
      // The initial read, then BUILDING three times, then REGISTERED.
      assert.equal(rec?.polls, 4);
      assert.match(r.stderr, /BUILDING \(read 1\)/);
      assert.match(r.stderr, /REGISTERED \(read 4\)/);
      assert.ok(r.stderr.indexOf("BUILDING") < r.stderr.indexOf("REGISTERED"));
      assert.match(doc.notPlanned.map((s) => s.why).join(), /enableLogging: false/);
    });

    it("prints what it changed, in words", async () => {
      allStopped();
      permitAll();
      const r = await runCli(["start", "--stack", "dev", "--yes"], fullStack());
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /Changed \(4\):/);
      assert.match(
        r.stdout,
        /CloudTrail trail 'arn:aws:cloudtrail:eu-west-1:123456789012:trail\/main'.*called StartLogging; now logging/,
      );
      assert.match(
        r.stdout,
        /Alibaba Cloud Config recorder 'account 1234567'.*called StartConfigurationRecorder; now REGISTERED/,
      );
      assert.doesNotMatch(r.stdout, /Failed/);
    });

    const awsErrors: [string, string, string, RegExp][] = [
      [
        "StartConfigurationRecorder",
        "NoAvailableDeliveryChannelException",
        "no delivery channel",
        /declare an aws:cfg\/deliveryChannel:DeliveryChannel/,
      ],
      [
        "StartConfigurationRecorder",
        "InsufficientDeliveryPolicyException",
        "bucket policy",
        /let config\.amazonaws\.com s3:PutObject/,
      ],
      [
        "StartLogging",
        "TrailNotFoundException",
        "Unknown trail",
        /does not exist in its home region: run `pulumi refresh`/,
      ],
      [
        "StartLogging",
        "AccessDeniedException",
        "not authorized",
        /Grant cloudtrail:StartLogging .*aws-iam-start-policy\.json/,
      ],
      [
        "StartConfigurationRecorder",
        "AccessDeniedException",
        "not authorized",
        /Grant config:StartConfigurationRecorder/,
      ],
    ];
    for (const [action, code, message, fix] of awsErrors) {
      it(`AWS ${action} ${code}: one clear line with the fix, exit 4 (start failed), no retry`, async () => {
        allStopped();
        permitAll();
        aws.fault = (q) => (q.action === action ? { kind: "error", status: 400, code, message } : undefined);
        const r = await runCli(["start", "--stack", "dev", "--yes"], fullStack());
        assert.equal(r.code, 4);
        const failed = r.stdout.split("\n").filter((l) => l.includes(`${action} failed (${code})`));
        assert.equal(failed.length, 1, r.stdout);
        assert.match(failed[0] ?? "", fix);
        assert.equal(aws.calls(action).length, 1);
      });
    }

    it("Alibaba ProcessIsRunning: someone else is starting it; waits without starting again", async () => {
      allStopped();
      permitAll();
      let reads = 0;
      ali.fault = (q) => {
        if (q.action === "StartConfigurationRecorder") {
          if (ali.recorder) ali.recorder.ConfigurationRecorderStatus = "BUILDING";
          return { kind: "error", status: 400, code: "ProcessIsRunning", message: "The process is running." };
        }
        if (q.action === "GetConfigurationRecorder" && ali.recorder?.ConfigurationRecorderStatus === "BUILDING") {
          if (++reads >= 3) ali.recorder.ConfigurationRecorderStatus = "REGISTERED";
        }
        return undefined;
      };
      const r = await runCli(["start", "--stack", "dev", "--yes", "--json"], fullStack());
      const doc = JSON.parse(r.stdout) as StartJson;
      const rec = doc.results?.find((x) => x.resource === "recorder");
      assert.equal(rec?.result, "started");
      assert.equal(rec?.alreadyStarting, true);
      assert.equal(ali.calls("StartConfigurationRecorder").length, 1);
      assert.match(r.stderr, /already being started by someone else \(ProcessIsRunning\)/);
    });

    const aliErrors: [string, RegExp, RegExp | undefined][] = [
      [
        "CreateSLRFail",
        /AliyunServiceRoleForConfig: grant ram:CreateServiceLinkedRole .*config:StartConfigurationRecorder/,
        undefined,
      ],
      ["NoPermission", /Grant config:StartConfigurationRecorder and ram:CreateServiceLinkedRole/, undefined],
      // A member account's refusal: no RAM permission clears it, so none is suggested.
      [
        "RDMemberNoPermission",
        /Resource Directory member \(RDMemberNoPermission\).*management account; start it from that account/,
        /[Gg]rant|ram:CreateServiceLinkedRole/,
      ],
    ];
    for (const [code, fix, notFix] of aliErrors) {
      it(`Alibaba StartConfigurationRecorder ${code} names its fix`, async () => {
        allStopped();
        permitAll();
        ali.fault = (q) =>
          q.action === "StartConfigurationRecorder"
            ? { kind: "error", status: 403, code, message: `${code} happened` }
            : undefined;
        const r = await runCli(["start", "--stack", "dev", "--yes"], fullStack());
        assert.equal(r.code, 4);
        const failed = r.stdout.split("\n").filter((l) => l.includes(`StartConfigurationRecorder failed (${code})`));
        assert.equal(failed.length, 1, r.stdout);
        assert.match(failed[0] ?? "", fix);
        if (notFix) assert.doesNotMatch(failed[0] ?? "", notFix);
        assert.equal(ali.calls("StartConfigurationRecorder").length, 1);
      });
    }

    it("Alibaba ServiceUnavailable is retried with backoff, then the start goes through", async () => {
      allStopped();
      permitAll();
      let starts = 0;
      ali.fault = (q) =>
        q.action === "StartConfigurationRecorder" && ++starts <= 2
          ? {
              kind: "error",
              status: 503,
              code: "ServiceUnavailable",
              message: "The request has failed due to a temporary failure of the server.",
            }
          : undefined;
      const r = await runCli(["start", "--stack", "dev", "--yes", "--json"], fullStack());
      const doc = JSON.parse(r.stdout) as StartJson;
      assert.equal(ali.calls("StartConfigurationRecorder").length, 3);
      assert.equal(doc.results?.find((x) => x.resource === "recorder")?.result, "started");
      assert.match(r.stderr, /StartConfigurationRecorder failed \(ServiceUnavailable\); retrying/);
      assert.equal(r.code, 0);
    });

    it("ends with a tally of what was started, failed and left", async () => {
      allStopped();
      permitAll();
      const r = await runCli(["start", "--stack", "dev", "--yes"], fullStack());
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /\nTally: 4 started, 0 started but not healthy in time, 0 failed, 0 stopped but not started\.\n$/,
      );
    });

    it("Ctrl-C during a start says which start calls were already sent, and exits 130", async () => {
      allStopped();
      permitAll();
      let interrupt: (() => void) | undefined;
      const exits: number[] = [];
      aws.fault = (q) => {
        // The user presses Ctrl-C while the trail's StartLogging is in flight.
        if (q.action === "StartLogging") interrupt?.();
        return undefined;
      };
      const r = await runCli(["start", "--stack", "dev", "--yes"], fullStack(), {
        onInterrupt: (handler) => {
          interrupt = handler;
          return () => (interrupt = undefined);
        },
        exit: (code) => exits.push(code),
      });
      assert.deepEqual(exits, [130]);
      // The message: its first line and the indented calls under it (progress lines follow, as exit was faked).
      const lines = r.stderr.slice(r.stderr.indexOf("auditguard: interrupted.")).split("\n");
      const said =
        [
          lines[0],
          ...lines.slice(
            1,
            lines.findIndex((l, i) => i > 0 && !l.startsWith("  ")),
          ),
        ].join("\n") + "\n";
      assert.match(
        said,
        /Start calls already sent \(they may have taken effect; check with .* status --stack dev\):\n/,
      );
      assert.match(said, /StartConfigurationRecorder for AWS Config recorder 'default'/);
      assert.match(said, /StartLogging for CloudTrail trail 'arn:aws:cloudtrail:eu-west-1:123456789012:trail\/main'/);
      assert.doesNotMatch(said, /ActionTrail/);
      // Once the command is over, Ctrl-C is no longer its to handle.
      assert.equal(interrupt, undefined);
    });

    it("a resource still not healthy at the deadline is reported pending, exit 4", async () => {
      allStopped();
      permitAll();
      ali.buildingReads = 1_000;
      const r = await runCli(["start", "--stack", "dev", "--yes", "--json"], fullStack(), {
        timing: { waitMs: 60, pollIntervalMs: 10 },
      });
      const doc = JSON.parse(r.stdout) as StartJson;
      const rec = doc.results?.find((x) => x.resource === "recorder");
      assert.equal(rec?.result, "pending");
      assert.equal(rec?.after.state, "BUILDING");
      assert.equal(r.code, 4);
    });
  });
});
