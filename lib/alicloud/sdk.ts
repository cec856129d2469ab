// Alibaba Cloud replies as plain facts: Cloud Config GetConfigurationRecorder (2020-09-07), ActionTrail
// GetTrailStatus and DescribeTrails (2020-07-06, shadow and organization trails), read-only, through the official
// generic OpenAPI runtime (./transport) with the target's credentials (./identity). Loaded on first use only.

import { errorCode, errorMessage, optionalString } from "../live/errors";
import { failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { quote } from "../redact";
import { aliCall } from "./identity";
import type { AliTarget } from "./target";
import { classifyAli } from "./transport";

export { aliCall } from "./identity";
export { ALI_RESOURCE_DIRECTORY_DENIED, classifyAli } from "./transport";

export interface AliRecorder {
  found: true;
  /** REGISTRABLE | BUILDING | REGISTERED | REBUILDING (upper-cased). */
  status: string;
  resourceTypes: string[] | undefined;
}
export interface AliTrailStatus {
  found: true;
  isLogging: boolean | undefined;
  latestDeliveryError: string | undefined;
  latestDeliveryLogServiceError: string | undefined;
  latestDeliveryTime: number | undefined;
  latestDeliveryLogServiceTime: number | undefined;
  startLoggingTime: number | undefined;
  stopLoggingTime: number | undefined;
  /** The OSS bucket / SLS Logstore the trail delivers to is available (API: true available, false unavailable). */
  ossBucketStatus: boolean | undefined;
  slsLogStoreStatus: boolean | undefined;
}
export interface AliNotFound {
  found: false;
  detail: string;
}

export async function getConfigurationRecorder(
  ctx: RoundContext,
  target: AliTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<AliRecorder | AliNotFound>> {
  try {
    const body = await aliCall(
      ctx,
      target,
      { action: "GetConfigurationRecorder", version: "2020-09-07" },
      {},
      timeoutMs,
      signal,
    );
    const rec = body["ConfigurationRecorder"];
    if (!rec || typeof rec !== "object") return failure("malformed-reply", "ConfigurationRecorder is missing");
    const r = rec as Record<string, unknown>;
    const status = r["ConfigurationRecorderStatus"];
    if (typeof status !== "string" || status === "")
      return failure("malformed-reply", "ConfigurationRecorderStatus is missing or not a string");
    const types = r["ResourceTypes"];
    let resourceTypes: string[] | undefined;
    if (Array.isArray(types)) resourceTypes = types.filter((t): t is string => typeof t === "string");
    else if (typeof types === "string")
      resourceTypes = types
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean);
    else if (types !== undefined && types !== null) return failure("malformed-reply", "ResourceTypes is not a list");
    return success({ found: true, status: status.toUpperCase(), resourceTypes });
  } catch (e) {
    // The service answers AccountNotExisted when Cloud Config was never enabled for the account.
    if (errorCode(e) === "AccountNotExisted") return success({ found: false, detail: quote(errorMessage(e)) });
    return { ok: false, failure: classifyAli(e) };
  }
}

export async function getTrailStatus(
  ctx: RoundContext,
  target: AliTarget,
  name: string,
  organizationTrail: boolean,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<AliTrailStatus | AliNotFound>> {
  try {
    const body = await aliCall(
      ctx,
      target,
      { action: "GetTrailStatus", version: "2020-07-06" },
      { Name: name, IsOrganizationTrail: String(organizationTrail) },
      timeoutMs,
      signal,
    );
    // The one fact asked for: a reply without it is not "not logging" but undetermined.
    const isLogging = toBool(body["IsLogging"]);
    if (isLogging === undefined) return failure("malformed-reply", "IsLogging is missing from the reply");
    if (isLogging === null) return failure("malformed-reply", "IsLogging is not a boolean");
    return success({
      found: true,
      isLogging,
      latestDeliveryError: optionalString(body["LatestDeliveryError"]),
      latestDeliveryLogServiceError: optionalString(body["LatestDeliveryLogServiceError"]),
      latestDeliveryTime: parseAliTime(body["LatestDeliveryTime"]),
      latestDeliveryLogServiceTime: parseAliTime(body["LatestDeliveryLogServiceTime"]),
      startLoggingTime: parseAliTime(body["StartLoggingTime"]),
      stopLoggingTime: parseAliTime(body["StopLoggingTime"]),
      ossBucketStatus: toBool(body["OssBucketStatus"]) ?? undefined,
      slsLogStoreStatus: toBool(body["SlsLogStoreStatus"]) ?? undefined,
    });
  } catch (e) {
    if (/^TrailNotFound/.test(errorCode(e))) return success({ found: false, detail: quote(errorMessage(e)) });
    return { ok: false, failure: classifyAli(e) };
  }
}

/** Times arrive as epoch milliseconds ("1547792223000"), epoch seconds, or ISO 8601 ("2021-02-26T09:19:44Z"). */
export function parseAliTime(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number" || (typeof v === "string" && /^\d+(\.\d+)?$/.test(v.trim()))) {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    return n < 1e11 ? n * 1000 : n; // seconds before ~5138 AD vs milliseconds
  }
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function toBool(v: unknown): boolean | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return null;
}

/** A trail as DescribeTrails lists it in one region. */
export interface AliListedTrail {
  name: string;
  homeRegion: string | undefined;
  /** "All", a region id, or (older API documents: "the one or more regions") a comma-separated list of them. */
  trailRegion: string | undefined;
  /** Read, Write or All. */
  eventRw: string | undefined;
  /** Enable, Disable or Fresh (created, never started). */
  status: string | undefined;
  isOrganizationTrail: boolean;
  /** The trail's delivery destinations, as listed (their health is judged only for the ones it has). */
  ossBucketName: string | undefined;
  slsProjectArn: string | undefined;
}

/** DescribeTrails with shadow trails, and with or without organization (multi-account) trails. */
export async function describeAliTrails(
  ctx: RoundContext,
  target: AliTarget,
  timeoutMs: number,
  signal: AbortSignal,
  includeOrganizationTrail = true,
): Promise<Outcome<AliListedTrail[]>> {
  try {
    const body = await aliCall(
      ctx,
      target,
      { action: "DescribeTrails", version: "2020-07-06" },
      { IncludeShadowTrails: "true", IncludeOrganizationTrail: String(includeOrganizationTrail) },
      timeoutMs,
      signal,
    );
    const list = body["TrailList"];
    if (list === undefined || list === null) return success([]);
    if (!Array.isArray(list)) return failure("malformed-reply", "TrailList is not a list");
    const trails: AliListedTrail[] = [];
    for (const t of list as unknown[]) {
      if (!t || typeof t !== "object") return failure("malformed-reply", "TrailList has a non-object entry");
      const r = t as Record<string, unknown>;
      const name = r["Name"];
      if (typeof name !== "string" || name === "") return failure("malformed-reply", "a trail has no Name");
      const s = (k: string): string | undefined =>
        typeof r[k] === "string" && r[k] !== "" ? (r[k] as string) : undefined;
      trails.push({
        name,
        homeRegion: s("HomeRegion"),
        trailRegion: s("TrailRegion"),
        eventRw: s("EventRW"),
        status: s("Status"),
        isOrganizationTrail: r["IsOrganizationTrail"] === true || r["IsOrganizationTrail"] === "true",
        ossBucketName: s("OssBucketName"),
        slsProjectArn: s("SlsProjectArn"),
      });
    }
    return success(trails);
  } catch (e) {
    return { ok: false, failure: classifyAli(e) };
  }
}
