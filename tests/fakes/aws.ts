// A loopback stand-in for AWS Config, CloudTrail and STS that speaks the real wire protocols (JSON 1.1
// and awsQuery), so the real SDK v3 clients can be tested end to end: signing region, targets, errors.

import type http from "node:http";
import { serviceModel, validateJson, validateQuery, validationMessage, type Violation } from "./aws-model";
import { LoopbackFake, sleep } from "./loopback";
import { MODEL_VIOLATIONS, RECORDED_REQUESTS } from "./registry";

export interface RecorderState {
  recording?: boolean;
  lastStatus?: string;
  lastErrorCode?: string;
  lastErrorMessage?: string;
  lastStartTime?: number; // epoch seconds
  lastStopTime?: number;
  lastStatusChangeTime?: number;
}
export interface TrailState {
  IsLogging?: boolean;
  LatestDeliveryError?: string;
  LatestDigestDeliveryError?: string;
  LatestNotificationError?: string;
  LatestCloudWatchLogsDeliveryError?: string;
  LatestDeliveryTime?: number; // epoch seconds
  LatestCloudWatchLogsDeliveryTime?: number;
  StartLoggingTime?: number;
  StopLoggingTime?: number;
}

/** How a trail is set up, for DescribeTrails and GetEventSelectors (its status stays in `trails`). */
export interface TrailSetup {
  isMultiRegion?: boolean;
  isOrganizationTrail?: boolean;
  /** As the API returns them (PascalCase); absent: one classic selector, all management events. */
  eventSelectors?: Record<string, unknown>[];
  advancedEventSelectors?: Record<string, unknown>[];
  /** Listed as CloudWatchLogsLogGroupArn: the trail delivers to CloudWatch Logs too. */
  cloudWatchLogsLogGroupArn?: string;
}

/** How a recorder is set up, for DescribeConfigurationRecorders and ListConfigurationRecorders. */
export interface RecorderSetup {
  /** As the API returns it; absent: all supported types, global types included. */
  recordingGroup?: Record<string, unknown>;
  /** Set for a service-linked recorder. */
  servicePrincipal?: string;
  recordingScope?: "INTERNAL" | "PAID";
  /** A service-linked recorder of a third-party cloud's resources (ConfigurationRecorderSummary `provider`). */
  provider?: "AZURE" | "GCP";
}

export const FAKE_ACCOUNT = "123456789012";

export interface AwsRequest {
  service: "config" | "cloudtrail" | "sts" | "unknown";
  action: string;
  /** Region from the SigV4 credential scope: where the SDK signed the call for. */
  region: string | undefined;
  accessKeyId: string | undefined;
  sessionToken: string | undefined;
  body: Record<string, unknown>;
  attempt: string | undefined;
  /** The X-Amz-Target prefix as sent (JSON services): the short or the long (model's targetPrefix) form. */
  targetPrefix?: string;
  /** What the service's official model refuses in this request (empty when it is valid). */
  violations: Violation[];
}

/** What a fault hook can make the server do instead of (or before) answering normally. */
export type Fault =
  | { kind: "reply"; status: number; body: string; contentType?: string; headers?: Record<string, string> }
  | { kind: "error"; status: number; code: string; message: string }
  | { kind: "hang" }
  | { kind: "cut" }
  /** Sends the status line, headers and the first part of `body`, then drops the connection. */
  | { kind: "truncate"; status: number; body: string; keep: number }
  | { kind: "delay"; ms: number };

export type FaultHook = (req: AwsRequest) => Fault | undefined;

