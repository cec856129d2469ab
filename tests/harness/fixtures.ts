// Healthy resource fixtures for the whole-pack specs: AWS Config recorder (with its status and delivery
// channel) and CloudTrail trail, Alibaba Config recorder and ActionTrail trail, with their props as the
// providers write them, and explicit providers pointing at the loopback fakes. A spec lays its own props
// over these (`props`) or leaves healthy props out (`omit`) where its fixture deliberately differs.

import {
  explicitProvider,
  type PolicyOverride,
  type Props,
  type ProviderRef,
  resource,
  type ResourceSpec,
} from "./analyzer";

export const ACCOUNT = "123456789012";
export const AWS_REGION = "us-east-1";
export const ALI_REGION = "cn-hangzhou";

export function awsTrailArn(name: string, region: string = AWS_REGION): string {
  return `arn:aws:cloudtrail:${region}:${ACCOUNT}:trail/${name}`;
}

/** AWS provider `endpoints`: Config, CloudTrail and STS all at `url`. */
export function awsEndpoints(url: string): Props[] {
  return [{ cloudtrail: url, configservice: url, sts: url }];
}

/** Alibaba provider `endpoints`: Config, ActionTrail and STS (GetCallerIdentity) at `url`. */
export function aliEndpoints(url: string): Props[] {
  return [{ config: url, actiontrail: url, sts: url }];
}

/** An explicit AWS provider in AWS_REGION with every endpoint at `url`; `props` adds or replaces inputs. */
export function awsProvider(name: string, url: string, props: Props = {}): ProviderRef {
  return explicitProvider("aws", name, { region: AWS_REGION, endpoints: awsEndpoints(url), ...props });
}

/** An explicit Alibaba provider in ALI_REGION with every endpoint at `url`; `props` adds or replaces inputs. */
export function aliProvider(name: string, url: string, props: Props = {}): ProviderRef {
  return explicitProvider("alicloud", name, { region: ALI_REGION, endpoints: aliEndpoints(url), ...props });
}

export interface FixtureOpts {
  provider?: ProviderRef | undefined;
  /** Laid over the healthy props (a key already there keeps its place). */
  props?: Props;
  /** Healthy props this fixture leaves out. */
  omit?: readonly string[];
}

function build(type: string, name: string, healthy: Props, opts: FixtureOpts): ResourceSpec {
  const props: Props = { ...healthy, ...opts.props };
  for (const key of opts.omit ?? []) Reflect.deleteProperty(props, key);
  return resource(type, name, props, { provider: opts.provider });
}

/** `aws:cfg/recorder:Recorder` recording every supported type, continuously; no `region` output. */
export function awsRecorder(name: string, opts: FixtureOpts = {}): ResourceSpec {
  return build(
    "aws:cfg/recorder:Recorder",
    name,
    {
      id: name,
      name,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/config`,
      recordingGroup: {
        allSupported: true,
        includeGlobalResourceTypes: true,
        exclusionByResourceTypes: [],
        recordingStrategies: [{ useOnly: "ALL_SUPPORTED_RESOURCE_TYPES" }],
        resourceTypes: [],
      },
      recordingMode: { recordingFrequency: "CONTINUOUS" },
    },
    opts,
  );
}

/** The recorder's enabled `aws:cfg/recorderStatus:RecorderStatus`, named `<recorder>-status`. */
export function awsRecorderStatus(recorder: string, opts: FixtureOpts = {}): ResourceSpec {
  return build(
    "aws:cfg/recorderStatus:RecorderStatus",
    `${recorder}-status`,
    { id: recorder, name: recorder, isEnabled: true },
    opts,
  );
}

/** The recorder's `aws:cfg/deliveryChannel:DeliveryChannel`, named `<recorder>-channel`. */
export function awsDeliveryChannel(recorder: string, opts: FixtureOpts = {}): ResourceSpec {
  return build(
    "aws:cfg/deliveryChannel:DeliveryChannel",
    `${recorder}-channel`,
    { id: recorder, name: recorder, s3BucketName: "config-logs" },
    opts,
  );
}

/** A logging multi-region `aws:cloudtrail/trail:Trail` whose home region is `region`. */
export function awsTrail(name: string, opts: FixtureOpts & { region?: string } = {}): ResourceSpec {
  const region = opts.region ?? AWS_REGION;
  const arn = awsTrailArn(name, region);
  return build(
    "aws:cloudtrail/trail:Trail",
    name,
    {
      id: arn,
      arn,
      name,
      homeRegion: region,
      region,
      s3BucketName: "audit-logs",
      enableLogging: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      isOrganizationTrail: false,
      eventSelectors: [],
      advancedEventSelectors: [],
      tags: {},
    },
    opts,
  );
}

/** `alicloud:cfg/configurationRecorder:ConfigurationRecorder` of account 1234567890123456. */
export function aliRecorder(name: string, opts: FixtureOpts = {}): ResourceSpec {
  return build(
    "alicloud:cfg/configurationRecorder:ConfigurationRecorder",
    name,
    { id: "1234567890123456", resourceTypes: [], enterpriseEdition: false },
    opts,
  );
}

/** An enabled all-region read/write `alicloud:actiontrail/trail:Trail`; `resourceName` when it differs. */
export function aliTrail(trailName: string, opts: FixtureOpts & { resourceName?: string } = {}): ResourceSpec {
  return build(
    "alicloud:actiontrail/trail:Trail",
    opts.resourceName ?? trailName,
    {
      id: trailName,
      trailName,
      status: "Enable",
      trailRegion: "All",
      eventRw: "All",
      ossBucketName: "audit-oss",
      isOrganizationTrail: false,
    },
    opts,
  );
}

/** The account-coverage policies (issue 9): live calls about every account and region a stack deploys into. */
export const COVERAGE_POLICIES = [
  "aws-cloudtrail-account-coverage",
  "aws-config-account-coverage",
  "alicloud-actiontrail-account-coverage",
  "alicloud-config-account-coverage",
] as const;

/**
 * Configure overrides that switch the coverage policies off, for suites that count the requests of the
 * per-resource checks (coverage has its own suites: tests/coverage-*.spec.ts).
 */
export function coverageOff(): Record<string, PolicyOverride> {
  return Object.fromEntries(COVERAGE_POLICIES.map((p) => [p, "disabled"]));
}
