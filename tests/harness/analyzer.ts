// An engine stand-in for tests: spawns the built pack exactly the way the Pulumi language host does
// (`node run-policy-pack 127.0.0.1:1 <packDir>`, cwd = pack dir, PULUMI_NODEJS_* env, PULUMI_CONFIG),
// reads the port from the first stdout line and speaks the Analyzer gRPC protocol to it:
// ConfigureStack → GetAnalyzerInfo → Configure (config with schema defaults, as the engine sends
// it) → AnalyzeStack. Resources are written as plain JS; markers encode preview unknowns and
// secrets the way the engine puts them on the wire.
//
// The protobuf and gRPC modules are loaded from @pulumi/pulumi's own directory: a second copy of
// google-protobuf would fail the generated stubs' instanceof checks. Types come from the .d.ts files
// @pulumi/pulumi ships next to the stubs (type-only imports; nothing is loaded from them at compile time).

import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type * as GrpcJs from "@grpc/grpc-js";
import type * as AnalyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type * as AnalyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import type * as EmptyPb from "google-protobuf/google/protobuf/empty_pb";
import type * as StructPb from "google-protobuf/google/protobuf/struct_pb";

/** The repository root: the pack directory (package.json main = dist/index.js). */
export const PACK_DIR = path.resolve(__dirname, "..", "..", "..");

// ---- wire encodings ------------------------------------------------------------------------------

/** The engine's unknown sentinels (@pulumi/policy/proxy: unknown*Value). */
export const UNKNOWN_SENTINELS = {
  string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  boolean: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  asset: "030794c1-ac77-496b-92df-f27374a8bd58",
  archive: "e48ece36-62e2-4504-bad9-02848725956a",
  object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
} as const;
export type UnknownKind = keyof typeof UNKNOWN_SENTINELS;

/** The signature key/value that marks a secret object on the wire. */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A value the engine does not know yet (preview); encoded as the sentinel string of its kind. */
export class UnknownValue {
  constructor(readonly kind: UnknownKind) {}
}
/** A secret output/input; encoded as `{<sig key>: <secret sig>, value}` (the pack sees it unwrapped). */
export class SecretValue {
  constructor(readonly value: Value) {}
}

export type Value = string | number | boolean | null | UnknownValue | SecretValue | Value[] | { [key: string]: Value };
export type Props = { [key: string]: Value };

/** A preview unknown of the given kind (default: string). */
export function unknown(kind: UnknownKind = "string"): UnknownValue {
  return new UnknownValue(kind);
}
/** The string unknown, the commonest one. */
export const UNKNOWN = unknown("string");
export function secret(value: Value): SecretValue {
  return new SecretValue(value);
}

type Wire = null | number | string | boolean | Wire[] | { [key: string]: Wire };

export function encodeValue(v: Value): Wire {
  if (v instanceof UnknownValue) return UNKNOWN_SENTINELS[v.kind];
  if (v instanceof SecretValue) return { [SECRET_SIG_KEY]: SECRET_SIG, value: encodeValue(v.value) };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v !== null && typeof v === "object") {
    const out: { [key: string]: Wire } = {};
    for (const [k, e] of Object.entries(v)) out[k] = encodeValue(e);
    return out;
  }
  return v;
}

// ---- resources -----------------------------------------------------------------------------------

export interface StackInfo {
  stack: string;
  project: string;
  organization: string;
}
export const DEFAULT_STACK: StackInfo = { stack: "dev", project: "auditguard-test", organization: "acme" };

export function urnOf(type: string, name: string, stack: StackInfo = DEFAULT_STACK): string {
  return `urn:pulumi:${stack.stack}::${stack.project}::${type}::${name}`;
}

/** A provider reference as the engine attaches it to a resource (its props are the provider's inputs). */
export interface ProviderRef {
  type: string;
  urn: string;
  name: string;
  props: Props;
}

export interface ResourceSpec {
  type: string;
  name: string;
  urn: string;
  props: Props;
  provider?: ProviderRef;
  parent?: string;
  dependencies?: string[];
}

