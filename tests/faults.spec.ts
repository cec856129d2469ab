// The fault matrix (tests/faults/matrix.ts) through the whole pack over the Analyzer protocol: for each
// live API and each fault, AnalyzeStack returns, the subject gets exactly the diagnostic it deserves, and
// the three healthy bystanders in the same stack are untouched. One pack process serves every case.
// No timing assertions: `npm run faults` prints the figures.

import assert from "node:assert/strict";
import { FAILURE_TEXT } from "../lib/live/outcome";
import {
  apiInfo,
  type Cell,
  type CaseResult,
  type FaultEnv,
  LIVE_VERIFICATION,
  MATRIX,
  runCase,
  startFaultEnv,
  stopFaultEnv,
} from "./faults/matrix";

/** SDK internals that mean nothing to the person reading a diagnostic. */
const NEVER_SAID = ["{error}.$response", "code SyntaxError", "code TypeError", "code Error"];

function brief(r: CaseResult): string {
  return JSON.stringify(
    {
      outcome: r.outcome,
      attempts: r.attempts,
      subject: r.subjectDiagnostics.map((d) => ({ p: d.policyName, m: d.message })),
      stray: r.strayDiagnostics.map((d) => ({ p: d.policyName, urn: d.urn, m: d.message })),
      bystanders: r.bystanderProblems,
      grpcError: r.grpcError,
    },
    null,
    1,
  );
}

function assertCell(cell: Cell, r: CaseResult): void {
  const api = apiInfo(cell.api);
  const e = cell.expected;
  assert.equal(r.grpcError, undefined, `AnalyzeStack failed: ${r.grpcError ?? ""}`);
  assert.equal(r.outcome, e.outcome, brief(r));
  if (typeof e.attempts === "number") assert.equal(r.attempts, e.attempts, `requests of the subject: ${brief(r)}`);
  else {
    assert.ok(r.attempts >= e.attempts.min && r.attempts <= e.attempts.max, `requests of the subject: ${brief(r)}`);
  }
  assert.deepEqual(r.bystanderProblems, [], "bystanders: each asked once, no diagnostic");
  assert.equal(r.bystandersIntact, true);
  assert.deepEqual(r.strayDiagnostics, [], "no diagnostic anywhere else in the stack");

  if (e.outcome === "pass") {
    assert.deepEqual(r.subjectDiagnostics, [], brief(r));
    return;
  }
  if (e.outcome === "violation") {
    assert.ok(r.subjectDiagnostics.length > 0 && r.subjectDiagnostics.every((d) => d.policyName === api.policy));
    return;
  }
  // Undeterminable: exactly one auditguard-live-verification diagnostic, on the subject, saying why and where.
  assert.equal(r.subjectDiagnostics.length, 1, brief(r));
  const d = r.subjectDiagnostics[0];
  assert.ok(d);
  assert.equal(d.policyName, LIVE_VERIFICATION);
  assert.equal(d.urn, r.subject.urn);
  assert.equal(d.enforcementLevel, "advisory");
  const m = d.message;
  assert.ok(m.includes(`: ${FAILURE_TEXT[e.outcome]} calling ${api.action}`), `reason and action: ${m}`);
  const names = api.endpointKey ? r.subject.target : `'${r.subject.target}'`;
  assert.ok(m.includes(names), `names the resource or account: ${m}`);
  assert.ok(m.includes(`region ${r.subject.region}`), `names the region: ${m}`);
  assert.ok(m.includes(`Needed permission: ${api.permission}.`), `names the permission: ${m}`);
  assert.ok(m.includes(`${api.policy} has not verified this resource`), `names the unverified policy: ${m}`);
  for (const s of e.mentions ?? []) assert.ok(m.includes(s), `mentions ${s}: ${m}`);
  for (const s of NEVER_SAID) assert.ok(!m.includes(s), `does not say ${s}: ${m}`);
  for (const secret of ["fm-aws-secret-0000", "fm-aws-session-token", "fm-ali-secret-0000", "fm-ali-security-token"]) {
    assert.ok(!m.includes(secret), `no credential in the diagnostic: ${m}`);
  }
}

describe("fault matrix: every live API × every fault, through the whole pack", function () {
  let env: FaultEnv | undefined;
  const e = (): FaultEnv => {
    assert.ok(env, "pack not started");
    return env;
  };

  before(async function () {
    env = await startFaultEnv();
  });
  after(async function () {
    if (env) await stopFaultEnv(env);
  });

  for (const api of new Set(MATRIX.map((c) => c.api))) {
    describe(apiInfo(api).title, function () {
      for (const cell of MATRIX.filter((c) => c.api === api)) {
        const attempts =
          typeof cell.expected.attempts === "number"
            ? cell.expected.attempts
            : `${cell.expected.attempts.min}-${cell.expected.attempts.max}`;
        it(`${cell.title} → ${cell.expected.outcome} (${attempts} request(s) seen)`, async function () {
          assertCell(cell, await runCase(e(), cell));
        });
      }
    });
  }

  // Nested, so mocha runs it after every cell above (a parent's own tests would run first).
  describe("afterwards", function () {
    it("the same pack process still analyses a healthy stack cleanly, for every API", async function () {
      for (const cell of MATRIX.filter((c) => c.case === "baseline")) assertCell(cell, await runCase(e(), cell));
      assert.ok(!/unhandled|uncaught/i.test(e().harness.output()), "no unhandled error in the pack's output");
    });
  });
});
