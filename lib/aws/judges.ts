// The pure judges of what AWS trail selectors and recording groups record, in the Pulumi provider's shape:
// shared by the declared policies (on declared props) and account coverage (on API replies mapped to that
// shape by lib/aws/sdk.ts), so both judge alike. Messages stay with the policies.

import { bool, field, isObject, list, type Plain, strList, UNKNOWN } from "../plain";

export interface ManagementCoverage {
  read: boolean;
  write: boolean;
  excludedSources: string[];
  unknown: boolean;
}

/** What management events a trail's selectors record. No selectors: CloudTrail's default, all of them. */
export function managementCoverage(classic: Plain | undefined, advanced: Plain | undefined): ManagementCoverage {
  const adv = list(advanced);
  const cls = list(classic);
  if (adv === UNKNOWN || cls === UNKNOWN) return { read: true, write: true, excludedSources: [], unknown: true };
  const cov: ManagementCoverage = { read: false, write: false, excludedSources: [], unknown: false };
  if (adv && adv.length > 0) {
    for (const sel of adv) advancedSelector(sel, cov);
    return cov;
  }
  if (!cls || cls.length === 0) return { read: true, write: true, excludedSources: [], unknown: false };
  for (const sel of cls) {
    const include = bool(field(sel, "includeManagementEvents"));
    const rw = field(sel, "readWriteType");
    if (include === UNKNOWN || rw === UNKNOWN) return { ...cov, read: true, write: true, unknown: true };
    if (include === false) continue;
    const mode = typeof rw === "string" ? rw : "All";
    if (mode === "All" || mode === "ReadOnly") cov.read = true;
    if (mode === "All" || mode === "WriteOnly") cov.write = true;
    const excluded = strList(field(sel, "excludeManagementEventSources"));
    if (Array.isArray(excluded)) cov.excludedSources.push(...excluded);
  }
  return cov;
}

function advancedSelector(sel: Plain, cov: ManagementCoverage): void {
  const fields = list(field(sel, "fieldSelectors"));
  if (fields === UNKNOWN) {
    cov.unknown = cov.read = cov.write = true;
    return;
  }
  let management = false;
  let read = true;
  let write = true;
  const excluded: string[] = [];
  for (const f of fields ?? []) {
    if (!isObject(f)) continue;
    const key = f["field"];
    const equals = strList(field(f, "equals"));
    const notEquals = strList(field(f, "notEquals"));
    if (equals === UNKNOWN || notEquals === UNKNOWN || key === UNKNOWN) {
      cov.unknown = cov.read = cov.write = true;
      return;
    }
    if (key === "eventCategory") management = (equals ?? []).includes("Management");
    else if (key === "readOnly") {
      // A readOnly constraint narrows the selector to reads or to writes.
      const values = new Set(equals ?? []);
      for (const v of notEquals ?? []) values.add(v === "true" ? "false" : "true");
      read = values.size === 0 || values.has("true");
      write = values.size === 0 || values.has("false");
    } else if (key === "eventSource") {
      excluded.push(...(notEquals ?? []));
      // Any other operator narrows the selector to some sources: not "all management events".
      for (const op of ["equals", "startsWiths", "notStartsWiths", "endsWiths", "notEndsWiths"]) {
        const v = strList(field(f, op));
        if (Array.isArray(v) && v.length > 0) excluded.push(`eventSource ${op} ${v.join("|")}`);
      }
    }
  }
  if (!management) return;
  cov.read ||= read;
  cov.write ||= write;
  cov.excludedSources.push(...excluded);
}

export type RecordingScope =
  | { kind: "all" }
  | { kind: "exclusion"; excluded: string[] }
  | { kind: "inclusion"; included: string[] }
  | { kind: "unknown" };

/** What a recordingGroup records (TF default: all supported types). */
export function recordingScope(group: Plain | undefined): RecordingScope {
  if (group === UNKNOWN) return { kind: "unknown" };
  if (!isObject(group)) return { kind: "all" };
  const strategies = list(field(group, "recordingStrategies"));
  if (strategies === UNKNOWN) return { kind: "unknown" };
  // An empty useOnly (planned state, or a strategy block left blank) decides nothing.
  const useOnly = strategies
    ?.map((s) => field(s, "useOnly"))
    .find((v) => v === UNKNOWN || (typeof v === "string" && v !== ""));
  if (useOnly === UNKNOWN) return { kind: "unknown" };
  const allSupported = bool(field(group, "allSupported"));
  if (useOnly === "ALL_SUPPORTED_RESOURCE_TYPES" || (useOnly === undefined && allSupported !== false)) {
    return allSupported === UNKNOWN && useOnly === undefined ? { kind: "unknown" } : { kind: "all" };
  }
  if (useOnly === "EXCLUSION_BY_RESOURCE_TYPES") {
    const blocks = list(field(group, "exclusionByResourceTypes"));
    if (blocks === UNKNOWN) return { kind: "unknown" };
    const excluded: string[] = [];
    for (const b of blocks ?? []) {
      const types = strList(field(b, "resourceTypes"));
      if (types === UNKNOWN) return { kind: "unknown" };
      excluded.push(...(types ?? []));
    }
    return { kind: "exclusion", excluded };
  }
  const included = strList(field(group, "resourceTypes"));
  if (included === UNKNOWN) return { kind: "unknown" };
  return { kind: "inclusion", included: included ?? [] };
}
