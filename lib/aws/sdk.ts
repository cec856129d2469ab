// AWS I/O: the two read-only status calls, made with the official SDK v3 clients and credential
// providers, turned into plain facts. The SDK is loaded on first use, so a stack with nothing to
// check never loads it.

import { readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { errorMessage, errorName, NETWORK_ERROR_CODES, optionalString } from "../live/errors";
import { type CheckFailure, failure, type Outcome, success } from "../live/outcome";
import type { RoundContext } from "../live/round";
import { quote, registerSecret } from "../redact";
import { isPlainNetwork, networkId, routingAgents } from "./network";
import { auditRoleFor, needsAccount } from "../live/audit";
import { accountSourceOf, type AssumeRoleSpec, type AwsTarget } from "./target";

export interface RecorderStatus {
  found: true;
  name: string;
  recording: boolean | undefined;
  /** Upper-cased: the service sends SUCCESS/PENDING/FAILURE although the model says Success... */
  lastStatus: string | undefined;
  lastErrorCode: string | undefined;
  lastErrorMessage: string | undefined;
  lastStartTime: number | undefined;
  lastStopTime: number | undefined;
  lastStatusChangeTime: number | undefined;
}
export interface TrailStatus {
  found: true;
  isLogging: boolean | undefined;
  latestDeliveryError: string | undefined;
  latestDigestDeliveryError: string | undefined;
  latestNotificationError: string | undefined;
  latestCloudWatchLogsDeliveryError: string | undefined;
  latestDeliveryTime: number | undefined;
  latestCloudWatchLogsDeliveryTime: number | undefined;
  startLoggingTime: number | undefined;
  stopLoggingTime: number | undefined;
}
/** The service says the resource does not exist. An observation, not a failed check. */
export interface NotFound {
  found: false;
  detail: string;
  /** The account that answered "not found" (sts:GetCallerIdentity). */
  account?: string;
}

type ConfigModule = typeof import("@aws-sdk/client-config-service");
type CloudTrailModule = typeof import("@aws-sdk/client-cloudtrail");
type CredentialsModule = typeof import("@aws-sdk/credential-providers");
type HttpModule = typeof import("@smithy/node-http-handler");

/** Silences the SDK's Node 20 support notice, printed by every client; it would land in every `pulumi preview`. */
export function quietSdkNotices(): void {
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
}

interface SdkModules {
  config: ConfigModule;
  cloudtrail: CloudTrailModule;
  credentials: CredentialsModule;
  http: HttpModule;
}
let sdkModules: SdkModules | undefined;

/**
 * The SDK modules, loaded on first use. Kept once loaded: every call asks for them, and a require() of a
 * package name resolves it again each time (a package.json lookup up the tree), about 0.2 ms a call.
 */
export function sdk(): SdkModules {
  if (sdkModules) return sdkModules;
  quietSdkNotices();
  sdkModules = {
    config: require("@aws-sdk/client-config-service") as ConfigModule,
    cloudtrail: require("@aws-sdk/client-cloudtrail") as CloudTrailModule,
    credentials: require("@aws-sdk/credential-providers") as CredentialsModule,
    http: require("@smithy/node-http-handler") as HttpModule,
  };
  return sdkModules;
}

export async function describeRecorderStatus(
  ctx: RoundContext,
  target: AwsTarget,
  name: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<RecorderStatus | NotFound>> {
  try {
    const { config } = sdk();
    const client = configClient(ctx, target, timeoutMs);
    const out = await client.send(
      new config.DescribeConfigurationRecorderStatusCommand({ ConfigurationRecorderNames: [name] }),
      { abortSignal: signal },
    );
    const list: unknown = out.ConfigurationRecordersStatus;
    if (!Array.isArray(list)) return failure("malformed-reply", "ConfigurationRecordersStatus is missing");
    if (!list.every(isRecord)) return failure("malformed-reply", "ConfigurationRecordersStatus has a non-object entry");
    const s = list.find((e) => e["name"] === name) ?? (list.length === 1 ? list[0] : undefined);
    if (!s) {
      return confirmNotFound(
        ctx,
        target,
        "recorder",
        `no configuration recorder named '${quote(name)}'`,
        timeoutMs,
        signal,
      );
    }
    const recording = s["recording"];
    // A reply without `recording` says nothing about recording: undetermined, never "stopped".
    if (typeof recording !== "boolean") return failure("malformed-reply", "recording is missing or not a boolean");
    const lastStatus = s["lastStatus"];
    if (lastStatus !== undefined && typeof lastStatus !== "string")
      return failure("malformed-reply", "lastStatus is not a string");
    return success({
      found: true,
      name,
      recording,
      lastStatus: lastStatus?.toUpperCase(),
      lastErrorCode: optionalString(s["lastErrorCode"]),
      lastErrorMessage: optionalString(s["lastErrorMessage"]),
      lastStartTime: time(s["lastStartTime"]),
      lastStopTime: time(s["lastStopTime"]),
      lastStatusChangeTime: time(s["lastStatusChangeTime"]),
    });
  } catch (e) {
    if (errorName(e) === "NoSuchConfigurationRecorderException") {
      return confirmNotFound(ctx, target, "recorder", quote(errorMessage(e)), timeoutMs, signal);
    }
    return { ok: false, failure: classifyAt(e, target.region) };
  }
}

export async function getTrailStatus(
  ctx: RoundContext,
  target: AwsTarget,
  nameOrArn: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<TrailStatus | NotFound>> {
  try {
    const { cloudtrail } = sdk();
    const client = cloudTrailClient(ctx, target, timeoutMs);
    const out = await client.send(new cloudtrail.GetTrailStatusCommand({ Name: nameOrArn }), { abortSignal: signal });
    if (typeof out.IsLogging !== "boolean") {
      return failure("malformed-reply", "IsLogging is missing or not a boolean");
    }
    return success({
      found: true,
      isLogging: out.IsLogging,
      latestDeliveryError: optionalString(out.LatestDeliveryError),
      latestDigestDeliveryError: optionalString(out.LatestDigestDeliveryError),
      latestNotificationError: optionalString(out.LatestNotificationError),
      latestCloudWatchLogsDeliveryError: optionalString(out.LatestCloudWatchLogsDeliveryError),
      latestDeliveryTime: time(out.LatestDeliveryTime),
      latestCloudWatchLogsDeliveryTime: time(out.LatestCloudWatchLogsDeliveryTime),
      startLoggingTime: time(out.StartLoggingTime),
      stopLoggingTime: time(out.StopLoggingTime),
    });
  } catch (e) {
    if (errorName(e) === "TrailNotFoundException") {
      return confirmNotFound(ctx, target, "trail", quote(errorMessage(e)), timeoutMs, signal);
    }
    return { ok: false, failure: classifyAt(e, target.region) };
  }
}

const EXPECTED_TEXT = {
  arn: (what: string) => `the ${what} belongs to`,
  allowed: () => "the provider's allowedAccountIds allow only",
  role: () => "the provider assumes a role in",
} as const;

/**
 * A "not found" is believed only once the answering identity is known (sts:GetCallerIdentity, once per
 * credential set per round) and is in the account the resource must be in; otherwise the check is
 * undetermined, naming both accounts.
 */
async function confirmNotFound(
  ctx: RoundContext,
  target: AwsTarget,
  what: "recorder" | "trail",
  detail: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<NotFound>> {
  const { callerIdentity } = require("./identity") as typeof import("./identity");
  const who = await callerIdentity(ctx, target, timeoutMs, signal);
  if (!who.ok) {
    const f = who.failure;
    return {
      ok: false,
      failure: {
        ...f,
        detail: `the service says the ${what} does not exist (${detail}), but sts:GetCallerIdentity could not confirm which account answered: ${f.detail}`,
      },
    };
  }
  const { account, arn } = who.value;
  const expected = target.expectedAccounts;
  if (expected && !expected.accounts.includes(account)) {
    return failure(
      "wrong-account",
      `called as ${account} (${quote(arn)}); ${EXPECTED_TEXT[expected.kind](what)} ${expected.accounts.join(", ")}. ` +
        `The answer "${detail}" comes from another account and says nothing about this ${what}`,
    );
  }
  return success({ found: false, detail: `${detail}; answered by account ${account}`, account });
}

/** One Config client per region, endpoint and credentials per round, shared by every module that calls Config. */
export function configClient(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
): InstanceType<ConfigModule["ConfigServiceClient"]> {
  return ctx.memo(`aws:config:${target.region}:${target.endpoint ?? ""}:${target.credentialsId}`, () => {
    const c = new (sdk().config.ConfigServiceClient)(clientConfig(ctx, target, target.endpoint, timeoutMs));
    ctx.onDispose(() => c.destroy());
    return c;
  });
}

/** One CloudTrail client per region, endpoint and credentials per round. */
export function cloudTrailClient(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
): InstanceType<CloudTrailModule["CloudTrailClient"]> {
  return ctx.memo(`aws:cloudtrail:${target.region}:${target.endpoint ?? ""}:${target.credentialsId}`, () => {
    const c = new (sdk().cloudtrail.CloudTrailClient)(clientConfig(ctx, target, target.endpoint, timeoutMs));
    ctx.onDispose(() => c.destroy());
    return c;
  });
}

/** Service client settings: region, endpoint, the round's request handler, FIPS / dual-stack. */
export function clientConfig(ctx: RoundContext, target: AwsTarget, endpoint: string | undefined, timeoutMs: number) {
  return {
    ...endpointSettings(ctx, target, target.region, endpoint),
    credentials: credentialsProvider(ctx, target, timeoutMs),
    // Retries are made by the round, one rate-limited attempt at a time.
    maxAttempts: 1,
    requestHandler: requestHandler(ctx, target, timeoutMs),
  };
}

/** STS client settings (assume-role, web identity, GetCallerIdentity): provider stsRegion and sts endpoint. */
export function stsClientConfig(ctx: RoundContext, target: AwsTarget, timeoutMs: number) {
  return {
    ...endpointSettings(ctx, target, target.stsRegion ?? target.region, target.stsEndpoint),
    maxAttempts: 1,
    requestHandler: requestHandler(ctx, target, timeoutMs),
  };
}

function endpointSettings(ctx: RoundContext, target: AwsTarget, region: string, endpoint: string | undefined) {
  const shared = sharedSdkSettings(ctx);
  return {
    ...shared,
    region,
    ...(endpoint ? { endpoint } : {}),
    // The provider ignores FIPS for a service whose endpoint it overrides (its generated resolvers); the SDK
    // would refuse the pair ("FIPS and custom endpoint are not supported").
    useFipsEndpoint: endpoint ? false : target.network.useFipsEndpoint || shared.useFipsEndpoint,
    useDualstackEndpoint: target.network.useDualstackEndpoint || shared.useDualstackEndpoint,
  };
}

/**
 * Settings each SDK client would otherwise look up on its own (environment, then the shared config files,
 * then a default) before its first call: about 1.7 ms a client, and an org-wide round makes a hundred
 * clients. One client that never calls looks them up once per round; the others take its answers.
 */
function sharedSdkSettings(ctx: RoundContext) {
  return ctx.memo("aws:sdk-settings", () => {
    const probe = new (sdk().config.ConfigServiceClient)({ region: "us-east-1" });
    ctx.onDispose(() => probe.destroy());
    const { useFipsEndpoint, useDualstackEndpoint, defaultsMode, retryMode, authSchemePreference, userAgentAppId } =
      probe.config;
    return { useFipsEndpoint, useDualstackEndpoint, defaultsMode, retryMode, authSchemePreference, userAgentAppId };
  });
}

/** A setting that cannot be carried out as the provider would (e.g. an unreadable CA bundle). */
export class TargetError extends Error {
  override readonly name = "TargetError";
}

/**
 * A failure in one step of getting credentials, naming the permission that step needs (sts:AssumeRole
 * on a role), so a denied AssumeRole is not reported as a denied status call.
 */
export class CredentialStepError extends Error {
  override readonly name = "CredentialStepError";
  constructor(
    readonly step: string,
    readonly permission: string,
    readonly inner: unknown,
  ) {
    super(`${step}: ${errorMessage(inner)}`);
  }
}

/** One HTTP handler per network settings per round, shared by every client and STS call it routes. */
export function requestHandler(ctx: RoundContext, target: AwsTarget, timeoutMs: number): NodeHttpHandler {
  return ctx.memo(`aws:handler:${networkId(target.network)}:${timeoutMs}`, () => {
    const { http } = sdk();
    const timeouts = { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true };
    let handler: NodeHttpHandler;
    if (isPlainNetwork(target.network)) {
      handler = new http.NodeHttpHandler(timeouts);
    } else {
      const caFile = target.network.caBundleFile;
      let ca: string | undefined;
      if (caFile) {
        try {
          ca = readFileSync(caFile, "utf8");
        } catch (e) {
          throw new TargetError(
            `the CA bundle ${caFile} (customCaBundle / AWS_CA_BUNDLE) cannot be read: ${errorMessage(e)}`,
          );
        }
      }
      const agents = routingAgents(target.network, ca);
      handler = new http.NodeHttpHandler({ ...timeouts, httpAgent: agents.httpAgent, httpsAgent: agents.httpsAgent });
      ctx.onDispose(() => agents.destroy());
    }
    ctx.onDispose(() => handler.destroy());
    return handler;
  });
}

/** The instance-metadata and container lookups of the default chain get a short budget of their own. */
function metadataTimeoutMs(timeoutMs: number): number {
  return Math.max(100, Math.min(1000, Math.floor(timeoutMs / 4)));
}

/** One provider per distinct credentials per round: an assume-role chain runs once, however many calls use it. */
export function credentialsProvider(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
): AwsCredentialIdentityProvider {
  return ctx.memo(
    `aws:credentials:${target.credentialsId}:${target.stsRegion ?? target.region}:${target.stsEndpoint ?? ""}`,
    () => {
      const { credentials: providers } = sdk();
      const spec = target.credentials;
      const stsConfig = stsClientConfig(ctx, target, timeoutMs);
      let provider: AwsCredentialIdentityProvider;
      switch (spec.base.source) {
        case "static": {
          const identity: AwsCredentialIdentity = {
            accessKeyId: spec.base.accessKeyId,
            secretAccessKey: spec.base.secretAccessKey,
            ...(spec.base.sessionToken ? { sessionToken: spec.base.sessionToken } : {}),
          };
          provider = () => Promise.resolve(identity);
          break;
        }
        case "profile": {
          const { profile, credentialsFiles, configFiles } = spec.base;
          provider = lazy(() =>
            providers.fromIni({
              profile,
              ...sharedFiles(ctx, credentialsFiles, configFiles),
              clientConfig: stsConfig,
            }),
          );
          break;
        }
        default: {
          const { credentialsFiles, configFiles } = spec.base;
          provider = lazy(() =>
            // Environment keys first, as the Go SDK takes them even when AWS_PROFILE is set.
            process.env["AWS_ACCESS_KEY_ID"] && process.env["AWS_SECRET_ACCESS_KEY"]
              ? providers.fromEnv()
              : providers.fromNodeProviderChain({
                  ...sharedFiles(ctx, credentialsFiles, configFiles),
                  clientConfig: stsConfig,
                  timeout: metadataTimeoutMs(timeoutMs),
                  maxRetries: 0,
                }),
          );
        }
      }
      const web = spec.webIdentity;
      if (web) {
        provider = step(`sts:AssumeRoleWithWebIdentity on ${web.roleArn}`, async (opts) => {
          const token = web.token ?? (await readFile(web.tokenFile ?? "", "utf8")).trim();
          registerSecret(token);
          return providers.fromWebToken({
            roleArn: web.roleArn,
            webIdentityToken: token,
            ...(web.sessionName ? { roleSessionName: web.sessionName } : {}),
            ...(web.durationSeconds ? { durationSeconds: web.durationSeconds } : {}),
            ...(web.policy ? { policy: web.policy } : {}),
            ...(web.policyArns ? { policyArns: web.policyArns.map((arn) => ({ arn })) } : {}),
            clientConfig: stsConfig,
          })(opts);
        });
      }
      const assume = (
        role: AssumeRoleSpec,
        roleArn: string,
        master: AwsCredentialIdentityProvider,
      ): AwsCredentialIdentityProvider =>
        step(
          `sts:AssumeRole on ${roleArn}`,
          providers.fromTemporaryCredentials({
            masterCredentials: master,
            params: {
              RoleArn: roleArn,
              RoleSessionName: role.sessionName,
              ...(role.externalId ? { ExternalId: role.externalId } : {}),
              ...(role.durationSeconds ? { DurationSeconds: role.durationSeconds } : {}),
              ...(role.policy ? { Policy: role.policy } : {}),
              ...(role.policyArns ? { PolicyArns: role.policyArns.map((arn) => ({ arn })) } : {}),
              ...(role.sourceIdentity ? { SourceIdentity: role.sourceIdentity } : {}),
              ...(role.tags ? { Tags: Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
              ...(role.transitiveTagKeys ? { TransitiveTagKeys: role.transitiveTagKeys } : {}),
            },
            clientConfig: stsConfig,
          }),
        );
      for (const role of spec.assumeRoles) {
        provider = needsAccount(role.roleArn)
          ? auditRoleOfAccount(ctx, target, role, provider, assume, timeoutMs)
          : assume(role, role.roleArn, provider);
      }
      return memoize(provider);
    },
  );
}

type ProviderOptions = Parameters<AwsCredentialIdentityProvider>[0];

/**
 * An audit role whose ARN waits for the account id: sts:GetCallerIdentity of the provider's credentials
 * (shared with the round's own identity calls) names it, then the role is assumed as usual.
 */
function auditRoleOfAccount(
  ctx: RoundContext,
  target: AwsTarget,
  role: AssumeRoleSpec,
  master: AwsCredentialIdentityProvider,
  assume: (
    role: AssumeRoleSpec,
    roleArn: string,
    master: AwsCredentialIdentityProvider,
  ) => AwsCredentialIdentityProvider,
  timeoutMs: number,
): AwsCredentialIdentityProvider {
  let resolved: AwsCredentialIdentityProvider | undefined;
  return async (opts?: ProviderOptions) => {
    if (!resolved) {
      const source = accountSourceOf(target) ?? target;
      const { callerIdentity } = require("./identity") as typeof import("./identity");
      const who = await callerIdentity(ctx, source, timeoutMs, AbortSignal.timeout(timeoutMs));
      if (!who.ok) {
        throw new CredentialStepError(
          `sts:GetCallerIdentity for the account of the audit role ${role.roleArn}`,
          "sts:GetCallerIdentity (needs no IAM permission)",
          new FailedCheck(who.failure),
        );
      }
      resolved = assume(role, auditRoleFor(role.roleArn, who.value.account), master);
    }
    return resolved(opts);
  };
}

/** A failure already classified (by a call made inside a credential step). */
class FailedCheck extends Error {
  override readonly name = "FailedCheck";
  constructor(readonly failure: CheckFailure) {
    super(failure.detail);
  }
}

/** Builds the provider on first use, so a bad setting surfaces as this call's failure. */
function lazy(make: () => AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let made: AwsCredentialIdentityProvider | undefined;
  return (opts?: ProviderOptions) => {
    made ??= make();
    return made(opts);
  };
}

/** Tags the failures of one credential step with the permission it needs; errors of earlier steps pass through. */
function step(
  name: string,
  provider: AwsCredentialIdentityProvider | ((opts?: ProviderOptions) => Promise<AwsCredentialIdentity>),
): AwsCredentialIdentityProvider {
  const permission = name.split(" on ")[0] ?? name;
  return async (opts?: ProviderOptions) => {
    try {
      return await provider(opts);
    } catch (e) {
      if (e instanceof CredentialStepError || e instanceof TargetError) throw e;
      throw new CredentialStepError(name, `${permission} on ${name.slice(permission.length + 4)}`, e);
    }
  };
}

/**
 * The provider's shared files as the JS SDK takes them (one credentials file, one config file). Several
 * files of a kind are merged the way the Go SDK merges them (later files win, key by key; unreadable
 * files skipped) into a private temporary copy for this round, removed when the round ends.
 */
function sharedFiles(
  ctx: RoundContext,
  credentialsFiles: string[],
  configFiles: string[],
): { filepath?: string; configFilepath?: string } {
  const pick = (files: string[], kind: string): string | undefined => {
    if (files.length === 0) return undefined;
    if (files.length === 1) return files[0];
    return ctx.memo(`aws:merged-ini:${kind}:${JSON.stringify(files)}`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), "auditguard-aws-ini-")); // 0700
      ctx.onDispose(() => rmSync(dir, { recursive: true, force: true }));
      const file = path.join(dir, kind);
      writeFileSync(file, mergeIniFiles(files), { mode: 0o600, flag: "wx" });
      return file;
    });
  };
  const filepath = pick(credentialsFiles, "credentials");
  const configFilepath = pick(configFiles, "config");
  return { ...(filepath ? { filepath } : {}), ...(configFilepath ? { configFilepath } : {}) };
}

/** Merges INI files section by section, key by key, later files winning (aws-sdk-go-v2 config mergeSections). */
export function mergeIniFiles(files: string[]): string {
  const sections = new Map<string, Map<string, string>>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue; // the Go SDK treats an unreadable file as empty
    }
    let current: Map<string, string> | undefined;
    let lastKey: string | undefined;
    for (const line of text.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
      const header = /^\[([^\]]*)\]/.exec(trimmed);
      if (header) {
        const name = (header[1] ?? "").trim().replace(/\s+/g, " ");
        current = sections.get(name) ?? new Map<string, string>();
        sections.set(name, current);
        lastKey = undefined;
        continue;
      }
      if (!current) continue;
      if (/^\s/.test(line) && lastKey !== undefined) {
        // An indented line continues the previous key (nested settings such as `s3 =`).
        current.set(lastKey, `${current.get(lastKey) ?? ""}\n  ${trimmed}`);
        continue;
      }
      const eq = trimmed.indexOf("=");
      if (eq < 0) continue;
      lastKey = trimmed.slice(0, eq).trim();
      current.set(lastKey, trimmed.slice(eq + 1).trim());
    }
  }
  return [...sections]
    .map(([name, keys]) => [`[${name}]`, ...[...keys].map(([k, v]) => `${k} = ${v}`)].join("\n"))
    .join("\n\n")
    .concat("\n");
}

