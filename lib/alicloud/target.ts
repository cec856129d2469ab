// Where an Alibaba Cloud live call goes, per resource, and as whom. Pure: no SDK is loaded here.
// ActionTrail is regional (the trail's home region); Cloud Config is central, with one host per site.
//
// The identity follows terraform-provider-alicloud (which @pulumi/alicloud bridges), `alicloud/provider.go`
// providerConfigure and `connectivity/config.go` RefreshAuthCredential: each setting is the provider's value,
// else the environment variables its schema DefaultFunc names; then
//   1. accessKey/secretKey (+ securityToken), else the profile's keys from the aliyun CLI JSON file
//      (sharedCredentialsFile, default ~/.aliyun/config.json; read only when a profile is named);
//   2. without keys: credentialsUri;  3. without keys: ecsRoleName (ECS RAM role, instance metadata);
//   4. without keys: assumeRoleWithOidc;  5. on top of whichever keys: assumeRole (or the profile's RamRoleArn).
// There is no SDK default chain: a provider with none of these fails to configure, so the check does too.
// A setting the pack cannot reproduce faithfully makes the check undetermined, never another identity.

import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REDACTED_SECRET, redactedCredentialWhy } from "../engine";
import { ambientKeys, type AuditIdentity, auditRoleFor, currentAuditIdentity, needsAccount } from "../live/audit";
import { field, knownStr, num, objectList, type Plain, type PlainObject, UNKNOWN, type Unknown } from "../plain";
import { registerSecret } from "../redact";
import { providerPropsOf, type ResourceView } from "../stack";
import { aliServiceHost } from "./endpoints";

export type AliBaseCredentials =
  | { source: "static"; accessKeyId: string; accessKeySecret: string; securityToken?: string }
  /** Profile modes the provider hands to the credentials library (ChainableRamRoleArn, CloudSSO, External, OAuth). */
  | { source: "cli-profile"; profile: string }
  | { source: "credentials-uri"; uri: string }
  | { source: "ecs-role"; roleName: string }
  /** The pack's own environment (@alicloud/credentials' default chain): only as the source of an ambient audit role. */
  | { source: "ambient" }
  | {
      source: "oidc";
      roleArn: string;
      oidcProviderArn: string;
      tokenFile: string;
      sessionName: string;
      policy?: string;
      durationSeconds?: number;
    };

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
  /** STS host for role assumption (@alicloud/credentials: bare host, always HTTPS); undefined = its default. */
  stsEndpoint: string | undefined;
  /** STS host for GetCallerIdentity: the provider's `endpoints[].sts`, else the regional STS host. */
  identityEndpoint: AliEndpoint;
  credentials: AliCredentialSpec;
  credentialsId: string;
  account: string | undefined;
}

export type AliResolution<T> =
  { ok: true; value: T } | { ok: false; unknown: boolean; why: string; reason?: "no-credentials" };

/** The Cloud Config sites: the region each is served in, and its host as the official SDK's endpoint map gives it. */
export const CONFIG_SITES = {
  china: { host: aliServiceHost("config", "cn-shanghai"), region: "cn-shanghai" },
  international: { host: aliServiceHost("config", "ap-southeast-1"), region: "ap-southeast-1" },
} as const;
export type ConfigSite = keyof typeof CONFIG_SITES;

/** terraform-provider-alicloud's DEFAULT_REGION, used when no region is configured anywhere. */
export const PROVIDER_DEFAULT_REGION = "cn-beijing";

/** A provider setting: UNKNOWN (not known until the update), a known string, or undefined. */
type Setting = string | Unknown | undefined;

function providerProps(r: ResourceView): PlainObject {
  return providerPropsOf(r, "alicloud");
}

function fromEnv(names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = process.env[n]?.trim();
    if (v) return v;
  }
  return undefined;
}

/** The provider's value, else the environment variables the provider schema's DefaultFunc reads. */
function setting(obj: Plain | undefined, key: string, envNames: readonly string[] = []): Setting {
  const v = field(obj, key);
  if (v === UNKNOWN) return UNKNOWN;
  return knownStr(typeof v === "string" ? v.trim() : v) ?? fromEnv(envNames);
}

