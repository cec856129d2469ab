// A stand-in for `pulumi-language-nodejs`, the Node.js language host, for the end-to-end tests. The real host is its
// own Go module that the Go module proxy does not serve (scripts/pulumi-cli.sh), so the suite cannot have it; the CLI
// needs one for `--policy-pack <dir>`, `pulumi policy publish` and for installing a pack that Pulumi Cloud requires.
// This server implements only the LanguageRuntime calls the CLI makes for policy packs, as the real host does them.
// Read from pulumi/pulumi (the host at v3.260, sdk/nodejs/cmd/pulumi-language-nodejs/main.go; the policy proxy and
// the CLI side at v3.276.0 in the Go module cache); nothing is copied:
//
// - start: `pulumi-language-nodejs [flags] <engine address>`; serves gRPC on 127.0.0.1, a port the kernel picks, and
//   prints that port and a newline on stdout (main.go `main`). The CLI starts it with the engine address as its only
//   argument (sdk/go/common/resource/plugin/langruntime_plugin.go `buildArgsForNewPlugin`).
// - Handshake: keeps the engine address, answers an empty response (main.go `Handshake`). The real host also starts
//   a health check of the engine every 5 minutes; this one has none (the CLI kills it when done).
// - GetPluginInfo: the host's version (main.go `GetPluginInfo`); here the CLI's, which the launcher passes.
// - InstallDependencies (`installRequiredPolicy`, pkg/backend/httpstate/policypack.go, asks it with IsPlugin=true in
//   ~/.pulumi/policies/<org>/pulumi-analyzer-<pack>-v<version>): writes "Installing dependencies...\n\n", runs
//   `npm install --loglevel=error` (plus `--production` only when the runtime option `production` is true) in the
//   program directory with the host's environment, streams its stdout and stderr as InstallDependenciesResponse
//   messages, then "Finished installing dependencies\n\n"; a failed install is the RPC's error (main.go
//   `InstallDependencies`, installcache.go `installShared` without the conformance-test cache, sdk/nodejs/npm/npm.go
//   `installCmd`). The package manager is chosen as `ResolvePackageManager` (sdk/nodejs/npm/manager.go) does; this
//   stand-in runs npm only and fails, saying so, where the real host would run yarn, pnpm or bun. Not reproduced:
//   `.nvmrc` handling with fnm (UseLanguageVersionTools, false for plugins) and npm/yarn workspace roots.
// - RunPlugin of kind "analyzer" (a policy pack; sdk/go/common/resource/plugin/analyzer_plugin.go asks it with
//   args [engine address] and env = the CLI's environment plus the pack's ESC variables): locates
//   `@pulumi/pulumi/cmd/run-policy-pack` from the pack directory (error "It looks like the Pulumi SDK has not been
//   installed. Have you run npm install in <dir>?" when missing), and runs
//   `node <run-policy-pack> [nodeargs] <args...> <pack dir>` with cwd = the pack directory and env = the request's env
//   plus PULUMI_NODEJS_TYPESCRIPT=true (runtime option typescript, default true) and PULUMI_NODEJS_TSCONFIG_PATH
//   (option tsconfig). Before starting node it serves a policy proxy (sdk/v3 policy_proxy.go `PolicyProxy`): the
//   proxy's port is the first stdout line the CLI reads; Handshake and ConfigureStack are answered by the proxy; the
//   first ConfigureStack's stack context becomes PULUMI_NODEJS_ORGANIZATION/PROJECT/STACK/DRY_RUN and PULUMI_CONFIG
//   (JSON of the stack config) for the pack process (each only when non-empty); any other call that arrives first
//   (`policy publish`, `policy analyze` send no ConfigureStack) starts the pack with no context, and the proxy then
//   forwards an empty ConfigureStack (stack "", dryRun false: the Go proxy sends its nil request) to the pack. Once the
//   pack prints its port, every Analyzer call is forwarded to it and the rest of its stdout is passed on. The pack's
//   exit: 0 ends the stream; non-zero fails the RPC with "Program exited with non-zero exit code: N" (main.go
//   `RunPlugin`). The CLI cancelling the call kills the pack (exec.CommandContext).
// - Cancel (the CLI sends it as it shuts the host down): answers Empty (main.go `Cancel`; it stops `Run` programs).
// - Every other call answers UNIMPLEMENTED, as grpc-go does for a method a server does not implement; the stand-in's
//   log (AUDITGUARD_E2E_HOST_LOG) records each call by name so tests can see what the CLI asked.
//
// Run as: node language-host.js --version-of-cli <v> <engine address>   (see `hostLauncher` in tests/e2e/cli.ts).