/** Shares one resolution between concurrent calls; a failed one is forgotten, so a retry resolves afresh. */
function memoize(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return () => {
    if (!pending) {
      // Credentials the SDK resolves (profiles, SSO, roles) are secrets too: redact them if a reply echoes one.
      const p = provider().then((id) => {
        registerSecret(id.accessKeyId);
        registerSecret(id.secretAccessKey);
        registerSecret(id.sessionToken);
        return id;
      });
      pending = p;
      p.catch(() => {
        if (pending === p) pending = undefined;
      });
    }
    return pending;
  };
}

const ACCESS_DENIED = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
  "AuthorizationErrorException",
  "OperationNotPermittedException",
  "InsufficientDependencyServiceAccessPermissionException",
]);
const INVALID_CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "ExpiredTokenException",
  "ExpiredToken",
  "RequestExpired",
  "InvalidAccessKeyId",
  "MissingAuthenticationToken",
]);
const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);
const GENERIC_NAMES = new Set(["Error", "TypeError", "SyntaxError", "RangeError", "TimeoutError", "AbortError"]);
/** JS built-in error classes: never shown as an error code (a 503 HTML page is not "code SyntaxError"). */
const JS_ERROR_CLASSES = new Set(["Error", "TypeError", "SyntaxError", "RangeError"]);
/** The SDK's note appended to parse failures: about a hidden JS field, meaningless in a diagnostic. */
const SDK_RAW_RESPONSE_NOTE =
  /\s*Deserialization error: to see the raw response, inspect the hidden field \{error\}\.\$response on this object\.?/g;

