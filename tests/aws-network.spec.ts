// Networks as companies run them, at adapter depth: the real SDK v3 clients, through the pack's proxy
// agents, via a loopback forward proxy (tests/fakes/proxy) that must see every call, to the loopback
// AWS fake (plain HTTP, or HTTPS behind a TLS front whose throwaway CA the pack trusts through
// customCaBundle / AWS_CA_BUNDLE). Real AWS host names (FIPS, dual-stack) are observed at the proxy,
// which refuses them, so nothing leaves the machine. Also: the default chain's instance-metadata lookup
// against a loopback stand-in, in a child process of its own (the only place IMDS is enabled).
process.env["AWS_EC2_METADATA_DISABLED"] = "true";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { AWS_RECORDER_POLICY, awsRecorderKind, awsTrailKind } from "../lib/aws/kinds";
import { proxyForUrl, proxySettings, routingAgents, useProxy } from "../lib/aws/network";
import type { NotFound, RecorderStatus } from "../lib/aws/sdk";
import type { CheckFailure, Outcome } from "../lib/live/outcome";
import { type LiveEntry, type LiveKind, liveEntries, registerKinds } from "../lib/live/round";
import type { PlainObject } from "../lib/plain";
import type { ProviderView, ResourceView, StackView } from "../lib/stack";
import { FakeAws } from "./fakes/aws";
import { FakeProxy, makeCertificate, type TestCertificate, TlsFront } from "./fakes/proxy";
import { closedPort, entryOf, failureOf, okValue, setEnv } from "./support";

const ACCESS_KEY = "AKIAFAKENETKEY00001";
const SECRET_KEY = "net-secret-Pq71Lx09";
/** A host name only the test proxy knows (the .test TLD is reserved: it never resolves for real). */
const FAKE_HOST = "aws-fake.test";
const PROXY_ENV = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];
const OTHER_ENV = ["AWS_CA_BUNDLE", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "PULUMI_CONFIG"];

let seq = 0;

function providerView(props: PlainObject): ProviderView {
  seq++;
  return {
    urn: `urn:pulumi:test::auditguard::pulumi:providers:aws::n${seq}`,
    name: `n${seq}`,
    type: "pulumi:providers:aws",
    props,
  };
}

function recorder(name: string, provider: ProviderView): ResourceView {
  return {
    urn: `urn:pulumi:test::auditguard::aws:cfg/recorder:Recorder::${name}-${++seq}`,
    name,
    type: "aws:cfg/recorder:Recorder",
    props: { id: name, name },
    provider,
    exists: true,
  };
}

function stack(...resources: ResourceView[]): StackView {
  return { dryRun: false, deploys: { aws: true, alicloud: false }, fingerprint: `net-${++seq}`, resources };
}

async function run(view: StackView, timeoutSeconds = 10): Promise<LiveEntry<unknown>[]> {
  return liveEntries(AWS_RECORDER_POLICY, view, { timeoutSeconds });
}

function recorderFound(outcome: Outcome<unknown>): RecorderStatus {
  const v = okValue<RecorderStatus | NotFound>(outcome);
  if (!v.found) assert.fail(`expected a recorder, got not-found: ${v.detail}`);
  return v;
}

