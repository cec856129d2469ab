// `start`: plan a start for each stopped recorder or trail that the stack declares on, print the plan, and
// only with --yes call the start action and poll the status (with the pack's own read adapters) until it is
// healthy or the deadline passes. Nothing declared off on purpose is started, and nothing unplanned.

import { type AliCredentialSpec, type AliTarget, aliResolveTarget, parseEndpoint } from "../lib/alicloud/target";
import * as aliStart from "../lib/alicloud/start";
import type { AliNotFound, AliRecorder, AliTrailStatus } from "../lib/alicloud/sdk";
import { aliRecorderKind, aliTrailKind } from "../lib/alicloud/kinds";
import * as awsStart from "../lib/aws/start";
import type { NotFound, RecorderStatus, TrailStatus } from "../lib/aws/sdk";
import { awsRecorderKind, awsTrailKind } from "../lib/aws/kinds";
import { type AwsCredentialSpec, type AwsService, type AwsTarget, resolveTarget } from "../lib/aws/target";
import { DeadlineExceeded, withDeadline } from "../lib/live/deadline";
import { failure, FAILURE_TEXT, type Outcome } from "../lib/live/outcome";
import { type LiveEntry, RoundContext } from "../lib/live/round";
import type { StartAction, StartFailure, StartResult } from "../lib/live/start";
import { bool, field, knownStr, type PlainObject } from "../lib/plain";
import { redact } from "../lib/redact";
import { ofType, type ResourceView, type StackView, TYPES } from "../lib/stack";
import { rowOf, stateOf, type StatusRow } from "./live";
import type { Progress } from "./progress";
import type { ConfigOf } from "./state";

export interface PlannedStart {
  row: StatusRow;
  cloud: "aws" | "alicloud";
  api: StartAction;
  /** Who the call is made as and where it goes, for the plan: the same target the status read used. */
  via: { identity: string; endpoint: string };
  /** One start attempt. */
  start(ctx: RoundContext, signal: AbortSignal): Promise<StartResult>;
  /** One status read, with the pack's read adapter. */
  read(ctx: RoundContext, signal: AbortSignal): Promise<Outcome<unknown>>;
  /** The read value shows it started (recording, logging, REGISTERED). */
  started(value: unknown): boolean;
  entry: LiveEntry<unknown>;
  resource: ResourceView | undefined;
  /** The stack it was planned in: its new state is judged in it, as the policy would. */
  view: StackView;
}

export interface NotPlanned {
  row: StatusRow;
  why: string;
}

export interface StartPlan {
  planned: PlannedStart[];
  /** Stopped but not planned: declared off on purpose, or nothing a start can fix. */
  skipped: NotPlanned[];
}

export interface Timing {
  /** Deadline of one call (start or read). */
  timeoutMs: number;
  /** Between status reads while waiting. */
  pollIntervalMs: number;
  /** How long to wait for a started resource to become healthy. */
  waitMs: number;
  /** First backoff before retrying a start that failed with a retryable error; doubles. */
  retryBaseMs: number;
  startAttempts: number;
}

export const DEFAULT_TIMING: Timing = {
  timeoutMs: 10_000,
  pollIntervalMs: 5_000,
  waitMs: 300_000,
  retryBaseMs: 1_000,
  startAttempts: 4,
};

type Sdk = typeof import("../lib/aws/sdk");
type AliSdk = typeof import("../lib/alicloud/sdk");

export function planStarts(
  view: StackView,
  entries: readonly LiveEntry<unknown>[],
  rows: readonly StatusRow[],
  inputs: ReadonlyMap<string, PlainObject>,
  timing: Timing,
): StartPlan {
  const byUrn = new Map(view.resources.map((r) => [r.urn, r]));
  const rowByUrn = new Map(rows.map((r) => [`${r.kind}|${r.urn}`, r]));
  const plan: StartPlan = { planned: [], skipped: [] };
  for (const e of entries) {
    const row = rowByUrn.get(`${e.kind}|${e.urn}`);
    const r = byUrn.get(e.urn);
    if (!row || !r || !e.outcome.ok) continue;
    const v = e.outcome.value;
    const declared = inputs.get(r.urn) ?? {};
    const decision = decide(view, e, v, r, declared, inputs, timing);
    if (decision === undefined) continue;
    if ("why" in decision) plan.skipped.push({ row, why: decision.why });
    else plan.planned.push({ ...decision, row, entry: e, resource: r, view });
  }
  return plan;
}

