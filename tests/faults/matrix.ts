// The fault matrix (issue 4): every live API × every way a call can go wrong, run through the WHOLE
// pack over the Analyzer protocol against the loopback fakes. Each case puts the resource under test
// (the "subject") in a stack next to healthy resources of the other three kinds (the "bystanders"),
// injects one fault aimed only at the subject, and reads back what the pack reported.
//
// The matrix is data (MATRIX: api × case → injection, expected outcome); runCase runs one cell through a
// shared pack process. Used by tests/faults.spec.ts (assertions) and bench/faults.ts (the generated docs/faults.md).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FAILURE_TEXT, type FailureReason } from "../../lib/live/outcome";
import { type AliFault, type AliRequest, FakeAlibaba } from "../fakes/alibaba";
import { type AwsRequest, type Fault, FakeAws } from "../fakes/aws";
import {
  AnalyzerHarness,
  type Diagnostic,
  type PolicyOverride,
  type Props,
  type ProviderRef,
  providerResource,
  resource,
  type ResourceSpec,
  stackResource,
} from "../harness/analyzer";
import {
  ACCOUNT,
  aliEndpoints,
  aliProvider,
  aliRecorder,
  aliTrail,
  AWS_REGION,
  ALI_REGION,
  awsDeliveryChannel,
  awsEndpoints,
  awsProvider,
  awsRecorder,
  awsRecorderStatus,
  awsTrail,
  awsTrailArn,
  coverageOff,
} from "../harness/fixtures";
import { closedPortUrl } from "../support";

// ---- fixed values of the fixtures ---------------------------------------------------------------

// Distinct keys tell the subject's requests from the bystanders' (the Alibaba Config recorder has no name).
const BYSTANDER_AWS_KEY = "AKIAFMBYSTANDER00001";
const SUBJECT_AWS_KEY = "AKIAFMSUBJECT0000001";
const BYSTANDER_ALI_KEY = "LTAI5tFMBYSTANDER";
const SUBJECT_ALI_KEY = "LTAI5tFMSUBJECT00";

/** The account the Alibaba fake's STS answers for any key it does not know. */
const ALI_ACCOUNT = "1234567890123456";

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const iso = (offsetSeconds: number): string => new Date(Date.now() + offsetSeconds * 1000).toISOString();

// ---- the four APIs -------------------------------------------------------------------------------

/** A per-resource live check's API: the subject is a declared recorder or trail. */
export type ResourceApiId = "aws-config" | "aws-cloudtrail" | "alicloud-config" | "alicloud-actiontrail";
/** An account-coverage action: the subject is the (account, region) one stack deploys into. */
export type CoverageApiId =
  | "aws-sts"
  | "aws-describe-trails"
  | "aws-event-selectors"
  | "aws-describe-recorders"
  | "aws-list-recorders"
  | "alicloud-sts"
  | "alicloud-describe-trails";
export type ApiId = ResourceApiId | CoverageApiId;

export interface ApiInfo {
  id: ApiId;
  cloud: "aws" | "alicloud";
  /** For tables: "AWS Config DescribeConfigurationRecorderStatus". */
  title: string;
  action: string;
  permission: string;
  /** The live policy that judges this API's observations (and whose timeoutSeconds governs it). */
  policy: string;
  /**
   * Coverage rows only: the provider `endpoints` key of the action's service (endpoint faults aim there,
   * every other service stays at the fake). Only `policy` is switched on in such a cell.
   */
  endpointKey?: string;
}

export const LIVE_VERIFICATION = "auditguard-live-verification";

export const APIS: readonly ApiInfo[] = [
  {
    id: "aws-config",
    cloud: "aws",
    title: "AWS Config DescribeConfigurationRecorderStatus",
    action: "DescribeConfigurationRecorderStatus",
    permission: "config:DescribeConfigurationRecorderStatus",
    policy: "aws-config-recorder-recording",
  },
  {
    id: "aws-cloudtrail",
    cloud: "aws",
    title: "AWS CloudTrail GetTrailStatus",
    action: "GetTrailStatus",
    permission: "cloudtrail:GetTrailStatus",
    policy: "aws-cloudtrail-trail-logging",
  },
  {
    id: "alicloud-config",
    cloud: "alicloud",
    title: "Alibaba Cloud Config GetConfigurationRecorder",
    action: "GetConfigurationRecorder",
    permission: "config:GetConfigurationRecorder",
    policy: "alicloud-config-recorder-recording",
  },
  {
    id: "alicloud-actiontrail",
    cloud: "alicloud",
    title: "Alibaba Cloud ActionTrail GetTrailStatus",
    action: "GetTrailStatus",
    permission: "actiontrail:GetTrailStatus",
    policy: "alicloud-actiontrail-trail-logging",
  },
];

const AWS_TRAIL_COVERAGE = "aws-cloudtrail-account-coverage";
const AWS_CONFIG_COVERAGE = "aws-config-account-coverage";
const ALI_TRAIL_COVERAGE = "alicloud-actiontrail-account-coverage";

/**
 * The account-coverage actions. STS rows switch on the trail coverage policy only (both coverage policies
 * of a cloud share the one identity call; one policy keeps one diagnostic per cell). Calls the coverage
 * policies share with the per-resource checks (GetTrailStatus, DescribeConfigurationRecorderStatus,
 * GetConfigurationRecorder) are the per-resource rows above.
 */
