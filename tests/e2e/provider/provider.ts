// A stand-in resource provider plugin for the end-to-end tests, installed as `aws` or `alicloud` (the real
// providers' binaries cannot be built offline). It speaks the provider gRPC protocol the way the bridged providers
// do where the pack can tell: it supports preview (Configure says so), answers a create in preview with unknown
// computed outputs (id, arn, homeRegion, status…) and otherwise with outputs shaped like the real schemas. It makes
// no cloud call: "creating" a trail only records it in state; the loopback fakes hold what the cloud would say.
//
//   node provider.js <aws|alicloud> <engine address>     (prints its port on the first stdout line, as plugins do)
// AUDITGUARD_E2E_PROVIDER_LOG=<file> appends one JSON line per RPC (method, type, preview) for the tests.

import fs from "node:fs";
import path from "node:path";
import type * as GrpcJs from "@grpc/grpc-js";
import type * as ProviderGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as ProviderPb from "@pulumi/pulumi/proto/provider_pb";
import type * as PluginPb from "@pulumi/pulumi/proto/plugin_pb";
import type * as EmptyPb from "google-protobuf/google/protobuf/empty_pb";
import type * as StructPb from "google-protobuf/google/protobuf/struct_pb";

type Props = Record<string, unknown>;

/** The engine's unknown value on the provider wire. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The account the fakes answer for (tests/harness/fixtures.ts ACCOUNT). */
const ACCOUNT = "123456789012";
const ALI_ACCOUNT = "1234567890123456";
/** The SDK versions the e2e program pins (tests/e2e/program/package.json). */
const VERSIONS: Record<string, string> = { aws: "7.48.0", alicloud: "3.108.0" };

const pkg = process.argv[2] ?? "";
if (!(pkg in VERSIONS)) {
  console.error(`usage: provider.js <${Object.keys(VERSIONS).join("|")}> <engine address>`);
  process.exit(2);
}

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = <T>(id: string): T => require(require.resolve(id, { paths: [pulumiDir] })) as T;
const grpc = fromPulumi<typeof GrpcJs>("@grpc/grpc-js");
const pb = require(path.join(pulumiDir, "proto", "provider_pb.js")) as typeof ProviderPb;
const rpc = require(path.join(pulumiDir, "proto", "provider_grpc_pb.js")) as typeof ProviderGrpc;
const pluginPb = require(path.join(pulumiDir, "proto", "plugin_pb.js")) as typeof PluginPb;
const structPb = fromPulumi<typeof StructPb>("google-protobuf/google/protobuf/struct_pb");
const emptyPb = fromPulumi<typeof EmptyPb>("google-protobuf/google/protobuf/empty_pb");

/** The provider's configuration (Configure args): region, endpoints, keys… as the engine sends them. */
let config: Props = {};

function log(entry: Props): void {
  const file = process.env["AUDITGUARD_E2E_PROVIDER_LOG"];
  if (file) fs.appendFileSync(file, JSON.stringify({ pkg, ...entry }) + "\n");
}

function toJs(s: StructPb.Struct | undefined): Props {
  return (s?.toJavaScript() ?? {}) as Props;
}
function toStruct(p: Props): StructPb.Struct {
  return structPb.Struct.fromJavaScript(p as Record<string, StructPb.JavaScriptValue>);
}
function typeOf(urn: string): string {
  return urn.split("::")[2] ?? "";
}
function nameOf(urn: string): string {
  return urn.split("::")[3] ?? "";
}
/** A secret arrives wrapped; the value inside is what the provider would use. */
function plain(v: unknown): unknown {
  if (v && typeof v === "object" && "4dabf18193072939515e22adb298388d" in v) return (v as Props)["value"];
  return v;
}
function str(v: unknown): string | undefined {
  const p = plain(v);
  return typeof p === "string" && p !== "" && p !== UNKNOWN ? p : undefined;
}

/** The resource's region: its own `region` input, else the provider's (known in preview too, as in the real plan). */
function regionOf(inputs: Props): string {
  return str(inputs["region"]) ?? str(config["region"]) ?? (pkg === "aws" ? "us-east-1" : "cn-hangzhou");
}