type Decision = Omit<PlannedStart, "row" | "entry" | "resource" | "view"> | { why: string } | undefined;

/** undefined: not stopped (nothing to start). */
function decide(
  view: StackView,
  e: LiveEntry<unknown>,
  value: unknown,
  r: ResourceView,
  declared: PlainObject,
  inputs: ReadonlyMap<string, PlainObject>,
  timing: Timing,
): Decision {
  const t = timing.timeoutMs;
  switch (e.kind) {
    case awsRecorderKind.id: {
      const s = value as RecorderStatus | NotFound;
      if (!s.found || s.recording === true) return undefined;
      const statuses = ofType(view, TYPES.awsRecorderStatus).filter(
        (st) =>
          knownStr(field(inputs.get(st.urn) ?? {}, "name")) === s.name &&
          (knownStr(field(st.props, "region")) ?? e.spec.region) === e.spec.region,
      );
      const enabled = statuses.map((st) => bool(field(inputs.get(st.urn) ?? {}, "isEnabled")));
      if (enabled.some((b) => b === false))
        return { why: "declared off on purpose (its RecorderStatus has isEnabled: false)" };
      if (!enabled.some((b) => b === true))
        return { why: "no aws:cfg/recorderStatus:RecorderStatus with isEnabled: true declares it on" };
      const target = awsTarget(r, "config", e);
      if (typeof target === "string") return { why: target };
      return {
        cloud: "aws",
        api: awsStart.AWS_START_ACTIONS.recorder,
        via: awsVia(target, "config"),
        start: (ctx, signal) => awsStart.startConfigurationRecorder(ctx, target, s.name, t, signal),
        read: (ctx, signal) => awsSdk().describeRecorderStatus(ctx, target, s.name, t, signal),
        started: (v) => (v as RecorderStatus | NotFound).found && (v as RecorderStatus).recording === true,
      };
    }
    case awsTrailKind.id: {
      const s = value as TrailStatus | NotFound;
      if (!s.found || s.isLogging === true) return undefined;
      if (bool(field(declared, "enableLogging")) === false)
        return { why: "declared off on purpose (enableLogging: false)" };
      const target = awsTarget(r, "cloudtrail", e);
      if (typeof target === "string") return { why: target };
      const id = e.spec.target;
      return {
        cloud: "aws",
        api: awsStart.AWS_START_ACTIONS.trail,
        via: awsVia(target, "cloudtrail"),
        start: (ctx, signal) => awsStart.startTrailLogging(ctx, target, id, t, signal),
        read: (ctx, signal) => awsSdk().getTrailStatus(ctx, target, id, t, signal),
        started: (v) => (v as TrailStatus | NotFound).found && (v as TrailStatus).isLogging === true,
      };
    }
    case aliRecorderKind.id: {
      const s = value as AliRecorder | AliNotFound;
      if (!s.found || s.status !== "REGISTRABLE") return undefined;
      const target = aliTarget(r, e);
      if (typeof target === "string") return { why: target };
      return {
        cloud: "alicloud",
        api: aliStart.ALI_START_ACTIONS.recorder,
        via: aliVia(target),
        start: (ctx, signal) => aliStart.startConfigurationRecorder(ctx, target, t, signal),
        read: (ctx, signal) => aliSdk().getConfigurationRecorder(ctx, target, t, signal),
        started: (v) => (v as AliRecorder | AliNotFound).found && (v as AliRecorder).status === "REGISTERED",
      };
    }
    case aliTrailKind.id: {
      const s = value as AliTrailStatus | AliNotFound;
      if (!s.found || s.isLogging === true) return undefined;
      const status = knownStr(field(declared, "status"));
      if (status === "Disable") return { why: 'declared off on purpose (status: "Disable")' };
      if (status !== "Enable")
        return { why: 'not declared logging: declare status: "Enable" (a trail without it can stay Fresh)' };
      const target = aliTarget(r, e);
      if (typeof target === "string") return { why: target };
      const name = e.spec.target;
      const org = bool(field(r.props, "isOrganizationTrail")) === true;
      return {
        cloud: "alicloud",
        api: aliStart.ALI_START_ACTIONS.trail,
        via: aliVia(target),
        start: (ctx, signal) => aliStart.startTrailLogging(ctx, target, name, t, signal),
        read: (ctx, signal) => aliSdk().getTrailStatus(ctx, target, name, org, t, signal),
        started: (v) => (v as AliTrailStatus | AliNotFound).found && (v as AliTrailStatus).isLogging === true,
      };
    }
    default:
      return undefined;
  }
}