export class FakeAws extends LoopbackFake<AwsRequest, Fault> {
  /** Recorders by "region/name". */
  readonly recorders = new Map<string, RecorderState>();
  /** Trails by ARN; a trail answers by ARN anywhere, by bare name only in its home region. */
  readonly trails = new Map<string, TrailState>();
  /** Roles STS will assume: role ARN → issued access key id. */
  readonly roles = new Map<string, string>();
  /** Roles STS will assume for a web identity token: role ARN → the token it takes and the key it issues. */
  readonly webIdentityRoles = new Map<string, { token: string; key: string }>();
  /** GetCallerIdentity for keys no role issued: access key id → account; others answer `defaultAccount`. */
  readonly accounts = new Map<string, string>();
  defaultAccount = FAKE_ACCOUNT;
  /** Trail setups by ARN; a trail in `trails` without one is single-region, recording all management events. */
  readonly trailSetups = new Map<string, TrailSetup>();
  /** ListConfigurationRecorders page size (the API's own is up to MaxResults). */
  recorderPageSize = 100;
  /** Recorder setups by "region/name"; a recorder in `recorders` without one is customer-managed, recording everything. */
  readonly recorderSetups = new Map<string, RecorderSetup>();
  /**
   * Set by a test that sends an invalid request on purpose: its violations are answered as AWS answers them
   * but kept out of the suite-wide MODEL_VIOLATIONS, which fails the run.
   */
  expectModelViolations = false;
  /**
   * Opt-in Regions the account has not enabled: AWS refuses every call signed for one as if the key were bad
   * (STS: InvalidClientTokenId, HTTP 403; JSON services: UnrecognizedClientException, HTTP 400).
   */
  readonly disabledRegions = new Set<string>();

  static async start(): Promise<FakeAws> {
    // The official models, loaded (installed on a cold cache) before the first request: a missing model fails
    // here, by name, not as a bare 500 from the request handler.
    for (const service of ["config", "cloudtrail", "sts"]) serviceModel(service);
    const fake = new FakeAws();
    await fake.listen();
    return fake;
  }

