// Runs one Pulumi operation on the program through the Automation API: an inline program served to the real CLI
// over `--client`, which needs no Node.js language host. Reads a request JSON file, writes a result JSON file.
//   node driver.js <request.json> <result.json>

import * as fs from "fs";
import { LocalWorkspace, type EngineEvent } from "@pulumi/pulumi/automation";
import { program } from "./index";

interface Request {
  op: "preview" | "up";
  workDir: string;
  project: string;
  stack: string;
  envVars: Record<string, string>;
  /** Provider plugins by package name: directories holding pulumi-resource-<name>. */
  providers: Record<string, string>;
  /** Stack config, set with paths (`aws:endpoints[0].cloudtrail`). */
  config: Record<string, { value: string; secret?: boolean }>;
  policyPacks: string[];
  policyPackConfigs: string[];
  /** The stack's secrets provider when it is created (a Pulumi Cloud backend would default to its own). */
  secretsProvider?: string;
}

interface Result {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
  events: EngineEvent[];
  error?: string;
}

async function main(): Promise<void> {
  const [requestFile, resultFile] = process.argv.slice(2);
  const req = JSON.parse(fs.readFileSync(requestFile, "utf8")) as Request;
  const projectSettings = {
    name: req.project,
    runtime: "nodejs" as const,
    // Pulumi.yaml `plugins.providers`: the engine loads the test provider from these paths.
    plugins: { providers: Object.entries(req.providers).map(([name, path]) => ({ name, path })) },
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: req.project, stackName: req.stack, program: async () => program() },
    { workDir: req.workDir, envVars: req.envVars, projectSettings, secretsProvider: req.secretsProvider },
  );
  await stack.setAllConfig(req.config, true);
  const events: EngineEvent[] = [];
  const opts = {
    policyPacks: req.policyPacks,
    policyPackConfigs: req.policyPackConfigs,
    color: "never" as const,
    onEvent: (e: EngineEvent) => events.push(e),
  };
  let result: Result;
  try {
    const r = req.op === "preview" ? await stack.preview(opts) : await stack.up(opts);
    result = { ok: true, code: 0, stdout: r.stdout, stderr: r.stderr, events };
  } catch (e) {
    const cr = (e as { commandResult?: { stdout: string; stderr: string; code: number } }).commandResult;
    result = {
      ok: false,
      code: cr ? cr.code : null,
      stdout: cr ? cr.stdout : "",
      stderr: cr ? cr.stderr : "",
      events,
      error: String(e),
    };
  }
  fs.writeFileSync(resultFile, JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
