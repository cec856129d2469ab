// The AWS Cloud Control provider (aws-native) declares the same trail and recorder with other property
// names. This reads its resources in the shape of the classic aws provider's, so every judgement and
// the live routing are written once; each view keeps its aws-native type, so messages can name the
// user's own properties.
//
// Property names from pulumi/pulumi-aws-native (schema.json / sdk/nodejs):
// - aws-native:cloudtrail:Trail: trailName (the resource id: the schema's primary identifier is
//   TrailName), arn (output), isLogging (required), isMultiRegionTrail, includeGlobalServiceEvents,
//   enableLogFileValidation, isOrganizationTrail, kmsKeyId, s3BucketName, cloudWatchLogsLogGroupArn,
//   eventSelectors[] {readWriteType, includeManagementEvents, excludeManagementEventSources},
//   advancedEventSelectors[] {fieldSelectors[] {field, equals, notEquals, startsWith, notStartsWith,
//   endsWith, notEndsWith}} (singular operator names, unlike the classic provider's startsWiths).
// - aws-native:configuration:ConfigurationRecorder (aws-native 0.98 and earlier; deprecated as "not yet
//   supported by AWS Native" and removed in 0.99.0): name, roleArn, awsId, recordingGroup {allSupported,
//   includeGlobalResourceTypes, resourceTypes[], recordingStrategy {useOnly} (one object, not a list),
//   exclusionByResourceTypes {resourceTypes[]} (one object)}. There is no RecorderStatus: CloudFormation
//   starts the recorder as soon as the delivery channel is available.
// - pulumi:providers:aws-native: region, accessKey, secretKey, token, profile, sharedCredentialsFile (one
//   file), assumeRole (one object: roleArn, sessionName, externalId, durationSeconds, policy),
//   endpoints[] {cloudcontrol, cloudformation, ec2, ssm, sts}, allowedAccountIds; roleArn is the role Cloud
//   Control acts as, not the provider's own identity, so live calls do not assume it. Stack config:
//   `aws-native:region`.

import { packageConfig } from "../engine";
import { field, isObject, knownStr, objectList, type Plain, type PlainObject, structured, UNKNOWN } from "../plain";
import { ofType, type ProviderView, type ResourceView, type StackView, TYPES } from "../stack";
import { regionOfArn } from "./target";

export function isNative(r: ResourceView): boolean {
  return r.type.startsWith("aws-native:");
}

/** Classic and aws-native trails, all in the classic shape. */
export function awsTrails(view: StackView): ResourceView[] {
  return [...ofType(view, TYPES.awsTrail), ...ofType(view, TYPES.awsNativeTrail).map(nativeTrail)];
}

/** Classic and aws-native Config recorders, all in the classic shape. */
export function awsRecorders(view: StackView): ResourceView[] {
  return [...ofType(view, TYPES.awsRecorder), ...ofType(view, TYPES.awsNativeRecorder).map(nativeRecorder)];
}

/** A resource's props in the classic shape (as they are for a classic resource). */
export function classicProps(r: ResourceView): PlainObject {
  if (r.type === TYPES.awsNativeTrail) return nativeTrail(r).props;
  if (r.type === TYPES.awsNativeRecorder) return nativeRecorder(r).props;
  return r.props;
}

/** The user's own name for a classic property of this resource, for messages. */
export function propName(r: ResourceView, classic: string): string {
  if (!isNative(r)) return classic;
  return NATIVE_NAMES[classic] ?? classic;
}

const NATIVE_NAMES: Record<string, string> = {
  enableLogging: "isLogging",
  cloudWatchLogsGroupArn: "cloudWatchLogsLogGroupArn",
  name: "trailName",
};

/** What the user declares the resource as, for messages: `aws.cloudtrail.Trail` / `aws-native.cloudtrail.Trail`. */
export function declaredAs(r: ResourceView): string {
  switch (r.type) {
    case TYPES.awsNativeTrail:
      return "aws-native.cloudtrail.Trail";
    case TYPES.awsNativeRecorder:
      return "aws-native.configuration.ConfigurationRecorder";
    case TYPES.awsRecorder:
      return "aws.cfg.Recorder";
    default:
      return "aws.cloudtrail.Trail";
  }
}

function nativeTrail(r: ResourceView): ResourceView {
  const p = r.props;
  const arn = field(p, "arn");
  const name = field(p, "trailName") ?? field(p, "id");
  const props: PlainObject = {};
  const copy = (to: string, v: Plain | undefined): void => {
    if (v !== undefined) props[to] = v;
  };
  copy("id", field(p, "id"));
  copy("name", name);
  copy("arn", arn);
  copy("homeRegion", regionOfArn(knownStr(arn)));
  copy("enableLogging", field(p, "isLogging"));
  for (const same of [
    "isMultiRegionTrail",
    "includeGlobalServiceEvents",
    "enableLogFileValidation",
    "isOrganizationTrail",
    "kmsKeyId",
    "s3BucketName",
    "eventSelectors",
  ]) {
    copy(same, field(p, same));
  }
  copy("cloudWatchLogsGroupArn", field(p, "cloudWatchLogsLogGroupArn"));
  copy("advancedEventSelectors", mapList(field(p, "advancedEventSelectors"), advancedSelector));
  return { ...r, props, provider: classicProvider(r) };
}