export const COVERAGE_APIS: readonly ApiInfo[] = [
  {
    id: "aws-sts",
    cloud: "aws",
    title: "AWS STS GetCallerIdentity (coverage)",
    action: "GetCallerIdentity",
    permission: "sts:GetCallerIdentity (needs no IAM permission)",
    policy: AWS_TRAIL_COVERAGE,
    endpointKey: "sts",
  },
  {
    id: "aws-describe-trails",
    cloud: "aws",
    title: "AWS CloudTrail DescribeTrails (coverage)",
    action: "DescribeTrails",
    permission: "cloudtrail:DescribeTrails",
    policy: AWS_TRAIL_COVERAGE,
    endpointKey: "cloudtrail",
  },
  {
    id: "aws-event-selectors",
    cloud: "aws",
    title: "AWS CloudTrail GetEventSelectors (coverage)",
    action: "GetEventSelectors",
    permission: "cloudtrail:GetEventSelectors",
    policy: AWS_TRAIL_COVERAGE,
    endpointKey: "cloudtrail",
  },
  {
    id: "aws-describe-recorders",
    cloud: "aws",
    title: "AWS Config DescribeConfigurationRecorders (coverage)",
    action: "DescribeConfigurationRecorders",
    permission: "config:DescribeConfigurationRecorders",
    policy: AWS_CONFIG_COVERAGE,
    endpointKey: "configservice",
  },
  {
    id: "aws-list-recorders",
    cloud: "aws",
    title: "AWS Config ListConfigurationRecorders (coverage)",
    action: "ListConfigurationRecorders",
    permission: "config:ListConfigurationRecorders",
    policy: AWS_CONFIG_COVERAGE,
    endpointKey: "configservice",
  },
  {
    id: "alicloud-sts",
    cloud: "alicloud",
    title: "Alibaba Cloud STS GetCallerIdentity (coverage)",
    action: "GetCallerIdentity",
    permission: "sts:GetCallerIdentity (needs no RAM permission)",
    policy: ALI_TRAIL_COVERAGE,
    endpointKey: "sts",
  },
  {
    id: "alicloud-describe-trails",
    cloud: "alicloud",
    title: "Alibaba Cloud ActionTrail DescribeTrails (coverage)",
    action: "DescribeTrails",
    permission: "actiontrail:DescribeTrails",
    policy: ALI_TRAIL_COVERAGE,
    endpointKey: "actiontrail",
  },
];

const isCoverage = (api: ApiInfo): boolean => api.endpointKey !== undefined;
const isResourceApi = (id: ApiId): id is ResourceApiId => APIS.some((a) => a.id === id);

export function apiInfo(id: ApiId): ApiInfo {
  const api = [...APIS, ...COVERAGE_APIS].find((a) => a.id === id);
  if (!api) throw new Error(`unknown api ${id}`);
  return api;
}

// ---- what a case injects and what it expects ------------------------------------------------------

/**
 * How the subject's call is made to fail. Fault hooks get the subject's attempt number (1-based) and
 * only ever see the subject's requests; bystanders are answered normally.
 */
export type Injection =
  | { kind: "none" }
  | { kind: "aws-fault"; fault: (attempt: number) => Fault | undefined }
  | { kind: "ali-fault"; fault: (attempt: number) => AliFault | undefined }
  /** The subject's provider points its endpoint here; "refused" is a loopback port nobody listens on. */
  | { kind: "endpoint"; url: "refused" | string }
  /** The subject's provider declares no credentials, and the pack's default chain finds none. */
  | { kind: "no-credentials" };

export type CaseOutcome = "pass" | "violation" | FailureReason;

export interface Expectation {
  outcome: CaseOutcome;
  /** Requests of the subject the fake must see: an exact count or an inclusive range. */
  attempts: number | { min: number; max: number };
  /** Must appear in the diagnostic (an error code, a field name, a detail). */
  mentions?: readonly string[];
}

export type CaseId =
  | "baseline"
  | "connection-refused"
  | "never-answers"
  | "cut-mid-body"
  | "http-500-json"
  | "http-500-no-json"
  | "http-502-json"
  | "http-502-no-json"
  | "http-503-json"
  | "http-503-no-json"
  | "throttled-always"
  | "throttled-once"
  | "access-denied"
  | "expired-credentials"
  | "no-credentials"
  | "missing-fields"
  | "wrong-types"
  | "unknown-error-code"
  | "malformed-endpoint";

export interface Cell {
  api: ApiId;
  case: CaseId;
  /** One line: what the fault is. */
  title: string;
  injection: Injection;
  /** The subject policy's timeoutSeconds for this case (sent via Configure). */
  timeoutSeconds: number;
  expected: Expectation;
}

const DEFAULT_TIMEOUT_SECONDS = 10;
const HTML_5XX = (status: number): string =>
  `<html><head><title>${status}</title></head><body><h1>${status} from the load balancer</h1></body></html>`;

const awsError = (status: number, code: string, message: string): Fault => ({ kind: "error", status, code, message });
const aliError = (status: number, code: string, message: string): AliFault => ({
  kind: "error",
  status,
  code,
  message,
});
const aws = (fault: (attempt: number) => Fault | undefined): Injection => ({ kind: "aws-fault", fault });
const ali = (fault: (attempt: number) => AliFault | undefined): Injection => ({ kind: "ali-fault", fault });
const always =
  <F>(f: F) =>
  (): F =>
    f;
