// `report`: engine events (`pulumi preview --event-log`, `pulumi up --json`, `pulumi policy analyze --json`:
// newline-delimited apitype.EngineEvent objects) turned into text, Markdown, SARIF 2.1.0 or JUnit XML. Every
// pack's policy events are kept; auditguard's are enriched from the pack's own metadata.

import { createHash } from "node:crypto";
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
}

/** apitype.PolicyAnalyzeStackSummaryEvent / PolicyAnalyzeSummaryEvent: which policies passed. */
interface PolicySummaryJson {
  resourceUrn?: string;
  policyPackName?: string;
  policyPackVersion?: string;
  passed?: string[];
  failed?: string[];
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
  /** Without colour markers; redacted. */
  message: string;
  metadata: PolicyMetadata | undefined;
}

export interface PassedPolicy {
  stack: string;
  pack: string;
  packVersion: string | undefined;
  policy: string;
  urn: string | undefined;
}

export interface EventReport {
  violations: Violation[];
  passed: PassedPolicy[];
  /** Lines that were not JSON engine events. */
  skippedLines: number;
  events: number;
}

export class ReportInputError extends Error {
  override readonly name = "ReportInputError";
}

const STACK_WIDE = "(stack)";
const UNKNOWN_STACK = "(unknown stack)";

/** The engine's colour directives (`<{%fg 3%}>`, `<{%reset%}>`) and any terminal escapes. */
export function stripColor(s: string): string {
  return stripVTControlCharacters(s.replace(/<\{%[^%]*%\}>/g, ""));
}

/** Accepts NDJSON (one event per line, as the CLI writes them), a JSON array of events, or `{events: [...]}`. */
export function parseEvents(text: string): { events: Record<string, unknown>[]; skippedLines: number } {
  const trimmed = text.trim();
  if (trimmed === "") return { events: [], skippedLines: 0 };
  try {
    const doc: unknown = JSON.parse(trimmed);
    if (Array.isArray(doc)) return { events: doc.filter(isObject), skippedLines: 0 };
    if (isObject(doc) && Array.isArray(doc["events"]))
      return { events: (doc["events"] as unknown[]).filter(isObject), skippedLines: 0 };
    if (isObject(doc)) return { events: [doc], skippedLines: 0 };
  } catch {
    // more than one document: newline-delimited
  }
  const events: Record<string, unknown>[] = [];
  let skippedLines = 0;
  for (const line of trimmed.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    try {
      const e: unknown = JSON.parse(line);
      if (isObject(e)) events.push(e);
      else skippedLines++;
    } catch {
      skippedLines++;
    }
  }
  return { events, skippedLines };
}

export function buildReport(text: string): EventReport {
  const { events, skippedLines } = parseEvents(text);
  const known = events.filter(
    (e) => isObject(e["policyEvent"]) || isObject(e["summaryEvent"]) || isObject(e["preludeEvent"]) || "sequence" in e,
  );
  if (events.length > 0 && known.length === 0) {
    throw new ReportInputError(
      "no engine events found: expected `pulumi preview --event-log <file>`, `pulumi up --json` or `pulumi policy analyze --json` output",
    );
  }
  const metadata = packPolicies();
  const raw: Omit<Violation, "stack">[] = [];
  const stacks = new Set<string>();
  const summaries: PolicySummaryJson[] = [];
  for (const e of events) {
    const p = e["policyEvent"];
    if (isObject(p)) {
      const ev = p as PolicyEventJson;
      const urn = str(ev.resourceUrn);
      const parsed = urn ? parseUrn(urn) : undefined;
      if (parsed?.stack) stacks.add(parsed.stack);
      const pack = str(ev.policyPackName) ?? "(unknown pack)";
      const policy = str(ev.policyName) ?? "(unknown policy)";
      const meta = pack === PACK_NAME ? metadata.get(policy) : undefined;
      raw.push({
        urn,
        resource: parsed?.name ?? STACK_WIDE,
        resourceType: parsed?.type,
        pack,
        packVersion: str(ev.policyPackVersion),
        policy,
        level: normaliseLevel(str(ev.enforcementLevel)),
        severity: str(ev.severity) ?? meta?.severity,
        message: redact(stripColor(str(ev.message) ?? "")).trim(),
        metadata: meta,
      });
    }
    for (const key of ["policyAnalyzeStackSummaryEvent", "policyAnalyzeSummaryEvent"]) {
      const s = e[key];
      if (isObject(s)) summaries.push(s as PolicySummaryJson);
    }
  }
  // A stack-wide event carries no URN: it belongs to the stack the other events name, when there is one.
  const onlyStack = stacks.size === 1 ? [...stacks][0] : undefined;
  const stackOf = (urn: string | undefined): string =>
    (urn ? parseUrn(urn)?.stack : undefined) ?? onlyStack ?? UNKNOWN_STACK;
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
  for (const s of summaries) {
    const pack = str(s.policyPackName) ?? "(unknown pack)";
    const stack = stackOf(str(s.resourceUrn));
    for (const policy of Array.isArray(s.passed) ? s.passed : []) {
      if (typeof policy !== "string") continue;
      const key = `${pack}|${policy}|${stack}`;
      if (failing.has(key) || passedSeen.has(key)) continue;
      passedSeen.add(key);
      passed.push({ stack, pack, packVersion: str(s.policyPackVersion), policy, urn: str(s.resourceUrn) });
    }
  }
  return { violations, passed, skippedLines, events: events.length };
}

