// Preloaded into a spawned pack (node --require) by tests that assert which modules a pack loads, and when:
// appends the file of every module loaded for the first time to $AUDITGUARD_MODULE_LOG, one a line, as it
// loads (synchronously, so a test reading the file after an RPC's reply sees every load made before it).

import { appendFileSync } from "node:fs";
import Module from "node:module";
import path from "node:path";

interface Loader {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
  _resolveFilename(request: string, parent: unknown, isMain: boolean): string;
  _cache: Record<string, unknown>;
}

const log = process.env["AUDITGUARD_MODULE_LOG"];
if (log) {
  const loader = Module as unknown as Loader;
  const original = loader._load.bind(loader);
  loader._load = (request, parent, isMain) => {
    let file: string | undefined;
    try {
      file = loader._resolveFilename(request, parent, isMain);
    } catch {
      file = undefined; // the original load throws the same error
    }
    // Built-in modules resolve to their bare name and are never in the cache: not logged.
    const fresh = file !== undefined && path.isAbsolute(file) && !(file in loader._cache);
    const out = original(request, parent, isMain);
    if (fresh) appendFileSync(log, `${file}\n`);
    return out;
  };
}
