// Preloaded into Node processes of the e2e tests (NODE_OPTIONS=--require): in a policy pack process
// (`run-policy-pack`), appends the name of every Analyzer RPC the engine makes to AUDITGUARD_E2E_RPC_LOG, so the tests
// can check the call order of the real engine; for ConfigureStack also the stack context it carries, and once at start
// the PULUMI_NODEJS_* variables the process was started with (a language host sets them; PULUMI_CONFIG's keys only,
// never values). Anywhere else it does nothing. Only RPCs the pack implements are seen (@pulumi/policy leaves
// Handshake and Cancel unimplemented).

import fs from "node:fs";
import path from "node:path";

type Handler = (call: unknown, callback: unknown) => unknown;
interface ServerProto {
  addService(service: unknown, implementation: Record<string, Handler>): void;
}
interface StackConfigureRequest {
  getStack(): string;
  getProject(): string;
  getDryRun(): boolean;
}

const file = process.env["AUDITGUARD_E2E_RPC_LOG"];
if (file && (process.argv[1] ?? "").includes("run-policy-pack")) {
  try {
    const env: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith("PULUMI_NODEJS_") && v !== undefined) env[k] = v;
    const config = process.env["PULUMI_CONFIG"];
    if (config !== undefined) env["PULUMI_CONFIG"] = Object.keys(JSON.parse(config) as object).sort();
    fs.appendFileSync(file, `pack-env ${JSON.stringify(env)}\n`);
    const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json", { paths: [process.cwd()] }));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [policyDir] })) as {
      Server: { prototype: ServerProto };
    };
    const original = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service, implementation) {
      const traced: Record<string, Handler> = {};
      for (const [name, fn] of Object.entries(implementation)) {
        traced[name] = (call, callback) => {
          let line = name;
          if (name === "configureStack") {
            const r = (call as { request: StackConfigureRequest }).request;
            line += ` ${JSON.stringify({ stack: r.getStack(), project: r.getProject(), dryRun: r.getDryRun() })}`;
          }
          fs.appendFileSync(file, `${line}\n`);
          return fn(call, callback);
        };
      }
      return original.call(this, service, traced);
    };
  } catch (e) {
    fs.appendFileSync(file, `trace-not-installed: ${String(e)}\n`);
  }
}
