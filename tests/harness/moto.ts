// moto's server (getmoto/moto, an AWS emulator we did not write) for the tests: installed by
// scripts/moto.sh into a cache outside the repo, started on 127.0.0.1 on a port the OS picks, and
// driven through its own AWS APIs with the real SDK v3 clients and dummy credentials. moto's request
// recorder shows what the pack sent it, so the read-only audit covers this traffic too.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type * as CloudTrail from "@aws-sdk/client-cloudtrail";
import type * as ConfigService from "@aws-sdk/client-config-service";
import { PACK_DIR } from "./analyzer";

/** The moto release scripts/moto.sh installs (the script's own default). */
export const MOTO_VERSION = "5.2.5";
/** moto's default account: every ARN it issues names it. */
export const MOTO_ACCOUNT = "123456789012";
/** Dummy keys: moto_server does not check signatures, and nothing else ever sees them. */
export const MOTO_CREDENTIALS = { accessKeyId: "AKIAMOTOTESTKEY00001", secretAccessKey: "moto-dummy-secret-000" };

/** Installs moto into the cache if absent (the first run downloads it from PyPI) and returns moto_server's path. */
export async function ensureMoto(): Promise<string> {
  const script = path.join(PACK_DIR, "scripts", "moto.sh");
  const { stdout } = await promisify(execFile)("bash", [script], {
    env: { ...process.env, MOTO_VERSION },
    maxBuffer: 16 * 1024 * 1024,
  });
  const exe = stdout.trim().split("\n").pop() ?? "";
  if (!fs.existsSync(exe)) throw new Error(`scripts/moto.sh printed ${JSON.stringify(stdout)}, not moto_server's path`);
  return exe;
}

/** One request moto received while recording, as its recorder writes it. */
export interface MotoRequest {
  method: string;
  /** The SigV4 credential scope's service ("config", "cloudtrail", ...), "" if unsigned. */
  service: string;
  /** The JSON-protocol operation from X-Amz-Target ("GetTrailStatus"), "" when absent. */
  action: string;
  /** X-Amz-Target as sent ("CloudTrail_20131101.GetTrailStatus"), "" when absent. */
  target: string;
  region: string;
}

export class MotoServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    private readonly dir: string,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  /** Starts moto_server on 127.0.0.1:0 and resolves once its HTTP endpoint answers. */
  static async start(exe: string, readyTimeoutMs = 60_000): Promise<MotoServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-moto-"));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PYTHONUNBUFFERED: "1",
      AWS_EC2_METADATA_DISABLED: "true",
      MOTO_RECORDER_FILEPATH: path.join(dir, "requests.jsonl"),
    };
    // The recorder is switched on only around the pack's own calls (startRecording). moto reads any
    // non-empty MOTO_ENABLE_RECORDING, "False" included, as on.
    delete env["MOTO_ENABLE_RECORDING"];
    const child = spawn(exe, ["-H", "127.0.0.1", "-p", "0"], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    child.stdout.on("data", (d: Buffer) => (text += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (text += d.toString("utf8")));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + readyTimeoutMs;
    try {
      // werkzeug prints the bound address ("Running on http://127.0.0.1:<port>") once it listens.
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error("moto_server printed no address")), readyTimeoutMs);
        const onData = (): void => {
          const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
          if (m?.[1]) done(undefined, m[1]);
        };
        const onExit = (code: number | null): void => done(new Error(`moto_server exited (${code})`));
        const done = (err: Error | undefined, value?: string): void => {
          clearTimeout(timer);
          child.stdout.off("data", onData);
          child.stderr.off("data", onData);
          child.off("exit", onExit);
          if (err || value === undefined) reject(err ?? new Error("no address"));
          else resolve(value);
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.once("exit", onExit);
      });
      const server = new MotoServer(child, exited, dir, url, () => text);
      await server.waitReady(deadline);
      return server;
    } catch (e) {
      child.kill("SIGKILL");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`${String(e)}; moto_server output: ${text}`, { cause: e });
    }
  }

  /** Polls moto's own API until it answers 200 (no fixed sleep; a short pause between failed polls). */
  private async waitReady(deadline: number): Promise<void> {
    let last = "";
    for (let pause = 10; Date.now() < deadline; pause = Math.min(pause * 2, 200)) {
      try {
        const res = await fetch(`${this.url}/moto-api/`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.ok) return;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = String(e);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    throw new Error(`moto_server at ${this.url} did not become ready: ${last}`);
  }

  /** Forgets every resource in every region (moto's reset API): each test starts from an empty account. */
  async reset(): Promise<void> {
    await this.motoApi("POST", "/moto-api/reset");
  }

  /**
   * S3 CreateBucket, path style. moto routes a request that names no signed service to S3, and its
   * CreateTrail, like AWS's, refuses a bucket that does not exist.
   */
  async createBucket(name: string): Promise<void> {
    const res = await fetch(`${this.url}/${encodeURIComponent(name)}`, {
      method: "PUT",
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.text();
    if (!res.ok) throw new Error(`CreateBucket ${name}: HTTP ${res.status} ${body}`);
  }

  /** Clears moto's request recording and switches the recorder on. */
  async startRecording(): Promise<void> {
    await this.motoApi("POST", "/moto-api/recorder/reset-recording");
    await this.motoApi("POST", "/moto-api/recorder/start-recording");
  }

  /** Switches the recorder off and returns what moto received since startRecording. */
  async stopRecording(): Promise<MotoRequest[]> {
    await this.motoApi("POST", "/moto-api/recorder/stop-recording");
    const text = await this.motoApi("GET", "/moto-api/recorder/download-recording");
    return text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((line) => {
        const r = JSON.parse(line) as { method?: string; headers?: Record<string, string>; body?: unknown };
        const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
        const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(headers["authorization"] ?? "");
        return {
          method: r.method ?? "",
          region: scope?.[1] ?? "",
          service: scope?.[2] ?? "",
          action: (headers["x-amz-target"] ?? "").split(".").pop() || queryAction(r.body),
          target: headers["x-amz-target"] ?? "",
        };
      });
  }

  /** The SDK clients the tests use to create and change resources in moto, for one region. */
  clients(region: string): { cloudtrail: CloudTrail.CloudTrailClient; config: ConfigService.ConfigServiceClient } {
    const ct = require("@aws-sdk/client-cloudtrail") as typeof CloudTrail;
    const cfg = require("@aws-sdk/client-config-service") as typeof ConfigService;
    const opts = { region, endpoint: this.url, credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
    return { cloudtrail: new ct.CloudTrailClient(opts), config: new cfg.ConfigServiceClient(opts) };
  }

  /** What moto printed (its request log included), for failure messages. */
  log(): string {
    return this.output();
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    // werkzeug exits on SIGTERM at once; SIGKILL only if it does not.
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(killer);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async motoApi(method: string, route: string): Promise<string> {
    const res = await fetch(`${this.url}${route}`, { method, signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${body}`);
    return body;
  }
}

/** awsQuery (STS) names the action in its form body, not in x-amz-target; moto records the body as text or base64. */
function queryAction(body: unknown): string {
  if (typeof body !== "string" || body === "") return "";
  for (const text of [body, Buffer.from(body, "base64").toString("utf8")]) {
    const action = new URLSearchParams(text).get("Action");
    if (action) return action;
  }
  return "";
}