const json200 = (body: unknown): { kind: "reply"; status: 200; body: string } => ({
  kind: "reply",
  status: 200,
  body: JSON.stringify(body),
});

/** The subject's healthy reply body per API, for the cut-off and malformed variants. */
function healthyBody(api: ResourceApiId, s: SubjectIds): Record<string, unknown> {
  const t = nowSeconds();
  switch (api) {
    case "aws-config":
      return {
        ConfigurationRecordersStatus: [
          { name: s.awsRecorder, recording: true, lastStatus: "SUCCESS", lastStatusChangeTime: t - 600 },
        ],
      };
    case "aws-cloudtrail":
      return { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 };
    case "alicloud-config":
      return { RequestId: "r-fm", ConfigurationRecorder: { ConfigurationRecorderStatus: "REGISTERED" } };
    case "alicloud-actiontrail":
      return { RequestId: "r-fm", IsLogging: true, LatestDeliveryTime: iso(-300) };
  }
}

/** Names the fault hooks need before the stack exists: the matrix fixes them per cell. */
export interface SubjectIds {
  awsRecorder: string;
  awsTrail: string;
  aliTrail: string;
}

type Builder = (
  api: ApiInfo,
  ids: SubjectIds,
) => { injection: Injection; expected: Expectation; timeoutSeconds?: number };

const byCloud = (api: ApiInfo, onAws: () => Injection, onAli: () => Injection): Injection =>
  api.cloud === "aws" ? onAws() : onAli();

function serverError(status: 500 | 502 | 503, withJson: boolean): Builder {
  const awsCode = { 500: "InternalFailure", 502: "BadGateway", 503: "ServiceUnavailableException" }[status];
  const aliCode = { 500: "InternalError", 502: "BadGateway", 503: "ServiceUnavailable" }[status];
  return (api) => {
    if (withJson) {
      return {
        injection: byCloud(
          api,
          () => aws(always(awsError(status, awsCode, `${awsCode} (fault matrix)`))),
          () => ali(always(aliError(status, aliCode, `${aliCode} (fault matrix)`))),
        ),
        expected: {
          outcome: "service-error",
          attempts: 3,
          mentions: [api.cloud === "aws" ? awsCode : aliCode, `HTTP ${status}`],
        },
      };
    }
    const reply = { kind: "reply" as const, status, body: HTML_5XX(status), contentType: "text/html" };
    return {
      injection: byCloud(
        api,
        () => aws(always(reply)),
        () => ali(always(reply)),
      ),
      // openapi-core parses an error body as JSON before it looks at the status: not retried, malformed.
      expected:
        api.cloud === "aws"
          ? { outcome: "service-error", attempts: 3, mentions: [`HTTP ${status}`] }
          : { outcome: "malformed-reply", attempts: 1 },
    };
  };
}

/**
 * `appliesTo` leaves a case out for APIs where it aims at nothing: credentials are resolved once, before
 * the identity call, so "no credentials" is a row of the STS actions only; the reply-shape cases judge
 * the per-resource adapters' status fields (the coverage adapters' reply shapes: tests/coverage-adapters.spec.ts).
 */
