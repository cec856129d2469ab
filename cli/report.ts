// `report`: engine events (`pulumi preview --event-log`, `pulumi up --json`, `pulumi policy analyze --json`:
// newline-delimited apitype.EngineEvent objects) turned into text, Markdown, SARIF 2.1.0 or JUnit XML. Every
// pack's policy events are kept; auditguard's are enriched from the pack's own metadata. Input that cannot be
// trusted to hold the run's findings (nothing, garbage, a run that failed before policies ran, a run without
// auditguard) is refused rather than reported as clean.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import type * as Sarif from "sarif";
import { create } from "xmlbuilder2";
import { redact } from "../lib/redact";
import { PACK_NAME, packPolicies, type PolicyMetadata } from "./pack-metadata";

/** apitype.PolicyEvent (sdk/go/common/apitype/events.go). */
interface PolicyEventJson {
  resourceUrn?: string;
  message?: string;
  color?: string;
  policyName?: string;
  policyPackName?: string;
  policyPackVersion?: string;
  policyPackVersionTag?: string;
  enforcementLevel?: string;
  severity?: string;
  /** The policy exceptions that matched: an excepted violation does not fail the operation, whatever its level. */
  exceptions?: { id?: string; reason?: string }[];
}

/** apitype.PolicyAnalyzeStackSummaryEvent / PolicyAnalyzeSummaryEvent: which policies passed. */
interface PolicySummaryJson {
  resourceUrn?: string;
  policyPackName?: string;
  policyPackVersion?: string;
  passed?: string[];
  failed?: string[];
}

/** apitype.SummaryEvent: the run's end, with the packs that ran (name, or `name|local|path`, -> version) and its result. */
interface SummaryJson {
  PolicyPacks?: Record<string, string> | null;
  result?: string;
  isPreview?: boolean;
}

export interface Violation {
  stack: string;
  urn: string | undefined;
  /** The resource's name (last URN part), or "(stack)" for a stack-wide finding. */
  resource: string;
  resourceType: string | undefined;
  pack: string;
  packVersion: string | undefined;
  policy: string;
  /** advisory | mandatory | remediate | disabled, as the engine sent it. */
  level: string;
  severity: string | undefined;
  /**
   * What was found, without the policy's description that @pulumi/policy puts before it (its
   * reportViolation sends `description + "\n" + message`). Without colour markers; redacted.
   */
  message: string;
  /** The first line of `message`: what every format leads with. */
  headline: string;
  /** The policy's description, when the event carried it (secondary in every format). */
  description: string | undefined;
  /**
   * What the finding is about within its resource or stack (subjectOf): the headline before any command it
   * suggests, up to its first ": " ("AWS account 123456789012, region eu-west-1" for a coverage finding). Names
   * JUnit cases and keys SARIF fingerprints.
   */
  subject: string;
  metadata: PolicyMetadata | undefined;
  /**
   * The policy exceptions that matched it (apitype.PolicyEvent.exceptions, lowest id first). The engine does not
   * fail a run on an excepted violation (step_generator.go sets sawError only without exceptions); neither does
   * `report`.
   */
  exceptions: { id: string; reason: string }[];
}

export interface PassedPolicy {
  stack: string;
  pack: string;
  packVersion: string | undefined;
  policy: string;
  urn: string | undefined;
}

/** What the input says about the run itself, to decide whether its findings can be trusted. */
export interface RunFacts {
  /** Objects that are engine events (a `sequence`, or a known event key). */
  engineEvents: number;
  policyEvents: number;
  /** The packs of the run's summary events, when there was one. */
  packs: string[] | undefined;
  /** The last summary event's result ("succeeded", "failed", "canceled"). */
  result: string | undefined;
  /** A preludeEvent was seen: the input is a deployment's (`pulumi preview --event-log`, `pulumi up --json`). */
  deployment: boolean;
  /**
   * Packs whose stack policies ran: a policyAnalyzeStackSummaryEvent names them. The engine analyses the stack
   * only after the program and every step succeeded (deploy/deployment_executor.go), so a deployment's input
   * without one for auditguard never ran auditguard's stack policies (coverage, live verification).
   */
  stackAnalyzed: string[];
  /** Error diagnostics the engine reported (why a run failed). */
  errors: string[];
  /** 1-based line numbers of lines that were not JSON objects (the first few). */
  skippedAt: number[];
}

export interface EventReport {
  violations: Violation[];
  passed: PassedPolicy[];
  /** For each stack, the policies of each pack that a summary event says were evaluated (passed or failed). */
  evaluated: Map<string, Set<string>>;
  /** Every stack the input names (from any URN), or the one given with --stack. */
  stacks: string[];
  /**
   * For each stack, the policy packs its run's summary event lists: each gets a SARIF run even without findings,
   * so an upload closes that pack's alerts that are gone. A summary's packs belong to the stacks named since the
   * previous summary (input may concatenate several runs), else to every stack.
   */
  packsByStack: Map<string, string[]>;
  /** Lines that were not JSON engine events. */
  skippedLines: number;
  events: number;
  run: RunFacts;
}

export class ReportInputError extends Error {
  override readonly name = "ReportInputError";
}

