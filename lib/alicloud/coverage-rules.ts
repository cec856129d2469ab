// The Alibaba Cloud account-coverage rules: pure judges over the facts the calls return (lib/alicloud/sdk.ts),
// deciding whether an ActionTrail trail covers a region and whether the account's Cloud Config recorder covers
// the account. The planning, calls and verdict assembly are lib/alicloud/coverage.ts's and lib/live/coverage.ts's.

import type { Judgement } from "../live/coverage";
import { quote } from "../redact";
import type { AliListedTrail, AliNotFound, AliRecorder, AliTrailStatus } from "./sdk";

export type { Judgement } from "../live/coverage";

// ---- pure rules ----------------------------------------------------------------------------------

/** Does this listed trail cover `region`? Scope and EventRW from the listing, IsLogging from GetTrailStatus. */
export function aliTrailCovers(
  region: string,
  trail: AliListedTrail,
  status: AliTrailStatus | AliNotFound | undefined,
): Judgement {
  const label = `trail '${trail.name}'${trail.isOrganizationTrail ? " (organization trail)" : ""}`;
  const scope = trail.trailRegion ?? trail.homeRegion;
  if (!trailRegionsOf(scope).some((r) => r === "All" || r === region))
    return { covers: false, why: `${label} covers only ${scope ?? "an unknown region"}` };
  if (trail.eventRw !== "All")
    return { covers: false, why: `${label} records only ${trail.eventRw ?? "unknown"} events` };
  if (!status) return { covers: false, why: `${label}: its status is unknown` };
  if (!status.found) return { covers: false, why: `${label} was not found by GetTrailStatus (${status.detail})` };
  if (status.isLogging !== true) {
    return { covers: false, why: `${label} is not logging${trail.status ? ` (status ${trail.status})` : ""}` };
  }
  const failing = failingDestinations(trail, status);
  if (failing.length > 0) return { covers: false, why: `${label} is logging but ${failing.join(" and ")}` };
  return { covers: true, by: `${label} (TrailRegion ${scope}, home ${trail.homeRegion ?? "unknown"})` };
}

/**
 * The regions a TrailRegion names. The API model types it as one string ("All" or a region id), while an older
 * DescribeTrails document calls it "the one or more regions from which the trail delivers events": a
 * comma-separated list is read as its regions, so a listed region is covered and no other.
 */
export function trailRegionsOf(trailRegion: string | undefined): string[] {
  return (trailRegion ?? "")
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
}

/**
 * The trail's destinations that cannot take its events, each judged on its own fields as
 * alicloud-actiontrail-trail-logging judges them: the last failed delivery (LatestDeliveryError), OSS
 * (OssBucketStatus false when it has a bucket) and SLS (LatestDeliveryLogServiceError; SlsLogStoreStatus false when it has a project). A failing
 * destination loses events however healthy the other is. The availability flags count only for destinations
 * the listing names: the API does not say what they read as for a destination the trail does not have.
 */
function failingDestinations(trail: AliListedTrail, s: AliTrailStatus): string[] {
  const out: string[] = [];
  // ActionTrail documents LatestDeliveryError as the log of the last failed delivery, not as OSS's (its example is
  // an SLS error): said as what it is, whichever destination it came from.
  if (s.latestDeliveryError) out.push(`its last delivery failed (LatestDeliveryError=${quote(s.latestDeliveryError)})`);
  else if (trail.ossBucketName && s.ossBucketStatus === false) {
    out.push(`its OSS bucket '${trail.ossBucketName}' is unavailable (OssBucketStatus=false)`);
  }
  if (s.latestDeliveryLogServiceError) {
    out.push(`its SLS delivery fails (LatestDeliveryLogServiceError=${quote(s.latestDeliveryLogServiceError)})`);
  } else if (trail.slsProjectArn && s.slsLogStoreStatus === false) {
    out.push("its SLS Logstore is unavailable (SlsLogStoreStatus=false)");
  }
  return out;
}

export const TRANSITIONAL = new Set(["BUILDING", "REBUILDING"]);

/** Does the account's Cloud Config recorder cover it? `sinceMs`: when its transitional state was first seen. */
export function aliRecorderCovers(
  rec: AliRecorder | AliNotFound,
  rules: { pendingGraceMinutes: number; requiredResourceTypes: readonly string[] },
  sinceMs: number,
  nowMs: number,
): Judgement {
  if (!rec.found) return { covers: false, why: `Cloud Config is not enabled for the account (${rec.detail})` };
  if (rec.status === "REGISTRABLE") return { covers: false, why: "the recorder is not enabled (status REGISTRABLE)" };
  if (TRANSITIONAL.has(rec.status) && nowMs - sinceMs > rules.pendingGraceMinutes * 60_000) {
    return {
      covers: false,
      why: `the recorder has been ${rec.status} since at least ${new Date(sinceMs).toISOString()}`,
    };
  }
  if (!TRANSITIONAL.has(rec.status) && rec.status !== "REGISTERED") {
    return { covers: false, why: `the recorder reports an unrecognised status ${rec.status}` };
  }
  const monitored = rec.resourceTypes ?? [];
  if (monitored.length > 0) {
    const missing = rules.requiredResourceTypes.filter((t) => !monitored.includes(t));
    if (missing.length > 0) return { covers: false, why: `the recorder does not monitor ${missing.join(", ")}` };
  }
  return { covers: true, by: `the account's Cloud Config recorder (${rec.status})` };
}
