// Account coverage through the whole built pack over the Analyzer protocol, against the loopback AWS fake:
// application stacks that declare no recorder or trail, and whether the accounts and regions they deploy
// into are recorded by someone.

import assert from "node:assert/strict";
import {
  type AnalyzeResult,
  AnalyzerHarness,
  type Diagnostic,
  explicitProvider,
  type ProviderRef,
  providerResource,
  resource,
  type ResourceSpec,
  stackResource,
  UNKNOWN,
} from "./harness/analyzer";
import { FakeAlibaba } from "./fakes/alibaba";
import { type AwsRequest, FakeAws } from "./fakes/aws";
import {
  aliProvider,
  aliRecorder,
  aliTrail,
  awsDeliveryChannel,
  awsProvider,
  awsRecorder,
  awsRecorderStatus,
} from "./harness/fixtures";

const TRAIL_COVERAGE = "aws-cloudtrail-account-coverage";
const CONFIG_COVERAGE = "aws-config-account-coverage";
const LIVE = "auditguard-live-verification";
const ACCOUNT = "123456789012";
const ORG_ACCOUNT = "999988887777";
const MEMBER_ACCOUNT = "111122223333";
const ENV_KEY = "AGCOVERAGEENVKEY01";
const PACK_ENV = { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: "ag-coverage-env-secret-0000" };

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function of(result: AnalyzeResult, policy: string): Diagnostic[] {
  return result.diagnostics.filter((d) => d.policyName === policy);
}
function brief(result: AnalyzeResult): string {
  return JSON.stringify(
    result.diagnostics.map((d) => ({ p: d.policyName, u: d.urn, m: d.message })),
    null,
    1,
  );
}
/** "action@region" of every request, sorted, for exact call-plan assertions. */
function calls(requests: readonly AwsRequest[]): string[] {
  return requests.map((r) => `${r.action}@${r.region ?? "?"}`).sort();
}

function bucket(
  name: string,
  provider: ProviderRef,
  props: Record<string, string | typeof UNKNOWN> = {},
): ResourceSpec {
  return resource("aws:s3/bucketV2:BucketV2", name, { id: name, bucket: name, ...props }, { provider });
}

/** A trail of `account` homed in `home`, logging, as the fake lists it. */
function trailIn(
  fake: FakeAws,
  name: string,
  home: string,
  setup: { multi?: boolean; org?: boolean } = {},
  account = ACCOUNT,
): string {
  const arn = `arn:aws:cloudtrail:${home}:${account}:trail/${name}`;
  const t = nowSeconds();
  fake.trails.set(arn, { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 });
  fake.trailSetups.set(arn, { isMultiRegion: setup.multi === true, isOrganizationTrail: setup.org === true });
  return arn;
}

function recorderIn(fake: FakeAws, region: string, name = "default"): void {
  const t = nowSeconds();
  fake.recorders.set(`${region}/${name}`, {
    recording: true,
    lastStatus: "SUCCESS",
    lastStartTime: t - 86_400,
    lastStatusChangeTime: t - 600,
  });
}

