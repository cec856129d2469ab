#!/usr/bin/env node
// The operator's command: `auditguard status`, `auditguard start`, `auditguard report`. Same code paths as
// the pack (stack view, live kinds, shared round, policy judge functions); the only writes are `start --yes`.

import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { whereOf } from "../lib/live/findings";
import { redact } from "../lib/redact";
import { viewOf } from "../lib/stack";
import { LIVE_VERIFICATION_POLICY } from "../lib/live/audit";
import { sweepOf } from "../lib/live/sweep";
import type { ExportedStack } from "../lib/state-export";
import { selfCommand, shellWord, startCommandFor } from "../lib/start-command";
import { exitCodeOf, liveStatus, type StatusRow } from "./live";
import { animates, progressFor, type ProgressStream } from "./progress";
import {
  buildReport,
  DEFAULT_MARKER,
  type EventReport,
  exitCodeOfReport,
  parseFailOn,
  ReportInputError,
  summaryLine,
  toJunit,
  toMarkdown,
  toSarif,
  toText,
  untrustedInput,
} from "./report";
import {
  type Clock,
  DEFAULT_TIMING,
  executeStart,
  planStarts,
  type StartOutcome,
  systemClock,
  type Timing,
} from "./start";
import {
  intentFromInputs,
  loadPolicyConfig,
  loadStack,
  pulumiStackExport,
  type StackExporter,
  UsageError,
} from "./state";

