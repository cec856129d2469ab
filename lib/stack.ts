// A plain, unknown-safe view of the resources a stack policy receives, limited to what auditguard
// reads. Only resources of the types below are converted, so a large stack with nothing to check
// costs one pass over type strings.

import { createHash } from "node:crypto";
import type { PolicyResource } from "@pulumi/policy";
import { isDryRun, packageConfig } from "./engine";
import { knownStr, field, type PlainObject, toPlain, UNKNOWN } from "./plain";

export const TYPES = {
  awsRecorder: "aws:cfg/recorder:Recorder",
  awsRecorderStatus: "aws:cfg/recorderStatus:RecorderStatus",
  awsDeliveryChannel: "aws:cfg/deliveryChannel:DeliveryChannel",
  awsTrail: "aws:cloudtrail/trail:Trail",
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
}

export interface StackView {
  resources: readonly ResourceView[];
  /** The stack deploys resources of the package (provider resources themselves excluded). */
  deploys: { aws: boolean; alicloud: boolean };
  dryRun: boolean;
  /** Identifies the live-relevant content, so a shared round is reused only for the same stack. */
  fingerprint: string;
}

export function viewOf(resources: readonly PolicyResource[]): StackView {
  const dryRun = isDryRun();
  const providers = new Map<string, ProviderView>();
  const out: ResourceView[] = [];
  let aws = false;
  let alicloud = false;
  for (const r of resources) {
    const type = typeof r.type === "string" ? r.type : "";
    if (!aws && type.startsWith("aws:")) aws = true;
    if (!alicloud && type.startsWith("alicloud:")) alicloud = true;
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
  return { resources: out, deploys: { aws, alicloud }, dryRun, fingerprint: fingerprintOf(out, dryRun) };
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

function fingerprintOf(resources: readonly ResourceView[], dryRun: boolean): string {
  const h = createHash("sha256");
  h.update(dryRun ? "preview" : "update");
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
