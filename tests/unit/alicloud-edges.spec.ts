// Alibaba Cloud edges (issue 20), pure: the Resource Directory refusal classified as access denied, the plain-HTTP
// STS refusal, list-valued TrailRegion in the coverage judge, and the STS host a coverage check names when its
// GetCallerIdentity fails (the host it called). No network: the coverage check is composed with a stand-in runner.
import assert from "node:assert/strict";
import { aliConfigCoverageKind, aliTrailCoverageKind } from "../../lib/alicloud/coverage";
import { aliTrailCovers, trailRegionsOf } from "../../lib/alicloud/coverage-rules";
import { type AliListedTrail, classifyAli } from "../../lib/alicloud/sdk";
import { plainHttpStsRefusal, PROVIDER_ENV } from "../../lib/alicloud/target";
import type { CoverageFacts } from "../../lib/live/coverage";
import type { CallSpec, Outcome } from "../../lib/live/outcome";
import { type Call, type ComposedCheck, type PlannedCheck, RoundContext } from "../../lib/live/round";
import type { PlainObject } from "../../lib/plain";
import type { ResourceView, StackView } from "../../lib/stack";
import { resource, withEnv } from "./support";

const NO_ALI_ENV: Record<string, string | undefined> = Object.fromEntries(
  [
    ...Object.values(PROVIDER_ENV).flat(),
    ...["STS", "ACTIONTRAIL", "CONFIG"].flatMap((s) => [`ALIBABA_CLOUD_ENDPOINT_${s}`, `${s}_ENDPOINT`]),
    "PULUMI_CONFIG",
  ].map((k) => [k, undefined]),
);

/** An error as openapi-core throws it for a 400 answer with this code. */
function clientError(code: string, message: string): Error {
  return Object.assign(new Error(`code: 400, ${message} request id: r-1`), {
    name: "ClientError",
    code,
    statusCode: 400,
    requestId: "r-1",
  });
}

describe("alicloud Resource Directory refusals", () => {
  // StartConfigurationRecorder's documented error table (Cloud Config API 2019-01-08).
  it("RDMemberNoPermission is access denied, not an unexpected error", () => {
    const f = classifyAli(
      clientError(
        "RDMemberNoPermission",
        "You are not authorized to perform the operation. The reasons include: 1. You have not enabled the resource directory service. 2. You are not using the administrator account of resource directory.",
      ),
    );
    assert.equal(f.reason, "access-denied");
    assert.equal(f.code, "RDMemberNoPermission");
  });
  it("RDEnableConfigAccessFail (EnterpriseEdition only, never sent) is not access denied", () => {
    const f = classifyAli(
      clientError("RDEnableConfigAccessFail", "Failed to enable Config access Resource Directory."),
    );
    assert.equal(f.reason, "unexpected-error");
  });
  it("an unknown code stays an unexpected error", () => {
    assert.equal(classifyAli(clientError("SomethingElse", "x")).reason, "unexpected-error");
  });
});

