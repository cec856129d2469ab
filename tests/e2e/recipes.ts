// The CI recipes under docs/ci/, read as GitHub Actions and GitLab CI read them (YAML), and their shell steps run
// with bash the way each runner runs them: GitHub `run:` with `bash -e {0}`, a GitLab `script:` line by line, each
// failing the job on a non-zero exit.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { ROOT } from "./cli";

export interface GithubStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  "working-directory"?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
export interface GithubWorkflow {
  permissions: Record<string, string>;
  jobs: Record<string, { env: Record<string, string>; strategy: { matrix: { stack: string[] } }; steps: GithubStep[] }>;
}
export interface GitlabJob {
  variables: Record<string, string>;
  before_script: string[];
  script: string[];
  artifacts: { when: string; reports: { junit: string }; paths: string[] };
}

export function githubRecipe(): GithubWorkflow {
  return parse(fs.readFileSync(path.join(ROOT, "docs", "ci", "github-actions.yml"), "utf8")) as GithubWorkflow;
}

export function gitlabRecipe(): Record<string, GitlabJob> {
  return parse(fs.readFileSync(path.join(ROOT, "docs", "ci", "gitlab-ci.yml"), "utf8")) as Record<string, GitlabJob>;
}

export interface Shell {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script as a runner would (bash, errexit), in `cwd`, with `env`. */
export function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Shell> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-e", "-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
