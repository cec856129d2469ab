// Alibaba Cloud I/O for account coverage: ActionTrail DescribeTrails (2020-07-06) with shadow and
// organization trails, turned into plain facts. Read-only; loaded on first use.

import { failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { aliCall, classifyAli } from "./sdk";
import type { AliTarget } from "./target";

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