describe("AWS network settings (real SDK v3 clients through a loopback forward proxy)", function () {
  let fake: FakeAws;
  let proxy: FakeProxy;
  let cert: TestCertificate;
  let front: TlsFront;
  const saved = new Map<string, string | undefined>();

  before(async function () {
    cert = makeCertificate([FAKE_HOST, `*.${FAKE_HOST}`]);
    for (const k of [...PROXY_ENV, ...OTHER_ENV]) saved.set(k, process.env[k]);
  });
  after(function () {
    fs.rmSync(cert.dir, { recursive: true, force: true });
  });

  beforeEach(async function () {
    for (const k of [...PROXY_ENV, ...OTHER_ENV]) setEnv(k, undefined);
    fake = await FakeAws.start();
    proxy = await FakeProxy.start();
    front = await TlsFront.start(cert, Number(new URL(fake.url).port));
    registerKinds([awsRecorderKind as LiveKind<unknown>, awsTrailKind as LiveKind<unknown>]);
  });
  afterEach(async function () {
    for (const [k, v] of saved) setEnv(k, v);
    await Promise.all([fake.close(), proxy.close(), front.close()]);
  });

  /** Routes FAKE_HOST at the proxy: plain HTTP to the fake, CONNECT :443 to its TLS front. */
  function routeFake(scheme: "http" | "https"): string {
    proxy.routes.set(FAKE_HOST, scheme === "http" ? Number(new URL(fake.url).port) : front.port);
    return `${scheme}://${FAKE_HOST}`;
  }

  function provider(endpoint: string, extra: PlainObject = {}): ProviderView {
    return providerView({
      region: "eu-west-1",
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      endpoints: JSON.stringify([{ configservice: endpoint, sts: endpoint }]),
      ...extra,
    });
  }

  it("sends an http:// endpoint through the provider's httpProxy (absolute-URI request)", async function () {
    const endpoint = routeFake("http");
    fake.recorders.set("eu-west-1/rec-http", { recording: true });
    const r = recorder("rec-http", provider(endpoint, { httpProxy: proxy.url }));
    recorderFound(entryOf(await run(stack(r)), r).outcome);
    assert.deepEqual(proxy.seen, [{ method: "POST", target: `${FAKE_HOST}:80`, carried: true }]);
    assert.equal(fake.calls("DescribeConfigurationRecorderStatus").length, 1);
  });

  it("tunnels https:// through CONNECT and trusts the provider's customCaBundle; STS calls take the proxy too", async function () {
    const endpoint = routeFake("https");
    const roleArn = "arn:aws:iam::210987654321:role/via-proxy";
    fake.roles.set(roleArn, "ASIAVIAPROXY00001");
    const r = recorder(
      "rec-missing",
      provider(endpoint, { httpsProxy: proxy.url, customCaBundle: cert.certFile, assumeRoles: [{ roleArn }] }),
    );
    const v = okValue<NotFound>(entryOf(await run(stack(r)), r).outcome);
    assert.equal(v.found, false);
    assert.equal(v.account, "210987654321");
    // AssumeRole, the status call and GetCallerIdentity, all through the tunnel (keep-alive may reuse one).
    assert.ok(proxy.seen.length >= 1);
    for (const s of proxy.seen) assert.deepEqual(s, { method: "CONNECT", target: `${FAKE_HOST}:443`, carried: true });
    assert.deepEqual(
      fake.requests.map((q) => q.action),
      ["AssumeRole", "DescribeConfigurationRecorderStatus", "GetCallerIdentity"],
    );
  });

  it("trusts AWS_CA_BUNDLE, and HTTPS_PROXY from the environment", async function () {
    const endpoint = routeFake("https");
    process.env["HTTPS_PROXY"] = proxy.url;
    process.env["AWS_CA_BUNDLE"] = cert.certFile;
    fake.recorders.set("eu-west-1/rec-env", { recording: true });
    const r = recorder("rec-env", provider(endpoint));
    recorderFound(entryOf(await run(stack(r)), r).outcome);
    assert.equal(proxy.seen[0]?.method, "CONNECT");
  });

  it("without the CA bundle the TLS fake is not trusted: an endpoint error, not a pass", async function () {
    const endpoint = routeFake("https");
    fake.recorders.set("eu-west-1/rec-untrusted", { recording: true });
    const r = recorder("rec-untrusted", provider(endpoint, { httpsProxy: proxy.url }));
    const f = failureOf(entryOf(await run(stack(r)), r).outcome);
    assert.equal(f.reason, "endpoint-error");
    assert.match(f.code ?? "", /SELF_SIGNED|CERT/);
    assert.equal(fake.calls("DescribeConfigurationRecorderStatus").length, 0);
  });

  it("an unreadable customCaBundle is bad-target naming the file, and nothing is sent", async function () {
    const endpoint = routeFake("https");
    const missing = path.join(cert.dir, "no-such-bundle.pem");
    const r = recorder("rec-nobundle", provider(endpoint, { httpsProxy: proxy.url, customCaBundle: missing }));
    const f = failureOf(entryOf(await run(stack(r)), r).outcome);
    assert.equal(f.reason, "bad-target");
    assert.ok(f.detail.includes(missing));
    assert.equal(proxy.seen.length, 0);
  });

  it("provider insecure: true skips certificate checks, as the provider does", async function () {
    const endpoint = routeFake("https");
    fake.recorders.set("eu-west-1/rec-insecure", { recording: true });
    const r = recorder("rec-insecure", provider(endpoint, { httpsProxy: proxy.url, insecure: "true" }));
    recorderFound(entryOf(await run(stack(r)), r).outcome);
  });

  it("an httpProxy alone also carries HTTPS (the provider's legacy proxy mode)", async function () {
    const endpoint = routeFake("https");
    fake.recorders.set("eu-west-1/rec-legacy", { recording: true });
    const r = recorder("rec-legacy", provider(endpoint, { httpProxy: proxy.url, customCaBundle: cert.certFile }));
    recorderFound(entryOf(await run(stack(r)), r).outcome);
    assert.equal(proxy.seen[0]?.method, "CONNECT");
  });

  it("loopback endpoints bypass the proxy, as Go's httpproxy never proxies them", async function () {
    process.env["HTTP_PROXY"] = proxy.url;
    fake.recorders.set("eu-west-1/rec-loop", { recording: true });
    const r = recorder("rec-loop", provider(fake.url));
    recorderFound(entryOf(await run(stack(r)), r).outcome);
    assert.equal(proxy.seen.length, 0);
  });

  for (const [label, extra, env, host] of [
    ["useFipsEndpoint", { useFipsEndpoint: "true" }, {}, "config-fips.us-east-1.amazonaws.com"],
    ["useDualstackEndpoint", { useDualstackEndpoint: true }, {}, "config.us-east-1.api.aws"],
    ["AWS_USE_FIPS_ENDPOINT", {}, { AWS_USE_FIPS_ENDPOINT: "true" }, "config-fips.us-east-1.amazonaws.com"],
    [
      "FIPS and dual-stack together",
      { useFipsEndpoint: true },
      { AWS_USE_DUALSTACK_ENDPOINT: "true" },
      "config-fips.us-east-1.api.aws",
    ],
  ] as const) {
    it(`${label} sends the call to ${host} (seen, and refused, at the proxy)`, async function () {
      for (const [k, v] of Object.entries(env)) process.env[k] = v;
      const p = providerView({
        region: "us-east-1",
        accessKey: ACCESS_KEY,
        secretKey: SECRET_KEY,
        httpsProxy: proxy.url,
        ...extra,
      });
      const r = recorder("rec-fips", p);
      const f = failureOf(entryOf(await run(stack(r)), r).outcome);
      assert.notEqual(f.reason, "bad-target");
      assert.ok(proxy.seen.length >= 1);
      for (const s of proxy.seen) assert.deepEqual(s, { method: "CONNECT", target: `${host}:443`, carried: false });
    });
  }

  it("FIPS is not applied to an endpoint the provider overrides (its resolvers ignore it there)", async function () {
    const endpoint = routeFake("http");
    fake.recorders.set("eu-west-1/rec-fips-override", { recording: true });
    const r = recorder("rec-fips-override", provider(endpoint, { httpProxy: proxy.url, useFipsEndpoint: "true" }));
    recorderFound(entryOf(await run(stack(r)), r).outcome);
    assert.deepEqual(proxy.hosts(), [FAKE_HOST]);
  });
});

