// `auditguard report` over engine events of each kind, shaped as the CLI writes them (apitype.EngineEvent, one
// JSON object per line; a policy event's message is the policy's description, a newline, then the violation, as
// @pulumi/policy's reportViolation sends it): SARIF valid against the published 2.1.0 schema and shaped as GitHub
// code scanning ingests it, JUnit a CI can count, Markdown that fits a pull-request comment; input that cannot
// hold the run's findings refused; exit codes and outputs as documented.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type * as Sarif from "sarif";
import { PACK_NAME, packPolicies } from "../../cli/pack-metadata";
import {
  buildReport,
  COMMENT_LIMIT,
  informationUri,
  parseUrn,
  splitMessage,
  stripColor,
  subjectOf,
  toSarif,
} from "../../cli/report";
import { sarifValidator } from "../schemas/sarif";
import { runCli } from "./fixtures";

const MAIN = path.join(__dirname, "..", "..", "cli", "main.js");
const TRAIL_URN = "urn:pulumi:prod::shop::aws:cloudtrail/trail:Trail::main";
const BUCKET_URN = "urn:pulumi:prod::shop::aws:s3/bucketV2:BucketV2::logs";
const REC_URN = "urn:pulumi:dev::shop::alicloud:cfg/configurationRecorder:ConfigurationRecorder::recorder";
const STACK_URN = "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod";

const description = (policy: string): string => packPolicies().get(policy)?.description ?? "";
const TRAIL_DESCRIPTION = description("aws-cloudtrail-trail-logging");
const TRAIL_VIOLATION =
  "CloudTrail trail 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/main' (region eu-west-1, account 123456789012) is not logging (IsLogging=false).";

let seq = 0;
function ev(body: Record<string, unknown>): string {
  return JSON.stringify({ sequence: seq++, timestamp: 1764460800 + seq, ...body });
}
/** As pkg/engine/events.go policyViolationEvent wraps it for the display and the event log. */
function engineMessage(policy: string, violation: string): string {
  return `<{%fg 13%}>${description(policy)}\n${violation}<{%reset%}>\n`;
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
/** A local --policy-pack is named `<name>|local|<path>` in a preview's summary (engine LocalPolicyPack.NameForEvents). */
const LOCAL_PACKS = { "auditguard|local|~/src/auditguard": "0.1.0" };
function summary(result: string, packs: Record<string, string> = LOCAL_PACKS, isPreview = true): string {
  return ev({
    summaryEvent: {
      maybeCorrupt: false,
      durationSeconds: 1,
      resourceChanges: {},
      PolicyPacks: packs,
      isPreview,
      result,
    },
  });
}

/** apitype.PolicyAnalyzeStackSummaryEvent: the engine ran the pack's stack policies (AnalyzeStack). */
function stackSummary(pack = "auditguard", passed: string[] = ["aws-config-recorder-declared"]): string {
  return ev({
    policyAnalyzeStackSummaryEvent: {
      policyPackName: pack,
      policyPackVersion: "0.1.0",
      policyPackVersionTag: "0.1.0",
      passed,
    },
  });
}

const STOPPED_TRAIL = policyEvent({
  resourceUrn: TRAIL_URN,
  message: engineMessage(
    "aws-cloudtrail-trail-logging",
    `${TRAIL_VIOLATION}\nStart it with \`auditguard start --stack prod\`.`,
  ),
  policyName: "aws-cloudtrail-trail-logging",
  enforcementLevel: "mandatory",
  severity: "high",
});
const ADVISORY = policyEvent({
  message: engineMessage(
    "auditguard-live-verification",
    "<{%bold%}>Could not verify<{%reset%}> CloudTrail trail 'x' | with a pipe <script>",
  ),
  policyName: "auditguard-live-verification",
  enforcementLevel: "advisory",
});
const OTHER_PACK = policyEvent({
  resourceUrn: BUCKET_URN,
  message: "<{%fg 13%}>Buckets are versioned.\nBucket has no versioning.<{%reset%}>\n",
  policyName: "s3-bucket-versioning",
  policyPackName: "aws-compliance",
  policyPackVersion: "1.4.0",
  policyPackVersionTag: "1.4.0",
  enforcementLevel: "advisory",
  severity: "medium",
});
function coverage(region: string, age = 3): string {
  return policyEvent({
    resourceUrn: STACK_URN,
    message: engineMessage(
      "aws-cloudtrail-account-coverage",
      `AWS account 123456789012, region ${region}: no CloudTrail trail covers it, so API activity there is not logged. Found: trail 'old' stopped ${age} hours ago.`,
    ),
    policyName: "aws-cloudtrail-account-coverage",
    enforcementLevel: "advisory",
    severity: "high",
  });
}

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
  summary("failed", { ...LOCAL_PACKS, "aws-compliance": "1.4.0" }),
].join("\n");