const CASES: readonly { id: CaseId; title: string; build: Builder; appliesTo?: (api: ApiInfo) => boolean }[] = [
  {
    id: "baseline",
    title: "no fault (control)",
    build: () => ({ injection: { kind: "none" }, expected: { outcome: "pass", attempts: 1 } }),
  },
  {
    id: "connection-refused",
    title: "connection refused (nothing listens on the endpoint port)",
    // A service endpoint refuses its first call: GetEventSelectors and ListConfigurationRecorders come after
    // DescribeTrails and DescribeConfigurationRecorders on the same endpoint, whose rows have this case.
    appliesTo: (api) => api.id !== "aws-event-selectors" && api.id !== "aws-list-recorders",
    build: () => ({
      injection: { kind: "endpoint", url: "refused" },
      expected: { outcome: "endpoint-error", attempts: 0, mentions: ["ECONNREFUSED"] },
    }),
  },
  {
    id: "never-answers",
    title: "server accepts and never answers (timeoutSeconds 1)",
    build: (api) => ({
      injection: byCloud(
        api,
        () => aws(always({ kind: "hang" })),
        () => ali(always({ kind: "hang" })),
      ),
      expected: { outcome: "timeout", attempts: 1 },
      timeoutSeconds: 1,
    }),
  },
  {
    id: "cut-mid-body",
    title: "200 reply cut off mid-body",
    build: (api, ids) => {
      // Cut off halfway, the content does not matter for a coverage action; a reply-shaped body all the same.
      const body = JSON.stringify(
        isResourceApi(api.id) ? healthyBody(api.id, ids) : { RequestId: "r-fm", trailList: [] },
      );
      return {
        injection: byCloud(
          api,
          () => aws(always({ kind: "truncate", status: 200, body, keep: Math.floor(body.length / 2) })),
          () => ali(always({ kind: "cut" })),
        ),
        expected: { outcome: "endpoint-error", attempts: 3, mentions: ["ECONNRESET"] },
      };
    },
  },
  { id: "http-500-json", title: "HTTP 500 with a JSON error body", build: serverError(500, true) },
  { id: "http-500-no-json", title: "HTTP 500 with an HTML body", build: serverError(500, false) },
  { id: "http-502-json", title: "HTTP 502 with a JSON error body", build: serverError(502, true) },
  { id: "http-502-no-json", title: "HTTP 502 with an HTML body", build: serverError(502, false) },
  { id: "http-503-json", title: "HTTP 503 with a JSON error body", build: serverError(503, true) },
  { id: "http-503-no-json", title: "HTTP 503 with an HTML body", build: serverError(503, false) },
  {
    id: "throttled-always",
    title: "throttled on every attempt",
    build: (api) => ({
      injection: byCloud(
        api,
        () => aws(always(awsError(400, "ThrottlingException", "Rate exceeded"))),
        () => ali(always(aliError(400, "Throttling.User", "Request was denied due to user flow control."))),
      ),
      expected: {
        outcome: "throttled",
        attempts: 3,
        mentions: [api.cloud === "aws" ? "ThrottlingException" : "Throttling.User"],
      },
    }),
  },
  {
    id: "throttled-once",
    title: "throttled on the first attempt only",
    build: (api) => ({
      injection: byCloud(
        api,
        () => aws((n) => (n === 1 ? awsError(400, "ThrottlingException", "Rate exceeded") : undefined)),
        () =>
          ali((n) =>
            n === 1 ? aliError(400, "Throttling.User", "Request was denied due to user flow control.") : undefined,
          ),
      ),
      expected: { outcome: "pass", attempts: 2 },
    }),
  },
  {
    id: "access-denied",
    title: "access denied",
    build: (api) => ({
      injection: byCloud(
        api,
        () =>
          aws(
            always(
              awsError(
                400,
                "AccessDeniedException",
                `User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ${api.permission}`,
              ),
            ),
          ),
        () => ali(always(aliError(403, "NoPermission", `You are not authorized to do this action: ${api.permission}`))),
      ),
      expected: {
        outcome: "access-denied",
        attempts: 1,
        mentions: [api.cloud === "aws" ? "AccessDeniedException" : "NoPermission"],
      },
    }),
  },
  {
    id: "expired-credentials",
    title: "expired credentials",
    build: (api) => ({
      injection: byCloud(
        api,
        () =>
          aws(always(awsError(400, "ExpiredTokenException", "The security token included in the request is expired"))),
        () => ali(always(aliError(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired."))),
      ),
      expected: {
        outcome: "invalid-credentials",
        attempts: 1,
        mentions: [api.cloud === "aws" ? "ExpiredTokenException" : "InvalidSecurityToken.Expired"],
      },
    }),
  },
  {
    id: "no-credentials",
    title: "no credentials anywhere (provider and default chain)",
    build: () => ({ injection: { kind: "no-credentials" }, expected: { outcome: "no-credentials", attempts: 0 } }),
    // Without credentials the coverage check stops at its first call, GetCallerIdentity: AWS when the default
    // chain finds none, Alibaba already at plan time (the provider has no credential source), naming that call.
    appliesTo: (api) => !isCoverage(api) || api.endpointKey === "sts",
  },
  {
    id: "missing-fields",
    title: "200 reply without the status field",
    appliesTo: (api) => !isCoverage(api),
    build: (api, ids) => {
      const t = nowSeconds();
      const body: Record<ResourceApiId, unknown> = {
        "aws-config": { ConfigurationRecordersStatus: [{ name: ids.awsRecorder, lastStatusChangeTime: t - 600 }] },
        "aws-cloudtrail": { LatestDeliveryTime: t - 300 },
        "alicloud-config": { RequestId: "r-fm", ConfigurationRecorder: { ResourceTypes: [] } },
        "alicloud-actiontrail": { RequestId: "r-fm", LatestDeliveryTime: iso(-300) },
      };
      if (!isResourceApi(api.id)) throw new Error(`no status field in ${api.id}`);
      const reply = json200(body[api.id]);
      const field: Record<ResourceApiId, string> = {
        "aws-config": "recording",
        "aws-cloudtrail": "IsLogging",
        "alicloud-config": "ConfigurationRecorderStatus",
        "alicloud-actiontrail": "IsLogging",
      };
      return {
        injection: byCloud(
          api,
          () => aws(always(reply)),
          () => ali(always(reply)),
        ),
        expected: { outcome: "malformed-reply", attempts: 1, mentions: [field[api.id]] },
      };
    },
  },
  {
    id: "wrong-types",
    title: "200 reply with wrongly typed fields",
    appliesTo: (api) => !isCoverage(api),
    build: (api, ids) => {
      if (!isResourceApi(api.id)) throw new Error(`no status field in ${api.id}`);
      const body: Record<ResourceApiId, unknown> = {
        "aws-config": { ConfigurationRecordersStatus: [{ name: ids.awsRecorder, recording: "yes", lastStatus: 7 }] },
        "aws-cloudtrail": { IsLogging: "yes", LatestDeliveryTime: "yesterday" },
        "alicloud-config": {
          RequestId: "r-fm",
          ConfigurationRecorder: { ConfigurationRecorderStatus: 42, ResourceTypes: {} },
        },
        "alicloud-actiontrail": { RequestId: "r-fm", IsLogging: 5, LatestDeliveryTime: { at: "now" } },
      };
      const reply = json200(body[api.id]);
      return {
        injection: byCloud(
          api,
          () => aws(always(reply)),
          () => ali(always(reply)),
        ),
        expected: { outcome: "malformed-reply", attempts: 1 },
      };
    },
  },
  {
    id: "unknown-error-code",
    title: "an error code nobody knows",
    build: (api) => ({
      injection: byCloud(
        api,
        () => aws(always(awsError(400, "BrandNewFancyException", "something new happened"))),
        () => ali(always(aliError(400, "Some.Brand.NewCode", "something new happened"))),
      ),
      expected: {
        outcome: "unexpected-error",
        attempts: 1,
        mentions: [api.cloud === "aws" ? "BrandNewFancyException" : "Some.Brand.NewCode", "something new happened"],
      },
    }),
  },
  {
    id: "malformed-endpoint",
    title: "malformed endpoint URL in the provider (port 99999)",
    // Coverage decides a malformed endpoint at plan time, before any call: "the call target could not be
    // determined" for the (account, region), naming no action of this row.
    appliesTo: (api) => !isCoverage(api),
    build: () => ({
      injection: { kind: "endpoint", url: "http://127.0.0.1:99999" },
      expected: { outcome: "bad-target", attempts: 0, mentions: ["endpoint"] },
    }),
  },
];

/** Unique, stable subject names per cell: a case never sees another case's state. */
export function subjectIds(api: ApiId, c: CaseId): SubjectIds {
  const slug = `${api}-${c}`;
  return {
    awsRecorder: `fm-rec-${slug}`,
    awsTrail: `fm-trail-${slug}`,
    aliTrail: `fm-trail-${slug}`,
  };
}

/** The matrix: every API × every case that applies to it, in table order (coverage rows last). */
export const MATRIX: readonly Cell[] = [...APIS, ...COVERAGE_APIS].flatMap((api) =>
  CASES.filter((c) => c.appliesTo?.(api) ?? true).map((c): Cell => {
    const built = c.build(api, subjectIds(api.id, c.id));
    return {
      api: api.id,
      case: c.id,
      title: c.title,
      injection: built.injection,
      timeoutSeconds: built.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      expected: built.expected,
    };
  }),
);

// ---- the stack -----------------------------------------------------------------------------------

function keyedAwsProvider(name: string, endpoint: string, keys: boolean, extra: Props = {}): ProviderRef {
  return awsProvider(name, endpoint, {
    ...extra,
    skipCredentialsValidation: true,
    ...(keys
      ? {
          accessKey: name.startsWith("fm-subject") ? SUBJECT_AWS_KEY : BYSTANDER_AWS_KEY,
          secretKey: "fm-aws-secret-0000",
          token: "fm-aws-session-token",
        }
      : {}),
  });
}

function keyedAliProvider(name: string, endpoint: string, keys: boolean, extra: Props = {}): ProviderRef {
  return aliProvider(name, endpoint, {
    ...extra,
    ...(keys
      ? {
          accessKey: name.startsWith("fm-subject") ? SUBJECT_ALI_KEY : BYSTANDER_ALI_KEY,
          secretKey: "fm-ali-secret-0000",
          securityToken: "fm-ali-security-token",
        }
      : {}),
  });
}

/** What one API's resource looks like in the stack: its primary resource and its companions. */
interface Placed {
  api: ApiId;
  /** The resource the live check is about (diagnostics land here). */
  urn: string;
  /** Every resource of this part, companions (recorder status, delivery channel) included. */
  urns: string[];
  resources: ResourceSpec[];
  /** Identity in the diagnostic: recorder name, trail ARN or name, "account <id>". */
  target: string;
  region: string;
  /** Is this request a call of this part's check? */
  owns: (req: AwsRequest | AliRequest) => boolean;
}

function placeAwsRecorder(name: string, provider: ProviderRef): Placed {
  const rec = awsRecorder(name, { provider });
  const status = awsRecorderStatus(name, { provider });
  const channel = awsDeliveryChannel(name, { provider });
  return {
    api: "aws-config",
    urn: rec.urn,
    urns: [rec.urn, status.urn, channel.urn],
    resources: [rec, status, channel],
    target: name,
    region: AWS_REGION,
    owns: (req) => {
      if (!("service" in req) || req.action !== "DescribeConfigurationRecorderStatus") return false;
      const names = req.body["ConfigurationRecorderNames"];
      return Array.isArray(names) && names[0] === name;
    },
  };
}

function placeAwsTrail(name: string, provider: ProviderRef): Placed {
  const arn = awsTrailArn(name);
  const tr = awsTrail(name, { provider });
  return {
    api: "aws-cloudtrail",
    urn: tr.urn,
    urns: [tr.urn],
    resources: [tr],
    target: arn,
    region: AWS_REGION,
    owns: (req) => "service" in req && req.action === "GetTrailStatus" && req.body["Name"] === arn,
  };
}

function placeAliRecorder(name: string, provider: ProviderRef, accessKeyId: string | undefined): Placed {
  const rec = aliRecorder(name, { provider });
  return {
    api: "alicloud-config",
    urn: rec.urn,
    urns: [rec.urn],
    resources: [rec],
    target: "account 1234567890123456",
    region: ALI_REGION,
    // One recorder per account and no name in the request: the signing key says whose call it is.
    owns: (req) =>
      !("service" in req) &&
      req.action === "GetConfigurationRecorder" &&
      (accessKeyId ? req.accessKeyId === accessKeyId : req.accessKeyId !== BYSTANDER_ALI_KEY),
  };
}

function placeAliTrail(name: string, provider: ProviderRef): Placed {
  const tr = aliTrail(name, { provider });
  return {
    api: "alicloud-actiontrail",
    urn: tr.urn,
    urns: [tr.urn],
    resources: [tr],
    target: name,
    region: ALI_REGION,
    owns: (req) => !("service" in req) && req.action === "GetTrailStatus" && req.query["Name"] === name,
  };
}

// ---- running a case ------------------------------------------------------------------------------

/** One pack process, both fakes, and what the pack was last configured with. */
export interface FaultEnv {
  harness: AnalyzerHarness;
  aws: FakeAws;
  ali: FakeAlibaba;
  /** A loopback URL nothing listens on. */
  refusedUrl: string;
  home: string;
  configured: string;
}

/**
 * The pack's environment: no credentials of any kind (any AWS_/ALIBABA_ variables the caller has are
 * blanked), no instance metadata, no CLI profiles, an empty HOME. Bystanders carry provider keys.
 */
export function packEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of Object.keys(process.env)) {
    if (/^(AWS_|ALIBABA_CLOUD_|ALICLOUD_)/.test(k)) env[k] = "";
  }
  return Object.assign(env, {
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_CONFIG_FILE: path.join(home, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "aws-credentials"),
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true",
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: "true",
    ALIBABA_CLOUD_CREDENTIALS_FILE: path.join(home, "alibaba-credentials"),
    HOME: home,
  });
}

/** Starts both fakes and one pack process (in preview), and warms it up with one healthy analysis. */
export async function startFaultEnv(): Promise<FaultEnv> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-faults-"));
  const awsFake = await FakeAws.start();
  const aliFake = await FakeAlibaba.start();
  try {
    const harness = await AnalyzerHarness.start({ dryRun: true, env: packEnv(home), policies: coverageOff() });
    const env: FaultEnv = {
      harness,
      aws: awsFake,
      ali: aliFake,
      refusedUrl: await closedPortUrl(),
      home,
      configured: JSON.stringify(coverageOff()),
    };
    // Loads both SDKs in the pack before any case is timed.
    const warm = await runCase(env, { ...baselineOf("aws-config"), case: "baseline" });
    if (warm.outcome !== "pass" || !warm.bystandersIntact) {
      await stopFaultEnv(env);
      throw new Error(`warm-up analysis was not clean: ${JSON.stringify(warm)}`);
    }
    return env;
  } catch (e) {
    await awsFake.close();
    await aliFake.close();
    throw e;
  }
}