// The environment variables terraform-provider-alicloud reads for each provider setting (provider.go schema).
export const PROVIDER_ENV = {
  accessKey: ["ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABACLOUD_ACCESS_KEY_ID"],
  secretKey: ["ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABACLOUD_ACCESS_KEY_SECRET"],
  securityToken: ["ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABACLOUD_SECURITY_TOKEN"],
  ecsRoleName: ["ALICLOUD_ECS_ROLE_NAME", "ALIBABA_CLOUD_ECS_METADATA"],
  region: ["ALICLOUD_REGION", "ALIBABA_CLOUD_REGION"],
  accountId: ["ALICLOUD_ACCOUNT_ID", "ALIBABA_CLOUD_ACCOUNT_ID"],
  // Only this name: the provider does not read ALICLOUD_ACCOUNT_TYPE.
  accountType: ["ALIBABA_CLOUD_ACCOUNT_TYPE"],
  sharedCredentialsFile: ["ALICLOUD_SHARED_CREDENTIALS_FILE", "ALIBABA_CLOUD_CREDENTIALS_FILE"],
  profile: ["ALICLOUD_PROFILE", "ALIBABA_CLOUD_PROFILE"],
  credentialsUri: ["ALICLOUD_CREDENTIALS_URI", "ALIBABA_CLOUD_CREDENTIALS_URI"],
  assumeRoleArn: ["ALICLOUD_ASSUME_ROLE_ARN", "ALIBABA_CLOUD_ROLE_ARN"],
  assumeRoleSessionName: ["ALICLOUD_ASSUME_ROLE_SESSION_NAME", "ALIBABA_CLOUD_ROLE_SESSION_NAME"],
  assumeRoleSessionExpiration: ["ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION"],
  oidcProviderArn: ["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"],
  oidcTokenFile: ["ALIBABA_CLOUD_OIDC_TOKEN_FILE"],
  oidcToken: ["ALIBABA_CLOUD_OIDC_TOKEN"],
  oidcRoleArn: ["ALIBABA_CLOUD_ROLE_ARN"],
  oidcSessionName: ["ALIBABA_CLOUD_ROLE_SESSION_NAME"],
} as const;

/** Home region of the trail (`regionId`), else the provider's region (setting, env, profile), else its default. */
export function aliRegionOf(r: ResourceView, first: string | undefined = undefined): string | undefined {
  if (first) return first;
  const home = knownStr(field(r.props, "regionId"));
  if (home) return home;
  const p = providerProps(r);
  const region = setting(p, "region", PROVIDER_ENV.region);
  if (region === UNKNOWN) return undefined;
  if (region) return region;
  const profile = readProfile(r);
  const fromProfile = profile.ok ? knownStr(field(profile.value ?? {}, "region_id")) : undefined;
  return fromProfile ?? PROVIDER_DEFAULT_REGION;
}

/**
 * The Config site: the policy's choice, else the provider's accountType (setting or ALIBABA_CLOUD_ACCOUNT_TYPE),
 * else "probe" (ask both sites). Never guessed from the region: cn-hongkong is on the international site, and a
 * China-site account can deploy in ap-southeast-1. UNKNOWN when accountType is not known until the update.
 */
