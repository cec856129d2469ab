// Read-only, proved on the wire: every request any fake received during the whole mocha run (all spec
// files share one process, scripts/run-mocha.js) must be one of the read actions the code declares in
// CALLED_ACTIONS, or STS AssumeRole for a provider's role chain. The check is a ROOT-level `after`
// hook, so it runs once every test of every file has finished.

import assert from "node:assert/strict";
import { CALLED_ACTIONS, CREDENTIAL_ACTIONS } from "../../lib/live/actions";
import { RECORDED_REQUESTS, type RecordedRequest } from "../fakes/registry";

/** The only requests the pack may ever make: service:action, as IAM/RAM name them. */
const ALLOWED: Readonly<Record<"aws" | "alicloud", readonly string[]>> = {
  aws: ["config:DescribeConfigurationRecorderStatus", "cloudtrail:GetTrailStatus", "sts:AssumeRole"],
  alicloud: [
    "config:GetConfigurationRecorder",
    "actiontrail:GetTrailStatus",
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
  ],
};

/**
 * Spec files whose tests drive the fakes, and how many requests each makes at the least: the audit is
 * not vacuous whichever subset of files was selected (`npm test -- security`).
 */
const FLOORS: readonly { file: RegExp; aws: number; alicloud: number }[] = [
  { file: /[\\/]tests[\\/]pack\.spec\.js$/, aws: 20, alicloud: 0 },
  { file: /[\\/]tests[\\/]aws-adapters\.spec\.js$/, aws: 40, alicloud: 0 },
  { file: /[\\/]tests[\\/]alicloud-adapters\.spec\.js$/, aws: 0, alicloud: 20 },
  { file: /[\\/]tests[\\/]security[\\/]canaries\.spec\.js$/, aws: 100, alicloud: 60 },
];

/** The recorded requests no allowed action covers. */
function outsideAllowList(list: readonly RecordedRequest[]): RecordedRequest[] {
  return list.filter((r) => !ALLOWED[r.cloud].includes(`${r.service}:${r.action}`));
}

function filesOf(suite: Mocha.Suite): string[] {
  return [...(suite.file ? [suite.file] : []), ...suite.suites.flatMap(filesOf)];
}

describe("read-only audit", () => {
  it("the allowed actions are exactly CALLED_ACTIONS plus STS AssumeRole for role chains", () => {
    for (const cloud of ["aws", "alicloud"] as const) {
      const declared = [...CALLED_ACTIONS[cloud].map((a) => a.permission), ...CREDENTIAL_ACTIONS[cloud]].sort();
      assert.deepEqual([...ALLOWED[cloud]].sort(), declared, cloud);
    }
    const actions = new Set(Object.values(ALLOWED).flatMap((l) => l.map((p) => p.split(":")[1])));
    assert.deepEqual([...actions].sort(), [
      "AssumeRole",
      "DescribeConfigurationRecorderStatus",
      "GetCallerIdentity",
      "GetConfigurationRecorder",
      "GetTrailStatus",
    ]);
  });

  it("the audit flags writes, other services' actions and AssumeRole outside STS", () => {
    const flagged: RecordedRequest[] = [
      { cloud: "aws", service: "cloudtrail", action: "StopLogging" },
      { cloud: "aws", service: "config", action: "PutConfigurationRecorder" },
      { cloud: "aws", service: "config", action: "AssumeRole" },
      { cloud: "aws", service: "sts", action: "GetCallerIdentity" },
      { cloud: "aws", service: "unknown", action: "" },
      { cloud: "alicloud", service: "actiontrail", action: "StartLogging" },
      { cloud: "alicloud", service: "config", action: "GetTrailStatus" },
    ];
    const allowed: RecordedRequest[] = [
      { cloud: "aws", service: "sts", action: "AssumeRole" },
      { cloud: "aws", service: "cloudtrail", action: "GetTrailStatus" },
      { cloud: "alicloud", service: "config", action: "GetConfigurationRecorder" },
    ];
    assert.deepEqual(outsideAllowList([...allowed, ...flagged]), flagged);
  });

  it("no allowed action writes", () => {
    for (const p of Object.values(ALLOWED).flat()) {
      assert.match(p, /^[a-z]+:(Get|Describe|List)[A-Za-z]+$|^sts:AssumeRole$/, p);
    }
  });
});

// Root level: runs after all tests of all spec files loaded into this mocha process.
after(function () {
  const root = this.test?.parent;
  assert.ok(root?.root, "the audit hook is registered on mocha's root suite");
  const files = filesOf(root);
  const bad = outsideAllowList(RECORDED_REQUESTS);
  const summary = (list: typeof RECORDED_REQUESTS): string => {
    const counts = new Map<string, number>();
    for (const r of list) {
      const k = `${r.cloud} ${r.service}:${r.action || "(none)"}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return JSON.stringify(Object.fromEntries(counts));
  };
  assert.deepEqual(bad, [], `requests outside the read-only allow-list: ${summary(bad)}`);
  for (const cloud of ["aws", "alicloud"] as const) {
    const floor = FLOORS.filter((f) => files.some((file) => f.file.test(file))).reduce((n, f) => n + f[cloud], 0);
    const seen = RECORDED_REQUESTS.filter((r) => r.cloud === cloud).length;
    assert.ok(seen >= floor, `only ${seen} ${cloud} requests recorded, expected at least ${floor}`);
    if (floor > 0) {
      // Each read the code declares was really made, so the allow-list was tested against live traffic.
      for (const a of CALLED_ACTIONS[cloud]) {
        assert.ok(
          RECORDED_REQUESTS.some((r) => r.cloud === cloud && `${r.service}:${r.action}` === a.permission),
          `no ${cloud} ${a.permission} request was recorded: ${summary(RECORDED_REQUESTS)}`,
        );
      }
    }
  }
});