describe("account coverage over the Analyzer protocol", function () {
  let fake: FakeAws;
  let pack: AnalyzerHarness | undefined;
  const h = (): AnalyzerHarness => {
    assert.ok(pack, "pack not started");
    return pack;
  };

  before(async () => {
    fake = await FakeAws.start();
    // requireRecorder/requireTrail become false by default with issue 9 (the integrator flips the defaults):
    // an application stack declaring neither gets no declared-policy advisory.
    pack = await AnalyzerHarness.start({
      dryRun: true,
      env: PACK_ENV,
      policies: {
        "aws-config-recorder-declared": { requireRecorder: false },
        "aws-cloudtrail-trail-declared": { requireTrail: false },
      },
    });
  });
  after(async () => {
    await pack?.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  function appStack(regions: readonly string[]): { resources: ResourceSpec[]; providers: ProviderRef[] } {
    const providers = regions.map((r) => awsProvider(`app-${r}`, fake.url, { region: r }));
    return {
      providers,
      resources: [
        stackResource(),
        ...providers.map(providerResource),
        ...providers.flatMap((p, i) => [bucket(`data-${i}`, p), bucket(`logs-${i}`, p)]),
      ],
    };
  }

  it("an application stack in two regions, one uncovered: one violation per policy, for that region only", async () => {
    trailIn(fake, "home-trail", "us-east-1");
    recorderIn(fake, "us-east-1");
    const s = appStack(["us-east-1", "eu-west-1"]);
    const result = await h().analyzeStack(s.resources);
    const trails = of(result, TRAIL_COVERAGE);
    assert.equal(trails.length, 1, brief(result));
    assert.equal(trails[0]?.urn, "", "attached to the stack");
    assert.match(trails[0]?.message ?? "", /AWS account 123456789012, region eu-west-1: no CloudTrail trail covers it/);
    // A single-region trail is listed only in its home region (DescribeTrails includes shadows of multi-region ones).
    assert.match(trails[0]?.message ?? "", /Found: no trail applies to eu-west-1\./);
    assert.equal(trails[0]?.enforcementLevel, "advisory");
    const recorders = of(result, CONFIG_COVERAGE);
    assert.equal(recorders.length, 1, brief(result));
    assert.match(recorders[0]?.message ?? "", /region eu-west-1: .*no configuration recorder in eu-west-1/);
    assert.deepEqual(of(result, LIVE), [], brief(result));
    // One identity for the one credential set, each region listed once, the one trail read once.
    assert.deepEqual(calls(fake.requests), [
      "DescribeConfigurationRecorderStatus@eu-west-1",
      "DescribeConfigurationRecorderStatus@us-east-1",
      "DescribeConfigurationRecorders@eu-west-1",
      "DescribeConfigurationRecorders@us-east-1",
      "DescribeTrails@eu-west-1",
      "DescribeTrails@us-east-1",
      "GetCallerIdentity@us-east-1",
      "GetEventSelectors@us-east-1",
      "GetTrailStatus@us-east-1",
      "ListConfigurationRecorders@eu-west-1",
      "ListConfigurationRecorders@us-east-1",
    ]);
  });

  it("a multi-region trail and recorders in both regions: no diagnostic; the trail is read once, in its home region", async () => {
    const arn = trailIn(fake, "all-regions", "us-east-1", { multi: true });
    recorderIn(fake, "us-east-1");
    recorderIn(fake, "eu-west-1");
    const result = await h().analyzeStack(appStack(["us-east-1", "eu-west-1"]).resources);
    assert.deepEqual(result.diagnostics, [], brief(result));
    const status = fake.calls("GetTrailStatus");
    assert.equal(status.length, 1);
    assert.equal(status[0]?.body["Name"], arn);
    assert.equal(status[0]?.region, "us-east-1");
  });

  it("an organization trail of another account covers the member account", async () => {
    const member = "AGMEMBERKEY0000001";
    fake.accounts.set(member, MEMBER_ACCOUNT);
    const arn = trailIn(fake, "org-trail", "us-east-1", { multi: true, org: true }, ORG_ACCOUNT);
    recorderIn(fake, "eu-west-1");
    const provider = awsProvider("member", fake.url, {
      region: "eu-west-1",
      accessKey: member,
      secretKey: "ag-member-secret-000000",
    });
    const result = await h().analyzeStack([
      stackResource(),
      providerResource(provider),
      bucket("member-data", provider),
    ]);
    assert.deepEqual(result.diagnostics, [], brief(result));
    assert.deepEqual(
      fake.calls("GetTrailStatus").map((r) => [r.body["Name"], r.region, r.accessKeyId]),
      [[arn, "us-east-1", member]],
    );
    // CloudTrail refuses GetEventSelectors on another account's trail ("Unknown trail … for the user"): not asked.
    assert.deepEqual(fake.calls("GetEventSelectors"), []);
  });

  it("an organization trail with custom selectors a member cannot read: undetermined unless another trail covers; stopped: not covered", async () => {
    const member = "AGMEMBERKEY0000002";
    fake.accounts.set(member, MEMBER_ACCOUNT);
    const arn = trailIn(fake, "org-trail", "us-east-1", { multi: true, org: true }, ORG_ACCOUNT);
    fake.trailSetups.set(arn, {
      isMultiRegion: true,
      isOrganizationTrail: true,
      eventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }],
    });
    recorderIn(fake, "eu-west-1");
    const provider = awsProvider("member2", fake.url, {
      region: "eu-west-1",
      accessKey: member,
      secretKey: "ag-member-secret-000002",
    });
    const stack = [stackResource(), providerResource(provider), bucket("member-data-2", provider)];
    const unknown = await h().analyzeStack(stack);
    assert.deepEqual(of(unknown, TRAIL_COVERAGE), [], brief(unknown));
    const live = of(unknown, LIVE);
    assert.equal(live.length, 1, brief(unknown));
    assert.match(
      live[0]?.message ?? "",
      /organization trail of 999988887777\) has custom event selectors .* cannot be read from this account/,
    );
    assert.match(live[0]?.message ?? "", /cloudtrail:GetEventSelectors as the trail's own account 999988887777/);
    assert.deepEqual(fake.calls("GetEventSelectors"), []);
    // A trail of the member's own that verifiably covers the region settles it.
    trailIn(fake, "member-own", "eu-west-1", {}, MEMBER_ACCOUNT);
    const covered = await h().analyzeStack([...stack, bucket("member-data-4", provider)]);
    assert.deepEqual(covered.diagnostics, [], brief(covered));
    fake.trails.delete(`arn:aws:cloudtrail:eu-west-1:${MEMBER_ACCOUNT}:trail/member-own`);
    // What the member can read still decides: the trail's status, by its full ARN.
    const state = fake.trails.get(arn);
    assert.ok(state);
    Object.assign(state, { IsLogging: false, StopLoggingTime: nowSeconds() - 60 });
    const stopped = await h().analyzeStack([...stack, bucket("member-data-3", provider)]);
    const d = of(stopped, TRAIL_COVERAGE);
    assert.equal(d.length, 1, brief(stopped));
    assert.match(d[0]?.message ?? "", /trail 'org-trail' \(organization trail of 999988887777\) is not logging since /);
  });

  for (const code of ["TrailNotFoundException", "CloudTrailARNInvalidException"]) {
    it(`the account's own trail whose selectors answer ${code}: undetermined, never covered on an assumption`, async () => {
      // Deleted between DescribeTrails and GetEventSelectors, or its ARN refused: nothing says what it records.
      trailIn(fake, "own", "eu-west-1");
      recorderIn(fake, "eu-west-1");
      fake.fault = (req) =>
        req.action === "GetEventSelectors"
          ? { kind: "error", status: 400, code, message: `Unknown trail: ${String(req.body["TrailName"])}` }
          : undefined;
      const result = await h().analyzeStack(appStack(["eu-west-1"]).resources);
      assert.deepEqual(of(result, TRAIL_COVERAGE), [], brief(result));
      const live = of(result, LIVE);
      assert.equal(live.length, 1, brief(result));
      assert.match(live[0]?.message ?? "", new RegExp(`calling GetEventSelectors: .*\\[code ${code}`));
    });
  }

  it("a logging trail whose S3 delivery fails (NoSuchBucket) does not cover its region", async () => {
    const arn = trailIn(fake, "broken", "eu-west-1");
    recorderIn(fake, "eu-west-1");
    Object.assign(fake.trails.get(arn) ?? {}, { LatestDeliveryError: "NoSuchBucket" });
    const result = await h().analyzeStack(appStack(["eu-west-1"]).resources);
    const d = of(result, TRAIL_COVERAGE);
    assert.equal(d.length, 1, brief(result));
    assert.match(
      d[0]?.message ?? "",
      /Found: trail 'broken' is logging but its S3 delivery fails \(LatestDeliveryError=NoSuchBucket\)\./,
    );
  });

  it("an organization trail that is single-region elsewhere does not cover the member's region", async () => {
    trailIn(fake, "org-trail", "us-east-1", { org: true }, ORG_ACCOUNT);
    recorderIn(fake, "eu-west-1");
    const result = await h().analyzeStack(appStack(["eu-west-1"]).resources);
    const d = of(result, TRAIL_COVERAGE);
    assert.equal(d.length, 1, brief(result));
    assert.match(d[0]?.message ?? "", /region eu-west-1: .*no trail applies to eu-west-1/);
    assert.deepEqual(fake.calls("GetTrailStatus"), []);
  });

  it("only an INTERNAL service-linked recorder: not covered, and the message says so; a PAID one covers", async () => {
    trailIn(fake, "t", "eu-west-1");
    recorderIn(fake, "eu-west-1", "AWSConfigurationRecorderForSecurityHub");
    fake.recorderSetups.set("eu-west-1/AWSConfigurationRecorderForSecurityHub", {
      servicePrincipal: "securityhub.amazonaws.com",
      recordingScope: "INTERNAL",
    });
    const internal = await h().analyzeStack(appStack(["eu-west-1"]).resources);
    const d = of(internal, CONFIG_COVERAGE);
    assert.equal(d.length, 1, brief(internal));
    assert.match(d[0]?.message ?? "", /only an INTERNAL service-linked recorder/);
    assert.equal(
      fake.calls("DescribeConfigurationRecorderStatus").length,
      1,
      "an INTERNAL recorder is not read further",
    );

    fake.requests.length = 0;
    fake.recorderSetups.set("eu-west-1/AWSConfigurationRecorderForSecurityHub", {
      servicePrincipal: "securityhub.amazonaws.com",
      recordingScope: "PAID",
    });
    // A new analysis: the engine's next AnalyzeStack.
    const paid = await h().analyzeStack([
      ...appStack(["eu-west-1"]).resources,
      bucket("extra", appStack(["eu-west-1"]).providers[0] as ProviderRef),
    ]);
    assert.deepEqual(of(paid, CONFIG_COVERAGE), [], brief(paid));
    // Read by the ARN the listing gave (ServicePrincipal is only for AWS principals: botocore config 2014-11-12).
    const linkedArn = `arn:aws:config:eu-west-1:${ACCOUNT}:config-recorder/AWSConfigurationRecorderForSecurityHub/abc`;
    for (const action of ["DescribeConfigurationRecorders", "DescribeConfigurationRecorderStatus"]) {
      const selected = fake.calls(action).filter((r) => Object.keys(r.body).length > 0);
      assert.deepEqual(
        selected.map((r) => r.body),
        [{ Arn: linkedArn }],
        action,
      );
    }
  });

  it("a PAID service-linked recorder of another cloud's resources (provider AZURE): never covers, never read further", async () => {
    trailIn(fake, "t", "eu-west-1");
    recorderIn(fake, "eu-west-1", "AWSConfigurationRecorderForAzure");
    fake.recorderSetups.set("eu-west-1/AWSConfigurationRecorderForAzure", {
      servicePrincipal: "config-multicloud.amazonaws.com",
      recordingScope: "PAID",
      provider: "AZURE",
    });
    const result = await h().analyzeStack(appStack(["eu-west-1"]).resources);
    const d = of(result, CONFIG_COVERAGE);
    assert.equal(d.length, 1, brief(result));
    assert.match(
      d[0]?.message ?? "",
      /service-linked recorder 'AWSConfigurationRecorderForAzure' records AZURE resources/,
    );
    assert.deepEqual(of(result, LIVE), [], brief(result));
    for (const action of ["DescribeConfigurationRecorders", "DescribeConfigurationRecorderStatus"]) {
      assert.deepEqual(
        fake.calls(action).filter((r) => Object.keys(r.body).length > 0),
        [],
        action,
      );
    }
  });

  it("a stack creating its own recorder in preview: its region counts as covered by intent, no Config call there", async () => {
    trailIn(fake, "t", "eu-west-1");
    const provider = awsProvider("baseline", fake.url, { region: "eu-west-1" });
    const result = await h().analyzeStack([
      stackResource(),
      providerResource(provider),
      bucket("config-bucket", provider, { id: UNKNOWN }),
      awsRecorder("new-recorder", { provider, props: { id: UNKNOWN } }),
      awsRecorderStatus("new-recorder", { provider, props: { id: UNKNOWN } }),
      awsDeliveryChannel("new-recorder", { provider, props: { id: UNKNOWN } }),
    ]);
    assert.deepEqual(of(result, CONFIG_COVERAGE), [], brief(result));
    assert.deepEqual(of(result, LIVE), [], brief(result));
    assert.deepEqual(
      fake.requests.filter((r) => r.service === "config"),
      [],
    );
  });

  it("a stack creating a recorder that leaves out the global IAM types: the account's other Regions are still asked", async () => {
    trailIn(fake, "t", "eu-west-1");
    const provider = awsProvider("baseline-no-iam", fake.url, { region: "eu-west-1" });
    const group = { allSupported: true, includeGlobalResourceTypes: false };
    const stack = [
      stackResource(),
      providerResource(provider),
      awsRecorder("no-iam", { provider, props: { id: UNKNOWN, recordingGroup: group } }),
      awsRecorderStatus("no-iam", { provider, props: { id: UNKNOWN } }),
    ];
    const nowhere = await h().analyzeStack(stack);
    const d = of(nowhere, CONFIG_COVERAGE);
    assert.equal(d.length, 1, brief(nowhere));
    assert.match(d[0]?.message ?? "", /no AWS Config recorder records global resource types/);
    assert.deepEqual(of(nowhere, LIVE), [], brief(nowhere));
    assert.ok(!fake.calls("DescribeConfigurationRecorders").some((r) => r.region === "eu-west-1"));
    // Recorded in another Region: no finding.
    recorderIn(fake, "us-west-2", "baseline");
    const elsewhere = await h().analyzeStack([...stack, bucket("no-iam-data", provider)]);
    assert.deepEqual(of(elsewhere, CONFIG_COVERAGE), [], brief(elsewhere));
  });

  it("a provider with accessKey but no secretKey: undetermined per coverage policy, naming region and GetCallerIdentity; no call", async () => {
    const half = awsProvider("half-keys", fake.url, { region: "eu-west-1", accessKey: "AKIAHALFKEYS00000000" });
    const result = await h().analyzeStack([stackResource(), providerResource(half), bucket("half-data", half)]);
    assert.deepEqual([...of(result, TRAIL_COVERAGE), ...of(result, CONFIG_COVERAGE)], [], brief(result));
    const live = of(result, LIVE);
    assert.equal(live.length, 2, brief(result));
    for (const d of live) {
      for (const part of [
        `::half-data)' (region eu-west-1, endpoint ${fake.url}): `,
        "the call target could not be determined calling GetCallerIdentity: its provider sets accessKey without secretKey.",
        "Needed permission: sts:GetCallerIdentity (needs no IAM permission).",
      ])
        assert.ok(d.message.includes(part), `${part}\n  not in\n${d.message}`);
    }
    assert.deepEqual(fake.requests, []);
  });

  it("a stack of aws-native resources only: its provider's region is checked like any other", async () => {
    // aws-native has no CloudTrail or Config endpoint setting: the SDK's AWS_ENDPOINT_URL points its calls here.
    const native = await AnalyzerHarness.start({ dryRun: true, env: { ...PACK_ENV, AWS_ENDPOINT_URL: fake.url } });
    try {
      recorderIn(fake, "ap-southeast-2");
      const provider = explicitProvider("aws-native", "native-app", {
        region: "ap-southeast-2",
        accessKey: "AGNATIVECOVERAGE01",
        secretKey: "ag-native-coverage-secret",
      });
      const result = await native.analyzeStack([
        stackResource(),
        providerResource(provider),
        resource("aws-native:s3:Bucket", "native-data", { id: "native-data", bucketName: "native-data" }, { provider }),
      ]);
      const d = of(result, TRAIL_COVERAGE);
      assert.equal(d.length, 1, brief(result));
      assert.match(
        d[0]?.message ?? "",
        /AWS account 123456789012, region ap-southeast-2: no CloudTrail trail covers it/,
      );
      assert.deepEqual(of(result, CONFIG_COVERAGE), [], brief(result));
      assert.deepEqual(
        [...new Set(fake.requests.map((r) => `${r.action}@${r.region ?? "?"}/${r.accessKeyId ?? "?"}`))].sort(),
        [
          "DescribeConfigurationRecorderStatus@ap-southeast-2/AGNATIVECOVERAGE01",
          "DescribeConfigurationRecorders@ap-southeast-2/AGNATIVECOVERAGE01",
          "DescribeTrails@ap-southeast-2/AGNATIVECOVERAGE01",
          "GetCallerIdentity@ap-southeast-2/AGNATIVECOVERAGE01",
          "ListConfigurationRecorders@ap-southeast-2/AGNATIVECOVERAGE01",
        ],
      );
    } finally {
      await native.close();
    }
  });

  it("global IAM types, per account: recorded in another Region of the account passes; nowhere, the fix names a Region that can", async () => {
    const noGlobal = { allSupported: true, includeGlobalResourceTypes: false, resourceTypes: [] };
    trailIn(fake, "t", "us-east-1", { multi: true });
    recorderIn(fake, "us-east-1");
    fake.recorderSetups.set("us-east-1/default", { recordingGroup: noGlobal });
    // The account records them in eu-west-1, a Region this stack does not deploy to (AWS advises one Region).
    recorderIn(fake, "eu-west-1", "baseline");
    fake.disabledRegions.add("af-south-1");
    const elsewhere = await h().analyzeStack(appStack(["us-east-1"]).resources);
    assert.deepEqual(of(elsewhere, CONFIG_COVERAGE), [], brief(elsewhere));
    assert.deepEqual(of(elsewhere, LIVE), [], brief(elsewhere));
    assert.ok(fake.calls("DescribeConfigurationRecorders").some((r) => r.region === "eu-west-1"));
    // The other Regions' recorders are described; a status is asked only where one is set to record them.
    assert.deepEqual([...new Set(fake.calls("DescribeConfigurationRecorderStatus").map((r) => r.region))].sort(), [
      "eu-west-1",
      "us-east-1",
    ]);
    fake.recorders.delete("eu-west-1/baseline");
    const s = appStack(["us-east-1"]);
    // Not found, and an opt-in Region refused the credentials: not enabled, or the credentials are not valid
    // there (it might record them): undetermined, never a finding.
    const refused = await h().analyzeStack([...s.resources, bucket("refused", s.providers[0] as ProviderRef)]);
    assert.deepEqual(of(refused, CONFIG_COVERAGE), [], brief(refused));
    const live = of(refused, LIVE);
    assert.equal(live.length, 1, brief(refused));
    assert.match(
      live[0]?.message ?? "",
      /\(region af-south-1, .*calling DescribeConfigurationRecorders: af-south-1 is an opt-in Region and AWS refused the credentials there .*the Region may not be enabled for the account, or the credentials are not valid there/,
    );
    // Nowhere, every Region answering: one finding for the account, never advice for a Region that cannot record them.
    fake.disabledRegions.clear();
    fake.requests.length = 0;
    const nowhere = await h().analyzeStack([...s.resources, bucket("more", s.providers[0] as ProviderRef)]);
    const d = of(nowhere, CONFIG_COVERAGE);
    assert.equal(d.length, 1, brief(nowhere));
    assert.match(
      d[0]?.message ?? "",
      /\nAWS account 123456789012: no AWS Config recorder records global resource types/,
    );
    assert.match(d[0]?.message ?? "", /other Regions where AWS Config can record them \(21\)/);
    assert.match(d[0]?.message ?? "", /e\.g\. us-east-1;/);
    assert.deepEqual(of(nowhere, LIVE), [], brief(nowhere));
    // Only the Regions where AWS Config can record them are asked: never one launched since February 2022.
    const asked = new Set(fake.calls("DescribeConfigurationRecorders").map((r) => r.region));
    assert.ok(asked.has("sa-east-1") && !asked.has("me-central-1") && !asked.has("ap-south-2"), [...asked].join(","));
  });

  it("global IAM types: an IAM-only recorder records them though it covers no Region; a failing one does not", async () => {
    const noGlobal = { allSupported: true, includeGlobalResourceTypes: false, resourceTypes: [] };
    const iamOnly = {
      allSupported: false,
      includeGlobalResourceTypes: false,
      resourceTypes: ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"],
      recordingStrategy: { useOnly: "INCLUSION_BY_RESOURCE_TYPES" },
    };
    const globalFinding = /no AWS Config recorder records global resource types/;
    trailIn(fake, "t", "us-east-1", { multi: true });
    recorderIn(fake, "us-east-1");
    fake.recorderSetups.set("us-east-1/default", { recordingGroup: noGlobal });
    // In a Region the stack does not deploy to (found by the probe).
    recorderIn(fake, "eu-west-1", "iam");
    fake.recorderSetups.set("eu-west-1/iam", { recordingGroup: iamOnly });
    const probed = await h().analyzeStack(appStack(["us-east-1"]).resources);
    assert.deepEqual(of(probed, CONFIG_COVERAGE), [], brief(probed));
    // In a Region the stack deploys to: that Region is not covered, but the account records the IAM types.
    const both = appStack(["us-east-1", "eu-west-1"]);
    const own = await h().analyzeStack([...both.resources, bucket("iam-own", both.providers[0] as ProviderRef)]);
    const d = of(own, CONFIG_COVERAGE);
    assert.equal(d.length, 1, brief(own));
    assert.match(d[0]?.message ?? "", /region eu-west-1: .*records only 4 selected resource type/);
    assert.doesNotMatch(d[0]?.message ?? "", globalFinding);
    // Recording but failing: it records nothing.
    Object.assign(fake.recorders.get("eu-west-1/iam") ?? {}, { lastStatus: "FAILURE" });
    const failing = await h().analyzeStack([
      ...appStack(["us-east-1"]).resources,
      bucket("iam-failing", both.providers[0] as ProviderRef),
    ]);
    const f = of(failing, CONFIG_COVERAGE);
    assert.equal(f.length, 1, brief(failing));
    assert.match(f[0]?.message ?? "", globalFinding);
  });

  it("global IAM types: a recorder set to include them in a Region launched since February 2022 does not record them", async () => {
    trailIn(fake, "t", "me-central-1", { multi: true });
    recorderIn(fake, "me-central-1");
    const result = await h().analyzeStack(appStack(["me-central-1"]).resources);
    const d = of(result, CONFIG_COVERAGE);
    assert.equal(d.length, 1, brief(result));
    assert.match(d[0]?.message ?? "", /AWS Config cannot record them in me-central-1/);
    assert.doesNotMatch(d[0]?.message ?? "", /e\.g\. me-central-1/);
  });

  it("a stack with no AWS resources makes no request at all", async () => {
    const result = await h().analyzeStack([
      stackResource(),
      resource("random:index/randomPet:RandomPet", "pet", { id: "happy-pet" }),
    ]);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(fake.requests, []);
  });

  for (const [action, permission] of [
    ["GetCallerIdentity", "sts:GetCallerIdentity"],
    ["DescribeTrails", "cloudtrail:DescribeTrails"],
    ["GetTrailStatus", "cloudtrail:GetTrailStatus"],
    ["GetEventSelectors", "cloudtrail:GetEventSelectors"],
    ["DescribeConfigurationRecorders", "config:DescribeConfigurationRecorders"],
    ["DescribeConfigurationRecorderStatus", "config:DescribeConfigurationRecorderStatus"],
    ["ListConfigurationRecorders", "config:ListConfigurationRecorders"],
  ] as const) {
    it(`${action} denied: one live-verification diagnostic naming ${permission}, never a coverage violation`, async () => {
      trailIn(fake, "t", "eu-west-1");
      recorderIn(fake, "eu-west-1");
      fake.fault = (req) =>
        req.action === action
          ? {
              kind: "error",
              status: 400,
              code: "AccessDeniedException",
              message: `not authorized to perform ${permission}`,
            }
          : undefined;
      const result = await h().analyzeStack(appStack(["eu-west-1"]).resources);
      const live = of(result, LIVE);
      const expected = action === "GetCallerIdentity" ? 2 : 1; // both coverage policies need the account
      assert.equal(live.length, expected, brief(result));
      for (const d of live) {
        assert.match(d.message, new RegExp(`access was denied calling ${action}`));
        assert.ok(d.message.includes(permission), d.message);
        assert.match(d.message, /region eu-west-1/);
      }
      const policyOfAction = action.includes("Configuration") ? CONFIG_COVERAGE : TRAIL_COVERAGE;
      if (action !== "GetCallerIdentity") assert.deepEqual(of(result, policyOfAction), [], brief(result));
      else assert.deepEqual([...of(result, TRAIL_COVERAGE), ...of(result, CONFIG_COVERAGE)], [], brief(result));
      assert.ok(fake.calls(action).length >= 1);
    });
  }
});

describe("Alibaba Cloud account coverage over the Analyzer protocol", function () {
  const ALI_TRAIL_COVERAGE = "alicloud-actiontrail-account-coverage";
  const ALI_CONFIG_COVERAGE = "alicloud-config-account-coverage";
  const ALI_ACCOUNT = "1234567890123456";
  let ali: FakeAlibaba;
  let pack: AnalyzerHarness | undefined;
  const h = (): AnalyzerHarness => {
    assert.ok(pack, "pack not started");
    return pack;
  };

  before(async () => {
    ali = await FakeAlibaba.start();
    pack = await AnalyzerHarness.start({
      dryRun: true,
      env: PACK_ENV,
      policies: {
        "alicloud-config-recorder-declared": { requireRecorder: false },
        "alicloud-actiontrail-trail-declared": { requireTrail: false },
      },
    });
  });
  after(async () => {
    await pack?.close();
    await ali.close();
  });
  beforeEach(() => {
    ali.requests.length = 0;
    ali.fault = undefined;
    ali.trails.clear();
    ali.orgTrails.clear();
    ali.trailSetups.clear();
    ali.organizationListingHasSingleAccount = true;
    ali.accounts.clear();
    ali.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
  });

  function provider(region: string, key = "LTAI5tCOVERAGEKEY01"): ProviderRef {
    return aliProvider(`ali-${region}-${key}`, ali.url, {
      region,
      accessKey: key,
      secretKey: "ag-ali-coverage-secret-00",
      endpoints: [{ config: ali.url, actiontrail: ali.url, sts: ali.url }],
    });
  }
  function appStack(providers: ProviderRef[]): ResourceSpec[] {
    return [
      stackResource(),
      ...providers.map(providerResource),
      ...providers.map((p, i) =>
        resource(
          "alicloud:oss/bucket:Bucket",
          `ali-data-${i}`,
          { id: `ali-data-${i}`, bucket: `ali-data-${i}` },
          { provider: p },
        ),
      ),
    ];
  }
  function trail(
    name: string,
    setup: { HomeRegion: string; TrailRegion?: string; EventRW?: string },
    logging = true,
  ): void {
    ali.trails.set(name, { IsLogging: logging, StartLoggingTime: new Date(Date.now() - 86_400_000).toISOString() });
    ali.trailSetups.set(name, setup);
  }

  it("a stack in two regions, a trail covering only one: one violation, for the other region", async () => {
    trail("hz-trail", { HomeRegion: "cn-hangzhou", TrailRegion: "cn-hangzhou" });
    const result = await h().analyzeStack(appStack([provider("cn-hangzhou"), provider("cn-shanghai")]));
    const d = of(result, ALI_TRAIL_COVERAGE);
    assert.equal(d.length, 1, brief(result));
    assert.equal(d[0]?.urn, "");
    assert.match(
      d[0]?.message ?? "",
      /account 1234567890123456, region cn-shanghai: .*trail 'hz-trail' covers only cn-hangzhou/,
    );
    assert.deepEqual(of(result, ALI_CONFIG_COVERAGE), [], brief(result));
    assert.deepEqual(of(result, LIVE), [], brief(result));
    assert.equal(ali.calls("GetCallerIdentity").length, 1, "one credential set: one identity");
    assert.equal(ali.calls("GetConfigurationRecorder").length, 1, "Cloud Config is account-wide: asked once");
    assert.equal(ali.calls("GetTrailStatus").length, 1);
  });

  it("an organization trail of another account, all regions, all events: covers the member account", async () => {
    trail("org-trail", { HomeRegion: "cn-shanghai" });
    ali.orgTrails.add("org-trail");
    const result = await h().analyzeStack(appStack([provider("cn-beijing")]));
    assert.deepEqual(result.diagnostics, [], brief(result));
    const status = ali.calls("GetTrailStatus");
    assert.deepEqual(
      status.map((r) => [r.query["Name"], r.query["IsOrganizationTrail"]]),
      [["org-trail", "true"]],
    );
  });

  it("a stack creating its own all-region trail and recorder in preview: covered by intent, no Alibaba coverage read", async () => {
    ali.recorder = undefined; // read live, the account would have no Cloud Config and no trail
    const p = provider("cn-hangzhou");
    const result = await h().analyzeStack([
      ...appStack([p]),
      aliTrail("new-trail", { provider: p, props: { id: UNKNOWN } }),
      aliRecorder("new-recorder", { provider: p, props: { id: UNKNOWN } }),
    ]);
    assert.deepEqual(of(result, ALI_TRAIL_COVERAGE), [], brief(result));
    assert.deepEqual(of(result, ALI_CONFIG_COVERAGE), [], brief(result));
    assert.deepEqual(of(result, LIVE), [], brief(result));
    assert.deepEqual(
      ali.requests.map((r) => r.action),
      [],
    );
  });

  it("a trail created in preview without status Enable stays Fresh: no intent, the region is read live", async () => {
    const p = provider("cn-hangzhou");
    const result = await h().analyzeStack([
      ...appStack([p]),
      aliTrail("fresh-trail", { provider: p, props: { id: UNKNOWN }, omit: ["status"] }),
    ]);
    assert.equal(of(result, ALI_TRAIL_COVERAGE).length, 1, brief(result));
    // Nothing covers: listed with organization trails, then (undocumented whether those include them) without.
    assert.deepEqual(
      ali.calls("DescribeTrails").map((r) => r.query["IncludeOrganizationTrail"]),
      ["true", "false"],
    );
  });

  it("IncludeOrganizationTrail=true listing organization trails only: the single-account trail still covers", async () => {
    ali.organizationListingHasSingleAccount = false;
    trail("own-trail", { HomeRegion: "cn-hangzhou" });
    const result = await h().analyzeStack(appStack([provider("cn-hangzhou")]));
    assert.deepEqual(of(result, ALI_TRAIL_COVERAGE), [], brief(result));
    assert.deepEqual(of(result, LIVE), [], brief(result));
    assert.deepEqual(
      ali.calls("DescribeTrails").map((r) => [r.query["IncludeOrganizationTrail"], r.query["IncludeShadowTrails"]]),
      [
        ["true", "true"],
        ["false", "true"],
      ],
    );
    assert.equal(ali.calls("GetTrailStatus").length, 1);
  });

  it("a trail covering already in the first listing: no second DescribeTrails", async () => {
    trail("own-trail", { HomeRegion: "cn-hangzhou" });
    const result = await h().analyzeStack(appStack([provider("cn-hangzhou")]));
    assert.deepEqual(of(result, ALI_TRAIL_COVERAGE), [], brief(result));
    assert.equal(ali.calls("DescribeTrails").length, 1);
  });

  it("a TrailRegion listing several regions covers those regions and no other", async () => {
    trail("two-regions", { HomeRegion: "cn-hangzhou", TrailRegion: "cn-hangzhou,cn-shanghai" });
    const result = await h().analyzeStack(
      appStack([provider("cn-hangzhou"), provider("cn-shanghai"), provider("cn-beijing")]),
    );
    const d = of(result, ALI_TRAIL_COVERAGE);
    assert.equal(d.length, 1, brief(result));
    assert.match(d[0]?.message ?? "", /region cn-beijing: .*trail 'two-regions' covers only cn-hangzhou,cn-shanghai/);
  });

  it("a write-only or stopped trail does not cover; Cloud Config never enabled: one violation for the account", async () => {
    trail("write-only", { HomeRegion: "cn-hangzhou", EventRW: "Write" });
    trail("stopped", { HomeRegion: "cn-hangzhou" }, false);
    ali.recorder = undefined;
    const result = await h().analyzeStack(appStack([provider("cn-hangzhou")]));
    const t = of(result, ALI_TRAIL_COVERAGE);
    assert.equal(t.length, 1, brief(result));
    assert.match(t[0]?.message ?? "", /'write-only' records only Write events/);
    assert.match(t[0]?.message ?? "", /'stopped' is not logging/);
    const c = of(result, ALI_CONFIG_COVERAGE);
    assert.equal(c.length, 1, brief(result));
    assert.match(c[0]?.message ?? "", new RegExp(`account ${ALI_ACCOUNT} .*Cloud Config is not enabled`));
  });

  it("a declared recorder of another account (id X) read with credentials of account Y, Cloud Config not enabled: Y is not covered, X's check is undetermined", async () => {
    ali.recorder = undefined;
    const p = provider("cn-hangzhou", "LTAI5tCOVERAGEKEY09");
    const result = await h().analyzeStack([
      ...appStack([p]),
      aliRecorder("other-account", { provider: p, props: { id: "9999888877776666" } }),
    ]);
    const c = of(result, ALI_CONFIG_COVERAGE);
    assert.equal(c.length, 1, brief(result));
    assert.match(c[0]?.message ?? "", new RegExp(`account ${ALI_ACCOUNT} .*Cloud Config is not enabled`));
    const live = of(result, LIVE);
    assert.ok(
      live.every((d) => !/account coverage/.test(d.message)),
      `coverage is not undetermined: ${brief(result)}`,
    );
    assert.ok(
      live.some((d) => /called as 1234567890123456; the recorder belongs to 9999888877776666/.test(d.message)),
      brief(result),
    );
  });

  it("delivery health, one destination at a time: an unavailable OSS bucket (its only destination) does not cover", async () => {
    trail("oss-only", { HomeRegion: "cn-hangzhou" });
    Object.assign(ali.trails.get("oss-only") ?? {}, { OssBucketStatus: false });
    const broken = await h().analyzeStack(appStack([provider("cn-hangzhou")]));
    const d = of(broken, ALI_TRAIL_COVERAGE);
    assert.equal(d.length, 1, brief(broken));
    assert.match(
      d[0]?.message ?? "",
      /trail 'oss-only' is logging but its OSS bucket 'audit-oss' is unavailable \(OssBucketStatus=false\)/,
    );
    // The flag counts only for a destination the trail has: an SLS-only trail's OssBucketStatus says nothing.
    ali.trailSetups.set("oss-only", {
      HomeRegion: "cn-hangzhou",
      OssBucketName: "",
      SlsProjectArn: "acs:log:cn-hangzhou:1:project/audit",
    });
    const slsOnly = await h().analyzeStack(appStack([provider("cn-hangzhou", "LTAI5tCOVERAGEKEY02")]));
    assert.deepEqual(of(slsOnly, ALI_TRAIL_COVERAGE), [], brief(slsOnly));
    Object.assign(ali.trails.get("oss-only") ?? {}, { SlsLogStoreStatus: false });
    const slsBroken = await h().analyzeStack(appStack([provider("cn-hangzhou", "LTAI5tCOVERAGEKEY03")]));
    assert.match(
      of(slsBroken, ALI_TRAIL_COVERAGE)[0]?.message ?? "",
      /its SLS Logstore is unavailable \(SlsLogStoreStatus=false\)/,
    );
  });

  it("a provider with no credential source: undetermined per coverage policy, naming region, STS GetCallerIdentity, its permission and the settings; no call", async () => {
    const none = aliProvider("ali-no-credentials", ali.url, { region: "cn-hangzhou" });
    const result = await h().analyzeStack(appStack([none]));
    assert.deepEqual([...of(result, ALI_TRAIL_COVERAGE), ...of(result, ALI_CONFIG_COVERAGE)], [], brief(result));
    const live = of(result, LIVE);
    assert.deepEqual(
      live.map((d) => /\nCould not verify (ActionTrail|Cloud Config) coverage /.exec(d.message)?.[1]).sort(),
      ["ActionTrail", "Cloud Config"],
      brief(result),
    );
    for (const d of live) {
      assert.equal(d.urn, "");
      const policy = d.message.includes("Could not verify ActionTrail") ? ALI_TRAIL_COVERAGE : ALI_CONFIG_COVERAGE;
      for (const part of [
        "coverage 'account coverage (via urn:pulumi:",
        `::ali-data-0)' (region cn-hangzhou, endpoint ${ali.url}): `,
        "no credentials could be found calling GetCallerIdentity: ",
        "its provider has no credential source (accessKey/secretKey, profile, credentialsUri, ecsRoleName or " +
          "assumeRoleWithOidc, or their environment variables such as ALICLOUD_ACCESS_KEY), so the provider itself could not run.",
        "Needed permission: sts:GetCallerIdentity (needs no RAM permission).",
        `Until this check completes, ${policy} has not verified this resource.`,
      ])
        assert.ok(d.message.includes(part), `${part}\n  not in\n${d.message}`);
      assert.doesNotMatch(d.message, /account \d/, "the account is not known");
    }
    assert.deepEqual(ali.requests, [], "no credentials: no Alibaba Cloud call");
  });

  it("a stack with no Alibaba Cloud resources makes no Alibaba Cloud request", async () => {
    await h().analyzeStack([stackResource(), resource("random:index/randomPet:RandomPet", "pet", { id: "p" })]);
    assert.deepEqual(ali.requests, []);
  });

  // The second listing (IncludeOrganizationTrail=false, made only when the first finds no cover) failing must not
  // turn "no cover found so far" into a violation: the single-account trails it would list were never seen.
  const secondListingFaults = [
    ["throttled", 400, "Throttling.User", "Request was denied due to user flow control.", "the API kept throttling"],
    ["access-denied", 403, "NoPermission", "You are not authorized to do this action.", "access was denied"],
  ] as const;
  const secondListing = (req: { action: string; query: Record<string, string | undefined> }): boolean =>
    req.action === "DescribeTrails" && req.query["IncludeOrganizationTrail"] === "false";
  function assertSecondListingUndetermined(result: AnalyzeResult, said: string): void {
    assert.deepEqual(of(result, ALI_TRAIL_COVERAGE), [], brief(result));
    const live = of(result, LIVE).filter((d) => d.message.includes("Could not verify ActionTrail coverage"));
    assert.equal(live.length, 1, brief(result));
    const m = live[0]?.message ?? "";
    assert.ok(m.includes(said) && m.includes("calling DescribeTrails"), m);
    assert.ok(m.includes("actiontrail:DescribeTrails"), m);
    assert.ok(m.includes("region cn-hangzhou"), m);
    const listings = ali.calls("DescribeTrails").map((r) => r.query["IncludeOrganizationTrail"]);
    assert.equal(listings[0], "true", "the first listing includes organization trails");
    assert.ok(listings.length >= 2 && listings.slice(1).every((v) => v === "false"), listings.join(","));
  }
  for (const [reason, status, code, message, said] of secondListingFaults) {
    it(`the second DescribeTrails listing ${reason} (${code}): the region is undetermined, never a violation`, async () => {
      // Write events only: the first listing rules it out without a status call, so the second listing is needed.
      trail("write-only", { HomeRegion: "cn-hangzhou", EventRW: "Write" });
      ali.fault = (req) => (secondListing(req) ? { kind: "error", status, code, message } : undefined);
      const result = await h().analyzeStack(appStack([provider("cn-hangzhou")]));
      assertSecondListingUndetermined(result, said);
      assert.equal(ali.calls("GetTrailStatus").length, 0);
    });
    it(`a status undetermined in the first pass and the second listing ${reason}: still undetermined`, async () => {
      trail("own-trail", { HomeRegion: "cn-hangzhou" });
      ali.fault = (req) => {
        if (secondListing(req)) return { kind: "error", status, code, message };
        if (req.action === "GetTrailStatus")
          return {
            kind: "error",
            status: 403,
            code: "NoPermission",
            message: "You are not authorized to do this action.",
          };
        return undefined;
      };
      const result = await h().analyzeStack(appStack([provider("cn-hangzhou")]));
      assert.ok(ali.calls("GetTrailStatus").length >= 1, "the first pass asked the trail's status");
      assertSecondListingUndetermined(result, said);
    });
  }

  for (const [action, permission] of [
    ["GetCallerIdentity", "sts:GetCallerIdentity"],
    ["DescribeTrails", "actiontrail:DescribeTrails"],
    ["GetTrailStatus", "actiontrail:GetTrailStatus"],
    ["GetConfigurationRecorder", "config:GetConfigurationRecorder"],
  ] as const) {
    it(`${action} denied: a live-verification diagnostic naming ${permission}, never a coverage violation`, async () => {
      trail("t", { HomeRegion: "cn-hangzhou" });
      ali.fault = (req) =>
        req.action === action
          ? { kind: "error", status: 403, code: "NoPermission", message: `not authorized: ${permission}` }
          : undefined;
      const result = await h().analyzeStack(appStack([provider("cn-hangzhou")]));
      const live = of(result, LIVE);
      assert.ok(live.length >= 1, brief(result));
      for (const d of live) {
        assert.match(d.message, new RegExp(`access was denied calling ${action}`));
        assert.ok(d.message.includes(permission), d.message);
      }
      assert.deepEqual([...of(result, ALI_TRAIL_COVERAGE), ...of(result, ALI_CONFIG_COVERAGE)], [], brief(result));
    });
  }
});
