// Stack exports (the JSON `pulumi stack export` prints: deployment v3) whose providers point at the loopback
// fakes, and an in-process way to run the command and capture what it prints.

import { run } from "../../cli/main";
import type { Timing } from "../../cli/start";

export const STACK = "dev";
export const PROJECT = "shop";
export const AWS_KEY = "AKIAFAKECLIEXAMPLE1";
export const AWS_SECRET = "cli-aws-secret-value-xyz";
export const ALI_KEY = "LTAI5tCLIFAKEKEY01";
export const ALI_SECRET = "cli-ali-secret-value-xyz";
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export interface ExportResource {
  urn: string;
  custom: boolean;
  id?: string;
  type: string;
  inputs: Record<string, Json>;
  outputs: Record<string, Json>;
  provider?: string;
  delete?: boolean;
}

export function urn(type: string, name: string): string {
  return `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
}

/** A secret as `pulumi stack export --show-secrets` writes it: the value's JSON text in `plaintext`. */
export function shownSecret(value: Json): Json {
  return { [SIG]: SECRET_SIG, plaintext: JSON.stringify(value) };
}
/** A secret as `pulumi stack export` writes it without --show-secrets. */
export function encryptedSecret(): Json {
  return { [SIG]: SECRET_SIG, ciphertext: "v1:c2VjcmV0Ym94:AAAAencryptedAAAA" };
}

export function awsProvider(url: string, extra: Record<string, Json> = {}): ExportResource {
  const inputs: Record<string, Json> = {
    region: REGION,
    accessKey: shownSecret(AWS_KEY),
    secretKey: shownSecret(AWS_SECRET),
    allowedAccountIds: JSON.stringify([ACCOUNT]),
    endpoints: JSON.stringify([{ configservice: url, cloudtrail: url, sts: url }]),
    version: "7.10.0",
    ...extra,
  };
  return {
    urn: urn("pulumi:providers:aws", "aws"),
    custom: true,
    id: "11111111-aws",
    type: "pulumi:providers:aws",
    inputs,
    outputs: inputs,
  };
}

export function aliProvider(url: string, extra: Record<string, Json> = {}): ExportResource {
  const inputs: Record<string, Json> = {
    region: "cn-hangzhou",
    accessKey: shownSecret(ALI_KEY),
    secretKey: shownSecret(ALI_SECRET),
    endpoints: JSON.stringify([{ config: url, actiontrail: url, sts: url }]),
    version: "3.90.0",
    ...extra,
  };
  return {
    urn: urn("pulumi:providers:alicloud", "ali"),
    custom: true,
    id: "22222222-ali",
    type: "pulumi:providers:alicloud",
    inputs,
    outputs: inputs,
  };
}

function ref(p: ExportResource): string {
  return `${p.urn}::${p.id ?? ""}`;
}

export function trailArn(name: string, region = REGION): string {
  return `arn:aws:cloudtrail:${region}:${ACCOUNT}:trail/${name}`;
}

export function awsTrail(p: ExportResource, name: string, inputs: Record<string, Json> = {}): ExportResource {
  const arn = trailArn(name);
  return {
    urn: urn("aws:cloudtrail/trail:Trail", name),
    custom: true,
    id: arn,
    type: "aws:cloudtrail/trail:Trail",
    inputs: { name, s3BucketName: "logs", isMultiRegionTrail: true, ...inputs },
    outputs: { arn, name, homeRegion: REGION, s3BucketName: "logs", enableLogging: true, id: arn },
    provider: ref(p),
  };
}

export function awsRecorder(p: ExportResource, name: string): ExportResource {
  return {
    urn: urn("aws:cfg/recorder:Recorder", name),
    custom: true,
    id: name,
    type: "aws:cfg/recorder:Recorder",
    inputs: { name, roleArn: `arn:aws:iam::${ACCOUNT}:role/config` },
    outputs: { id: name, name, region: REGION, roleArn: `arn:aws:iam::${ACCOUNT}:role/config` },
    provider: ref(p),
  };
}

export function awsRecorderStatus(p: ExportResource, name: string, isEnabled: boolean): ExportResource {
  return {
    urn: urn("aws:cfg/recorderStatus:RecorderStatus", `${name}-status`),
    custom: true,
    id: name,
    type: "aws:cfg/recorderStatus:RecorderStatus",
    inputs: { name, isEnabled },
    outputs: { id: name, name, isEnabled, region: REGION },
    provider: ref(p),
  };
}

export function aliRecorder(p: ExportResource): ExportResource {
  return {
    urn: urn("alicloud:cfg/configurationRecorder:ConfigurationRecorder", "recorder"),
    custom: true,
    id: "1234567",
    type: "alicloud:cfg/configurationRecorder:ConfigurationRecorder",
    inputs: { resourceTypes: ["ACS::ECS::Instance"] },
    outputs: { id: "1234567", resourceTypes: ["ACS::ECS::Instance"], status: "REGISTERED" },
    provider: ref(p),
  };
}

export function aliTrail(p: ExportResource, name: string, status: string | undefined): ExportResource {
  return {
    urn: urn("alicloud:actiontrail/trail:Trail", name),
    custom: true,
    id: name,
    type: "alicloud:actiontrail/trail:Trail",
    inputs: { trailName: name, trailRegion: "All", eventRw: "All", ...(status ? { status } : {}) },
    outputs: { id: name, trailName: name, regionId: "cn-hangzhou", status: status ?? "Fresh", trailRegion: "All" },
    provider: ref(p),
  };
}

export function stackExport(resources: ExportResource[]): string {
  const stackResource = {
    urn: `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`,
    custom: false,
    type: "pulumi:pulumi:Stack",
  };
  return JSON.stringify({
    version: 3,
    deployment: {
      manifest: { time: "2026-11-30T00:00:00Z", magic: "x", version: "v3.276.0" },
      secrets_providers: { type: "passphrase", state: { salt: "v1:abc" } },
      resources: [stackResource, ...resources],
    },
  });
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  exported: string[];
}

/** Runs the command in this process; `--stack` gets `exportText` from a stand-in for `pulumi stack export`. */
export async function runCli(
  args: string[],
  exportText: string,
  opts: {
    timing?: Partial<Timing>;
    tty?: boolean;
    columns?: number;
    stdin?: string;
    env?: NodeJS.ProcessEnv;
    onInterrupt?: (handler: () => void) => () => void;
    exit?: (code: number) => void;
  } = {},
): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const exported: string[] = [];
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: {
      write: (s: string) => (stderr += s),
      isTTY: opts.tty ?? false,
      ...(opts.columns !== undefined ? { columns: opts.columns } : {}),
    },
    readStdin: () => Promise.resolve(opts.stdin ?? exportText),
    exportStack: (stack) => {
      exported.push(stack);
      return Promise.resolve(exportText);
    },
    timing: { pollIntervalMs: 5, retryBaseMs: 5, waitMs: 10_000, ...opts.timing },
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.onInterrupt ? { onInterrupt: opts.onInterrupt } : {}),
    ...(opts.exit ? { exit: opts.exit } : {}),
  });
  return { code, stdout, stderr, exported };
}