const STACK_WIDE = "(stack)";
export const UNKNOWN_STACK = "(unknown stack)";
const LIVE_VERIFICATION = "auditguard-live-verification";

/** The engine's colour directives (`<{%fg 3%}>`, `<{%reset%}>`) and any terminal escapes. */
export function stripColor(s: string): string {
  return stripVTControlCharacters(s.replace(/<\{%[^%]*%\}>/g, ""));
}

/** Accepts NDJSON (one event per line, as the CLI writes them), a JSON array of events, or `{events: [...]}`. */
export function parseEvents(text: string): {
  events: Record<string, unknown>[];
  skippedLines: number;
  skippedAt: number[];
} {
  const trimmed = text.trim();
  if (trimmed === "") return { events: [], skippedLines: 0, skippedAt: [] };
  try {
    const doc: unknown = JSON.parse(trimmed);
    if (Array.isArray(doc)) {
      const events = doc.filter(isObject);
      const skipped = doc.length - events.length;
      return { events, skippedLines: skipped, skippedAt: skipped > 0 ? [1] : [] };
    }
    if (isObject(doc) && Array.isArray(doc["events"]))
      return { events: (doc["events"] as unknown[]).filter(isObject), skippedLines: 0, skippedAt: [] };
    if (isObject(doc)) return { events: [doc], skippedLines: 0, skippedAt: [] };
    return { events: [], skippedLines: 1, skippedAt: [1] };
  } catch {
    // more than one document: newline-delimited
  }
  const events: Record<string, unknown>[] = [];
  let skippedLines = 0;
  const skippedAt: number[] = [];
  const lines = trimmed.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      e = undefined;
    }
    if (isObject(e)) events.push(e);
    else {
      skippedLines++;
      if (skippedAt.length < 3) skippedAt.push(i + 1);
    }
  });
  return { events, skippedLines, skippedAt };
}

const EVENT_KEYS = [
  "policyEvent",
  "summaryEvent",
  "preludeEvent",
  "diagnosticEvent",
  "resourcePreEvent",
  "resOutputsEvent",
  "cancelEvent",
  "stdoutEvent",
];

