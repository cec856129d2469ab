// `auditguard report` over engine events of each kind (crafted from apitype.EngineEvent, as the CLI writes
// them: one JSON object per line): SARIF valid against the published 2.1.0 schema, well-formed JUnit XML,
// a Markdown table per stack; colour markers stripped; every pack's events kept, auditguard's enriched.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type * as Sarif from "sarif";
import { buildReport, parseUrn, stripColor, toSarif } from "../../cli/report";
import { sarifValidator } from "../schemas/sarif";
import { runCli } from "./fixtures";

const TRAIL_URN = "urn:pulumi:prod::shop::aws:cloudtrail/trail:Trail::main";
const BUCKET_URN = "urn:pulumi:prod::shop::aws:s3/bucketV2:BucketV2::logs";
const REC_URN = "urn:pulumi:dev::shop::alicloud:cfg/configurationRecorder:ConfigurationRecorder::recorder";

let seq = 0;
function ev(body: Record<string, unknown>): string {
  return JSON.stringify({ sequence: seq++, timestamp: 1764460800 + seq, ...body });
}
function policyEvent(p: Record<string, unknown>): string {
  return ev({
    policyEvent: {
      color: "raw",
      policyPackName: "auditguard",
      policyPackVersion: "0.1.0",
      policyPackVersionTag: "0.1.0",
      ...p,
    },
  });
}

const STOPPED_TRAIL = policyEvent({
  resourceUrn: TRAIL_URN,
  message:
    "<{%fg 1%}>CloudTrail trail 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/main' is not logging (IsLogging=false).<{%reset%}>\nStart it with `aws cloudtrail start-logging`.",
  policyName: "aws-cloudtrail-trail-logging",
  enforcementLevel: "mandatory",
  severity: "high",
});
const ADVISORY = policyEvent({
  message: "<{%bold%}>Could not verify<{%reset%}> CloudTrail trail 'x' | with a pipe <script>",
  policyName: "auditguard-live-verification",
  enforcementLevel: "advisory",
});
const OTHER_PACK = policyEvent({
  resourceUrn: BUCKET_URN,
  message: "<{%fg 3%}>Bucket has no versioning.<{%reset%}>",
  policyName: "s3-bucket-versioning",
  policyPackName: "aws-compliance",
  policyPackVersion: "1.4.0",
  policyPackVersionTag: "1.4.0",
  enforcementLevel: "advisory",
  severity: "medium",
});

/** `pulumi preview --event-log`: prelude, resource events, policy events, the stack summary, the summary. */
const EVENT_LOG = [
  ev({ preludeEvent: { config: { "aws:region": "eu-west-1" } } }),
  ev({ resourcePreEvent: { metadata: { op: "same", urn: TRAIL_URN, type: "aws:cloudtrail/trail:Trail" } } }),
  STOPPED_TRAIL,
  ADVISORY,
  OTHER_PACK,
  ev({
    policyAnalyzeStackSummaryEvent: {
      policyPackName: "auditguard",
      policyPackVersion: "0.1.0",
      policyPackVersionTag: "0.1.0",
      passed: ["aws-config-recorder-declared", "aws-cloudtrail-trail-declared"],
      failed: ["aws-cloudtrail-trail-logging", "auditguard-live-verification"],
    },
  }),
  ev({
    summaryEvent: {
      maybeCorrupt: false,
      durationSeconds: 3,
      resourceChanges: { same: 3 },
      PolicyPacks: { auditguard: "v0.1.0" },
      isPreview: true,
      result: "failed",
    },
  }),
].join("\n");

/** `pulumi up --json`: the preview's and the update's analysis both report the same finding. */
const UP_JSON = [
  ev({ preludeEvent: { config: {} } }),
  STOPPED_TRAIL,
  ev({ diagnosticEvent: { message: "<{%fg 1%}>error: preview failed<{%reset%}>", color: "raw", severity: "error" } }),
  STOPPED_TRAIL,
  ev({
    summaryEvent: {
      maybeCorrupt: false,
      durationSeconds: 1,
      resourceChanges: {},
      PolicyPacks: {},
      isPreview: false,
      result: "failed",
    },
  }),
].join("\n");

/** `pulumi policy analyze --json`: policy events and a summary, advisory only (another stack). */
const ANALYZE_JSON = [
  policyEvent({
    resourceUrn: REC_URN,
    message: "Cloud Config recorder 'account 1234567' is not monitoring (status REGISTRABLE: not enabled).",
    policyName: "alicloud-config-recorder-recording",
    enforcementLevel: "advisory",
    severity: "high",
  }),
  ev({
    summaryEvent: {
      maybeCorrupt: false,
      durationSeconds: 0,
      resourceChanges: null,
      PolicyPacks: { auditguard: "0.1.0" },
      isPreview: false,
      result: "succeeded",
    },
  }),
].join("\n");

