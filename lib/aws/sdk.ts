// AWS replies as plain facts: every read-only call the pack makes (Config and CloudTrail status; the account
// coverage lists and describes: DescribeTrails, GetEventSelectors, DescribeConfigurationRecorders,
// ListConfigurationRecorders, DescribeConfigurationRecorderStatus without names or by service principal), made
// with the official SDK v3 clients and turned into plain facts. Selectors and recording groups are put in the
// Pulumi provider's shape, so the declared policies' judges (./judges) read them unchanged. A "not found" is
// believed only from the resource's account. Clients and credentials: ./transport, ./identity. Loaded on first use.

import { errorMessage, errorName, optionalString } from "../live/errors";
import { failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import type { Plain, PlainObject } from "../plain";
import { quote } from "../redact";
import { callerIdentity, credentialsProvider } from "./identity";
import type { AwsTarget } from "./target";
import {
  type CloudTrailModule,
  type ConfigModule,
  classifyAt,
  endpointSettings,
  memoClient,
  requestHandler,
  sdk,
} from "./transport";

export { classify, classifyAt, sdk } from "./transport";

export interface RecorderStatus {
  found: true;
  name: string;
  recording: boolean | undefined;
  /** Upper-cased: the service sends SUCCESS/PENDING/FAILURE although the model says Success... */
  lastStatus: string | undefined;
  lastErrorCode: string | undefined;
  lastErrorMessage: string | undefined;
  lastStartTime: number | undefined;
  lastStopTime: number | undefined;
  lastStatusChangeTime: number | undefined;
}
export interface TrailStatus {
  found: true;
  isLogging: boolean | undefined;
  latestDeliveryError: string | undefined;
  latestDigestDeliveryError: string | undefined;
  latestNotificationError: string | undefined;
  latestCloudWatchLogsDeliveryError: string | undefined;
  latestDeliveryTime: number | undefined;
  latestCloudWatchLogsDeliveryTime: number | undefined;
  startLoggingTime: number | undefined;
  stopLoggingTime: number | undefined;
}
/** The service says the resource does not exist. An observation, not a failed check. */
export interface NotFound {
  found: false;
  detail: string;
  /** The account that answered "not found" (sts:GetCallerIdentity). */
  account?: string;
}

export async function describeRecorderStatus(
  ctx: RoundContext,
  target: AwsTarget,
  name: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<RecorderStatus | NotFound>> {
  try {
    const { config } = sdk();
    const client = configClient(ctx, target, timeoutMs);
    const out = await client.send(
      new config.DescribeConfigurationRecorderStatusCommand({ ConfigurationRecorderNames: [name] }),
      { abortSignal: signal },
    );
    const list: unknown = out.ConfigurationRecordersStatus;
    if (!Array.isArray(list)) return failure("malformed-reply", "ConfigurationRecordersStatus is missing");
    if (!list.every(isRecord)) return failure("malformed-reply", "ConfigurationRecordersStatus has a non-object entry");
    const s = list.find((e) => e["name"] === name) ?? (list.length === 1 ? list[0] : undefined);
    if (!s) {
      return confirmNotFound(
        ctx,
        target,
        "recorder",
        `no configuration recorder named '${quote(name)}'`,
        timeoutMs,
        signal,
      );
    }
    return recorderStatusOf(s, name);
  } catch (e) {
    if (errorName(e) === "NoSuchConfigurationRecorderException") {
      return confirmNotFound(ctx, target, "recorder", quote(errorMessage(e)), timeoutMs, signal);
    }
    return { ok: false, failure: classifyAt(e, target.region) };
  }
}

export async function getTrailStatus(
  ctx: RoundContext,
  target: AwsTarget,
  nameOrArn: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<TrailStatus | NotFound>> {
  try {
    const { cloudtrail } = sdk();
    const client = cloudTrailClient(ctx, target, timeoutMs);
    const out = await client.send(new cloudtrail.GetTrailStatusCommand({ Name: nameOrArn }), { abortSignal: signal });
    if (typeof out.IsLogging !== "boolean") {
      return failure("malformed-reply", "IsLogging is missing or not a boolean");
    }
    return success({
      found: true,
      isLogging: out.IsLogging,
      latestDeliveryError: optionalString(out.LatestDeliveryError),
      latestDigestDeliveryError: optionalString(out.LatestDigestDeliveryError),
      latestNotificationError: optionalString(out.LatestNotificationError),
      latestCloudWatchLogsDeliveryError: optionalString(out.LatestCloudWatchLogsDeliveryError),
      latestDeliveryTime: time(out.LatestDeliveryTime),
      latestCloudWatchLogsDeliveryTime: time(out.LatestCloudWatchLogsDeliveryTime),
      startLoggingTime: time(out.StartLoggingTime),
      stopLoggingTime: time(out.StopLoggingTime),
    });
  } catch (e) {
    if (errorName(e) === "TrailNotFoundException") {
      return confirmNotFound(ctx, target, "trail", quote(errorMessage(e)), timeoutMs, signal);
    }
    return { ok: false, failure: classifyAt(e, target.region) };
  }
}

const EXPECTED_TEXT = {
  arn: (what: string) => `the ${what} belongs to`,
  allowed: () => "the provider's allowedAccountIds allow only",
  role: () => "the provider assumes a role in",
} as const;

/**
 * A "not found" is believed only once the answering identity is known (sts:GetCallerIdentity, once per
 * credential set per round) and is in the account the resource must be in; otherwise the check is
 * undetermined, naming both accounts.
 */
async function confirmNotFound(
  ctx: RoundContext,
  target: AwsTarget,
  what: "recorder" | "trail",
  detail: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<NotFound>> {
  const who = await callerIdentity(ctx, target, timeoutMs, signal);
  if (!who.ok) {
    const f = who.failure;
    return {
      ok: false,
      failure: {
        ...f,
        detail: `the service says the ${what} does not exist (${detail}), but sts:GetCallerIdentity could not confirm which account answered: ${f.detail}`,
      },
    };
  }
  const { account, arn } = who.value;
  const expected = target.expectedAccounts;
  if (expected && !expected.accounts.includes(account)) {
    return failure(
      "wrong-account",
      `called as ${account} (${quote(arn)}); ${EXPECTED_TEXT[expected.kind](what)} ${expected.accounts.join(", ")}. ` +
        `The answer "${detail}" comes from another account and says nothing about this ${what}`,
    );
  }
  return success({ found: false, detail: `${detail}; answered by account ${account}`, account });
}

/** One Config client per region, endpoint and credentials per round, shared by every module that calls Config. */
export function configClient(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
): InstanceType<ConfigModule["ConfigServiceClient"]> {
  return serviceClient(ctx, "config", target, (c) => new (sdk().config.ConfigServiceClient)(c), timeoutMs);
}

/** One CloudTrail client per region, endpoint and credentials per round. */
export function cloudTrailClient(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
): InstanceType<CloudTrailModule["CloudTrailClient"]> {
  return serviceClient(ctx, "cloudtrail", target, (c) => new (sdk().cloudtrail.CloudTrailClient)(c), timeoutMs);
}

function serviceClient<C extends { destroy(): void }>(
  ctx: RoundContext,
  service: string,
  target: AwsTarget,
  make: (config: ReturnType<typeof clientConfig>) => C,
  timeoutMs: number,
): C {
  return memoClient(ctx, `aws:${service}:${target.region}:${target.endpoint ?? ""}:${target.credentialsId}`, () =>
    make(clientConfig(ctx, target, target.endpoint, timeoutMs)),
  );
}

/** Service client settings: region, endpoint, the round's request handler, FIPS / dual-stack. */
export function clientConfig(ctx: RoundContext, target: AwsTarget, endpoint: string | undefined, timeoutMs: number) {
  return {
    ...endpointSettings(ctx, target, target.region, endpoint),
    credentials: credentialsProvider(ctx, target, timeoutMs),
    // Retries are made by the round, one rate-limited attempt at a time.
    maxAttempts: 1,
    requestHandler: requestHandler(ctx, target, timeoutMs),
  };
}

/** A trail as DescribeTrails lists it in one region (shadow and organization trails included). */
export interface ListedTrail {
  arn: string;
  name: string;
  homeRegion: string | undefined;
  isMultiRegion: boolean;
  isOrganizationTrail: boolean;
  /**
   * DescribeTrails' HasCustomEventSelectors: false means the trail records what CloudTrail records without
   * selectors (all read and write management events); what a member account can still know of an organization
   * trail whose selectors only the management account may read.
   */
  hasCustomEventSelectors: boolean | undefined;
  /** The CloudWatch Logs destination, if the trail has one (its delivery health is judged only then). */
  cloudWatchLogsLogGroupArn: string | undefined;
}

/** A trail's selectors in the provider's shape (`eventSelectors`, `advancedEventSelectors`). */
export interface TrailSelectors {
  found: true;
  eventSelectors: Plain;
  advancedEventSelectors: Plain;
}

/** A configuration recorder as DescribeConfigurationRecorders describes it. */
export interface DescribedRecorder {
  name: string;
  /** The provider's recordingGroup shape (recordingStrategies and exclusionByResourceTypes as lists). */
  recordingGroup: PlainObject | undefined;
  /** INTERNAL or PAID for service-linked recorders; absent for the customer-managed one. */
  recordingScope: string | undefined;
  servicePrincipal: string | undefined;
}

/** A recorder as ListConfigurationRecorders summarises it. */
export interface RecorderSummary {
  /** Required by the model (botocore config/2014-11-12 ConfigurationRecorderSummary); "" if a reply lacks it. */
  arn: string;
  name: string;
  servicePrincipal: string | undefined;
  recordingScope: string | undefined;
  /** A third-party cloud (AZURE, GCP) whose resources a service-linked recorder records. */
  provider: string | undefined;
}

/**
 * Which recorder a Describe… call reads: none, the customer-managed one; else a service-linked one by ARN (both
 * requests accept `Arn` for any recorder, while `ServicePrincipal` is "only supported for Amazon Web Services
 * service principals": botocore config/2014-11-12), or by service principal when the listing gave no ARN.
 */
export type RecorderSelector = { arn: string } | { servicePrincipal: string } | undefined;

function selectorParams(selector: RecorderSelector): { Arn?: string; ServicePrincipal?: string } {
  if (selector === undefined) return {};
  return "arn" in selector ? { Arn: selector.arn } : { ServicePrincipal: selector.servicePrincipal };
}

/** Every trail that applies to the target's region, its shadow and organization trails included. */
export async function describeTrails(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<ListedTrail[]>> {
  try {
    const { cloudtrail } = sdk();
    const out = await cloudTrailClient(ctx, target, timeoutMs).send(
      new cloudtrail.DescribeTrailsCommand({ includeShadowTrails: true }),
      { abortSignal: signal },
    );
    const list: unknown = out.trailList;
    if (list === undefined) return success([]);
    if (!Array.isArray(list)) return failure("malformed-reply", "trailList is not a list");
    const trails: ListedTrail[] = [];
    for (const t of list) {
      if (!isRecord(t)) return failure("malformed-reply", "trailList has a non-object entry");
      const arn = optionalString(t["TrailARN"]);
      if (!arn) return failure("malformed-reply", "a trail has no TrailARN");
      trails.push({
        arn,
        name: optionalString(t["Name"]) ?? arn,
        homeRegion: optionalString(t["HomeRegion"]),
        isMultiRegion: t["IsMultiRegionTrail"] === true,
        isOrganizationTrail: t["IsOrganizationTrail"] === true,
        hasCustomEventSelectors:
          typeof t["HasCustomEventSelectors"] === "boolean" ? t["HasCustomEventSelectors"] : undefined,
        cloudWatchLogsLogGroupArn: optionalString(t["CloudWatchLogsLogGroupArn"]),
      });
    }
    return success(trails);
  } catch (e) {
    return { ok: false, failure: classifyAt(e, target.region) };
  }
}

/**
 * A trail's event selectors, by ARN (call it in the trail's home region). Asked only of the trail's own
 * account: any error (TrailNotFoundException for a trail deleted since it was listed, CloudTrailARNInvalidException)
 * is a failed read, never "selectors unknown, assume the default".
 */
export async function getEventSelectors(
  ctx: RoundContext,
  target: AwsTarget,
  arn: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<TrailSelectors>> {
  try {
    const { cloudtrail } = sdk();
    const out = await cloudTrailClient(ctx, target, timeoutMs).send(
      new cloudtrail.GetEventSelectorsCommand({ TrailName: arn }),
      { abortSignal: signal },
    );
    const classic: unknown = out.EventSelectors;
    const advanced: unknown = out.AdvancedEventSelectors;
    if (classic !== undefined && !Array.isArray(classic))
      return failure("malformed-reply", "EventSelectors is not a list");
    if (advanced !== undefined && !Array.isArray(advanced)) {
      return failure("malformed-reply", "AdvancedEventSelectors is not a list");
    }
    return success({
      found: true,
      eventSelectors: (classic ?? []).filter(isRecord).map((s): PlainObject => ({
        readWriteType: str(s["ReadWriteType"]),
        includeManagementEvents:
          typeof s["IncludeManagementEvents"] === "boolean" ? s["IncludeManagementEvents"] : null,
        excludeManagementEventSources: strings(s["ExcludeManagementEventSources"]),
      })),
      advancedEventSelectors: (advanced ?? []).filter(isRecord).map((s): PlainObject => ({
        name: str(s["Name"]),
        fieldSelectors: (Array.isArray(s["FieldSelectors"]) ? s["FieldSelectors"] : [])
          .filter(isRecord)
          .map((f): PlainObject => ({
            field: str(f["Field"]),
            equals: strings(f["Equals"]),
            notEquals: strings(f["NotEquals"]),
            startsWiths: strings(f["StartsWith"]),
            notStartsWiths: strings(f["NotStartsWith"]),
            endsWiths: strings(f["EndsWith"]),
            notEndsWiths: strings(f["NotEndsWith"]),
          })),
      })),
    });
  } catch (e) {
    return { ok: false, failure: classifyAt(e, target.region) };
  }
}

/** Recorders in the target's region: the customer-managed one without a selector, else the service's. */
export async function describeRecorders(
  ctx: RoundContext,
  target: AwsTarget,
  selector: RecorderSelector,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<DescribedRecorder[]>> {
  try {
    const { config } = sdk();
    const out = await configClient(ctx, target, timeoutMs).send(
      new config.DescribeConfigurationRecordersCommand(selectorParams(selector)),
      { abortSignal: signal },
    );
    const list: unknown = out.ConfigurationRecorders;
    if (list === undefined) return success([]);
    if (!Array.isArray(list) || !list.every(isRecord)) {
      return failure("malformed-reply", "ConfigurationRecorders is not a list of objects");
    }
    return success(
      list.map((r) => ({
        name: optionalString(r["name"]) ?? "default",
        recordingGroup: isRecord(r["recordingGroup"]) ? recordingGroup(r["recordingGroup"]) : undefined,
        recordingScope: optionalString(r["recordingScope"])?.toUpperCase(),
        servicePrincipal: optionalString(r["servicePrincipal"]),
      })),
    );
  } catch (e) {
    if (errorName(e) === "NoSuchConfigurationRecorderException") return success([]);
    return { ok: false, failure: classifyAt(e, target.region) };
  }
}

/** Recorder statuses in the target's region: the customer-managed recorder's without a selector, else the service's. */
export async function describeRecorderStatuses(
  ctx: RoundContext,
  target: AwsTarget,
  selector: RecorderSelector,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<RecorderStatus[]>> {
  try {
    const { config } = sdk();
    const out = await configClient(ctx, target, timeoutMs).send(
      new config.DescribeConfigurationRecorderStatusCommand(selectorParams(selector)),
      { abortSignal: signal },
    );
    const list: unknown = out.ConfigurationRecordersStatus;
    if (list === undefined) return success([]);
    if (!Array.isArray(list) || !list.every(isRecord)) {
      return failure("malformed-reply", "ConfigurationRecordersStatus is not a list of objects");
    }
    const statuses: RecorderStatus[] = [];
    for (const s of list) {
      const status = recorderStatusOf(s, optionalString(s["name"]) ?? "default");
      if (!status.ok) return status;
      statuses.push(status.value);
    }
    return success(statuses);
  } catch (e) {
    if (errorName(e) === "NoSuchConfigurationRecorderException") return success([]);
    return { ok: false, failure: classifyAt(e, target.region) };
  }
}

/**
 * ListConfigurationRecorders' page size: the model's MaxResults is an integer of 0 to 20 (botocore
 * config/2014-11-12 service-2.json); 100 was refused with a ValidationException in every region.
 */
export const RECORDER_PAGE_SIZE = 20;
/** Pages followed before a listing counts as malformed (a region has a handful of recorders, 20 a page). */
const MAX_RECORDER_PAGES = 50;

/** Every recorder of the region, service-linked ones included, following NextToken. */
export async function listRecorders(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<RecorderSummary[]>> {
  try {
    const { config } = sdk();
    const summaries: RecorderSummary[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_RECORDER_PAGES; page++) {
      const out = await configClient(ctx, target, timeoutMs).send(
        new config.ListConfigurationRecordersCommand({
          MaxResults: RECORDER_PAGE_SIZE,
          ...(token ? { NextToken: token } : {}),
        }),
        { abortSignal: signal },
      );
      const list: unknown = out.ConfigurationRecorderSummaries ?? [];
      if (!Array.isArray(list) || !list.every(isRecord)) {
        return failure("malformed-reply", "ConfigurationRecorderSummaries is not a list of objects");
      }
      for (const r of list) {
        summaries.push({
          arn: optionalString(r["arn"]) ?? "",
          name: optionalString(r["name"]) ?? "",
          servicePrincipal: optionalString(r["servicePrincipal"]),
          recordingScope: optionalString(r["recordingScope"])?.toUpperCase(),
          provider: optionalString(r["provider"]),
        });
      }
      const next = optionalString(out.NextToken);
      // A repeated token would loop forever: the listing is not what the API promises.
      if (next !== undefined && next === token) return failure("malformed-reply", "NextToken repeats itself");
      token = next;
      if (!token) return success(summaries);
    }
    return failure("malformed-reply", `ListConfigurationRecorders had more than ${MAX_RECORDER_PAGES} pages`);
  } catch (e) {
    return { ok: false, failure: classifyAt(e, target.region) };
  }
}

/** The API's recordingGroup in the provider's shape, for recordingScope() of aws-config-recorder-declared. */
function recordingGroup(g: Record<string, unknown>): PlainObject {
  const exclusion = isRecord(g["exclusionByResourceTypes"]) ? g["exclusionByResourceTypes"] : undefined;
  const strategy = isRecord(g["recordingStrategy"]) ? g["recordingStrategy"] : undefined;
  return {
    allSupported: typeof g["allSupported"] === "boolean" ? g["allSupported"] : null,
    includeGlobalResourceTypes:
      typeof g["includeGlobalResourceTypes"] === "boolean" ? g["includeGlobalResourceTypes"] : null,
    resourceTypes: strings(g["resourceTypes"]),
    exclusionByResourceTypes: exclusion ? [{ resourceTypes: strings(exclusion["resourceTypes"]) }] : [],
    recordingStrategies: strategy ? [{ useOnly: str(strategy["useOnly"]) }] : [],
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((e): e is string => typeof e === "string") : [];
}
function time(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
  if (typeof v === "number" && Number.isFinite(v)) return v * 1000;
  return undefined;
}

/** One entry of ConfigurationRecordersStatus as facts; a reply without `recording` is malformed, never "stopped". */
function recorderStatusOf(s: Record<string, unknown>, name: string): Outcome<RecorderStatus> {
  const recording = s["recording"];
  if (typeof recording !== "boolean") return failure("malformed-reply", "recording is missing or not a boolean");
  const lastStatus = s["lastStatus"];
  if (lastStatus !== undefined && typeof lastStatus !== "string") {
    return failure("malformed-reply", "lastStatus is not a string");
  }
  return success({
    found: true,
    name,
    recording,
    lastStatus: lastStatus?.toUpperCase(),
    lastErrorCode: optionalString(s["lastErrorCode"]),
    lastErrorMessage: optionalString(s["lastErrorMessage"]),
    lastStartTime: time(s["lastStartTime"]),
    lastStopTime: time(s["lastStopTime"]),
    lastStatusChangeTime: time(s["lastStatusChangeTime"]),
  });
}
