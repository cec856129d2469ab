// Where an Alibaba Cloud live call goes, per resource. Pure: no SDK is loaded here.
// ActionTrail is regional (the trail's home region); Cloud Config is central, with one host per site.

import { createHash } from "node:crypto";
import { REDACTED_SECRET, redactedCredentialWhy, stackConfig } from "../engine";
import { type AuditIdentity, auditRoleFor, currentAuditIdentity, needsAccount } from "../live/audit";
import { field, knownStr, num, objectList, type PlainObject, UNKNOWN, type Unknown } from "../plain";
import { registerSecret } from "../redact";
import { providerPropsOf, type ResourceView } from "../stack";

export type AliBaseCredentials =
  | { source: "static"; accessKeyId: string; accessKeySecret: string; securityToken?: string }
  | { source: "profile"; profile: string }
  | { source: "default-chain" };

export interface AliAssumeRole {
  roleArn: string;
  sessionName: string;
  policy?: string;
  externalId?: string;
  sessionExpiration?: number;
}

export interface AliCredentialSpec {
  base: AliBaseCredentials;
  assumeRole: AliAssumeRole | undefined;
  /** The audit role (auditguard-live-verification alicloudAuditRole), assumed on top of the above. */
  auditRole?: AliAssumeRole;
  /** When the audit role's ARN still carries `{account}`: the credentials whose GetCallerIdentity names it. */
  accountFrom?: AliCredentialSpec;
}

/** An API host: `host[:port]` plus scheme, as openapi-core takes them separately. */
export interface AliEndpoint {
  protocol: "HTTPS" | "HTTP";
  host: string;
}

export interface AliTarget {
  endpoint: AliEndpoint;
  stsEndpoint: string | undefined;
  credentials: AliCredentialSpec;
  credentialsId: string;
  account: string | undefined;
}

export type AliResolution<T> = { ok: true; value: T } | { ok: false; unknown: boolean; why: string };

export const CONFIG_SITES = {
  china: { host: "config.cn-shanghai.aliyuncs.com", region: "cn-shanghai" },
  international: { host: "config.ap-southeast-1.aliyuncs.com", region: "ap-southeast-1" },
} as const;
export type ConfigSite = keyof typeof CONFIG_SITES;

function providerProps(r: ResourceView): PlainObject {
  return providerPropsOf(r, "alicloud");
}

/** Home region of the trail (`regionId`), else the provider's, else stack config, else the environment. */
export function aliRegionOf(r: ResourceView, first: string | undefined = undefined): string | undefined {
  return (
    first ??
    knownStr(field(r.props, "regionId")) ??
    knownStr(field(providerProps(r), "region")) ??
    stackConfig("alicloud:region") ??
    process.env["ALIBABA_CLOUD_REGION_ID"] ??
    process.env["ALICLOUD_REGION"] ??
    process.env["ALIBABA_CLOUD_REGION"]
  );
}

/** The Config site: explicit choice, else the provider's accountType, else the region's site (cn-* = China). */
export function configSiteOf(r: ResourceView, choice: "auto" | ConfigSite): ConfigSite {
  if (choice !== "auto") return choice;
  const accountType = knownStr(field(providerProps(r), "accountType"))?.toLowerCase();
  if (accountType === "domestic") return "china";
  if (accountType === "international") return "international";
  return (aliRegionOf(r) ?? "").startsWith("cn-") ? "china" : "international";
}

/** An `endpoints` override: a host name (HTTPS) or a URL with a scheme. Malformed → error text. */
export function parseEndpoint(value: string): AliEndpoint | string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const u = new URL(value);
      if (u.protocol !== "http:" && u.protocol !== "https:") return `unsupported scheme ${u.protocol}`;
      if (!u.hostname) return "no host";
      return { protocol: u.protocol === "http:" ? "HTTP" : "HTTPS", host: u.host };
    } catch {
      return "not a valid URL";
    }
  }
  return /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value) ? { protocol: "HTTPS", host: value } : "not a valid host name";
}

/**
 * The provider's `endpoints` override for a service: a string, undefined when none is set, or UNKNOWN when
 * the list or that entry is not known until the update (then no call may go to the default host instead).
 */
export function endpointOverride(r: ResourceView, key: "config" | "actiontrail" | "sts"): string | Unknown | undefined {
  const entries = objectList(field(providerProps(r), "endpoints"));
  if (entries === UNKNOWN) return UNKNOWN;
  for (const e of entries) {
    const raw = field(e, key);
    if (raw === UNKNOWN) return UNKNOWN;
    const v = knownStr(raw);
    if (v) return v;
  }
  return undefined;
}