function tmp(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-report-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe("auditguard report", () => {
  const validate = sarifValidator();

  it("strips the engine's colour markers and terminal escapes", () => {
    assert.equal(stripColor("<{%fg 1%}>red<{%reset%}> \u001b[31mx\u001b[0m <{%bold%}>b"), "red x b");
  });

  it("reads stack, type and name from a URN, nested types included", () => {
    assert.deepEqual(parseUrn("urn:pulumi:dev::p::my:index:Comp$aws:cloudtrail/trail:Trail::t::x"), {
      stack: "dev",
      project: "p",
      type: "aws:cloudtrail/trail:Trail",
      name: "t::x",
    });
  });

  for (const [kind, text] of [
    ["--event-log", EVENT_LOG],
    ["up --json", UP_JSON],
    ["policy analyze --json", ANALYZE_JSON],
  ] as const) {
    it(`${kind}: SARIF is valid against the SARIF 2.1.0 schema`, async () => {
      const r = await runCli(["report", tmp("events.json", text), "--format", "sarif"], "");
      const log = JSON.parse(r.stdout) as Sarif.Log;
      const ok = validate(log);
      assert.ok(ok, JSON.stringify(validate.errors, null, 2));
      assert.equal(log.version, "2.1.0");
    });

    it(`${kind}: JUnit is well-formed XML with one suite per stack`, async () => {
      const r = await runCli(["report", tmp("events.json", text), "--format", "junit"], "");
      assert.equal(XMLValidator.validate(r.stdout), true);
      const doc = new XMLParser({
        ignoreAttributes: false,
        isArray: (n) => n === "testsuite" || n === "testcase",
      }).parse(r.stdout) as { testsuites: { testsuite: { "@_name": string; testcase: unknown[] }[] } };
      assert.ok(doc.testsuites.testsuite.length >= 1);
    });

    it(`${kind}: Markdown has a table per stack with no colour markers`, async () => {
      const r = await runCli(["report", tmp("events.json", text), "--format", "markdown"], "");
      assert.match(r.stdout, /\| policy \| resource \| level \| message \|/);
      assert.doesNotMatch(r.stdout, /<\{%|%\}>/);
    });
  }

  it("event log: every pack's events kept, auditguard's enriched from the pack's metadata; exit 1 on mandatory", async () => {
    const file = tmp("events.json", EVENT_LOG);
    const r = await runCli(["report", file, "--format", "sarif"], "");
    assert.equal(r.code, 1);
    const log = JSON.parse(r.stdout) as Sarif.Log;
    assert.deepEqual(log.runs.map((x) => x.tool.driver.name).sort(), ["auditguard", "aws-compliance"]);
    const ag = log.runs.find((x) => x.tool.driver.name === "auditguard");
    const rule = ag?.tool.driver.rules?.find((x) => x.id === "aws-cloudtrail-trail-logging");
    assert.equal(
      rule?.helpUri,
      "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html",
    );
    assert.match(rule?.help?.text ?? "", /Start the trail/);
    assert.equal(rule?.properties?.["security-severity"], "8.0");
    assert.equal(rule?.defaultConfiguration?.level, "error");
    // Every auditguard policy is a rule, so a clean run uploads as "no alerts" rather than "unknown".
    assert.ok((ag?.tool.driver.rules?.length ?? 0) >= 9);
    const result = ag?.results?.find((x) => x.ruleId === "aws-cloudtrail-trail-logging");
    assert.equal(result?.level, "error");
    assert.equal(result?.message.text?.startsWith("CloudTrail trail 'arn:aws:cloudtrail:eu-west-1"), true);
    assert.doesNotMatch(result?.message.text ?? "", /<\{%/);
    assert.equal(result?.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName, TRAIL_URN);
    assert.equal(ag?.tool.driver.rules?.[result?.ruleIndex ?? -1]?.id, "aws-cloudtrail-trail-logging");
    const other = log.runs.find((x) => x.tool.driver.name === "aws-compliance");
    assert.equal(other?.results?.[0]?.level, "warning");
    assert.equal(other?.tool.driver.version, "1.4.0");
  });

  it("a stack-wide finding (no URN) belongs to the one stack the other events name", () => {
    const r = buildReport(EVENT_LOG);
    const advisory = r.violations.find((v) => v.policy === "auditguard-live-verification");
    assert.equal(advisory?.stack, "prod");
    assert.equal(advisory?.resource, "(stack)");
    assert.deepEqual(
      r.passed.map((p) => p.policy),
      ["aws-config-recorder-declared", "aws-cloudtrail-trail-declared"],
    );
  });

  it("up --json: the preview's and the update's identical findings count once", () => {
    const r = buildReport(UP_JSON);
    assert.equal(r.violations.length, 1);
    assert.equal(r.violations[0]?.level, "mandatory");
  });

  it("Markdown: a table per stack; cells cannot break the table or inject HTML", async () => {
    const r = await runCli(["report", "-", "--format", "markdown"], "", { stdin: `${EVENT_LOG}\n${ANALYZE_JSON}` });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /### Stack `dev`/);
    assert.match(r.stdout, /### Stack `prod`/);
    assert.match(
      r.stdout,
      /\| \[aws-cloudtrail-trail-logging\]\(https:\/\/docs\.aws\.amazon\.com[^)]*\) \| main <sub>aws:cloudtrail\/trail:Trail<\/sub> \| \*\*mandatory\*\* \|/,
    );
    assert.match(r.stdout, /'x' \\\| with a pipe &lt;script&gt;/);
    assert.match(r.stdout, /is not logging \(IsLogging=false\)\.<br>Start it/);
    assert.match(r.stdout, /s3-bucket-versioning \(aws-compliance\)/);
    for (const row of r.stdout.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| ---"))) {
      assert.equal(row.replace(/\\\|/g, "").split("|").length, 6, row);
    }
  });

  it("JUnit: mandatory findings fail, advisory ones pass with the message, passed policies are test cases", async () => {
    const r = await runCli(["report", tmp("events.json", EVENT_LOG), "--format", "junit"], "");
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === "testsuite" || n === "testcase" }).parse(
      r.stdout,
    ) as {
      testsuites: {
        "@_failures": string;
        testsuite: {
          "@_name": string;
          testcase: { "@_classname": string; failure?: { "@_type": string }; "system-out"?: string }[];
        }[];
      };
    };
    assert.equal(doc.testsuites["@_failures"], "1");
    const suite = doc.testsuites.testsuite[0];
    assert.equal(suite?.["@_name"], "prod");
    const byClass = new Map(suite?.testcase.map((t) => [t["@_classname"], t]));
    assert.equal(byClass.get("auditguard.aws-cloudtrail-trail-logging")?.failure?.["@_type"], "mandatory");
    assert.match(
      byClass.get("aws-compliance.s3-bucket-versioning")?.["system-out"] ?? "",
      /\[advisory\] Bucket has no versioning/,
    );
    assert.ok(byClass.has("auditguard.aws-config-recorder-declared"));
    assert.equal(byClass.get("auditguard.aws-config-recorder-declared")?.failure, undefined);
  });

  it("advisory-only events exit 0; text format summarises per stack", async () => {
    const r = await runCli(["report", tmp("events.json", ANALYZE_JSON)], "");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Stack dev: 0 mandatory, 1 advisory/);
    assert.match(r.stdout, /\[advisory\] auditguard\/alicloud-config-recorder-recording recorder \(high\)/);
  });

  it("an empty report is valid SARIF with auditguard's rules and no results", async () => {
    const r = await runCli(["report", "-", "--format", "sarif"], "", {
      stdin: ev({ summaryEvent: { result: "succeeded" } }),
    });
    const log = JSON.parse(r.stdout) as Sarif.Log;
    assert.ok(validate(log), JSON.stringify(validate.errors));
    assert.deepEqual(log.runs[0]?.results, []);
    assert.equal(r.code, 0);
  });

  it("input that is not engine events exits 2 with a clear line; --output writes a file", async () => {
    const bad = await runCli(["report", tmp("x.json", '{"hello": "world"}')], "");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no engine events found/);
    const missing = await runCli(["report", "/nonexistent/events.json"], "");
    assert.equal(missing.code, 2);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-report-")), "r.sarif");
    const r = await runCli(["report", tmp("e.json", EVENT_LOG), "--format", "sarif", "-o", out], "");
    assert.equal(r.stdout, "");
    assert.ok(validate(JSON.parse(fs.readFileSync(out, "utf8"))));
  });

  it("the same report from toSarif directly carries the artifact the caller names", () => {
    const log = toSarif(buildReport(EVENT_LOG), { artifactUri: "infra/Pulumi.yaml" });
    const loc = log.runs[0]?.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
    assert.equal(loc, "infra/Pulumi.yaml");
  });
});
