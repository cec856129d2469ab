// The Discovery resource policies called as the SDK calls them (validateResource with the engine's unknown-checking
// proxy over the props), on shapes nobody promised: unknowns, wrong types, no ARN, odd URNs. Nothing may escape, and
// without keys in the environment nothing is called: every resource gets at most a property verdict and one advisory
// "not verified live".

import assert from "node:assert/strict";
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import * as policies from "../policies-list";
import { setEnv } from "../support";
import { proxy, TYPES } from "./support";

const NO_KEYS = {
  AUDITGUARD_AWS_ACCESS_KEY_ID: undefined,
  AUDITGUARD_AWS_SECRET_ACCESS_KEY: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
};

const SHAPES: Record<string, unknown>[] = [
  {},
  { arn: proxy.unknownStringValue },
  { arn: 42, name: ["x"], region: { nested: true } },
  { id: "not-an-arn", homeRegion: "", enableLogging: proxy.unknownBooleanValue },
  { arn: "arn:aws:cloudtrail:eu-west-1:123:trail/short-account" },
  { recordingGroup: proxy.unknownObjectValue, isEnabled: "false", name: "x".repeat(5000) },
  { eventSelectors: "[not json", advancedEventSelectors: [null, 1, "x"] },
];
const URNS = [
  "urn:pulumi:123456789012/eu-west-1::123456789012::TYPE::name",
  "urn:pulumi:dev::proj::TYPE::name",
  "urn:pulumi:a/b/c::::TYPE::",
  "not a urn",
];

/** Runs fn with no AWS keys in the environment until its promise settles (withEnv restores synchronously). */
async function withoutKeys<T>(fn: () => Promise<T>): Promise<T> {
  const saved = Object.keys(NO_KEYS).map((k) => [k, process.env[k]] as const);
  for (const [k] of saved) setEnv(k, undefined);
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) setEnv(k, v);
  }
}

interface Report {
  message: string;
  enforcementLevel?: string;
}

async function run(type: string, props: Record<string, unknown>, urn: string): Promise<Report[]> {
  const reports: Report[] = [];
  const report = ((v: string | Report) => reports.push(typeof v === "string" ? { message: v } : v)) as ReportViolation;
  const args = {
    type,
    props: proxy.unknownCheckingProxy(props),
    urn: urn.replace("TYPE", type),
    name: "name",
    opts: {},
    stackTags: new Map(),
    getConfig: () => ({ timeoutSeconds: 1 }),
    notApplicable: () => {
      throw new Error("not applicable");
    },
    isType: () => false,
    asType: () => undefined,
  } as unknown as ResourceValidationArgs;
  for (const p of policies.resource) {
    const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
    for (const v of validations) await v?.(args, report);
  }
  return reports;
}

describe("Discovery resource policies on hostile shapes (no keys in the environment)", () => {
  for (const type of [TYPES.awsTrail, TYPES.awsRecorder, TYPES.awsRecorderStatus, "aws:s3/bucket:Bucket"]) {
    it(`${type}: never throws, at most one 'not verified live' (advisory) per resource, no undetermined verdict at the policy's level`, async () => {
      for (const props of SHAPES) {
        for (const urn of URNS) {
          const reports = await withoutKeys(() => run(type, props, urn));
          const unverified = reports.filter((r) => r.message.startsWith("Not verified live"));
          assert.ok(unverified.length <= 1, JSON.stringify(reports));
          assert.ok(
            unverified.every((r) => r.enforcementLevel === "advisory"),
            JSON.stringify(reports),
          );
          assert.ok(
            reports.every((r) => !r.message.includes("could not evaluate")),
            `a bug surfaced for ${JSON.stringify(props)} at ${urn}: ${JSON.stringify(reports)}`,
          );
          if (type === "aws:s3/bucket:Bucket") assert.deepEqual(reports, []);
        }
      }
    });
  }
});