export function aliCredentialsOf(r: ResourceView): AliResolution<AliCredentialSpec> {
  const p = providerProps(r);
  for (const key of ["accessKey", "secretKey", "securityToken", "profile", "assumeRole"]) {
    if (field(p, key) === UNKNOWN)
      return { ok: false, unknown: true, why: `its provider's ${key} is not known until the update` };
  }
  const accessKey = knownStr(field(p, "accessKey"));
  const secretKey = knownStr(field(p, "secretKey"));
  const token = knownStr(field(p, "securityToken"));
  // Signing with the placeholder would only earn a confusing rejection from the service.
  const redacted = (["accessKey", "secretKey", "securityToken"] as const).find(
    (k) => knownStr(field(p, k)) === REDACTED_SECRET,
  );
  if (redacted) return { ok: false, unknown: false, why: redactedCredentialWhy(redacted) };
  registerSecret(accessKey);
  registerSecret(secretKey);
  registerSecret(token);
  const profile = knownStr(field(p, "profile"));
  const base: AliBaseCredentials =
    accessKey && secretKey
      ? {
          source: "static",
          accessKeyId: accessKey,
          accessKeySecret: secretKey,
          ...(token ? { securityToken: token } : {}),
        }
      : profile
        ? { source: "profile", profile }
        : { source: "default-chain" };
  const roles = objectList(field(p, "assumeRole"));
  const role = roles === UNKNOWN ? undefined : roles[0];
  if (
    roles === UNKNOWN ||
    ["roleArn", "sessionName", "policy", "externalId", "sessionExpiration"].some((k) => field(role, k) === UNKNOWN)
  ) {
    return { ok: false, unknown: true, why: "the role its provider assumes is not known until the update" };
  }
  const roleArn = knownStr(field(role, "roleArn"));
  let assumeRole: AliAssumeRole | undefined;
  if (roleArn) {
    const n = num(field(role, "sessionExpiration"));
    const expiration = typeof n === "number" ? n : NaN;
    const policy = knownStr(field(role, "policy"));
    const externalId = knownStr(field(role, "externalId"));
    assumeRole = {
      roleArn,
      sessionName: knownStr(field(role, "sessionName")) ?? "auditguard",
      ...(policy ? { policy } : {}),
      ...(externalId ? { externalId } : {}),
      ...(Number.isFinite(expiration) && expiration > 0 ? { sessionExpiration: expiration } : {}),
    };
  }
  return { ok: true, value: { base, assumeRole } };
}

/** Account id where it can be told: provider accountId, else the assumed role's ARN (acs:ram::<uid>:role/…). */
export function aliAccountHint(r: ResourceView, creds: AliCredentialSpec): string | undefined {
  const explicit = knownStr(field(providerProps(r), "accountId"));
  if (explicit) return explicit;
  const m = /^acs:ram::(\d+):role\//.exec(creds.assumeRole?.roleArn ?? "");
  return m?.[1];
}

/**
 * @param account the account the call acts on where the planner knows it (a recorder's id), for the
 * audit role's `{account}`; else the provider's accountId or role tells it, else GetCallerIdentity.
 */
export function aliResolveTarget(
  r: ResourceView,
  endpoint: AliEndpoint,
  account?: string,
  audit: AuditIdentity | undefined = currentAuditIdentity(),
): AliResolution<AliTarget> {
  const provider = aliCredentialsOf(r);
  if (!provider.ok) return provider;
  const hint = account ?? aliAccountHint(r, provider.value);
  const creds = { ok: true as const, value: withAliAuditRole(provider.value, hint, audit) };
  // @alicloud/credentials takes the STS endpoint as a bare host and always calls it over HTTPS.
  const stsOverride = creds.value.assumeRole || creds.value.auditRole ? endpointOverride(r, "sts") : undefined;
  if (stsOverride === UNKNOWN) {
    return { ok: false, unknown: true, why: "its provider's sts endpoint is not known until the update" };
  }
  let sts: string | undefined;
  if (stsOverride !== undefined) {
    const parsed = parseEndpoint(stsOverride);
    if (typeof parsed === "string")
      return { ok: false, unknown: false, why: `the provider's sts endpoint is ${parsed}` };
    if (parsed.protocol !== "HTTPS") {
      return {
        ok: false,
        unknown: false,
        why: "the provider's sts endpoint is plain HTTP; role assumption needs HTTPS",
      };
    }
    sts = parsed.host;
  }
  return {
    ok: true,
    value: {
      endpoint,
      stsEndpoint: sts,
      credentials: creds.value,
      credentialsId: aliCredentialsId(creds.value, sts),
      account: hint,
    },
  };
}

function aliCredentialsId(spec: AliCredentialSpec, sts: string | undefined): string {
  return createHash("sha256")
    .update(JSON.stringify({ ...spec, sts }))
    .digest("hex")
    .slice(0, 16);
}

/**
 * The target whose GetCallerIdentity names the account of an audit role still waiting for it: the
 * provider's credentials, asking `stsHost` (default: the target's STS endpoint, else sts.aliyuncs.com).
 */
export function aliAccountSourceOf(t: AliTarget, stsHost?: AliEndpoint): AliTarget | undefined {
  const from = t.credentials.accountFrom;
  if (!from) return undefined;
  return {
    endpoint: stsHost ?? { protocol: "HTTPS", host: t.stsEndpoint ?? "sts.aliyuncs.com" },
    stsEndpoint: t.stsEndpoint,
    credentials: from,
    credentialsId: aliCredentialsId(from, t.stsEndpoint),
    account: undefined,
  };
}

/** Session name of the audit role, visible in the target account's ActionTrail. */
export const ALI_AUDIT_SESSION_NAME = "auditguard-audit";

/**
 * The credentials acting as the audit role, if one is configured: on top of the provider's (source
 * `provider`) or of the pack's own default chain (`ambient`). An unknown account leaves `{account}` in
 * the ARN, filled at call time from GetCallerIdentity of the provider's credentials (`accountFrom`).
 */
export function withAliAuditRole(
  provider: AliCredentialSpec,
  account: string | undefined,
  audit: AuditIdentity | undefined,
): AliCredentialSpec {
  const template = audit?.alicloudRole;
  if (!template || !audit) return provider;
  const roleArn = account ? auditRoleFor(template, account) : template;
  const auditRole: AliAssumeRole = { roleArn, sessionName: ALI_AUDIT_SESSION_NAME };
  const spec: AliCredentialSpec =
    audit.source === "ambient"
      ? { base: { source: "default-chain" }, assumeRole: undefined, auditRole }
      : { ...provider, auditRole };
  if (needsAccount(roleArn)) spec.accountFrom = provider;
  return spec;
}