export function buildReport(text: string, opts: { stack?: string } = {}): EventReport {
  const { events, skippedLines, skippedAt } = parseEvents(text);
  const metadata = packPolicies();
  const raw: Omit<Violation, "stack">[] = [];
  const stacks = new Set<string>();
  const summaries: PolicySummaryJson[] = [];
  const runsPacks: { packs: string[]; stacks: Set<string> }[] = [];
  let segment = new Set<string>();
  const run: RunFacts = {
    engineEvents: 0,
    policyEvents: 0,
    packs: undefined,
    result: undefined,
    deployment: false,
    stackAnalyzed: [],
    errors: [],
    skippedAt,
  };
  for (const e of events) {
    if ("sequence" in e || EVENT_KEYS.some((k) => isObject(e[k]))) run.engineEvents++;
    if (isObject(e["preludeEvent"])) run.deployment = true;
    const stackSummary = e["policyAnalyzeStackSummaryEvent"];
    if (isObject(stackSummary)) {
      const name = str(stackSummary["policyPackName"]);
      if (name && !run.stackAnalyzed.includes(name)) run.stackAnalyzed.push(name);
    }
    // Any URN names the stack: resource events of a clean preview do, when no policy event does.
    for (const k of ["resourcePreEvent", "resOutputsEvent"]) {
      const meta = isObject(e[k]) ? (e[k] as Record<string, unknown>)["metadata"] : undefined;
      const urn = isObject(meta) ? str(meta["urn"]) : undefined;
      const stack = urn ? parseUrn(urn)?.stack : undefined;
      if (stack) {
        stacks.add(stack);
        segment.add(stack);
      }
    }
    const summary = e["summaryEvent"];
    if (isObject(summary)) {
      const s = summary as SummaryJson;
      // Keys are a pack's name (packs Pulumi Cloud requires; `policy analyze`), or for a local `--policy-pack`
      // `<name>|local|<path>` (engine LocalPolicyPack.NameForEvents).
      const packs = isObject(s.PolicyPacks) ? Object.keys(s.PolicyPacks).map((k) => k.split("|")[0] ?? k) : [];
      run.packs = [...(run.packs ?? []), ...packs];
      runsPacks.push({ packs, stacks: segment });
      segment = new Set();
      run.result = str(s.result) ?? run.result;
    }
    const diag = e["diagnosticEvent"];
    if (isObject(diag) && diag["severity"] === "error" && typeof diag["message"] === "string") {
      run.errors.push(redact(stripColor(diag["message"])).trim());
    }
    const p = e["policyEvent"];
    if (isObject(p)) {
      run.policyEvents++;
      const ev = p as PolicyEventJson;
      const urn = str(ev.resourceUrn);
      const parsed = urn ? parseUrn(urn) : undefined;
      if (parsed?.stack) {
        stacks.add(parsed.stack);
        segment.add(parsed.stack);
      }
      const pack = str(ev.policyPackName) ?? "(unknown pack)";
      const policy = str(ev.policyName) ?? "(unknown policy)";
      const meta = pack === PACK_NAME ? metadata.get(policy) : undefined;
      const text = splitMessage(redact(stripColor(str(ev.message) ?? "")).trim(), meta?.description);
      raw.push({
        urn,
        resource: parsed?.name ?? STACK_WIDE,
        resourceType: parsed?.type,
        pack,
        packVersion: str(ev.policyPackVersion),
        policy,
        level: normaliseLevel(str(ev.enforcementLevel)),
        severity: str(ev.severity) ?? meta?.severity,
        ...text,
        subject: subjectOf(text.headline) || policy,
        metadata: meta,
        exceptions: (Array.isArray(ev.exceptions) ? ev.exceptions : []).filter(isObject).map((x) => ({
          id: str(x["id"]) ?? "(no id)",
          reason: redact(stripColor(str(x["reason"]) ?? "")),
        })),
      });
    }
    for (const key of ["policyAnalyzeStackSummaryEvent", "policyAnalyzeSummaryEvent"]) {
      const s = e[key];
      if (isObject(s)) summaries.push(s as PolicySummaryJson);
    }
  }
  if (opts.stack) {
    stacks.clear();
    stacks.add(opts.stack);
  }
  // A stack-wide event carries no URN: it belongs to the stack the other events name, when there is one.
  const onlyStack = stacks.size === 1 ? [...stacks][0] : undefined;
  const stackOf = (urn: string | undefined): string =>
    opts.stack ?? (urn ? parseUrn(urn)?.stack : undefined) ?? onlyStack ?? UNKNOWN_STACK;
  // `pulumi up` analyses twice (preview, then update): the same finding twice is one finding.
  const seen = new Set<string>();
  const violations: Violation[] = [];
  for (const v of raw) {
    const key = JSON.stringify([v.pack, v.policy, v.urn, v.level, v.message]);
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push({ ...v, stack: stackOf(v.urn) });
  }
  const failing = new Set(violations.map((v) => `${v.pack}|${v.policy}|${v.stack}`));
  const passedSeen = new Set<string>();
  const passed: PassedPolicy[] = [];
  const evaluated = new Map<string, Set<string>>();
  for (const s of summaries) {
    const pack = str(s.policyPackName) ?? "(unknown pack)";
    const stack = stackOf(str(s.resourceUrn));
    const names = [...(Array.isArray(s.passed) ? s.passed : []), ...(Array.isArray(s.failed) ? s.failed : [])];
    const key = `${stack}|${pack}`;
    const set = evaluated.get(key) ?? new Set<string>();
    for (const n of names) if (typeof n === "string") set.add(n);
    evaluated.set(key, set);
    for (const policy of Array.isArray(s.passed) ? s.passed : []) {
      if (typeof policy !== "string") continue;
      const key = `${pack}|${policy}|${stack}`;
      if (failing.has(key) || passedSeen.has(key)) continue;
      passedSeen.add(key);
      passed.push({ stack, pack, packVersion: str(s.policyPackVersion), policy, urn: str(s.resourceUrn) });
    }
  }
  const allStacks = new Set([...stacks, ...violations.map((v) => v.stack), ...passed.map((p) => p.stack)]);
  if (allStacks.size === 0) allStacks.add(UNKNOWN_STACK);
  const packsByStack = new Map<string, string[]>();
  for (const { packs, stacks: named } of runsPacks) {
    const of = opts.stack ? [opts.stack] : named.size > 0 ? [...named] : [...allStacks];
    for (const stack of of) {
      const list = packsByStack.get(stack) ?? [];
      for (const pack of packs) if (!list.includes(pack)) list.push(pack);
      packsByStack.set(stack, list);
    }
  }
  return {
    violations,
    passed,
    evaluated,
    stacks: [...allStacks].sort(),
    packsByStack,
    skippedLines,
    events: events.length,
    run,
  };
}

/**
 * Why the input cannot be trusted to hold the run's findings; empty when it can. A report of nothing must mean
 * "the policies ran and found nothing", never "there was nothing to read".
 */
export function untrustedInput(r: EventReport): string[] {
  const why: string[] = [];
  if (r.run.engineEvents === 0 && r.run.policyEvents === 0) {
    why.push(
      "it holds no engine events: expected `pulumi preview --event-log <file>`, `pulumi up --json` or `pulumi policy analyze --json` output",
    );
    return why;
  }
  if (r.skippedLines > 0)
    why.push(
      `${r.skippedLines} line(s) are not JSON engine events (line ${r.run.skippedAt.join(", ")}${r.skippedLines > r.run.skippedAt.length ? ", …" : ""}): a truncated or mixed file`,
    );
  if (r.run.packs === undefined) {
    why.push("it has no summary event: the run did not finish, or the file is cut short");
  } else if (!r.run.packs.includes(PACK_NAME)) {
    why.push(
      `${PACK_NAME} is not among the run's policy packs (${r.run.packs.length ? r.run.packs.join(", ") : "none"}): pass --policy-pack <the auditguard pack directory>`,
    );
  }
  // A run fails when a mandatory policy failed, or when something else (the program, a step, a pack) did: then
  // policies may not have run at all, and what reported is not all there is. Only a mandatory violation, which
  // fails the report anyway, explains a failed run.
  const failedRun = r.run.result !== undefined && r.run.result !== "succeeded";
  if (failedRun && !r.violations.some(blocking)) {
    const first = r.run.errors[0]?.split("\n")[0];
    why.push(
      `the run ${r.run.result === "canceled" ? "was canceled" : "failed"} without a mandatory violation, so not every policy ran${first ? `: ${first}` : ""}`,
    );
  }
  if (r.run.deployment && r.run.packs?.includes(PACK_NAME) && !r.run.stackAnalyzed.includes(PACK_NAME)) {
    why.push(
      `${PACK_NAME}'s stack policies did not run (no policyAnalyzeStackSummaryEvent for it): the engine analyses the stack only after the program and its steps succeeded`,
    );
  }
  return why;
}

