// Coverage planning for a provider whose credentials cannot be used (issue 9): the planned check is decided
// without a call, undetermined (never a pass or violation), and names the region it could not check, the first
// call the check would have made, its permission and why the credentials cannot be used.
import assert from "node:assert/strict";
import { aliConfigCoverageKind, aliTrailCoverageKind } from "../../lib/alicloud/coverage";
import { PROVIDER_ENV } from "../../lib/alicloud/target";
import { awsConfigCoverageKind, awsTrailCoverageKind } from "../../lib/aws/coverage";
import type { CoverageFacts } from "../../lib/live/coverage";
import type { DecidedCheck, LiveKind, PlannedCheck } from "../../lib/live/round";
import type { PlainObject } from "../../lib/plain";
import type { ResourceView, StackView } from "../../lib/stack";
import { describeFailure } from "../../policies/auditguard-live-verification";
import { provider, resource, withEnv } from "./support";

/** Every variable the Alibaba provider settings default from, unset: no credential source from the environment. */
const NO_ALI_ENV: Record<string, string | undefined> = Object.fromEntries(
  [
    ...Object.values(PROVIDER_ENV).flat(),
    ...["STS", "ACTIONTRAIL", "CONFIG"].flatMap((s) => [`ALIBABA_CLOUD_ENDPOINT_${s}`, `${s}_ENDPOINT`]),
  ].map((k) => [k, undefined]),
);

function aliResource(name: string, prov: PlainObject): ResourceView {
  return resource(
    "alicloud:oss/bucket:Bucket",
    name,
    {},
    {
      provider: {
        urn: `urn:pulumi:dev::proj::pulumi:providers:alicloud::${name}-provider`,
        name: `${name}-provider`,
        type: "pulumi:providers:alicloud",
        props: prov,
      },
    },
  );
}
function footprint(cloud: "aws" | "alicloud", rs: ResourceView[]): StackView {
  return {
    resources: [],
    footprint: { aws: cloud === "aws" ? rs : [], alicloud: cloud === "alicloud" ? rs : [] },
    deploys: { aws: cloud === "aws", alicloud: cloud === "alicloud" },
    dryRun: false,
    fingerprint: `fp-${cloud}-${rs.map((r) => r.urn).join(",")}`,
  };
}
function decided(checks: PlannedCheck<CoverageFacts>[]): DecidedCheck<CoverageFacts>[] {
  return checks.map((c) => {
    assert.ok("outcome" in c && !("key" in c), `expected a check decided without a call: ${JSON.stringify(c)}`);
    return c;
  });
}
function message(kind: LiveKind<CoverageFacts>, c: DecidedCheck<CoverageFacts>): string {
  assert.ok(!c.outcome.ok, "an unusable provider is never a pass");
  const entry = { kind: kind.id, label: kind.label, policyName: kind.policyName, ...c };
  return describeFailure(entry, c.outcome.failure);
}