export function resource(
  type: string,
  name: string,
  props: Props,
  opts: { provider?: ProviderRef; parent?: string; dependencies?: string[]; urn?: string } = {},
): ResourceSpec {
  return {
    type,
    name,
    urn: opts.urn ?? urnOf(type, name),
    props,
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...(opts.parent ? { parent: opts.parent } : {}),
    ...(opts.dependencies ? { dependencies: opts.dependencies } : {}),
  };
}

/** The root `pulumi:pulumi:Stack` resource every stack has. */
export function stackResource(stack: StackInfo = DEFAULT_STACK): ResourceSpec {
  const name = `${stack.project}-${stack.stack}`;
  return resource("pulumi:pulumi:Stack", name, {}, { urn: urnOf("pulumi:pulumi:Stack", name, stack) });
}

/**
 * An explicit provider (`new aws.Provider(name, args)`): like the generated constructor, every
 * non-string input is stored as a JSON string; strings, unknowns and secrets stay as they are (a
 * secret's inner value is encoded the same way).
 */
export function explicitProvider(pkg: string, name: string, inputs: Props): ProviderRef {
  const props: Props = {};
  for (const [k, v] of Object.entries(inputs)) props[k] = providerEncode(v);
  const type = `pulumi:providers:${pkg}`;
  return { type, urn: urnOf(type, name), name, props };
}

function providerEncode(v: Value): Value {
  if (typeof v === "string" || v instanceof UnknownValue || v === null) return v;
  if (v instanceof SecretValue) return secret(providerEncode(v.value));
  return JSON.stringify(encodeValue(v));
}

/**
 * A default provider (`default_7_48_0`): its props are the package's stack config without the
 * namespace, all strings (structured config as JSON strings), plus `version`.
 */
export function defaultProvider(pkg: string, version: string, config: Props): ProviderRef {
  const props: Props = { version };
  for (const [k, v] of Object.entries(config)) props[k] = providerEncode(v);
  const type = `pulumi:providers:${pkg}`;
  const name = `default_${version.replace(/\./g, "_")}`;
  return { type, urn: urnOf(type, name), name, props };
}

/** The provider's own entry in the stack's resource list (type pulumi:providers:<pkg>). */
export function providerResource(p: ProviderRef): ResourceSpec {
  return { type: p.type, name: p.name, urn: p.urn, props: { ...p.props } };
}

// ---- results -------------------------------------------------------------------------------------

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";
export type Severity = "unspecified" | "low" | "medium" | "high" | "critical";
const LEVELS: readonly Level[] = ["advisory", "mandatory", "disabled", "remediate"]; // proto enum order
const SEVERITIES: readonly Severity[] = ["unspecified", "low", "medium", "high", "critical"];

export interface Diagnostic {
  policyName: string;
  policyPackName: string;
  message: string;
  urn: string;
  enforcementLevel: Level;
  severity: Severity;
}
export interface NotApplicable {
  policyName: string;
  reason: string;
}
export interface AnalyzeResult {
  diagnostics: Diagnostic[];
  notApplicable: NotApplicable[];
}

/** The diagnostics' policies and messages, for an assertion's message. */
export function brief(result: AnalyzeResult): string {
  return JSON.stringify(
    result.diagnostics.map((d) => ({ p: d.policyName, m: d.message })),
    null,
    1,
  );
}

export interface PolicyInfo {
  name: string;
  description: string;
  enforcementLevel: Level;
  severity: Severity;
  configSchema: { properties: Record<string, Record<string, unknown>>; required: string[] } | undefined;
}
export interface AnalyzerInfo {
  name: string;
  version: string;
  supportsConfig: boolean;
  policies: PolicyInfo[];
  initialConfig: Record<string, { enforcementLevel: Level; properties: Record<string, unknown> }>;
}

/** Per-policy override for configure(): a level, or properties with an optional level. */
export type PolicyOverride = Level | ({ enforcementLevel?: Level } & Record<string, unknown>);

// ---- the harness ---------------------------------------------------------------------------------

interface Modules {
  grpc: typeof GrpcJs;
  pb: typeof AnalyzerPb;
  stubs: typeof AnalyzerGrpc;
  struct: typeof StructPb;
  empty: typeof EmptyPb;
}

