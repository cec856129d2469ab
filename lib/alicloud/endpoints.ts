// Which host serves an Alibaba Cloud product in a region, as the official generated SDK clients resolve it:
// the client's endpoint map first, else its endpoint rule ("regional": <product>.<region>.aliyuncs.com,
// "central": <product>.aliyuncs.com; openapi-core OpenApiUtil.getEndpointRules, public network, no suffix).
// Maps and rules as in aliyun/alibabacloud-typescript-sdk actiontrail-20200706, config-20200907 and
// sts-20150401 `src/client.ts` (npm @alicloud/sts20150401 1.2.0; PyPI alibabacloud-actiontrail20200706 2.6.0 and
// alibabacloud-config20200907 4.2.3 carry the same maps). tests/unit/alicloud-endpoints.spec.ts holds this copy
// to the official STS client and to those maps. Pure data: no SDK is loaded here.

export type AliProduct = "actiontrail" | "config" | "sts";

interface EndpointRules {
  rule: "regional" | "central";
  /** Regions the product serves from another host than its rule gives. */
  map: Readonly<Record<string, string>>;
}

const CENTRAL_ACTIONTRAIL = "actiontrail.aliyuncs.com";
const TOKYO_ACTIONTRAIL = "actiontrail.ap-northeast-1.aliyuncs.com";
const CENTRAL_STS = "sts.aliyuncs.com";

function sameHost(host: string, regions: readonly string[]): Record<string, string> {
  return Object.fromEntries(regions.map((r) => [r, host]));
}

export const ALI_ENDPOINT_RULES: Readonly<Record<AliProduct, EndpointRules>> = {
  actiontrail: {
    rule: "regional",
    map: {
      ...sameHost(TOKYO_ACTIONTRAIL, ["ap-northeast-2-pop", "eu-west-1-oxs", "rus-west-1-pop"]),
      ...sameHost(CENTRAL_ACTIONTRAIL, [
        "cn-beijing-finance-1",
        "cn-beijing-finance-pop",
        "cn-beijing-gov-1",
        "cn-beijing-nu16-b01",
        "cn-edge-1",
        "cn-fujian",
        "cn-haidian-cm12-c01",
        "cn-hangzhou-bj-b01",
        "cn-hangzhou-finance",
        "cn-hangzhou-internal-prod-1",
        "cn-hangzhou-internal-test-1",
        "cn-hangzhou-internal-test-2",
        "cn-hangzhou-internal-test-3",
        "cn-hangzhou-test-306",
        "cn-hongkong-finance-pop",
        "cn-qingdao-nebula",
        "cn-shanghai-et15-b01",
        "cn-shanghai-et2-b01",
        "cn-shanghai-inner",
        "cn-shanghai-internal-test-1",
        "cn-shenzhen-finance-1",
        "cn-shenzhen-inner",
        "cn-shenzhen-st4-d01",
        "cn-shenzhen-su18-b01",
        "cn-wuhan",
        "cn-yushanfang",
        "cn-zhangbei-na61-b01",
        "cn-zhangjiakou-na62-a01",
        "cn-zhengzhou-nebula-1",
      ]),
    },
  },
  // Cloud Config is served per site; any other region id falls to the central host by the SDK's rule.
  config: {
    rule: "central",
    map: { "cn-shanghai": "config.cn-shanghai.aliyuncs.com", "ap-southeast-1": "config.ap-southeast-1.aliyuncs.com" },
  },
  sts: {
    rule: "regional",
    map: sameHost(CENTRAL_STS, [
      "ap-northeast-2-pop",
      "ap-south-1",
      "ap-southeast-2",
      "cn-beijing-finance-pop",
      "cn-beijing-gov-1",
      "cn-beijing-nu16-b01",
      "cn-edge-1",
      "cn-fujian",
      "cn-haidian-cm12-c01",
      "cn-hangzhou-bj-b01",
      "cn-hangzhou-internal-prod-1",
      "cn-hangzhou-internal-test-1",
      "cn-hangzhou-internal-test-2",
      "cn-hangzhou-internal-test-3",
      "cn-hangzhou-test-306",
      "cn-hongkong-finance-pop",
      "cn-huhehaote-nebula-1",
      "cn-shanghai-et15-b01",
      "cn-shanghai-et2-b01",
      "cn-shanghai-inner",
      "cn-shanghai-internal-test-1",
      "cn-shenzhen-inner",
      "cn-shenzhen-st4-d01",
      "cn-shenzhen-su18-b01",
      "cn-wuhan",
      "cn-yushanfang",
      "cn-zhangbei",
      "cn-zhangbei-na61-b01",
      "cn-zhangjiakou-na62-a01",
      "cn-zhengzhou-nebula-1",
      "eu-west-1-oxs",
      "rus-west-1-pop",
    ]),
  },
};

/** The host the official SDK client of `product` calls for `region` (public network, no endpoint override). */
export function aliServiceHost(product: AliProduct, region: string): string {
  const { rule, map } = ALI_ENDPOINT_RULES[product];
  const mapped = Object.hasOwn(map, region) ? map[region] : undefined;
  if (mapped) return mapped;
  return rule === "regional" ? `${product}.${region}.aliyuncs.com` : `${product}.aliyuncs.com`;
}
