// Who the calls are made as: one credentials provider per credential set per round (profiles, web identity, the
// provider's role chain, the audit role), and STS GetCallerIdentity for the account behind them (no IAM
// permission needed; it cannot be denied), asked once per credential set per round. Both live here because an
// audit role that waits for its account asks GetCallerIdentity of the provider's credentials first.
// @aws-sdk/client-sts is loaded on first use.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { auditRoleFor, needsAccount } from "../live/audit";
import { failure, type Outcome, success } from "../live/outcome";
import { sharedUnlessFailed } from "../live/memo";
import type { RoundContext } from "../live/round";
import { registerSecret } from "../redact";
import { accountSourceOf, type AssumeRoleSpec, type AwsTarget } from "./target";
import {
  classifyAt,
  CredentialStepError,
  FailedCheck,
  memoClient,
  sdk,
  stsClientConfig,
  TargetError,
} from "./transport";

type StsModule = typeof import("@aws-sdk/client-sts");

export interface CallerIdentity {
  account: string;
  arn: string;
}

export async function callerIdentity(
  ctx: RoundContext,
  audited: AwsTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<{ account: string; arn: string }>> {
  // An audit role still waiting for its account is in the provider's account: ask as the provider, once.
  const target = accountSourceOf(audited) ?? audited;
  const key = `aws:caller:${target.credentialsId}:${target.stsEndpoint ?? ""}:${target.stsRegion ?? ""}`;
  return sharedUnlessFailed(ctx, key, () => ask(ctx, target, timeoutMs, signal));
}

async function ask(
  ctx: RoundContext,
  target: AwsTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Outcome<CallerIdentity>> {
  try {
    process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
    const sts = require("@aws-sdk/client-sts") as StsModule;
    const key = `aws:sts-client:${target.credentialsId}:${target.stsEndpoint ?? ""}:${target.stsRegion ?? target.region}`;
    const client = memoClient(
      ctx,
      key,
      () =>
        new sts.STSClient({
          ...stsClientConfig(ctx, target, timeoutMs),
          credentials: credentialsProvider(ctx, target, timeoutMs),
        }),
    );
    const out = await client.send(new sts.GetCallerIdentityCommand({}), { abortSignal: signal });
    if (typeof out.Account !== "string" || !/^\d{12}$/.test(out.Account) || typeof out.Arn !== "string") {
      return failure("malformed-reply", "GetCallerIdentity returned no account id and ARN");
    }
    return success({ account: out.Account, arn: out.Arn });
  } catch (e) {
    return { ok: false, failure: classifyAt(e, target.stsRegion ?? target.region) };
  }
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
