// Where an AWS live call goes, per resource: region, endpoint and credentials, resolved from the
// resource's own outputs, then its provider (explicit or default), then stack config, then the
// environment. Pure: no SDK is loaded here.

import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { REDACTED_SECRET, redactedCredentialWhy, stackConfig } from "../engine";
import { ambientKeys, type AuditIdentity, auditRoleFor, currentAuditIdentity, needsAccount } from "../live/audit";
import {
  bool,
  field,
  knownStr,
  objectList,
  type PlainObject,
  type Plain,
  strList,
  structured,
  UNKNOWN,
} from "../plain";
import type { FailureReason } from "../live/outcome";
import { registerSecret } from "../redact";
import { providerPropsOf, type ResourceView } from "../stack";
import { type AwsNetwork, networkId, proxySettings } from "./network";

export interface AssumeRoleSpec {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  durationSeconds?: number;
  policy?: string;
  policyArns?: string[];
  sourceIdentity?: string;
  tags?: Record<string, string>;
  transitiveTagKeys?: string[];
}

/** The provider's assumeRoleWithWebIdentity: STS AssumeRoleWithWebIdentity, unsigned, with a token. */
export interface WebIdentitySpec {
  roleArn: string;
  sessionName?: string;
  /** The token itself (a secret), else `tokenFile` is read when the call is made. */
  token?: string;
  tokenFile?: string;
  durationSeconds?: number;
  policy?: string;
  policyArns?: string[];
}

