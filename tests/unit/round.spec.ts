// The shared round's contract with its consumers: a policy waits for its own kind's calls, not for the
// whole round; the round itself settles only when every call has.

import assert from "node:assert/strict";
import { resetEngineStateForTests } from "../../lib/engine";
import { type CallSpec, failure, type Outcome, success } from "../../lib/live/outcome";
import { type LiveKind, liveEntries, registerKinds } from "../../lib/live/round";
import type { StackView } from "../../lib/stack";

const SPEC: CallSpec = {
  cloud: "aws",
  action: "Test",
  permission: "test:Read",
  region: "eu-west-1",
  account: undefined,
  target: "t",
};

/** A kind with one composed check that settles when `release` is called. */
function heldKind(id: string): { kind: LiveKind<unknown>; release: () => void } {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const kind: LiveKind<unknown> = {
    id,
    label: id,
    policyName: `${id}-policy`,
    plan: () => [
      {
        urn: `urn:${id}`,
        spec: SPEC,
        compose: async (): Promise<{ outcome: Outcome<unknown> }> => {
          await held;
          return { outcome: success(id) };
        },
      },
    ],
  };
  return { kind, release };
}

const view: StackView = {
  resources: [],
  deploys: { aws: true, alicloud: false },
  dryRun: false,
  fingerprint: "round-spec",
};

describe("shared round: per-kind results", () => {
  afterEach(() => {
    registerKinds([]);
    resetEngineStateForTests();
  });

  it("a policy's kind resolves while another kind's call is still pending; the whole round waits for both", async () => {
    const fast = heldKind("fast");
    const slow = heldKind("slow");
    registerKinds([fast.kind, slow.kind]);
    fast.release();
    const fastEntries = await liveEntries("fast-policy", view, {}, "fast");
    assert.deepEqual(
      fastEntries.map((e) => [e.kind, e.outcome.ok && e.outcome.value]),
      [["fast", "fast"]],
    );
    let wholeSettled = false;
    const whole = liveEntries("verification", view, {}).then((all) => {
      wholeSettled = true;
      return all;
    });
    // Let every already-settled continuation run: the slow kind is still held, so the whole round is not done.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(wholeSettled, false);
    slow.release();
    const all = await whole;
    assert.deepEqual(all.map((e) => e.kind).sort(), ["fast", "slow"]);
  });

  it("a kind with no checks in this round resolves to no entries at once", async () => {
    const slow = heldKind("slow");
    registerKinds([slow.kind]);
    assert.deepEqual(await liveEntries("other-policy", view, {}, "absent-kind"), []);
    slow.release();
  });

  it("a throttled call waiting behind the rate-limit queue for its retry is not expired by that wait", async () => {
    // 12 calls share one rate limit (10 per window): the first call is throttled once, and its retry queues
    // behind the last two first attempts, a rate window later (~1.15 s), beyond its 1 s budget. Only the time
    // on the wire and the backoff count against the budget, so the retry still runs.
    let throttledOnce = false;
    const kind: LiveKind<unknown> = {
      id: "queued",
      label: "queued",
      policyName: "queued-policy",
      plan: () =>
        Array.from({ length: 12 }, (_, i) => ({
          urn: `urn:${i}`,
          spec: SPEC,
          key: `call-${i}`,
          rateKey: "one-limit",
          timeoutMs: 1000,
          attempt: (): Promise<Outcome<unknown>> => {
            if (i === 0 && !throttledOnce) {
              throttledOnce = true;
              return Promise.resolve(failure("throttled", "Rate exceeded"));
            }
            return Promise.resolve(success(i));
          },
        })),
    };
    registerKinds([kind]);
    const entries = await liveEntries("queued-policy", view, {}, "queued");
    assert.ok(throttledOnce);
    const failed = entries.filter((e) => !e.outcome.ok).map((e) => [e.urn, e.outcome]);
    assert.deepEqual(failed, []);
  });
});