/**
 * @pulumi/policy's reportViolation(string) sends `description + "\n" + message` (server.js makeReportViolationFun),
 * so an auditguard event's message starts with the policy's description, known exactly and removed. Another
 * pack's message is left whole: its reportViolation({...}) form sends the message alone, with no description
 * before it, and a description may itself span lines, so no line of it can be told to be the description.
 */
export function splitMessage(
  text: string,
  knownDescription: string | undefined,
): { message: string; headline: string; description: string | undefined } {
  let description: string | undefined;
  let message = text;
  if (knownDescription !== undefined) {
    if (text === knownDescription) {
      description = knownDescription;
    } else if (text.startsWith(`${knownDescription}\n`)) {
      description = knownDescription;
      message = text.slice(knownDescription.length + 1).trim();
    }
  }
  // A violation reported with no message of its own: the description is all there is to say.
  if (message === "" && description !== undefined) message = description;
  return { message, headline: message.split("\n")[0]?.trim() ?? "", description };
}

/** A finding that fails the run in the engine's eyes: mandatory and not excepted. */
function blocking(v: Violation): boolean {
  return v.level === "mandatory" && v.exceptions.length === 0;
}

/** The finding's level as every format shows it: `mandatory`, or `mandatory, excepted (EXC-42)`. */
export function levelLabel(v: Violation): string {
  return v.exceptions.length ? `${v.level}, excepted (${v.exceptions.map((x) => x.id).join(", ")})` : v.level;
}

/**
 * What a finding is about, from its headline: the text before the first code span (a suggested command names this
 * host's paths, `node /home/runner/…/dist/cli/main.js start …`, and changes with the runner and the pack's
 * version), cut back to the last whole sentence; then up to its first ": " ("AWS account 123456789012, region
 * eu-west-1: …").
 */
export function subjectOf(headline: string): string {
  let text = headline;
  const tick = text.indexOf("`");
  if (tick >= 0) {
    const before = text.slice(0, tick);
    const end = before.lastIndexOf(". ");
    text = (end > 0 ? before.slice(0, end + 1) : before).trim();
  }
  const i = text.indexOf(": ");
  return (i > 0 && i <= 200 ? text.slice(0, i) : text).slice(0, 200);
}

// ---------------------------------------------------------------------------------------------------------
// exit codes

/** What makes `report` fail: enforcement levels (mandatory, advisory) and, optionally, severities and above. */
export interface FailOn {
  levels: Set<string>;
  /** A finding at or above this severity fails whatever its level. */
  severity: string | undefined;
}

const SEVERITY_RANK: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export function parseFailOn(spec: string): FailOn {
  const out: FailOn = { levels: new Set(), severity: undefined };
  for (const part of spec
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    if (part === "none") continue;
    if (part === "mandatory") out.levels.add("mandatory");
    else if (part === "advisory") {
      out.levels.add("mandatory");
      out.levels.add("advisory");
    } else if (SEVERITY_RANK[part] !== undefined) {
      if (!out.severity || (SEVERITY_RANK[part] ?? 0) < (SEVERITY_RANK[out.severity] ?? 0)) out.severity = part;
    } else {
      throw new ReportInputError(
        `--fail-on: unknown value '${part}' (use mandatory, advisory, none, or a severity: critical, high, medium, low)`,
      );
    }
  }
  return out;
}

export function fails(v: Violation, failOn: FailOn): boolean {
  // A policy exception accepted the finding: it is shown, it does not fail.
  if (v.exceptions.length > 0) return false;
  if (failOn.levels.has(v.level)) return true;
  const rank = SEVERITY_RANK[v.severity ?? ""];
  return failOn.severity !== undefined && rank !== undefined && rank >= (SEVERITY_RANK[failOn.severity] ?? 9);
}

/**
 * 1 when a failing finding is a violation; 2 when the only failing findings say a check could not complete
 * (auditguard-live-verification); 0 otherwise.
 */
export function exitCodeOfReport(r: EventReport, failOn: FailOn = parseFailOn("mandatory")): 0 | 1 | 2 {
  const failing = r.violations.filter((v) => fails(v, failOn));
  if (failing.some((v) => !(v.pack === PACK_NAME && v.policy === LIVE_VERIFICATION))) return 1;
  return failing.length > 0 ? 2 : 0;
}

/** One line for stderr, whatever the format: what was found and where. */
export function summaryLine(r: EventReport): string {
  const parts = r.stacks.map((stack) => {
    const list = r.violations.filter((v) => v.stack === stack);
    const undetermined = list.filter((v) => v.pack === PACK_NAME && v.policy === LIVE_VERIFICATION).length;
    return (
      `stack ${stack}: ${count(list, "mandatory")} mandatory, ${count(list, "advisory")} advisory${excepted(list)}` +
      (undetermined ? ` (${undetermined} could not be checked)` : "")
    );
  });
  return parts.join("; ");
}

