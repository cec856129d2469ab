// The e2e Pulumi program (tests/e2e/program/): its dependencies installed with `npm ci` from the committed
// package-lock.json into the user cache (never into the repository), compiled there with the repository's
// TypeScript against the real SDKs' types, and run one operation at a time by its Automation API driver.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { cacheDir, npmEnv, run, ROOT } from "./cli";

const SOURCE = path.join(ROOT, "tests", "e2e", "program");
const PROVIDER = path.join(ROOT, "dist", "tests", "e2e", "provider", "provider.js");

function hashOf(files: readonly string[]): string {
  const h = createHash("sha256");
  for (const f of files) h.update(fs.readFileSync(path.join(SOURCE, f)));
  return h.digest("hex").slice(0, 16);
}

async function must(what: string, cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const r = await run(cmd, args, { cwd, env: env ?? process.env, timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${(r.stdout + r.stderr).slice(-4000)}`);
}

/** Installs (once per lock file) and compiles (once per source) the program; returns the driver's path. */
export async function ensureProgram(): Promise<string> {
  const installDir = path.join(cacheDir(), "e2e-program", hashOf(["package.json", "package-lock.json"]));
  if (!fs.existsSync(path.join(installDir, ".installed"))) {
    fs.rmSync(installDir, { recursive: true, force: true });
    fs.mkdirSync(installDir, { recursive: true });
    for (const f of ["package.json", "package-lock.json"])
      fs.copyFileSync(path.join(SOURCE, f), path.join(installDir, f));
    await must(
      "npm ci of the e2e program",
      "npm",
      ["ci", "--no-audit", "--no-fund", "--ignore-scripts"],
      installDir,
      npmEnv(),
    );
    fs.writeFileSync(path.join(installDir, ".installed"), "");
  }
  const buildDir = path.join(installDir, `build-${hashOf(["index.ts", "driver.ts", "package-lock.json"])}`);
  const driver = path.join(buildDir, "bin", "driver.js");
  if (!fs.existsSync(driver)) {
    fs.rmSync(buildDir, { recursive: true, force: true });
    fs.mkdirSync(buildDir, { recursive: true });
    for (const f of ["index.ts", "driver.ts"]) fs.copyFileSync(path.join(SOURCE, f), path.join(buildDir, f));
    fs.writeFileSync(
      path.join(buildDir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "commonjs",
          moduleResolution: "node",
          strict: true,
          skipLibCheck: true,
          outDir: "bin",
          typeRoots: [path.join(ROOT, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["index.ts", "driver.ts"],
      }),
    );
    const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
    await must("compiling the e2e program", process.execPath, [tsc, "-p", buildDir], buildDir);
  }
  return driver;
}

/** A provider plugin directory holding `pulumi-resource-<pkg>`: the test provider, logging to `logFile`. */
export function providerPlugin(pkg: "aws" | "alicloud", work: string, logFile: string): string {
  const dir = path.join(work, "plugins", pkg);
  fs.mkdirSync(dir, { recursive: true });
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(
    path.join(dir, `pulumi-resource-${pkg}`),
    `#!/bin/sh\nAUDITGUARD_E2E_PROVIDER_LOG=${q(logFile)} exec ${q(process.execPath)} ${q(PROVIDER)} ${pkg} "$@"\n`,
    { mode: 0o755 },
  );
  return dir;
}

export interface EngineEvent {
  policyEvent?: {
    resourceUrn?: string;
    message: string;
    policyName: string;
    policyPackName: string;
    enforcementLevel: string;
  };
  resOutputsEvent?: { metadata: { urn: string; op: string } };
  diagnosticEvent?: { message: string; severity: string; urn?: string };
}

export interface OpRequest {
  op: "preview" | "up";
  workDir: string;
  project: string;
  stack: string;
  envVars: Record<string, string>;
  providers: Record<string, string>;
  config: Record<string, { value: string; secret?: boolean }>;
  policyPacks: string[];
  policyPackConfigs: string[];
  secretsProvider?: string;
}

export interface OpResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
  events: EngineEvent[];
  error?: string;
}

/** Runs one operation through the driver (a child process: the program needs its own @pulumi/pulumi). */
export async function runOp(driver: string, req: OpRequest, env: NodeJS.ProcessEnv): Promise<OpResult> {
  const base = path.join(req.workDir, `..`, `op-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const requestFile = `${base}.request.json`;
  const resultFile = `${base}.result.json`;
  fs.writeFileSync(requestFile, JSON.stringify(req));
  const r = await run(process.execPath, [driver, requestFile, resultFile], {
    cwd: req.workDir,
    env,
    timeoutMs: 300_000,
  });
  if (!fs.existsSync(resultFile)) {
    throw new Error(`the e2e driver failed before a result (exit ${r.code}):\n${(r.stdout + r.stderr).slice(-4000)}`);
  }
  return JSON.parse(fs.readFileSync(resultFile, "utf8")) as OpResult;
}
