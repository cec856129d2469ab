// One live round (lib/live/round.ts runRound: every live kind, the real SDK clients) in a Node process of its
// own. For adapter tests whose process must trust a test CA: Node reads NODE_EXTRA_CA_CERTS only when a process
// starts, and @alicloud/credentials calls STS over HTTPS with no way to hand it a CA. Run as a script, it reads
// a RoundInput as JSON on stdin and prints the round's entries as JSON on stdout.

import { spawn } from "node:child_process";
import { LIVE_KINDS } from "../../lib/live/kinds";
import { type LiveEntry, registerKinds, runRound } from "../../lib/live/round";
import type { StackView } from "../../lib/stack";

export interface RoundInput {
  view: StackView;
  /** Config per policy; a policy not listed is disabled. */
  config: Record<string, Record<string, unknown>>;
}

/** Runs the round in a child process with `env` added to this process's environment. */
export async function runRoundInProcess(input: RoundInput, env: Record<string, string>): Promise<LiveEntry<unknown>[]> {
  const child = spawn(process.execPath, [__filename], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.stdin.end(JSON.stringify(input));
  const code = await exited;
  if (code !== 0) throw new Error(`the round process exited with ${String(code)}: ${err}`);
  return JSON.parse(out) as LiveEntry<unknown>[];
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RoundInput;
  registerKinds(LIVE_KINDS);
  const entries = await runRound(input.view, (policy) => input.config[policy]);
  // Keep-alive sockets of the SDKs' agents would hold the process open: exit once the answer is out.
  process.stdout.write(JSON.stringify(entries), () => process.exit(0));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