// ---------------------------------------------------------------------------------------------------------
// text and Markdown

export function toText(r: EventReport): string {
  const lines: string[] = [];
  for (const [stack, list] of byStack(r.violations)) {
    lines.push(
      `Stack ${stack}: ${count(list, "mandatory")} mandatory, ${count(list, "advisory")} advisory${excepted(list)}`,
    );
    for (const v of ordered(list)) {
      lines.push(`  ${blocking(v) ? "✗" : "!"} [${levelLabel(v)}] ${v.headline}`);
      const rest = v.message.split("\n").slice(1).join("\n").trim();
      lines.push(
        `      ${v.pack}/${v.policy} · ${v.resource}${v.resourceType ? ` (${v.resourceType})` : ""}${v.severity ? ` · ${v.severity}` : ""}`,
      );
      for (const l of rest ? rest.split("\n") : []) lines.push(`      ${l}`);
      for (const x of v.exceptions) lines.push(`      excepted by ${x.id}${x.reason ? `: ${x.reason}` : ""}`);
      if (v.description) lines.push(`      policy: ${v.description}`);
      if (v.metadata?.url) lines.push(`      more: ${v.metadata.url}`);
    }
  }
  if (r.violations.length === 0) lines.push("No policy violations.");
  if (r.passed.length > 0) lines.push(`${r.passed.length} policy checks passed.`);
  return `${lines.join("\n")}\n`;
}

/** GitHub refuses an issue or pull-request comment longer than 65,536 characters. */
export const COMMENT_LIMIT = 65_536;
export const DEFAULT_MARKER = "auditguard-report";

export interface MarkdownOptions {
  /** The hidden marker a workflow finds to update one sticky comment: `<!-- marker -->`. */
  marker: string;
  /** Where the findings left out are: a link (a workflow run, an artifact), else a hint to produce them. */
  fullReport?: string;
  /** Characters at most (GitHub's comment limit by default). */
  limit?: number;
}

export function toMarkdown(r: EventReport, options: MarkdownOptions = { marker: DEFAULT_MARKER }): string {
  const limit = options.limit ?? COMMENT_LIMIT;
  const marker = `<!-- ${options.marker.replace(/--/g, "")} -->`;
  const m = count(r.violations, "mandatory");
  const a = count(r.violations, "advisory");
  const head = [
    marker,
    "## Policy report",
    "",
    r.violations.length === 0
      ? `No policy violations in ${r.stacks.map((s) => `\`${s}\``).join(", ")}.`
      : `${m ? `**${m} mandatory**` : "0 mandatory"}, ${a} advisory${excepted(r.violations)} in ${r.stacks.map((s) => `\`${s}\``).join(", ")}.`,
    "",
  ];
  const tail: string[] = [];
  if (r.passed.length > 0) tail.push(`${r.passed.length} policy checks passed.`, "");
  // Rows in order of importance, so a cut leaves out the least important ones.
  const sections = [...byStack(r.violations)].map(([stack, list]) => ({
    stack,
    list: ordered(list),
    open: list.some(blocking),
  }));
  const rowOf = (v: Violation): string => {
    const policy = v.metadata?.url ? `[${cell(v.policy)}](${v.metadata.url})` : cell(v.policy);
    const pack = v.pack === PACK_NAME ? "" : ` (${cell(v.pack)})`;
    const resource = v.resourceType ? `${cell(v.resource)} <sub>${cell(v.resourceType)}</sub>` : cell(v.resource);
    const level = blocking(v) ? "**mandatory**" : cell(levelLabel(v));
    return `| ${cell(v.message)} | ${resource} | ${level} | ${policy}${pack} |`;
  };
  const sectionHead = (s: (typeof sections)[number]) => [
    `<details${s.open ? " open" : ""}>`,
    `<summary>Stack <code>${cell(s.stack)}</code>: ${count(s.list, "mandatory")} mandatory, ${count(s.list, "advisory")} advisory${excepted(s.list)}</summary>`,
    "",
    "| finding | resource | level | policy |",
    "| --- | --- | --- | --- |",
  ];
  const sectionTail = ["", "</details>", ""];
  const noteFor = (left: number) =>
    [
      `**${left} more finding(s) left out** to fit GitHub's ${limit.toLocaleString("en-US")}-character comment limit: ` +
        (options.fullReport
          ? `the full report is at ${options.fullReport}.`
          : "the SARIF or JUnit report, or `auditguard report <events> --format text`, has all of them."),
      "",
    ].join("\n");
  const total = r.violations.length;
  // Room for the note, whatever the number it carries.
  const reserve = noteFor(total).length + 16;
  const out: string[] = [...head];
  let size = out.join("\n").length + tail.join("\n").length + 2;
  let shown = 0;
  for (const s of sections) {
    const h = sectionHead(s).join("\n") + "\n";
    const t = sectionTail.join("\n") + "\n";
    if (size + h.length + t.length + reserve > limit) break;
    const rows: string[] = [];
    let used = h.length + t.length;
    for (const v of s.list) {
      const row = `${rowOf(v)}\n`;
      if (size + used + row.length + reserve > limit) break;
      rows.push(row.slice(0, -1));
      used += row.length;
    }
    if (rows.length === 0) break;
    out.push(...sectionHead(s), ...rows, ...sectionTail);
    size += used;
    shown += rows.length;
    if (rows.length < s.list.length) break;
  }
  if (shown < total) out.push(noteFor(total - shown));
  out.push(...tail);
  return out.join("\n");
}

