// Test-only network fence, preloaded into every Node process of the test suite (NODE_OPTIONS=--require):
// tests may talk only to servers they start on loopback. A connection to any other host is refused before a
// DNS lookup or a packet leaves the machine, and written to AUDITGUARD_NETWORK_FENCE_LOG, which
// scripts/test.js turns into a failed check. A blocked call surfaces to the code under test as ECONNREFUSED.
//
// npm's own process is the one exception: installing the test tools (the e2e program's dependencies, the packed
// pack's, and what the CLI installs for a pack a policy group requires) reaches the registry as any install does.
// scripts/test.js names the npm on PATH (AUDITGUARD_NPM_CLI, its real path); only a process whose main script is
// that file, or the npx beside it, is left unfenced. What npm starts (lifecycle scripts, `npm run`, the pack
// itself) inherits NODE_OPTIONS and is fenced again.
"use strict";
const net = require("node:net");
const fs = require("node:fs");
const path = require("node:path");

function isTheRealNpm() {
  const npm = process.env.AUDITGUARD_NPM_CLI;
  if (!npm || !process.argv[1]) return false;
  try {
    const main = fs.realpathSync(process.argv[1]);
    return main === npm || main === path.join(path.dirname(npm), "npx-cli.js");
  } catch {
    return false;
  }
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|::ffff:127(?:\.\d{1,3}){3}|0\.0\.0\.0)$/i;
const original = net.Socket.prototype.connect;

function target(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // node's internal normalized [options, callback]
  if (first && typeof first === "object") return { host: first.host, port: first.port, path: first.path };
  if (typeof first === "string" && !/^\d+$/.test(first)) return { path: first };
  return { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
}

function fencedConnect(...args) {
  const t = target(args);
  const host = t.host === undefined || t.host === "" ? "localhost" : String(t.host).replace(/^\[|\]$/g, "");
  // A unix socket path is local; http sets `path: null` on TCP connections.
  if ((typeof t.path === "string" && t.path !== "") || LOOPBACK.test(host)) return original.apply(this, args);
  const where = `${host}:${t.port ?? "?"}`;
  const log = process.env.AUDITGUARD_NETWORK_FENCE_LOG;
  if (log) {
    try {
      // Where it came from: the process, and the first frames outside Node's own modules.
      const frames = (new Error().stack ?? "")
        .split("\n")
        .slice(2)
        .filter((l) => !l.includes("node:") && !l.includes("network-fence.js"))
        .slice(0, 3)
        .map((l) => l.trim().replace(/^at /, ""));
      fs.appendFileSync(log, `${where} from ${process.argv.slice(1, 3).join(" ")} ${frames.join(" < ")}\n`);
    } catch {
      // the log is best effort; the connection is refused regardless
    }
  }
  const err = Object.assign(
    new Error(`connect ECONNREFUSED ${where} (test network fence: tests reach loopback only)`),
    { code: "ECONNREFUSED", errno: -111, syscall: "connect", address: host, port: t.port },
  );
  this.connecting = true;
  process.nextTick(() => this.destroy(err));
  return this;
}

if (!isTheRealNpm()) net.Socket.prototype.connect = fencedConnect;
