// A Pulumi Cloud API on loopback for the real `pulumi` CLI (`pulumi login http://127.0.0.1:<port>`): enough of the
// service for login, `pulumi policy publish`, `pulumi policy enable`, and `pulumi preview` / `pulumi up` of a stack
// whose updates require the published pack, with ESC environments attached to it. Every route below was read from
// the CLI's own client at v3.276.0 (pkg/backend/httpstate/client/client.go and api_endpoints.go, the ESC client
// pkg/cmd/esc/cli/client/client.go, the types in sdk/go/common/apitype and sdk/go/common/esc); the comment on each
// names the client function. What the real service decides on its own (policy group membership, ESC evaluation,
// presigned storage URLs) is set here by the test, and said so where it happens. Any other route answers 404 and is
// recorded in `unexpected`, and so does a route naming an organization other than the one the service was started
// with (`/api/orgs/{org}/…`, `/api/esc/environments/{org}/…`, `/api/stacks/{org}/…`): its packs, default policy
// group, ESC environments and stacks all belong to that one org. A route with a wrong token answers 401. In the
// suite's runs (CLI v3.276.0) every route below is called except renew_lease (a lease shorter than the update), the
// single-event POST, the schema GET (policy enable did not validate), HEAD of a project and log-decryption: served as
// the client names them, for other versions. GET /api/capabilities answers none: the CLI then takes the legacy path
// (CreateUpdate, StartUpdate, checkpoints; backend.go uses begin-update only with the "begin-update" capability), so
// the combined `begin-update` route and journaling are not exercised here.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export interface CloudRequest {
  method: string;
  path: string;
  /** The Authorization header's scheme ("token", "update-token") or "none". */
  auth: string;
}

/** apitype.CreatePolicyPackRequest, as the CLI posts it. */
export interface PublishedPack {
  name: string;
  displayName: string;
  versionTag: string;
  policies: PublishedPolicy[];
  description?: string;
  runtime: string;
  tarball?: Buffer;
  completed: boolean;
}

/** apitype.Policy (cloudapitype.AppPolicy). */
export interface PublishedPolicy {
  name: string;
  displayName: string;
  description: string;
  enforcementLevel: string;
  message?: string;
  configSchema?: { type: string; properties: Record<string, unknown>; required?: string[] };
  severity?: string;
  framework?: { name?: string; version?: string; reference?: string; specification?: string };
  tags?: string[];
  remediationSteps?: string;
  url?: string;
}

/** apitype.PolicyPackMetadata in a policy group (UpdatePolicyGroupRequest.addPolicyPack). */
export interface GroupPack {
  name: string;
  versionTag: string;
  config?: Record<string, unknown>;
  environments?: string[];
}

interface StackRecord {
  org: string;
  project: string;
  stack: string;
  version: number;
  deployment: unknown;
  tags: Record<string, string>;
}

interface UpdateRecord {
  id: string;
  kind: string;
  stackKey: string;
  token: string;
  status?: string;
  version?: number;
  startTime?: number;
  endTime?: number;
  events: unknown[];
  requiredPolicies: unknown[];
}

export class FakePulumiCloud {
  readonly requests: CloudRequest[] = [];
  /** Routes no client function of the CLI names here: "<METHOD> <path>". */
  readonly unexpected: string[] = [];
  readonly packs = new Map<string, PublishedPack>(); // "<name>@<versionTag>"
  /** The default policy group's packs (the service's "default-policy-group"; every stack of the org is in it). */
  readonly groupPacks = new Map<string, GroupPack>();
  /**
   * ESC environments by "<project>/<name>": their evaluated top-level properties (the real service evaluates the
   * YAML definition, providers and secrets; a test sets the outcome).
   */
  readonly environments = new Map<string, Record<string, unknown>>();
  /** The YAML definitions the CLI asked to open, in order (OpenYAMLEnvironment). */
  readonly openedYaml: string[] = [];
  readonly stacks = new Map<string, StackRecord>();
  readonly updates = new Map<string, UpdateRecord>();
  private openSessions = new Map<string, Record<string, unknown>>();
  private server!: http.Server;
  private seq = 0;
  url = "";