export function exitCodeOfReport(r: EventReport): number {
  return r.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// text and Markdown

export function toText(r: EventReport): string {
  const lines: string[] = [];
  for (const [stack, list] of byStack(r.violations)) {
    lines.push(`Stack ${stack}: ${count(list, "mandatory")} mandatory, ${count(list, "advisory")} advisory`);
    for (const v of list) {
      lines.push(`  [${v.level}] ${v.pack}/${v.policy} ${v.resource}${v.severity ? ` (${v.severity})` : ""}`);
      lines.push(`    ${v.message}`);
      if (v.metadata?.url) lines.push(`    more: ${v.metadata.url}`);
    }
  }
  if (r.violations.length === 0) lines.push("No policy violations.");
  if (r.passed.length > 0) lines.push(`${r.passed.length} policy checks passed.`);
  return `${lines.join("\n")}\n`;
}

export function toMarkdown(r: EventReport): string {
  const out: string[] = ["## Policy report", ""];
  if (r.violations.length === 0) {
    out.push("No policy violations.", "");
  }
  for (const [stack, list] of byStack(r.violations)) {
    out.push(
      `### Stack \`${stack}\``,
      "",
      `${count(list, "mandatory")} mandatory, ${count(list, "advisory")} advisory.`,
      "",
      "| policy | resource | level | message |",
      "| --- | --- | --- | --- |",
    );
    for (const v of list) {
      const policy = v.metadata?.url ? `[${cell(v.policy)}](${v.metadata.url})` : cell(v.policy);
      const pack = v.pack === PACK_NAME ? "" : ` (${cell(v.pack)})`;
      const resource = v.resourceType ? `${cell(v.resource)} <sub>${cell(v.resourceType)}</sub>` : cell(v.resource);
      const level = v.level === "mandatory" ? "**mandatory**" : cell(v.level);
      out.push(`| ${policy}${pack} | ${resource} | ${level} | ${cell(v.message)} |`);
    }
    out.push("");
  }
  if (r.passed.length > 0) out.push(`${r.passed.length} policy checks passed.`, "");
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

export interface SarifOptions {
  /** The file results are attached to (code scanning wants a physical location): the project's Pulumi.yaml. */
  artifactUri: string;
}

export function toSarif(r: EventReport, options: SarifOptions): Sarif.Log {
  const packs = new Map<string, Violation[]>();
  for (const v of r.violations) packs.set(v.pack, [...(packs.get(v.pack) ?? []), v]);
  // auditguard's run is always there, with every rule, so a clean stack uploads as "no alerts".
  if (!packs.has(PACK_NAME)) packs.set(PACK_NAME, []);
  const runs: Sarif.Run[] = [];
  for (const [pack, list] of packs) {
    const ruleIds: string[] = [];
    const rules: Sarif.ReportingDescriptor[] = [];
    const addRule = (
      policy: string,
      meta: PolicyMetadata | undefined,
      level: string | undefined,
      severity?: string,
    ) => {
      if (ruleIds.includes(policy)) return;
      ruleIds.push(policy);
      rules.push(ruleOf(policy, meta, level, severity));
    };
    if (pack === PACK_NAME) for (const meta of packPolicies().values()) addRule(meta.name, meta, meta.enforcementLevel);
    for (const v of list) addRule(v.policy, v.metadata, v.level, v.severity);
    const version = list.find((v) => v.packVersion)?.packVersion;
    runs.push({
      tool: {
        driver: {
          name: pack,
          ...(version ? { version } : {}),
          ...(pack === PACK_NAME ? { informationUri: "https://github.com/auditguard/auditguard" } : {}),
          rules,
        },
      },
      results: list.map((v) => resultOf(v, ruleIds.indexOf(v.policy), options)),
      columnKind: "unicodeCodePoints",
    });
  }
  return {
    $schema: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
    version: "2.1.0",
    runs,
  };
}

function ruleOf(
  policy: string,
  meta: PolicyMetadata | undefined,
  level: string | undefined,
  severity: string | undefined,
): Sarif.ReportingDescriptor {
  const sev = meta?.severity ?? severity;
  const tags = [...(meta?.tags ?? []), "security"];
  return {
    id: policy,
    name: policy,
    shortDescription: { text: meta?.description ?? policy },
    ...(meta?.description ? { fullDescription: { text: meta.description } } : {}),
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

function resultOf(v: Violation, ruleIndex: number, options: SarifOptions): Sarif.Result {
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([v.stack, v.pack, v.policy, v.urn ?? ""]))
    .digest("hex");
  return {
    ruleId: v.policy,
    ruleIndex,
    level: SARIF_LEVEL[v.level] ?? "warning",
    message: { text: v.message || v.policy },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: options.artifactUri } },
        logicalLocations: [
          {
            name: v.resource,
            ...(v.urn ? { fullyQualifiedName: v.urn } : {}),
            kind: v.urn ? "resource" : "module",
          },
        ],
      },
    ],
    partialFingerprints: { "auditguardResource/v1": fingerprint },
    properties: {
      stack: v.stack,
      enforcementLevel: v.level,
      ...(v.severity ? { severity: v.severity } : {}),
      ...(v.resourceType ? { resourceType: v.resourceType } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// JUnit XML

/**
 * One test suite per stack; one test case per finding (mandatory = failure; advisory and others pass with
 * the message in system-out, so CI test views show warnings without failing) and per policy that passed.
 */
export function toJunit(r: EventReport): string {
  const stacks = new Set([...r.violations.map((v) => v.stack), ...r.passed.map((p) => p.stack)]);
  // Control characters XML 1.0 cannot carry become U+FFFD instead of breaking the document.
  const root = create({ version: "1.0", encoding: "UTF-8", invalidCharReplacement: "\uFFFD" }).ele("testsuites", {
    name: "pulumi policy",
    tests: String(r.violations.length + r.passed.length),
    failures: String(count(r.violations, "mandatory")),
    errors: "0",
  });
  for (const stack of [...stacks].sort()) {
    const violations = r.violations.filter((v) => v.stack === stack);
    const passed = r.passed.filter((p) => p.stack === stack);
    const suite = root.ele("testsuite", {
      name: stack,
      tests: String(violations.length + passed.length),
      failures: String(count(violations, "mandatory")),
      errors: "0",
      skipped: "0",
    });
    for (const v of violations) {
      const tc = suite.ele("testcase", { classname: `${v.pack}.${v.policy}`, name: v.urn ?? v.resource });
      if (v.level === "mandatory") {
        tc.ele("failure", { message: firstLine(v.message), type: v.level }).txt(failureText(v));
      } else {
        tc.ele("system-out").txt(`[${v.level}] ${failureText(v)}`);
      }
    }
    for (const p of passed) {
      suite.ele("testcase", { classname: `${p.pack}.${p.policy}`, name: p.urn ?? STACK_WIDE });
    }
  }
  return root.end({ format: "xml", prettyPrint: true });
}

function failureText(v: Violation): string {
  return [
    v.message,
    v.severity ? `severity: ${v.severity}` : "",
    v.metadata?.remediationSteps ? `remediation: ${v.metadata.remediationSteps}` : "",
    v.metadata?.url ? `more: ${v.metadata.url}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

function firstLine(s: string): string {
  const line = s.split("\n")[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
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

function byStack(list: readonly Violation[]): Map<string, Violation[]> {
  const out = new Map<string, Violation[]>();
  for (const v of list) out.set(v.stack, [...(out.get(v.stack) ?? []), v]);
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function count(list: readonly { level: string }[], level: string): number {
  return list.filter((v) => v.level === level).length;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