function baselineOf(api: ApiId): Cell {
  const cell = MATRIX.find((c) => c.api === api && c.case === "baseline");
  if (!cell) throw new Error("no baseline cell");
  return cell;
}

export async function stopFaultEnv(env: FaultEnv): Promise<void> {
  await env.harness.close();
  await env.aws.close();
  await env.ali.close();
  fs.rmSync(env.home, { recursive: true, force: true });
}

/** FakeAlibaba has no reset(): forget state, requests and faults by hand. */
function resetAli(fake: FakeAlibaba): void {
  fake.recorder = undefined;
  fake.trails.clear();
  fake.orgTrails.clear();
  fake.trailSetups.clear();
  fake.accounts.clear();
  fake.requests.length = 0;
  fake.fault = undefined;
  fake.latencyMs = 0;
}

export interface CaseResult {
  api: ApiId;
  case: CaseId;
  title: string;
  /** What the pack reported for the subject: nothing, a violation, or the reason of its live-verification diagnostic. */
  outcome: CaseOutcome | "mixed" | "unrecognised" | "grpc-error";
  /** The subject's diagnostic messages, joined (empty for a pass). */
  message: string;
  subjectDiagnostics: Diagnostic[];
  /** Diagnostics on neither the subject nor a bystander (must be none). */
  strayDiagnostics: Diagnostic[];
  elapsedMs: number;
  /** Requests of the subject's check the fake saw. */
  attempts: number;
  bystandersIntact: boolean;
  /** Why bystanders are not intact, if they are not. */
  bystanderProblems: string[];
  timeoutSeconds: number;
  grpcError?: string;
  /** `target`: the name in quotes in a per-resource diagnostic; for a coverage row, text the diagnostic contains. */
  subject: { urn: string; target: string; region: string };
}

