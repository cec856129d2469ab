// A loopback stand-in for Alibaba Cloud Config (2020-09-07), ActionTrail (2020-07-06) and STS GetCallerIdentity
// (2015-04-01) that accepts the
// real openapi-core client's requests (ACS3 signing headers; RPC parameters in the query string) and
// answers like the services, errors included ({RequestId, HostId, Code, Message, Recommend}).

import type http from "node:http";
import { LoopbackFake, sleep } from "./loopback";
import { aliServiceOf, RECORDED_REQUESTS } from "./registry";

export interface AliRecorderState {
  ConfigurationRecorderStatus?: string;
  ResourceTypes?: string[] | string;
}
export interface AliTrailState {
  IsLogging?: boolean | string;
  LatestDeliveryError?: string;
  LatestDeliveryLogServiceError?: string;
  LatestDeliveryTime?: string;
  LatestDeliveryLogServiceTime?: string;
  StartLoggingTime?: string;
  StopLoggingTime?: string;
  OssBucketStatus?: boolean;
  SlsLogStoreStatus?: boolean;
}

/** How a trail is set up, for DescribeTrails (its status stays in `trails`). */
export interface AliTrailSetup {
  HomeRegion: string;
  TrailRegion?: string;
  EventRW?: string;
  Status?: string;
}

export const FAKE_ALI_ACCOUNT = "1234567890123456";

export interface AliRequest {
  action: string;
  version: string;
  method: string;
  query: Record<string, string>;
  host: string;
  /** The access key id from the ACS3 Authorization header. */
  accessKeyId: string | undefined;
  securityToken: string | undefined;
  signed: boolean;
}

export type AliFault =
  | { kind: "reply"; status: number; body: string; contentType?: string }
  | { kind: "error"; status: number; code: string; message: string }
  | { kind: "hang" }
  | { kind: "cut" }
  | { kind: "delay"; ms: number };

export class FakeAlibaba extends LoopbackFake<AliRequest, AliFault> {
  /** The account's Config recorder; undefined = never enabled (AccountNotExisted-like). */
  recorder: AliRecorderState | undefined;
  /** Trails by name (organization trails by name too; `orgTrails` says which need IsOrganizationTrail). */
  readonly trails = new Map<string, AliTrailState>();
  readonly orgTrails = new Set<string>();
  /**
   * Cloud Config's recorder after StartConfigurationRecorder: BUILDING for this many GetConfigurationRecorder
   * reads, then REGISTERED (the service's REGISTRABLE → BUILDING → REGISTERED, counted in reads, not time).
   */
  buildingReads = 2;
  private buildingLeft: number | undefined;
  /** DescribeTrails: trail setups by name. Every endpoint is this one server, so every region lists them all. */
  readonly trailSetups = new Map<string, AliTrailSetup>();
  /** GetCallerIdentity: access key id → account (`accounts` or `accountsByKey`); any other key is `account`'s. */
  readonly accounts = new Map<string, string>();
  readonly accountsByKey = new Map<string, string>();
  account = FAKE_ALI_ACCOUNT;

