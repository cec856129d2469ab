// The real `pulumi` CLI for the end-to-end tests: provided by scripts/pulumi-cli.sh (an installed pulumi new
// enough, else a pinned build from Go modules in the user cache), run offline (file backend, passphrase secrets,
// temporary PULUMI_HOME, no plugin or update downloads). A test that needs the CLI fails when it cannot be had:
// it is never skipped.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The repository root (this file runs from dist/tests/e2e/). */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
/** The built `auditguard` command (package.json "bin"). */
export const AUDITGUARD_BIN = path.join(ROOT, "dist", "cli", "main.js");

/** Cache root shared with scripts/pulumi-cli.sh; scripts/test.js passes the real user's one. */
export function cacheDir(): string {
  return process.env["AUDITGUARD_CACHE"] || path.join(os.homedir(), ".cache", "auditguard");
}

/**
 * The environment for npm processes that install test tools: the npm cache the suite was started with (`npm test`
 * passes the user's, CI on a new machine an empty one), else one in the tool cache. The network fence lets npm's
 * own process reach the registry; what npm starts stays fenced.
 */
export function npmEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, npm_config_cache: process.env["npm_config_cache"] || path.join(cacheDir(), "npm") };
}

export interface Cli {
  /** Directory holding `pulumi` (and `pulumi-language-nodejs` when there is one). */
  dir: string;
  pulumi: string;
  version: string;
  /** A Node.js language host is next to the CLI or on PATH: packs and programs can run the usual way. */
  languageHost: boolean;
  /** That host is the stand-in of tests/e2e/language-host.ts (it logs to hostLogOf(work)), not a real one. */
  standInHost?: boolean;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; kills it past `timeoutMs` (a hung CLI fails the test rather than the suite). */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let provided: Promise<Cli> | undefined;

/** The CLI, provided once per test process (a cold build takes minutes; later calls reuse the cache). */
export function provideCli(): Promise<Cli> {
  provided ??= provide();
  return provided;
}

async function provide(): Promise<Cli> {
  const script = path.join(ROOT, "scripts", "pulumi-cli.sh");
  const r = await run("bash", [script], {
    env: { ...process.env, AUDITGUARD_CACHE: cacheDir() },
    timeoutMs: 3_600_000,
  });
  const dir = r.stdout.trim().split("\n").pop() ?? "";
  const pulumi = path.join(dir, "pulumi");
  if (r.code !== 0 || !fs.existsSync(pulumi)) {
    throw new Error(
      `The end-to-end tests need the pulumi CLI and scripts/pulumi-cli.sh could not provide it (exit ${r.code}). ` +
        `Install pulumi >= 3.249 on PATH, or Go to build it. Script output:\n${r.stderr.slice(-4000)}`,
    );
  }
  const v = await run(pulumi, ["version"], { env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
  const onPath = (process.env["PATH"] ?? "")
    .split(path.delimiter)
    .some((d) => d && fs.existsSync(path.join(d, "pulumi-language-nodejs")));
  return {
    dir,
    pulumi,
    version: v.stdout.trim(),
    languageHost: fs.existsSync(path.join(dir, "pulumi-language-nodejs")) || onPath,
  };
}

/** A fresh working directory for one test group; removed by the caller. */
export function workDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `auditguard-e2e-${label}-`));
}

/** Where the pack processes of a test group log the Analyzer RPCs they receive (tests/e2e/rpc-trace.ts). */
export function rpcLogOf(work: string): string {
  return path.join(work, "analyzer-rpcs.log");
}

/**
 * What the pack processes logged since the last call, in order (the log is emptied): one line per Analyzer RPC,
 * "<rpc>" or, for configureStack, "configureStack <stack context as JSON>"; and "pack-env <JSON>" as each pack
 * process starts (the PULUMI_NODEJS_* variables it was started with, PULUMI_CONFIG's keys).
 */
export function takeRpcLines(work: string): string[] {
  const file = rpcLogOf(work);
  const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  fs.writeFileSync(file, "");
  return lines;
}

/** The names of the RPCs logged since the last call, in order (the log is emptied). */
export function takeRpcs(work: string): string[] {
  return takeRpcLines(work)
    .filter((l) => !l.startsWith("pack-env "))
    .map((l) => l.split(" ")[0] ?? l);
}

/**
 * The environment that keeps the CLI offline and local: file backend, passphrase, own PULUMI_HOME; and the RPC
 * trace preloaded into every Node process (it acts only in pack processes).
 */
