// A plain, unknown-safe view of the resources a stack policy receives, limited to what auditguard
// reads. Only resources of the types below are converted, so a large stack with nothing to check
// costs one pass over type strings.

import { createHash } from "node:crypto";
import type { PolicyResource } from "@pulumi/policy";
import { isDryRun, packageConfig } from "./engine";
import { knownStr, field, type PlainObject, plainField, toPlain, UNKNOWN } from "./plain";

export const TYPES = {
  awsRecorder: "aws:cfg/recorder:Recorder",
  awsRecorderStatus: "aws:cfg/recorderStatus:RecorderStatus",
  awsDeliveryChannel: "aws:cfg/deliveryChannel:DeliveryChannel",
  awsTrail: "aws:cloudtrail/trail:Trail",
  // The AWS Cloud Control provider's resources (lib/aws/native.ts reads them in the classic shape).
  awsNativeTrail: "aws-native:cloudtrail:Trail",
  awsNativeRecorder: "aws-native:configuration:ConfigurationRecorder",
  aliRecorder: "alicloud:cfg/configurationRecorder:ConfigurationRecorder",
  aliTrail: "alicloud:actiontrail/trail:Trail",
  aliTrailDeprecated: "alicloud:actiontrail/trailDeprecated:TrailDeprecated",
} as const;

const WANTED: ReadonlySet<string> = new Set(Object.values(TYPES));

export interface ProviderView {
  urn: string;
  name: string;
  type: string;
  props: PlainObject;
}

export interface ResourceView {
  urn: string;
  name: string;
  type: string;
  props: PlainObject;
  provider: ProviderView | undefined;
  /** Exists in the cloud (not a resource still to be created in this preview). */
  exists: boolean;
  /**
   * The account the entry stands for when the pack decides it (a coverage target, lib/live/sweep.ts): the audit
   * role is built for it and its calls are about it, whatever account the provider's own credentials name.
   */
  account?: string;
}

/** Where the stack deploys AWS resources: a package and the region its resources name, if they name one. */
export interface AwsSite {
  pkg: "aws" | "aws-native";
  /** The resource's own `region`, else its provider's; undefined = the package's default region. */
  region: string | undefined;
}

/**
 * Where a stack deploys, per cloud: one representative per distinct (provider, region setting), carrying only
 * the resource's own region field (AWS `region`, Alibaba `regionId`) and its provider, so the per-resource
 * routing (regionOf, resolveTarget, aliRegionOf, aliResolveTarget) applies to it unchanged.
 */
export interface Footprint {
  aws: readonly ResourceView[];
  alicloud: readonly ResourceView[];
}

/**
 * Accounts and regions swept beyond the stack's own (auditguard-live-verification `coverageTargets`,
 * lib/live/sweep.ts): their entries are in `footprint` already; `unreached` are targets no identity can reach.
 */
export interface SweepView {
  aws: number;
  alicloud: number;
  unreached: readonly import("./live/sweep").UnreachedTargets[];
}

export interface StackView {
  resources: readonly ResourceView[];
  /** Absent in views built by hand (tests): then nothing is known about where the stack deploys. */
  footprint?: Footprint;
  /** The stack deploys resources of the package (provider resources themselves excluded); aws includes aws-native. */
  deploys: { aws: boolean; alicloud: boolean };
  /** Coverage targets beyond the stack's own footprint (absent: none). */
  sweep?: SweepView;
  /** Each distinct place the stack deploys AWS resources to (absent in hand-built views: not known). */
  awsSites?: readonly AwsSite[];
  dryRun: boolean;
  /** Identifies the live-relevant content, so a shared round is reused only for the same stack. */
  fingerprint: string;
}