function loadModules(packDir: string): Modules {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [packDir] }));
  const fromPulumi = <T>(id: string): T => require(require.resolve(id, { paths: [pulumiDir] })) as T;
  return {
    grpc: fromPulumi<typeof GrpcJs>("@grpc/grpc-js"),
    pb: require(path.join(pulumiDir, "proto", "analyzer_pb.js")) as typeof AnalyzerPb,
    stubs: require(path.join(pulumiDir, "proto", "analyzer_grpc_pb.js")) as typeof AnalyzerGrpc,
    struct: fromPulumi<typeof StructPb>("google-protobuf/google/protobuf/struct_pb"),
    empty: fromPulumi<typeof EmptyPb>("google-protobuf/google/protobuf/empty_pb"),
  };
}

export interface StartOptions {
  /** PULUMI_NODEJS_DRY_RUN at spawn and the first ConfigureStack's dry_run (default true: preview). */
  dryRun?: boolean;
  /** Stack config, `{"aws:region": "us-east-1"}`: PULUMI_CONFIG and ConfigureStack.config. */
  config?: Record<string, string>;
  stack?: StackInfo;
  /** Extra environment for the pack process (added to the test's own environment). */
  env?: Record<string, string>;
  packDir?: string;
  /**
   * Start the pack like `pulumi policy analyze` / `policy publish` do: no PULUMI_NODEJS_* stack
   * variables and no PULUMI_CONFIG (then also skip configureStack/configure).
   */
  noStackContext?: boolean;
  /** Deadline of every RPC; a safety net so a hung pack fails a test with DEADLINE_EXCEEDED. */
  rpcTimeoutMs?: number;
}

/** Everything a child writes to stdout and stderr, captured from the moment it is spawned. */
class Capture {
  text = "";
  stdout = "";
  constructor(child: ChildProcess) {
    child.stdout?.on("data", (d: Buffer) => {
      const t = d.toString("utf8");
      this.stdout += t;
      this.text += t;
    });
    child.stderr?.on("data", (d: Buffer) => (this.text += d.toString("utf8")));
  }
}

/** A loopback port nothing listens on (discard, 9): a call there is refused at once. */
export const CLOSED_LOOPBACK_URL = "http://127.0.0.1:9";

export class AnalyzerHarness {
  private info: AnalyzerInfo | undefined;

  private constructor(
    private readonly mods: Modules,
    private readonly child: ChildProcess,
    private readonly capture: Capture,
    private readonly exited: Promise<void>,
    private readonly client: AnalyzerGrpc.AnalyzerClient,
    readonly port: number,
    readonly stack: StackInfo,
    private readonly rpcTimeoutMs: number,
  ) {}