  private constructor(
    readonly accessToken: string,
    readonly user: string,
    readonly org: string,
  ) {}

  static async start(accessToken: string, user: string, org: string): Promise<FakePulumiCloud> {
    const f = new FakePulumiCloud(accessToken, user, org);
    f.server = http.createServer((req, res) => {
      f.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: 500, message: String(e) }));
      });
    });
    await new Promise<void>((resolve) => f.server.listen(0, "127.0.0.1", resolve));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async body(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    // httpCallOptions.GzipCompress (checkpoints, journal entries): Content-Encoding gzip (client/api.go).
    return req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    const p = u.pathname;
    const authz = req.headers["authorization"] ?? "";
    const [scheme = "none", cred = ""] = authz.split(" ");
    this.requests.push({ method, path: p, auth: authz ? scheme : "none" });
    const body = await this.body(req);
    const json = (code: number, value?: unknown): void => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(value === undefined ? "" : JSON.stringify(value));
    };
    const parsed = (): Record<string, unknown> =>
      body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
    const notFound = (): void => {
      this.unexpected.push(`${method} ${p}`);
      json(404, { code: 404, message: `no route ${method} ${p}` });
    };

    // Storage: the presigned URL the publish answer names (PublishPolicyPack's PUT, sent without the API token) and
    // the packLocation an update names (DownloadPolicyPack's GET).
    const blob = /^\/storage\/policypacks\/([^/]+)$/.exec(p);
    if (blob) {
      const pack = this.packs.get(decodeURIComponent(blob[1] ?? ""));
      if (!pack) return notFound();
      if (method === "PUT") {
        pack.tarball = body;
        return json(200);
      }
      if (method === "GET" && pack.tarball) {
        res.writeHead(200, { "content-type": "application/gzip", "content-length": String(pack.tarball.length) });
        res.end(pack.tarball);
        return;
      }
      return notFound();
    }

    // This service holds one organization: a route naming another (a CLI sending the wrong org) is not served.
    const scoped = /^\/api\/(?:orgs|esc\/environments|stacks)\/([^/]+)/.exec(p);
    if (scoped && decodeURIComponent(scoped[1] ?? "") !== this.org) return notFound();

    // Update-scoped calls authenticate with the update's lease token (client.updateRESTCall: "update-token").
    const upd = /^\/api\/stacks\/([^/]+)\/([^/]+)\/([^/]+)\/update\/([^/]+)(?:\/(.+))?$/.exec(p);
    if (upd && upd[5] && ["renew_lease", "checkpoint", "events/batch", "events", "complete"].includes(upd[5])) {
      const update = this.updates.get(upd[4] ?? "");
      if (!update) return notFound();
      if (scheme !== "update-token" || cred !== update.token) return json(401, { code: 401, message: "bad token" });
      switch (`${method} ${upd[5]}`) {
        case "POST renew_lease": // RenewUpdateLease: apitype.RenewUpdateLeaseResponse
          return json(200, { token: update.token });
        case "PATCH checkpoint": {
          // PatchUpdateCheckpoint: apitype.PatchUpdateCheckpointRequest {version, features, deployment}
          const stack = this.stacks.get(update.stackKey);
          const r = parsed();
          if (stack) stack.deployment = { version: r["version"], deployment: r["deployment"] };
          return json(200);
        }
        case "POST events/batch": // RecordEngineEvents: apitype.EngineEventBatch {events}
          update.events.push(...((parsed()["events"] as unknown[]) ?? []));
          return json(200);
        case "POST events": // postEngineEvent (api_endpoints.go): one apitype.EngineEvent
          update.events.push(parsed());
          return json(200);
        case "POST complete": // CompleteUpdate: apitype.CompleteUpdateRequest {status}
          update.status = String(parsed()["status"]);
          update.endTime = Math.floor(Date.now() / 1000);
          return json(200);
      }
      return notFound();
    }

    // Everything else is an API call with the access token (client.restCall: "Authorization: token <token>").
    if (scheme !== "token" || cred !== this.accessToken) return json(401, { code: 401, message: "Unauthorized" });

    if (method === "GET" && p === "/api/capabilities") return json(200, { capabilities: [] }); // GetCapabilities: none
    if (method === "GET" && p === "/api/user") {
      // GetPulumiAccountDetails: serviceUser {githubLogin, organizations[{githubLogin}]}
      return json(200, {
        id: "1",
        githubLogin: this.user,
        name: this.user,
        email: "",
        avatarUrl: "",
        organizations: [{ githubLogin: this.org, name: this.org, avatarUrl: "" }],
        identities: [],
      });
    }
    if (method === "GET" && p === "/api/user/organizations/default") {
      return json(200, { gitHubLogin: this.org, messages: [] }); // GetDefaultOrg: apitype.GetDefaultOrganizationResponse
    }

    // Policy packs.
    const orgPacks = /^\/api\/orgs\/([^/]+)\/policypacks$/.exec(p);
    if (method === "POST" && orgPacks) {
      // PublishPolicyPack step 1: apitype.CreatePolicyPackRequest -> CreatePolicyPackResponse {version, uploadURI}
      const r = parsed() as unknown as PublishedPack;
      const key = `${r.name}@${r.versionTag}`;
      // apitype.CreatePolicyPackRequest.VersionTag: once a version is published it can never be republished.
      if (this.packs.get(key)?.completed) {
        return json(409, { code: 409, message: `Policy Pack ${r.name} version ${r.versionTag} already exists` });
      }
      this.packs.set(key, { ...r, completed: false });
      return json(200, { version: 1, uploadURI: `${this.url}/storage/policypacks/${encodeURIComponent(key)}` });
    }
    const complete = /^\/api\/orgs\/([^/]+)\/policypacks\/([^/]+)\/versions\/([^/]+)\/complete$/.exec(p);
    if (method === "POST" && complete) {
      // PublishPolicyPack step 3: publishPolicyPackPublishComplete
      const pack = this.packs.get(`${complete[2]}@${complete[3]}`);
      if (!pack?.tarball) return json(400, { code: 400, message: "nothing uploaded" });
      pack.completed = true;
      return json(204);
    }
    const schema = /^\/api\/orgs\/([^/]+)\/policypacks\/([^/]+)\/versions\/([^/]+)\/schema$/.exec(p);
    if (method === "GET" && schema) {
      // GetPolicyPackSchema (policy enable --config validates against it): {configSchema: {<policy>: schema}}
      const pack = this.packs.get(`${schema[2]}@${schema[3]}`);
      if (!pack?.completed) return notFound();
      const configSchema: Record<string, unknown> = {};
      for (const pol of pack.policies) if (pol.configSchema) configSchema[pol.name] = pol.configSchema;
      return json(200, { configSchema });
    }
    const version = /^\/api\/orgs\/([^/]+)\/policypacks\/([^/]+)\/versions\/([^/]+)$/.exec(p);
    if (method === "GET" && version) {
      // GetPolicyPack (policy publish reads the version back): apitype.GetPolicyPackResponse
      const pack = this.packs.get(`${version[2]}@${version[3]}`);
      if (!pack?.completed) return json(404, { code: 404, message: "no such policy pack version" });
      const applied = this.groupPacks.get(pack.name)?.versionTag === pack.versionTag;
      return json(200, { ...pack, tarball: undefined, completed: undefined, version: 1, applied });
    }
    const group = /^\/api\/orgs\/([^/]+)\/policygroups\/([^/]+)$/.exec(p);
    if (method === "GET" && group) {
      // GetPolicyGroup (policy enable reads the group back): apitype.GetPolicyGroupResponse (cloud SDK PolicyGroup)
      if (group[2] !== "default-policy-group") return json(404, { code: 404, message: "no such policy group" });
      return json(200, {
        name: group[2],
        isOrgDefault: true,
        entityType: "stacks",
        mode: "preventative",
        stacks: [...this.stacks.values()].map((st) => ({ name: st.stack, routingProject: st.project })),
        appliedPolicyPacks: [...this.groupPacks.values()].map((g) => ({
          ...g,
          displayName: this.packs.get(`${g.name}@${g.versionTag}`)?.displayName ?? g.name,
          version: 1,
        })),
        accounts: [],
      });
    }
    if (method === "PATCH" && group) {
      // ApplyPolicyPack: apitype.UpdatePolicyGroupRequest {addPolicyPack: {name, versionTag, config, environments}}
      const add = parsed()["addPolicyPack"] as GroupPack | undefined;
      if (!add || group[2] !== "default-policy-group") return json(400, { code: 400, message: "unsupported" });
      if (!this.packs.get(`${add.name}@${add.versionTag}`)?.completed)
        return json(404, { code: 404, message: "no pack" });
      this.groupPacks.set(add.name, add);
      return json(204);
    }

    // ESC: the environments attached to a required pack (pkg/backend/httpstate/policypack.go ResolveEnvironments).
    const escOpen = /^\/api\/esc\/environments\/([^/]+)\/yaml\/open(?:\/([^/]+))?$/.exec(p);
    if (escOpen && method === "POST" && !escOpen[2]) {
      // OpenYAMLEnvironment: body = the definition, answer {id}. The CLI sends a required pack's environments as the
      // JSON (a YAML flow mapping) `{"imports":[...]}` (workspace.NewEnvironment(envs).Definition()).
      const yaml = body.toString("utf8");
      this.openedYaml.push(yaml);
      let imports: string[];
      try {
        imports = (JSON.parse(yaml) as { imports?: string[] }).imports ?? [];
      } catch {
        return json(400, { code: 400, message: "this test service reads only JSON definitions" });
      }
      const properties: Record<string, unknown> = {};
      for (const name of imports) {
        const env = this.environments.get(name);
        if (!env) {
          // EnvironmentErrorResponse with diagnostics (400): what the service says of an unknown import.
          return json(400, {
            code: 400,
            message: "invalid",
            diagnostics: [{ summary: `unknown environment "${name}"` }],
          });
        }
        Object.assign(properties, env);
      }
      const id = `open-${++this.seq}`;
      this.openSessions.set(id, properties);
      return json(200, { id });
    }
    if (escOpen && method === "GET" && escOpen[2]) {
      // GetAnonymousOpenEnvironment: esc.Environment {properties: {<key>: esc.Value {value, secret}}}
      const properties = this.openSessions.get(escOpen[2]);
      if (!properties) return notFound();
      return json(200, { properties: escValues(properties) });
    }

    // Stacks.
    const project = /^\/api\/stacks\/([^/]+)\/([^/]+)$/.exec(p);
    if (project && method === "HEAD") {
      // DoesProjectExist
      const exists = [...this.stacks.values()].some((s) => s.org === project[1] && s.project === project[2]);
      res.writeHead(exists ? 200 : 404).end();
      return;
    }
    if (project && method === "POST") {
      // CreateStack: apitype.CreateStackRequest {stackName, tags} -> CreateStackResponse
      const r = parsed();
      const stack = String(r["stackName"]);
      const key = `${project[1]}/${project[2]}/${stack}`;
      if (this.stacks.has(key)) return json(409, { code: 409, message: "stack already exists" });
      this.stacks.set(key, {
        org: project[1] ?? "",
        project: project[2] ?? "",
        stack,
        version: 0,
        deployment: undefined,
        tags: (r["tags"] as Record<string, string>) ?? {},
      });
      return json(200, {});
    }
    const stackPath = /^\/api\/stacks\/([^/]+)\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(p);
    if (stackPath) {
      const key = `${stackPath[1]}/${stackPath[2]}/${stackPath[3]}`;
      const stack = this.stacks.get(key);
      const rest = stackPath[4] ?? "";
      if (!stack) return json(404, { code: 404, message: `stack ${key} not found` });
      if (method === "GET" && rest === "") {
        // GetStack: apitype.Stack
        return json(200, {
          id: key,
          orgName: stack.org,
          projectName: stack.project,
          stackName: stack.stack,
          activeUpdate: "",
          tags: stack.tags,
          version: stack.version,
        });
      }
      if (method === "POST" && (rest === "decrypt/log-batch-decryption" || rest === "decrypt/log-decryption")) {
        // LogBulk3rdPartySecretsProviderDecryptionEvent / Log3rdPartySecretsProviderDecryptionEvent: the CLI tells the
        // service it decrypted the stack's secrets itself (passphrase secrets provider); no answer body.
        return json(200);
      }
      if (method === "GET" && rest === "export") {
        // ExportStackDeployment: apitype.UntypedDeployment (version 3 with an empty deployment before any update)
        return json(200, stack.deployment ?? { version: 3, deployment: {} });
      }
      if (method === "GET" && rest === "updates") {
        // GetStackUpdates (the Automation API's `stack history` after up): apitype.GetHistoryResponse, newest first
        const updates = [...this.updates.values()]
          .filter((x) => x.stackKey === key && x.kind === "update" && x.status)
          .reverse()
          .map((x) => ({
            kind: "update",
            startTime: x.startTime,
            endTime: x.endTime,
            message: "",
            environment: {},
            config: {},
            result: x.status,
            version: x.version,
          }));
        const size = Number(u.searchParams.get("pageSize") ?? "0");
        const page = Number(u.searchParams.get("page") ?? "1");
        return json(200, { updates: size > 0 ? updates.slice((page - 1) * size, page * size) : updates });
      }
      if (method === "POST" && (rest === "preview" || rest === "update")) {
        // CreateUpdate: apitype.UpdateProgramRequest -> UpdateProgramResponse {updateID, requiredPolicies}
        const id = `u${++this.seq}`;
        const update: UpdateRecord = {
          id,
          kind: rest,
          stackKey: key,
          token: `lease-${id}`,
          events: [],
          requiredPolicies: this.requiredPolicies(),
        };
        this.updates.set(id, update);
        return json(200, { updateID: id, requiredPolicies: update.requiredPolicies });
      }
      const start = /^update\/([^/]+)$/.exec(rest);
      if (method === "POST" && start) {
        // StartUpdate: apitype.StartUpdateRequest -> StartUpdateResponse {version, token}; no journalVersion, so the
        // CLI saves checkpoints (the service chooses journaling; this one does not offer it).
        const update = this.updates.get(start[1] ?? "");
        if (!update) return notFound();
        if (update.kind === "update") stack.version++;
        update.version = stack.version;
        update.startTime = Math.floor(Date.now() / 1000);
        return json(200, { version: stack.version, token: update.token, tokenExpiration: 0 });
      }
    }
    return notFound();
  }

  /** The update's required policies: the default group's packs, each with its group config and environments. */
  private requiredPolicies(): unknown[] {
    return [...this.groupPacks.values()].map((g) => ({
      name: g.name,
      version: 1,
      versionTag: g.versionTag,
      displayName: this.packs.get(`${g.name}@${g.versionTag}`)?.displayName ?? g.name,
      packLocation: `${this.url}/storage/policypacks/${encodeURIComponent(`${g.name}@${g.versionTag}`)}`,
      config: g.config,
      environments: g.environments,
    }));
  }
}

/** Plain JSON to esc.Value trees ({value, secret?}); `{secret: x}` objects mark secrets. */
function escValues(v: unknown): unknown {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && "secret" in o) return { value: o["secret"], secret: true };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, escValue(x)]));
  }
  return v;
}
function escValue(v: unknown): unknown {
  if (Array.isArray(v)) return { value: v.map(escValue) };
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && "secret" in o) return { value: o["secret"], secret: true };
    return { value: escValues(v) };
  }
  return { value: v };
}