import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import * as languageRpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as languagePb from "@pulumi/pulumi/proto/language_pb";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";

const log = process.env["AUDITGUARD_E2E_HOST_LOG"];
function note(line: string): void {
  if (log) fs.appendFileSync(log, `${line}\n`);
}

const children = new Set<ChildProcess>();
function killChildren(): void {
  for (const c of children) c.kill("SIGKILL");
}
process.on("exit", killChildren);
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(sig, () => {
    killChildren();
    process.exit(1);
  });
}

interface NodeOptions {
  typescript: boolean;
  tsconfig: string | undefined;
  nodeargs: string[];
  production: boolean;
  packagemanager: string;
}

/** main.go `parseOptions`, for runtime nodejs. */
function parseOptions(raw: Record<string, unknown>): NodeOptions {
  const opts: NodeOptions = {
    typescript: true,
    tsconfig: undefined,
    nodeargs: [],
    production: false,
    packagemanager: "auto",
  };
  const typed = <T>(key: string, type: string, set: (v: T) => void, what: string): void => {
    if (!(key in raw)) return;
    if (typeof raw[key] !== type) throw new Error(what);
    set(raw[key] as T);
  };
  typed<boolean>("typescript", "boolean", (v) => (opts.typescript = v), "typescript option must be a boolean");
  typed<string>("tsconfig", "string", (v) => (opts.tsconfig = v), "tsconfigpath option must be a string");
  // The real host splits with shlex; the packs here use no quoting in nodeargs.
  typed<string>(
    "nodeargs",
    "string",
    (v) => (opts.nodeargs = v.split(/\s+/).filter(Boolean)),
    "nodeargs option must be a string",
  );
  typed<boolean>("production", "boolean", (v) => (opts.production = v), "production option must be a boolean");
  typed<string>("packagemanager", "string", (v) => (opts.packagemanager = v), "packagemanager option must be a string");
  if (!["auto", "npm", "yarn", "pnpm", "bun"].includes(opts.packagemanager)) {
    throw new Error(`packagemanager option must be one of auto, npm, yarn, pnpm or bun, got "${opts.packagemanager}"`);
  }
  return opts;
}

function optionsOf(info: languagePb.ProgramInfo | undefined): NodeOptions {
  return parseOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>);
}

/** sdk/nodejs/npm/manager.go `ResolvePackageManager`: the manager the real host would run in `dir`. */
function packageManagerFor(opts: NodeOptions, dir: string): string {
  if (opts.packagemanager !== "auto") return opts.packagemanager;
  if (process.env["PULUMI_PREFER_YARN"] || fs.existsSync(path.join(dir, "yarn.lock"))) return "yarn";
  if (fs.existsSync(path.join(dir, "pnpm-lock.yaml"))) return "pnpm";
  if (fs.existsSync(path.join(dir, "bun.lockb")) || fs.existsSync(path.join(dir, "bun.lock"))) return "bun";
  return "npm";
}

function grpcError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

let engineAddress = "";
let cliVersion = "";

type LanguageImpl = Partial<languageRpc.ILanguageRuntimeServer>;