export type BaseCredentials =
  | { source: "static"; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /**
   * A named profile (the provider's `profile`), read from the provider's shared files merged in
   * order (later files win key by key; credentials files over config files), as the Go SDK merges them.
   */
  | { source: "profile"; profile: string; credentialsFiles: string[]; configFiles: string[] }
  /** The SDK's default chain; with the provider's shared files in place of ~/.aws when it lists any. */
  | { source: "default-chain"; credentialsFiles: string[]; configFiles: string[] };

export interface AwsCredentialSpec {
  base: BaseCredentials;
  /** Replaces the base credentials (aws-sdk-go-base: not with static keys, which take precedence). */
  webIdentity?: WebIdentitySpec;
  assumeRoles: AssumeRoleSpec[];
  /**
   * When the last role's ARN still carries `{account}` (an audit role whose account the planner could not
   * tell): the credentials whose sts:GetCallerIdentity names that account (the provider's).
   */
  accountFrom?: AwsCredentialSpec;
}

export type AwsService = "config" | "cloudtrail";

/** Accounts the answering identity must be in before a "not found" is believed, and why. */
export interface ExpectedAccounts {
  accounts: string[];
  /** Where they come from: the resource's ARN, the provider's allowedAccountIds, the last role it assumes. */
  kind: "arn" | "allowed" | "role";
}

export interface AwsTarget {
  region: string;
  endpoint: string | undefined;
  stsEndpoint: string | undefined;
  /** Region STS calls are signed for (provider `stsRegion`), else the call's region. */
  stsRegion?: string;
  credentials: AwsCredentialSpec;
  /** Account the call acts on where it can be told: ARN, last assumed role, single allowed account. */
  account: string | undefined;
  /** What a "not found" is checked against (sts:GetCallerIdentity) before it is believed. */
  expectedAccounts?: ExpectedAccounts;
  network: AwsNetwork;
  /** Stable, secret-free identity of the credentials, for de-duplication keys. */
  credentialsId: string;
}

export type Resolution<T> =
  | { ok: true; value: T }
  /** `reason`: how a check that cannot be made is reported (default bad-target); `advisoryOnly`: see CheckFailure. */
  | { ok: false; unknown: boolean; why: string; reason?: FailureReason; advisoryOnly?: boolean };

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

const CREDENTIAL_SETTINGS = [
  "accessKey",
  "secretKey",
  "token",
  "profile",
  "sharedCredentialsFiles",
  "sharedConfigFiles",
  "assumeRoles",
  "assumeRole",
  "assumeRoleWithWebIdentity",
] as const;

function fail(why: string): { ok: false; unknown: false; why: string } {
  return { ok: false, unknown: false, why };
}

/**
 * The identity the provider would use, following hashicorp/aws-sdk-go-base GetAwsConfig: any of
 * accessKey/secretKey/token makes static credentials (web identity then ignored); otherwise the SDK's
 * default chain with the provider's profile and shared files, replaced by assumeRoleWithWebIdentity
 * when set; then the assumeRoles chain, in order, on top.
 */
export function credentialsOf(r: ResourceView): Resolution<AwsCredentialSpec> {
  const p = providerProps(r);
  for (const key of CREDENTIAL_SETTINGS) {
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
  if (redacted) {
    // Server-side (policy analyze --file, a Pulumi Cloud audit): the state's keys are unreadable, the pack's own
    // environment (an ESC environment attached to the pack) may hold usable ones. The provider's roles still apply.
    const ambient = ambientEnvironmentBase();
    if (!ambient) {
      return {
        ok: false,
        unknown: false,
        reason: "no-credentials",
        advisoryOnly: true,
        why: `${redactedCredentialWhy(redacted)}; and the pack's environment has no keys (${AMBIENT_ENV_NAMES})`,
      };
    }
    return withProviderRoles(p, ambient, undefined);
  }
  registerSecret(accessKey);
  registerSecret(secretKey);
  registerSecret(token);
  let base: BaseCredentials;
  let webIdentity: WebIdentitySpec | undefined;
  if (accessKey || secretKey || token) {
    // The provider signs with whatever part it has and fails; using other credentials would check as someone else.
    if (!accessKey || !secretKey) {
      return fail(
        `its provider sets ${accessKey ? "accessKey without secretKey" : "secretKey or token without accessKey"}`,
      );
    }
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
    const credentialsFiles = (files ?? []).filter(Boolean).map(expandPath);
    const configFilesList = (configFiles ?? []).filter(Boolean).map(expandPath);
    base = profile
      ? { source: "profile", profile, credentialsFiles, configFiles: configFilesList }
      : { source: "default-chain", credentialsFiles, configFiles: configFilesList };
    const web = webIdentityOf(field(p, "assumeRoleWithWebIdentity"));
    if (web && !web.ok) return web;
    if (web) webIdentity = web.value;
  }
  return withProviderRoles(p, base, webIdentity);
}

/** The provider's assumeRoles chain on top of a base identity. */
function withProviderRoles(
  p: PlainObject,
  base: BaseCredentials,
  webIdentity: WebIdentitySpec | undefined,
): Resolution<AwsCredentialSpec> {
  const roles = rolesOf(p);
  if (!roles.ok) return roles;
  const assumeRoles: AssumeRoleSpec[] = [];
  for (const role of roles.value) {
    if (field(role, "roleArn") === UNKNOWN) {
      return { ok: false, unknown: true, why: "a role its provider assumes is not known until the update" };
    }
    const roleArn = knownStr(field(role, "roleArn"));
    if (!roleArn) continue; // an empty assumeRoles block is a no-op in the provider too
    const duration = parseDuration(knownStr(field(role, "duration")));
    const externalId = knownStr(field(role, "externalId"));
    const policy = knownStr(field(role, "policy"));
    const policyArns = stringsOf(field(role, "policyArns"));
    const sourceIdentity = knownStr(field(role, "sourceIdentity"));
    const tags = stringMapOf(field(role, "tags"));
    const transitiveTagKeys = stringsOf(field(role, "transitiveTagKeys"));
    assumeRoles.push({
      roleArn,
      sessionName: knownStr(field(role, "sessionName")) ?? "auditguard",
      ...(externalId ? { externalId } : {}),
      ...(duration ? { durationSeconds: duration } : {}),
      ...(policy ? { policy } : {}),
      ...(policyArns.length ? { policyArns } : {}),
      ...(sourceIdentity ? { sourceIdentity } : {}),
      ...(Object.keys(tags).length ? { tags } : {}),
      ...(transitiveTagKeys.length ? { transitiveTagKeys } : {}),
    });
  }
  return { ok: true, value: { base, ...(webIdentity ? { webIdentity } : {}), assumeRoles } };
}

/**
 * The role chain: `assumeRoles` (a list, @pulumi/aws v7) or `assumeRole` (one object, v6; stored as a
 * JSON string by explicit providers). One provider version has only one of them; when both are set
 * and the provider's version does not tell which it reads, the identity cannot be told.
 */
function rolesOf(p: PlainObject): Resolution<PlainObject[]> {
  const v7 = listOrEmpty(field(p, "assumeRoles")).filter((o) => field(o, "roleArn") !== undefined);
  const v6 = listOrEmpty(field(p, "assumeRole")).filter((o) => field(o, "roleArn") !== undefined);
  if (v7.length === 0 || v6.length === 0) return { ok: true, value: v7.length ? v7 : v6 };
  const major = Number(/^v?(\d+)\./.exec(knownStr(field(p, "version")) ?? "")?.[1]);
  if (major >= 7) return { ok: true, value: v7 };
  if (major === 6) return { ok: true, value: v6 };
  return fail(
    "its provider sets both assumeRole (@pulumi/aws v6) and assumeRoles (v7), and its version does not say which it reads",
  );
}

function webIdentityOf(v: Plain | undefined): Resolution<WebIdentitySpec> | undefined {
  const block = objectList(v);
  if (block === UNKNOWN)
    return { ok: false, unknown: true, why: "its provider's assumeRoleWithWebIdentity is not known until the update" };
  const w = block[0];
  if (!w || Object.keys(w).length === 0) return undefined;
  for (const key of ["roleArn", "webIdentityToken", "webIdentityTokenFile", "sessionName"]) {
    if (field(w, key) === UNKNOWN) {
      return {
        ok: false,
        unknown: true,
        why: `its provider's assumeRoleWithWebIdentity ${key} is not known until the update`,
      };
    }
  }
  const roleArn = knownStr(field(w, "roleArn"));
  const token = knownStr(field(w, "webIdentityToken"));
  const tokenFile = knownStr(field(w, "webIdentityTokenFile"));
  // The provider stops with these same errors (aws-sdk-go-base getCredentialsProvider).
  if (!roleArn) return fail("its provider's assumeRoleWithWebIdentity has no roleArn");
  if (!token && !tokenFile) {
    return fail("its provider's assumeRoleWithWebIdentity has neither webIdentityToken nor webIdentityTokenFile");
  }
  registerSecret(token);
  const sessionName = knownStr(field(w, "sessionName"));
  const duration = parseDuration(knownStr(field(w, "duration")));
  const policy = knownStr(field(w, "policy"));
  const policyArns = stringsOf(field(w, "policyArns"));
  return {
    ok: true,
    value: {
      roleArn,
      ...(sessionName ? { sessionName } : {}),
      ...(token ? { token } : { tokenFile: expandPath(tokenFile ?? "") }),
      ...(duration ? { durationSeconds: duration } : {}),
      ...(policy ? { policy } : {}),
      ...(policyArns.length ? { policyArns } : {}),
    },
  };
}

function stringsOf(v: Plain | undefined): string[] {
  const l = strList(structured(v));
  return Array.isArray(l) ? l.filter(Boolean) : [];
}

function stringMapOf(v: Plain | undefined): Record<string, string> {
  const o = structured(v);
  const out: Record<string, string> = {};
  if (o && typeof o === "object" && !Array.isArray(o)) {
    for (const [k, val] of Object.entries(o)) if (typeof val === "string") out[k] = val;
  }
  return out;
}

/** aws-sdk-go-base expand.FilePath: $VAR / ${VAR} from the environment, then a leading "~". */
export function expandPath(p: string): string {
  const expanded = p.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, a: string | undefined, b: string | undefined) => process.env[a ?? b ?? ""] ?? "",
  );
  if (expanded === "~" || expanded.startsWith("~/")) return `${homedir()}${expanded.slice(1)}`;
  return expanded;
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

function assumedAccount(creds: AwsCredentialSpec): string | undefined {
  const lastRole = creds.assumeRoles[creds.assumeRoles.length - 1]?.roleArn ?? creds.webIdentity?.roleArn;
  return accountOfArn(lastRole);
}

function allowedAccounts(r: ResourceView): string[] {
  const allowed = strList(structured(field(providerProps(r), "allowedAccountIds")));
  return Array.isArray(allowed) ? allowed.filter((a) => /^\d{12}$/.test(a)) : [];
}

/** Without resolved credentials (the provider's are unusable): only the ARN and allowedAccountIds tell. */
export function accountHint(r: ResourceView, creds: AwsCredentialSpec | undefined, arn?: string): string | undefined {
  const fromArn = accountOfArn(arn);
  if (fromArn) return fromArn;
  // A coverage target's account is decided by the sweep: a role the stack config's provider assumes names the
  // deployer's account, not the target's.
  if (r.account) return r.account;
  const fromRole = creds ? assumedAccount(creds) : undefined;
  if (fromRole) return fromRole;
  const allowed = allowedAccounts(r);
  return allowed.length === 1 ? allowed[0] : undefined;
}

/**
 * The account(s) a "not found" must come from to be believed: the resource ARN's account, else a coverage
 * target's account, else the provider's allowedAccountIds (the provider refuses any other), else the account of the last role
 * the provider assumes.
 */
export function expectedAccountsOf(
  r: ResourceView,
  creds: AwsCredentialSpec,
  arn?: string,
): ExpectedAccounts | undefined {
  const fromArn = accountOfArn(arn);
  if (fromArn) return { accounts: [fromArn], kind: "arn" };
  if (r.account) return { accounts: [r.account], kind: "allowed" };
  const allowed = allowedAccounts(r);
  if (allowed.length) return { accounts: allowed, kind: "allowed" };
  const fromRole = assumedAccount(creds);
  if (fromRole) return { accounts: [fromRole], kind: "role" };
  return undefined;
}

const NETWORK_SETTINGS = [
  "httpProxy",
  "httpsProxy",
  "noProxy",
  "customCaBundle",
  "insecure",
  "useFipsEndpoint",
  "useDualstackEndpoint",
] as const;

/**
 * The provider's network settings over the environment, as aws-sdk-go-base applies them: proxies
 * (./network), customCaBundle else AWS_CA_BUNDLE, insecure, and FIPS / dual-stack endpoints (the
 * provider sets them only when true; otherwise the SDK reads AWS_USE_FIPS_ENDPOINT and
 * AWS_USE_DUALSTACK_ENDPOINT itself, as the Go SDK does).
 */
export function networkOf(r: ResourceView, env: NodeJS.ProcessEnv = process.env): Resolution<AwsNetwork> {
  const p = providerProps(r);
  for (const key of NETWORK_SETTINGS) {
    if (field(p, key) === UNKNOWN) {
      return { ok: false, unknown: true, why: `its provider's ${key} is not known until the update` };
    }
  }
  const text = (key: string): string | undefined => {
    const v = field(p, key);
    return typeof v === "string" ? v : undefined;
  };
  const flag = (key: string): boolean => bool(field(p, key)) === true;
  const caBundle = knownStr(field(p, "customCaBundle")) ?? (env["AWS_CA_BUNDLE"] || undefined);
  return {
    ok: true,
    value: {
      proxy: proxySettings(
        { httpProxy: knownStr(field(p, "httpProxy")), httpsProxy: text("httpsProxy"), noProxy: text("noProxy") },
        env,
      ),
      ...(caBundle ? { caBundleFile: expandPath(caBundle) } : {}),
      insecure: flag("insecure"),
      useFipsEndpoint: flag("useFipsEndpoint") || envFlag(env["AWS_USE_FIPS_ENDPOINT"]),
      useDualstackEndpoint: flag("useDualstackEndpoint") || envFlag(env["AWS_USE_DUALSTACK_ENDPOINT"]),
    },
  };
}

function envFlag(v: string | undefined): boolean {
  return v?.toLowerCase() === "true";
}

export function resolveTarget(
  r: ResourceView,
  service: AwsService,
  region: string,
  arn?: string,
  audit: AuditIdentity | undefined = currentAuditIdentity(),
): Resolution<AwsTarget> {
  const creds = credentialsOf(r);
  if (!creds.ok) return creds;
  const network = networkOf(r);
  if (!network.ok) return network;
  const endpoint = endpointOf(r, service);
  const stsEndpoint = endpointOf(r, "sts");
  if (endpoint === UNKNOWN || stsEndpoint === UNKNOWN) {
    // Calling the default host instead would check the wrong place.
    return { ok: false, unknown: true, why: "its provider's endpoints are not known until the update" };
  }
  const stsRegion = knownStr(field(providerProps(r), "stsRegion"));
  const expectedAccounts = expectedAccountsOf(r, creds.value, arn);
  const target: AwsTarget = {
    region,
    endpoint,
    stsEndpoint,
    ...(stsRegion ? { stsRegion } : {}),
    credentials: creds.value,
    account: accountHint(r, creds.value, arn),
    ...(expectedAccounts ? { expectedAccounts } : {}),
    network: network.value,
    credentialsId: credentialsId(creds.value, network.value),
  };
  return { ok: true, value: withAuditRole(target, audit) };
}

/** Session name of the audit role, visible in the target account's CloudTrail. */
export const AUDIT_SESSION_NAME = "auditguard-audit";

/**
 * The target acting as the audit role (auditguard-live-verification awsAuditRole), if one is configured:
 * the role appended to the provider's chain (source `provider`), or assumed from the pack's own default
 * chain (source `ambient`). The role's `{account}` is the target's account where the planner can tell it
 * (ARN, a coverage target's account, the provider's role, a single allowed account); else it is left in place and filled at call time
 * from sts:GetCallerIdentity of the provider's credentials (`accountFrom`). The credentials id covers the
 * role, so de-duplication keys and clients never mix the audit role with the provider's own identity.
 */
export function withAuditRole(t: AwsTarget, audit: AuditIdentity | undefined = currentAuditIdentity()): AwsTarget {
  const template = audit?.awsRole;
  if (!template || !audit) return t;
  const roleArn = t.account ? auditRoleFor(template, t.account) : template;
  const role: AssumeRoleSpec = { roleArn, sessionName: AUDIT_SESSION_NAME };
  const provider = t.credentials;
  const credentials: AwsCredentialSpec =
    audit.source === "ambient"
      ? { base: ambientAwsBase(), assumeRoles: [role] }
      : { ...provider, assumeRoles: [...provider.assumeRoles, role] };
  if (needsAccount(roleArn)) credentials.accountFrom = provider;
  return { ...t, credentials, credentialsId: credentialsId(credentials, t.network) };
}

/** The ambient source: the pack's own hub keys (AUDITGUARD_AWS_*), else its default chain. */
function ambientAwsBase(): BaseCredentials {
  const keys = ambientKeys("aws");
  if (!keys) return { source: "default-chain", credentialsFiles: [], configFiles: [] };
  return {
    source: "static",
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secret,
    ...(keys.token ? { sessionToken: keys.token } : {}),
  };
}

/** Where the ambient environment credentials are read from, for messages. */
export const AMBIENT_ENV_NAMES =
  "AUDITGUARD_AWS_ACCESS_KEY_ID and AUDITGUARD_AWS_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

/**
 * Keys in the pack's own environment, for a resource whose provider's keys cannot be read (server-side) or that
 * has no provider (a Discovery resource): the hub keys (AUDITGUARD_AWS_*), else AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN). Environment variables only, never the rest of the default chain:
 * on a runner the instance metadata service or a profile would be someone else's identity, and a wait for it
 * would spend the call's deadline. Undefined when neither pair is set.
 */
export function ambientEnvironmentBase(): BaseCredentials | undefined {
  const hub = ambientKeys("aws");
  if (hub) {
    return {
      source: "static",
      accessKeyId: hub.accessKeyId,
      secretAccessKey: hub.secret,
      ...(hub.token ? { sessionToken: hub.token } : {}),
    };
  }
  const accessKeyId = process.env["AWS_ACCESS_KEY_ID"]?.trim();
  const secretAccessKey = process.env["AWS_SECRET_ACCESS_KEY"]?.trim();
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = process.env["AWS_SESSION_TOKEN"]?.trim() || undefined;
  registerSecret(secretAccessKey);
  registerSecret(sessionToken);
  return { source: "static", accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** The same target with other credentials (its de-duplication identity follows them). */
export function withCredentials(t: AwsTarget, credentials: AwsCredentialSpec): AwsTarget {
  return { ...t, credentials, credentialsId: credentialsId(credentials, t.network) };
}

/** The target whose sts:GetCallerIdentity names the account of a target whose audit role awaits it. */
export function accountSourceOf(t: AwsTarget): AwsTarget | undefined {
  const from = t.credentials.accountFrom;
  if (!from) return undefined;
  return { ...t, credentials: from, credentialsId: credentialsId(from, t.network) };
}

function credentialsId(spec: AwsCredentialSpec, network: AwsNetwork): string {
  // The network is part of the identity: the same keys through another proxy are another call path.
  return createHash("sha256")
    .update(JSON.stringify([spec, networkId(network)]))
    .digest("hex")
    .slice(0, 16);
}
