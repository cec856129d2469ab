// The operator command that starts what is stopped, as policy messages and the command's own hints name it.
// Nothing puts `auditguard` on PATH by itself (not `npm ci` in a checkout, not a pack Pulumi Cloud installed under
// ~/.pulumi/policies/…), so the text names a command that runs where it is read: `auditguard` when that name on
// PATH is this very pack's command, else `node <this pack's dir>/dist/cli/main.js`. Kept to node's own modules so
// a policy message can lead with it without loading the command.

import { accessSync, constants, realpathSync } from "node:fs";
import path from "node:path";

/** This pack's compiled command (this file is dist/lib/start-command.js). */
export const MAIN_JS = path.join(__dirname, "..", "cli", "main.js");

let cached: string | undefined;

/**
 * The words that run this pack's command from any directory. `main` is the compiled command to name (this pack's
 * by default).
 */
export function selfCommand(env: NodeJS.ProcessEnv = process.env, main: string = MAIN_JS): string {
  const memo = env === process.env && main === MAIN_JS;
  if (memo && cached !== undefined) return cached;
  let self: string | undefined;
  try {
    self = realpathSync(main);
  } catch {
    // Not built (run from source, a pack copied without dist/): a path to it would not run either, so the
    // documented name is the one hint left.
    self = undefined;
  }
  let found: string | undefined;
  for (const dir of (env["PATH"] ?? "").split(path.delimiter).filter(Boolean)) {
    // npm puts node_modules/.bin directories on PATH for the scripts it runs (npm test, npm run preview): an
    // `auditguard` found there runs only under npm, not in the shell of whoever reads the message.
    if (env["npm_execpath"] && path.basename(dir) === ".bin" && path.basename(path.dirname(dir)) === "node_modules")
      continue;
    const candidate = path.join(dir, "auditguard");
    try {
      accessSync(candidate, constants.X_OK);
      found = realpathSync(candidate);
      break;
    } catch {
      continue;
    }
  }
  const out = self === undefined || found === self ? "auditguard" : `node ${shellWord(self)}`;
  if (memo) cached = out;
  return out;
}

/** A word the shell reads back as itself: bare when it is plain, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command that starts a stack's stopped recorders and trails: `<self> start --stack dev`. */
export function startCommandFor(stack?: string): string {
  return `${selfCommand()} start --stack ${stack && /^[A-Za-z0-9._/-]+$/.test(stack) ? stack : "<stack>"}`;
}

/** The same, applying the changes (the dry run is the default). */
export function startNowCommandFor(stack?: string): string {
  return `${startCommandFor(stack)} --yes`;
}