export interface Io {
  stdout: ProgressStream;
  stderr: ProgressStream;
  readStdin(): Promise<string>;
  exportStack: StackExporter;
  /** Test hooks: faster polling and backoff. */
  timing?: Partial<Timing>;
  clock?: Clock;
  /** Ctrl-C: calls `handler` on SIGINT until the returned function is called (replaceable in tests). */
  onInterrupt?: (handler: () => void) => () => void;
  /** Ends the process (replaceable in tests). */
  exit?: (code: number) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Exit codes, one meaning each: 0 clean; 1 violations (or, for a dry run, something to start); 2 undetermined
 * (a check could not complete); 3 the command could not run (bad arguments, unreadable or untrustworthy input,
 * an unwritable output); 4 a start was attempted and failed or did not become healthy; 5 an internal error;
 * 130 interrupted (Ctrl-C).
 */
export const EXIT = {
  healthy: 0,
  violations: 1,
  undetermined: 2,
  usage: 3,
  startFailed: 4,
  internal: 5,
  interrupted: 130,
} as const;

/** The pack's version, from its package.json (dist/cli/main.js -> ../../package.json). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
      version?: unknown;
    };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

const EXIT_HELP = `
Exit codes:
  0    clean
  1    violations (a dry run of start: something to start)
  2    undetermined: a check could not complete
  3    usage or input error: bad arguments, unreadable or untrustworthy input, unwritable output
  4    start failed: a start call failed, or the resource was not healthy in time
  5    internal error
  130  interrupted (Ctrl-C)`;

interface StateOptions {
  file?: string;
  stack?: string;
  policyConfig?: string;
  json?: boolean;
  timeout: number;
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.healthy;
  const program = new Command("auditguard")
    .description(
      "Is this stack's cloud actually recording? Check, start and report AWS Config, CloudTrail, Alibaba Cloud Config and ActionTrail.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .exitOverride()
    .addHelpText("after", EXIT_HELP)
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showHelpAfterError();

  const stateOptions = (cmd: Command): Command =>
    cmd
      .option("-f, --file <export>", "a `pulumi stack export` JSON file (- for stdin)")
      .option("-s, --stack <name>", "a stack name: runs `pulumi stack export --stack <name> --show-secrets`")
      .option(
        "--policy-config <file>",
        "the pack's --policy-pack-config JSON (timeouts, grace windows, disabled policies)",
      )
      .addOption(new Option("--timeout <seconds>", "deadline of each cloud call").argParser(seconds).default(10))
      .option("--json", "print JSON instead of a table");

  stateOptions(
    program
      .command("status")
      .description(
        "Live state of the stack's declared recorders and trails, judged like the pack's policies. Exit 0 healthy, 1 violations, 2 undetermined, 3 usage or input error.",
      ),
  )
    .option(
      "--coverage",
      "also check that every account and region the stack deploys into is recorded (the account-coverage policies), and the coverageTargets of --policy-config",
    )
    .option(
      "--sweep",
      "no stack: check the accounts and regions auditguard-live-verification's coverageTargets lists in --policy-config (an org-wide sweep, as the pack makes it), with progress on stderr",
    )
    .addHelpText(
      "after",
      "\nExample:\n  auditguard status --stack dev\n  pulumi stack export --show-secrets | auditguard status --file - --json\n  auditguard status --sweep --policy-config sweep.json",
    )
    .action(async (opts: StateOptions & { coverage?: boolean; sweep?: boolean }) => {
      code = await status(opts, io);
    });

  stateOptions(
    program
      .command("start")
      .description(
        "Plan a start for each stopped recorder or trail the stack declares on, and print it (dry run). With --yes, start them and wait until they are healthy.",
      ),
  )
    .option("-y, --yes", "make the changes (without it nothing is changed)")
    .addOption(
      new Option("--wait <seconds>", "how long to wait for each started resource").argParser(seconds).default(300),
    )
    .addOption(
      new Option("--poll-interval <seconds>", "between status reads while waiting").argParser(seconds).default(5),
    )
    .addHelpText(
      "after",
      '\nNever starts what the stack declares off (enableLogging: false, isEnabled: false, status: "Disable").\n' +
        "Permissions: docs/aws-iam-start-policy.json, docs/alicloud-ram-start-policy.json.\n\nExample:\n  auditguard start --stack dev          # the plan\n  auditguard start --stack dev --yes    # apply it",
    )
    .action(async (opts: StateOptions & { yes?: boolean; wait: number; pollInterval: number }) => {
      code = await start(opts, io, argv.slice(argv.indexOf("start") + 1));
    });

  program
    .command("report")
    .description(
      "Turn engine events (pulumi preview --event-log, pulumi up --json, pulumi policy analyze --json) into reports. " +
        "Refuses input that cannot hold the run's findings (exit 3). Exit 1 on failing findings (--fail-on), 2 when the only failing findings are checks that could not complete.",
    )
    .argument("<events>", "the event log or JSON output file, or - for stdin")
    .addOption(
      new Option(
        "--format <format[=file]>",
        "text, markdown, sarif or junit; repeat with =file for several outputs from one run (sarif=out.sarif)",
      ).argParser(collectFormat),
    )
    .option("-o, --output <file>", "write the (single) report to a file instead of stdout")
    .option("--artifact <uri>", "SARIF: the file results are attached to", "Pulumi.yaml")
    .option("--stack <name>", "the stack the events belong to (default: from the URNs in the events)")
    .option(
      "--fail-on <levels>",
      "what fails: mandatory, advisory (and mandatory), none; and/or a severity (critical, high, medium, low) at or above which any finding fails, e.g. mandatory,high",
      "mandatory",
    )
    .option("--accept-incomplete", "report even when the input cannot be trusted to hold the run's findings")
    .option(
      "--marker <id>",
      "Markdown: the hidden marker a workflow finds to update one sticky comment",
      DEFAULT_MARKER,
    )
    .option("--full-report <url>", "Markdown: where the findings left out to fit a comment can be read")
    .addHelpText(
      "after",
      "\nExample:\n  pulumi preview --policy-pack ../auditguard --event-log events.json\n" +
        "  auditguard report events.json --format sarif=auditguard.sarif --format markdown=comment.md --format junit=policy.xml",
    )
    .action(async (events: string, opts: ReportOptions) => {
      code = await report(events, opts, io);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : EXIT.usage;
    }
    if (e instanceof UsageError || e instanceof ReportInputError) {
      io.stderr.write(`auditguard: ${redact(e.message)}\n`);
      return EXIT.usage;
    }
    io.stderr.write(
      `auditguard: unexpected error: ${redact(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`,
    );
    return EXIT.internal;
  }
  return code;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) throw new InvalidArgumentError("expected seconds, e.g. 10 or 0.5");
  return n;
}

async function loadAll(opts: StateOptions & { coverage?: boolean; sweep?: boolean }, io: Io) {
  const configOf = await loadPolicyConfig(opts.policyConfig);
  const state = opts.sweep ? sweepSource(opts) : intentFromInputs(await loadStack(opts, io.exportStack, io.readStdin));
  if (state.encryptedSecrets > 0) {
    io.stderr.write(
      `auditguard: ${state.encryptedSecrets} secret(s) in ${state.source} are encrypted; resources whose provider needs them are not checked (export with --show-secrets)\n`,
    );
  }
  const coverage = opts.coverage === true || opts.sweep === true;
  // The pack's coverage policies sweep auditguard-live-verification's coverageTargets: so does --coverage.
  const view = viewOf(state.resources, coverage ? sweepOf(configOf(LIVE_VERIFICATION_POLICY)) : undefined);
  if (opts.sweep && !view.sweep) {
    throw new UsageError(
      `--sweep: ${opts.policyConfig ?? "--policy-config"} lists no coverageTargets under ${LIVE_VERIFICATION_POLICY}`,
    );
  }
  const progress = opts.sweep ? sweepProgress(io) : undefined;
  const live = await liveStatus(
    view,
    (p) => {
      const c = configOf(p);
      // --timeout is the default for every live policy; a policy's own timeoutSeconds wins.
      return c === undefined ? undefined : { timeoutSeconds: opts.timeout, ...c };
    },
    Date.now(),
    { coverage, ...(progress ? { onSettled: progress.onSettled } : {}) },
  );
  progress?.done(live.rows);
  return { configOf, state, view, live };
}

/** --sweep has no stack: the targets of --policy-config are the whole footprint. */
function sweepSource(opts: StateOptions): ExportedStack & { source: string } {
  if (opts.file || opts.stack)
    throw new UsageError("--sweep checks coverageTargets without a stack: drop --file/--stack");
  if (!opts.policyConfig) throw new UsageError("--sweep needs --policy-config <file> listing coverageTargets");
  return { stack: undefined, resources: [], inputs: new Map(), encryptedSecrets: 0, source: opts.policyConfig };
}

/**
 * A sweep's progress on stderr: checks settled out of planned, at most one plain line per tenth (a CI log of a
 * 1,700-target sweep stays short), every change on an animated terminal.
 */
function sweepProgress(io: Io): {
  onSettled: (done: number, total: number) => void;
  done: (rows: readonly StatusRow[]) => void;
} {
  const progress = progressFor(io.stderr, "auditguard status --sweep", io.env);
  const animated = animates(io.stderr, io.env);
  let lastTenth = -1;
  return {
    onSettled: (done, total) => {
      const tenth = Math.floor((done * 10) / total);
      if (!animated && tenth === lastTenth) return;
      lastTenth = tenth;
      progress.update(`${done}/${total} checks settled`);
    },
    done: (rows) => {
      const bad = rows.filter((r) => r.verdict !== "healthy").length;
      progress.done(`${rows.length} rows, ${bad} not healthy`, bad === 0);
    },
  };
}

async function status(opts: StateOptions & { coverage?: boolean; sweep?: boolean }, io: Io): Promise<number> {
  const { state, live } = await loadAll(opts, io);
  const code = exitCodeOf(live.rows);
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ stack: state.stack ?? null, source: state.source, exitCode: code, resources: live.rows }, null, 2)}\n`,
    );
    return code;
  }
  io.stdout.write(header(opts.sweep ? "coverageTargets sweep" : state.stack, state.source, live.rows));
  io.stdout.write(table(live.rows));
  writeFindings(io, live.rows);
  if (live.rows.some((r) => /not recording|not logging|REGISTRABLE/.test(r.state))) {
    io.stdout.write(
      `\nTo start what is stopped: ${opts.stack ? startCommandFor(opts.stack) : `${selfCommand(io.env)} start ${sourceArgs(opts)}`} (a dry run; add --yes to apply)\n`,
    );
  }
  return code;
}

async function start(
  opts: StateOptions & { yes?: boolean; wait: number; pollInterval: number },
  io: Io,
  args: readonly string[],
): Promise<number> {
  const timing: Timing = {
    ...DEFAULT_TIMING,
    timeoutMs: opts.timeout * 1000,
    waitMs: opts.wait * 1000,
    pollIntervalMs: opts.pollInterval * 1000,
    ...io.timing,
  };
  const { state, view, live, configOf } = await loadAll(opts, io);
  const plan = planStarts(view, live.entries, live.rows, state.inputs, timing);
  const plannedUrns = new Set(plan.planned.map((p) => `${p.row.kind}|${p.row.urn}`));
  const others = live.rows.filter((r) => !plannedUrns.has(`${r.kind}|${r.urn}`));
  const describe = (r: StatusRow) => ({
    resource: r.resource,
    urn: r.urn,
    kind: r.kind,
    target: r.target,
    region: r.region ?? null,
    account: r.account ?? null,
    state: r.state,
  });

  if (!opts.yes) {
    const code = plan.planned.length > 0 ? EXIT.violations : exitCodeOf(others);
    if (opts.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            stack: state.stack ?? null,
            dryRun: true,
            exitCode: code,
            planned: plan.planned.map((p) => ({
              ...describe(p.row),
              action: p.api.action,
              permission: p.api.permission,
              identity: p.via.identity,
              endpoint: p.via.endpoint,
            })),
            apply: plan.planned.length > 0 ? applyCommand(io, args) : null,
            notPlanned: plan.skipped.map((s) => ({ ...describe(s.row), why: s.why })),
            resources: live.rows,
          },
          null,
          2,
        )}\n`,
      );
      return code;
    }
    io.stdout.write(header(state.stack, state.source, live.rows));
    writePlan(io, plan.planned, plan.skipped);
    writeOthers(io, others, plan.skipped);
    io.stdout.write(
      `\nTally: ${plan.planned.length} to start, ${plan.skipped.length} stopped but not started, ` +
        `${others.filter((r) => r.verdict !== "healthy").length - plan.skipped.length} other finding(s).\n`,
    );
    if (plan.planned.length > 0)
      io.stdout.write(`\nDry run: nothing was changed. To apply: ${applyCommand(io, args)}\n`);
    return code;
  }

  if (!opts.json) {
    io.stdout.write(header(state.stack, state.source, live.rows));
    writePlan(io, plan.planned, plan.skipped);
  }
  const outcomes: StartOutcome[] = [];
  // Ctrl-C while starting: say which start calls were already sent (they may have taken effect), then stop.
  const sent: string[] = [];
  const onInterrupt = io.onInterrupt ?? processInterrupt;
  const release = onInterrupt(() => {
    io.stderr.write(
      `\nauditguard: interrupted. ${
        sent.length
          ? `Start calls already sent (they may have taken effect; check with ${selfCommand(io.env)} status ${sourceArgs(opts)}):\n${sent.map((x) => `  ${redact(x)}\n`).join("")}`
          : "No start call was sent.\n"
      }`,
    );
    (io.exit ?? process.exit)(EXIT.interrupted);
  });
  try {
    for (const p of plan.planned) {
      const what = `${p.api.action} for ${p.row.label} ${whereOf(p.entry.spec)} as ${p.via.identity} at ${p.via.endpoint}`;
      const tracked = {
        ...p,
        start: (ctx: Parameters<typeof p.start>[0], signal: AbortSignal) => {
          if (!sent.includes(what)) sent.push(what);
          return p.start(ctx, signal);
        },
      };
      const progress = progressFor(io.stderr, `${p.row.label} ${whereOf(p.entry.spec)}`, io.env);
      const o = await executeStart(tracked, timing, configOf, progress, io.clock ?? systemClock);
      progress.done(
        o.result === "failed" ? (o.failure?.code ?? o.failure?.reason ?? "failed") : o.after.state,
        o.result === "started",
      );
      outcomes.push({ ...o, planned: p });
    }
  } finally {
    release();
  }
  const finalRows = [...outcomes.map((o) => o.after), ...others];
  const code = outcomes.some((o) => o.result !== "started") ? EXIT.startFailed : exitCodeOf(finalRows);
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          stack: state.stack ?? null,
          dryRun: false,
          exitCode: code,
          results: outcomes.map((o) => ({
            ...describe(o.planned.row),
            action: o.planned.api.action,
            result: o.result,
            alreadyStarting: o.alreadyStarting,
            polls: o.polls,
            failure: o.failure ?? null,
            after: o.after,
          })),
          notPlanned: plan.skipped.map((s) => ({ ...describe(s.row), why: s.why })),
          resources: finalRows,
        },
        null,
        2,
      )}\n`,
    );
    return code;
  }
  const changed = outcomes.filter((o) => o.result !== "failed");
  const failed = outcomes.filter((o) => o.result === "failed");
  io.stdout.write(`\nChanged (${changed.length}):\n`);
  for (const o of changed) {
    const how = o.alreadyStarting
      ? "was already being started by someone else; waited"
      : `called ${o.planned.api.action}`;
    io.stdout.write(
      line(
        `  ${o.planned.row.label} ${whereOf(o.planned.entry.spec)}: ${how}; now ${o.after.state}` +
          `${o.result === "pending" ? ` (not healthy after ${timing.waitMs / 1000}s; check again with auditguard status)` : ""}` +
          `${o.after.verdict === "violation" ? `; still: ${o.after.messages.join(" ")}` : ""}`,
      ),
    );
  }
  if (failed.length > 0) {
    io.stdout.write(`\nFailed (${failed.length}):\n`);
    for (const o of failed) {
      const f = o.failure;
      io.stdout.write(
        line(
          `  ${o.planned.row.label} ${whereOf(o.planned.entry.spec)}: ${o.planned.api.action} failed` +
            `${f?.code ? ` (${f.code})` : ""}: ${f?.detail ?? ""}. Fix: ${f?.fix ?? ""} Needed permission: ${o.planned.api.permission}.`,
        ),
      );
    }
  }
  writeOthers(io, others, plan.skipped);
  const pending = outcomes.filter((o) => o.result === "pending").length;
  io.stdout.write(
    `\nTally: ${outcomes.length - failed.length - pending} started, ${pending} started but not healthy in time, ` +
      `${failed.length} failed, ${plan.skipped.length} stopped but not started.\n`,
  );
  return code;
}

function processInterrupt(handler: () => void): () => void {
  process.once("SIGINT", handler);
  return () => process.off("SIGINT", handler);
}

/** `--file x` / `--stack x` (and --policy-config) as the user gave them, for hints that repeat the input. */
function sourceArgs(opts: StateOptions): string {
  const words = opts.stack ? ["--stack", opts.stack] : ["--file", opts.file ?? "-"];
  if (opts.policyConfig) words.push("--policy-config", opts.policyConfig);
  return words.map(shellWord).join(" ");
}

/** The user's own `start` arguments, with --yes: the plan it printed is the plan it applies. */
function applyCommand(io: Io, args: readonly string[]): string {
  const words = [...args];
  return `${selfCommand(io.env)} start ${[...words, "--yes"].map(shellWord).join(" ")}`;
}

interface ReportOptions {
  format?: FormatSpec[];
  output?: string;
  artifact: string;
  stack?: string;
  failOn: string;
  acceptIncomplete?: boolean;
  marker: string;
  fullReport?: string;
}

const FORMATS = ["text", "markdown", "sarif", "junit"] as const;
type Format = (typeof FORMATS)[number];
interface FormatSpec {
  format: Format;
  file: string | undefined;
}

function collectFormat(value: string, previous: FormatSpec[] | undefined): FormatSpec[] {
  const eq = value.indexOf("=");
  const name = eq >= 0 ? value.slice(0, eq) : value;
  const file = eq >= 0 ? value.slice(eq + 1) : undefined;
  if (!(FORMATS as readonly string[]).includes(name))
    throw new InvalidArgumentError(`Allowed choices are ${FORMATS.join(", ")} (each optionally =<file>).`);
  if (file === "") throw new InvalidArgumentError(`${name}= needs a file name.`);
  return [...(previous ?? []), { format: name as Format, file }];
}

function render(format: Format, r: EventReport, opts: ReportOptions): string {
  switch (format) {
    case "markdown":
      return toMarkdown(r, { marker: opts.marker, ...(opts.fullReport ? { fullReport: opts.fullReport } : {}) });
    case "sarif":
      return `${JSON.stringify(toSarif(r, { artifactUri: opts.artifact }), null, 2)}\n`;
    case "junit":
      return `${toJunit(r)}\n`;
    default:
      return toText(r);
  }
}

async function report(events: string, opts: ReportOptions, io: Io): Promise<number> {
  const failOn = parseFailOn(opts.failOn);
  const specs = opts.format?.length ? opts.format : [{ format: "text" as const, file: undefined }];
  const toStdout = specs.filter((s) => s.file === undefined);
  if (toStdout.length > 1)
    throw new UsageError(
      "only one --format can go to stdout (or -o); give the others a file: --format sarif=out.sarif",
    );
  if (opts.output && toStdout.length === 0)
    throw new UsageError("-o names the file of a --format without =file; every --format already has one");
  let text: string;
  try {
    text = events === "-" ? await io.readStdin() : await readFile(events, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${events}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = buildReport(text, opts.stack ? { stack: opts.stack } : {});
  const why = untrustedInput(r);
  if (why.length > 0) {
    const input = events === "-" ? "stdin" : events;
    if (!opts.acceptIncomplete) {
      throw new ReportInputError(
        `refusing to report on ${input}: ${why.join("; ")}. (--accept-incomplete reports on it anyway.)`,
      );
    }
    io.stderr.write(`auditguard: reporting on ${input} although ${why.join("; ")}\n`);
  }
  const written: string[] = [];
  for (const spec of specs) {
    const out = render(spec.format, r, opts);
    const file = spec.file ?? opts.output;
    if (file === undefined) {
      io.stdout.write(out);
      continue;
    }
    try {
      await writeFile(file, out);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`cannot write ${spec.format} to ${file}${code ? ` (${code})` : ""}`);
    }
    written.push(`${spec.format} to ${file}`);
  }
  const code = exitCodeOfReport(r, failOn);
  const meaning = code === 1 ? "violations" : code === 2 ? "undetermined" : "clean";
  io.stderr.write(
    `auditguard report: ${summaryLine(r)}; ${r.passed.length} policy checks passed` +
      `${written.length ? `; wrote ${written.join(", ")}` : ""}; exit ${code} (${meaning})\n`,
  );
  return code;
}

// ---------------------------------------------------------------------------------------------------------
// rendering

function header(stack: string | undefined, source: string, rows: readonly StatusRow[]): string {
  const n = (v: StatusRow["verdict"]) => rows.filter((r) => r.verdict === v).length;
  return (
    `Stack ${stack ?? "(unknown)"} (${source}): ${rows.length} checked, ${n("healthy")} healthy, ` +
    `${n("violation")} with violations, ${n("undetermined")} undetermined\n\n`
  );
}

function table(rows: readonly StatusRow[]): string {
  if (rows.length === 0) return "No declared recorders or trails that exist in the cloud.\n";
  const head = ["RESOURCE", "KIND", "TARGET", "REGION", "STATE", "VERDICT"];
  const body = rows.map((r) => [r.resource, r.label, r.target, r.region ?? "-", r.state, r.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const fmt = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()}\n`;
  return redact([fmt(head), ...body.map(fmt)].join(""));
}