describe("proxy choice per URL (golang.org/x/net/http/httpproxy rules)", function () {
  const settings = proxySettings({}, { HTTPS_PROXY: "proxy.corp:3128", HTTP_PROXY: "http://p80.corp", NO_PROXY: "" });

  it("reads upper case first, a scheme-less proxy as http://, and picks by the URL's scheme", function () {
    assert.equal(
      proxyForUrl(settings, new URL("https://config.eu-west-1.amazonaws.com"))?.href,
      "http://proxy.corp:3128/",
    );
    assert.equal(proxyForUrl(settings, new URL("http://config.eu-west-1.amazonaws.com"))?.href, "http://p80.corp/");
    const lower = proxySettings({}, { https_proxy: "http://lower:1", HTTPS_PROXY: "http://upper:2" });
    assert.equal(lower.https, "http://upper:2");
    assert.equal(proxySettings({}, { https_proxy: "http://lower:1" }).https, "http://lower:1");
  });

  it("provider settings override the environment; httpProxy alone serves HTTPS only when no HTTPS proxy is set", function () {
    const env = { HTTPS_PROXY: "http://env-https:1", NO_PROXY: "env.example" };
    assert.deepEqual(proxySettings({ httpProxy: "http://prov:2" }, env), {
      http: "http://prov:2",
      https: "http://env-https:1",
      noProxy: "env.example",
    });
    assert.equal(proxySettings({ httpProxy: "http://prov:2" }, {}).https, "http://prov:2");
    assert.equal(proxySettings({ httpProxy: "http://prov:2", httpsProxy: "" }, {}).https, "");
    assert.equal(proxySettings({ noProxy: "prov.example" }, env).noProxy, "prov.example");
  });

  const cases: [string, string, boolean][] = [
    ["https://config.eu-west-1.amazonaws.com", "", true],
    ["https://localhost:8443", "", false],
    ["http://127.0.0.5:80", "", false],
    ["http://[::1]:80", "", false],
    ["https://config.eu-west-1.amazonaws.com", "*", false],
    ["https://config.eu-west-1.amazonaws.com", "amazonaws.com", false],
    ["https://amazonaws.com", "amazonaws.com", false],
    ["https://amazonaws.com", ".amazonaws.com", true],
    ["https://config.eu-west-1.amazonaws.com", ".amazonaws.com", false],
    ["https://config.eu-west-1.amazonaws.com", "*.amazonaws.com", false],
    ["https://notamazonaws.com", "amazonaws.com", true],
    ["https://config.eu-west-1.amazonaws.com", "amazonaws.com:443", false],
    ["https://config.eu-west-1.amazonaws.com", "amazonaws.com:8443", true],
    ["https://10.1.2.3", "10.0.0.0/8", false],
    ["https://11.1.2.3", "10.0.0.0/8", true],
    ["https://10.1.2.3", "10.1.2.3", false],
    ["https://10.1.2.3:8443", "10.1.2.3:443", true],
    ["https://[2001:db8::1]", "2001:db8::/32", false],
    ["https://[2001:db8::1]", "2001:0db8:0:0:0:0:0:1", false],
    ["https://10.1.2.3", "amazonaws.com, 10.1.2.3 ,", false],
    ["https://CONFIG.Amazonaws.COM", "amazonaws.com", false],
  ];
  for (const [url, noProxy, expected] of cases) {
    it(`${url} with NO_PROXY="${noProxy}" → ${expected ? "proxied" : "direct"}`, function () {
      assert.equal(useProxy(new URL(url), noProxy), expected);
    });
  }

  it("the pack's agents route each host by these rules: NO_PROXY hosts direct, others to the proxy", function () {
    const network = {
      proxy: proxySettings({ httpsProxy: "http://127.0.0.1:9", noProxy: "internal.example" }, {}),
      insecure: false,
      useFipsEndpoint: false,
      useDualstackEndpoint: false,
    };
    const agents = routingAgents(network, undefined);
    try {
      type Connect = (req: unknown, opts: { secureEndpoint: boolean; host: string; port: number }) => unknown;
      const connect = (agents.httpsAgent as unknown as { connect: Connect }).connect.bind(agents.httpsAgent);
      const direct = connect({}, { secureEndpoint: true, host: "config.internal.example", port: 443 });
      const viaProxy = connect({}, { secureEndpoint: true, host: "config.eu-west-1.amazonaws.com", port: 443 });
      assert.equal(direct?.constructor.name, "Agent");
      assert.equal(viaProxy?.constructor.name, "HttpsProxyAgent");
      assert.equal((viaProxy as { proxy: URL }).proxy.href, "http://127.0.0.1:9/");
    } finally {
      agents.destroy();
    }
  });
});

