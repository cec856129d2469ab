import assert from "node:assert/strict";
import type { NotFound, RecorderStatus } from "../../lib/aws/sdk";
import { judgeRecorder, type RecorderIntent } from "../../policies/aws-config-recorder-recording";
import { HOUR, MINUTE, NOW } from "./support";

const where = "'main-recorder' (region us-east-1, account 123456789012)";
const rules = { pendingGraceMinutes: 60 };

const healthy: RecorderStatus = {
  found: true,
  name: "main-recorder",
  recording: true,
  lastStatus: "SUCCESS",
  lastErrorCode: undefined,
  lastErrorMessage: undefined,
  lastStartTime: NOW - 48 * HOUR,
  lastStopTime: undefined,
  lastStatusChangeTime: NOW - 10 * MINUTE,
};
const on: RecorderIntent = { recording: true, region: "us-east-1", declaredAs: "aws.cfg.Recorder" };
const judge = (s: Partial<RecorderStatus>, r = rules, intent: Partial<RecorderIntent> = {}) =>
  judgeRecorder({ ...healthy, ...s }, where, r, { ...on, ...intent }, NOW);

describe("aws-config-recorder-recording: judgeRecorder", () => {
  it("a recording recorder with SUCCESS is fine", () => {
    assert.deepEqual(judge({}), []);
  });

  it("a healthy recorder may carry lastErrorCode 400 / NA", () => {
    assert.deepEqual(judge({ lastErrorCode: "400", lastErrorMessage: "NA" }), []);
  });

  it("NOT_APPLICABLE or no lastStatus while recording is fine", () => {
    assert.deepEqual(judge({ lastStatus: "NOT_APPLICABLE" }), []);
    assert.deepEqual(judge({ lastStatus: undefined }), []);
  });

  it("a recorder that does not exist says so with the service's detail", () => {
    const missing: NotFound = { found: false, detail: "Cannot find configuration recorder with the specified name" };
    const out = judgeRecorder(missing, where, rules, on, NOW);
    assert.equal(out.length, 1);
    assert.match(
      out[0] ?? "",
      /^AWS Config recorder 'main-recorder' \(region us-east-1, account 123456789012\) does not exist/,
    );
    assert.match(out[0] ?? "", /Cannot find configuration recorder/);
    assert.match(out[0] ?? "", /pulumi refresh/);
  });

  it("recording false names the stop time and how to start it", () => {
    const out = judge({ recording: false, lastStopTime: Date.UTC(2026, 1, 27, 8, 30, 0) });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /is not recording \(recording=false since 2026-02-27T08:30:00Z\)/);
    assert.match(out[0] ?? "", /start-configuration-recorder --configuration-recorder-name main-recorder/);
  });

  it("an absent recording flag is not recording", () => {
    const out = judge({ recording: undefined });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /recording=absent\)/);
  });

  it("FAILURE quotes lastErrorCode and lastErrorMessage on one line", () => {
    const out = judge({
      lastStatus: "FAILURE",
      lastErrorCode: "AccessDenied",
      lastErrorMessage: "Access Denied\nfor bucket config-logs",
      lastStatusChangeTime: Date.UTC(2026, 2, 1, 9, 0, 0),
    });
    assert.equal(out.length, 1);
    assert.match(
      out[0] ?? "",
      /lastStatus=FAILURE \(AccessDenied: Access Denied for bucket config-logs\) since 2026-03-01T09:00:00Z/,
    );
    assert.ok(!(out[0] ?? "").includes("\n"));
  });

  it("FAILURE without error details still fails", () => {
    const out = judge({ lastStatus: "FAILURE", lastStatusChangeTime: undefined });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /lastStatus=FAILURE\. Check/);
  });

  it("FAILURE and PENDING are recognised whatever their case", () => {
    assert.equal(judge({ lastStatus: "Failure" }).length, 1);
    assert.equal(judge({ lastStatus: "Pending", lastStatusChangeTime: NOW - 3 * HOUR }).length, 1);
  });

  it("redacts credentials echoed in the error message", () => {
    const out = judge({ lastStatus: "FAILURE", lastErrorMessage: "key AKIAIOSFODNN7EXAMPLE denied" });
    assert.ok(!(out[0] ?? "").includes("AKIAIOSFODNN7EXAMPLE"));
  });

  it("stopped and failed gives both violations", () => {
    assert.equal(judge({ recording: false, lastStatus: "FAILURE" }).length, 2);
  });

  it("PENDING within pendingGraceMinutes is fine", () => {
    assert.deepEqual(judge({ lastStatus: "PENDING", lastStatusChangeTime: NOW - 59 * MINUTE }), []);
    assert.deepEqual(judge({ lastStatus: "PENDING", lastStatusChangeTime: NOW - 60 * MINUTE }), []);
  });

  it("PENDING beyond pendingGraceMinutes is a violation naming the duration and setting", () => {
    const out = judge({ lastStatus: "PENDING", lastStatusChangeTime: NOW - 3 * HOUR });
    assert.equal(out.length, 1);
    assert.match(
      out[0] ?? "",
      /has been PENDING for 3 h \(since 2026-03-01T09:00:00Z\), longer than pendingGraceMinutes=60/,
    );
    assert.equal(
      judge({ lastStatus: "PENDING", lastStatusChangeTime: NOW - 3 * HOUR }, { pendingGraceMinutes: 240 }).length,
      0,
    );
  });

  it("PENDING falls back to lastStartTime, and without any time it is not judged", () => {
    assert.equal(
      judge({ lastStatus: "PENDING", lastStatusChangeTime: undefined, lastStartTime: NOW - 2 * HOUR }).length,
      1,
    );
    assert.equal(
      judge({ lastStatus: "PENDING", lastStatusChangeTime: undefined, lastStartTime: NOW - 5 * MINUTE }).length,
      0,
    );
    assert.deepEqual(judge({ lastStatus: "PENDING", lastStatusChangeTime: undefined, lastStartTime: undefined }), []);
  });

  it("a stopped PENDING recorder is reported as stopped only", () => {
    const out = judge({ recording: false, lastStatus: "PENDING", lastStatusChangeTime: NOW - 3 * HOUR });
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /is not recording/);
  });
});
