// The one round of live calls per analysis, shared by every policy. Policies in a pack run one
// after another; the first auditguard policy to run (the first live one when the engine's RPCs are not
// observed) starts the calls of all enabled live policies at once, and each live policy reads its own
// kind's results. Identical targets are called once.

import { setMaxListeners } from "node:events";
import { analysisEpoch, engineConfigFor, engineObserved, isPolicyEnabled } from "../engine";
import { auditIdentityOf, LIVE_VERIFICATION_POLICY, planningAs } from "./audit";
import type { StackView } from "../stack";
import { DeadlineExceeded, withDeadline } from "./deadline";
import { quote } from "../redact";
import { type CallSpec, type CheckFailure, failure, type Outcome } from "./outcome";

/** Per-round shared state for adapters: SDK clients, credential providers. Disposed after the round. */
export class RoundContext {
  private readonly memos = new Map<string, unknown>();
  private readonly disposers: (() => void)[] = [];
  memo<T>(key: string, create: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, create());
    return this.memos.get(key) as T;
  }
  onDispose(fn: () => void): void {
    this.disposers.push(fn);
  }
  dispose(): void {
    for (const fn of this.disposers.splice(0)) {
      try {
        fn();
      } catch {
        // best effort
      }
    }
    this.memos.clear();
  }
}

/** One attempt of a call. Failures say whether another attempt may help. */
export type Attempt<T> = (ctx: RoundContext, signal: AbortSignal) => Promise<Outcome<T>>;

/** One API call: de-duplicated by key, rate-limited by rateKey, retried and bounded by its own deadline. */
export interface Call<T> {
  spec: CallSpec;
  /** Calls with the same key are made once and shared (same API, target, endpoint and credentials). */
  key: string;
  /** Calls with the same rateKey share one rate limit (cloud, account, region, action). */
  rateKey: string;
  timeoutMs: number;
  attempt: Attempt<T>;
}
export interface PlannedCall<T> extends Call<T> {
  urn: string;
}
/** Makes a call inside the round: shared with every identical call of the round, planned or not. Never rejects. */
export type RunCall = <U>(call: Call<U>) => Promise<Outcome<U>>;
/**
 * A check whose calls depend on earlier answers (the account behind credentials, then the trails listed in a
 * region, then each trail's status). Each call it makes goes through the round like a planned one; the
 * check's entry carries the spec of the call that decided it (on failure: the call that failed).
 */
export interface ComposedCheck<T> {
  urn: string;
  spec: CallSpec;
  compose(run: RunCall, ctx: RoundContext): Promise<{ outcome: Outcome<T>; spec?: CallSpec }>;
}
/** A check decided without a call, e.g. a target that cannot be resolved. */
export interface DecidedCheck<T> {
  urn: string;
  spec: CallSpec;
  outcome: Outcome<T>;
}
export type PlannedCheck<T> = PlannedCall<T> | DecidedCheck<T> | ComposedCheck<T>;

export interface LiveKind<T> {
  id: string;
  /** What is checked, for messages: "CloudTrail trail". */
  label: string;
  /** The policy whose enforcement level and config govern these calls. */
  policyName: string;
  plan(view: StackView, rawConfig: Record<string, unknown> | undefined): PlannedCheck<T>[];
}

export interface LiveEntry<T> {
  kind: string;
  label: string;
  policyName: string;
  urn: string;
  spec: CallSpec;
  outcome: Outcome<T>;
}

export interface RoundStats {
  calls: number;
  attempts: number;
  deduplicated: number;
}

const MAX_ATTEMPTS = 3;
// Calls go to many regional endpoints (the HTTP agent caps sockets per host); this only bounds memory and
// file descriptors. Coverage of 16 regions x 3 accounts sends 192 calls at once: 64 made that three waves.
const MAX_IN_FLIGHT = 256;
const IO_TURNS_PER_POLICY = 8;
const CALLS_PER_SECOND = 10; // CloudTrail's documented Get/Describe limit; the tightest of the four APIs
// A request reaches the service a little after its turn is granted (signing, event-loop load), so two
// bursts a second apart can land in one server-side second: space bursts a little wider than a second.
const RATE_WINDOW_MS = 1150;
/** Waiting for a rate-limit turn is not part of a call: nothing aborts it (the queue drains at the rate). */
const NEVER = new AbortController().signal;
// Every queued caller listens on it (hundreds in a rate-bound round); Node would warn past 10 listeners.
setMaxListeners(0, NEVER);
const RETRYABLE: ReadonlySet<CheckFailure["reason"]> = new Set(["throttled", "service-error", "endpoint-error"]);