function writeFindings(io: Io, rows: readonly StatusRow[]): void {
  const bad = rows.filter((r) => r.verdict !== "healthy");
  if (bad.length === 0) return;
  io.stdout.write("\n");
  for (const r of bad)
    for (const m of r.messages) io.stdout.write(line(`${r.verdict === "violation" ? "✗" : "?"} ${r.resource}: ${m}`));
}

function writePlan(
  io: Io,
  planned: ReturnType<typeof planStarts>["planned"],
  skipped: ReturnType<typeof planStarts>["skipped"],
): void {
  io.stdout.write(planned.length ? `Plan (${planned.length}):\n` : "Plan: nothing to start.\n");
  for (const p of planned) {
    io.stdout.write(
      line(
        `  start ${p.row.label} ${whereOf(p.entry.spec)} (now ${p.row.state}) with ${p.api.action} [${p.api.permission}] as ${p.via.identity} at ${p.via.endpoint}`,
      ),
    );
  }
  if (skipped.length) {
    io.stdout.write(`Not started (${skipped.length}):\n`);
    for (const s of skipped)
      io.stdout.write(line(`  ${s.row.label} ${whereOf({ ...specOf(s.row) })} (now ${s.row.state}): ${s.why}`));
  }
}

function writeOthers(io: Io, others: readonly StatusRow[], skipped: ReturnType<typeof planStarts>["skipped"]): void {
  const skippedKeys = new Set(skipped.map((s) => `${s.row.kind}|${s.row.urn}`));
  const rest = others.filter((r) => r.verdict !== "healthy" && !skippedKeys.has(`${r.kind}|${r.urn}`));
  if (rest.length === 0) return;
  io.stdout.write(`\nNot something a start fixes (${rest.length}):\n`);
  for (const r of rest) for (const m of r.messages) io.stdout.write(line(`  ${r.resource}: ${m}`));
}

function specOf(r: StatusRow) {
  return {
    cloud: "aws" as const,
    action: "",
    permission: "",
    region: r.region,
    account: r.account,
    target: r.target,
  };
}

function line(s: string): string {
  return `${redact(s)}\n`;
}

// ---------------------------------------------------------------------------------------------------------

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (c: Buffer) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

/**
 * stdout that a closed reader cannot crash: after EPIPE (`auditguard report … | head -1`) further output is
 * dropped and the command ends with the exit code it would have had.
 */
export function pipeSafe(stream: NodeJS.WriteStream): ProgressStream {
  let closed = false;
  stream.on("error", (e: NodeJS.ErrnoException) => {
    closed = true;
    if (e.code !== "EPIPE") process.stderr.write(`auditguard: output stream error: ${e.code ?? e.message}\n`);
  });
  return {
    write: (text) => (closed ? true : stream.write(text)),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  };
}

if (require.main === module) {
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  run(process.argv.slice(2), {
    stdout: pipeSafe(process.stdout),
    stderr: pipeSafe(process.stderr),
    readStdin,
    exportStack: pulumiStackExport,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`auditguard: ${redact(String(e))}\n`);
      process.exitCode = EXIT.internal;
    },
  );
}
