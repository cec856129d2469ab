// The AWS adapters and the whole pack against moto's server: an independent implementation of the AWS
// wire protocols (getmoto/moto), not the fakes we wrote. The trail and the recorder are created through
// moto's own CloudTrail and Config APIs with the real SDK v3 clients, then the pack checks them.
// moto is not AWS: where it answers differently, the comment says which side is which, and the test
// asserts the pack's behaviour on moto's actual reply. The "moto differs from AWS" block pins those
// differences for the installed moto version, so an upgrade that changes them shows up here.
process.env["AWS_EC2_METADATA_DISABLED"] = "true";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

import assert from "node:assert/strict";
import type * as CloudTrail from "@aws-sdk/client-cloudtrail";
import type * as ConfigService from "@aws-sdk/client-config-service";
import { AWS_RECORDER_POLICY, AWS_TRAIL_POLICY, awsRecorderKind, awsTrailKind } from "../lib/aws/kinds";
import type { NotFound, RecorderStatus, TrailStatus } from "../lib/aws/sdk";
import { readOptions } from "../lib/options";
import { type LiveEntry, type LiveKind, liveEntries, registerKinds } from "../lib/live/round";
import type { PlainObject } from "../lib/plain";
import type { ProviderView, ResourceView, StackView } from "../lib/stack";
import {
  judgeRecorder,
  options as recorderOptions,
  type RecorderIntent,
} from "../policies/aws-config-recorder-recording";
import { judgeTrail, options as trailOptions, type TrailIntent } from "../policies/aws-cloudtrail-trail-logging";
import { RECORDED_REQUESTS } from "./fakes/registry";
import { type AnalyzeResult, AnalyzerHarness, providerResource, resource, stackResource } from "./harness/analyzer";
import {
  awsDeliveryChannel,
  awsProvider,
  awsRecorder,
  awsRecorderStatus,
  awsTrail,
  coverageOff,
} from "./harness/fixtures";
import { ensureMoto, MOTO_ACCOUNT, MOTO_CREDENTIALS, MOTO_VERSION, MotoServer, type MotoRequest } from "./harness/moto";
import { entryOf, okValue, setEnv } from "./support";