interface Round {
  /** This round's results belong to that analysis of that stack. */
  serves(epoch: number, view: StackView): boolean;
  consumers: Set<string>;
  entries: Promise<LiveEntry<unknown>[]>;
  byKind: ReadonlyMap<string, Promise<LiveEntry<unknown>[]>>;
  stats: RoundStats;
  /** Calls are in flight. */
  pending: boolean;
}

let kindsRegistry: readonly LiveKind<unknown>[] = [];
let current: Round | undefined;

/** The live kinds the pack knows; set once by the pack's entry point (and by tests). */
export function registerKinds(kinds: readonly LiveKind<unknown>[]): void {
  kindsRegistry = kinds;
  current = undefined;
}

/**
 * Results of the shared round for this analysis. `consumer` is the calling policy; a policy asking
 * twice means a new analysis (e.g. the update after a preview), so results are never carried over.
 */
export async function liveEntries(
  consumer: string,
  view: StackView,
  ownConfig: Record<string, unknown>,
  /** Only this kind's entries: the caller waits for its own calls, not for the whole round. */
  kindId?: string,
): Promise<LiveEntry<unknown>[]> {
  const epoch = analysisEpoch();
  if (!current || !current.serves(epoch, view) || current.consumers.has(consumer)) {
    current = startRound(epoch, view, consumer, ownConfig);
  }
  current.consumers.add(consumer);
  if (kindId === undefined) return current.entries;
  return current.byKind.get(kindId) ?? [];
}

/**
 * Starts this analysis's round from whichever auditguard policy runs first. The SDK runs stack policies one
 * after another, each over a fresh copy of the stack, so the calls' network waits then overlap that work
 * instead of following it. Only when the engine's RPCs are observed: otherwise the other policies'
 * settings and the start of an analysis are unknown, and the first live policy starts the round as before.
 * Resolves once pending I/O has had some turns: policies that never wait on I/O would otherwise keep the
 * round's requests from being sent, and its replies from being read, until the first live policy waits.
 */