/** One Markdown table cell: no pipes or newlines can break the row, no HTML is injected. */
function cell(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, "<br>");
}

// ---------------------------------------------------------------------------------------------------------
// SARIF 2.1.0

const SARIF_LEVEL: Record<string, Sarif.Result.level> = {
  mandatory: "error",
  advisory: "warning",
  remediate: "note",
  disabled: "none",
};
/** GitHub code scanning reads `security-severity` (a CVSS-like score) to rank security results. */
const SECURITY_SEVERITY: Record<string, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };
/** GitHub code scanning's hard limits (troubleshooting SARIF uploads: results exceed limit). */
export const SARIF_LIMITS = { runsPerFile: 20, resultsPerRun: 25_000, tagsPerRule: 20 } as const;
/** upload-sarif refuses a file over 10 MB gzip-compressed (troubleshooting SARIF uploads: file too large). */
export const SARIF_MAX_GZIP_BYTES = 10_000_000;

export interface SarifOptions {
  /** The file results are attached to (code scanning wants a physical location): the project's Pulumi.yaml. */
  artifactUri: string;
  /** Compressed size the file must stay under (code scanning's limit by default). */
  maxGzipBytes?: number;
}

/** The pack's home page, from package.json (`homepage`, else `repository`), when it names one. */
export function informationUri(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
      homepage?: unknown;
      repository?: unknown;
    };
    const repo = isObject(pkg.repository) ? pkg.repository["url"] : pkg.repository;
    const url = typeof pkg.homepage === "string" ? pkg.homepage : typeof repo === "string" ? repo : undefined;
    return url?.replace(/^git\+/, "").replace(/\.git$/, "");
  } catch {
    return undefined;
  }
}

/**
 * One run per (policy pack, stack): code scanning keys an analysis by tool and `automationDetails.id`, so a
 * stack's upload replaces that stack's earlier alerts and no other stack's.
 */
export function toSarif(r: EventReport, options: SarifOptions): Sarif.Log {
  const groups = new Map<string, { pack: string; stack: string; list: Violation[] }>();
  const groupOf = (pack: string, stack: string) => {
    const key = JSON.stringify([pack, stack]);
    let g = groups.get(key);
    if (!g) {
      g = { pack, stack, list: [] };
      groups.set(key, g);
    }
    return g;
  };
  // auditguard's run is always there for each stack, with every rule, and so is a run for every other pack that
  // ran on it: a clean stack uploads as "no alerts", which closes the alerts of findings that are gone.
  for (const stack of r.stacks) {
    groupOf(PACK_NAME, stack);
    for (const pack of r.packsByStack.get(stack) ?? []) groupOf(pack, stack);
  }
  for (const v of r.violations) groupOf(v.pack, v.stack).list.push(v);
  const home = informationUri();
  const runs: Sarif.Run[] = [];
  for (const { pack, stack, list } of groups.values()) {
    const ruleIds: string[] = [];
    const rules: Sarif.ReportingDescriptor[] = [];
    const addRule = (
      policy: string,
      meta: PolicyMetadata | undefined,
      level: string | undefined,
      severity?: string,
      description?: string,
    ) => {
      if (ruleIds.includes(policy)) return;
      ruleIds.push(policy);
      rules.push(ruleOf(policy, meta, level, severity, description));
    };
    if (pack === PACK_NAME) for (const meta of packPolicies().values()) addRule(meta.name, meta, meta.enforcementLevel);
    for (const v of list) addRule(v.policy, v.metadata, v.level, v.severity, v.description);
    const version = list.find((v) => v.packVersion)?.packVersion;
    const used = new Map<string, number>();
    runs.push({
      tool: {
        driver: {
          name: pack,
          ...(version ? { version } : {}),
          ...(pack === PACK_NAME && home ? { informationUri: home } : {}),
          rules,
        },
      },
      ...(stack !== UNKNOWN_STACK ? { automationDetails: { id: `${pack}/${stack}/` } } : {}),
      // Past the limit code scanning rejects the file: keep the most important results.
      results: ordered(list)
        .slice(0, SARIF_LIMITS.resultsPerRun)
        .map((v) => resultOf(v, ruleIds.indexOf(v.policy), options, used)),
      columnKind: "unicodeCodePoints",
    });
  }
  const log: Sarif.Log = {
    $schema: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
    version: "2.1.0",
    runs: runs.slice(0, SARIF_LIMITS.runsPerFile),
  };
  // Too large to upload: drop the least important results of each run (they are ordered), saying how many.
  const max = options.maxGzipBytes ?? SARIF_MAX_GZIP_BYTES;
  while (gzipSync(JSON.stringify(log)).length > max && log.runs.some((r) => (r.results?.length ?? 0) > 0)) {
    for (const run of log.runs) {
      const results = run.results ?? [];
      if (results.length === 0) continue;
      const keep = Math.floor(results.length * 0.8);
      const omitted = Number(run.properties?.["omittedResults"] ?? 0) + results.length - keep;
      run.results = results.slice(0, keep);
      run.properties = { ...run.properties, omittedResults: omitted };
    }
  }
  return log;
}