const REGION = "us-east-1";
const BUCKET = "auditguard-moto-logs";
const ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/config`;
// Its two status reads, and sts:GetCallerIdentity before a "not found" is believed.
const PACK_READS = new Set(["config:DescribeConfigurationRecorderStatus", "cloudtrail:GetTrailStatus"]);
const PACK_CALLS = new Set([...PACK_READS, "sts:GetCallerIdentity"]);
const RECORDER_RULES = readOptions(recorderOptions, {});
const TRAIL_RULES = { ...readOptions(trailOptions, {}), cloudWatchConfigured: false };
/** Declared logging, recording read and write management events (the provider's defaults). */
function trailIntent(trail: string): TrailIntent {
  return {
    logging: true,
    deliveryExpected: true,
    trail,
    region: REGION,
    loggingProp: "enableLogging",
    declaredAs: "trail",
  };
}
const RECORDER_INTENT: RecorderIntent = { recording: true, region: REGION, declaredAs: "recorder" };

type Ct = typeof CloudTrail;
type Cfg = typeof ConfigService;
const ct = (): Ct => require("@aws-sdk/client-cloudtrail") as Ct;
const cfg = (): Cfg => require("@aws-sdk/client-config-service") as Cfg;

let seq = 0;

describe(`moto ${MOTO_VERSION} (an AWS implementation we did not write)`, function () {
  let moto: MotoServer;
  const savedEnv: Record<string, string | undefined> = {};

  before(async function () {
    // The first run installs moto[server] from PyPI into the cache (about a minute); later runs reuse it.
    this.timeout(20 * 60_000);
    for (const k of ["PULUMI_CONFIG", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"]) {
      savedEnv[k] = process.env[k];
      setEnv(k, undefined);
    }
    moto = await MotoServer.start(await ensureMoto());
  });
  after(async function () {
    await moto?.close();
    for (const [k, v] of Object.entries(savedEnv)) setEnv(k, v);
  });
  beforeEach(async function () {
    await moto.reset();
    await moto.createBucket(BUCKET);
    registerKinds([awsRecorderKind as LiveKind<unknown>, awsTrailKind as LiveKind<unknown>]);
  });

  // ---- creating resources through moto's own APIs ----

  /** CreateTrail (+ StartLogging unless `logging: false`); returns the ARN moto issued. */
  async function createTrail(
    name: string,
    opts: { region?: string; multiRegion?: boolean; logging?: boolean } = {},
  ): Promise<string> {
    const { cloudtrail } = moto.clients(opts.region ?? REGION);
    try {
      const out = await cloudtrail.send(
        new (ct().CreateTrailCommand)({
          Name: name,
          S3BucketName: BUCKET,
          IsMultiRegionTrail: opts.multiRegion ?? true,
        }),
      );
      if (opts.logging ?? true) await cloudtrail.send(new (ct().StartLoggingCommand)({ Name: name }));
      assert.ok(out.TrailARN, "CreateTrail returns the trail ARN");
      return out.TrailARN;
    } finally {
      cloudtrail.destroy();
    }
  }

  async function stopLogging(arn: string, region = REGION): Promise<void> {
    const { cloudtrail } = moto.clients(region);
    await cloudtrail.send(new (ct().StopLoggingCommand)({ Name: arn })).finally(() => cloudtrail.destroy());
  }

  /** PutConfigurationRecorder + PutDeliveryChannel (+ StartConfigurationRecorder unless `start: false`). */
  async function createRecorder(name: string, opts: { region?: string; start?: boolean } = {}): Promise<void> {
    const { config } = moto.clients(opts.region ?? REGION);
    try {
      await config.send(
        new (cfg().PutConfigurationRecorderCommand)({
          ConfigurationRecorder: { name, roleARN: ROLE, recordingGroup: { allSupported: true } },
        }),
      );
      await config.send(
        new (cfg().PutDeliveryChannelCommand)({ DeliveryChannel: { name: `${name}-channel`, s3BucketName: BUCKET } }),
      );
      if (opts.start ?? true) {
        await config.send(new (cfg().StartConfigurationRecorderCommand)({ ConfigurationRecorderName: name }));
      }
    } finally {
      config.destroy();
    }
  }

  async function stopRecorder(name: string, region = REGION): Promise<void> {
    const { config } = moto.clients(region);
    await config
      .send(new (cfg().StopConfigurationRecorderCommand)({ ConfigurationRecorderName: name }))
      .finally(() => config.destroy());
  }

  // ---- what the pack sends moto ----

  /** Runs `f` with moto's recorder on; the pack's requests join the suite-wide read-only audit. */
  async function recorded<T>(
    f: () => Promise<T>,
    allowed: ReadonlySet<string> = PACK_CALLS,
  ): Promise<{ value: T; requests: MotoRequest[] }> {
    await moto.startRecording();
    const value = await f();
    const requests = await moto.stopRecording();
    for (const r of requests) RECORDED_REQUESTS.push({ cloud: "aws", service: r.service, action: r.action });
    assert.deepEqual(
      requests.filter((r) => !allowed.has(`${r.service}:${r.action}`)),
      [],
      "the pack sent moto only the reads it declares",
    );
    return { value, requests };
  }

  // ---- the adapters through the shared live round ----

  describe("AWS adapters through the live round (lib/aws/kinds.ts planning, lib/aws/sdk.ts calls)", function () {
    /** An explicit provider as the engine shows it (JSON-string endpoints), pointing at moto. */
    function provider(region = REGION): ProviderView {
      seq++;
      return {
        urn: `urn:pulumi:test::auditguard::pulumi:providers:aws::moto${seq}`,
        name: `moto${seq}`,
        type: "pulumi:providers:aws",
        props: {
          region,
          accessKey: MOTO_CREDENTIALS.accessKeyId,
          secretKey: MOTO_CREDENTIALS.secretAccessKey,
          endpoints: JSON.stringify([{ configservice: moto.url, cloudtrail: moto.url, sts: moto.url }]),
        },
      };
    }

    function declared(type: string, name: string, props: PlainObject, p: ProviderView): ResourceView {
      return {
        urn: `urn:pulumi:test::auditguard::${type}::${name}-${++seq}`,
        name,
        type,
        props,
        provider: p,
        exists: true,
      };
    }
    const trail = (name: string, arn: string, homeRegion: string, p = provider()): ResourceView =>
      declared("aws:cloudtrail/trail:Trail", name, { id: arn, arn, name, homeRegion, region: homeRegion }, p);
    const recorder = (name: string, props: PlainObject = {}, p = provider()): ResourceView =>
      declared("aws:cfg/recorder:Recorder", name, { id: name, name, ...props }, p);

    function stack(...resources: ResourceView[]): StackView {
      return { dryRun: false, deploys: { aws: true, alicloud: false }, fingerprint: `moto-${++seq}`, resources };
    }

    async function check(
      policy: string,
      r: ResourceView,
    ): Promise<{ entry: LiveEntry<unknown>; requests: MotoRequest[] }> {
      const { value, requests } = await recorded(() => liveEntries(policy, stack(r), { timeoutSeconds: 10 }));
      return { entry: entryOf(value, r), requests };
    }
    const trailStatus = (e: LiveEntry<unknown>): TrailStatus | NotFound => okValue<TrailStatus | NotFound>(e.outcome);
    const recorderStatus = (e: LiveEntry<unknown>): RecorderStatus | NotFound =>
      okValue<RecorderStatus | NotFound>(e.outcome);

    it("a logging trail: found, IsLogging true, no violation", async function () {
      const arn = await createTrail("main-trail");
      const t = trail("main-trail", arn, REGION);
      const { entry, requests } = await check(AWS_TRAIL_POLICY, t);
      const s = trailStatus(entry);
      assert.ok(s.found);
      assert.equal(s.isLogging, true);
      assert.equal(s.latestDeliveryError, undefined);
      assert.ok(s.startLoggingTime !== undefined && Math.abs(s.startLoggingTime - Date.now()) < 600_000);
      assert.deepEqual(judgeTrail(s, "'main-trail'", TRAIL_RULES, trailIntent("main-trail"), Date.now()), []);
      // By ARN, signed for the trail's home region (moto routes by the signing region, like AWS).
      assert.deepEqual(
        requests.map((r) => [r.service, r.action, r.region]),
        [["cloudtrail", "GetTrailStatus", REGION]],
      );
    });

    it("a trail stopped with StopLogging: IsLogging false, the 'not logging' violation", async function () {
      const arn = await createTrail("stopped-trail");
      await stopLogging(arn);
      const s = trailStatus((await check(AWS_TRAIL_POLICY, trail("stopped-trail", arn, REGION))).entry);
      assert.ok(s.found);
      assert.equal(s.isLogging, false);
      assert.ok(s.stopLoggingTime !== undefined);
      const v = judgeTrail(s, "'stopped-trail'", TRAIL_RULES, trailIntent("stopped-trail"), Date.now());
      assert.equal(v.length, 1, v.join("\n"));
      assert.match(v[0] ?? "", /is not logging \(IsLogging=false since /);
    });

    it("a trail created but never started: not logging (CreateTrail does not start logging, as in AWS)", async function () {
      const arn = await createTrail("never-started", { logging: false });
      const s = trailStatus((await check(AWS_TRAIL_POLICY, trail("never-started", arn, REGION))).entry);
      assert.ok(s.found);
      assert.equal(s.isLogging, false);
      assert.match(
        judgeTrail(s, "'never-started'", TRAIL_RULES, trailIntent("never-started"), Date.now()).join("\n"),
        /is not logging/,
      );
    });

    it("an unknown trail: TrailNotFoundException becomes 'does not exist', not a failed check", async function () {
      const arn = `arn:aws:cloudtrail:${REGION}:${MOTO_ACCOUNT}:trail/deleted-trail`;
      const { entry, requests } = await check(AWS_TRAIL_POLICY, trail("deleted-trail", arn, REGION));
      const s = trailStatus(entry);
      assert.equal(s.found, false);
      assert.match(s.found ? "" : s.detail, /Unknown trail/);
      // Believed only after moto's STS said the answer came from the trail ARN's own account.
      assert.match(s.found ? "" : s.detail, new RegExp(`answered by account ${MOTO_ACCOUNT}`));
      assert.deepEqual(
        requests.map((r) => `${r.service}:${r.action}`),
        ["cloudtrail:GetTrailStatus", "sts:GetCallerIdentity"],
      );
      assert.match(
        judgeTrail(s, "'deleted-trail'", TRAIL_RULES, trailIntent("deleted-trail"), Date.now())[0] ?? "",
        /does not exist/,
      );
    });

    it("a multi-region trail declared through a provider in another region: read in its home region", async function () {
      const arn = await createTrail("org-wide", { region: "us-west-2" });
      const t = trail("org-wide", arn, "us-west-2", provider("eu-west-1"));
      const { entry, requests } = await check(AWS_TRAIL_POLICY, t);
      assert.equal((trailStatus(entry) as TrailStatus).isLogging, true);
      assert.deepEqual(
        requests.map((r) => r.region),
        ["us-west-2"],
      );
    });

    it("a recording recorder: found, recording, moto's PENDING within the grace window passes", async function () {
      await createRecorder("main-recorder");
      const { entry, requests } = await check(AWS_RECORDER_POLICY, recorder("main-recorder"));
      const s = recorderStatus(entry);
      assert.ok(s.found);
      assert.equal(s.recording, true);
      // AWS: PENDING until the first delivery, then SUCCESS. moto: PENDING for ever (no delivery happens).
      assert.equal(s.lastStatus, "PENDING");
      assert.ok(s.lastStatusChangeTime !== undefined);
      assert.deepEqual(judgeRecorder(s, "'main-recorder'", RECORDER_RULES, RECORDER_INTENT, Date.now()), []);
      // The same reply an hour past the grace window is a violation: the pack does not trust PENDING for ever.
      const later = s.lastStatusChangeTime + (RECORDER_RULES.pendingGraceMinutes + 1) * 60_000;
      assert.match(
        judgeRecorder(s, "'main-recorder'", RECORDER_RULES, RECORDER_INTENT, later).join("\n"),
        /has been PENDING for/,
      );
      assert.deepEqual(
        requests.map((r) => [r.service, r.action, r.region]),
        [["config", "DescribeConfigurationRecorderStatus", REGION]],
      );
    });

    it("a stopped recorder: recording false, the 'not recording' violation", async function () {
      await createRecorder("stopped-recorder");
      await stopRecorder("stopped-recorder");
      const s = recorderStatus((await check(AWS_RECORDER_POLICY, recorder("stopped-recorder"))).entry);
      assert.ok(s.found);
      assert.equal(s.recording, false);
      assert.ok(s.lastStopTime !== undefined);
      const v = judgeRecorder(s, "'stopped-recorder'", RECORDER_RULES, RECORDER_INTENT, Date.now());
      assert.equal(v.length, 1, v.join("\n"));
      assert.match(v[0] ?? "", /is not recording \(recording=false since /);
    });

    it("a recorder put but never started: not recording", async function () {
      await createRecorder("idle-recorder", { start: false });
      const s = recorderStatus((await check(AWS_RECORDER_POLICY, recorder("idle-recorder"))).entry);
      assert.ok(s.found);
      assert.equal(s.recording, false);
      assert.match(
        judgeRecorder(s, "'idle-recorder'", RECORDER_RULES, RECORDER_INTENT, Date.now()).join("\n"),
        /is not recording/,
      );
    });

    it("a missing recorder: NoSuchConfigurationRecorderException becomes 'does not exist'", async function () {
      const { entry, requests } = await check(AWS_RECORDER_POLICY, recorder("gone-recorder"));
      const s = recorderStatus(entry);
      assert.equal(s.found, false);
      assert.match(s.found ? "" : s.detail, /Cannot find configuration recorder with the specified name/);
      assert.match(s.found ? "" : s.detail, new RegExp(`answered by account ${MOTO_ACCOUNT}`));
      assert.deepEqual(
        requests.map((r) => `${r.service}:${r.action}`),
        ["config:DescribeConfigurationRecorderStatus", "sts:GetCallerIdentity"],
      );
      assert.match(
        judgeRecorder(s, "'gone-recorder'", RECORDER_RULES, RECORDER_INTENT, Date.now())[0] ?? "",
        /does not exist/,
      );
    });

    it("a recorder in another region than its provider's: read in the recorder's own region", async function () {
      await createRecorder("west-recorder", { region: "us-west-2" });
      // Recorders are regional in moto as in AWS: the provider's region (eu-west-1) has none.
      const r = recorder("west-recorder", { region: "us-west-2" }, provider("eu-west-1"));
      const { entry, requests } = await check(AWS_RECORDER_POLICY, r);
      assert.equal((recorderStatus(entry) as RecorderStatus).recording, true);
      assert.deepEqual(
        requests.map((q) => q.region),
        ["us-west-2"],
      );
    });
  });

  // ---- where moto and AWS part ways, pinned for this moto version ----

  describe(`moto ${MOTO_VERSION} differs from AWS (raw SDK replies; the pack does not depend on these)`, function () {
    it("GetTrailStatus: deprecated fields as ISO strings, a delivery time the moment logging starts", async function () {
      const arn = await createTrail("raw-trail");
      const { cloudtrail } = moto.clients(REGION);
      const out = await cloudtrail
        .send(new (ct().GetTrailStatusCommand)({ Name: arn }))
        .finally(() => cloudtrail.destroy());
      // AWS: TimeLoggingStarted, LatestDeliveryAttemptTime, ... are "no longer in use". moto: it fills them
      // (ISO strings, "" when unset). The pack ignores them.
      assert.match(out.TimeLoggingStarted ?? "", /^\d{4}-\d\d-\d\dT/);
      assert.equal(out.LatestNotificationAttemptTime, "");
      // AWS: a new trail's first delivery comes minutes after StartLogging. moto: LatestDeliveryTime is set at
      // StartLogging. No Latest*Error field ever (moto models no delivery).
      assert.ok(out.StartLoggingTime && out.LatestDeliveryTime);
      assert.equal(out.LatestDeliveryTime.getTime(), out.StartLoggingTime.getTime());
      assert.equal(out.LatestDeliveryError, undefined);
    });

    it("GetEventSelectors of a trail created without selectors: none (AWS: its default selector)", async function () {
      const arn = await createTrail("no-selectors");
      const { cloudtrail } = moto.clients(REGION);
      try {
        const out = await cloudtrail.send(new (ct().GetEventSelectorsCommand)({ TrailName: arn }));
        // AWS: [{ReadWriteType: All, IncludeManagementEvents: true, ...}], all management events. moto: nothing,
        // which coverage would read as "records no management events"; the coverage test puts AWS's default.
        assert.deepEqual(out.EventSelectors ?? [], []);
        const listed = await cloudtrail.send(new (ct().DescribeTrailsCommand)({ trailNameList: [arn] }));
        assert.equal(listed.trailList?.[0]?.HasCustomEventSelectors, false);
      } finally {
        cloudtrail.destroy();
      }
    });

    it("GetTrailStatus from another region by bare name answers for a multi-region trail", async function () {
      await createTrail("shadowed");
      const { cloudtrail } = moto.clients("eu-west-1");
      // AWS (notes §4): a shadow trail answers only to its ARN outside the home region. moto: also to its name.
      // The pack always sends the ARN to the home region, so it is right on both.
      const out = await cloudtrail
        .send(new (ct().GetTrailStatusCommand)({ Name: "shadowed" }))
        .finally(() => cloudtrail.destroy());
      assert.equal(out.IsLogging, true);
    });

    it("DescribeConfigurationRecorderStatus: several names, ServicePrincipal ignored, no arn, PENDING", async function () {
      await createRecorder("raw-recorder");
      const { config } = moto.clients(REGION);
      try {
        // AWS: more than one name is a ValidationException. moto: answers once per name.
        const two = await config.send(
          new (cfg().DescribeConfigurationRecorderStatusCommand)({
            ConfigurationRecorderNames: ["raw-recorder", "raw-recorder"],
          }),
        );
        assert.equal(two.ConfigurationRecordersStatus?.length, 2);
        // AWS: ServicePrincipal selects a service-linked recorder (none here → []). moto: ignores it and
        // returns the customer-managed recorder.
        const linked = await config.send(
          new (cfg().DescribeConfigurationRecorderStatusCommand)({ ServicePrincipal: "securityhub.amazonaws.com" }),
        );
        const s = linked.ConfigurationRecordersStatus?.[0];
        assert.equal(s?.name, "raw-recorder");
        // AWS: each status carries the recorder's arn. moto: omits it. The pack selects by name.
        assert.equal(s?.arn, undefined);
        // AWS: PENDING, then SUCCESS after the first delivery. moto: PENDING while recording, and still
        // PENDING after StopConfigurationRecorder.
        assert.equal(s?.lastStatus, "PENDING");
        await config.send(new (cfg().StopConfigurationRecorderCommand)({ ConfigurationRecorderName: "raw-recorder" }));
        const stopped = await config.send(
          new (cfg().DescribeConfigurationRecorderStatusCommand)({ ConfigurationRecorderNames: ["raw-recorder"] }),
        );
        assert.equal(stopped.ConfigurationRecordersStatus?.[0]?.recording, false);
        assert.equal(stopped.ConfigurationRecordersStatus?.[0]?.lastStatus, "PENDING");
      } finally {
        config.destroy();
      }
    });

    it("PutDeliveryChannel accepts a bucket that does not exist; CreateTrail does not", async function () {
      const { config, cloudtrail } = moto.clients(REGION);
      try {
        await config.send(
          new (cfg().PutConfigurationRecorderCommand)({ ConfigurationRecorder: { name: "r", roleARN: ROLE } }),
        );
        // AWS: NoSuchBucketException. moto: accepted.
        await config.send(
          new (cfg().PutDeliveryChannelCommand)({ DeliveryChannel: { name: "c", s3BucketName: "no-such-bucket" } }),
        );
        // Both: CreateTrail refuses it.
        await assert.rejects(
          cloudtrail.send(new (ct().CreateTrailCommand)({ Name: "t-nobucket", S3BucketName: "no-such-bucket" })),
          (e: Error) => e.name === "S3BucketDoesNotExistException",
        );
      } finally {
        config.destroy();
        cloudtrail.destroy();
      }
    });
  });

  // ---- the whole built pack over the Analyzer gRPC protocol ----

  describe("the whole pack over the Analyzer protocol, provider endpoints at moto", function () {
    let pack: AnalyzerHarness | undefined;
    before(async function () {
      // Coverage off: these cases assert the per-resource reads moto sees.
      pack = await AnalyzerHarness.start({ dryRun: true, policies: coverageOff() });
    });
    after(async function () {
      await pack?.close();
    });

    function stackAtMoto(): { trailUrn: string; resources: Parameters<AnalyzerHarness["analyzeStack"]>[0] } {
      const p = awsProvider("moto", moto.url, {
        accessKey: MOTO_CREDENTIALS.accessKeyId,
        secretKey: MOTO_CREDENTIALS.secretAccessKey,
      });
      const trail = awsTrail("audit-trail", { provider: p, props: { s3BucketName: BUCKET } });
      return {
        trailUrn: trail.urn,
        resources: [
          stackResource(),
          providerResource(p),
          awsRecorder("audit-recorder", { provider: p }),
          awsRecorderStatus("audit-recorder", { provider: p }),
          awsDeliveryChannel("audit-recorder", { provider: p, props: { s3BucketName: BUCKET } }),
          trail,
        ],
      };
    }

    async function analyze(): Promise<{ result: AnalyzeResult; requests: MotoRequest[] }> {
      const h = pack;
      assert.ok(h, "pack started");
      const { value, requests } = await recorded(() => h.analyzeStack(stackAtMoto().resources));
      return { result: value, requests };
    }
    const brief = (r: AnalyzeResult): string => JSON.stringify(r.diagnostics.map((d) => [d.policyName, d.message]));

    it("a logging trail and a recording recorder (moto's PENDING, within grace): no diagnostics", async function () {
      await createRecorder("audit-recorder");
      await createTrail("audit-trail");
      const { result, requests } = await analyze();
      assert.deepEqual(result.diagnostics, [], brief(result));
      assert.deepEqual(requests.map((r) => `${r.service}:${r.action}`).sort(), [...PACK_READS].sort());
    });

    it("the trail stopped through moto's API: the mandatory violation on the trail's URN, nothing else", async function () {
      await createRecorder("audit-recorder");
      await stopLogging(await createTrail("audit-trail"));
      const { result } = await analyze();
      assert.deepEqual(
        result.diagnostics.map((d) => [d.policyName, d.urn, d.enforcementLevel]),
        [[AWS_TRAIL_POLICY, stackAtMoto().trailUrn, "mandatory"]],
        brief(result),
      );
      assert.match(result.diagnostics[0]?.message ?? "", /is not logging \(IsLogging=false/);
    });
  });
  // ---- the whole pack with account coverage on (its default) ----

  describe("the whole pack with account coverage on, provider endpoints at moto", function () {
    const COVERAGE_READS = new Set([
      ...PACK_CALLS,
      "cloudtrail:DescribeTrails",
      "cloudtrail:GetEventSelectors",
      "config:DescribeConfigurationRecorders",
      "config:ListConfigurationRecorders",
    ]);
    const TRAIL_COVERAGE = "aws-cloudtrail-account-coverage";
    const CONFIG_COVERAGE = "aws-config-account-coverage";
    const LIVE = "auditguard-live-verification";
    let pack: AnalyzerHarness | undefined;
    before(async function () {
      pack = await AnalyzerHarness.start({ dryRun: true });
    });
    after(async function () {
      await pack?.close();
    });
    const brief = (r: AnalyzeResult): string => JSON.stringify(r.diagnostics.map((d) => [d.policyName, d.message]));

    /** An application stack (one bucket) whose provider points every AWS endpoint at moto. */
    async function analyzeApp(): Promise<{ result: AnalyzeResult; requests: MotoRequest[] }> {
      const h = pack;
      assert.ok(h, "pack started");
      const p = awsProvider(`moto-app-${++seq}`, moto.url, {
        accessKey: MOTO_CREDENTIALS.accessKeyId,
        secretKey: MOTO_CREDENTIALS.secretAccessKey,
      });
      const bucket = resource(
        "aws:s3/bucketV2:BucketV2",
        `app-data-${seq}`,
        { id: `app-data-${seq}` },
        { provider: p },
      );
      const { value, requests } = await recorded(
        () => h.analyzeStack([stackResource(), providerResource(p), bucket]),
        COVERAGE_READS,
      );
      return { result: value, requests };
    }

    it(`CloudTrail coverage reads moto's trails; Config coverage is undetermined: moto ${MOTO_VERSION} does not implement ListConfigurationRecorders`, async function () {
      await createRecorder("baseline-recorder");
      const arn = await createTrail("baseline-trail");
      // moto answers GetEventSelectors with no selector for a trail created without any; AWS answers with its
      // default (all read and write management events). Put that default, as the console does.
      const { cloudtrail } = moto.clients(REGION);
      await cloudtrail
        .send(
          new (ct().PutEventSelectorsCommand)({
            TrailName: arn,
            EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }],
          }),
        )
        .finally(() => cloudtrail.destroy());
      const { result, requests } = await analyzeApp();
      // CloudTrail coverage: the logging multi-region trail covers the region, read by ARN in its home region.
      assert.deepEqual(
        result.diagnostics.filter((d) => d.policyName === TRAIL_COVERAGE),
        [],
        brief(result),
      );
      assert.ok(requests.some((r) => r.action === "GetEventSelectors" && r.region === REGION));
      // Config coverage: moto answers ListConfigurationRecorders with HTTP 500 (NotImplementedError). The pack
      // says so through auditguard-live-verification, naming the action: never a pass, never a violation.
      assert.deepEqual(
        result.diagnostics.filter((d) => d.policyName === CONFIG_COVERAGE),
        [],
        brief(result),
      );
      const live = result.diagnostics.filter((d) => d.policyName === LIVE);
      assert.equal(live.length, 1, brief(result));
      assert.match(live[0]?.message ?? "", /ListConfigurationRecorders/);
      assert.match(live[0]?.message ?? "", /the service answered with a server error/);
      assert.match(live[0]?.message ?? "", /config:ListConfigurationRecorders/);
      assert.ok(requests.some((r) => r.action === "ListConfigurationRecorders"));
    });

    it(`moto ${MOTO_VERSION}: ListConfigurationRecorders is not implemented (HTTP 500), even with a valid MaxResults`, async function () {
      const { config } = moto.clients(REGION);
      try {
        await assert.rejects(
          config.send(new (cfg().ListConfigurationRecordersCommand)({ MaxResults: 20 })),
          (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
            assert.equal(e.$metadata?.httpStatusCode, 500);
            return true;
          },
        );
      } finally {
        config.destroy();
      }
    });

    it("the CloudTrail X-Amz-Target the pinned SDK sends: the short 'CloudTrail_20131101.' form, which moto 5.2.5 routes", async function () {
      const arn = await createTrail("target-trail");
      const { requests } = await recorded(async () => {
        const { cloudtrail } = moto.clients(REGION);
        await cloudtrail.send(new (ct().GetTrailStatusCommand)({ Name: arn })).finally(() => cloudtrail.destroy());
      });
      // @aws-sdk/client-cloudtrail builds the target from the Smithy service shape's name (serviceTarget
      // "CloudTrail_20131101"); botocore's model (targetPrefix) and the Java/C++ SDKs send
      // "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.". AWS accepts both (both SDK families call it);
      // moto 5.2.6 routes only the long one and answers 404 to this one, so MOTO_VERSION stays 5.2.5.
      assert.deepEqual(
        requests.map((r) => r.target),
        ["CloudTrail_20131101.GetTrailStatus"],
      );
    });
  });
});
