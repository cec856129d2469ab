// Read-only, proved on the wire: every request any fake received during the whole mocha run (all spec
// files share one process, scripts/run-mocha.js) must be one of the read actions the code declares in
// CALLED_ACTIONS, or an STS identity action (AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity). The check
// is a ROOT-level `after` hook, so it runs once every test of every file has finished.

import assert from "node:assert/strict";
import { START_ACTIONS } from "../../cli/actions";
import { CALLED_ACTIONS, CREDENTIAL_ACTIONS, IDENTITY_ACTIONS } from "../../lib/live/actions";
import { RECORDED_REQUESTS, type RecordedRequest } from "../fakes/registry";

/** The only requests the pack may ever make: service:action, as IAM/RAM name them. */
const ALLOWED: Readonly<Record<"aws" | "alicloud", readonly string[]>> = {
  aws: [
    "config:DescribeConfigurationRecorderStatus",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetEventSelectors",
    "config:DescribeConfigurationRecorders",
    "config:ListConfigurationRecorders",
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:GetCallerIdentity",
  ],
  alicloud: [
    "config:GetConfigurationRecorder",
    "actiontrail:GetTrailStatus",
    "actiontrail:DescribeTrails",
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
  ],
};

/**
 * The only writes anything may send: the operator command's start actions, and only in the requests a
 * `start --yes` test told its fake to expect (RecordedRequest.permittedWrite). The pack, `status` and `start`
 * without --yes stay inside ALLOWED.
 */
const PERMITTED_WRITES: Readonly<Record<"aws" | "alicloud", readonly string[]>> = {
  aws: START_ACTIONS.aws.map((a) => a.permission),
  alicloud: START_ACTIONS.alicloud.map((a) => a.permission),
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
  { file: /[\\/]tests[\\/]cli[\\/]status-start\.spec\.js$/, aws: 10, alicloud: 10 },
];

/** The recorded requests no allowed action covers. */
function outsideAllowList(list: readonly RecordedRequest[]): RecordedRequest[] {
  return list.filter((r) => {
    const permission = `${r.service}:${r.action}`;
    if (ALLOWED[r.cloud].includes(permission)) return false;
    return !(r.permittedWrite === true && PERMITTED_WRITES[r.cloud].includes(permission));
  });
}

function filesOf(suite: Mocha.Suite): string[] {
  return [...(suite.file ? [suite.file] : []), ...suite.suites.flatMap(filesOf)];
}

describe("read-only audit", () => {
  it("the allowed actions are exactly CALLED_ACTIONS plus the STS identity actions", () => {
    for (const cloud of ["aws", "alicloud"] as const) {
      const declared = [
        ...new Set([
          ...CALLED_ACTIONS[cloud].map((a) => a.permission),
          ...CREDENTIAL_ACTIONS[cloud],
          ...IDENTITY_ACTIONS[cloud],
        ]),
      ].sort();
      assert.deepEqual([...ALLOWED[cloud]].sort(), declared, cloud);
    }
    const actions = new Set(Object.values(ALLOWED).flatMap((l) => l.map((p) => p.split(":")[1])));
    assert.deepEqual([...actions].sort(), [
      "AssumeRole",
      "AssumeRoleWithWebIdentity",
      "DescribeConfigurationRecorderStatus",
      "DescribeConfigurationRecorders",
      "DescribeTrails",
      "GetCallerIdentity",
      "GetConfigurationRecorder",
      "GetEventSelectors",
      "GetTrailStatus",
      "ListConfigurationRecorders",
    ]);
  });

  it("the audit flags writes, other services' actions and AssumeRole outside STS", () => {
    const flagged: RecordedRequest[] = [
      { cloud: "aws", service: "cloudtrail", action: "StopLogging" },
      { cloud: "aws", service: "config", action: "PutConfigurationRecorder" },
      { cloud: "aws", service: "config", action: "AssumeRole" },
      { cloud: "aws", service: "sts", action: "GetSessionToken" },
      { cloud: "aws", service: "cloudtrail", action: "GetCallerIdentity" },
      { cloud: "aws", service: "unknown", action: "" },
      { cloud: "alicloud", service: "actiontrail", action: "StartLogging" },
      { cloud: "alicloud", service: "config", action: "GetTrailStatus" },
    ];
    const allowed: RecordedRequest[] = [
      { cloud: "aws", service: "sts", action: "AssumeRole" },
      { cloud: "aws", service: "sts", action: "AssumeRoleWithWebIdentity" },
      { cloud: "aws", service: "sts", action: "GetCallerIdentity" },
      { cloud: "aws", service: "cloudtrail", action: "GetTrailStatus" },
      { cloud: "alicloud", service: "config", action: "GetConfigurationRecorder" },
    ];
    assert.deepEqual(outsideAllowList([...allowed, ...flagged]), flagged);
  });

  it("a permitted write is let through only for the start actions, and only when the test permitted it", () => {
    const flagged: RecordedRequest[] = [
      { cloud: "aws", service: "cloudtrail", action: "StartLogging" },
      { cloud: "alicloud", service: "config", action: "StartConfigurationRecorder" },
      { cloud: "aws", service: "cloudtrail", action: "StopLogging", permittedWrite: true },
      { cloud: "aws", service: "config", action: "PutConfigurationRecorder", permittedWrite: true },
      { cloud: "alicloud", service: "actiontrail", action: "StopLogging", permittedWrite: true },
      { cloud: "alicloud", service: "config", action: "StartLogging", permittedWrite: true },
    ];
    const allowed: RecordedRequest[] = [
      { cloud: "aws", service: "cloudtrail", action: "StartLogging", permittedWrite: true },
      { cloud: "aws", service: "config", action: "StartConfigurationRecorder", permittedWrite: true },
      { cloud: "alicloud", service: "config", action: "StartConfigurationRecorder", permittedWrite: true },
      { cloud: "alicloud", service: "actiontrail", action: "StartLogging", permittedWrite: true },
    ];
    assert.deepEqual(outsideAllowList([...allowed, ...flagged]), flagged);
    assert.deepEqual(PERMITTED_WRITES, {
      aws: ["config:StartConfigurationRecorder", "cloudtrail:StartLogging"],
      alicloud: ["config:StartConfigurationRecorder", "actiontrail:StartLogging"],
    });
  });

  it("no allowed action writes", () => {
    for (const p of Object.values(ALLOWED).flat()) {
      assert.match(p, /^[a-z]+:(Get|Describe|List)[A-Za-z]+$|^sts:AssumeRole(WithWebIdentity)?$/, p);
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