describe("no credentials on this machine (instance metadata, in a child process)", function () {
  this.timeout(30_000);

  /** Runs one recorder check in a fresh node process with IMDS enabled and pointed at `imdsUrl`. */
  async function checkInChild(imdsUrl: string): Promise<CheckFailure> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-imds-"));
    const lib = path.join(__dirname, "..", "lib");
    const script = `
      const { registerKinds, liveEntries } = require(${JSON.stringify(path.join(lib, "live", "round"))});
      const { awsRecorderKind } = require(${JSON.stringify(path.join(lib, "aws", "kinds"))});
      registerKinds([awsRecorderKind]);
      const provider = { urn: "urn:p", name: "p", type: "pulumi:providers:aws",
        props: { region: "eu-west-1", endpoints: JSON.stringify([{ configservice: "http://127.0.0.1:9" }]) } };
      const r = { urn: "urn:r", name: "rec", type: "aws:cfg/recorder:Recorder", props: { name: "rec" }, provider, exists: true };
      liveEntries("aws-config-recorder-recording", { dryRun: false, deploys: { aws: true, alicloud: false },
        fingerprint: "imds", resources: [r] }, { timeoutSeconds: 10 })
        .then((e) => process.stdout.write(JSON.stringify(e[0].outcome)));
    `;
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!/^(AWS_|PULUMI_|HTTPS?_PROXY|NO_PROXY)/i.test(k)) env[k] = v;
    }
    Object.assign(env, {
      HOME: home,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, "none"),
      AWS_CONFIG_FILE: path.join(home, "none-either"),
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsUrl,
    });
    try {
      const child = spawn(process.execPath, ["-e", script], { env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      await new Promise<void>((resolve) => child.on("close", () => resolve()));
      const outcome = JSON.parse(out || "null") as Outcome<unknown> | null;
      assert.ok(outcome, `child printed nothing; stderr: ${err}`);
      return failureOf(outcome);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  }

  it("an instance-metadata service that never answers → no-credentials, not a timeout of the call", async function () {
    const requests: string[] = [];
    const hanging = http.createServer((req) => {
      requests.push(`${req.method} ${req.url}`); // and never answer
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    try {
      const f = await checkInChild(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}`);
      assert.equal(f.reason, "no-credentials");
      assert.doesNotMatch(f.detail, /timeoutSeconds/);
      assert.ok(requests.length >= 1, "the default chain did ask the (loopback) metadata service");
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it("an instance-metadata endpoint that refuses connections → no-credentials", async function () {
    const f = await checkInChild(`http://127.0.0.1:${await closedPort()}`);
    assert.equal(f.reason, "no-credentials");
  });
});