function ruleOf(
  policy: string,
  meta: PolicyMetadata | undefined,
  level: string | undefined,
  severity: string | undefined,
  description: string | undefined,
): Sarif.ReportingDescriptor {
  const sev = meta?.severity ?? severity;
  const tags = [...(meta?.tags ?? []), "security"].slice(0, SARIF_LIMITS.tagsPerRule);
  const text = meta?.description ?? description;
  return {
    id: policy,
    name: policy,
    shortDescription: { text: text ?? policy },
    ...(text ? { fullDescription: { text } } : {}),
    ...(meta?.url ? { helpUri: meta.url } : {}),
    ...(meta?.remediationSteps
      ? { help: { text: meta.remediationSteps, markdown: `**Remediation:** ${meta.remediationSteps}` } }
      : {}),
    defaultConfiguration: { level: SARIF_LEVEL[meta?.enforcementLevel ?? level ?? ""] ?? "warning" },
    properties: {
      tags,
      ...(sev ? { severity: sev } : {}),
      ...(sev && SECURITY_SEVERITY[sev] ? { "security-severity": SECURITY_SEVERITY[sev] } : {}),
      ...(meta?.framework ? { framework: meta.framework } : {}),
    },
  };
}

/**
 * What identifies a finding across runs: its stack, pack, policy, resource, and what it is about within that
 * resource or stack (for a coverage finding on the stack: the account and region). Times and ages in it
 * ("2026-11-30T10:00:00Z", "27 h", "90 min") are left out, so a stale delivery that grows older stays one alert.
 */
function identityOf(v: Violation): string {
  const subject = v.subject
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>")
    .replace(/\b\d+(\.\d+)?\s*(ms|s|sec|seconds?|min|minutes?|h|hours?|days?)\b/g, "<age>");
  return JSON.stringify([v.stack, v.pack, v.policy, v.urn ?? "", subject]);
}