/** `pulumi up --json`: the preview's and the update's analysis both report the same finding. */
const UP_JSON = [
  ev({ preludeEvent: { config: {} } }),
  STOPPED_TRAIL,
  ev({ diagnosticEvent: { message: "<{%fg 1%}>error: preview failed<{%reset%}>", color: "raw", severity: "error" } }),
  STOPPED_TRAIL,
  stackSummary(),
  summary("failed", { auditguard: "0.1.0" }, false),
].join("\n");

/** `pulumi policy analyze --json`: policy events, no policy summaries, then a summary event (advisory only). */
const ANALYZE_JSON = [
  policyEvent({
    resourceUrn: REC_URN,
    message: `${description("alicloud-config-recorder-recording")}\nCloud Config recorder 'account 1234567' is not monitoring (status REGISTRABLE: not enabled).`,
    policyName: "alicloud-config-recorder-recording",
    enforcementLevel: "advisory",
    severity: "high",
  }),
  summary("succeeded", { auditguard: "0.1.0" }, false),
].join("\n");

function tmp(name: string, text: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-report-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

interface JunitCase {
  "@_classname": string;
  "@_name": string;
  failure?: { "@_type": string; "@_message": string; "#text"?: string };
  skipped?: unknown;
  "system-out"?: string;
}
interface JunitDoc {
  testsuites: {
    "@_tests": string;
    "@_failures": string;
    testsuite: { "@_name": string; "@_tests": string; testcase: JunitCase[] }[];
  };
}
function junitOf(xml: string): JunitDoc {
  assert.equal(XMLValidator.validate(xml), true);
  return new XMLParser({
    ignoreAttributes: false,
    isArray: (n) => n === "testsuite" || n === "testcase",
  }).parse(xml) as JunitDoc;
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

    it(`${kind}: JUnit is well-formed XML with one suite per stack and every auditguard policy a case`, async () => {
      const r = await runCli(["report", tmp("events.json", text), "--format", "junit"], "");
      const doc = junitOf(r.stdout);
      assert.ok(doc.testsuites.testsuite.length >= 1);
      for (const suite of doc.testsuites.testsuite) {
        const classes = new Set(suite.testcase.map((t) => t["@_classname"]));
        for (const policy of packPolicies().keys()) assert.ok(classes.has(`auditguard.${policy}`), policy);
      }
    });

    it(`${kind}: Markdown carries the sticky-comment marker and no colour markers`, async () => {
      const r = await runCli(["report", tmp("events.json", text), "--format", "markdown"], "");
      assert.match(r.stdout, /^<!-- auditguard-report -->\n/);
      assert.match(r.stdout, /\| finding \| resource \| level \| policy \|/);
      assert.doesNotMatch(r.stdout, /<\{%|%\}>/);
    });
  }

  describe("headlines: the violation leads, the policy's description is secondary", () => {
    it("splits @pulumi/policy's `description\\nmessage` exactly for auditguard; other packs' messages stay whole", () => {
      const ours = splitMessage(`${TRAIL_DESCRIPTION}\n${TRAIL_VIOLATION}\nStart it.`, TRAIL_DESCRIPTION);
      assert.equal(ours.headline, TRAIL_VIOLATION);
      assert.equal(ours.message, `${TRAIL_VIOLATION}\nStart it.`);
      assert.equal(ours.description, TRAIL_DESCRIPTION);
      // Another pack's description is unknown: reportViolation({message}) sends no description, and the violation
      // itself may span lines. Nothing of it is cut.
      const theirs = splitMessage("Buckets are versioned.\nBucket has no versioning.", undefined);
      assert.deepEqual(theirs, {
        message: "Buckets are versioned.\nBucket has no versioning.",
        headline: "Buckets are versioned.",
        description: undefined,
      });
      const objectForm = splitMessage(
        "Bucket 'logs' has no versioning.\nEnable it: versioning.enabled = true.",
        undefined,
      );
      assert.equal(objectForm.message, "Bucket 'logs' has no versioning.\nEnable it: versioning.enabled = true.");
      assert.equal(objectForm.headline, "Bucket 'logs' has no versioning.");
      // reportViolation() with no message of its own: the description is all there is.
      assert.equal(splitMessage(TRAIL_DESCRIPTION, TRAIL_DESCRIPTION).headline, TRAIL_DESCRIPTION);
    });

    it("SARIF message, JUnit failure message, text and Markdown lead with the violation", async () => {
      const file = tmp("events.json", EVENT_LOG);
      const sarif = JSON.parse((await runCli(["report", file, "--format", "sarif"], "")).stdout) as Sarif.Log;
      const result = sarif.runs
        .flatMap((x) => x.results ?? [])
        .find((x) => x.ruleId === "aws-cloudtrail-trail-logging");
      assert.equal(result?.message.text?.split("\n")[0], TRAIL_VIOLATION);
      assert.ok(!result?.message.text?.includes(TRAIL_DESCRIPTION));
      const rule = sarif.runs[0]?.tool.driver.rules?.find((x) => x.id === "aws-cloudtrail-trail-logging");
      assert.equal(rule?.fullDescription?.text, TRAIL_DESCRIPTION);
      const other = sarif.runs.find((x) => x.tool.driver.name === "aws-compliance");
      assert.equal(other?.results?.[0]?.message.text, "Buckets are versioned.\nBucket has no versioning.");
      assert.equal(other?.tool.driver.rules?.[0]?.shortDescription?.text, "s3-bucket-versioning");

      const junit = junitOf((await runCli(["report", file, "--format", "junit"], "")).stdout);
      const failure = junit.testsuites.testsuite
        .flatMap((s) => s.testcase)
        .find((t) => t["@_classname"] === "auditguard.aws-cloudtrail-trail-logging")?.failure;
      assert.equal(failure?.["@_message"], TRAIL_VIOLATION);
      assert.match(failure?.["#text"] ?? "", new RegExp(`policy: ${TRAIL_DESCRIPTION.slice(0, 30)}`));

      const text = (await runCli(["report", file, "--format", "text"], "")).stdout;
      assert.match(text, new RegExp(`✗ \\[mandatory\\] ${TRAIL_VIOLATION.replace(/[()[\]./*+?]/g, "\\$&")}\\n`));
      assert.ok(text.indexOf(TRAIL_VIOLATION) < text.indexOf(TRAIL_DESCRIPTION));

      const md = (await runCli(["report", file, "--format", "markdown"], "")).stdout;
      assert.match(md, /\n\| CloudTrail trail 'arn:aws:cloudtrail:eu-west-1:123456789012:trail\/main'/);
      assert.ok(!md.includes(TRAIL_DESCRIPTION));
    });
  });

  describe("fails closed on input that cannot hold the run's findings (exit 3)", () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ["an empty file", "", /holds no engine events/],
      ["garbage text", "hello world\nthis is not json\n", /holds no engine events/],
      ["a binary file", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0xff, 0xfe, 10, 0, 0x80]), /no engine events/],
      ["a JSON array of numbers", "[1,2,3]", /holds no engine events/],
      ["an object that is not an event", '{"hello": "world"}', /holds no engine events/],
      [
        "a preview that failed before any policy ran",
        [
          ev({ preludeEvent: { config: {} } }),
          ev({
            diagnosticEvent: {
              message: "<{%fg 1%}>error: Running program failed: TypeError: x is not a function<{%reset%}>\n",
              severity: "error",
            },
          }),
          summary("failed"),
        ].join("\n"),
        /the run failed without a mandatory violation, so not every policy ran: error: Running program failed: TypeError/,
      ],
      [
        // The engine skips AnalyzeStack when the program fails: another pack's advisory finding must not make
        // the run look analysed.
        "a preview whose program crashed after another pack reported an advisory finding",
        [
          ev({ preludeEvent: { config: {} } }),
          OTHER_PACK,
          ev({
            diagnosticEvent: {
              message: "<{%fg 1%}>error: Running program failed: TypeError: x is not a function<{%reset%}>\n",
              severity: "error",
            },
          }),
          summary("failed", { ...LOCAL_PACKS, "aws-compliance": "1.4.0" }),
        ].join("\n"),
        /the run failed without a mandatory violation.*; auditguard's stack policies did not run/,
      ],
      [
        "a failed policy analyze with advisory findings only",
        [ADVISORY, summary("failed", { auditguard: "0.1.0" }, false)].join("\n"),
        /the run failed without a mandatory violation, so not every policy ran/,
      ],
      [
        "a canceled preview after auditguard's stack policies ran",
        [ev({ preludeEvent: { config: {} } }), ADVISORY, stackSummary(), summary("canceled")].join("\n"),
        /the run was canceled without a mandatory violation/,
      ],
      [
        "a preview that succeeded without auditguard's stack analysis",
        [ev({ preludeEvent: { config: {} } }), ADVISORY, stackSummary("aws-compliance"), summary("succeeded")].join(
          "\n",
        ),
        /auditguard's stack policies did not run \(no policyAnalyzeStackSummaryEvent for it\)/,
      ],
      [
        "a run without auditguard among its policy packs",
        [ev({ preludeEvent: { config: {} } }), summary("succeeded", {})].join("\n"),
        /auditguard is not among the run's policy packs \(none\)/,
      ],
      [
        "a run with other packs only",
        [ev({ preludeEvent: { config: {} } }), summary("succeeded", { "aws-compliance|local|/p": "1.0.0" })].join("\n"),
        /auditguard is not among the run's policy packs \(aws-compliance\)/,
      ],
      [
        "a run cut short (no summary event)",
        [ev({ preludeEvent: { config: {} } }), STOPPED_TRAIL].join("\n"),
        /no summary event/,
      ],
      ["lines that are not events", `${EVENT_LOG}\n{"trunc`, /1 line\(s\) are not JSON engine events \(line 8\)/],
    ];
    for (const [what, text, reason] of cases) {
      it(`${what}: one line on stderr, nothing on stdout, exit 3`, async () => {
        const r = await runCli(["report", tmp("events.json", text)], "");
        assert.equal(r.code, 3, r.stdout + r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^auditguard: refusing to report on .*events\.json: /);
        assert.match(r.stderr, reason);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      });
    }

    it("--accept-incomplete reports anyway, saying why it should not", async () => {
      const r = await runCli(["report", tmp("events.json", `${EVENT_LOG}\n{"trunc`), "--accept-incomplete"], "");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /reporting on .* although 1 line\(s\) are not JSON engine events/);
      assert.match(r.stdout, /is not logging/);
    });

    it("an unreadable input exits 3", async () => {
      const r = await runCli(["report", "/nonexistent/events.json"], "");
      assert.equal(r.code, 3);
      assert.match(r.stderr, /cannot read \/nonexistent\/events\.json/);
    });
  });

  describe("SARIF as GitHub code scanning ingests it", () => {
    const threeRegions = [
      ev({ preludeEvent: { config: {} } }),
      STOPPED_TRAIL,
      coverage("us-east-1"),
      coverage("us-west-2"),
      coverage("eu-central-1"),
      summary("failed"),
    ].join("\n");

    it("every location has a line, and fingerprints differ per finding: per region for coverage", () => {
      const log = toSarif(buildReport(threeRegions), { artifactUri: "infra/Pulumi.yaml" });
      assert.ok(validate(log), JSON.stringify(validate.errors));
      const results = log.runs.flatMap((x) => x.results ?? []);
      assert.equal(results.length, 4);
      for (const x of results) {
        for (const loc of x.locations ?? []) {
          assert.equal(loc.physicalLocation?.region?.startLine, 1);
          assert.equal(loc.physicalLocation?.artifactLocation?.uri, "infra/Pulumi.yaml");
        }
      }
      // Code scanning reads primaryLocationLineHash only: without it upload-sarif hashes the located line, the same
      // for every result, and all findings of a rule become one alert.
      const prints = results.map((x) => x.partialFingerprints?.["primaryLocationLineHash"]);
      assert.ok(
        prints.every((p) => typeof p === "string" && p !== ""),
        JSON.stringify(prints),
      );
      assert.equal(new Set(prints).size, 4, JSON.stringify(prints));
    });

    it("fingerprints are stable from run to run when only an age or a time in the message changes", () => {
      const stale = (hours: number, at: string) =>
        policyEvent({
          resourceUrn: TRAIL_URN,
          message: engineMessage(
            "aws-cloudtrail-trail-logging",
            `CloudTrail trail 'main' last delivered ${hours} h ago (${at}), older than maxDeliveryAgeHours=24.`,
          ),
          policyName: "aws-cloudtrail-trail-logging",
          enforcementLevel: "mandatory",
        });
      const printOf = (text: string) =>
        toSarif(buildReport(text), { artifactUri: "Pulumi.yaml" }).runs.flatMap((x) => x.results ?? [])[0]
          ?.partialFingerprints;
      const once = printOf([stale(30, "2026-11-29T01:00:00Z"), summary("failed")].join("\n"));
      const later = printOf([stale(54, "2026-11-28T01:00:00Z"), summary("failed")].join("\n"));
      assert.ok(once?.["primaryLocationLineHash"]);
      assert.deepEqual(once, later);
      const other = printOf([coverage("us-east-1"), summary("failed")].join("\n"));
      assert.notDeepEqual(once, other);
    });

    it("a finding's identity leaves out the command it suggests: the same on every runner and pack version", () => {
      // One line, as the policy writes it: the command names where this pack's command is on the host.
      const stopped = (command: string) =>
        policyEvent({
          resourceUrn: TRAIL_URN,
          message: engineMessage(
            "aws-cloudtrail-trail-logging",
            `CloudTrail trail 'main' is not logging (IsLogging=false since 2026-11-30T10:00:00Z) although its ` +
              `aws:cloudtrail/trail:Trail is declared logging. Start it with \`${command} start --stack prod\` (a dry ` +
              "run; add --yes), or run `pulumi refresh` then `pulumi up --skip-preview` so enableLogging: true starts it.",
          ),
          policyName: "aws-cloudtrail-trail-logging",
          enforcementLevel: "mandatory",
        });
      const of = (command: string) => {
        const r = buildReport([stopped(command), summary("failed")].join("\n"));
        const result = toSarif(r, { artifactUri: "Pulumi.yaml" }).runs.flatMap((x) => x.results ?? [])[0];
        return { subject: r.violations[0]?.subject, print: result?.partialFingerprints?.["primaryLocationLineHash"] };
      };
      const runner = of("node /home/runner/work/infra/policy/auditguard/dist/cli/main.js");
      const laptop = of("node '/Users/me/src/auditguard 2/dist/cli/main.js'");
      const linked = of("auditguard");
      assert.equal(
        runner.subject,
        "CloudTrail trail 'main' is not logging (IsLogging=false since 2026-11-30T10:00:00Z) although its aws:cloudtrail/trail:Trail is declared logging.",
      );
      assert.deepEqual(laptop, runner);
      assert.deepEqual(linked, runner);
      // A coverage finding is still named by its account and region.
      assert.equal(subjectOf("AWS account 1, region us-east-1: no trail. Run `x`."), "AWS account 1, region us-east-1");
    });

    it("one run per pack and stack with automationDetails.id, so two stacks' uploads do not replace each other", async () => {
      const r = await runCli(["report", "-", "--format", "sarif"], "", { stdin: `${EVENT_LOG}\n${ANALYZE_JSON}` });
      const log = JSON.parse(r.stdout) as Sarif.Log;
      assert.ok(validate(log), JSON.stringify(validate.errors));
      assert.deepEqual(log.runs.map((x) => `${x.tool.driver.name} ${x.automationDetails?.id ?? "-"}`).sort(), [
        // The stack-wide finding without a URN cannot be told apart between the two stacks: its run has no id.
        "auditguard -",
        "auditguard auditguard/dev/",
        "auditguard auditguard/prod/",
        "aws-compliance aws-compliance/prod/",
      ]);
    });

    it("every pack the run lists gets a run per stack, findings or not, so a clean upload closes its alerts", () => {
      const clean = [
        ev({ preludeEvent: { config: {} } }),
        ev({ resourcePreEvent: { metadata: { op: "same", urn: TRAIL_URN, type: "aws:cloudtrail/trail:Trail" } } }),
        stackSummary(),
        summary("succeeded", { ...LOCAL_PACKS, "aws-compliance|local|/src/aws-compliance": "1.4.0" }),
      ].join("\n");
      const log = toSarif(buildReport(clean), { artifactUri: "Pulumi.yaml" });
      assert.ok(validate(log), JSON.stringify(validate.errors));
      assert.deepEqual(
        log.runs.map((x) => [x.tool.driver.name, x.automationDetails?.id, x.results?.length]),
        [
          ["auditguard", "auditguard/prod/", 0],
          ["aws-compliance", "aws-compliance/prod/", 0],
        ],
      );
      // Two runs in one input: each summary's packs belong to the stack its events named.
      const two = buildReport(`${EVENT_LOG}\n${ANALYZE_JSON}`);
      assert.deepEqual(two.packsByStack.get("prod"), ["auditguard", "aws-compliance"]);
      assert.deepEqual(two.packsByStack.get("dev"), ["auditguard"]);
    });

    it("informationUri is the pack's own home page from package.json, never a placeholder", () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as {
        homepage?: string;
      };
      const log = toSarif(buildReport(EVENT_LOG), { artifactUri: "Pulumi.yaml" });
      const uri = log.runs.find((x) => x.tool.driver.name === PACK_NAME)?.tool.driver.informationUri;
      assert.equal(uri, informationUri());
      assert.equal(uri, pkg.homepage);
      assert.ok(!JSON.stringify(log).includes("github.com/auditguard/auditguard"));
    });

    it("a file over upload-sarif's compressed size limit keeps its most important results and counts the rest", () => {
      const text = [
        ...Array.from({ length: 300 }, (_, i) => coverage(`xx-region-${i}`)),
        STOPPED_TRAIL,
        summary("failed"),
      ].join("\n");
      const whole = toSarif(buildReport(text), { artifactUri: "Pulumi.yaml" });
      assert.equal(whole.runs[0]?.results?.length, 301);
      const max = 4_000;
      const cut = toSarif(buildReport(text), { artifactUri: "Pulumi.yaml", maxGzipBytes: max });
      assert.ok(gzipSync(JSON.stringify(cut)).length <= max);
      const kept = cut.runs[0]?.results ?? [];
      assert.ok(kept.length > 0 && kept.length < 301, String(kept.length));
      assert.equal(kept[0]?.ruleId, "aws-cloudtrail-trail-logging");
      assert.equal(cut.runs[0]?.properties?.["omittedResults"], 301 - kept.length);
      assert.ok(validate(cut), JSON.stringify(validate.errors));
    });

    it("rules carry the pack's metadata: help URL, remediation, security-severity, level", () => {
      const log = toSarif(buildReport(EVENT_LOG), { artifactUri: "Pulumi.yaml" });
      const ag = log.runs.find((x) => x.tool.driver.name === "auditguard");
      const rule = ag?.tool.driver.rules?.find((x) => x.id === "aws-cloudtrail-trail-logging");
      assert.equal(
        rule?.helpUri,
        "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html",
      );
      assert.match(rule?.help?.text ?? "", /Start the trail/);
      assert.equal(rule?.properties?.["security-severity"], "8.0");
      assert.equal(rule?.defaultConfiguration?.level, "error");
      assert.equal(ag?.tool.driver.rules?.length, packPolicies().size);
      const result = ag?.results?.find((x) => x.ruleId === "aws-cloudtrail-trail-logging");
      assert.equal(ag?.tool.driver.rules?.[result?.ruleIndex ?? -1]?.id, "aws-cloudtrail-trail-logging");
      assert.equal(result?.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName, TRAIL_URN);
    });
  });

  describe("Markdown fits one pull-request comment", () => {
    const many = (n: number) =>
      [
        ev({ preludeEvent: { config: {} } }),
        STOPPED_TRAIL,
        ...Array.from({ length: n }, (_, i) => coverage(`xx-region-${i}`)),
        stackSummary(),
        summary("failed"),
      ].join("\n");

    it(`500 findings: at most ${COMMENT_LIMIT} characters, mandatory first, saying how many were left out and where`, async () => {
      const r = await runCli(
        ["report", tmp("events.json", many(500)), "--format", "markdown", "--full-report", "https://ci.example/run/7"],
        "",
      );
      assert.equal(r.code, 1);
      assert.ok(r.stdout.length <= COMMENT_LIMIT, String(r.stdout.length));
      assert.ok(r.stdout.length > COMMENT_LIMIT - 2_000, String(r.stdout.length));
      const rows = r.stdout
        .split("\n")
        .filter((l) => l.startsWith("| ") && !l.startsWith("| ---") && !l.startsWith("| finding"));
      const left = 501 - rows.length;
      assert.ok(left > 0);
      assert.match(
        r.stdout,
        new RegExp(
          `\\*\\*${left} more finding\\(s\\) left out\\*\\* .* the full report is at https://ci\\.example/run/7\\.`,
        ),
      );
      assert.match(rows[0] ?? "", /is not logging/);
      assert.match(r.stdout, /<details open>\n<summary>Stack <code>prod<\/code>: 1 mandatory, 500 advisory<\/summary>/);
      assert.match(r.stdout, /\n<\/details>\n/);
    });

    it("a small report is whole, folded, with the marker a workflow updates", async () => {
      const r = await runCli(
        ["report", tmp("events.json", many(3)), "--format", "markdown", "--marker", "ag-prod"],
        "",
      );
      assert.match(r.stdout, /^<!-- ag-prod -->\n## Policy report\n/);
      assert.doesNotMatch(r.stdout, /left out/);
      assert.equal(
        r.stdout.split("\n").filter((l) => l.startsWith("| CloudTrail") || l.startsWith("| AWS account")).length,
        4,
      );
    });

    it("cells cannot break the table or inject HTML", async () => {
      const r = await runCli(["report", "-", "--format", "markdown"], "", { stdin: `${EVENT_LOG}\n${ANALYZE_JSON}` });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /'x' \\\| with a pipe &lt;script&gt;/);
      assert.match(r.stdout, /is not logging \(IsLogging=false\)\.<br>Start it/);
      assert.match(r.stdout, /s3-bucket-versioning \(aws-compliance\)/);
      for (const row of r.stdout.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| ---"))) {
        assert.equal(row.replace(/\\\|/g, "").split("|").length, 6, row);
      }
    });
  });

  describe("JUnit", () => {
    it("a clean policy analyze: one passing case per auditguard policy in the stack given by --stack", async () => {
      const r = await runCli(
        [
          "report",
          tmp("events.json", summary("succeeded", { auditguard: "0.1.0" }, false)),
          "--format",
          "junit",
          "--stack",
          "prod",
        ],
        "",
      );
      assert.equal(r.code, 0, r.stderr);
      const doc = junitOf(r.stdout);
      assert.equal(doc.testsuites["@_tests"], String(packPolicies().size));
      assert.equal(doc.testsuites["@_failures"], "0");
      assert.deepEqual(
        doc.testsuites.testsuite.map((s) => s["@_name"]),
        ["prod"],
      );
      const cases = doc.testsuites.testsuite[0]?.testcase ?? [];
      assert.ok(cases.every((c) => c.failure === undefined && c.skipped === undefined && c["@_name"] === "prod"));
    });

    it("mandatory findings fail, advisory ones pass with the message, coverage cases are named per region", async () => {
      const text = [STOPPED_TRAIL, coverage("us-east-1"), coverage("us-west-2"), OTHER_PACK, summary("failed")].join(
        "\n",
      );
      const doc = junitOf((await runCli(["report", tmp("events.json", text), "--format", "junit"], "")).stdout);
      assert.equal(doc.testsuites["@_failures"], "1");
      const suite = doc.testsuites.testsuite[0];
      assert.equal(suite?.["@_name"], "prod");
      const byClass = (c: string) => suite?.testcase.filter((t) => t["@_classname"] === c) ?? [];
      assert.equal(byClass("auditguard.aws-cloudtrail-trail-logging")[0]?.failure?.["@_type"], "mandatory");
      assert.equal(byClass("auditguard.aws-cloudtrail-trail-logging")[0]?.["@_name"], "main");
      assert.deepEqual(
        byClass("auditguard.aws-cloudtrail-account-coverage").map((t) => t["@_name"]),
        ["AWS account 123456789012, region us-east-1", "AWS account 123456789012, region us-west-2"],
      );
      assert.match(
        byClass("aws-compliance.s3-bucket-versioning")[0]?.["system-out"] ?? "",
        /\[advisory\] Buckets are versioned\.\nBucket has no versioning/,
      );
      const names = suite?.testcase.map((t) => `${t["@_classname"]}|${t["@_name"]}`) ?? [];
      assert.equal(new Set(names).size, names.length);
    });

    it("a policy a preview's summary does not list as evaluated is skipped, not passed", async () => {
      const doc = junitOf((await runCli(["report", tmp("events.json", EVENT_LOG), "--format", "junit"], "")).stdout);
      const cases = doc.testsuites.testsuite[0]?.testcase ?? [];
      const of = (p: string) => cases.find((t) => t["@_classname"] === `auditguard.${p}`);
      assert.equal(of("aws-config-recorder-declared")?.skipped, undefined);
      assert.notEqual(of("alicloud-config-recorder-declared")?.skipped, undefined);
    });
  });

  describe("exit codes, --fail-on, outputs", () => {
    it("advisory-only exits 0; --fail-on advisory or a severity makes it 1; none makes a mandatory one 0", async () => {
      const file = tmp("events.json", ANALYZE_JSON);
      assert.equal((await runCli(["report", file], "")).code, 0);
      assert.equal((await runCli(["report", file, "--fail-on", "advisory"], "")).code, 1);
      assert.equal((await runCli(["report", file, "--fail-on", "high"], "")).code, 1);
      assert.equal((await runCli(["report", file, "--fail-on", "critical"], "")).code, 0);
      assert.equal((await runCli(["report", tmp("e.json", EVENT_LOG), "--fail-on", "none"], "")).code, 0);
      const bad = await runCli(["report", file, "--fail-on", "sometimes"], "");
      assert.equal(bad.code, 3);
      assert.match(bad.stderr, /--fail-on: unknown value 'sometimes'/);
    });

    it("a mandatory finding a policy exception matched is shown as excepted and does not fail (exit 0)", async () => {
      // apitype.PolicyEvent.exceptions: the engine does not fail the run on it (step_generator.go), so the
      // preview succeeded.
      const exceptedTrail = policyEvent({
        resourceUrn: TRAIL_URN,
        message: engineMessage("aws-cloudtrail-trail-logging", TRAIL_VIOLATION),
        policyName: "aws-cloudtrail-trail-logging",
        enforcementLevel: "mandatory",
        severity: "high",
        exceptions: [{ id: "EXC-42", reason: "trail retired in change 1234" }],
      });
      const text = [ev({ preludeEvent: { config: {} } }), exceptedTrail, stackSummary(), summary("succeeded")].join(
        "\n",
      );
      const file = tmp("events.json", text);
      const plain = await runCli(["report", file], "");
      assert.equal(plain.code, 0, plain.stdout + plain.stderr);
      assert.match(plain.stdout, /\[mandatory, excepted \(EXC-42\)\] CloudTrail trail/);
      assert.match(plain.stdout, /excepted by EXC-42: trail retired in change 1234/);
      assert.match(plain.stderr, /stack prod: 0 mandatory, 0 advisory, 1 excepted/);
      // Exceptions are not a level: --fail-on a severity does not fail it either.
      assert.equal((await runCli(["report", file, "--fail-on", "high"], "")).code, 0);
      const md = await runCli(["report", file, "--format", "markdown"], "");
      assert.match(md.stdout, /\| mandatory, excepted \(EXC-42\) \|/);
      assert.doesNotMatch(md.stdout, /<details open>/);
      const doc = junitOf((await runCli(["report", file, "--format", "junit"], "")).stdout);
      assert.equal(doc.testsuites["@_failures"], "0");
      const sarif = JSON.parse((await runCli(["report", file, "--format", "sarif"], "")).stdout) as Sarif.Log;
      const result = sarif.runs.flatMap((x) => x.results ?? [])[0];
      assert.deepEqual(result?.properties?.["exceptions"], [{ id: "EXC-42", reason: "trail retired in change 1234" }]);
      // The same finding without the exception fails.
      const open = text.replace(/,"exceptions":\[[^\]]*\]/, "");
      assert.notEqual(open, text);
      assert.equal((await runCli(["report", tmp("events.json", open)], "")).code, 1);
    });

    it("a failing finding that only says a check could not complete exits 2 (undetermined)", async () => {
      const text = [ADVISORY, summary("succeeded")].join("\n");
      assert.equal((await runCli(["report", tmp("events.json", text), "--fail-on", "advisory"], "")).code, 2);
    });

    it("several outputs from one run; one summary line on stderr", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-report-"));
      const sarif = path.join(dir, "out.sarif");
      const junit = path.join(dir, "out.xml");
      const r = await runCli(
        [
          "report",
          tmp("e.json", EVENT_LOG),
          "--format",
          `sarif=${sarif}`,
          "--format",
          `junit=${junit}`,
          "--format",
          "text",
        ],
        "",
      );
      assert.equal(r.code, 1);
      assert.match(r.stdout, /Stack prod: 1 mandatory, 2 advisory/);
      assert.ok(validate(JSON.parse(fs.readFileSync(sarif, "utf8"))));
      junitOf(fs.readFileSync(junit, "utf8"));
      assert.equal(
        r.stderr,
        `auditguard report: stack prod: 1 mandatory, 2 advisory (1 could not be checked); 2 policy checks passed; wrote sarif to ${sarif}, junit to ${junit}; exit 1 (violations)\n`,
      );
      const two = await runCli(["report", tmp("e.json", EVENT_LOG), "--format", "sarif", "--format", "junit"], "");
      assert.equal(two.code, 3);
      assert.match(two.stderr, /only one --format can go to stdout/);
    });

    it("-o writes the file and says so on stderr; an unwritable -o is one line and exit 3", async () => {
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-report-")), "r.sarif");
      const r = await runCli(["report", tmp("e.json", EVENT_LOG), "--format", "sarif", "-o", out], "");
      assert.equal(r.stdout, "");
      assert.match(r.stderr, new RegExp(`wrote sarif to ${out}; exit 1`));
      assert.ok(validate(JSON.parse(fs.readFileSync(out, "utf8"))));
      const bad = await runCli(["report", tmp("e.json", EVENT_LOG), "-o", "/nonexistent/dir/r.txt"], "");
      assert.equal(bad.code, 3);
      assert.equal(bad.stderr, "auditguard: cannot write text to /nonexistent/dir/r.txt (ENOENT)\n");
    });

    it("`report … | head -1` ends quietly with the exit code it would have had (EPIPE)", function () {
      this.timeout(60_000);
      // Large enough that the pipe fills after head has exited.
      const text = [...Array.from({ length: 600 }, (_, i) => coverage(`xx-region-${i}`)), summary("succeeded")].join(
        "\n",
      );
      const file = tmp("events.json", text);
      const r = spawnSync(
        "bash",
        ["-c", `node "$0" report "$1" | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`, MAIN, file],
        {
          encoding: "utf8",
        },
      );
      assert.equal(r.stdout, "Stack prod: 0 mandatory, 600 advisory\n");
      assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|at /);
      assert.match(r.stderr, /exit=0\n$/);
    });
  });
});
