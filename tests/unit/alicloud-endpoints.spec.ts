// The pack's Alibaba Cloud endpoint map (lib/alicloud/endpoints.ts) held to the official SDK clients': STS by
// constructing the real @alicloud/sts20150401 client for each region and reading the host it resolved;
// ActionTrail and Config by their clients' endpoint rule and map (tests/schemas/alicloud-sdk-endpoints.json,
// verbatim from the official TypeScript SDK; their npm packages are not served by the project's registry; the
// files, commits and versions they were copied from are in tests/schemas/README.md),
// resolved with openapi-core's own OpenApiUtil.getEndpointRules. Then the planners: the hosts they name.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { $OpenApiUtil, OpenApiUtil } from "@alicloud/openapi-core";
import Sts from "@alicloud/sts20150401";
import { ALI_ENDPOINT_RULES, type AliProduct, aliServiceHost } from "../../lib/alicloud/endpoints";
import { aliTrailKind } from "../../lib/alicloud/kinds";
import { aliResolveTarget, CONFIG_SITES } from "../../lib/alicloud/target";
import type { PlannedCall, PlannedCheck } from "../../lib/live/round";
import type { PlainObject } from "../../lib/plain";
import type { ProviderView } from "../../lib/stack";
import { resource, stackOf, TYPES, withEnv } from "./support";

interface SdkRules {
  endpointRule: string;
  endpointMap: Record<string, string>;
}
const REFERENCE = JSON.parse(
  fs.readFileSync(path.join(__dirname, "..", "..", "..", "tests", "schemas", "alicloud-sdk-endpoints.json"), "utf8"),
) as Record<"actiontrail" | "config", SdkRules>;

/**
 * Regions the providers list: terraform-provider-alicloud's connectivity.ValidRegions and its finance regions,
 * and the public regions of the current region list (mainland, Hong Kong, Asia Pacific, Europe, Americas, Middle
 * East), plus the finance and gov regions the issue names. The SDK maps' own keys are added per product.
 */
const PROVIDER_REGIONS = [
  "cn-qingdao",
  "cn-beijing",
  "cn-zhangjiakou",
  "cn-huhehaote",
  "cn-wulanchabu",
  "cn-hangzhou",
  "cn-shanghai",
  "cn-nanjing",
  "cn-fuzhou",
  "cn-shenzhen",
  "cn-heyuan",
  "cn-guangzhou",
  "cn-chengdu",
  "cn-hongkong",
  "cn-wuhan-lr",
  "cn-zhangbei",
  "cn-wuhan",
  "cn-fujian",
  "cn-hangzhou-finance",
  "cn-shanghai-finance-1",
  "cn-shenzhen-finance-1",
  "cn-beijing-finance-1",
  "cn-beijing-gov-1",
  "cn-north-2-gov-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ap-south-1",
  "us-east-1",
  "us-west-1",
  "na-south-1",
  "eu-west-1",
  "eu-central-1",
  "me-east-1",
  "me-central-1",
];

/** The host the official STS client resolves for a region (its constructor runs getEndpoint; no call is made). */
function officialStsHost(regionId: string): string {
  const client = new Sts(new $OpenApiUtil.Config({ regionId, accessKeyId: "LTAI5tENDPOINT", accessKeySecret: "x" }));
  return client._endpoint;
}
function officialStsMap(): Record<string, string> {
  return new Sts(
    new $OpenApiUtil.Config({ regionId: "cn-hangzhou", accessKeyId: "LTAI5tENDPOINT", accessKeySecret: "x" }),
  )._endpointMap;
}

/** As the generated clients' getEndpoint: the map, else the rule (public network, no suffix). */
function officialHost(product: "actiontrail" | "config", regionId: string): string {
  const { endpointRule, endpointMap } = REFERENCE[product];
  return endpointMap[regionId] ?? OpenApiUtil.getEndpointRules(product, regionId, endpointRule, "", "");
}