function awsSdk(): Sdk {
  return require("../lib/aws/sdk") as Sdk;
}
function aliSdk(): AliSdk {
  return require("../lib/alicloud/sdk") as AliSdk;
}

/** The same target the read was made with: region, endpoint and credentials resolved by the pack's code. */
function awsTarget(r: ResourceView, service: AwsService, e: LiveEntry<unknown>) {
  if (!e.spec.region) return "its region is not known";
  const arn = e.spec.target.startsWith("arn:") ? e.spec.target : undefined;
  const t = resolveTarget(r, service, e.spec.region, arn);
  return t.ok ? t.value : t.why;
}

function aliTarget(r: ResourceView, e: LiveEntry<unknown>) {
  const endpoint = e.spec.endpoint ? parseEndpoint(e.spec.endpoint) : "not known";
  if (typeof endpoint === "string") return `its API endpoint is ${endpoint}`;
  const t = aliResolveTarget(r, endpoint);
  return t.ok ? t.value : t.why;
}

/** An access key id shown so it can be recognised, not used: its first and last four characters. */
function maskKey(id: string): string {
  return id.length > 10 ? `${id.slice(0, 4)}…${id.slice(-4)}` : "…";
}

function awsIdentity(c: AwsCredentialSpec): string {
  const base =
    c.base.source === "static"
      ? `access key ${maskKey(c.base.accessKeyId)}`
      : c.base.source === "profile"
        ? `profile ${c.base.profile}`
        : "the AWS SDK's default credential chain";
  const web = c.webIdentity ? `web identity for ${c.webIdentity.roleArn}` : base;
  const roles = c.assumeRoles.map((r) => r.roleArn);
  return roles.length ? `${web}, then role ${roles.join(" then ")}` : web;
}

function awsVia(t: AwsTarget, service: AwsService): PlannedStart["via"] {
  const host = service === "config" ? "config" : "cloudtrail";
  return {
    identity: awsIdentity(t.credentials),
    endpoint:
      t.endpoint ?? `the SDK's default (https://${host}.${t.region}.amazonaws.com unless AWS_ENDPOINT_URL* is set)`,
  };
}

function aliIdentity(c: AliCredentialSpec): string {
  const b = c.base;
  const base =
    b.source === "static"
      ? `access key ${maskKey(b.accessKeyId)}`
      : b.source === "cli-profile"
        ? `aliyun CLI profile ${b.profile}`
        : b.source === "credentials-uri"
          ? `credentials from ${b.uri}`
          : b.source === "ecs-role"
            ? `ECS instance role ${b.roleName}`
            : b.source === "oidc"
              ? `OIDC role ${b.roleArn}`
              : "the environment's credentials";
  const roles = [c.assumeRole?.roleArn, c.auditRole?.roleArn].filter((r): r is string => r !== undefined);
  return roles.length ? `${base}, then role ${roles.join(" then ")}` : base;
}

function aliVia(t: AliTarget): PlannedStart["via"] {
  return {
    identity: aliIdentity(t.credentials),
    endpoint: `${t.endpoint.protocol.toLowerCase()}://${t.endpoint.host}`,
  };
}

