// What the engine tells the Analyzer server but a single stack policy cannot see: every policy's
// config and enforcement level (Configure), the stack context (ConfigureStack), where one
// analysis ends and the next begins (AnalyzeStack), and each resource's type as it registers (Analyze,
// sent long before AnalyzeStack: lib/live/prewarm.ts starts loading a cloud's SDK on it). The shared live round needs all three: it makes
// the calls of every live policy at once, so it must know their settings before they run, and it
// must never serve the update phase of `pulumi up` a result cached during its preview.
//
// @pulumi/policy keeps these private, so we observe the RPCs by wrapping the handlers it registers
// with @grpc/grpc-js. If the hook cannot be installed, everything falls back to defaults.

import path from "node:path";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** What `pulumi policy analyze --file` puts in place of a secret it cannot decrypt, whatever the value's type. */
export const REDACTED_SECRET = "[secret]";

/** Why a live call cannot be made with a provider credential the CLI redacted. */
export function redactedCredentialWhy(key: string): string {
  return (
    `its provider's ${key} is "${REDACTED_SECRET}": the CLI could not decrypt the state's secrets ` +
    "(pulumi policy analyze --file); analyze the stack with --stack, or a state exported with --show-secrets"
  );
}

interface EngineState {
  hooked: boolean;
  epoch: number;
  policyConfig: Map<string, Record<string, unknown>>;
  levels: Map<string, EnforcementLevel>;
  dryRun: boolean | undefined;
  stackConfig: Record<string, string> | undefined;
  stack: string | undefined;
}

const state: EngineState = {
  hooked: false,
  epoch: 0,
  policyConfig: new Map(),
  levels: new Map(),
  dryRun: undefined,
  stackConfig: undefined,
  stack: undefined,
};

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"]; // proto enum order

type Handler = (call: { request: unknown }, callback: unknown) => unknown;
interface ServerProto {
  addService(service: unknown, implementation: Record<string, Handler>): void;
}

/** Installs the observers; call once before constructing the PolicyPack. Safe to call twice. */
export function installEngineHooks(): void {
  if (state.hooked) return;
  try {
    const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [policyDir] })) as {
      Server: { prototype: ServerProto };
    };
    const proto = grpc.Server.prototype;
    const original = proto.addService;
    proto.addService = function (service, implementation) {
      const wrapped: Record<string, Handler> = { ...implementation };
      wrap(wrapped, "configure", onConfigure);
      wrap(wrapped, "configureStack", onConfigureStack);
      wrap(wrapped, "analyzeStack", () => {
        state.epoch++;
      });
      wrap(wrapped, "analyze", onAnalyze);
      return original.call(this, service, wrapped);
    };
    state.hooked = true;
  } catch {
    // Defaults apply; the pack still works, it just cannot see other policies' settings.
  }
}

function wrap(impl: Record<string, Handler>, name: string, observe: (request: unknown) => void): void {
  const inner = impl[name];
  if (typeof inner !== "function") return;
  impl[name] = (call, callback) => {
    try {
      observe(call.request);
    } catch {
      // observing must never break the RPC
    }
    return inner(call, callback);
  };
}

/** Told each resource type the engine sends in an Analyze RPC; must return at once (the engine waits for the reply). */
export type ResourceTypeObserver = (type: string) => void;
const typeObservers: ResourceTypeObserver[] = [];

/** Calls `observer` with the type of every resource the engine analyzes one by one (Analyze RPC). */
export function observeResourceTypes(observer: ResourceTypeObserver): void {
  typeObservers.push(observer);
}

interface AnalyzeRequest {
  getType(): string;
}

function onAnalyze(request: unknown): void {
  const type = (request as AnalyzeRequest).getType();
  for (const observe of typeObservers) observe(type);
}

interface ProtoStruct {
  toJavaScript(): Record<string, unknown>;
}
interface ConfigureRequest {
  getPolicyconfigMap(): {
    entries(): Iterable<[string, { getEnforcementlevel(): number; getProperties(): ProtoStruct | undefined }]>;
  };
}
interface ConfigureStackRequest {
  getDryRun(): boolean;
  getStack(): string;
  getConfigMap(): { entries(): Iterable<[string, string]> };
}

function onConfigure(request: unknown): void {
  const req = request as ConfigureRequest;
  const config = new Map<string, Record<string, unknown>>();
  const levels = new Map<string, EnforcementLevel>();
  for (const [name, entry] of req.getPolicyconfigMap().entries()) {
    config.set(name, entry.getProperties()?.toJavaScript() ?? {});
    const level = LEVELS[entry.getEnforcementlevel()];
    if (level) levels.set(name, level);
  }
  state.policyConfig = config;
  state.levels = levels;
}

function onConfigureStack(request: unknown): void {
  const req = request as ConfigureStackRequest;
  state.dryRun = req.getDryRun();
  state.stack = req.getStack() || undefined;
  const config: Record<string, string> = {};
  for (const [k, v] of req.getConfigMap().entries()) config[k] = v;
  state.stackConfig = config;
}

/** The stack's name: from ConfigureStack, else the language host's environment; unknown under `policy analyze`. */
export function stackName(): string | undefined {
  return state.stack ?? (process.env["PULUMI_NODEJS_STACK"] || undefined);
}

/** Raw config the engine sent for a policy (schema defaults already applied by the engine), if any. */
export function engineConfigFor(policyName: string): Record<string, unknown> | undefined {
  return state.policyConfig.get(policyName);
}

/** Whether the engine has enabled the policy; without engine information every policy counts as enabled. */
export function isPolicyEnabled(policyName: string): boolean {
  return state.levels.get(policyName) !== "disabled";
}

/** Whether the engine's RPCs are observed: every policy's settings and each analysis's start are known. */
export function engineObserved(): boolean {
  return state.hooked;
}

/** Increases with every AnalyzeStack RPC; 0 when the hook is not installed. */
export function analysisEpoch(): number {
  return state.epoch;
}

/** Preview (true) or update (false); from ConfigureStack, else the language host's environment. */
export function isDryRun(): boolean {
  if (state.dryRun !== undefined) return state.dryRun;
  return process.env["PULUMI_NODEJS_DRY_RUN"] === "true";
}

/** Stack config (`aws:region`, `alicloud:region`, ...): ConfigureStack, else PULUMI_CONFIG. */
export function stackConfig(key: string): string | undefined {
  if (state.stackConfig && key in state.stackConfig) return state.stackConfig[key];
  return envConfig()[key];
}

/** Every stack config value of a package (`aws:*`), keyed without the namespace, as a default provider sees it. */
export function packageConfig(pkg: string): Record<string, string> {
  const prefix = `${pkg}:`;
  const out: Record<string, string> = {};
  for (const source of [envConfig(), state.stackConfig ?? {}]) {
    for (const [k, v] of Object.entries(source)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  }
  return out;
}

function envConfig(): Record<string, string> {
  const raw = process.env["PULUMI_CONFIG"];
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== "object") return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
  } catch {
    return {};
  }
}

/** For tests driving policies in-process. */
export function resetEngineStateForTests(): void {
  state.epoch = 0;
  state.policyConfig = new Map();
  state.levels = new Map();
  state.dryRun = undefined;
  state.stackConfig = undefined;
  state.stack = undefined;
}