export function configSiteOf(r: ResourceView, choice: "auto" | ConfigSite): ConfigSite | "probe" | Unknown {
  if (choice !== "auto") return choice;
  const accountType = setting(providerProps(r), "accountType", PROVIDER_ENV.accountType);
  if (accountType === UNKNOWN) return UNKNOWN;
  // The provider validates accountType case-insensitively (StringInSlice(..., true)).
  if (accountType?.toLowerCase() === "domestic") return "china";
  if (accountType?.toLowerCase() === "international") return "international";
  return "probe";
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

/** Where the STS endpoint override can be set, for diagnostics: the provider reads it from nowhere else. */
export const STS_ENDPOINT_SETTING = "the provider's endpoints[].sts";

/**
 * STS serves HTTPS only (its API metadata: protocol HTTPS; terraform-provider-alicloud: "only supports https"),
 * and GetCallerIdentity is a signed request: an `http://` STS endpoint is refused, not called. A loopback host
 * is the exception: nothing but a local stand-in or forwarding proxy listens there, and the request stays on
 * the machine. Undefined when the endpoint may be called.
 */
export function plainHttpStsRefusal(endpoint: AliEndpoint): string | undefined {
  if (endpoint.protocol === "HTTPS" || isLoopbackHost(endpoint.host)) return undefined;
  return `${STS_ENDPOINT_SETTING} is plain HTTP (http://${endpoint.host}); STS serves HTTPS only, so no STS call is sent: use https://`;
}

function isLoopbackHost(hostPort: string): boolean {
  const host = hostPort
    .replace(/:\d+$/, "")
    .replace(/^\[(.*)\]$/, "$1")
    .toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The endpoint override for a service: the provider's `endpoints` entry, else (Cloud Config and ActionTrail only)
 * the environment variables the provider reads before its built-in rules (`ALIBABA_CLOUD_ENDPOINT_<PRODUCT>`,
 * legacy `<PRODUCT>_ENDPOINT`; connectivity/endpoint.go `(*AliyunClient).loadEndpoint(productCode)`). STS has no
 * such variable: provider.go providerConfigure takes `config.StsEndpoint` from `endpoints["sts"]` only and
 * otherwise fills `sts.<region>.aliyuncs.com`, so client.go's `STS_ENDPOINT` fallback is never reached and
 * `loadEndpoint(productCode)` is never asked for STS. UNKNOWN when not known until the update (then no call may
 * go to the default host instead); undefined when none is set.
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
  if (key === "sts") return undefined;
  return fromEnv([`ALIBABA_CLOUD_ENDPOINT_${key.toUpperCase()}`, `${key.toUpperCase()}_ENDPOINT`]);
}

type ProfileRead = { ok: true; value: PlainObject | undefined } | { ok: false; why: string };

/**
 * The named profile from the aliyun CLI JSON config the provider reads (sharedCredentialsFile, else
 * ~/.aliyun/config.json), as the provider's getConfigFromProfile does; undefined when no profile is named.
 */
function readProfile(r: ResourceView): ProfileRead {
  const p = providerProps(r);
  const profile = setting(p, "profile", PROVIDER_ENV.profile);
  if (profile === UNKNOWN || !profile) return { ok: true, value: undefined };
  const file = setting(p, "sharedCredentialsFile", PROVIDER_ENV.sharedCredentialsFile);
  if (file === UNKNOWN) return { ok: true, value: undefined };
  const filePath = file
    ? file.replace(/^~(?=$|[\\/])/, os.homedir())
    : path.join(os.homedir(), ".aliyun", "config.json");
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (e) {
    // The provider treats a missing file as "no profile values" and goes on to the next source.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { ok: true, value: undefined };
    return { ok: false, why: `the provider's sharedCredentialsFile ${filePath} cannot be read` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, why: `the provider's sharedCredentialsFile ${filePath} is not JSON (aliyun CLI config)` };
  }
  const profiles = (parsed as { profiles?: unknown })?.profiles;
  if (!Array.isArray(profiles))
    return { ok: false, why: `the provider's sharedCredentialsFile ${filePath} has no profiles list` };
  const found = profiles.find((x: unknown) => (x as { name?: unknown })?.name === profile) as unknown;
  const value = found && typeof found === "object" ? (found as PlainObject) : undefined;
  return { ok: true, value };
}

const ADVANCED_PROFILE_MODES: ReadonlySet<string> = new Set(["ChainableRamRoleArn", "CloudSSO", "External", "OAuth"]);

/** A profile field as the provider's getConfigFromProfile gives it (mode-dependent). */
function profileField(profile: PlainObject | undefined, key: string): string | undefined {
  if (!profile) return undefined;
  const mode = knownStr(field(profile, "mode"));
  if (!mode || ADVANCED_PROFILE_MODES.has(mode)) return undefined;
  if ((key === "access_key_id" || key === "access_key_secret") && mode === "EcsRamRole") return undefined;
  if (key === "ram_role_name" && mode !== "EcsRamRole") return undefined;
  if (key === "sts_token" && mode !== "StsToken") return undefined;
  if ((key === "ram_role_arn" || key === "ram_session_name") && mode !== "RamRoleArn") return undefined;
  const v = field(profile, key);
  if (key === "expired_seconds") return mode === "RamRoleArn" && typeof v === "number" ? String(v) : undefined;
  return knownStr(v);
}

const unknownSetting = (key: string): AliResolution<never> => ({
  ok: false,
  unknown: true,
  why: `its provider's ${key} is not known until the update`,
});
const unusable = (why: string): AliResolution<never> => ({ ok: false, unknown: false, why });
const noCredentials = (why: string): AliResolution<never> => ({
  ok: false,
  unknown: false,
  why,
  reason: "no-credentials",
});

export function aliCredentialsOf(r: ResourceView): AliResolution<AliCredentialSpec> {
  const p = providerProps(r);
  for (const key of [
    "accessKey",
    "secretKey",
    "securityToken",
    "profile",
    "sharedCredentialsFile",
    "credentialsUri",
    "ecsRoleName",
    "assumeRole",
    "assumeRoleWithOidc",
  ]) {
    if (field(p, key) === UNKNOWN) return unknownSetting(key);
  }
  const profileRead = readProfile(r);
  if (!profileRead.ok) return unusable(profileRead.why);
  const profile = profileRead.value;
  const profileName = setting(p, "profile", PROVIDER_ENV.profile) as string | undefined;
  const mode = knownStr(field(profile ?? {}, "mode"));

  let accessKey = setting(p, "accessKey", PROVIDER_ENV.accessKey) as string | undefined;
  let secretKey = setting(p, "secretKey", PROVIDER_ENV.secretKey) as string | undefined;
  let token = setting(p, "securityToken", PROVIDER_ENV.securityToken) as string | undefined;
  accessKey ??= profileField(profile, "access_key_id");
  secretKey ??= profileField(profile, "access_key_secret");
  token ??= profileField(profile, "sts_token");
  // Signing with the placeholder would only earn a confusing rejection from the service.
  const redacted = (["accessKey", "secretKey", "securityToken"] as const).find(
    (k) => knownStr(field(p, k)) === REDACTED_SECRET,
  );
  if (redacted) return unusable(redactedCredentialWhy(redacted));
  registerSecret(accessKey);
  registerSecret(secretKey);
  registerSecret(token);

  let base: AliBaseCredentials | undefined;
  if ((!accessKey || !secretKey) && profileName && mode && ADVANCED_PROFILE_MODES.has(mode)) {
    // The provider passes the file to the credentials library; the Node library reads only the default file.
    const file = setting(p, "sharedCredentialsFile", PROVIDER_ENV.sharedCredentialsFile);
    if (file) {
      return unusable(
        `its provider's profile ${profileName} (mode ${mode}) lives in sharedCredentialsFile ${String(file)}, which the pack's credentials library cannot read; use ~/.aliyun/config.json`,
      );
    }
    base = { source: "cli-profile", profile: profileName };
  } else if (accessKey && secretKey) {
    base = {
      source: "static",
      accessKeyId: accessKey,
      accessKeySecret: secretKey,
      ...(token ? { securityToken: token } : {}),
    };
  }
  if (!base) {
    const uri = setting(p, "credentialsUri", PROVIDER_ENV.credentialsUri) as string | undefined;
    const ecsRole =
      (setting(p, "ecsRoleName", PROVIDER_ENV.ecsRoleName) as string | undefined) ??
      profileField(profile, "ram_role_name");
    if (uri) base = { source: "credentials-uri", uri };
    else if (ecsRole) base = { source: "ecs-role", roleName: ecsRole };
    else {
      const oidc = oidcOf(p);
      if (oidc && !oidc.ok) return oidc;
      if (oidc) base = oidc.value;
    }
  }
  if (!base) {
    return noCredentials(
      "its provider has no credential source (accessKey/secretKey, profile, credentialsUri, ecsRoleName or assumeRoleWithOidc, or their environment variables such as ALICLOUD_ACCESS_KEY), so the provider itself could not run",
    );
  }
  const role = assumeRoleOf(p, profile);
  if (!role.ok) return role;
  return { ok: true, value: { base, assumeRole: role.value } };
}

function oidcOf(p: PlainObject): AliResolution<AliBaseCredentials> | undefined {
  const blocks = objectList(field(p, "assumeRoleWithOidc"));
  if (blocks === UNKNOWN) return unknownSetting("assumeRoleWithOidc");
  const b = blocks[0];
  if (!b) return undefined;
  for (const k of Object.keys(b)) if (field(b, k) === UNKNOWN) return unknownSetting(`assumeRoleWithOidc.${k}`);
  const roleArn = setting(b, "roleArn", PROVIDER_ENV.oidcRoleArn) as string | undefined;
  const oidcProviderArn = setting(b, "oidcProviderArn", PROVIDER_ENV.oidcProviderArn) as string | undefined;
  const tokenFile = setting(b, "oidcTokenFile", PROVIDER_ENV.oidcTokenFile) as string | undefined;
  const inlineToken = setting(b, "oidcToken", PROVIDER_ENV.oidcToken) as string | undefined;
  registerSecret(inlineToken);
  if (inlineToken) {
    // The provider exchanges an inline token itself; the credentials library only reads a token file.
    return unusable(
      "its provider's assumeRoleWithOidc.oidcToken is an inline token, which the pack cannot present; set oidcTokenFile instead",
    );
  }
  if (!roleArn || !oidcProviderArn || !tokenFile) {
    return unusable("its provider's assumeRoleWithOidc lacks roleArn, oidcProviderArn or oidcTokenFile");
  }
  const policy = knownStr(field(b, "policy"));
  const n = num(field(b, "sessionExpiration"));
  return {
    ok: true,
    value: {
      source: "oidc",
      roleArn,
      oidcProviderArn,
      tokenFile,
      sessionName: (setting(b, "roleSessionName", PROVIDER_ENV.oidcSessionName) as string | undefined) ?? "terraform",
      ...(policy ? { policy } : {}),
      ...(typeof n === "number" && n > 0 ? { durationSeconds: n } : {}),
    },
  };
}

function assumeRoleOf(p: PlainObject, profile: PlainObject | undefined): AliResolution<AliAssumeRole | undefined> {
  const roles = objectList(field(p, "assumeRole"));
  if (roles === UNKNOWN) return unknownSetting("assumeRole");
  const block = roles[0];
  if (
    block &&
    ["roleArn", "sessionName", "policy", "externalId", "sessionExpiration"].some((k) => field(block, k) === UNKNOWN)
  ) {
    return { ok: false, unknown: true, why: "the role its provider assumes is not known until the update" };
  }
  // The block's fields default from the environment only when the block is declared; the profile's
  // RamRoleArn applies when no block says otherwise.
  const roleArn = block
    ? ((setting(block, "roleArn", PROVIDER_ENV.assumeRoleArn) as string | undefined) ??
      profileField(profile, "ram_role_arn"))
    : profileField(profile, "ram_role_arn");
  if (!roleArn) return { ok: true, value: undefined };
  const sessionName =
    (block ? (setting(block, "sessionName", PROVIDER_ENV.assumeRoleSessionName) as string | undefined) : undefined) ??
    profileField(profile, "ram_session_name") ??
    // The session name shows in the ActionTrail events of the calls: say who made them.
    "auditguard";
  const n = block ? num(field(block, "sessionExpiration")) : undefined;
  const fromEnvOrProfile = Number(
    fromEnv(PROVIDER_ENV.assumeRoleSessionExpiration) ?? profileField(profile, "expired_seconds") ?? NaN,
  );
  const expiration = typeof n === "number" && n > 0 ? n : fromEnvOrProfile;
  const policy = block ? knownStr(field(block, "policy")) : undefined;
  const externalId = block ? knownStr(field(block, "externalId")) : undefined;
  return {
    ok: true,
    value: {
      roleArn,
      sessionName,
      ...(policy ? { policy } : {}),
      ...(externalId ? { externalId } : {}),
      ...(Number.isFinite(expiration) && expiration > 0 ? { sessionExpiration: expiration } : {}),
    },
  };
}

/**
 * Account id where it can be told: provider accountId (or its env), else the assumed role's ARN
 * (acs:ram::<uid>:role/…); without resolved credentials (the provider's are unusable), only the former.
 */
export function aliAccountHint(r: ResourceView, creds: AliCredentialSpec | undefined): string | undefined {
  if (r.account) return r.account;
  const explicit = setting(providerProps(r), "accountId", PROVIDER_ENV.accountId);
  if (typeof explicit === "string") return explicit;
  if (!creds) return undefined;
  const roleArn = creds.assumeRole?.roleArn ?? (creds.base.source === "oidc" ? creds.base.roleArn : "");
  return /^acs:ram::(\d+):role\//i.exec(roleArn)?.[1];
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
  // The STS endpoint serves role assumption and GetCallerIdentity (who answers a "not found").
  const stsOverride = endpointOverride(r, "sts");
  if (stsOverride === UNKNOWN) {
    return { ok: false, unknown: true, why: "its provider's sts endpoint is not known until the update" };
  }
  let identityEndpoint: AliEndpoint;
  if (stsOverride !== undefined) {
    const parsed = parseEndpoint(stsOverride);
    if (typeof parsed === "string") return unusable(`the provider's sts endpoint is ${parsed}`);
    identityEndpoint = parsed;
  } else {
    // The STS host for the provider's region as the official SDK resolves it: regional, or the central host for
    // the regions its endpoint map sends there (ap-south-1, cn-zhangbei, …).
    identityEndpoint = { protocol: "HTTPS", host: aliServiceHost("sts", aliRegionOf(r) ?? PROVIDER_DEFAULT_REGION) };
  }
  // @alicloud/credentials takes the STS endpoint for role assumption as a bare host and always calls it over HTTPS.
  // The audit role too: without the provider's STS host it would be assumed at the library's public default.
  const needsSts =
    creds.value.assumeRole !== undefined || creds.value.auditRole !== undefined || creds.value.base.source === "oidc";
  let sts: string | undefined;
  if (needsSts && stsOverride !== undefined) {
    if (identityEndpoint.protocol !== "HTTPS") {
      return unusable(
        `${STS_ENDPOINT_SETTING} is plain HTTP (http://${identityEndpoint.host}); role assumption needs HTTPS, as STS serves HTTPS only`,
      );
    }
    sts = identityEndpoint.host;
  }
  return {
    ok: true,
    value: {
      endpoint,
      stsEndpoint: sts,
      identityEndpoint,
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

/** Identifies the credentials an audit role is assumed from: the spec without the audit role, and the STS host. */
export function aliSourceCredentialsId(spec: AliCredentialSpec, sts: string | undefined): string {
  return aliCredentialsId({ base: spec.base, assumeRole: spec.assumeRole }, sts);
}

/**
 * The target whose GetCallerIdentity names the account of an audit role still waiting for it: the
 * provider's credentials, asking `stsHost` (default: the target's STS endpoint for GetCallerIdentity).
 */
export function aliAccountSourceOf(t: AliTarget, stsHost?: AliEndpoint): AliTarget | undefined {
  const from = t.credentials.accountFrom;
  if (!from) return undefined;
  const identityEndpoint = stsHost ?? t.identityEndpoint;
  return {
    endpoint: identityEndpoint,
    stsEndpoint: t.stsEndpoint,
    identityEndpoint,
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
      ? { base: ambientAliBase(), assumeRole: undefined, auditRole }
      : { ...provider, auditRole };
  if (needsAccount(roleArn)) spec.accountFrom = provider;
  return spec;
}

/** The ambient source: the pack's own hub keys (AUDITGUARD_ALIBABA_CLOUD_*), else its default chain. */
function ambientAliBase(): AliBaseCredentials {
  const keys = ambientKeys("alicloud");
  if (!keys) return { source: "ambient" };
  return {
    source: "static",
    accessKeyId: keys.accessKeyId,
    accessKeySecret: keys.secret,
    ...(keys.token ? { securityToken: keys.token } : {}),
  };
}