/** Inputs with the schema defaults the real provider's Check fills in. */
function withDefaults(type: string, inputs: Props): Props {
  const d = (defaults: Props): Props => ({ ...defaults, ...inputs });
  switch (type) {
    case "aws:cloudtrail/trail:Trail":
      return d({
        enableLogging: true,
        includeGlobalServiceEvents: true,
        isMultiRegionTrail: false,
        isOrganizationTrail: false,
        enableLogFileValidation: false,
        region: regionOf(inputs),
      });
    case "aws:cfg/recorder:Recorder":
    case "aws:cfg/recorderStatus:RecorderStatus":
    case "aws:cfg/deliveryChannel:DeliveryChannel":
      return d({ name: "default", region: regionOf(inputs) });
    case "alicloud:actiontrail/trail:Trail":
      return d({ eventRw: "Write", trailRegion: "All", isOrganizationTrail: false });
    default:
      return inputs;
  }
}

/** The id and outputs of a resource, as the real provider would return them; unknown where only the cloud knows. */
function outputsOf(type: string, urn: string, inputs: Props, preview: boolean): { id: string; outs: Props } {
  const known = <T>(v: T): T | string => (preview ? UNKNOWN : v);
  const region = regionOf(inputs);
  switch (type) {
    case "aws:cloudtrail/trail:Trail": {
      const name = str(inputs["name"]) ?? nameOf(urn);
      const arn = `arn:aws:cloudtrail:${region}:${ACCOUNT}:trail/${name}`;
      return {
        id: arn,
        outs: {
          ...inputs,
          name,
          arn: known(arn),
          homeRegion: known(region),
          region,
          eventSelectors: inputs["eventSelectors"] ?? [],
          advancedEventSelectors: inputs["advancedEventSelectors"] ?? [],
          tagsAll: known({}),
        },
      };
    }
    case "aws:cfg/recorder:Recorder":
    case "aws:cfg/recorderStatus:RecorderStatus":
    case "aws:cfg/deliveryChannel:DeliveryChannel": {
      const name = str(inputs["name"]) ?? "default";
      return { id: name, outs: { ...inputs, name, region } };
    }
    case "alicloud:actiontrail/trail:Trail": {
      const name = str(inputs["trailName"]) ?? nameOf(urn);
      return {
        id: name,
        outs: {
          ...inputs,
          trailName: name,
          status: inputs["status"] ?? known("Fresh"),
          createTime: known(new Date().toISOString()),
          regionId: known(region),
        },
      };
    }
    case "alicloud:cfg/configurationRecorder:ConfigurationRecorder":
      return {
        id: ALI_ACCOUNT,
        outs: {
          ...inputs,
          resourceTypes: inputs["resourceTypes"] ?? known([]),
          enterpriseEdition: inputs["enterpriseEdition"] ?? false,
          status: known("REGISTERED"),
          organizationEnableStatus: known(""),
          organizationMasterId: known(0),
        },
      };
    default:
      return { id: `${nameOf(urn)}-id`, outs: { ...inputs } };
  }
}

type Unary<Req, Res> = (call: GrpcJs.ServerUnaryCall<Req, Res>, cb: GrpcJs.sendUnaryData<Res>) => void;

function handle<Req, Res>(method: string, body: (req: Req) => Res): Unary<Req, Res> {
  return (call, cb) => {
    try {
      cb(null, body(call.request));
    } catch (e) {
      console.error(`provider ${pkg} ${method}: ${String(e)}`);
      cb({ code: grpc.status.INTERNAL, details: String(e) }, null);
    }
  };
}

function unimplemented<Req, Res>(method: string): Unary<Req, Res> {
  return (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED, details: `not implemented: ${method}` }, null);
}

function changedKeys(olds: Props, news: Props): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])).sort();
}

function diffResponse(olds: Props, news: Props): ProviderPb.DiffResponse {
  const res = new pb.DiffResponse();
  const changed = changedKeys(olds, news);
  res.setChanges(changed.length ? pb.DiffResponse.DiffChanges.DIFF_SOME : pb.DiffResponse.DiffChanges.DIFF_NONE);
  res.setDiffsList(changed);
  return res;
}