describe("alicloud endpoints as the official SDK clients resolve them", () => {
  const regionsOf = (map: Record<string, string>): string[] => [...new Set([...PROVIDER_REGIONS, ...Object.keys(map)])];

  it("STS: the installed official client and ours name the same host in every region", () => {
    const map = officialStsMap();
    assert.ok(Object.keys(map).length > 10, "the official client carries its endpoint map");
    const regions = regionsOf(map);
    for (const region of regions) assert.equal(aliServiceHost("sts", region), officialStsHost(region), region);
    // Among them the regions the official map sends to the central host.
    for (const region of ["ap-south-1", "ap-southeast-2", "cn-zhangbei", "cn-wuhan", "cn-fujian", "cn-beijing-gov-1"])
      assert.equal(aliServiceHost("sts", region), "sts.aliyuncs.com", region);
    assert.equal(aliServiceHost("sts", "cn-hangzhou"), "sts.cn-hangzhou.aliyuncs.com");
  });

  for (const product of ["actiontrail", "config"] as const) {
    it(`${product}: ours names the official client's host in every region`, () => {
      const regions = regionsOf(REFERENCE[product].endpointMap);
      for (const region of regions)
        assert.equal(aliServiceHost(product, region), officialHost(product, region), region);
    });
  }

  it("our maps hold exactly the official regions and rules (nothing added, nothing left out)", () => {
    const official: Record<AliProduct, SdkRules> = {
      ...REFERENCE,
      sts: { endpointRule: "regional", endpointMap: officialStsMap() },
    };
    for (const product of ["actiontrail", "config", "sts"] as const) {
      assert.equal(ALI_ENDPOINT_RULES[product].rule, official[product].endpointRule, product);
      assert.deepEqual({ ...ALI_ENDPOINT_RULES[product].map }, official[product].endpointMap, product);
    }
  });

  it("ActionTrail: the finance and gov regions go to the central host", () => {
    for (const region of ["cn-hangzhou-finance", "cn-shenzhen-finance-1", "cn-beijing-finance-1", "cn-beijing-gov-1"])
      assert.equal(aliServiceHost("actiontrail", region), "actiontrail.aliyuncs.com", region);
    assert.equal(aliServiceHost("actiontrail", "cn-hangzhou"), "actiontrail.cn-hangzhou.aliyuncs.com");
  });

  it("Config: the two site hosts are the official client's for the sites' regions", () => {
    for (const site of Object.values(CONFIG_SITES)) assert.equal(site.host, officialHost("config", site.region));
  });
});

describe("alicloud planning names the host the official SDK would call", () => {
  const KEYS = { accessKey: "LTAI5tUNITUNIT", secretKey: "unitsecretsecret" };
  const CLEAN = {
    PULUMI_CONFIG: undefined,
    ALICLOUD_REGION: undefined,
    ALIBABA_CLOUD_REGION: undefined,
    ALIBABA_CLOUD_ENDPOINT_STS: undefined,
    STS_ENDPOINT: undefined,
    ALIBABA_CLOUD_ENDPOINT_ACTIONTRAIL: undefined,
    ACTIONTRAIL_ENDPOINT: undefined,
  };
  const provider = (props: PlainObject): ProviderView => ({
    urn: "urn:pulumi:dev::proj::pulumi:providers:alicloud::p",
    name: "p",
    type: "pulumi:providers:alicloud",
    props,
  });
  const call = <T>(c: PlannedCheck<T> | undefined): PlannedCall<T> => {
    assert.ok(c && "attempt" in c, "a call is planned");
    return c;
  };

  it("a trail homed in a finance region is checked at actiontrail.aliyuncs.com", () => {
    withEnv(CLEAN, () => {
      for (const [home, host] of [
        ["cn-hangzhou-finance", "actiontrail.aliyuncs.com"],
        ["cn-shenzhen-finance-1", "actiontrail.aliyuncs.com"],
        ["cn-beijing", "actiontrail.cn-beijing.aliyuncs.com"],
      ] as const) {
        const t = resource(
          TYPES.aliTrail,
          "t",
          { id: "trail-1", trailName: "trail-1", regionId: home },
          { provider: provider(KEYS) },
        );
        const p = call(aliTrailKind.plan(stackOf([t], { aws: false, alicloud: true }), {})[0]);
        assert.equal(p.spec.endpoint, `https://${host}`, home);
      }
    });
  });

  it("GetCallerIdentity goes to the provider region's STS host, central where the official map says", () => {
    withEnv(CLEAN, () => {
      for (const [region, host] of [
        ["ap-south-1", "sts.aliyuncs.com"],
        ["cn-zhangbei", "sts.aliyuncs.com"],
        ["cn-hangzhou", "sts.cn-hangzhou.aliyuncs.com"],
      ] as const) {
        const r = resource(TYPES.aliTrail, "t", { id: "trail-1" }, { provider: provider({ ...KEYS, region }) });
        const t = aliResolveTarget(r, { protocol: "HTTPS", host: "actiontrail.example" });
        assert.ok(t.ok);
        assert.deepEqual(t.value.identityEndpoint, { protocol: "HTTPS", host }, region);
      }
    });
  });
});
