// `npm run faults`: the fault matrix (tests/faults/matrix.ts) through the whole compiled pack over the
// Analyzer protocol, against the loopback fakes. Prints a Markdown table and writes it to
// .bench-out/faults.md. Figures, not assertions: tests/faults.spec.ts asserts the outcomes.

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FAILURE_TEXT } from "../lib/live/outcome";
import { PACK_DIR } from "../tests/harness/analyzer";
import {
  apiInfo,
  type CaseResult,
  type Cell,
  MATRIX,
  reasonIn,
  runCase,
  startFaultEnv,
  stopFaultEnv,
} from "../tests/faults/matrix";

/** "the API endpoint could not be reached (code ECONNREFUSED)": the reason text and the error facts, no request id. */
function reasonCell(r: CaseResult): string {
  if (r.grpcError) return `gRPC error: ${r.grpcError}`;
  const reason = reasonIn(r.message);
  if (!reason) return r.outcome === "violation" ? "(violation)" : "—";
  const facts = /\[([^\]]*)\]\. /.exec(r.message)?.[1] ?? "";
  const shown = facts
    .split(", ")
    .filter((f) => f && !f.startsWith("request id"))
    .join(", ");
  return `${FAILURE_TEXT[reason]}${shown ? ` (${shown})` : ""}`;
}

function matches(cell: Cell, r: CaseResult): boolean {
  const a = cell.expected.attempts;
  const attemptsOk = typeof a === "number" ? r.attempts === a : r.attempts >= a.min && r.attempts <= a.max;
  return r.outcome === cell.expected.outcome && attemptsOk && r.bystandersIntact && r.strayDiagnostics.length === 0;
}

async function main(): Promise<void> {
  const env = await startFaultEnv();
  const rows: string[] = [
    "| API | case | outcome | reason in diagnostic | attempts | elapsed ms | within timeoutSeconds+1s? |",
    "| --- | --- | --- | --- | --: | --: | --- |",
  ];
  const off: string[] = [];
  const wallStart = Date.now();
  try {
    for (const cell of MATRIX) {
      const r = await runCase(env, cell);
      const within = r.elapsedMs <= (r.timeoutSeconds + 1) * 1000;
      rows.push(
        `| ${apiInfo(r.api).title} | ${r.title} | ${r.outcome} | ${reasonCell(r).replace(/\|/g, "\\|")} | ${r.attempts} | ` +
          `${r.elapsedMs.toFixed(0)} | ${within ? "yes" : "**no**"} (${r.timeoutSeconds}s) |`,
      );
      if (!matches(cell, r)) {
        off.push(
          `${r.api} × ${r.case}: expected ${cell.expected.outcome} after ${JSON.stringify(cell.expected.attempts)} ` +
            `attempt(s), got ${r.outcome} after ${r.attempts}; bystanders ${r.bystandersIntact ? "intact" : r.bystanderProblems.join("; ")}`,
        );
      }
      process.stderr.write(".");
    }
  } finally {
    await stopFaultEnv(env);
  }
  process.stderr.write("\n");
  const summary =
    off.length === 0
      ? `All ${MATRIX.length} cells gave their expected outcome and attempt count; every bystander was asked once and got no diagnostic.`
      : `${off.length} of ${MATRIX.length} cells differ from the matrix's expectation:\n\n${off.map((o) => `- ${o}`).join("\n")}`;
  const text =
    `${rows.join("\n")}\n\n${summary}\n\n` +
    `Node ${process.version}, ${MATRIX.length} cells in ${((Date.now() - wallStart) / 1000).toFixed(1)} s ` +
    `(one pack process; elapsed = one AnalyzeStack with the subject and three healthy bystanders).\n`;
  console.log(text);
  const out = path.join(PACK_DIR, ".bench-out");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "faults.md"), text);
  if (off.length > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