const implemented: LanguageImpl = {
  handshake(call, callback) {
    engineAddress = call.request.getEngineAddress();
    callback(null, new languagePb.LanguageHandshakeResponse());
  },

  // main.go `Cancel`: cancels the host's own context, which only programs run by `Run` use (RunPlugin's pack runs
  // under its call's context); answers Empty. This host runs no programs.
  cancel(_call, callback) {
    callback(null, new emptyPb.Empty());
  },

  getPluginInfo(_call, callback) {
    callback(null, new pluginPb.PluginInfo().setVersion(cliVersion));
  },

  installDependencies(call) {
    const req = call.request;
    const dir = req.getInfo()?.getProgramDirectory() ?? "";
    note(`InstallDependencies ${JSON.stringify({ dir, isPlugin: req.getIsPlugin() })}`);
    const out = (b: Buffer | string): void => {
      call.write(new languagePb.InstallDependenciesResponse().setStdout(Buffer.from(b)));
    };
    const err = (b: Buffer | string): void => {
      call.write(new languagePb.InstallDependenciesResponse().setStderr(Buffer.from(b)));
    };
    let opts: NodeOptions;
    try {
      opts = optionsOf(req.getInfo());
    } catch (e) {
      call.destroy(grpcError(grpc.status.UNKNOWN, `failed to parse options: ${(e as Error).message}`));
      return;
    }
    out("Installing dependencies...\n\n");
    const manager = packageManagerFor(opts, dir);
    if (manager !== "npm") {
      call.destroy(
        grpcError(grpc.status.UNKNOWN, `the test language host runs npm only; this project needs ${manager}`),
      );
      return;
    }
    const args = ["install", "--loglevel=error", ...(opts.production ? ["--production"] : [])];
    note(`npm ${args.join(" ")} (cwd ${dir})`);
    const child = spawn("npm", args, { cwd: dir, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    child.stdout.on("data", out);
    child.stderr.on("data", err);
    call.on("cancelled", () => child.kill("SIGKILL"));
    child.once("error", (e) => call.destroy(grpcError(grpc.status.UNKNOWN, String(e))));
    child.once("close", (code) => {
      children.delete(child);
      if (code !== 0) {
        call.destroy(grpcError(grpc.status.UNKNOWN, `exit status ${code}`));
        return;
      }
      out("Finished installing dependencies\n\n");
      call.end();
    });
  },

  runPlugin(call) {
    const req = call.request;
    const dir = req.getInfo()?.getProgramDirectory() ?? "";
    const kind = req.getKind();
    // The names (never the values) of the variables the CLI adds to its own environment for the plugin: a pack's ESC
    // environmentVariables arrive this way.
    const added = [...new Set(req.getEnvList().map((kv) => kv.slice(0, Math.max(0, kv.indexOf("=")))))]
      .filter((k) => k && !(k in process.env))
      .sort();
    note(`RunPlugin ${JSON.stringify({ kind, dir, args: req.getArgsList(), added })}`);
    if (kind !== "analyzer") {
      call.destroy(grpcError(grpc.status.UNIMPLEMENTED, `the test language host runs policy packs only, not ${kind}`));
      return;
    }
    runPolicyPack(call, dir).catch((e: unknown) => {
      call.destroy(grpcError(grpc.status.UNKNOWN, e instanceof Error ? e.message : String(e)));
    });
  },
};

/** Env list ("K=V", later entries win as in Go's exec) to an object. */
function envOf(list: readonly string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const kv of list) {
    const i = kv.indexOf("=");
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

type RunPluginCall = grpc.ServerWritableStream<languagePb.RunPluginRequest, languagePb.RunPluginResponse>;

async function runPolicyPack(call: RunPluginCall, dir: string): Promise<void> {
  const req = call.request;
  const stdout = (b: Buffer | string): void => {
    call.write(new languagePb.RunPluginResponse().setStdout(Buffer.from(b)));
  };
  const stderr = (b: Buffer | string): void => {
    call.write(new languagePb.RunPluginResponse().setStderr(Buffer.from(b)));
  };
  const opts = optionsOf(req.getInfo());
  const env = envOf(req.getEnvList());
  if (opts.typescript) env["PULUMI_NODEJS_TYPESCRIPT"] = "true";
  if (opts.tsconfig) env["PULUMI_NODEJS_TSCONFIG_PATH"] = opts.tsconfig;
  let runPath: string;
  try {
    runPath = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
  } catch {
    throw new Error(`It looks like the Pulumi SDK has not been installed. Have you run npm install in ${dir}?\n`);
  }
  const args = [runPath, ...opts.nodeargs, ...req.getArgsList(), dir];

  const proxy = new PolicyProxy();
  const port = await proxy.serve();
  stdout(`${port}\n`);
  const context = await proxy.configuration;
  note(
    `PolicyProxy configuration ${context ? JSON.stringify({ stack: context.getStack(), dryRun: context.getDryRun() }) : "none"}`,
  );
  if (context) {
    const put = (k: string, v: string): void => {
      if (v !== "") env[k] = v;
    };
    put("PULUMI_NODEJS_ORGANIZATION", context.getOrganization());
    put("PULUMI_NODEJS_PROJECT", context.getProject());
    put("PULUMI_NODEJS_STACK", context.getStack());
    put("PULUMI_NODEJS_DRY_RUN", String(context.getDryRun()));
    // The real host sets PULUMI_CONFIG only when the stack has config (`if config.Config != nil`: proto3 decodes an
    // empty map as nil).
    const config = context.getConfigMap();
    if (config.getLength() > 0) env["PULUMI_CONFIG"] = JSON.stringify(Object.fromEntries(config.entries()));
  }

  const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  call.on("cancelled", () => child.kill("SIGKILL"));
  child.stderr.on("data", stderr);
  let head = "";
  let attached = false;
  child.stdout.on("data", (d: Buffer) => {
    if (attached) return stdout(d);
    head += d.toString("utf8");
    const nl = head.indexOf("\n");
    if (nl < 0) return;
    attached = true;
    const rest = head.slice(nl + 1);
    proxy.attach(head.slice(0, nl).trim());
    if (rest) stdout(rest);
  });
  await new Promise<void>((resolve) => {
    child.once("error", (e) => {
      children.delete(child);
      proxy.abort(e);
      call.destroy(
        grpcError(
          grpc.status.UNKNOWN,
          `Problem executing plugin program (could not run language executor): ${String(e)}`,
        ),
      );
      resolve();
    });
    child.once("close", (code, signal) => {
      children.delete(child);
      proxy.close();
      if (!attached) proxy.abort(new Error("could not read policy pack port"));
      if (code === 0) call.end();
      else
        call.destroy(
          grpcError(
            grpc.status.UNKNOWN,
            code === null
              ? `Program exited unexpectedly: signal ${signal}`
              : `Program exited with non-zero exit code: ${code}`,
          ),
        );
      resolve();
    });
  });
}

type Bytes = Buffer;
const identity = (b: Bytes): Bytes => b;

/**
 * sdk/v3 policy_proxy.go: an Analyzer server the engine talks to while the pack starts. Handshake and ConfigureStack
 * are answered here; everything else waits for the pack and is forwarded as raw bytes.
 */
class PolicyProxy {
  private server = new grpc.Server();
  private settle!: (c: analyzerPb.AnalyzerStackConfigureRequest | undefined) => void;
  private settled = false;
  private stackConfig: analyzerPb.AnalyzerStackConfigureRequest | undefined;
  /** The first ConfigureStack, or undefined when another call came first. */
  readonly configuration = new Promise<analyzerPb.AnalyzerStackConfigureRequest | undefined>((r) => (this.settle = r));
  private clientReady!: (c: grpc.Client) => void;
  private clientFailed!: (e: Error) => void;
  private readonly client = new Promise<grpc.Client>((ok, fail) => {
    this.clientReady = ok;
    this.clientFailed = fail;
  });

  constructor() {
    this.client.catch(() => undefined); // a pack that never starts fails the waiting calls, not the host
  }

  private fulfil(c: analyzerPb.AnalyzerStackConfigureRequest | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.stackConfig = c;
    this.settle(c);
  }

  async serve(): Promise<number> {
    const handlers: grpc.UntypedServiceImplementation = {};
    const service: Record<string, grpc.MethodDefinition<Bytes, Bytes>> = {};
    for (const [name, def] of Object.entries(analyzerRpc.AnalyzerService)) {
      const method = def as grpc.MethodDefinition<unknown, unknown>;
      service[name] = {
        ...method,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      };
      handlers[name] = (call: grpc.ServerUnaryCall<Bytes, Bytes>, callback: grpc.sendUnaryData<Bytes>) => {
        if (name === "handshake")
          return callback(null, Buffer.from(new analyzerPb.AnalyzerHandshakeResponse().serializeBinary()));
        if (name === "configureStack") {
          this.fulfil(analyzerPb.AnalyzerStackConfigureRequest.deserializeBinary(call.request));
          return callback(null, Buffer.from(new analyzerPb.AnalyzerStackConfigureResponse().serializeBinary()));
        }
        // "The engine sometimes calls other methods before ConfigureStack, e.g. for `policy publish`": no context.
        this.fulfil(undefined);
        this.client.then(
          (client) =>
            client.makeUnaryRequest(method.path, identity, identity, call.request, call.metadata, (e, r) =>
              e ? callback(e) : callback(null, r),
            ),
          (e: Error) => callback(grpcError(grpc.status.UNKNOWN, `policy pack not started: ${e.message}`)),
        );
      };
    }
    this.server.addService(service, handlers);
    return new Promise((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) =>
        e ? reject(e) : resolve(port),
      ),
    );
  }

  /** The pack printed its port: forward the saved ConfigureStack (an empty one when none came), then everything. */
  attach(portLine: string): void {
    const port = Number(portLine);
    if (!Number.isInteger(port) || port <= 0) {
      this.abort(new Error(`could not read policy pack port: ${JSON.stringify(portLine)}`));
      return;
    }
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const request = this.stackConfig ?? new analyzerPb.AnalyzerStackConfigureRequest();
    client.makeUnaryRequest(
      analyzerRpc.AnalyzerService.configureStack.path,
      identity,
      identity,
      Buffer.from(request.serializeBinary()),
      (e) => {
        if (e && e.code !== grpc.status.UNIMPLEMENTED)
          this.abort(new Error(`policy pack configuration failed: ${e.message}`));
        else this.clientReady(client);
      },
    );
  }

  abort(e: Error): void {
    this.clientFailed(e);
  }

  close(): void {
    this.server.forceShutdown();
  }
}

function main(): void {
  const argv = process.argv.slice(2);
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--version-of-cli") cliVersion = argv[++i] ?? "";
    else if (a.startsWith("-")) {
      // -tracing <endpoint>, -runtime nodejs and the like: accepted, not used.
      if (!a.includes("=") && (a === "-tracing" || a === "--tracing" || a === "-runtime" || a === "--runtime")) i++;
    } else positional.push(a);
  }
  engineAddress = positional[0] ?? "";
  const server = new grpc.Server();
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(languageRpc.LanguageRuntimeService)) {
    const own = (implemented as Record<string, grpc.UntypedHandleCall | undefined>)[name];
    handlers[name] = (call: { request: unknown }, callback?: grpc.sendUnaryData<unknown>) => {
      note(name);
      if (own) return (own as (c: unknown, cb: unknown) => void)(call, callback);
      const e = grpcError(grpc.status.UNIMPLEMENTED, `method ${name} not implemented`);
      if (callback) callback(e);
      else (call as unknown as { destroy(e: Error): void }).destroy(e);
    };
  }
  server.addService(languageRpc.LanguageRuntimeService, handlers);
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) => {
    if (e) {
      process.stderr.write(`could not start language host RPC server: ${e.message}\n`);
      process.exit(1);
    }
    note(`started, engine ${engineAddress}`);
    process.stdout.write(`${port}\n`);
  });
}

main();