const server = new grpc.Server();
const impl: ProviderGrpc.IResourceProviderServer = {
  handshake: unimplemented("Handshake"),
  parameterize: unimplemented("Parameterize"),
  invoke: unimplemented("Invoke"),
  call: unimplemented("Call"),
  construct: unimplemented("Construct"),
  list: (call) => call.emit("error", { code: grpc.status.UNIMPLEMENTED, details: "not implemented: List" }),
  getSchema: handle("GetSchema", () => new pb.GetSchemaResponse().setSchema("{}")),
  getPluginInfo: handle("GetPluginInfo", () => new pluginPb.PluginInfo().setVersion(VERSIONS[pkg] ?? "0.0.0")),
  getMapping: handle("GetMapping", () => new pb.GetMappingResponse()),
  getMappings: handle("GetMappings", () => new pb.GetMappingsResponse()),
  attach: handle("Attach", () => new emptyPb.Empty()),
  cancel: handle("Cancel", () => new emptyPb.Empty()),
  checkConfig: handle("CheckConfig", (req: ProviderPb.CheckRequest) => {
    log({ method: "CheckConfig" });
    return new pb.CheckResponse().setInputs(req.getNews());
  }),
  diffConfig: handle("DiffConfig", (req: ProviderPb.DiffRequest) =>
    diffResponse(toJs(req.getOldInputs() ?? req.getOlds()), toJs(req.getNews())),
  ),
  configure: handle("Configure", (req: ProviderPb.ConfigureRequest) => {
    config = toJs(req.getArgs());
    log({ method: "Configure", keys: Object.keys(config).sort() });
    return new pb.ConfigureResponse()
      .setAcceptsecrets(true)
      .setSupportspreview(true)
      .setAcceptresources(true)
      .setAcceptoutputs(false);
  }),
  check: handle("Check", (req: ProviderPb.CheckRequest) => {
    const type = typeOf(req.getUrn());
    return new pb.CheckResponse().setInputs(toStruct(withDefaults(type, toJs(req.getNews()))));
  }),
  diff: handle("Diff", (req: ProviderPb.DiffRequest) => diffResponse(toJs(req.getOldInputs()), toJs(req.getNews()))),
  create: handle("Create", (req: ProviderPb.CreateRequest) => {
    const type = typeOf(req.getUrn());
    const preview = req.getPreview();
    log({ method: "Create", type, preview });
    const { id, outs } = outputsOf(type, req.getUrn(), toJs(req.getProperties()), preview);
    // Bridged providers carry `id` among the outputs too (unknown in preview, where the id field stays empty).
    return new pb.CreateResponse()
      .setId(preview ? "" : id)
      .setProperties(toStruct({ ...outs, id: preview ? UNKNOWN : id }));
  }),
  update: handle("Update", (req: ProviderPb.UpdateRequest) => {
    const type = typeOf(req.getUrn());
    log({ method: "Update", type, preview: req.getPreview() });
    // Computed outputs stay as they were; inputs take their new values.
    const { outs } = outputsOf(type, req.getUrn(), toJs(req.getNews()), false);
    return new pb.UpdateResponse().setProperties(toStruct({ ...toJs(req.getOlds()), ...outs, id: req.getId() }));
  }),
  read: handle("Read", (req: ProviderPb.ReadRequest) => {
    log({ method: "Read", type: typeOf(req.getUrn()) });
    return new pb.ReadResponse().setId(req.getId()).setProperties(req.getProperties()).setInputs(req.getInputs());
  }),
  delete: handle("Delete", (req: ProviderPb.DeleteRequest) => {
    log({ method: "Delete", type: typeOf(req.getUrn()) });
    return new emptyPb.Empty();
  }),
};
server.addService(rpc.ResourceProviderService, impl as unknown as GrpcJs.UntypedServiceImplementation);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    console.error(`provider ${pkg}: ${err.message}`);
    process.exit(1);
  }
  // The engine reads the port from the first line of stdout.
  process.stdout.write(`${port}\n`);
});