describe("alicloud STS over plain HTTP", () => {
  it("an http:// STS endpoint is refused, naming the setting; https:// and loopback hosts are not", () => {
    const refused = plainHttpStsRefusal({ protocol: "HTTP", host: "sts.example.com" });
    assert.ok(refused);
    assert.match(refused, /the provider's endpoints\[\]\.sts is plain HTTP/);
    assert.doesNotMatch(refused, /ALIBABA_CLOUD_ENDPOINT_STS|STS_ENDPOINT/, "the provider reads no STS variable");
    assert.match(refused, /plain HTTP \(http:\/\/sts\.example\.com\); STS serves HTTPS only/);
    assert.equal(plainHttpStsRefusal({ protocol: "HTTPS", host: "sts.example.com" }), undefined);
    for (const host of ["127.0.0.1:8080", "localhost:9", "[::1]:8443", "127.1.2.3"])
      assert.equal(plainHttpStsRefusal({ protocol: "HTTP", host }), undefined, host);
    for (const host of ["128.0.0.1", "localhost.example.com", "10.0.0.1:80"])
      assert.ok(plainHttpStsRefusal({ protocol: "HTTP", host }), host);
  });
});

describe("alicloud coverage: list-valued TrailRegion", () => {
  const listed = (trailRegion: string | undefined): AliListedTrail => ({
    name: "t",
    homeRegion: "cn-hangzhou",
    trailRegion,
    eventRw: "All",
    status: "Enable",
    isOrganizationTrail: false,
    ossBucketName: undefined,
    slsProjectArn: undefined,
  });
  const logging = {
    found: true as const,
    isLogging: true,
    latestDeliveryError: undefined,
    latestDeliveryLogServiceError: undefined,
    latestDeliveryTime: undefined,
    latestDeliveryLogServiceTime: undefined,
    startLoggingTime: undefined,
    stopLoggingTime: undefined,
    ossBucketStatus: undefined,
    slsLogStoreStatus: undefined,
  };

  it("reads All, one region, and a comma-separated list", () => {
    assert.deepEqual(trailRegionsOf("All"), ["All"]);
    assert.deepEqual(trailRegionsOf("cn-hangzhou"), ["cn-hangzhou"]);
    assert.deepEqual(trailRegionsOf("cn-hangzhou, cn-shanghai"), ["cn-hangzhou", "cn-shanghai"]);
    assert.deepEqual(trailRegionsOf(undefined), []);
  });

  it("a listed region is covered, any other is not", () => {
    const t = listed("cn-hangzhou,cn-shanghai");
    assert.equal(aliTrailCovers("cn-shanghai", t, logging).covers, true);
    assert.equal(aliTrailCovers("cn-hangzhou", t, logging).covers, true);
    const other = aliTrailCovers("cn-beijing", t, logging);
    assert.ok(!other.covers);
    assert.match(other.why, /covers only cn-hangzhou,cn-shanghai/);
    // A single region that merely contains another's name is not it.
    assert.equal(aliTrailCovers("cn-hangzhou", listed("cn-hangzhou-finance"), logging).covers, false);
    assert.equal(aliTrailCovers("eu-west-1", listed("cn-hangzhou,All"), logging).covers, true);
  });

  it("LatestDeliveryError is said as the last failed delivery, not as OSS's (the API does not name its destination)", () => {
    const failing = aliTrailCovers("cn-hangzhou", listed("All"), { ...logging, latestDeliveryError: "sls quota" });
    assert.ok(!failing.covers);
    assert.match(failing.why, /its last delivery failed \(LatestDeliveryError=sls quota\)/);
    assert.doesNotMatch(failing.why, /OSS/);
  });
});

describe("alicloud coverage names the STS host it called", () => {
  function footprint(region: string): StackView {
    const prov: PlainObject = { region, accessKey: "LTAI5tEDGESEDGES", secretKey: "edgesecretsecret" };
    const r: ResourceView = resource(
      "alicloud:oss/bucket:Bucket",
      "data",
      {},
      { provider: { urn: "urn:pulumi:dev::proj::pulumi:providers:alicloud::p", name: "p", type: "x", props: prov } },
    );
    return {
      resources: [],
      footprint: { aws: [], alicloud: [r] },
      deploys: { aws: false, alicloud: true },
      dryRun: false,
      fingerprint: `fp-edges-${region}`,
    };
  }
  const composed = (c: PlannedCheck<CoverageFacts> | undefined): ComposedCheck<CoverageFacts> => {
    assert.ok(c && "compose" in c, "a composed coverage check");
    return c;
  };

  it("Cloud Config coverage probing both sites names no single Config host", async () => {
    const check = withEnv(NO_ALI_ENV, () => composed(aliConfigCoverageKind.plan(footprint("cn-hangzhou"), {})[0]));
    const asked: CallSpec[] = [];
    const ctx = new RoundContext();
    try {
      const keys = new Set<string>();
      const out = await check.compose(async <U>(call: Call<U>): Promise<Outcome<U>> => {
        // The round makes a call once per key, whoever asks again (the prefetched first wave included).
        if (!keys.has(call.key)) asked.push(call.spec);
        keys.add(call.key);
        if (call.spec.action === "GetCallerIdentity")
          return { ok: true, value: { account: "1234567", arn: "" } } as unknown as Outcome<U>;
        return { ok: false, failure: { reason: "timeout", detail: "both sites: see detail" } };
      }, ctx);
      assert.deepEqual(
        asked.map((s) => [s.action, s.endpoint]),
        [
          ["GetCallerIdentity", "https://sts.cn-hangzhou.aliyuncs.com"],
          ["GetConfigurationRecorder", undefined],
        ],
      );
      assert.equal(out.spec?.endpoint, undefined);
    } finally {
      ctx.dispose();
    }
  });

  for (const [region, host] of [
    ["cn-hangzhou", "sts.cn-hangzhou.aliyuncs.com"],
    ["ap-south-1", "sts.aliyuncs.com"],
  ] as const) {
    it(`${region}: a failed GetCallerIdentity is reported at https://${host}`, async () => {
      const check = withEnv(NO_ALI_ENV, () => composed(aliTrailCoverageKind.plan(footprint(region), {})[0]));
      const asked: CallSpec[] = [];
      const ctx = new RoundContext();
      try {
        const out = await check.compose(async <U>(call: Call<U>) => {
          asked.push(call.spec);
          return { ok: false as const, failure: { reason: "endpoint-error" as const, detail: "unreachable" } };
        }, ctx);
        // The region's listing needs no account: it goes out in the same wave as GetCallerIdentity.
        assert.deepEqual(
          asked.map((s) => [s.action, s.endpoint]),
          [
            ["GetCallerIdentity", `https://${host}`],
            ["DescribeTrails", `https://actiontrail.${region}.aliyuncs.com`],
          ],
        );
        assert.equal(out.spec?.endpoint, `https://${host}`);
        assert.equal(out.outcome.ok, false);
      } finally {
        ctx.dispose();
      }
    });
  }
});