/**
 * Regions AWS does not enable by default (AWS Account Management reference, "Enable or disable AWS Regions in
 * your account"): every Region launched after 20 March 2019. A call into one the account has not enabled is
 * refused like a bad key, with InvalidClientTokenId (STS, awsQuery) or UnrecognizedClientException (JSON
 * services): "The security token included in the request is invalid".
 */
export const OPT_IN_REGIONS: ReadonlySet<string> = new Set([
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-west-1",
  "eu-central-2",
  "eu-south-1",
  "eu-south-2",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
]);
const TOKEN_REFUSED = new Set(["InvalidClientTokenId", "UnrecognizedClientException"]);

/**
 * classify() for a call signed for `region`: keys refused in an opt-in Region are named for both things that
 * cause it and that one refusal cannot tell apart: a Region the account has not enabled, or credentials not
 * valid there (a version 1 session token, valid only in Regions enabled by default); not simply bad credentials.
 */
export function classifyAt(e: unknown, region: string | undefined): CheckFailure {
  const f = classify(e);
  if (f.reason !== "invalid-credentials" || !region || !OPT_IN_REGIONS.has(region)) return f;
  if (!f.code || !TOKEN_REFUSED.has(f.code)) return f;
  return {
    ...f,
    reason: "region-not-enabled",
    detail:
      `${region} is an opt-in Region and AWS refused the credentials there (${f.detail}): the Region may not be ` +
      "enabled for the account, or the credentials are not valid there (e.g. version 1 session tokens from the " +
      "global STS endpoint, valid only in Regions enabled by default)",
  };
}