const OPERATORS: Record<string, string> = {
  startsWith: "startsWiths",
  notStartsWith: "notStartsWiths",
  endsWith: "endsWiths",
  notEndsWith: "notEndsWiths",
};

function advancedSelector(sel: Plain): Plain {
  if (!isObject(sel)) return sel;
  return { ...sel, fieldSelectors: mapList(field(sel, "fieldSelectors"), fieldSelector) ?? null };
}

function fieldSelector(f: Plain): Plain {
  if (!isObject(f)) return f;
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(f)) out[OPERATORS[k] ?? k] = v;
  return out;
}

function nativeRecorder(r: ResourceView): ResourceView {
  const p = r.props;
  const props: PlainObject = {};
  const copy = (to: string, v: Plain | undefined): void => {
    if (v !== undefined) props[to] = v;
  };
  copy("id", field(p, "id"));
  copy("name", knownStr(field(p, "name")) ?? knownStr(field(p, "awsId")) ?? field(p, "name"));
  copy("roleArn", field(p, "roleArn"));
  const group = field(p, "recordingGroup");
  if (isObject(group)) {
    const g: PlainObject = {};
    for (const same of ["allSupported", "includeGlobalResourceTypes", "resourceTypes"]) {
      const v = field(group, same);
      if (v !== undefined) g[same] = v;
    }
    const strategy = field(group, "recordingStrategy");
    if (strategy !== undefined) g["recordingStrategies"] = oneAsList(strategy);
    const exclusion = field(group, "exclusionByResourceTypes");
    if (exclusion !== undefined) g["exclusionByResourceTypes"] = oneAsList(exclusion);
    props["recordingGroup"] = g;
  } else if (group !== undefined) {
    props["recordingGroup"] = group;
  }
  return { ...r, props, provider: classicProvider(r) };
}

function oneAsList(v: Plain): Plain {
  return v === UNKNOWN || v === null ? v : [v];
}

function mapList(v: Plain | undefined, fn: (e: Plain) => Plain): Plain | undefined {
  return Array.isArray(v) ? v.map(fn) : v;
}

/** Any aws-native resource with its provider in the classic shape, so coverage routes it as the classic ones. */
export function classicRouting(r: ResourceView): ResourceView {
  return isNative(r) ? { ...r, provider: classicProvider(r) } : r;
}

/**
 * The aws-native provider's settings in the classic provider's names, so lib/aws/target.ts routes the
 * call: without a provider reference, the `aws-native:*` stack config a default provider would read.
 */
function classicProvider(r: ResourceView): ProviderView {
  const p: PlainObject = r.provider ? r.provider.props : packageConfig("aws-native");
  const out: PlainObject = {};
  for (const same of ["region", "accessKey", "secretKey", "token", "profile", "allowedAccountIds"]) {
    const v = field(p, same);
    if (v !== undefined) out[same] = v;
  }
  if (out["region"] === undefined && r.provider) {
    const configured = packageConfig("aws-native")["region"];
    if (configured) out["region"] = configured;
  }
  const file = field(p, "sharedCredentialsFile");
  const fileName = knownStr(file);
  if (file === UNKNOWN) out["sharedCredentialsFiles"] = UNKNOWN;
  else if (fileName) out["sharedCredentialsFiles"] = [fileName];
  const role = structured(field(p, "assumeRole"));
  if (role === UNKNOWN) out["assumeRoles"] = UNKNOWN;
  else if (isObject(role)) out["assumeRoles"] = [classicRole(role)];
  const endpoints = objectList(field(p, "endpoints"));
  if (endpoints === UNKNOWN) out["endpoints"] = UNKNOWN;
  else {
    // Only STS has a key in both providers; aws-native has no CloudTrail or Config endpoint setting.
    const sts = endpoints.map((e) => field(e, "sts")).find((v) => v !== undefined);
    if (sts !== undefined) out["endpoints"] = [{ sts }];
  }
  return {
    urn: r.provider?.urn ?? "aws-native default provider",
    name: r.provider?.name ?? "default",
    type: r.provider?.type ?? "pulumi:providers:aws-native",
    props: out,
  };
}

function classicRole(role: PlainObject): PlainObject {
  const out: PlainObject = {};
  for (const same of ["roleArn", "sessionName", "externalId", "policy"]) {
    const v = field(role, same);
    if (v !== undefined) out[same] = v;
  }
  const seconds = field(role, "durationSeconds");
  if (seconds === UNKNOWN) out["duration"] = UNKNOWN;
  else if (typeof seconds === "number" && Number.isInteger(seconds) && seconds > 0) out["duration"] = `${seconds}s`;
  return out;
}
