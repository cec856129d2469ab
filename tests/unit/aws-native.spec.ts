// aws-native (AWS Cloud Control provider) trails and recorders, read in the classic shape: declared
// judgements, live planning and routing from the aws-native provider's own settings.
import assert from "node:assert/strict";
import type { PolicyResource } from "@pulumi/policy";
import { awsRecorderKind, awsTrailKind } from "../../lib/aws/kinds";
import { awsRecorders, awsTrails, classicProps, propName } from "../../lib/aws/native";
import { credentialsOf, endpointOf, regionOf } from "../../lib/aws/target";
import { type PlainObject, UNKNOWN } from "../../lib/plain";
import type { Finding } from "../../lib/policy-kit";
import { type ProviderView, viewOf } from "../../lib/stack";
import { evaluate as evaluateTrails } from "../../policies/aws-cloudtrail-trail-declared";
import { evaluate as evaluateRecorders } from "../../policies/aws-config-recorder-declared";
import { proxy, resource, stackOf, TYPES, withEnv } from "./support";

const ARN = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-audit";
const nativeProvider = (props: PlainObject, name = "native"): ProviderView => ({
  urn: `urn:pulumi:dev::proj::pulumi:providers:aws-native::${name}`,
  name,
  type: "pulumi:providers:aws-native",
  props,
});
const nativeTrail = (props: PlainObject = {}, prov?: ProviderView) =>
  resource(
    TYPES.awsNativeTrail,
    "trail",
    {
      id: "org-audit",
      trailName: "org-audit",
      arn: ARN,
      isLogging: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      s3BucketName: "logs",
      ...props,
    },
    prov ? { provider: prov } : {},
  );
const trailConfig = {
  requireTrail: true,
  requireMultiRegion: true,
  requireLoggingEnabled: true,
  requireGlobalServiceEvents: true,
  requireLogFileValidation: true,
  requireManagementEvents: true,
  requireKmsEncryption: false,
  requireCloudWatchLogs: true,
};