export function offlineEnv(cli: Cli, work: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = path.join(work, "pulumi-home");
  const backend = path.join(work, "backend");
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(backend, { recursive: true });
  return {
    ...process.env,
    PATH: [cli.dir, path.dirname(process.execPath), process.env["PATH"] ?? ""].join(path.delimiter),
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "auditguard-e2e-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    // Keeps the suite's network fence (scripts/network-fence.js) and adds the RPC trace.
    NODE_OPTIONS:
      `${process.env["NODE_OPTIONS"] ?? ""} --require ${JSON.stringify(path.join(__dirname, "rpc-trace.js"))}`.trim(),
    AUDITGUARD_E2E_RPC_LOG: rpcLogOf(work),
    AUDITGUARD_E2E_HOST_LOG: hostLogOf(work),
    ...extra,
  };
}

/**
 * How the CLI starts the pack in a test: "host" gives the pack directory (`--policy-pack <dir>`, as users run it) and
 * the CLI runs it through a Node.js language host (the real one when it is installed, else the stand-in of
 * tests/e2e/language-host.ts); "launcher" gives an executable that starts the pack without a host. The e2e specs run
 * both ways.
 */
export type PackPath = "host" | "launcher";
export const PACK_PATHS: readonly PackPath[] = ["launcher", "host"];

/**
 * The CLI for one pack path. For "host" without a real host: a directory in `work` holding a `pulumi` link to the
 * CLI and a `pulumi-language-nodejs` launcher of the stand-in host; offlineEnv puts it first on PATH, where the CLI
 * looks for language plugins (sdk/go/common/workspace/plugins.go `GetPluginPath`: PATH, then next to the CLI).
 */
export function cliFor(cli: Cli, mode: PackPath, work: string): Cli {
  if (mode === "launcher") return { ...cli, languageHost: false, standInHost: false };
  if (cli.languageHost) return cli;
  const dir = path.join(work, "cli-with-host");
  fs.mkdirSync(dir, { recursive: true });
  const pulumi = path.join(dir, "pulumi");
  if (!fs.existsSync(pulumi)) fs.symlinkSync(cli.pulumi, pulumi);
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const host = path.join(__dirname, "language-host.js");
  fs.writeFileSync(
    path.join(dir, "pulumi-language-nodejs"),
    `#!/bin/sh\nexec ${q(process.execPath)} ${q(host)} --version-of-cli ${q(cli.version.replace(/^v/, ""))} "$@"\n`,
    { mode: 0o755 },
  );
  return { ...cli, dir, pulumi, languageHost: true, standInHost: true };
}

/** Where the stand-in language host of a test group logs the calls it receives (tests/e2e/language-host.ts). */
export function hostLogOf(work: string): string {
  return path.join(work, "language-host.log");
}

/**
 * What to pass as `--policy-pack` for the pack in `packDir`. With a Node.js language host, the directory (the CLI
 * asks the host to run the pack). Without one, the CLI (3.276) has no `pulumi-analyzer-policy-nodejs` fallback any
 * more, but it runs an executable file given as `--policy-pack` as an analyzer plugin, with the engine address as
 * its argument: this launcher starts the pack as the host does (`run-policy-pack` from the pack's own
 * @pulumi/pulumi, cwd = pack dir), without the policy proxy and the PULUMI_NODEJS_* variables the host adds, so the
 * pack learns the stack context from ConfigureStack alone.
 */
export function packArgument(cli: Cli, packDir: string, work: string): string {
  if (cli.languageHost) return packDir;
  const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
  const dir = path.join(work, "policy-pack-launcher");
  fs.mkdirSync(dir, { recursive: true });
  const launcher = path.join(dir, "auditguard");
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(
    launcher,
    `#!/bin/sh\ncd ${q(packDir)} || exit 1\nexec ${q(process.execPath)} ${q(runPolicyPack)} "$1" ${q(packDir)}\n`,
    { mode: 0o755 },
  );
  return launcher;
}

/** A policy event as the CLI's `--json` output carries it. */
export interface PolicyEvent {
  policyName: string;
  policyPackName: string;
  resourceUrn: string | undefined;
  enforcementLevel: string;
  message: string;
}

/** The policy events in newline-delimited engine-event JSON (`pulumi policy analyze --json`). */
export function policyEventsOf(ndjson: string): PolicyEvent[] {
  const out: PolicyEvent[] = [];
  for (const line of ndjson.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    const e = JSON.parse(line) as { policyEvent?: PolicyEvent };
    if (e.policyEvent) out.push(e.policyEvent);
  }
  return out;
}

/** "policy@urn#level" lines, sorted, for readable assertions. */
export function brief(events: readonly PolicyEvent[]): string[] {
  return events.map((e) => `${e.policyName}@${e.resourceUrn ?? ""}#${e.enforcementLevel}`).sort();
}