  /** Forgets all state, requests and faults, so one server can serve several tests. */
  reset(): void {
    this.recorders.clear();
    this.trails.clear();
    this.roles.clear();
    this.webIdentityRoles.clear();
    this.accounts.clear();
    this.defaultAccount = FAKE_ACCOUNT;
    this.trailSetups.clear();
    this.recorderSetups.clear();
    this.recorderPageSize = 100;
    this.expectModelViolations = false;
    this.disabledRegions.clear();
    this.requests.length = 0;
    this.fault = undefined;
    this.latencyMs = 0;
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const request = parse(req, raw);
    this.requests.push(request);
    RECORDED_REQUESTS.push({
      cloud: "aws",
      action: request.action,
      service: request.service,
      ...(this.permitWrites.has(`${request.service}:${request.action}`) ? { permittedWrite: true } : {}),
    });
    if (request.region && this.disabledRegions.has(request.region)) {
      const message = "The security token included in the request is invalid.";
      if (request.service === "sts") return this.stsError(res, 403, "InvalidClientTokenId", message);
      return this.error(res, 400, "UnrecognizedClientException", message);
    }
    // The service checks a request against its model before anything else happens to it.
    if (request.violations.length > 0) {
      const message = validationMessage(request.violations);
      if (!this.expectModelViolations) {
        MODEL_VIOLATIONS.push({ cloud: "aws", service: request.service, action: request.action, message });
      }
      if (request.service === "sts") return this.stsError(res, 400, "ValidationError", message);
      // A value of the wrong type never reaches validation: the JSON deserializer refuses it.
      if (request.violations.some((v) => v.serialization)) {
        return this.error(res, 400, "SerializationException", message, "Message");
      }
      return this.error(res, 400, "ValidationException", message);
    }
    const fault = this.fault?.(request);
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (fault?.kind === "delay") await sleep(fault.ms);
    if (fault?.kind === "hang") return; // never answers; the client must give up by itself
    if (fault?.kind === "cut") {
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "content-length": "200" });
      res.write('{"IsLogging": tr');
      res.destroy();
      return;
    }
    if (fault?.kind === "truncate") {
      res.writeHead(fault.status, {
        "content-type": "application/x-amz-json-1.1",
        "content-length": String(Buffer.byteLength(fault.body)),
        "x-amzn-requestid": "fake-truncated-id",
      });
      // Flushed before the drop, so the client has a response in hand when the body breaks off.
      res.write(fault.body.slice(0, fault.keep), () => res.destroy());
      return;
    }
    if (fault?.kind === "reply") {
      res.writeHead(fault.status, {
        "content-type": fault.contentType ?? "application/x-amz-json-1.1",
        ...fault.headers,
      });
      res.end(fault.body);
      return;
    }
    if (fault?.kind === "error") {
      if (request.service === "sts") return this.stsError(res, fault.status, fault.code, fault.message);
      return this.error(res, fault.status, fault.code, fault.message);
    }
    switch (`${request.service}.${request.action}`) {
      case "config.DescribeConfigurationRecorderStatus":
        return this.describeRecorderStatus(request, res);
      case "cloudtrail.GetTrailStatus":
        return this.getTrailStatus(request, res);
      case "sts.AssumeRole":
        return this.assumeRole(request, res);
      case "config.StartConfigurationRecorder":
        return this.startRecorder(request, res);
      case "cloudtrail.StartLogging":
        return this.startLogging(request, res);
      case "sts.AssumeRoleWithWebIdentity":
        return this.assumeRoleWithWebIdentity(request, res);
      case "sts.GetCallerIdentity":
        return this.getCallerIdentity(request, res);
      case "cloudtrail.DescribeTrails":
        return this.describeTrails(request, res);
      case "cloudtrail.GetEventSelectors":
        return this.getEventSelectors(request, res);
      case "config.DescribeConfigurationRecorders":
        return this.describeRecorders(request, res);
      case "config.ListConfigurationRecorders":
        return this.listRecorders(request, res);
      default:
        return this.error(res, 400, "UnknownOperationException", `unsupported: ${request.service}.${request.action}`);
    }
  }

  /** The account the request's signing key belongs to. */
  accountOf(r: AwsRequest): string {
    return this.identityOf(r.accessKeyId).account;
  }

  /** Recorders of the called region, "region/name" keys with their setup, service-linked ones included. */
  private recordersIn(region: string | undefined): { name: string; state: RecorderState; setup: RecorderSetup }[] {
    const out: { name: string; state: RecorderState; setup: RecorderSetup }[] = [];
    for (const [key, state] of this.recorders) {
      const [r, name] = key.split("/");
      if (r === region && name) out.push({ name, state, setup: this.recorderSetups.get(key) ?? {} });
    }
    return out;
  }

  private recorderArn(r: AwsRequest, name: string): string {
    return `arn:aws:config:${r.region}:${this.accountOf(r)}:config-recorder/${name}/abc`;
  }

  /**
   * Without a selector, only the customer-managed recorder; with Arn, that recorder; with ServicePrincipal, that
   * AWS service's ("only supported for Amazon Web Services service principals. For third-party service-linked
   * configuration recorders, use Arn instead": botocore config/2014-11-12), so never a third-party recorder.
   */
  private selectRecorders(r: AwsRequest): { name: string; state: RecorderState; setup: RecorderSetup }[] {
    const arn = r.body["Arn"];
    const principal = r.body["ServicePrincipal"];
    return this.recordersIn(r.region).filter((x) => {
      if (typeof arn === "string") return this.recorderArn(r, x.name) === arn;
      if (typeof principal === "string") return x.setup.servicePrincipal === principal && !x.setup.provider;
      return !x.setup.servicePrincipal;
    });
  }

  private describeRecorders(r: AwsRequest, res: http.ServerResponse): void {
    const list = this.selectRecorders(r).map((x) => ({
      arn: this.recorderArn(r, x.name),
      name: x.name,
      roleARN: `arn:aws:iam::${this.accountOf(r)}:role/config`,
      recordingGroup: x.setup.recordingGroup ?? {
        allSupported: true,
        includeGlobalResourceTypes: true,
        resourceTypes: [],
        exclusionByResourceTypes: { resourceTypes: [] },
        recordingStrategy: { useOnly: "ALL_SUPPORTED_RESOURCE_TYPES" },
      },
      recordingMode: { recordingFrequency: "CONTINUOUS" },
      ...(x.setup.servicePrincipal
        ? { servicePrincipal: x.setup.servicePrincipal, recordingScope: x.setup.recordingScope ?? "INTERNAL" }
        : {}),
    }));
    this.json(res, { ConfigurationRecorders: list });
  }

  private listRecorders(r: AwsRequest, res: http.ServerResponse): void {
    const list = this.recordersIn(r.region).map((x) => ({
      arn: this.recorderArn(r, x.name),
      name: x.name,
      ...(x.setup.servicePrincipal ? { servicePrincipal: x.setup.servicePrincipal } : {}),
      recordingScope: x.setup.servicePrincipal ? (x.setup.recordingScope ?? "INTERNAL") : "PAID",
      ...(x.setup.provider ? { provider: x.setup.provider } : {}),
    }));
    // Pages of at most MaxResults (and of `recorderPageSize`), continued by an opaque NextToken, as the API does.
    const size = Math.min(Number(r.body["MaxResults"] ?? 20) || 20, this.recorderPageSize);
    const start = r.body["NextToken"] === undefined ? 0 : Number(String(r.body["NextToken"]).replace(/^page-/, ""));
    const page = list.slice(start, start + size);
    const next = start + size < list.length ? { NextToken: `page-${start + size}` } : {};
    this.json(res, { ConfigurationRecorderSummaries: page, ...next });
  }

  /** Trails listed in the called region: homed there, or multi-region (shadow); the caller's own or organization trails. */
  private describeTrails(r: AwsRequest, res: http.ServerResponse): void {
    const account = this.accountOf(r);
    const shadows = r.body["includeShadowTrails"] !== false;
    const list = [];
    for (const arn of this.trails.keys()) {
      const [, , , home, owner, resource] = arn.split(":");
      const setup = this.trailSetups.get(arn) ?? {};
      if (owner !== account && !setup.isOrganizationTrail) continue;
      if (home !== r.region && !(shadows && setup.isMultiRegion)) continue;
      list.push({
        Name: (resource ?? "").replace(/^trail\//, ""),
        TrailARN: arn,
        HomeRegion: home,
        IsMultiRegionTrail: setup.isMultiRegion === true,
        IsOrganizationTrail: setup.isOrganizationTrail === true,
        S3BucketName: "audit-logs",
        IncludeGlobalServiceEvents: true,
        LogFileValidationEnabled: true,
        HasCustomEventSelectors: setup.eventSelectors !== undefined || setup.advancedEventSelectors !== undefined,
        ...(setup.cloudWatchLogsLogGroupArn ? { CloudWatchLogsLogGroupArn: setup.cloudWatchLogsLogGroupArn } : {}),
      });
    }
    this.json(res, { trailList: list });
  }

  private getEventSelectors(r: AwsRequest, res: http.ServerResponse): void {
    const arn = String(r.body["TrailName"] ?? "");
    // Only the trail's own account may read its selectors: a member account asking about an organization trail
    // is told the trail is unknown "for the user" (elastic/cloudbeat#1750, turbot/steampipe-plugin-aws#577).
    if (!this.trails.has(arn) || arn.split(":")[4] !== this.accountOf(r)) {
      return this.error(
        res,
        400,
        "TrailNotFoundException",
        `Unknown trail: ${arn} for the user: ${this.accountOf(r)}`,
        "Message",
      );
    }
    const setup = this.trailSetups.get(arn) ?? {};
    const advanced = setup.advancedEventSelectors;
    this.json(res, {
      TrailARN: arn,
      ...(advanced
        ? { AdvancedEventSelectors: advanced }
        : {
            EventSelectors: setup.eventSelectors ?? [
              {
                ReadWriteType: "All",
                IncludeManagementEvents: true,
                DataResources: [],
                ExcludeManagementEventSources: [],
              },
            ],
          }),
    });
  }

  private describeRecorderStatus(r: AwsRequest, res: http.ServerResponse): void {
    const names = r.body["ConfigurationRecorderNames"];
    if (!Array.isArray(names) || names.length === 0) {
      const list = this.selectRecorders(r).map((x) => ({
        name: x.name,
        arn: this.recorderArn(r, x.name),
        ...(x.setup.servicePrincipal ? { servicePrincipal: x.setup.servicePrincipal } : {}),
        ...x.state,
      }));
      return this.json(res, { ConfigurationRecordersStatus: list });
    }
    if (Array.isArray(names) && names.length > 1) {
      return this.error(res, 400, "ValidationException", "You have specified more than one configuration recorder.");
    }
    const name = Array.isArray(names) ? String(names[0]) : undefined;
    const state = name ? this.recorders.get(`${r.region}/${name}`) : undefined;
    if (name && !state) {
      return this.error(
        res,
        400,
        "NoSuchConfigurationRecorderException",
        `Cannot find configuration recorder with the specified name '${name}'.`,
      );
    }
    const list = state
      ? [{ name, arn: `arn:aws:config:${r.region}:123456789012:config-recorder/${name}/abc`, ...state }]
      : [];
    this.json(res, { ConfigurationRecordersStatus: list });
  }

  private getTrailStatus(r: AwsRequest, res: http.ServerResponse): void {
    const id = String(r.body["Name"] ?? "");
    if (id.length < 3) return this.error(res, 400, "InvalidTrailNameException", "Trail name too short.");
    let state = this.trails.get(id);
    if (!state && !id.startsWith("arn:")) {
      // A bare name resolves only against trails whose home region is the called region.
      for (const [arn, s] of this.trails) {
        const [, , , region, , resource] = arn.split(":");
        if (region === r.region && resource === `trail/${id}`) state = s;
      }
    }
    if (!state) {
      return this.error(
        res,
        400,
        "TrailNotFoundException",
        `Unknown trail: ${id} for the user: 123456789012`,
        "Message",
      );
    }
    this.json(res, state);
  }

  /** Starting a recorder makes it record at once, PENDING until its first delivery. */
  private startRecorder(r: AwsRequest, res: http.ServerResponse): void {
    const name = String(r.body["ConfigurationRecorderName"] ?? "");
    const state = this.recorders.get(`${r.region}/${name}`);
    if (!state) {
      return this.error(
        res,
        400,
        "NoSuchConfigurationRecorderException",
        `Cannot find configuration recorder with the specified name '${name}'.`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    Object.assign(state, { recording: true, lastStatus: "PENDING", lastStartTime: now, lastStatusChangeTime: now });
    this.json(res, {});
  }

  private startLogging(r: AwsRequest, res: http.ServerResponse): void {
    const id = String(r.body["Name"] ?? "");
    const state = this.trails.get(id);
    if (!state) {
      return this.error(
        res,
        400,
        "TrailNotFoundException",
        `Unknown trail: ${id} for the user: 123456789012`,
        "Message",
      );
    }
    Object.assign(state, { IsLogging: true, StartLoggingTime: Math.floor(Date.now() / 1000) });
    this.json(res, {});
  }

  private assumeRole(r: AwsRequest, res: http.ServerResponse): void {
    const roleArn = String(r.body["RoleArn"] ?? "");
    const key = this.roles.get(roleArn);
    if (!key) {
      res.writeHead(403, { "content-type": "text/xml" });
      res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
          `<Message>not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
      );
      return;
    }
    // Keys issued for a role act in the role's account.
    const roleAccount = roleArn.split(":")[4];
    if (roleAccount && !this.accounts.has(key)) this.accounts.set(key, roleAccount);
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
        `<AccessKeyId>${key}</AccessKeyId><SecretAccessKey>assumed-secret-${key}</SecretAccessKey>` +
        `<SessionToken>assumed-token-${key}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>AROA:auditguard</AssumedRoleId><Arn>${roleArn}/auditguard</Arn></AssumedRoleUser>` +
        `</AssumeRoleResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  }

  private assumeRoleWithWebIdentity(r: AwsRequest, res: http.ServerResponse): void {
    const roleArn = String(r.body["RoleArn"] ?? "");
    const role = this.webIdentityRoles.get(roleArn);
    if (!role || role.token !== r.body["WebIdentityToken"]) {
      return this.stsError(
        res,
        403,
        "AccessDenied",
        `Not authorized to perform sts:AssumeRoleWithWebIdentity on resource: ${roleArn}`,
      );
    }
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    const session = String(r.body["RoleSessionName"] ?? "web");
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(
      `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>` +
        `<Credentials><AccessKeyId>${role.key}</AccessKeyId><SecretAccessKey>web-secret-${role.key}</SecretAccessKey>` +
        `<SessionToken>web-token-${role.key}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `<SubjectFromWebIdentityToken>system:serviceaccount:ci:deployer</SubjectFromWebIdentityToken>` +
        `<AssumedRoleUser><AssumedRoleId>AROAWEB:${session}</AssumedRoleId><Arn>${roleArn}/${session}</Arn></AssumedRoleUser>` +
        `<Provider>oidc.example</Provider><Audience>sts.amazonaws.com</Audience></AssumeRoleWithWebIdentityResult>` +
        `<ResponseMetadata><RequestId>r-3</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
    );
  }

  /** The account and ARN behind an access key: the role that issued it, else `accounts`, else the default. */
  identityOf(accessKeyId: string | undefined): { account: string; arn: string } {
    const issuedBy =
      [...this.roles].find(([, key]) => key === accessKeyId)?.[0] ??
      [...this.webIdentityRoles].find(([, w]) => w.key === accessKeyId)?.[0];
    if (issuedBy) {
      const [, , , , account = "", resource = ""] = issuedBy.split(":");
      return { account, arn: `arn:aws:sts::${account}:assumed-role/${resource.replace(/^role\//, "")}/auditguard` };
    }
    const account = this.accounts.get(accessKeyId ?? "") ?? this.defaultAccount;
    return { account, arn: `arn:aws:iam::${account}:user/fake-user` };
  }

  private getCallerIdentity(r: AwsRequest, res: http.ServerResponse): void {
    const { account, arn } = this.identityOf(r.accessKeyId);
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(
      `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
        `<Arn>${arn}</Arn><UserId>AIDAFAKE</UserId><Account>${account}</Account></GetCallerIdentityResult>` +
        `<ResponseMetadata><RequestId>r-4</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  }

  private stsError(res: http.ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { "content-type": "text/xml" });
    res.end(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code>` +
        `<Message>${message}</Message></Error><RequestId>r-5</RequestId></ErrorResponse>`,
    );
  }

  private json(res: http.ServerResponse, body: unknown): void {
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "fake-request-id" });
    res.end(JSON.stringify(body));
  }

  private error(res: http.ServerResponse, status: number, code: string, message: string, messageKey = "message"): void {
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "fake-error-id" });
    res.end(JSON.stringify({ __type: code, [messageKey]: message }));
  }
}

/** The JSON services' X-Amz-Target prefixes: the model's targetPrefix and its last part (what the SDK v3 sends). */
function targetOf(header: string): { service: "config" | "cloudtrail"; prefix: string; action: string } | undefined {
  for (const service of ["config", "cloudtrail"] as const) {
    const full = serviceModel(service).metadata.targetPrefix ?? "";
    for (const prefix of new Set([full, full.split(".").pop() ?? full])) {
      if (prefix && header.startsWith(`${prefix}.`))
        return { service, prefix, action: header.slice(prefix.length + 1) };
    }
  }
  return undefined;
}

function parse(req: http.IncomingMessage, raw: string): AwsRequest {
  const auth = String(req.headers["authorization"] ?? "");
  const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  const target = targetOf(String(req.headers["x-amz-target"] ?? ""));
  let service: AwsRequest["service"] = "unknown";
  let action = "";
  let body: Record<string, unknown> = {};
  let violations: Violation[] = [];
  if (target) {
    service = target.service;
    action = target.action;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw || "{}");
    } catch {
      parsed = undefined;
    }
    body = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as typeof body) : {};
    const model = serviceModel(service);
    if (model.operations[action]) {
      violations =
        parsed === undefined
          ? [{ path: "(body)", value: "", constraint: "Malformed JSON", serialization: true }]
          : validateJson(model, action, parsed);
    }
  } else {
    const form = new URLSearchParams(raw);
    if (form.get("Action")) {
      service = "sts";
      action = form.get("Action") ?? "";
      body = Object.fromEntries(form.entries());
      const model = serviceModel("sts");
      if (model.operations[action]) violations = validateQuery(model, action, form);
    }
  }
  return {
    service,
    action,
    region: scope?.[2],
    accessKeyId: scope?.[1],
    sessionToken: req.headers["x-amz-security-token"] as string | undefined,
    body,
    attempt: req.headers["amz-sdk-request"] as string | undefined,
    ...(target ? { targetPrefix: target.prefix } : {}),
    violations,
  };
}