describe("aws-native trail", () => {
  it("reads in the classic shape: name, ARN, home region from the ARN, isLogging as enableLogging", () => {
    const [t] = awsTrails(stackOf([nativeTrail({ cloudWatchLogsLogGroupArn: "arn:aws:logs:x" })]));
    assert.ok(t);
    assert.equal(t.type, TYPES.awsNativeTrail, "keeps its own type");
    assert.equal(t.props["name"], "org-audit");
    assert.equal(t.props["arn"], ARN);
    assert.equal(t.props["homeRegion"], "eu-west-1");
    assert.equal(t.props["enableLogging"], true);
    assert.equal(t.props["cloudWatchLogsGroupArn"], "arn:aws:logs:x");
    assert.equal(propName(t, "enableLogging"), "isLogging");
  });

  it("the declared policy judges it, naming aws-native properties", () => {
    const v = evaluateTrails(stackOf([nativeTrail({ isLogging: false })]), trailConfig);
    assert.ok(Array.isArray(v));
    const msg = (v as Finding[])[0]?.message ?? "";
    assert.match(msg, /'org-audit' is declared not logging \(isLogging: false\)/);
    assert.match(msg, /CloudWatch Logs \(cloudWatchLogsLogGroupArn\)/);
    assert.match(msg, /aws-native\.cloudtrail\.Trail declaration/);
  });

  it("a compliant aws-native trail satisfies requireTrail and the baseline", () => {
    const v = evaluateTrails(stackOf([nativeTrail({ cloudWatchLogsLogGroupArn: "arn:aws:logs:x" })]), trailConfig);
    assert.deepEqual(v, []);
  });

  it("advanced selectors with aws-native's singular operators are judged like the classic ones", () => {
    const sel = (fieldSelectors: PlainObject[]) => nativeTrail({ advancedEventSelectors: [{ fieldSelectors }] });
    const mgmt = { field: "eventCategory", equals: ["Management"] };
    const narrowed = sel([mgmt, { field: "eventSource", notStartsWith: ["kms."] }]);
    const props = classicProps(narrowed);
    const fields = ((props["advancedEventSelectors"] as PlainObject[])[0]?.["fieldSelectors"] ?? []) as PlainObject[];
    assert.deepEqual(fields[1], { field: "eventSource", notStartsWiths: ["kms."] });
    const v = evaluateTrails(stackOf([narrowed]), { ...trailConfig, requireCloudWatchLogs: false });
    assert.match(
      (v as Finding[])[0]?.message ?? "",
      /excludes management event sources \(eventSource notStartsWiths kms\.\)/,
    );
    assert.deepEqual(evaluateTrails(stackOf([sel([mgmt])]), { ...trailConfig, requireCloudWatchLogs: false }), []);
  });

  it("is planned live by ARN in the ARN's region with the aws-native provider's credentials; roleArn is not assumed", () => {
    const prov = nativeProvider({
      region: "us-east-1",
      accessKey: "AKIANATIVE",
      secretKey: "native-secret",
      roleArn: "arn:aws:iam::123456789012:role/cloudcontrol",
      assumeRole: JSON.stringify({ roleArn: "arn:aws:iam::123456789012:role/audit", durationSeconds: 900 }),
      endpoints: JSON.stringify([{ sts: "http://127.0.0.1:1", cloudcontrol: "http://127.0.0.1:2" }]),
    });
    const [check] = withEnv({}, () => awsTrailKind.plan(stackOf([nativeTrail({}, prov)]), {}));
    assert.ok(check && "attempt" in check, JSON.stringify(check));
    assert.equal(check.spec.target, ARN);
    assert.equal(check.spec.region, "eu-west-1");
    assert.equal(check.spec.account, "123456789012");
    const [t] = awsTrails(stackOf([nativeTrail({}, prov)]));
    assert.ok(t);
    const creds = withEnv({}, () => credentialsOf(t));
    assert.ok(creds.ok);
    assert.deepEqual(creds.value.base, {
      source: "static",
      accessKeyId: "AKIANATIVE",
      secretAccessKey: "native-secret",
    });
    assert.deepEqual(
      creds.value.assumeRoles.map((r) => [r.roleArn, r.durationSeconds]),
      [["arn:aws:iam::123456789012:role/audit", 900]],
    );
    assert.equal(endpointOf(t, "sts"), "http://127.0.0.1:1");
    assert.equal(endpointOf(t, "cloudtrail"), undefined, "aws-native has no CloudTrail endpoint setting");
  });

  it("unknown aws-native provider credentials in preview plan no call", () => {
    const prov = nativeProvider({ region: "us-east-1", assumeRole: UNKNOWN });
    assert.deepEqual(
      withEnv({}, () => awsTrailKind.plan(stackOf([nativeTrail({}, prov)]), {})),
      [],
    );
  });

  it("sharedCredentialsFile (one file) and profile route as a profile", () => {
    const prov = nativeProvider({ region: "us-east-1", profile: "audit", sharedCredentialsFile: "/creds" });
    const [t] = awsTrails(stackOf([nativeTrail({}, prov)]));
    assert.ok(t);
    const creds = withEnv({}, () => credentialsOf(t));
    assert.ok(creds.ok);
    assert.deepEqual(creds.value.base, {
      source: "profile",
      profile: "audit",
      credentialsFiles: ["/creds"],
      configFiles: [],
    });
  });
});