/** Maps whatever the SDK threw to a reason a person can act on. */
export function classify(e: unknown): CheckFailure {
  if (e instanceof CredentialStepError) {
    // The step's own failure, said as that step's: "sts:AssumeRole on arn:…: access was denied".
    const inner = classify(e.inner);
    return { ...inner, detail: `${e.step} failed: ${inner.detail}`, permission: e.permission };
  }
  if (e instanceof TargetError) return { reason: "bad-target", detail: quote(e.message) };
  if (e instanceof FailedCheck) return e.failure;
  const name = errorName(e);
  const raw = errorMessage(e);
  const message = quote(raw); // matched against below, with the SDK's note
  const detail = quote(raw.replace(SDK_RAW_RESPONSE_NOTE, "").trim() || raw);
  const meta = metadata(e);
  const rawCode = (e as { code?: unknown } | null | undefined)?.code;
  const code = typeof rawCode === "string" ? rawCode : undefined;
  // The AWS error code where there is one; for JS/Node errors the system code ("ECONNRESET"), else a
  // telling name ("TimeoutError"), never a JS class name.
  const shownCode =
    name && !GENERIC_NAMES.has(name) ? name : (code ?? (name && !JS_ERROR_CLASSES.has(name) ? name : undefined));
  const extra = {
    ...(shownCode ? { code: shownCode } : {}),
    ...(meta.httpStatusCode ? { httpStatus: meta.httpStatusCode } : {}),
    ...(meta.requestId ? { requestId: meta.requestId } : {}),
  };
  const status = meta.httpStatusCode ?? 0;
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
    return { reason: "no-credentials", detail, ...extra };
  }
  // Before the timeout test: node-http-handler renames ECONNRESET/EPIPE errors to "TimeoutError".
  if (code !== undefined && NETWORK_ERROR_CODES.has(code)) return { reason: "endpoint-error", detail, ...extra };
  // The endpoint's (or proxy's) certificate is not trusted: CA bundle, proxy or endpoint settings.
  if (code !== undefined && /CERT|SSL|TLS|SIGNATURE/.test(code)) return { reason: "endpoint-error", detail, ...extra };
  if (name === "AbortError" || name === "TimeoutError" || name === "DeadlineExceeded" || code === "ETIMEDOUT") {
    return { reason: "timeout", detail, ...extra };
  }
  if (ACCESS_DENIED.has(name)) return { reason: "access-denied", detail, ...extra };
  if (INVALID_CREDENTIALS.has(name)) return { reason: "invalid-credentials", detail, ...extra };
  if (THROTTLED.has(name) || status === 429) return { reason: "throttled", detail, ...extra };
  // A 5xx is a server error even when its body is not JSON (an HTML page from a proxy or load balancer).
  if ((e as { $fault?: unknown } | null | undefined)?.$fault === "server" || status >= 500) {
    return { reason: "service-error", detail, ...extra };
  }
  if (name === "SyntaxError" || /deserializ|unexpected token|expected .* to be/i.test(message)) {
    return { reason: "malformed-reply", detail, ...extra };
  }
  if (name === "TypeError" && /url/i.test(message)) return { reason: "bad-target", detail, ...extra };
  // The endpoint rules refuse a combination (dual-stack with a custom endpoint), as the provider's SDK does.
  if (/^Invalid Configuration:/.test(raw)) return { reason: "bad-target", detail, ...extra };
  return { reason: "unexpected-error", detail, ...extra };
}

function metadata(e: unknown): { httpStatusCode?: number; requestId?: string } {
  const m = (e as { $metadata?: unknown })?.$metadata;
  if (!m || typeof m !== "object") return {};
  const r = m as { httpStatusCode?: unknown; requestId?: unknown };
  return {
    ...(typeof r.httpStatusCode === "number" ? { httpStatusCode: r.httpStatusCode } : {}),
    ...(typeof r.requestId === "string" ? { requestId: r.requestId } : {}),
  };
}
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function time(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
  if (typeof v === "number" && Number.isFinite(v)) return v * 1000;
  return undefined;
}
