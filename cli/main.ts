#!/usr/bin/env node
// The operator's command: `auditguard status`, `auditguard start`, `auditguard report`. Same code paths as
// the pack (stack view, live kinds, shared round, policy judge functions); the only writes are `start --yes`.

import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { writeFile } from "node:fs/promises";
import { readFile } from "node:fs/promises";
import { whereOf } from "../lib/live/findings";
import { redact } from "../lib/redact";
import { viewOf } from "../lib/stack";
import { startCommandFor } from "../lib/start-command";
import { exitCodeOf, liveStatus, type StatusRow } from "./live";
import { progressFor, type ProgressStream } from "./progress";
import { buildReport, exitCodeOfReport, ReportInputError, toJunit, toMarkdown, toSarif, toText } from "./report";
import {
  type Clock,
  DEFAULT_TIMING,
  executeStart,
  planStarts,
  type StartOutcome,
  systemClock,
  type Timing,
} from "./start";
import { loadPolicyConfig, loadStack, pulumiStackExport, type StackExporter, UsageError } from "./state";

export interface Io {
  stdout: ProgressStream;
  stderr: ProgressStream;
  readStdin(): Promise<string>;
  exportStack: StackExporter;
  /** Test hooks: faster polling and backoff. */
  timing?: Partial<Timing>;
  clock?: Clock;
}

/** Exit codes: 0 healthy, 1 violations, 2 undetermined (or the command could not run). */
export const EXIT = { healthy: 0, violations: 1, undetermined: 2 } as const;

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
    .exitOverride()
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
        "Live state of the stack's declared recorders and trails, judged like the pack's policies. Exit 0 healthy, 1 violations, 2 undetermined.",
      ),
  )
    .option(
      "--coverage",
      "also check that every account and region the stack deploys into is recorded (the account-coverage policies)",
    )
    .addHelpText(
      "after",
      "\nExample:\n  auditguard status --stack dev\n  pulumi stack export --show-secrets | auditguard status --file - --json",
    )
    .action(async (opts: StateOptions & { coverage?: boolean }) => {
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
      code = await start(opts, io);
    });

  program
    .command("report")
    .description(
      "Turn engine events (pulumi preview --event-log, pulumi up --json, pulumi policy analyze --json) into a report. Exit 1 on mandatory violations.",
    )
    .argument("<events>", "the event log or JSON output file, or - for stdin")
    .addOption(
      new Option("--format <format>", "report format").choices(["text", "markdown", "sarif", "junit"]).default("text"),
    )
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .option("--artifact <uri>", "SARIF: the file results are attached to", "Pulumi.yaml")
    .addHelpText(
      "after",
      "\nExample:\n  pulumi preview --policy-pack ../auditguard --event-log events.json\n  auditguard report events.json --format sarif -o auditguard.sarif",
    )
    .action(async (events: string, opts: { format: string; output?: string; artifact: string }) => {
      code = await report(events, opts, io);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : EXIT.undetermined;
    }
    if (e instanceof UsageError || e instanceof ReportInputError) {
      io.stderr.write(`auditguard: ${redact(e.message)}\n`);
      return EXIT.undetermined;
    }
    io.stderr.write(
      `auditguard: unexpected error: ${redact(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`,
    );
    return EXIT.undetermined;
  }
  return code;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) throw new InvalidArgumentError("expected seconds, e.g. 10 or 0.5");
  return n;
}

async function loadAll(opts: StateOptions & { coverage?: boolean }, io: Io) {
  const configOf = await loadPolicyConfig(opts.policyConfig);
  const state = await loadStack(opts, io.exportStack, io.readStdin);
  if (state.encryptedSecrets > 0) {
    io.stderr.write(
      `auditguard: ${state.encryptedSecrets} secret(s) in ${state.source} are encrypted; resources whose provider needs them are not checked (export with --show-secrets)\n`,
    );
  }
  const view = viewOf(state.resources);
  const live = await liveStatus(
    view,
    (p) => {
      const c = configOf(p);
      // --timeout is the default for every live policy; a policy's own timeoutSeconds wins.
      return c === undefined ? undefined : { timeoutSeconds: opts.timeout, ...c };
    },
    Date.now(),
    { coverage: opts.coverage === true },
  );
  return { configOf, state, view, live };
}

async function status(opts: StateOptions & { coverage?: boolean }, io: Io): Promise<number> {
  const { state, live } = await loadAll(opts, io);
  const code = exitCodeOf(live.rows);
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ stack: state.stack ?? null, source: state.source, exitCode: code, resources: live.rows }, null, 2)}\n`,
    );
    return code;
  }
  io.stdout.write(header(state.stack, state.source, live.rows));
  io.stdout.write(table(live.rows));
  writeFindings(io, live.rows);
  if (live.rows.some((r) => /not recording|not logging|REGISTRABLE/.test(r.state))) {
    io.stdout.write(`\nTo start what is stopped: ${startCommandFor(state.stack)} (a dry run; add --yes to apply)\n`);
  }
  return code;
}

async function start(
  opts: StateOptions & { yes?: boolean; wait: number; pollInterval: number },
  io: Io,
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
            })),
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
    if (plan.planned.length > 0)
      io.stdout.write(`\nDry run: nothing was changed. To apply: ${startCommandFor(state.stack)} --yes\n`);
    return code;
  }

  if (!opts.json) {
    io.stdout.write(header(state.stack, state.source, live.rows));
    writePlan(io, plan.planned, plan.skipped);
  }
  const outcomes: StartOutcome[] = [];
  for (const p of plan.planned) {
    const progress = progressFor(io.stderr, `${p.row.label} ${whereOf(p.entry.spec)}`);
    const o = await executeStart(p, timing, configOf, progress, io.clock ?? systemClock);
    progress.done(
      o.result === "failed" ? (o.failure?.code ?? o.failure?.reason ?? "failed") : o.after.state,
      o.result === "started",
    );
    outcomes.push(o);
  }
  const finalRows = [...outcomes.map((o) => o.after), ...others];
  const code = outcomes.some((o) => o.result !== "started") ? EXIT.violations : exitCodeOf(finalRows);
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
  return code;
}

async function report(
  events: string,
  opts: { format: string; output?: string; artifact: string },
  io: Io,
): Promise<number> {
  let text: string;
  try {
    text = events === "-" ? await io.readStdin() : await readFile(events, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${events}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = buildReport(text);
  if (r.skippedLines > 0) io.stderr.write(`auditguard: skipped ${r.skippedLines} line(s) that were not JSON events\n`);
  let out: string;
  switch (opts.format) {
    case "markdown":
      out = toMarkdown(r);
      break;
    case "sarif":
      out = `${JSON.stringify(toSarif(r, { artifactUri: opts.artifact }), null, 2)}\n`;
      break;
    case "junit":
      out = `${toJunit(r)}\n`;
      break;
    default:
      out = toText(r);
  }
  if (opts.output) await writeFile(opts.output, out);
  else io.stdout.write(out);
  return exitCodeOfReport(r);
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
        `  start ${p.row.label} ${whereOf(p.entry.spec)} (now ${p.row.state}) with ${p.api.action} [${p.api.permission}]`,
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

if (require.main === module) {
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin,
    exportStack: pulumiStackExport,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`auditguard: ${redact(String(e))}\n`);
      process.exitCode = EXIT.undetermined;
    },
  );
}