export async function prefetchRound(view: StackView): Promise<void> {
  if (!engineObserved()) return;
  const epoch = analysisEpoch();
  if (!current || !current.serves(epoch, view)) {
    try {
      current = startRound(epoch, view, undefined, {});
    } catch {
      // Planning failed: the first live policy plans again and reports why.
      current = undefined;
      return;
    }
  }
  // A request takes a few event-loop turns to go out (connect, write) and a reply a few to be read (socket,
  // parser, body stream); a turn with nothing ready costs microseconds.
  for (let turn = 0; turn < IO_TURNS_PER_POLICY && current.pending; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export function lastRoundStats(): RoundStats | undefined {
  return current?.stats;
}

function startRound(
  epoch: number,
  view: StackView,
  consumer: string | undefined,
  ownConfig: Record<string, unknown>,
): Round {
  const stats: RoundStats = { calls: 0, attempts: 0, deduplicated: 0 };
  const planned = planKinds(
    view,
    (policyName) => {
      if (policyName === consumer) return ownConfig;
      return isPolicyEnabled(policyName) ? (engineConfigFor(policyName) ?? {}) : undefined;
    },
    // The audit identity applies to every live call, whether or not live-verification itself reports.
    consumer === LIVE_VERIFICATION_POLICY ? ownConfig : engineConfigFor(LIVE_VERIFICATION_POLICY),
  );
  const { all, byKind } = runAll(planned, stats);
  const round: Round = {
    serves: (e, v) => e === epoch && v.fingerprint === view.fingerprint,
    consumers: new Set(),
    entries: all,
    byKind,
    stats,
    pending: planned.length > 0,
  };
  all.then(
    () => (round.pending = false),
    () => (round.pending = false),
  );
  return round;
}

/**
 * One round outside any analysis, for the operator command: every registered kind whose policy `configOf`
 * returns a config for (undefined = disabled), with the same planning, de-duplication, limits and retries.
 */
export function runRound(
  view: StackView,
  configOf: (policyName: string) => Record<string, unknown> | undefined,
  /** Told as each check settles (the operator's progress): how many of how many. */
  onSettled?: (done: number, total: number) => void,
): Promise<LiveEntry<unknown>[]> {
  return runAll(
    planKinds(view, configOf, configOf(LIVE_VERIFICATION_POLICY)),
    { calls: 0, attempts: 0, deduplicated: 0 },
    undefined,
    onSettled,
  ).all;
}

function planKinds(
  view: StackView,
  configOf: (policyName: string) => Record<string, unknown> | undefined,
  auditConfig: Record<string, unknown> | undefined,
): { kind: LiveKind<unknown>; check: PlannedCheck<unknown> }[] {
  return planningAs(auditIdentityOf(auditConfig), () => planEach(view, configOf));
}

function planEach(
  view: StackView,
  configOf: (policyName: string) => Record<string, unknown> | undefined,
): { kind: LiveKind<unknown>; check: PlannedCheck<unknown> }[] {
  const planned: { kind: LiveKind<unknown>; check: PlannedCheck<unknown> }[] = [];
  for (const kind of kindsRegistry) {
    const raw = configOf(kind.policyName);
    if (raw === undefined) continue;
    let checks: PlannedCheck<unknown>[];
    try {
      checks = kind.plan(view, raw);
    } catch (e) {
      // A planner bug must not stop the other kinds; it surfaces as one undetermined check.
      checks = [
        {
          urn: "",
          spec: {
            cloud: kind.id.startsWith("alicloud") ? "alicloud" : "aws",
            action: kind.id,
            permission: "",
            region: undefined,
            account: undefined,
            target: kind.id,
          },
          outcome: failure("unexpected-error", `planning ${kind.id} failed: ${String(e)}`),
        },
      ];
    }
    for (const check of checks) planned.push({ kind, check });
  }
  return planned;
}

/**
 * What identical calls share: clients and credentials (ctx), the in-flight bound, rate limits and each call's
 * outcome by key. A round owns one; a caller that makes several small rounds (resource policies, one per
 * Analyze RPC) may keep one across them and dispose of it itself.
 */
export interface RoundSession {
  ctx: RoundContext;
  pool: Pool;
  limiters: Map<string, RateLimiter>;
  byKey: Map<string, Promise<Outcome<unknown>>>;
}

export function newRoundSession(): RoundSession {
  return { ctx: new RoundContext(), pool: new Pool(MAX_IN_FLIGHT), limiters: new Map(), byKey: new Map() };
}

/** Checks planned by one kind for some resources, made within a session the caller keeps. */
export function runChecksIn(
  session: RoundSession,
  kind: LiveKind<unknown>,
  checks: readonly PlannedCheck<unknown>[],
  stats: RoundStats,
): Promise<LiveEntry<unknown>[]> {
  return runAll(
    checks.map((check) => ({ kind, check })),
    stats,
    session,
  ).all;
}

/** Starts every planned check; all entries, and each kind's on its own so a policy waits only for its calls. */
function runAll(
  planned: { kind: LiveKind<unknown>; check: PlannedCheck<unknown> }[],
  stats: RoundStats,
  /** Kept by the caller (not disposed here); otherwise this round's own. */
  kept?: RoundSession,
  onSettled?: (done: number, total: number) => void,
): { all: Promise<LiveEntry<unknown>[]>; byKind: Map<string, Promise<LiveEntry<unknown>[]>> } {
  const byKind = new Map<string, Promise<LiveEntry<unknown>[]>>();
  if (planned.length === 0) return { all: Promise.resolve([]), byKind };
  const { ctx, pool, limiters, byKey } = kept ?? newRoundSession();
  const run: RunCall = <U>(call: Call<U>): Promise<Outcome<U>> => {
    const shared = byKey.get(call.key);
    if (shared) {
      stats.deduplicated++;
      return shared as Promise<Outcome<U>>;
    }
    stats.calls++;
    let limiter = limiters.get(call.rateKey);
    if (!limiter)
      limiters.set(call.rateKey, (limiter = new RateLimiter(CALLS_PER_SECOND, systemClock, RATE_WINDOW_MS)));
    const outcome = runCall(call as Call<unknown>, ctx, pool, limiter, stats);
    byKey.set(call.key, outcome);
    return outcome as Promise<Outcome<U>>;
  };
  // Each entry settles with an outcome, never rejects: failures are outcomes.
  const entryOf = async ({ kind, check }: (typeof planned)[number]): Promise<LiveEntry<unknown>> => {
    let outcome: Outcome<unknown>;
    let spec = check.spec;
    if ("outcome" in check) {
      outcome = check.outcome;
    } else if ("compose" in check) {
      try {
        const composed = await check.compose(run, ctx);
        outcome = composed.outcome;
        spec = composed.spec ?? spec;
      } catch (e) {
        outcome = failure("unexpected-error", quote(e instanceof Error ? e.message : String(e)));
      }
    } else {
      outcome = await run(check);
    }
    return { kind: kind.id, label: kind.label, policyName: kind.policyName, urn: check.urn, spec, outcome };
  };
  const grouped = new Map<string, Promise<LiveEntry<unknown>>[]>();
  let settled = 0;
  const entries = planned.map((p) => {
    const entry = onSettled
      ? entryOf(p).then((e) => {
          onSettled(++settled, planned.length);
          return e;
        })
      : entryOf(p);
    const list = grouped.get(p.kind.id);
    if (list) list.push(entry);
    else grouped.set(p.kind.id, [entry]);
    return entry;
  });
  for (const [id, list] of grouped) byKind.set(id, Promise.all(list));
  const all = kept ? Promise.all(entries) : Promise.all(entries).finally(() => ctx.dispose());
  return { all, byKind };
}

/**
 * Bounded attempts, each rate-limited. The deadline covers the call itself (attempts, backoff, credential
 * resolution): `timeoutMs` is a budget spent only while the call is on the wire or backing off. Turns in
 * the rate-limit queue and waits for a free slot, before the first attempt or a retry, are not spent from
 * it, so a long queue cannot expire a call that was never made, nor a throttled one waiting to retry.
 * Never rejects.
 */
async function runCall(
  call: Call<unknown>,
  ctx: RoundContext,
  pool: Pool,
  limiter: RateLimiter,
  stats: RoundStats,
): Promise<Outcome<unknown>> {
  let remainingMs = call.timeoutMs;
  const spend = async <T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await withDeadline(Math.max(0, remainingMs), work);
    } finally {
      remainingMs -= Date.now() - started;
    }
  };
  try {
    let last: Outcome<unknown> = failure("unexpected-error", "no attempt was made");
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await spend((signal) => sleep(backoffMs(attempt), signal));
      await limiter.acquire(NEVER);
      stats.attempts++;
      last = await pool.run(() => spend((signal) => call.attempt(ctx, signal)));
      if (last.ok || !RETRYABLE.has(last.failure.reason)) return last;
    }
    return last;
  } catch (e) {
    if (e instanceof DeadlineExceeded) {
      return failure("timeout", `no answer within ${call.timeoutMs / 1000}s (timeoutSeconds)`);
    }
    return failure("unexpected-error", quote(e instanceof Error ? e.message : String(e)));
  }
}

function backoffMs(attempt: number): number {
  const base = 100 * 2 ** (attempt - 1);
  return base + Math.floor(Math.random() * base);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export class Pool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Time as the rate limiter sees it; injectable so its logic can be tested without waiting. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const systemClock: Clock = { now: () => Date.now(), sleep };

/** At most `perSecond` starts in any one-second window, granted in request order. */
export class RateLimiter {
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock = systemClock,
    /** The window `perSecond` counts over; wider than a second leaves room for send jitter. */
    private readonly windowMs = 1000,
  ) {}
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    // An abort rejects the caller at once, even while it queues behind others; its turn is skipped.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason as Error);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    const turn = this.queue.then(() => this.waitTurn(signal));
    this.queue = turn.catch(() => undefined);
    return Promise.race([turn, aborted]).finally(() => {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    });
  }
  private async waitTurn(signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) throw signal.reason as Error;
      const now = this.clock.now();
      while (this.starts.length > 0 && now - (this.starts[0] ?? 0) >= this.windowMs) this.starts.shift();
      if (this.starts.length < this.perSecond) {
        this.starts.push(now);
        return;
      }
      await this.clock.sleep(this.windowMs - (now - (this.starts[0] ?? now)) + 1, signal);
    }
  }
}