function resultOf(v: Violation, ruleIndex: number, options: SarifOptions, used: Map<string, number>): Sarif.Result {
  const identity = identityOf(v);
  const n = used.get(identity) ?? 0;
  used.set(identity, n + 1);
  const fingerprint = createHash("sha256")
    .update(n === 0 ? identity : `${identity}#${n}`)
    .digest("hex");
  return {
    ruleId: v.policy,
    ruleIndex,
    level: SARIF_LEVEL[v.level] ?? "warning",
    message: { text: v.message || v.policy },
    locations: [
      {
        // Code scanning annotates a line: without a region there is nothing to show on a pull request.
        physicalLocation: { artifactLocation: { uri: options.artifactUri }, region: { startLine: 1 } },
        logicalLocations: [
          {
            name: v.resource,
            ...(v.urn ? { fullyQualifiedName: v.urn } : {}),
            kind: v.urn ? "resource" : "module",
          },
        ],
      },
    ],
    // Code scanning matches results across runs by primaryLocationLineHash only; upload-sarif computes it from the
    // text of the located line when absent (codeql-action src/fingerprints.ts), which is Pulumi.yaml's first line
    // for every result, and keeps a value that is there. So the finding's own identity goes under that key.
    partialFingerprints: { primaryLocationLineHash: fingerprint, "auditguardFinding/v2": fingerprint },
    properties: {
      stack: v.stack,
      enforcementLevel: v.level,
      subject: v.subject,
      ...(v.exceptions.length ? { exceptions: v.exceptions } : {}),
      ...(v.severity ? { severity: v.severity } : {}),
      ...(v.resourceType ? { resourceType: v.resourceType } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// JUnit XML

/**
 * One test suite per stack. Each policy of auditguard is a test case in every stack, passing when it found
 * nothing (its list comes from the pack itself, since `pulumi policy analyze` sends no summary of what passed),
 * so a clean run is a report of passes, not an empty file. Each finding is its own case, named by what it is
 * about: mandatory ones fail; advisory ones pass with the message in system-out.
 */
export function toJunit(r: EventReport): string {
  // Control characters XML 1.0 cannot carry become U+FFFD instead of breaking the document.
  const doc = create({ version: "1.0", encoding: "UTF-8", invalidCharReplacement: "\uFFFD" });
  interface Case {
    classname: string;
    name: string;
    violation?: Violation;
    skipped?: string;
  }
  const suites: { stack: string; cases: Case[] }[] = [];
  for (const stack of r.stacks) {
    const cases: Case[] = [];
    const names = new Set<string>();
    const unique = (classname: string, name: string) => {
      let n = name;
      for (let i = 2; names.has(`${classname}|${n}`); i++) n = `${name} (${i})`;
      names.add(`${classname}|${n}`);
      return n;
    };
    const violations = r.violations.filter((v) => v.stack === stack);
    const policiesByPack = new Map<string, string[]>();
    const add = (pack: string, policy: string) => {
      const list = policiesByPack.get(pack) ?? [];
      if (!list.includes(policy)) list.push(policy);
      policiesByPack.set(pack, list);
    };
    for (const p of packPolicies().keys()) add(PACK_NAME, p);
    for (const v of violations) add(v.pack, v.policy);
    for (const p of r.passed.filter((x) => x.stack === stack)) add(p.pack, p.policy);
    for (const [pack, policies] of policiesByPack) {
      const evaluated = r.evaluated.get(`${stack}|${pack}`);
      for (const policy of policies) {
        const classname = `${pack}.${policy}`;
        const found = ordered(violations.filter((v) => v.pack === pack && v.policy === policy));
        if (found.length === 0) {
          // A summary that lists what ran, without this policy: it was disabled or did not apply.
          const ran = evaluated === undefined || evaluated.has(policy);
          cases.push({
            classname,
            name: unique(classname, stack),
            ...(ran ? {} : { skipped: "not evaluated in this run (disabled, or no resource it applies to)" }),
          });
          continue;
        }
        for (const v of found) {
          // A finding on the stack itself (coverage) is about an account and region, not about the stack.
          const onResource = v.urn !== undefined && v.resourceType !== "pulumi:pulumi:Stack";
          const about = onResource ? `${v.resource}${found.length > 1 ? `: ${v.subject}` : ""}` : v.subject;
          cases.push({ classname, name: unique(classname, about), violation: v });
        }
      }
    }
    suites.push({ stack, cases });
  }
  const all = suites.flatMap((s) => s.cases);
  const failuresOf = (cases: Case[]) => cases.filter((c) => c.violation && blocking(c.violation)).length;
  const root = doc.ele("testsuites", {
    name: "pulumi policy",
    tests: String(all.length),
    failures: String(failuresOf(all)),
    errors: "0",
    skipped: String(all.filter((c) => c.skipped).length),
  });
  for (const s of suites) {
    const suite = root.ele("testsuite", {
      name: s.stack,
      tests: String(s.cases.length),
      failures: String(failuresOf(s.cases)),
      errors: "0",
      skipped: String(s.cases.filter((c) => c.skipped).length),
    });
    for (const c of s.cases) {
      const tc = suite.ele("testcase", { classname: c.classname, name: c.name });
      const v = c.violation;
      if (c.skipped) tc.ele("skipped", { message: c.skipped });
      else if (v && blocking(v)) tc.ele("failure", { message: clip(v.headline), type: v.level }).txt(details(v));
      else if (v) tc.ele("system-out").txt(`[${levelLabel(v)}] ${details(v)}`);
    }
  }
  return root.end({ format: "xml", prettyPrint: true });
}

function details(v: Violation): string {
  return [
    v.message,
    v.urn ? `resource: ${v.urn}` : "",
    v.severity ? `severity: ${v.severity}` : "",
    ...v.exceptions.map((x) => `excepted by ${x.id}${x.reason ? `: ${x.reason}` : ""}`),
    v.description ? `policy: ${v.description}` : "",
    v.metadata?.remediationSteps ? `remediation: ${v.metadata.remediationSteps}` : "",
    v.metadata?.url ? `more: ${v.metadata.url}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

function clip(line: string): string {
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

// ---------------------------------------------------------------------------------------------------------

/** urn:pulumi:<stack>::<project>::<qualified type>::<name> */
export function parseUrn(urn: string): { stack: string; project: string; type: string; name: string } | undefined {
  const m = /^urn:pulumi:([^:]*)::([^:]*)::(.*?)::(.*)$/s.exec(urn);
  if (!m) return undefined;
  const qualified = m[3] ?? "";
  return {
    stack: m[1] ?? "",
    project: m[2] ?? "",
    type: qualified.split("$").pop() ?? qualified,
    name: m[4] ?? "",
  };
}

function normaliseLevel(level: string | undefined): string {
  // The engine's own name for advisory in some renderings.
  if (level === "warning") return "advisory";
  return level ?? "advisory";
}

const LEVEL_RANK: Record<string, number> = { mandatory: 0, advisory: 1 };

/** Mandatory first, then by severity, keeping the engine's order otherwise. */
function ordered(list: readonly Violation[]): Violation[] {
  return list
    .map((v, i) => ({ v, i }))
    .sort(
      (a, b) =>
        (LEVEL_RANK[a.v.level] ?? 2) - (LEVEL_RANK[b.v.level] ?? 2) ||
        (SEVERITY_RANK[b.v.severity ?? ""] ?? 0) - (SEVERITY_RANK[a.v.severity ?? ""] ?? 0) ||
        a.i - b.i,
    )
    .map((x) => x.v);
}

function byStack(list: readonly Violation[]): Map<string, Violation[]> {
  const out = new Map<string, Violation[]>();
  for (const v of list) out.set(v.stack, [...(out.get(v.stack) ?? []), v]);
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Findings of a level that a policy exception did not accept. */
function count(list: readonly Violation[], level: string): number {
  return list.filter((v) => v.level === level && v.exceptions.length === 0).length;
}

/** ", 2 excepted" when policy exceptions accepted some findings. */
function excepted(list: readonly Violation[]): string {
  const n = list.filter((v) => v.exceptions.length > 0).length;
  return n ? `, ${n} excepted` : "";
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
