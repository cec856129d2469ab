// A loopback stand-in for Alibaba Cloud Config (2020-09-07), ActionTrail (2020-07-06) and STS GetCallerIdentity
// and AssumeRole (2015-04-01) that accepts the real clients' requests — openapi-core's (ACS3 signing headers; RPC
// parameters in the query string) and @alicloud/credentials' AssumeRole (signature V1 in the query, the role in
// a form body) — and answers like the services, errors included ({RequestId, HostId, Code, Message, Recommend}).
// STS keys it issues act as the role: their signatures and security tokens are checked, so a call signed with
// them was really signed with the issued secret. @alicloud/credentials calls STS over HTTPS only: put the fake
// behind a TlsFront (./proxy) for AssumeRole.

import { createHash, createHmac } from "node:crypto";
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
  /** Listed destinations: an OSS bucket ("audit-oss" unless set; "" for none) and an SLS project. */
  OssBucketName?: string;
  SlsProjectArn?: string;
}

export const FAKE_ALI_ACCOUNT = "1234567890123456";

export interface AliRequest {
  action: string;
  version: string;
  method: string;
  query: Record<string, string>;
  /** Form body fields (AssumeRole sends RoleArn, RoleSessionName, DurationSeconds there). */
  form: Record<string, string>;
  host: string;
  /** The access key id from the ACS3 Authorization header, else the V1 `AccessKeyId` parameter. */
  accessKeyId: string | undefined;
  securityToken: string | undefined;
  signed: boolean;
}

/** Credentials STS issued for a role (AssumeRole), and to whom. */
export interface AliIssued {
  roleArn: string;
  sessionName: string;
  /** The access key id that signed the AssumeRole request. */
  assumedBy: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

/** The real STS answer to an AssumeRole the caller may not make (HTTP 403). */
export const ALI_ASSUME_ROLE_DENIED = "You are not authorized to do this action. You should be authorized by RAM.";

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
  /** DescribeTrails with IncludeOrganizationTrail=true lists single-account trails too (undocumented either way). */
  organizationListingHasSingleAccount = true;
  /** GetCallerIdentity: access key id → account (`accounts` or `accountsByKey`); any other key is `account`'s. */
  readonly accounts = new Map<string, string>();
  readonly accountsByKey = new Map<string, string>();
  account = FAKE_ALI_ACCOUNT;
  /** Roles STS lets be assumed: role ARN → the access key id it issues (`STS.` + …); any other role is NoPermission. */
  readonly roles = new Map<string, string>();
  /** Credentials STS issued, by access key id. */
  readonly issued = new Map<string, AliIssued>();
  /**
   * Secrets of keys a test handed out (access key id → secret): requests signed with such a key, or with a key
   * this fake issued, must carry a signature made with that secret (else SignatureDoesNotMatch).
   */
  readonly secrets = new Map<string, string>();

  /** Back to a fresh fake: no recorder, trails, accounts, roles, issued or known keys; no fault, no latency. */
  reset(): void {
    this.recorder = undefined;
    this.trails.clear();
    this.orgTrails.clear();
    this.buildingReads = 2;
    this.buildingLeft = undefined;
    this.trailSetups.clear();
    this.organizationListingHasSingleAccount = true;
    this.accounts.clear();
    this.accountsByKey.clear();
    this.account = FAKE_ALI_ACCOUNT;
    this.roles.clear();
    this.issued.clear();
    this.secrets.clear();
    this.requests.length = 0;
    this.fault = undefined;
    this.latencyMs = 0;
  }