/** Runs one cell through the shared pack: one AnalyzeStack over subject + three healthy bystanders. */
export async function runCase(env: FaultEnv, cell: Cell): Promise<CaseResult> {
  const api = apiInfo(cell.api);
  env.aws.reset();
  resetAli(env.ali);
  if (isCoverage(api)) return runCoverageCase(env, cell, api);

  // Configure only when this case needs a different config than the last one (a Configure is cheap, but
  // the engine sends it once; resending each time would not be what the pack sees in real life).
  // Coverage off: each cell counts the per-resource check's requests (coverage cells: tests/coverage-*.spec.ts).
  const overrides: Record<string, PolicyOverride> = {
    ...coverageOff(),
    ...(cell.timeoutSeconds === DEFAULT_TIMEOUT_SECONDS
      ? {}
      : { [api.policy]: { timeoutSeconds: cell.timeoutSeconds } }),
  };
  await configureOnce(env, overrides);

  // Bystanders: one healthy resource of each other kind, on providers that point at the fakes.
  const ids = subjectIds(cell.api, cell.case);
  const slug = `${cell.api}-${cell.case}`;
  const byAws = keyedAwsProvider(`fm-bystander-aws-${slug}`, env.aws.url, true);
  const byAli = keyedAliProvider(`fm-bystander-ali-${slug}`, env.ali.url, true);

  // The subject's provider: its own, so endpoint and credential faults touch nothing else.
  const inj = cell.injection;
  const keys = inj.kind !== "no-credentials";
  const fakeUrl = api.cloud === "aws" ? env.aws.url : env.ali.url;
  const endpoint = inj.kind === "endpoint" ? (inj.url === "refused" ? env.refusedUrl : inj.url) : fakeUrl;
  const subjectProvider =
    api.cloud === "aws"
      ? keyedAwsProvider(`fm-subject-${slug}`, endpoint, keys)
      : keyedAliProvider(`fm-subject-${slug}`, endpoint, keys);

  const place = (id: ApiId, subject: boolean): Placed => {
    const p = subject ? subjectProvider : id.startsWith("aws") ? byAws : byAli;
    const who = subject ? "subject" : "bystander";
    switch (id) {
      case "aws-config":
        return placeAwsRecorder(subject ? ids.awsRecorder : `fm-rec-${who}-${slug}`, p);
      case "aws-cloudtrail":
        return placeAwsTrail(subject ? ids.awsTrail : `fm-trail-${who}-${slug}`, p);
      case "alicloud-config":
        return placeAliRecorder(`fm-ali-rec-${who}-${slug}`, p, subject ? undefined : BYSTANDER_ALI_KEY);
      case "alicloud-actiontrail":
        return placeAliTrail(subject ? ids.aliTrail : `fm-trail-${who}-${slug}`, p);
      default:
        throw new Error(`${id} is a coverage row`);
    }
  };
  const subject = place(cell.api, true);
  const bystanders = APIS.filter((a) => a.id !== cell.api).map((a) => place(a.id, false));

  // Every resource answers healthily unless the fault hook says otherwise.
  const t = nowSeconds();
  for (const part of [subject, ...bystanders]) {
    if (part.api === "aws-config") {
      env.aws.recorders.set(`${AWS_REGION}/${part.target}`, {
        recording: true,
        lastStatus: "SUCCESS",
        lastStartTime: t - 86_400,
        lastStatusChangeTime: t - 600,
      });
    } else if (part.api === "aws-cloudtrail") {
      env.aws.trails.set(part.target, { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 });
    } else if (part.api === "alicloud-config") {
      env.ali.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
    } else {
      env.ali.trails.set(part.target, {
        IsLogging: true,
        StartLoggingTime: iso(-86_400),
        LatestDeliveryTime: iso(-300),
      });
    }
  }

  // Fault hooks see only the subject's requests, numbered from 1.
  let n = 0;
  if (inj.kind === "aws-fault") env.aws.fault = (req) => (subject.owns(req) ? inj.fault(++n) : undefined);
  if (inj.kind === "ali-fault") env.ali.fault = (req) => (subject.owns(req) ? inj.fault(++n) : undefined);

  const resources: ResourceSpec[] = [
    stackResource(),
    providerResource(byAws),
    providerResource(byAli),
    providerResource(subjectProvider),
    ...subject.resources,
    ...bystanders.flatMap((b) => b.resources),
  ];

  const started = process.hrtime.bigint();
  let diagnostics: Diagnostic[] = [];
  let grpcError: string | undefined;
  try {
    diagnostics = (await env.harness.analyzeStack(resources)).diagnostics;
  } catch (e) {
    grpcError = e instanceof Error ? e.message : String(e);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;

  const requests: (AwsRequest | AliRequest)[] = [...env.aws.requests, ...env.ali.requests];
  const attempts = requests.filter((r) => subject.owns(r)).length;

  const subjectDiagnostics = diagnostics.filter((d) => d.urn === subject.urn);
  const bystanderUrns = new Set(bystanders.flatMap((b) => b.urns));
  const strayDiagnostics = diagnostics.filter((d) => d.urn !== subject.urn && !bystanderUrns.has(d.urn));
  const bystanderProblems: string[] = [];
  for (const b of bystanders) {
    for (const d of diagnostics.filter((x) => b.urns.includes(x.urn))) {
      bystanderProblems.push(`${b.api}: ${d.policyName}: ${d.message}`);
    }
    const calls = requests.filter((r) => b.owns(r)).length;
    if (calls !== 1) bystanderProblems.push(`${b.api}: asked ${calls} times, expected once`);
  }

  return {
    api: cell.api,
    case: cell.case,
    title: cell.title,
    outcome: grpcError ? "grpc-error" : outcomeOf(api, subjectDiagnostics),
    message: subjectDiagnostics.map((d) => d.message).join("\n"),
    subjectDiagnostics,
    strayDiagnostics,
    elapsedMs,
    attempts,
    bystandersIntact: bystanderProblems.length === 0,
    bystanderProblems,
    timeoutSeconds: cell.timeoutSeconds,
    ...(grpcError ? { grpcError } : {}),
    subject: { urn: subject.urn, target: subject.target, region: subject.region },
  };
}

async function configureOnce(env: FaultEnv, overrides: Record<string, PolicyOverride>): Promise<void> {
  const key = JSON.stringify(overrides);
  if (env.configured !== key) {
    await env.harness.configure(overrides);
    env.configured = key;
  }
}

const COVERAGE_TRAIL = "fm-coverage-trail";

/**
 * A coverage cell: an application stack (one provider, one bucket) whose coverage checks land on one
 * (account, region) at the fakes, the account recorded and its trail logging, only `api.policy` on, and
 * the fault aimed at every request of `api.action` (they are all the subject's: one credential set, one
 * region). Diagnostics land on the stack (no URN); there are no bystanders.
 */
async function runCoverageCase(env: FaultEnv, cell: Cell, api: ApiInfo): Promise<CaseResult> {
  const overrides: Record<string, PolicyOverride> = {
    ...coverageOff(),
    [api.policy]:
      cell.timeoutSeconds === DEFAULT_TIMEOUT_SECONDS ? "advisory" : { timeoutSeconds: cell.timeoutSeconds },
  };
  await configureOnce(env, overrides);

  const inj = cell.injection;
  const keys = inj.kind !== "no-credentials";
  const fakeUrl = api.cloud === "aws" ? env.aws.url : env.ali.url;
  const faulty = inj.kind === "endpoint" ? (inj.url === "refused" ? env.refusedUrl : inj.url) : fakeUrl;
  const slug = `${cell.api}-${cell.case}`;
  const t = nowSeconds();
  let provider: ProviderRef;
  let app: ResourceSpec;
  if (api.cloud === "aws") {
    const endpoints = { ...awsEndpoints(fakeUrl)[0], [api.endpointKey ?? ""]: faulty };
    provider = keyedAwsProvider(`fm-subject-${slug}`, fakeUrl, keys, { endpoints: [endpoints] });
    app = resource("aws:s3/bucketV2:BucketV2", `fm-app-${slug}`, { id: `fm-app-${slug}` }, { provider });
    const arn = awsTrailArn(COVERAGE_TRAIL);
    env.aws.trails.set(arn, { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 });
    env.aws.trailSetups.set(arn, { isMultiRegion: true });
    env.aws.recorders.set(`${AWS_REGION}/default`, {
      recording: true,
      lastStatus: "SUCCESS",
      lastStartTime: t - 86_400,
      lastStatusChangeTime: t - 600,
    });
  } else {
    const endpoints = { ...aliEndpoints(fakeUrl)[0], [api.endpointKey ?? ""]: faulty };
    provider = keyedAliProvider(`fm-subject-${slug}`, fakeUrl, keys, { endpoints: [endpoints] });
    app = resource("alicloud:oss/bucket:Bucket", `fm-app-${slug}`, { id: `fm-app-${slug}` }, { provider });
    env.ali.trails.set(COVERAGE_TRAIL, { IsLogging: true, StartLoggingTime: iso(-86_400) });
    env.ali.trailSetups.set(COVERAGE_TRAIL, { HomeRegion: ALI_REGION });
    env.ali.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: [] };
  }

  const owns = (req: AwsRequest | AliRequest): boolean =>
    ("service" in req ? api.cloud === "aws" : api.cloud === "alicloud") && req.action === api.action;
  let n = 0;
  if (inj.kind === "aws-fault") env.aws.fault = (req) => (owns(req) ? inj.fault(++n) : undefined);
  if (inj.kind === "ali-fault") env.ali.fault = (req) => (owns(req) ? inj.fault(++n) : undefined);

  const started = process.hrtime.bigint();
  let diagnostics: Diagnostic[] = [];
  let grpcError: string | undefined;
  try {
    diagnostics = (await env.harness.analyzeStack([stackResource(), providerResource(provider), app])).diagnostics;
  } catch (e) {
    grpcError = e instanceof Error ? e.message : String(e);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const requests: (AwsRequest | AliRequest)[] = [...env.aws.requests, ...env.ali.requests];
  const subjectDiagnostics = diagnostics.filter((d) => d.urn === "");
  return {
    api: cell.api,
    case: cell.case,
    title: cell.title,
    outcome: grpcError ? "grpc-error" : outcomeOf(api, subjectDiagnostics),
    message: subjectDiagnostics.map((d) => d.message).join("\n"),
    subjectDiagnostics,
    strayDiagnostics: diagnostics.filter((d) => d.urn !== ""),
    elapsedMs,
    attempts: requests.filter(owns).length,
    bystandersIntact: true,
    bystanderProblems: [],
    timeoutSeconds: cell.timeoutSeconds,
    ...(grpcError ? { grpcError } : {}),
    // The identity call has no account yet; every later call names the account it covers. An Alibaba provider
    // without any credential source is decided at plan time and named by the resource it was reached through.
    subject: {
      urn: "",
      target:
        inj.kind === "no-credentials" && api.cloud === "alicloud"
          ? `'account coverage (via ${app.urn})'`
          : api.endpointKey === "sts"
            ? "'caller identity'"
            : `account ${api.cloud === "aws" ? ACCOUNT : ALI_ACCOUNT}`,
      region: api.cloud === "aws" ? AWS_REGION : ALI_REGION,
    },
  };
}

/** The failure reason a live-verification message states (its FAILURE_TEXT), if any. */
export function reasonIn(message: string): FailureReason | undefined {
  const reasons = Object.keys(FAILURE_TEXT) as FailureReason[];
  return reasons.find((r) => message.includes(`: ${FAILURE_TEXT[r]} calling `));
}

function outcomeOf(api: ApiInfo, ds: readonly Diagnostic[]): CaseResult["outcome"] {
  if (ds.length === 0) return "pass";
  if (ds.every((d) => d.policyName === api.policy)) return "violation";
  const [only] = ds;
  if (ds.length === 1 && only && only.policyName === LIVE_VERIFICATION) return reasonIn(only.message) ?? "unrecognised";
  return "mixed";
}
