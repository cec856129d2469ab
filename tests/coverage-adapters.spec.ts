// Adapter-depth tests for the account-coverage reads and the audit role: the real SDK clients
// (lib/aws/sdk.ts reply mappers, lib/aws/identity.ts credential chain and caller identity) against the loopback fake.

process.env["AWS_EC2_METADATA_DISABLED"] = "true";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

import assert from "node:assert/strict";
import { callerIdentity } from "../lib/aws/identity";
import {
  describeRecorders,
  describeRecorderStatus,
  describeTrails,
  getEventSelectors,
  listRecorders,
} from "../lib/aws/sdk";
import { type AwsTarget, resolveTarget } from "../lib/aws/target";
import { planningAs } from "../lib/live/audit";
import type { Outcome } from "../lib/live/outcome";
import { RoundContext } from "../lib/live/round";
import type { PlainObject } from "../lib/plain";
import type { ResourceView } from "../lib/stack";
import { FAKE_ACCOUNT, FakeAws } from "./fakes/aws";

const ACCOUNT = "123456789012";
const KEY = "AKIACOVERAGEADAPTER1";
const TIMEOUT = 5000;

function value<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`expected a value, got ${o.failure.reason}: ${o.failure.detail}`);
  return o.value;
}

describe("coverage adapters (real SDK clients, loopback fake)", function () {
  let fake: FakeAws;
  let ctx: RoundContext;
  const signal = new AbortController().signal;

  before(async () => {
    fake = await FakeAws.start();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    ctx = new RoundContext();
  });
  afterEach(() => ctx.dispose());

  function view(extra: PlainObject = {}): ResourceView {
    return {
      urn: "urn:pulumi:test::auditguard::aws:s3/bucketV2:BucketV2::b",
      name: "b",
      type: "aws:s3/bucketV2:BucketV2",
      props: { id: "b" },
      provider: {
        urn: "urn:pulumi:test::auditguard::pulumi:providers:aws::p",
        name: "p",
        type: "pulumi:providers:aws",
        props: {
          region: "eu-west-1",
          accessKey: KEY,
          secretKey: "coverage-adapter-secret",
          endpoints: JSON.stringify([{ configservice: fake.url, cloudtrail: fake.url, sts: fake.url }]),
          ...extra,
        },
      },
      exists: true,
    };
  }
  function target(service: "config" | "cloudtrail", region = "eu-west-1"): AwsTarget {
    const t = resolveTarget(view(), service, region);
    assert.ok(t.ok);
    return t.value;
  }

  it("an opt-in Region refusing the credentials: named as possibly not enabled; the same refusal elsewhere is bad credentials", async () => {
    fake.disabledRegions.add("me-central-1");
    fake.disabledRegions.add("eu-west-3");
    const optIn = await describeTrails(ctx, target("cloudtrail", "me-central-1"), TIMEOUT, signal);
    assert.ok(!optIn.ok);
    assert.equal(optIn.failure.reason, "region-not-enabled");
    assert.equal(optIn.failure.code, "UnrecognizedClientException");
    assert.match(optIn.failure.detail, /^me-central-1 is an opt-in Region and AWS refused the credentials there/);
    // One refusal cannot tell a Region not enabled from credentials not valid there: both are said, neither claimed.
    assert.match(
      optIn.failure.detail,
      /the Region may not be enabled for the account, or the credentials are not valid there/,
    );
    // STS answers InvalidClientTokenId in such a Region (signed for it: the provider's region).
    const who = await callerIdentity(ctx, target("config", "me-central-1"), TIMEOUT, signal);
    assert.ok(!who.ok);
    assert.deepEqual([who.failure.reason, who.failure.code], ["region-not-enabled", "InvalidClientTokenId"]);
    // eu-west-3 is enabled by default: a refused key there is what it says.
    const plain = await describeTrails(ctx, target("cloudtrail", "eu-west-3"), TIMEOUT, signal);
    assert.ok(!plain.ok);
    assert.equal(plain.failure.reason, "invalid-credentials");
  });

  it("DescribeTrails: shadow and organization trails in the provider's shape; includeShadowTrails sent", async () => {
    const own = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/all`;
    const org = "arn:aws:cloudtrail:us-east-1:999988887777:trail/org";
    const local = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/local`;
    fake.trails.set(own, { IsLogging: true });
    fake.trailSetups.set(own, { isMultiRegion: true });
    fake.trails.set(org, { IsLogging: true });
    fake.trailSetups.set(org, { isMultiRegion: true, isOrganizationTrail: true });
    fake.trails.set(local, { IsLogging: true });
    const trails = value(await describeTrails(ctx, target("cloudtrail"), TIMEOUT, signal));
    assert.deepEqual(
      trails.map((t) => [t.arn, t.homeRegion, t.isMultiRegion, t.isOrganizationTrail]).sort(),
      [
        [org, "us-east-1", true, true],
        [own, "us-east-1", true, false],
        [local, "eu-west-1", false, false],
      ].sort(),
    );
    assert.equal(fake.calls("DescribeTrails")[0]?.body["includeShadowTrails"], true);
  });

  it("DescribeTrails: an empty region is an empty list; a reply without TrailARN is malformed; denied is classified", async () => {
    assert.deepEqual(value(await describeTrails(ctx, target("cloudtrail"), TIMEOUT, signal)), []);
    fake.fault = () => ({ kind: "reply", status: 200, body: JSON.stringify({ trailList: [{ Name: "x" }] }) });
    const bad = await describeTrails(ctx, target("cloudtrail"), TIMEOUT, signal);
    assert.ok(!bad.ok && bad.failure.reason === "malformed-reply");
    fake.fault = () => ({ kind: "error", status: 400, code: "AccessDeniedException", message: "no" });
    const denied = await describeTrails(ctx, target("cloudtrail"), TIMEOUT, signal);
    assert.ok(!denied.ok);
    assert.equal(denied.failure.reason, "access-denied");
    assert.equal(denied.failure.code, "AccessDeniedException");
  });

  it("GetEventSelectors: classic and advanced selectors in the provider's shape; a missing trail is not-found", async () => {
    const arn = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/t`;
    fake.trails.set(arn, { IsLogging: true });
    fake.trailSetups.set(arn, {
      advancedEventSelectors: [{ Name: "mgmt", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] }],
    });
    const adv = value(await getEventSelectors(ctx, target("cloudtrail"), arn, TIMEOUT, signal));
    assert.ok(adv.found);
    assert.deepEqual(adv.advancedEventSelectors, [
      {
        name: "mgmt",
        fieldSelectors: [
          {
            field: "eventCategory",
            equals: ["Management"],
            notEquals: [],
            startsWiths: [],
            notStartsWiths: [],
            endsWiths: [],
            notEndsWiths: [],
          },
        ],
      },
    ]);
    fake.trailSetups.set(arn, {
      eventSelectors: [
        {
          ReadWriteType: "WriteOnly",
          IncludeManagementEvents: true,
          ExcludeManagementEventSources: ["kms.amazonaws.com"],
        },
      ],
    });
    const classic = value(await getEventSelectors(ctx, target("cloudtrail"), arn, TIMEOUT, signal));
    assert.ok(classic.found);
    assert.deepEqual(classic.eventSelectors, [
      {
        readWriteType: "WriteOnly",
        includeManagementEvents: true,
        excludeManagementEventSources: ["kms.amazonaws.com"],
      },
    ]);
    // A trail gone since it was listed: a failed read (never "unreadable, assume the default").
    const missing = await getEventSelectors(ctx, target("cloudtrail"), `${arn}-gone`, TIMEOUT, signal);
    assert.equal(missing.ok ? "read" : missing.failure.code, "TrailNotFoundException");
  });

  it("DescribeConfigurationRecorders: the customer-managed recorder without a selector, the service's by principal", async () => {
    fake.recorders.set("eu-west-1/default", { recording: true, lastStatus: "SUCCESS" });
    fake.recorders.set("eu-west-1/AWSConfigurationRecorderForSecurityHub", { recording: true, lastStatus: "SUCCESS" });
    fake.recorderSetups.set("eu-west-1/AWSConfigurationRecorderForSecurityHub", {
      servicePrincipal: "securityhub.amazonaws.com",
      recordingScope: "PAID",
      recordingGroup: { allSupported: false, resourceTypes: ["AWS::IAM::Role"] },
    });
    const own = value(await describeRecorders(ctx, target("config"), undefined, TIMEOUT, signal));
    assert.deepEqual(
      own.map((r) => [r.name, r.servicePrincipal]),
      [["default", undefined]],
    );
    const linked = value(
      await describeRecorders(
        ctx,
        target("config"),
        { servicePrincipal: "securityhub.amazonaws.com" },
        TIMEOUT,
        signal,
      ),
    );
    assert.equal(linked[0]?.recordingScope, "PAID");
    assert.deepEqual(linked[0]?.recordingGroup?.["resourceTypes"], ["AWS::IAM::Role"]);
    // By ARN, as the listing names it: the request carries Arn alone.
    const arn = `arn:aws:config:eu-west-1:${FAKE_ACCOUNT}:config-recorder/AWSConfigurationRecorderForSecurityHub/abc`;
    const byArn = value(await describeRecorders(ctx, target("config"), { arn }, TIMEOUT, signal));
    assert.deepEqual(
      byArn.map((r) => r.servicePrincipal),
      ["securityhub.amazonaws.com"],
    );
    const sent = fake.calls("DescribeConfigurationRecorders").at(-1);
    assert.deepEqual(sent?.body, { Arn: arn });
    // An empty region: no recorder, not an error.
    assert.deepEqual(
      value(await describeRecorders(ctx, target("config", "ap-south-1"), undefined, TIMEOUT, signal)),
      [],
    );
  });

  it("ListConfigurationRecorders follows NextToken across pages", async () => {
    for (let i = 0; i < 5; i++) {
      fake.recorders.set(`eu-west-1/linked-${i}`, { recording: true });
      fake.recorderSetups.set(`eu-west-1/linked-${i}`, {
        servicePrincipal: `svc${i}.amazonaws.com`,
        recordingScope: i === 3 ? "PAID" : "INTERNAL",
      });
    }
    fake.recorderPageSize = 2;
    const all = value(await listRecorders(ctx, target("config"), TIMEOUT, signal));
    assert.deepEqual(all.map((r) => r.name).sort(), ["linked-0", "linked-1", "linked-2", "linked-3", "linked-4"]);
    assert.equal(all.find((r) => r.name === "linked-3")?.recordingScope, "PAID");
    assert.deepEqual(
      all.map((r) => r.provider),
      [undefined, undefined, undefined, undefined, undefined],
    );
    const pages = fake.calls("ListConfigurationRecorders");
    assert.equal(pages.length, 3);
    assert.deepEqual(
      pages.map((p) => p.body["NextToken"]),
      [undefined, "page-2", "page-4"],
    );
  });

  it("ListConfigurationRecorders asks for pages the model allows (MaxResults 20) and reads them all", async () => {
    for (let i = 0; i < 45; i++) {
      fake.recorders.set(`eu-west-1/linked-${i}`, { recording: true });
      fake.recorderSetups.set(`eu-west-1/linked-${i}`, { servicePrincipal: `svc${i}.amazonaws.com` });
    }
    const all = value(await listRecorders(ctx, target("config"), TIMEOUT, signal));
    assert.equal(all.length, 45);
    // The model (botocore config 2014-11-12) bounds MaxResults to 0..20: 100 was a ValidationException.
    assert.deepEqual(
      fake.calls("ListConfigurationRecorders").map((p) => [p.body["MaxResults"], p.body["NextToken"]]),
      [
        [20, undefined],
        [20, "page-20"],
        [20, "page-40"],
      ],
    );
  });

  it("ListConfigurationRecorders: a token that repeats itself is malformed, not an endless loop", async () => {
    fake.fault = () => ({
      kind: "reply",
      status: 200,
      body: JSON.stringify({ ConfigurationRecorderSummaries: [], NextToken: "same" }),
    });
    const r = await listRecorders(ctx, target("config"), TIMEOUT, signal);
    assert.ok(!r.ok);
    assert.equal(r.failure.reason, "malformed-reply");
    assert.equal(fake.calls("ListConfigurationRecorders").length, 2);
  });

  describe("the audit role", () => {
    const TEMPLATE = "arn:aws:iam::{account}:role/auditguard-reader";
    const ROLE = `arn:aws:iam::${ACCOUNT}:role/auditguard-reader`;
    const audited = (service: "config" | "cloudtrail"): AwsTarget =>
      planningAs({ awsRole: TEMPLATE, alicloudRole: undefined, source: "provider" }, () => target(service));

    it("GetCallerIdentity of an audited target asks as the provider, once; the role is assumed with that account", async () => {
      fake.roles.set(ROLE, "ASIAAUDITREADER00001");
      fake.recorders.set("eu-west-1/default", { recording: true, lastStatus: "SUCCESS" });
      const t = audited("config");
      const [who, status, list] = await Promise.all([
        callerIdentity(ctx, t, TIMEOUT, signal),
        describeRecorderStatus(ctx, t, "default", TIMEOUT, signal),
        listRecorders(ctx, t, TIMEOUT, signal),
      ]);
      assert.equal(value(who).account, ACCOUNT);
      assert.equal(value(status).found, true);
      value(list);
      assert.deepEqual(
        fake.calls("GetCallerIdentity").map((r) => r.accessKeyId),
        [KEY],
      );
      assert.deepEqual(
        fake.calls("AssumeRole").map((r) => [r.body["RoleArn"], r.accessKeyId, r.body["RoleSessionName"]]),
        [[ROLE, KEY, "auditguard-audit"]],
      );
      for (const r of fake.requests.filter((x) => x.service === "config")) {
        assert.equal(r.accessKeyId, "ASIAAUDITREADER00001");
      }
    });

    it("a denied AssumeRole on the audit role is classified access-denied naming sts:AssumeRole on it", async () => {
      const r = await describeTrails(ctx, audited("cloudtrail"), TIMEOUT, signal);
      assert.ok(!r.ok);
      assert.equal(r.failure.reason, "access-denied");
      assert.equal(r.failure.permission, `sts:AssumeRole on ${ROLE}`);
      assert.deepEqual(fake.calls("DescribeTrails"), []);
    });

    it("GetCallerIdentity failing while naming the account is that step's failure, not the status call's", async () => {
      fake.fault = (req) =>
        req.action === "GetCallerIdentity"
          ? {
              kind: "error",
              status: 403,
              code: "InvalidClientTokenId",
              message: "The security token included in the request is invalid.",
            }
          : undefined;
      const r = await describeTrails(ctx, audited("cloudtrail"), TIMEOUT, signal);
      assert.ok(!r.ok);
      assert.equal(r.failure.reason, "invalid-credentials");
      assert.match(r.failure.permission ?? "", /^sts:GetCallerIdentity/);
      assert.match(r.failure.detail, /account of the audit role/);
      assert.deepEqual(fake.calls("AssumeRole"), []);
    });
  });
});