  static async start(): Promise<FakeAlibaba> {
    const fake = new FakeAlibaba();
    await fake.listen();
    return fake;
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const rawQuery = (req.url ?? "").split("?")[1] ?? "";
    const query = decodeForm(rawQuery);
    const form = String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")
      ? decodeForm(body)
      : {};
    const auth = String(req.headers["authorization"] ?? "");
    const acs3 = auth.startsWith("ACS3-HMAC-SHA256 ") && typeof req.headers["x-acs-content-sha256"] === "string";
    // Signature V1 (@alicloud/credentials' AssumeRole): every signing parameter in the query.
    const v1 = !acs3 && !!query["Signature"] && query["SignatureMethod"] === "HMAC-SHA1" && !!query["AccessKeyId"];
    const request: AliRequest = {
      action: String(req.headers["x-acs-action"] ?? query["Action"] ?? ""),
      version: String(req.headers["x-acs-version"] ?? query["Version"] ?? ""),
      method: req.method ?? "",
      query,
      form,
      host: String(req.headers["host"] ?? ""),
      accessKeyId: acs3 ? /Credential=([^,]+)/.exec(auth)?.[1] : query["AccessKeyId"],
      securityToken: acs3 ? (req.headers["x-acs-security-token"] as string | undefined) : query["SecurityToken"],
      signed: acs3 || v1,
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
    const key = request.accessKeyId ?? "";
    const issued = this.issued.get(key);
    if (issued && request.securityToken !== issued.securityToken) {
      return this.error(
        res,
        400,
        "InvalidSecurityToken.Mismatch",
        "Specified SecurityToken mismatch with the AccessKey.",
      );
    }
    const secret = issued?.accessKeySecret ?? this.secrets.get(key);
    if (secret !== undefined) {
      const ok = v1 ? v1SignatureMatches(request, rawQuery, secret) : acs3SignatureMatches(req, rawQuery, body, secret);
      if (!ok) {
        return this.error(
          res,
          400,
          "SignatureDoesNotMatch",
          "Specified signature is not matched with our calculation.",
        );
      }
    }
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
        // IncludeOrganizationTrail=false (the default) lists single-account trails only (documented); whether
        // true lists them as well is not documented: `organizationListingHasSingleAccount` plays either reading.
        const withOrg = request.query["IncludeOrganizationTrail"] === "true";
        const listed = [...this.trailSetups].filter(([name]) =>
          this.orgTrails.has(name) ? withOrg : !withOrg || this.organizationListingHasSingleAccount,
        );
        const list = listed.map(([name, t]) => ({
          Name: name,
          HomeRegion: t.HomeRegion,
          TrailRegion: t.TrailRegion ?? "All",
          EventRW: t.EventRW ?? "All",
          Status: t.Status ?? "Enable",
          IsOrganizationTrail: this.orgTrails.has(name),
          OssBucketName: t.OssBucketName ?? "audit-oss",
          ...(t.SlsProjectArn ? { SlsProjectArn: t.SlsProjectArn } : {}),
        }));
        return this.json(res, { RequestId: "r-3", TrailList: list });
      }
      case "GetCallerIdentity@2015-04-01": {
        if (issued) {
          // Keys issued for a role act in the role's account, as the assumed role.
          const account = accountOfRole(issued.roleArn);
          return this.json(res, {
            RequestId: "r-4",
            AccountId: account,
            Arn: `acs:ram::${account}:assumed-role/${roleNameOf(issued.roleArn)}/${issued.sessionName}`,
            IdentityType: "AssumedRoleUser",
            RoleId: "300000000000000001",
            PrincipalId: `300000000000000001:${issued.sessionName}`,
          });
        }
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
      case "AssumeRole@2015-04-01":
        return this.assumeRole(request, res);
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

  /** STS AssumeRole (RPC, JSON): credentials for a role in `roles`, else NoPermission as the service answers. */
  private assumeRole(request: AliRequest, res: http.ServerResponse): void {
    const roleArn = request.form["RoleArn"] ?? request.query["RoleArn"] ?? "";
    const sessionName = request.form["RoleSessionName"] ?? request.query["RoleSessionName"] ?? "";
    const accessKeyId = this.roles.get(roleArn);
    if (!accessKeyId) return this.error(res, 403, "NoPermission", ALI_ASSUME_ROLE_DENIED);
    const duration = Number(request.form["DurationSeconds"] ?? 3600);
    const grant: AliIssued = {
      roleArn,
      sessionName,
      assumedBy: request.accessKeyId ?? "",
      accessKeyId,
      accessKeySecret: `issued-secret-${accessKeyId}`,
      securityToken: `issued-token-${accessKeyId}`,
    };
    this.issued.set(accessKeyId, grant);
    const account = accountOfRole(roleArn);
    return this.json(res, {
      RequestId: "r-5",
      AssumedRoleUser: {
        AssumedRoleId: `300000000000000001:${sessionName}`,
        Arn: `acs:ram::${account}:role/${roleNameOf(roleArn)}/${sessionName}`,
      },
      Credentials: {
        AccessKeyId: grant.accessKeyId,
        AccessKeySecret: grant.accessKeySecret,
        SecurityToken: grant.securityToken,
        Expiration: new Date(Date.now() + (Number.isFinite(duration) ? duration : 3600) * 1000)
          .toISOString()
          .replace(/\.\d{3}Z$/, "Z"),
      },
    });
  }

  /** The role a key acts as, if this fake issued it. */
  roleOf(accessKeyId: string | undefined): string | undefined {
    return this.issued.get(accessKeyId ?? "")?.roleArn;
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

function accountOfRole(roleArn: string): string {
  return /^acs:ram::(\d+):role\//i.exec(roleArn)?.[1] ?? "";
}

function roleNameOf(roleArn: string): string {
  return roleArn.replace(/^acs:ram::\d*:role\//i, "");
}

/** `a=b&c=d` as sent (percent-encoded, `+` never used by these clients), decoded. */
function decodeForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const k = eq < 0 ? pair : pair.slice(0, eq);
    const v = eq < 0 ? "" : pair.slice(eq + 1);
    out[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  return out;
}

/** Alibaba's percent-encoding for signing: encodeURIComponent plus !'()*. */
function percent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Signature V1: base64(HMAC-SHA1(secret + "&", "POST&%2F&" + encode(sorted params))), params = query + form. */
function v1SignatureMatches(request: AliRequest, rawQuery: string, secret: string): boolean {
  const params: Record<string, string> = { ...decodeForm(rawQuery), ...request.form };
  const given = params["Signature"];
  delete params["Signature"];
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${percent(k)}=${percent(params[k] ?? "")}`)
    .join("&");
  const stringToSign = `${request.method}&${percent("/")}&${percent(canonical)}`;
  const expected = createHmac("sha1", `${secret}&`).update(stringToSign).digest("base64");
  return given === expected;
}

/**
 * ACS3-HMAC-SHA256: the canonical request over the signed headers, the sorted query and the payload hash
 * (which must be the body's), hashed and signed with the secret.
 */
function acs3SignatureMatches(req: http.IncomingMessage, rawQuery: string, body: string, secret: string): boolean {
  const auth = String(req.headers["authorization"] ?? "");
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(";") ?? [];
  const given = /Signature=([0-9a-f]+)/.exec(auth)?.[1];
  const payloadHash = String(req.headers["x-acs-content-sha256"] ?? "");
  if (payloadHash !== createHash("sha256").update(body).digest("hex")) return false;
  const query = decodeForm(rawQuery);
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${k}=${percent(query[k] ?? "")}`)
    .join("&");
  const headers = signedHeaders.map((h) => `${h}:${String(req.headers[h] ?? "").trim()}\n`).join("");
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const canonical = [req.method ?? "", path, canonicalQuery, headers, signedHeaders.join(";"), payloadHash].join("\n");
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash("sha256").update(canonical).digest("hex")}`;
  return given === createHmac("sha256", secret).update(stringToSign).digest("hex");
}
