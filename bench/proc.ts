// Figures of a live process, read from /proc (Linux).

import { readFileSync } from "node:fs";

/** The process's peak resident set (VmHWM) in MB; undefined without a pid or where /proc does not tell. */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