  /** Spawns the pack and connects; call configureStack/getAnalyzerInfo/configure next (or use `start`). */
  static async spawn(opts: StartOptions = {}): Promise<AnalyzerHarness> {
    const packDir = opts.packDir ?? PACK_DIR;
    const mods = loadModules(packDir);
    const stack = opts.stack ?? DEFAULT_STACK;
    const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
    const context = opts.noStackContext
      ? {}
      : {
          PULUMI_NODEJS_DRY_RUN: String(opts.dryRun ?? true),
          PULUMI_NODEJS_STACK: stack.stack,
          PULUMI_NODEJS_PROJECT: stack.project,
          PULUMI_NODEJS_ORGANIZATION: stack.organization,
          PULUMI_CONFIG: JSON.stringify(opts.config ?? {}),
        };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...context,
      AWS_EC2_METADATA_DISABLED: "true",
      // Tests reach loopback only: an AWS call whose provider names no endpoint goes to a closed loopback port
      // (the SDK's AWS_ENDPOINT_URL), not to the public endpoint (scripts/network-fence.js would refuse it).
      AWS_ENDPOINT_URL: CLOSED_LOOPBACK_URL,
      ...opts.env,
    };
    const child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:1", packDir], {
      cwd: packDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const capture = new Capture(child);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // The engine reads the port from the first stdout line.
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (): void => {
        const nl = capture.stdout.indexOf("\n");
        if (nl < 0) return;
        cleanup();
        const line = capture.stdout.slice(0, nl).trim();
        const port = Number(line);
        if (Number.isInteger(port) && port > 0) return resolve(port);
        child.kill("SIGKILL");
        reject(new Error(`pack printed ${JSON.stringify(line)} instead of a port; output: ${capture.text}`));
      };
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`pack exited (${code}) before printing its port; output: ${capture.text}`));
      };
      const onError = (e: Error): void => {
        cleanup();
        reject(e);
      };
      const cleanup = (): void => {
        child.stdout.off("data", onData);
        child.off("exit", onExit);
        child.off("error", onError);
      };
      // Registered after Capture's listener, so the capture already holds each chunk seen here.
      child.stdout.on("data", onData);
      child.once("exit", onExit);
      child.once("error", onError);
    });
    const client = new mods.stubs.AnalyzerClient(`127.0.0.1:${port}`, mods.grpc.credentials.createInsecure());
    return new AnalyzerHarness(mods, child, capture, exited, client, port, stack, opts.rpcTimeoutMs ?? 25_000);
  }

  /** Spawns and runs the engine's opening sequence: ConfigureStack, GetAnalyzerInfo, Configure. */
  static async start(
    opts: StartOptions & { policies?: Record<string, PolicyOverride> } = {},
  ): Promise<AnalyzerHarness> {
    const h = await AnalyzerHarness.spawn(opts);
    try {
      await h.configureStack(opts.dryRun ?? true, opts.config ?? {});
      await h.getAnalyzerInfo();
      await h.configure(opts.policies ?? {});
      return h;
    } catch (e) {
      await h.close();
      throw e;
    }
  }

  /** The pack's process id (e.g. to read its peak RSS from /proc). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything the pack wrote to stdout and stderr so far (the port line included). */
  output(): string {
    return this.capture.text;
  }

  private options(): GrpcJs.CallOptions {
    return { deadline: Date.now() + this.rpcTimeoutMs };
  }

  private unary<Req, Res>(
    method: (
      req: Req,
      metadata: GrpcJs.Metadata,
      opts: Partial<GrpcJs.CallOptions>,
      cb: (err: GrpcJs.ServiceError | null, res: Res) => void,
    ) => unknown,
    req: Req,
  ): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      method.call(this.client, req, new this.mods.grpc.Metadata(), this.options(), (err, res) =>
        err ? reject(err) : resolve(res),
      );
    });
  }

  async configureStack(dryRun: boolean, config: Record<string, string> = {}, tags: Record<string, string> = {}) {
    const req = new this.mods.pb.AnalyzerStackConfigureRequest();
    req.setStack(this.stack.stack);
    req.setProject(this.stack.project);
    req.setOrganization(this.stack.organization);
    req.setDryRun(dryRun);
    const cm = req.getConfigMap();
    for (const [k, v] of Object.entries(config)) cm.set(k, v);
    const tm = req.getTagsMap();
    for (const [k, v] of Object.entries(tags)) tm.set(k, v);
    await this.unary(this.client.configureStack, req);
  }

  async getAnalyzerInfo(): Promise<AnalyzerInfo> {
    const res = await this.unary(this.client.getAnalyzerInfo, new this.mods.empty.Empty());
    const initialConfig: AnalyzerInfo["initialConfig"] = {};
    for (const [k, v] of res.getInitialconfigMap().entries()) {
      initialConfig[k] = {
        enforcementLevel: LEVELS[v.getEnforcementlevel()] ?? "advisory",
        properties: v.getProperties()?.toJavaScript() ?? {},
      };
    }
    this.info = {
      name: res.getName(),
      version: res.getVersion(),
      supportsConfig: res.getSupportsconfig(),
      initialConfig,
      policies: res.getPoliciesList().map((p) => {
        const schema = p.getConfigschema();
        const properties = schema?.getProperties()?.toJavaScript();
        return {
          name: p.getName(),
          description: p.getDescription(),
          enforcementLevel: LEVELS[p.getEnforcementlevel()] ?? "advisory",
          severity: SEVERITIES[p.getSeverity()] ?? "unspecified",
          configSchema: schema
            ? {
                properties: (properties ?? {}) as Record<string, Record<string, unknown>>,
                required: schema.getRequiredList(),
              }
            : undefined,
        };
      }),
    };
    return this.info;
  }

  /**
   * Sends Configure like the engine: every policy, its level (override > initialConfig > the
   * policy's own), and its properties = schema defaults < initialConfig < overrides. `all` sets
   * every policy's level.
   */
  async configure(overrides: Record<string, PolicyOverride> = {}): Promise<void> {
    const info = this.info ?? (await this.getAnalyzerInfo());
    const req = new this.mods.pb.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    const all = overrides["all"];
    for (const p of info.policies) {
      const initial = info.initialConfig[p.name];
      const o = overrides[p.name];
      const props: Record<string, unknown> = {};
      for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
        if ("default" in schema) props[k] = schema["default"];
      }
      Object.assign(props, initial?.properties ?? {});
      let level: Level = initial?.enforcementLevel ?? p.enforcementLevel;
      if (typeof all === "string") level = all;
      if (typeof o === "string") level = o;
      else if (o) {
        const { enforcementLevel, ...rest } = o;
        if (enforcementLevel) level = enforcementLevel;
        Object.assign(props, rest);
      }
      const pc = new this.mods.pb.PolicyConfig();
      pc.setEnforcementlevel(LEVELS.indexOf(level));
      pc.setProperties(this.mods.struct.Struct.fromJavaScript(props as Record<string, StructPb.JavaScriptValue>));
      map.set(p.name, pc);
    }
    await this.unary(this.client.configure, req);
  }

  async analyzeStack(resources: readonly ResourceSpec[]): Promise<AnalyzeResult> {
    const req = new this.mods.pb.AnalyzeStackRequest();
    req.setResourcesList(resources.map((r) => this.encodeResource(r)));
    const res = await this.unary(this.client.analyzeStack, req);
    return this.resultOf(res);
  }

  /** One resource's Analyze RPC, as the engine sends it before AnalyzeStack (resource policies run here). */
  async analyze(r: ResourceSpec): Promise<AnalyzeResult> {
    const res = this.encodeResource(r);
    const req = new this.mods.pb.AnalyzeRequest();
    req.setType(res.getType());
    req.setName(res.getName());
    req.setUrn(res.getUrn());
    req.setProperties(res.getProperties());
    req.setOptions(res.getOptions());
    const provider = res.getProvider();
    if (provider) req.setProvider(provider);
    const out = await this.unary(this.client.analyze, req);
    return this.resultOf(out);
  }

  /** AnalyzeStack and Analyze answer with the same message: its diagnostics and not-applicable policies. */
  private resultOf(res: AnalyzerPb.AnalyzeResponse): AnalyzeResult {
    return {
      diagnostics: res.getDiagnosticsList().map((d) => ({
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        message: d.getMessage(),
        urn: d.getUrn(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()] ?? "advisory",
        severity: SEVERITIES[d.getSeverity()] ?? "unspecified",
      })),
      notApplicable: res.getNotApplicableList().map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
    };
  }

  private struct(props: Props): StructPb.Struct {
    return this.mods.struct.Struct.fromJavaScript(encodeValue(props) as Record<string, StructPb.JavaScriptValue>);
  }

  private encodeResource(r: ResourceSpec): AnalyzerPb.AnalyzerResource {
    const pb = this.mods.pb;
    const res = new pb.AnalyzerResource();
    res.setType(r.type);
    res.setName(r.name);
    res.setUrn(r.urn);
    res.setProperties(this.struct(r.props));
    // The SDK refuses requests without options ("a more recent version of the Pulumi CLI is required").
    const options = new pb.AnalyzerResourceOptions();
    options.setProtect(false);
    options.setCustomtimeouts(new pb.AnalyzerResourceOptions.CustomTimeouts());
    if (r.parent) options.setParent(r.parent);
    res.setOptions(options);
    if (r.parent) res.setParent(r.parent);
    res.setDependenciesList(r.dependencies ?? []);
    if (r.provider) {
      const p = new pb.AnalyzerProviderResource();
      p.setType(r.provider.type);
      p.setUrn(r.provider.urn);
      p.setName(r.provider.name);
      p.setProperties(this.struct(r.provider.props));
      res.setProvider(p);
    }
    return res;
  }

  /** Closes the channel and kills the pack (its gRPC server would keep it alive forever). */
  async close(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}