describe("coverage planning: an Alibaba Cloud provider with no credential source", () => {
  const none = { region: "cn-hangzhou" };

  for (const kind of [aliTrailCoverageKind, aliConfigCoverageKind]) {
    it(`${kind.id}: undetermined, first call STS GetCallerIdentity in the provider's region, no account`, () => {
      withEnv(NO_ALI_ENV, () => {
        const [c, ...rest] = decided(kind.plan(footprint("alicloud", [aliResource("data", none)]), {}));
        assert.equal(rest.length, 0);
        assert.ok(c && !c.outcome.ok);
        assert.equal(c.outcome.failure.reason, "no-credentials");
        assert.match(c.outcome.failure.detail, /its provider has no credential source/);
        for (const name of ["accessKey/secretKey", "profile", "credentialsUri", "ecsRoleName", "assumeRoleWithOidc"])
          assert.ok(c.outcome.failure.detail.includes(name), name);
        assert.ok(c.outcome.failure.detail.includes("ALICLOUD_ACCESS_KEY"));
        assert.deepEqual(c.spec, {
          cloud: "alicloud",
          action: "GetCallerIdentity",
          permission: "sts:GetCallerIdentity (needs no RAM permission)",
          region: "cn-hangzhou",
          account: undefined,
          // The host GetCallerIdentity would be sent to: the region's STS host, as the official SDK resolves it.
          endpoint: "https://sts.cn-hangzhou.aliyuncs.com",
          target: `account coverage (via ${aliResource("data", none).urn})`,
        });
        const text = message(kind, c);
        assert.match(text, /\(region cn-hangzhou, endpoint https:\/\/sts\.cn-hangzhou\.aliyuncs\.com\)/);
        assert.match(text, /no credentials could be found calling GetCallerIdentity: its provider has no credential/);
        assert.match(text, /Needed permission: sts:GetCallerIdentity \(needs no RAM permission\)\./);
        assert.doesNotMatch(text, /account \d/);
      });
    });
  }

  it("the provider's accountId names the account: the first call is the coverage action itself", () => {
    withEnv(NO_ALI_ENV, () => {
      const r = aliResource("data", { region: "cn-hangzhou", accountId: "1234567890123456", accountType: "Domestic" });
      const [trail] = decided(aliTrailCoverageKind.plan(footprint("alicloud", [r]), {}));
      assert.ok(trail && !trail.outcome.ok);
      assert.equal(trail.outcome.failure.reason, "no-credentials");
      assert.deepEqual(
        [trail.spec.action, trail.spec.permission, trail.spec.region, trail.spec.account, trail.spec.endpoint],
        [
          "DescribeTrails",
          "actiontrail:DescribeTrails",
          "cn-hangzhou",
          "1234567890123456",
          "https://actiontrail.cn-hangzhou.aliyuncs.com",
        ],
      );
      const [config] = decided(aliConfigCoverageKind.plan(footprint("alicloud", [r]), {}));
      assert.ok(config);
      assert.deepEqual(
        [config.spec.action, config.spec.permission, config.spec.region, config.spec.apiRegion, config.spec.endpoint],
        [
          "GetConfigurationRecorder",
          "config:GetConfigurationRecorder",
          "cn-hangzhou",
          "cn-shanghai",
          "https://config.cn-shanghai.aliyuncs.com",
        ],
      );
      // No site setting: both sites would be probed, so no single host or API region is named.
      const probed = aliResource("probe", { region: "cn-hangzhou", accountId: "1234567890123456" });
      const [p] = decided(aliConfigCoverageKind.plan(footprint("alicloud", [probed]), {}));
      assert.ok(p);
      assert.equal(p.spec.endpoint, undefined);
      assert.equal(p.spec.apiRegion, undefined);
      assert.equal(p.spec.account, "1234567890123456");
    });
  });

  it("one undetermined check per region, however many resources deploy there", () => {
    withEnv(NO_ALI_ENV, () => {
      const view = footprint("alicloud", [
        aliResource("a", { region: "cn-hangzhou" }),
        aliResource("b", { region: "cn-hangzhou" }),
        aliResource("c", { region: "cn-beijing" }),
      ]);
      for (const kind of [aliTrailCoverageKind, aliConfigCoverageKind]) {
        const regions = decided(kind.plan(view, {})).map((c) => c.spec.region);
        assert.deepEqual(regions, ["cn-hangzhou", "cn-beijing"], kind.id);
      }
    });
  });

  it("credentials from the environment are a credential source: a call is planned, not a failure", () => {
    withEnv({ ...NO_ALI_ENV, ALICLOUD_ACCESS_KEY: "LTAI5tUNDECIDED", ALICLOUD_SECRET_KEY: "undecided-secret" }, () => {
      const [c, ...rest] = aliTrailCoverageKind.plan(footprint("alicloud", [aliResource("data", none)]), {});
      assert.equal(rest.length, 0);
      assert.ok(c && "compose" in c, JSON.stringify(c));
    });
  });

  it("a stack with no Alibaba Cloud resources plans nothing", () => {
    withEnv(NO_ALI_ENV, () => {
      assert.deepEqual(aliTrailCoverageKind.plan(footprint("alicloud", []), {}), []);
      assert.deepEqual(aliConfigCoverageKind.plan(footprint("alicloud", []), {}), []);
    });
  });
});

describe("coverage planning: an AWS provider with unusable credentials", () => {
  const bucket = (prov: PlainObject): ResourceView =>
    resource("aws:s3/bucketV2:BucketV2", "b", {}, { provider: provider(prov) });

  for (const [kind, action] of [
    [awsTrailCoverageKind, "DescribeTrails"],
    [awsConfigCoverageKind, "DescribeConfigurationRecorders"],
  ] as const) {
    it(`${kind.id}: accessKey without secretKey is undetermined, naming the region and GetCallerIdentity`, () => {
      withEnv({}, () => {
        const r = bucket({ region: "eu-west-1", accessKey: "AKIAUNDECIDED0000000" });
        const [c, ...rest] = decided(kind.plan(footprint("aws", [r]), {}));
        assert.equal(rest.length, 0);
        assert.ok(c && !c.outcome.ok);
        assert.equal(c.outcome.failure.reason, "bad-target");
        assert.equal(c.outcome.failure.detail, "its provider sets accessKey without secretKey");
        assert.deepEqual(
          [c.spec.action, c.spec.permission, c.spec.region, c.spec.account],
          ["GetCallerIdentity", "sts:GetCallerIdentity (needs no IAM permission)", "eu-west-1", undefined],
        );
        const text = message(kind, c);
        assert.match(text, /\(region eu-west-1\): the call target could not be determined calling GetCallerIdentity/);
        assert.match(text, /Needed permission: sts:GetCallerIdentity \(needs no IAM permission\)\./);
      });
    });

    it(`${kind.id}: a single allowedAccountIds names the account: the first call is ${action}`, () => {
      withEnv({}, () => {
        const r = bucket({
          region: "eu-west-1",
          accessKey: "AKIAUNDECIDED0000000",
          allowedAccountIds: ["123456789012"],
        });
        const [c] = decided(kind.plan(footprint("aws", [r]), {}));
        assert.ok(c);
        assert.deepEqual([c.spec.action, c.spec.region, c.spec.account], [action, "eu-west-1", "123456789012"]);
        assert.ok(c.spec.permission.endsWith(`:${action}`), c.spec.permission);
      });
    });
  }
});
