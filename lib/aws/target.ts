// Where an AWS live call goes, per resource: region, endpoint and credentials, resolved from the
// resource's own outputs, then its provider (explicit or default), then stack config, then the
// environment. Pure: no SDK is loaded here.

import { createHash } from "node:crypto";
import { REDACTED_SECRET, redactedCredentialWhy, stackConfig } from "../engine";
import { field, knownStr, objectList, type PlainObject, type Plain, strList, structured, UNKNOWN } from "../plain";
import { registerSecret } from "../redact";
import { providerPropsOf, type ResourceView } from "../stack";

export interface AssumeRoleSpec {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  durationSeconds?: number;
  policy?: string;
  sourceIdentity?: string;
}

export type BaseCredentials =
  | { source: "static"; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { source: "profile"; profile: string; credentialsFile?: string; configFile?: string }
  | { source: "default-chain" };

export interface AwsCredentialSpec {
  base: BaseCredentials;
  assumeRoles: AssumeRoleSpec[];
}

export type AwsService = "config" | "cloudtrail";

export interface AwsTarget {
  region: string;
  endpoint: string | undefined;
  stsEndpoint: string | undefined;
  /** Region STS calls are signed for (provider `stsRegion`), else the call's region. */
  stsRegion?: string;
  credentials: AwsCredentialSpec;
  /** Account the call acts on where it can be told: ARN, last assumed role, single allowed account. */
  account: string | undefined;
  /** Stable, secret-free identity of the credentials, for de-duplication keys. */
  credentialsId: string;
}

export type Resolution<T> = { ok: true; value: T } | { ok: false; unknown: boolean; why: string };

const ENDPOINT_KEYS: Record<AwsService | "sts", readonly string[]> = {
  config: ["configservice", "config"],
  cloudtrail: ["cloudtrail"],
  sts: ["sts"],
};

function providerProps(r: ResourceView): PlainObject {
  return providerPropsOf(r, "aws");
}

export function regionOf(r: ResourceView, preferred: (Plain | undefined)[] = []): Resolution<string> {
  const candidates: (Plain | undefined)[] = [...preferred, field(r.props, "region"), field(providerProps(r), "region")];
  // An unknown region (a create in preview) falls through to the provider's, which it will take.
  for (const c of candidates) {
    const s = knownStr(c);
    if (s) return { ok: true, value: s };
  }
  // Empty values count as unset, as in the provider.
  const fromEnv = stackConfig("aws:region") || process.env["AWS_REGION"] || process.env["AWS_DEFAULT_REGION"];
  if (fromEnv) return { ok: true, value: fromEnv };
  return {
    ok: false,
    unknown: false,
    why: "no region: set the resource's region, its provider's region, stack config aws:region, or AWS_REGION",
  };
}

/** The provider's endpoint override for a service; UNKNOWN while the provider's endpoints are unknown (preview). */
export function endpointOf(r: ResourceView, service: AwsService | "sts"): string | undefined | typeof UNKNOWN {
  const entries = objectList(field(providerProps(r), "endpoints"));
  if (entries === UNKNOWN) return UNKNOWN;
  for (const e of entries) {
    for (const key of ENDPOINT_KEYS[service]) {
      const raw = field(e, key);
      if (raw === UNKNOWN) return UNKNOWN;
      const v = knownStr(raw);
      if (v) return v;
    }
  }
  return undefined;
}

export function credentialsOf(r: ResourceView): Resolution<AwsCredentialSpec> {
  const p = providerProps(r);
  for (const key of [
    "accessKey",
    "secretKey",
    "token",
    "profile",
    "sharedCredentialsFiles",
    "sharedConfigFiles",
    "assumeRoles",
    "assumeRole",
  ]) {
    if (field(p, key) === UNKNOWN) {
      return { ok: false, unknown: true, why: `its provider's ${key} is not known until the update` };
    }
  }
  const accessKey = knownStr(field(p, "accessKey"));
  const secretKey = knownStr(field(p, "secretKey"));
  const token = knownStr(field(p, "token"));
  // Signing with the placeholder would only earn a confusing rejection from the service.
  const redacted = (["accessKey", "secretKey", "token"] as const).find(
    (k) => knownStr(field(p, k)) === REDACTED_SECRET,
  );
  if (redacted) return { ok: false, unknown: false, why: redactedCredentialWhy(redacted) };
  registerSecret(accessKey);
  registerSecret(secretKey);
  registerSecret(token);
  let base: BaseCredentials;
  if (accessKey && secretKey) {
    base = {
      source: "static",
      accessKeyId: accessKey,
      secretAccessKey: secretKey,
      ...(token ? { sessionToken: token } : {}),
    };
  } else {
    const profile = knownStr(field(p, "profile"));
    // Explicit providers store lists as JSON strings.
    const files = strList(structured(field(p, "sharedCredentialsFiles")));
    const configFiles = strList(structured(field(p, "sharedConfigFiles")));
    if (files === UNKNOWN || configFiles === UNKNOWN) {
      return {
        ok: false,
        unknown: true,
        why: "its provider's shared credentials/config files are not known until the update",
      };
    }
    const credentialsFile = Array.isArray(files) ? files[0] : undefined;
    const configFile = Array.isArray(configFiles) ? configFiles[0] : undefined;
    if (profile || credentialsFile || configFile) {
      base = {
        source: "profile",
        profile: profile ?? process.env["AWS_PROFILE"] ?? "default",
        ...(credentialsFile ? { credentialsFile } : {}),
        ...(configFile ? { configFile } : {}),
      };
    } else {
      base = { source: "default-chain" };
    }
  }
  const roles = [...listOrEmpty(field(p, "assumeRoles")), ...listOrEmpty(field(p, "assumeRole"))];
  const assumeRoles: AssumeRoleSpec[] = [];
  for (const role of roles) {
    if (field(role, "roleArn") === UNKNOWN) {
      return { ok: false, unknown: true, why: "a role its provider assumes is not known until the update" };
    }
    const roleArn = knownStr(field(role, "roleArn"));
    if (!roleArn) continue; // an empty assumeRoles block is a no-op in the provider too
    const duration = parseDuration(knownStr(field(role, "duration")));
    const externalId = knownStr(field(role, "externalId"));
    const policy = knownStr(field(role, "policy"));
    const sourceIdentity = knownStr(field(role, "sourceIdentity"));
    assumeRoles.push({
      roleArn,
      sessionName: knownStr(field(role, "sessionName")) ?? "auditguard",
      ...(externalId ? { externalId } : {}),
      ...(duration ? { durationSeconds: duration } : {}),
      ...(policy ? { policy } : {}),
      ...(sourceIdentity ? { sourceIdentity } : {}),
    });
  }
  return { ok: true, value: { base, assumeRoles } };
}

function listOrEmpty(v: Plain | undefined): PlainObject[] {
  const l = objectList(v);
  return l === UNKNOWN ? [] : l;
}

/** "1h", "15m", "1h30m", "900s" (Go duration strings, as the provider takes) → seconds. */
export function parseDuration(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s.trim());
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export function accountOfArn(arn: string | undefined): string | undefined {
  const parts = arn?.split(":");
  return parts && parts.length >= 6 && parts[0] === "arn" && /^\d{12}$/.test(parts[4] ?? "") ? parts[4] : undefined;
}

export function regionOfArn(arn: string | undefined): string | undefined {
  const parts = arn?.split(":");
  return parts && parts.length >= 6 && parts[0] === "arn" && parts[3] ? parts[3] : undefined;
}

export function accountHint(r: ResourceView, creds: AwsCredentialSpec, arn?: string): string | undefined {
  const fromArn = accountOfArn(arn);
  if (fromArn) return fromArn;
  const lastRole = creds.assumeRoles[creds.assumeRoles.length - 1];
  const fromRole = accountOfArn(lastRole?.roleArn);
  if (fromRole) return fromRole;
  const allowed = strList(structured(field(providerProps(r), "allowedAccountIds")));
  return Array.isArray(allowed) && allowed.length === 1 ? allowed[0] : undefined;
}

export function resolveTarget(
  r: ResourceView,
  service: AwsService,
  region: string,
  arn?: string,
): Resolution<AwsTarget> {
  const creds = credentialsOf(r);
  if (!creds.ok) return creds;
  const endpoint = endpointOf(r, service);
  const stsEndpoint = endpointOf(r, "sts");
  if (endpoint === UNKNOWN || stsEndpoint === UNKNOWN) {
    // Calling the default host instead would check the wrong place.
    return { ok: false, unknown: true, why: "its provider's endpoints are not known until the update" };
  }
  const stsRegion = knownStr(field(providerProps(r), "stsRegion"));
  return {
    ok: true,
    value: {
      region,
      endpoint,
      stsEndpoint,
      ...(stsRegion ? { stsRegion } : {}),
      credentials: creds.value,
      account: accountHint(r, creds.value, arn),
      credentialsId: credentialsId(creds.value),
    },
  };
}

function credentialsId(spec: AwsCredentialSpec): string {
  return createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16);
}