/** `sweep`: coverage targets added to the footprint after the stack's own places (lib/live/sweep.ts sweepOf). */
export function viewOf(
  resources: readonly PolicyResource[],
  sweep?: { aws: readonly ResourceView[]; alicloud: readonly ResourceView[]; unreached: SweepView["unreached"] },
): StackView {
  const dryRun = isDryRun();
  const providers = new Map<string, ProviderView>();
  const out: ResourceView[] = [];
  const sites = new Map<string, AwsSite>();
  let alicloud = false;
  const placements = { aws: new Map<string, ResourceView>(), alicloud: new Map<string, ResourceView>() };
  for (const r of resources) {
    const type = typeof r.type === "string" ? r.type : "";
    const awsPkg = type.startsWith("aws:") ? "aws" : type.startsWith("aws-native:") ? "aws-native" : undefined;
    if (awsPkg) noteSite(sites, awsPkg, r, providers);
    if (!alicloud && type.startsWith("alicloud:")) alicloud = true;
    // aws-native deploys to AWS too: its regions count for coverage (lib/aws/coverage.ts routes its entries).
    const cloud = awsPkg ? "aws" : type.startsWith("alicloud:") ? "alicloud" : undefined;
    if (cloud) place(r, type, cloud, placements[cloud], providers);
    if (!WANTED.has(type)) continue;
    const props = asObject(toPlain(r.props));
    out.push({
      urn: String(r.urn),
      name: String(r.name),
      type,
      props,
      provider: providerOf(r, providers),
      exists: existsInCloud(props, dryRun),
    });
  }
  const footprint: Footprint = {
    aws: [...placements.aws.values(), ...(sweep?.aws ?? [])],
    alicloud: [...placements.alicloud.values(), ...(sweep?.alicloud ?? [])],
  };
  const swept = sweep && (sweep.aws.length || sweep.alicloud.length || sweep.unreached.length);
  return {
    resources: out,
    footprint,
    deploys: { aws: sites.size > 0, alicloud },
    ...(swept ? { sweep: { aws: sweep.aws.length, alicloud: sweep.alicloud.length, unreached: sweep.unreached } } : {}),
    awsSites: [...sites.values()],
    dryRun,
    fingerprint: fingerprintOf(
      [...out, ...footprint.aws, ...footprint.alicloud],
      dryRun,
      sweep?.unreached.length ? JSON.stringify(sweep.unreached) : "",
    ),
  };
}

function noteSite(
  sites: Map<string, AwsSite>,
  pkg: AwsSite["pkg"],
  r: PolicyResource,
  providers: Map<string, ProviderView>,
): void {
  const region = ownRegion(r) ?? knownStr(field(providerOf(r, providers)?.props ?? {}, "region"));
  const key = `${pkg}|${region ?? ""}`;
  if (!sites.has(key)) sites.set(key, { pkg, region });
}

/** A resource's own known `region` (aws v7 resources have one), read without converting all its props. */
function ownRegion(r: PolicyResource): string | undefined {
  try {
    const v: unknown = (r.props as Record<string, unknown>)["region"];
    return typeof v === "string" ? knownStr(toPlain(v)) : undefined;
  } catch {
    return undefined; // an unknown region (preview) throws from the engine's proxy
  }
}

const REGION_FIELD = { aws: "region", alicloud: "regionId" } as const;

/** Records where one resource deploys, reading nothing but its region field and its provider. */
function place(
  r: PolicyResource,
  type: string,
  cloud: "aws" | "alicloud",
  into: Map<string, ResourceView>,
  providers: Map<string, ProviderView>,
): void {
  const key = REGION_FIELD[cloud];
  // aws-native resources have no region of their own (Cloud Control acts in the provider's region); a property
  // named `region` there is the resource's own data, not where it is deployed.
  const native = type.startsWith("aws-native:");
  const region = native ? null : plainField(r.props, key);
  const provider = providerOf(r, providers);
  const id = `${native ? "aws-native|" : ""}${provider?.urn ?? "-"}|${region === UNKNOWN ? "<unknown>" : JSON.stringify(region)}`;
  if (into.has(id)) return;
  into.set(id, {
    urn: String(r.urn),
    name: String(r.name),
    type,
    props: region === null ? {} : { [key]: region },
    provider,
    exists: true,
  });
}

function providerOf(r: PolicyResource, cache: Map<string, ProviderView>): ProviderView | undefined {
  let p: PolicyResource["provider"];
  try {
    p = r.provider;
  } catch {
    return undefined;
  }
  if (!p) return undefined;
  const urn = String(p.urn);
  let view = cache.get(urn);
  if (!view) {
    view = { urn, name: String(p.name), type: String(p.type), props: asObject(toPlain(p.props)) };
    cache.set(urn, view);
  }
  return view;
}

function asObject(v: ReturnType<typeof toPlain>): PlainObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
}

/**
 * A resource exists when its `id` output is known. During preview a resource being created has no
 * known id; after an update every resource in the state exists.
 */
function existsInCloud(props: PlainObject, dryRun: boolean): boolean {
  if (knownStr(field(props, "id"))) return true;
  return !dryRun;
}

function fingerprintOf(resources: readonly ResourceView[], dryRun: boolean, extra = ""): string {
  const h = createHash("sha256");
  h.update(dryRun ? "preview" : "update");
  h.update(extra);
  for (const r of resources) {
    h.update(r.urn);
    h.update(JSON.stringify(r.props, replacer));
    h.update(r.provider ? JSON.stringify(r.provider.props, replacer) : "-");
  }
  return h.digest("hex");
}

function replacer(_key: string, value: unknown): unknown {
  return value === UNKNOWN ? "<unknown>" : value;
}

export function ofType(view: StackView, type: string): ResourceView[] {
  return view.resources.filter((r) => r.type === type);
}

/** The resource's provider props; without a provider reference, the package's stack config (a default provider's). */
export function providerPropsOf(r: ResourceView, pkg: "aws" | "alicloud"): PlainObject {
  return r.provider ? r.provider.props : packageConfig(pkg);
}