describe("aws-native Config recorder (aws-native 0.98 and earlier)", () => {
  const nativeRecorder = (props: PlainObject = {}, prov?: ProviderView) =>
    resource(
      TYPES.awsNativeRecorder,
      "rec",
      {
        id: "default",
        name: "default",
        roleArn: "arn:aws:iam::123456789012:role/config",
        recordingGroup: {
          allSupported: true,
          includeGlobalResourceTypes: true,
          recordingStrategy: { useOnly: "ALL_SUPPORTED_RESOURCE_TYPES" },
        },
        ...props,
      },
      prov ? { provider: prov } : {},
    );
  const channel = resource(TYPES.awsDeliveryChannel, "ch", { name: "default", region: "us-east-1" });
  const config = { requireRecorder: true, requireGlobalResourceTypes: true, allowExclusions: false };

  it("needs no RecorderStatus: CloudFormation starts it once a delivery channel exists", () => {
    const prov = nativeProvider({ region: "us-east-1" });
    assert.deepEqual(evaluateRecorders(stackOf([nativeRecorder({}, prov), channel]), config), []);
  });

  it("recordingStrategy and exclusionByResourceTypes are single objects, read as the classic lists", () => {
    const prov = nativeProvider({ region: "us-east-1" });
    const rec = nativeRecorder(
      {
        recordingGroup: {
          allSupported: false,
          recordingStrategy: { useOnly: "EXCLUSION_BY_RESOURCE_TYPES" },
          exclusionByResourceTypes: { resourceTypes: ["AWS::EC2::Volume"] },
        },
      },
      prov,
    );
    const v = evaluateRecorders(stackOf([rec, channel]), config) as Finding[];
    assert.equal(v.length, 1);
    assert.match(v[0]?.message ?? "", /excludes 1 resource type\(s\) from recording \(AWS::EC2::Volume\)/);
  });

  it("its region comes from the aws-native provider, else the aws-native:region stack config", () => {
    const [r1] = awsRecorders(stackOf([nativeRecorder({}, nativeProvider({ region: "ap-south-1" }))]));
    assert.ok(r1);
    assert.deepEqual(regionOf(r1), { ok: true, value: "ap-south-1" });
    const [r2] = withEnv({ PULUMI_CONFIG: JSON.stringify({ "aws-native:region": "eu-north-1" }) }, () =>
      awsRecorders(stackOf([nativeRecorder()])),
    );
    assert.ok(r2);
    assert.deepEqual(r2.provider?.props["region"], "eu-north-1");
  });

  it("is planned live by its name in its region", () => {
    const [check] = withEnv({}, () =>
      awsRecorderKind.plan(stackOf([nativeRecorder({}, nativeProvider({ region: "ap-south-1" }))]), {}),
    );
    assert.ok(check);
    assert.equal(check.spec.target, "default");
    assert.equal(check.spec.region, "ap-south-1");
  });
});

describe("stack view: where the stack deploys AWS resources", () => {
  const policyResource = (type: string, props: Record<string, unknown>, prov?: { urn: string; props: object }) =>
    ({
      type,
      urn: `urn:pulumi:dev::p::${type}::${String(props["n"] ?? "r")}`,
      name: String(props["n"] ?? "r"),
      props: proxy.unknownCheckingProxy(props),
      provider: prov ? { type: "pulumi:providers:aws", name: "p", urn: prov.urn, props: prov.props } : undefined,
    }) as unknown as PolicyResource;

  it("aws and aws-native resources both count as AWS; each site has the resource's or its provider's region", () => {
    const view = withEnv({}, () =>
      viewOf([
        policyResource("aws-native:s3:Bucket", { n: "a" }, { urn: "prov-native", props: { region: "eu-west-1" } }),
        policyResource(
          "aws:s3/bucketV2:BucketV2",
          { n: "b", region: "us-west-2" },
          { urn: "prov", props: { region: "us-east-1" } },
        ),
        policyResource(
          "aws:s3/bucketV2:BucketV2",
          { n: "c", region: proxy.unknownStringValue },
          { urn: "prov", props: { region: "us-east-1" } },
        ),
        policyResource("aws:iam/role:Role", { n: "d" }),
      ]),
    );
    assert.equal(view.deploys.aws, true);
    assert.deepEqual([...(view.awsSites ?? [])].map((s) => `${s.pkg}:${s.region ?? "-"}`).sort(), [
      "aws-native:eu-west-1",
      "aws:-",
      "aws:us-east-1",
      "aws:us-west-2",
    ]);
  });

  it("a stack of aws-native resources only deploys AWS resources", () => {
    const view = withEnv({}, () => viewOf([policyResource("aws-native:s3:Bucket", { n: "a" })]));
    assert.equal(view.deploys.aws, true);
  });
});