export interface StartOutcome {
  planned: PlannedStart;
  /** started: healthy within the wait; pending: started, still not healthy at the deadline; failed: the start failed. */
  result: "started" | "pending" | "failed";
  /** Someone else was already starting it (Alibaba ProcessIsRunning). */
  alreadyStarting: boolean;
  failure: StartFailure | undefined;
  /** The state after the last read, judged like `status`. */
  after: StatusRow;
  polls: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Starts one planned resource and waits for it. Never throws. */
export async function executeStart(
  p: PlannedStart,
  timing: Timing,
  configOf: ConfigOf,
  progress: Progress,
  clock: Clock = systemClock,
): Promise<StartOutcome> {
  const ctx = new RoundContext();
  try {
    let startError: StartFailure | undefined;
    let alreadyStarting = false;
    let status: string | undefined;
    for (let attempt = 1; attempt <= timing.startAttempts; attempt++) {
      progress.update(`calling ${p.api.action}${attempt > 1 ? ` (attempt ${attempt})` : ""}`);
      const r = await guarded(timing.timeoutMs, (signal) => p.start(ctx, signal), startFallback);
      if (r.ok) {
        startError = undefined;
        alreadyStarting = r.alreadyStarting;
        status = r.status;
        break;
      }
      startError = r.failure;
      if (!r.failure.retryable || attempt === timing.startAttempts) break;
      const delay = timing.retryBaseMs * 2 ** (attempt - 1);
      progress.update(`${p.api.action} failed (${r.failure.code ?? r.failure.reason}); retrying in ${delay / 1000}s`);
      await clock.sleep(delay);
    }
    if (startError) {
      return { planned: p, result: "failed", alreadyStarting, failure: startError, after: { ...p.row }, polls: 0 };
    }
    progress.update(
      alreadyStarting
        ? "already being started by someone else (ProcessIsRunning); waiting"
        : `started${status ? ` (${status})` : ""}; waiting until healthy`,
    );
    const deadline = clock.now() + timing.waitMs;
    let polls = 0;
    let last: Outcome<unknown> = failure("unexpected-error", "no status read was made");
    let lastState = "";
    for (;;) {
      polls++;
      last = await guarded(timing.timeoutMs, (signal) => p.read(ctx, signal), readFallback);
      if (last.ok) {
        const state = stateOf(p.entry.kind, last.value);
        if (state !== lastState) progress.update(`${state} (read ${polls})`);
        lastState = state;
        if (p.started(last.value)) break;
      } else {
        progress.update(`status read failed: ${FAILURE_TEXT[last.failure.reason]} (read ${polls})`);
      }
      if (clock.now() + timing.pollIntervalMs > deadline) break;
      await clock.sleep(timing.pollIntervalMs);
    }
    const entry: LiveEntry<unknown> = { ...p.entry, outcome: last };
    const after = rowOf(p.view, entry, p.resource, configOf, clock.now());
    const healthy = last.ok && p.started(last.value);
    return { planned: p, result: healthy ? "started" : "pending", alreadyStarting, failure: undefined, after, polls };
  } finally {
    ctx.dispose();
  }
}

/** A call bounded by its deadline; a deadline or a throw becomes `fallback`'s value. */
async function guarded<T>(
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  fallback: (timeout: boolean, detail: string) => T,
): Promise<T> {
  try {
    return await withDeadline(timeoutMs, work);
  } catch (e) {
    const timeout = e instanceof DeadlineExceeded;
    return fallback(timeout, redact(timeout ? `no answer within ${timeoutMs / 1000}s` : String(e)));
  }
}

function startFallback(timeout: boolean, detail: string): StartResult {
  return {
    ok: false,
    failure: {
      reason: timeout ? "timeout" : "unexpected-error",
      code: undefined,
      detail,
      fix: timeout ? "Check network access to the endpoint, or raise --timeout." : "See the detail.",
      retryable: timeout,
    },
  };
}

function readFallback(timeout: boolean, detail: string): Outcome<unknown> {
  return failure(timeout ? "timeout" : "unexpected-error", detail);
}