  static async start(): Promise<FakeAlibaba> {
    const fake = new FakeAlibaba();
    await fake.listen();
    return fake;
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for await (const chunk of req) void chunk; // drain the (empty) body
    const url = new URL(req.url ?? "/", "http://fake");
    const auth = String(req.headers["authorization"] ?? "");
    const request: AliRequest = {
      action: String(req.headers["x-acs-action"] ?? url.searchParams.get("Action") ?? ""),
      version: String(req.headers["x-acs-version"] ?? url.searchParams.get("Version") ?? ""),
      method: req.method ?? "",
      query: Object.fromEntries(url.searchParams.entries()),
      host: String(req.headers["host"] ?? ""),
      accessKeyId: /Credential=([^,]+)/.exec(auth)?.[1],
      securityToken: req.headers["x-acs-security-token"] as string | undefined,
      signed: auth.startsWith("ACS3-HMAC-SHA256 ") && typeof req.headers["x-acs-content-sha256"] === "string",
    };
    this.requests.push(request);
    const service = aliServiceOf(request.version);
    RECORDED_REQUESTS.push({
      cloud: "alicloud",
      action: request.action,
      service,
      ...(this.permitWrites.has(`${service}:${request.action}`) ? { permittedWrite: true } : {}),
    });
    const fault = this.fault?.(request);
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (fault?.kind === "delay") await sleep(fault.ms);
    if (fault?.kind === "hang") return;
    if (fault?.kind === "cut") {
      res.writeHead(200, { "content-type": "application/json;charset=utf-8", "content-length": "300" });
      res.write('{"RequestId":"r-cut","IsLog');
      res.destroy();
      return;
    }
    if (fault?.kind === "reply") {
      res.writeHead(fault.status, { "content-type": fault.contentType ?? "application/json;charset=utf-8" });
      res.end(fault.body);
      return;
    }
    if (fault?.kind === "error") return this.error(res, fault.status, fault.code, fault.message);
    if (!request.signed) return this.error(res, 400, "MissingSignature", "The request is not signed.");
    switch (`${request.action}@${request.version}`) {
      case "GetConfigurationRecorder@2020-09-07":
        if (!this.recorder) return this.error(res, 404, "AccountNotExisted", "Your account does not exist.");
        if (this.buildingLeft !== undefined && this.recorder.ConfigurationRecorderStatus === "BUILDING") {
          if (this.buildingLeft <= 0) {
            this.recorder.ConfigurationRecorderStatus = "REGISTERED";
            this.buildingLeft = undefined;
          } else this.buildingLeft--;
        }
        return this.json(res, { RequestId: "r-1", ConfigurationRecorder: this.recorder });
      case "StartConfigurationRecorder@2020-09-07": {
        const rec = (this.recorder ??= { ConfigurationRecorderStatus: "REGISTRABLE" });
        if (rec.ConfigurationRecorderStatus === "REGISTRABLE") {
          rec.ConfigurationRecorderStatus = "BUILDING";
          this.buildingLeft = this.buildingReads;
        }
        return this.json(res, { RequestId: "r-3", ConfigurationRecorder: rec });
      }
      case "StartLogging@2020-07-06": {
        const name = request.query["Name"] ?? "";
        const state = this.trails.get(name);
        if (!state)
          return this.error(res, 404, "TrailNotFoundException", `The specified trail ${name} does not exist.`);
        Object.assign(state, { IsLogging: true, StartLoggingTime: new Date().toISOString() });
        return this.json(res, { RequestId: "r-4" });
      }
      case "DescribeTrails@2020-07-06": {
        const list = [...this.trailSetups].map(([name, t]) => ({
          Name: name,
          HomeRegion: t.HomeRegion,
          TrailRegion: t.TrailRegion ?? "All",
          EventRW: t.EventRW ?? "All",
          Status: t.Status ?? "Enable",
          IsOrganizationTrail: this.orgTrails.has(name),
          OssBucketName: "audit-oss",
        }));
        return this.json(res, { RequestId: "r-3", TrailList: list });
      }
      case "GetCallerIdentity@2015-04-01": {
        const key = request.accessKeyId ?? "";
        const account = this.accountsByKey.get(key) ?? this.accounts.get(key) ?? this.account;
        return this.json(res, {
          RequestId: "r-4",
          AccountId: account,
          Arn: `acs:ram::${account}:user/auditguard`,
          IdentityType: "RAMUser",
          UserId: "2000000000000001",
          PrincipalId: "2000000000000001",
        });
      }
      case "GetTrailStatus@2020-07-06": {
        const name = request.query["Name"] ?? "";
        const state = this.trails.get(name);
        const wantsOrg = request.query["IsOrganizationTrail"] === "true";
        if (!state || this.orgTrails.has(name) !== wantsOrg) {
          return this.error(res, 404, "TrailNotFoundException", `The specified trail ${name} does not exist.`);
        }
        return this.json(res, { RequestId: "r-2", ...state });
      }
      default:
        return this.error(
          res,
          400,
          "InvalidAction.NotFound",
          `Specified api is not found: ${request.action}@${request.version}`,
        );
    }
  }

  private json(res: http.ServerResponse, body: unknown): void {
    res.writeHead(200, { "content-type": "application/json;charset=utf-8" });
    res.end(JSON.stringify(body));
  }

  private error(res: http.ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { "content-type": "application/json;charset=utf-8" });
    res.end(
      JSON.stringify({
        RequestId: "fake-ali-request",
        HostId: "fake.aliyuncs.com",
        Code: code,
        Message: message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${code}`,
      }),
    );
  }
}
