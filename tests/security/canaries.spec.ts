// Canary credentials through the WHOLE pack process: distinctive keys, secrets and tokens reach the
// pack every way credentials arrive (explicit provider props, plain and as secrets; a default
// provider's props; stack config; the pack's environment; an AWS assume-role chain's issued keys),
// then the loopback fakes answer every failure path with replies that echo them. No canary may
// appear in any diagnostic (message, urn, not-applicable reason) nor anywhere the pack printed, in
// any of its encodings. Each scenario also asserts the path it meant to exercise was taken.

import assert from "node:assert/strict";
import { type AliFault, type AliRequest, FakeAlibaba } from "../fakes/alibaba";
import { type AwsRequest, type Fault, FakeAws } from "../fakes/aws";
import {
  type AnalyzeResult,
  AnalyzerHarness,
  defaultProvider,
  type Props,
  type ProviderRef,
  providerResource,
  type ResourceSpec,
  secret,
  stackResource,
} from "../harness/analyzer";
import {
  ACCOUNT,
  ALI_REGION,
  aliEndpoints,
  aliProvider,
  aliRecorder,
  aliTrail,
  AWS_REGION,
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

const AWS_RECORDER = "aws-config-recorder-recording";
const AWS_TRAIL = "aws-cloudtrail-trail-logging";
const ALI_RECORDER = "alicloud-config-recorder-recording";
const ALI_TRAIL = "alicloud-actiontrail-trail-logging";
const LIVE = "auditguard-live-verification";
const LIVE_POLICIES = [AWS_RECORDER, AWS_TRAIL, ALI_RECORDER, ALI_TRAIL, LIVE];

// ---- the canaries ----------------------------------------------------------------------------------

interface AwsKeys {
  accessKey: string;
  secretKey: string;
  token: string;
}
interface AliKeys {
  accessKey: string;
  secretKey: string;
  securityToken: string;
}

/** How the credentials reach the pack. */
type Way = "explicit" | "explicit-secret" | "default-provider" | "stack-config" | "environment" | "assume-role";
const AWS_WAYS: readonly Way[] = [
  "explicit",
  "explicit-secret",
  "default-provider",
  "stack-config",
  "environment",
  "assume-role",
];
type AliWay = Exclude<Way, "assume-role">;
const ALI_WAYS: readonly AliWay[] = ["explicit", "explicit-secret", "default-provider", "stack-config", "environment"];

// Session tokens carry '/', '+' and '=' like real ones, so encoded echoes differ from the raw value.
const AWS_KEYS: Record<Way, AwsKeys> = {
  explicit: {
    accessKey: "AKIACANARYEXPLICIT01",
    secretKey: "canary-secret-explicit-plain-0001",
    token: "canary-token-explicit/plain+0001==",
  },
  "explicit-secret": {
    accessKey: "AKIACANARYWRAPPED002",
    secretKey: "canary-secret-wrapped-0002",
    token: "canary-token-wrapped/0002+x=",
  },
  "default-provider": {
    accessKey: "AKIACANARYDEFAULT003",
    secretKey: "canary-secret-default-provider-0003",
    token: "canary-token-default/0003",
  },
  "stack-config": {
    accessKey: "AKIACANARYSTACKCFG04",
    secretKey: "canary-secret-stack-config-0004",
    token: "canary-token-stack-config+0004",
  },
  environment: {
    accessKey: "AKIACANARYENVIRON005",
    secretKey: "canary-secret-environment-0005",
    token: "canary-token-environment/0005==",
  },
  "assume-role": {
    accessKey: "AKIACANARYROLEBASE06",
    secretKey: "canary-secret-role-base-0006",
    token: "canary-token-role-base-0006",
  },
};
/** What STS issues for the role: the fake answers `assumed-secret-<key>` / `assumed-token-<key>`. */
const ASSUMED_KEY = "canary-assumed-key-0007";
const ASSUMED = [ASSUMED_KEY, `assumed-secret-${ASSUMED_KEY}`, `assumed-token-${ASSUMED_KEY}`];
const ROLE_ARN = `arn:aws:iam::210987654321:role/auditguard-probe`;
const ROLE_SESSION = "auditguard-probe-session";

const ALI_KEYS: Record<AliWay, AliKeys> = {
  explicit: {
    accessKey: "LTAIcanaryExplicit01",
    secretKey: "canary-ali-secret-explicit-01",
    securityToken: "canary-ali-token-explicit/01+a=",
  },
  "explicit-secret": {
    accessKey: "LTAIcanaryWrapped002",
    secretKey: "canary-ali-secret-wrapped-02",
    securityToken: "canary-ali-token-wrapped-02",
  },
  "default-provider": {
    accessKey: "LTAIcanaryDefault003",
    secretKey: "canary-ali-secret-default-03",
    securityToken: "canary-ali-token-default/03",
  },
  "stack-config": {
    accessKey: "LTAIcanaryStackCfg04",
    secretKey: "canary-ali-secret-stack-config-04",
    securityToken: "canary-ali-token-stack-config+04",
  },
  environment: {
    accessKey: "LTAIcanaryEnviron005",
    secretKey: "canary-ali-secret-environment-05",
    securityToken: "canary-ali-token-environment-05==",
  },
};

/** Every canary the pack is given before any call: what a hostile reply may echo back. */
const GIVEN: readonly string[] = [
  ...Object.values(AWS_KEYS).flatMap((k) => [k.accessKey, k.secretKey, k.token]),
  ...Object.values(ALI_KEYS).flatMap((k) => [k.accessKey, k.secretKey, k.securityToken]),
];
const ALL_CANARIES: readonly string[] = [...GIVEN, ...ASSUMED];

/** A canary as it may travel: raw, percent-encoded (query strings, canonical requests), JSON-escaped. */
function encodings(canary: string): string[] {
  const uri = encodeURIComponent(canary);
  return [
    ...new Set([
      canary,
      uri,
      uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      encodeURIComponent(uri),
      JSON.stringify(canary).slice(1, -1),
    ]),
  ];
}

const PACK_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: AWS_KEYS.environment.accessKey,
  AWS_SECRET_ACCESS_KEY: AWS_KEYS.environment.secretKey,
  AWS_SESSION_TOKEN: AWS_KEYS.environment.token,
  ALIBABA_CLOUD_ACCESS_KEY_ID: ALI_KEYS.environment.accessKey,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: ALI_KEYS.environment.secretKey,
  ALIBABA_CLOUD_SECURITY_TOKEN: ALI_KEYS.environment.securityToken,
};

// ---- the stack: every way, both clouds ---------------------------------------------------------------

interface Urls {
  aws: string;
  ali: string;
}

interface Target {
  cloud: "aws" | "alicloud";
  kind: "recorder" | "trail";
  way: Way;
  urn: string;
  /** The live policy that judges its observed state. */
  policy: string;
}

/** The stack config: where the `stack-config` way's canaries and endpoints come from. */
function stackConfig(urls: Urls): Record<string, string> {
  const a = AWS_KEYS["stack-config"];
  const b = ALI_KEYS["stack-config"];
  return {
    "aws:region": AWS_REGION,
    "aws:endpoints": JSON.stringify(awsEndpoints(urls.aws)),
    "aws:accessKey": a.accessKey,
    "aws:secretKey": a.secretKey,
    "aws:token": a.token,
    "alicloud:region": ALI_REGION,
    "alicloud:endpoints": JSON.stringify(aliEndpoints(urls.ali)),
    "alicloud:accessKey": b.accessKey,
    "alicloud:secretKey": b.secretKey,
    "alicloud:securityToken": b.securityToken,
  };
}

function awsProviderFor(way: Way, url: string): ProviderRef | undefined {
  const base: Props = { region: AWS_REGION, endpoints: awsEndpoints(url) };
  const k = AWS_KEYS[way];
  switch (way) {
    case "explicit":
      return awsProvider("probe-explicit", url, {
        accessKey: k.accessKey,
        secretKey: k.secretKey,
        token: k.token,
      });
    case "explicit-secret":
      return awsProvider("probe-secret", url, {
        accessKey: secret(k.accessKey),
        secretKey: secret(k.secretKey),
        token: secret(k.token),
      });
    case "default-provider":
      // Stack config values as the engine hands them to a default provider: strings, secrets wrapped.
      return defaultProvider("aws", "7.48.0", {
        ...base,
        accessKey: secret(k.accessKey),
        secretKey: secret(k.secretKey),
        token: secret(k.token),
      });
    case "stack-config":
      return undefined;
    case "environment":
      return awsProvider("probe-env", url);
    case "assume-role":
      return awsProvider("probe-role", url, {
        accessKey: secret(k.accessKey),
        secretKey: secret(k.secretKey),
        token: secret(k.token),
        assumeRoles: [{ roleArn: ROLE_ARN, sessionName: ROLE_SESSION, duration: "1h" }],
      });
  }
}

function aliProviderFor(way: AliWay, url: string): ProviderRef | undefined {
  const base: Props = { region: ALI_REGION, endpoints: aliEndpoints(url) };
  switch (way) {
    case "explicit": {
      const k = ALI_KEYS.explicit;
      return aliProvider("probe-explicit", url, {
        accessKey: k.accessKey,
        secretKey: k.secretKey,
        securityToken: k.securityToken,
      });
    }
    case "explicit-secret": {
      const k = ALI_KEYS["explicit-secret"];
      return aliProvider("probe-secret", url, {
        accessKey: secret(k.accessKey),
        secretKey: secret(k.secretKey),
        securityToken: secret(k.securityToken),
      });
    }
    case "default-provider": {
      const k = ALI_KEYS["default-provider"];
      return defaultProvider("alicloud", "3.80.0", {
        ...base,
        accessKey: secret(k.accessKey),
        secretKey: secret(k.secretKey),
        securityToken: secret(k.securityToken),
      });
    }
    case "environment":
      return aliProvider("probe-env", url);
    default:
      return undefined;
  }
}

const awsRecorderName = (way: Way): string => `${way}-recorder`;
const awsWayTrailArn = (way: Way): string => awsTrailArn(`${way}-trail`);
const aliTrailName = (way: Way): string => `${way}-trail`;

function awsResources(way: Way, provider: ProviderRef | undefined, targets: Target[]): ResourceSpec[] {
  const name = awsRecorderName(way);
  const rec = awsRecorder(name, { provider, omit: ["recordingMode"] });
  const trail = awsTrail(`${way}-trail`, { provider, omit: ["tags"] });
  targets.push(
    { cloud: "aws", kind: "recorder", way, urn: rec.urn, policy: AWS_RECORDER },
    { cloud: "aws", kind: "trail", way, urn: trail.urn, policy: AWS_TRAIL },
  );
  return [rec, awsRecorderStatus(name, { provider }), awsDeliveryChannel(name, { provider }), trail];
}

function aliResources(way: AliWay, provider: ProviderRef | undefined, targets: Target[]): ResourceSpec[] {
  const rec = aliRecorder(`${way}-ali-recorder`, {
    provider,
    props: { id: "1234567" },
    omit: ["enterpriseEdition"],
  });
  const trail = aliTrail(aliTrailName(way), {
    resourceName: `${way}-ali-trail`,
    provider,
    props: { regionId: ALI_REGION, ossBucketName: "audit-logs" },
  });
  targets.push(
    { cloud: "alicloud", kind: "recorder", way, urn: rec.urn, policy: ALI_RECORDER },
    { cloud: "alicloud", kind: "trail", way, urn: trail.urn, policy: ALI_TRAIL },
  );
  return [rec, trail];
}

function canaryStack(urls: Urls): { resources: ResourceSpec[]; targets: Target[] } {
  const targets: Target[] = [];
  const resources: ResourceSpec[] = [stackResource()];
  for (const way of AWS_WAYS) {
    const p = awsProviderFor(way, urls.aws);
    if (p) resources.push(providerResource(p));
    resources.push(...awsResources(way, p, targets));
  }
  for (const way of ALI_WAYS) {
    const p = aliProviderFor(way, urls.ali);
    if (p) resources.push(providerResource(p));
    resources.push(...aliResources(way, p, targets));
  }
  return { resources, targets };
}

// ---- fake state ------------------------------------------------------------------------------------

function resetAli(fake: FakeAlibaba): void {
  fake.recorder = undefined;
  fake.trails.clear();
  fake.orgTrails.clear();
  fake.requests.length = 0;
  fake.fault = undefined;
  fake.latencyMs = 0;
}

function healthy(aws: FakeAws, ali: FakeAlibaba): void {
  const t = Math.floor(Date.now() / 1000);
  for (const way of AWS_WAYS) {
    aws.recorders.set(`${AWS_REGION}/${awsRecorderName(way)}`, {
      recording: true,
      lastStatus: "SUCCESS",
      lastStartTime: t - 86_400,
      lastStatusChangeTime: t - 600,
    });
    aws.trails.set(awsWayTrailArn(way), { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 });
  }
  aws.roles.set(ROLE_ARN, ASSUMED_KEY);
  ali.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: ["ACS::ECS::Instance"] };
  const iso = new Date(Date.now() - 300_000).toISOString();
  for (const way of ALI_WAYS) ali.trails.set(aliTrailName(way), { IsLogging: true, LatestDeliveryTime: iso });
}

/** Everything a hostile reply could echo: the request's own credentials, and every canary the pack was given. */
function echoAws(req: AwsRequest): string {
  const own = [req.accessKeyId ?? "", req.sessionToken ?? ""];
  if (req.accessKeyId === ASSUMED_KEY) own.push(...ASSUMED);
  return `key ${own.join(" token ")} known ${GIVEN.join(" ")}`;
}
function echoAli(req: AliRequest): string {
  return `AccessKeyId ${req.accessKeyId ?? ""} SecurityToken ${req.securityToken ?? ""} known ${GIVEN.join(" ")}`;
}

// ---- assertions ------------------------------------------------------------------------------------

function brief(result: AnalyzeResult): string {
  return JSON.stringify(
    result.diagnostics.map((d) => ({ p: d.policyName, u: d.urn.split("::").pop(), m: d.message })),
    null,
    1,
  );
}

/**
 * No canary, in any encoding, in anything the pack answered or printed; and no fragment of one either:
 * every canary contains "canary" and nothing else in these stacks does, so the word itself betrays a
 * piece of a secret that was cut (a truncated echo, a parser's excerpt) where redaction cannot see it.
 */
function assertNoCanary(where: string, text: string): void {
  for (const canary of ALL_CANARIES) {
    for (const form of encodings(canary)) {
      assert.ok(!text.includes(form), `${where} leaks ${JSON.stringify(form)}: ${text.slice(0, 4000)}`);
    }
  }
  const fragment = /.{0,60}canary.{0,60}/is.exec(text);
  assert.equal(fragment, null, `${where} leaks a fragment of a canary: ${fragment?.[0] ?? ""}`);
}

function liveDiagnostics(result: AnalyzeResult): AnalyzeResult["diagnostics"] {
  return result.diagnostics.filter((d) => LIVE_POLICIES.includes(d.policyName));
}

/** Every target has a live-verification diagnostic saying what failed; no verdict was made on it. */
function assertUnverified(result: AnalyzeResult, targets: readonly Target[], why: RegExp): void {
  for (const t of targets) {
    const live = result.diagnostics.filter((d) => d.policyName === LIVE && d.urn === t.urn);
    assert.equal(
      live.length,
      1,
      `${t.cloud} ${t.kind} (${t.way}) has one live-verification diagnostic: ${brief(result)}`,
    );
    assert.match(live[0]?.message ?? "", why, `${t.cloud} ${t.kind} (${t.way})`);
    const judged = result.diagnostics.filter((d) => d.policyName === t.policy && d.urn === t.urn);
    assert.deepEqual(judged, [], `${t.cloud} ${t.kind} (${t.way}) is not judged from a failed call`);
  }
}

// ---- the scenarios ---------------------------------------------------------------------------------

interface Scenario {
  title: string;
  awsFault?: (req: AwsRequest) => Fault | undefined;
  aliFault?: (req: AliRequest) => AliFault | undefined;
  aws: RegExp;
  ali: RegExp;
  /** The echoed canaries reach the diagnostics (redacted): the reply's text is not simply dropped. */
  echoed: boolean;
}

/** STS answers normally; the service calls fail. */
function services<T>(f: (req: AwsRequest) => T): (req: AwsRequest) => T | undefined {
  return (req) => (req.service === "sts" ? undefined : f(req));
}

const ERROR_SCENARIOS: readonly Scenario[] = [
  {
    title: "access denied, the message echoing the keys",
    awsFault: services((req) => ({
      kind: "error",
      status: 400,
      code: "AccessDeniedException",
      message: `User: arn:aws:iam::${ACCOUNT}:user/ci (${echoAws(req)}) is not authorized to perform this action`,
    })),
    aliFault: (req) => ({
      kind: "error",
      status: 403,
      code: "NoPermission",
      message: `You are not authorized to do this action. ${echoAli(req)}`,
    }),
    aws: /access was denied/,
    ali: /access was denied/,
    echoed: true,
  },
  {
    title: "invalid token",
    awsFault: services((req) => ({
      kind: "error",
      status: 400,
      code: "UnrecognizedClientException",
      message: `The security token included in the request is invalid: ${echoAws(req)}`,
    })),
    aliFault: (req) => ({
      kind: "error",
      status: 400,
      code: "InvalidSecurityToken.Expired",
      message: `Specified SecurityToken is expired: ${echoAli(req)}`,
    }),
    aws: /credentials were rejected/,
    ali: /credentials were rejected/,
    echoed: true,
  },
  {
    title: "signature mismatch echoing the canonical request, percent-encoded",
    awsFault: services((req) => ({
      kind: "error",
      status: 400,
      code: "InvalidSignatureException",
      message:
        `The request signature we calculated does not match the signature you provided. The Canonical String ` +
        `for this request should have been 'POST / X-Amz-Security-Token=${encodeURIComponent(req.sessionToken ?? "")} ` +
        `x-amz-security-token:${req.sessionToken ?? ""}' The String-to-Sign should have been 'AWS4-HMAC-SHA256 ` +
        `${req.accessKeyId ?? ""}/20260301/${AWS_REGION}/config/aws4_request' ${GIVEN.map(encodeURIComponent).join(" ")}`,
    })),
    aliFault: (req) => ({
      kind: "error",
      status: 400,
      code: "SignatureDoesNotMatch",
      message:
        `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D` +
        `${encodeURIComponent(req.accessKeyId ?? "")}%26SecurityToken%3D${encodeURIComponent(
          encodeURIComponent(req.securityToken ?? ""),
        )} ${GIVEN.map(encodeURIComponent).join(" ")}`,
    }),
    aws: /credentials were rejected/,
    ali: /credentials were rejected/,
    echoed: true,
  },
  {
    title: "an error code the pack does not know",
    awsFault: services((req) => ({
      kind: "error",
      status: 400,
      code: "BrandNewFeatureException",
      message: `Something new happened: ${echoAws(req)}`,
    })),
    aliFault: (req) => ({
      kind: "error",
      status: 400,
      code: "Brand.NewCode",
      message: `Something new: ${echoAli(req)}`,
    }),
    aws: /failed unexpectedly/,
    ali: /failed unexpectedly/,
    echoed: true,
  },
  {
    title: "HTTP 500 with the canaries in a non-JSON body",
    awsFault: services((req) => ({
      kind: "reply",
      status: 500,
      contentType: "text/html",
      body: `${AWS_KEYS.explicit.secretKey}<html><body><h1>500 Internal Server Error</h1><pre>${echoAws(req)}</pre></body></html>`,
    })),
    aliFault: (req) => ({
      kind: "reply",
      status: 500,
      contentType: "text/html",
      body: `${ALI_KEYS.explicit.secretKey}<html><body><h1>500 Internal Server Error</h1><pre>${echoAli(req)}</pre></body></html>`,
    }),
    aws: /server error/,
    ali: /server error|could not be understood/,
    echoed: false,
  },
  {
    title: "a malformed reply containing the canaries",
    awsFault: services((req) => ({
      kind: "reply",
      status: 200,
      body: `{"IsLogging": tru ${AWS_KEYS.explicit.secretKey} ${echoAws(req)}`,
    })),
    aliFault: (req) => ({
      kind: "reply",
      status: 200,
      body: `{"RequestId": "r", "IsLogging": tr ${ALI_KEYS.explicit.secretKey} ${echoAli(req)}`,
    }),
    aws: /could not be understood/,
    ali: /could not be understood/,
    echoed: false,
  },
];

describe("canary credentials never leave the pack (whole process, every way in, every failure path)", function () {
  let aws: FakeAws;
  let ali: FakeAlibaba;
  let pack: AnalyzerHarness | undefined;
  let urls: Urls;
  const results: AnalyzeResult[] = [];
  const h = (): AnalyzerHarness => {
    assert.ok(pack, "pack not started");
    return pack;
  };

  /** Runs the canary stack once; checks this result and everything printed so far. */
  async function analyze(at: Urls = urls): Promise<{ result: AnalyzeResult; targets: Target[] }> {
    const { resources, targets } = canaryStack(at);
    const result = await h().analyzeStack(resources);
    results.push(result);
    assertNoCanary("a diagnostic", JSON.stringify(result));
    assertNoCanary("the pack's output", h().output());
    return { result, targets };
  }

  before(async () => {
    aws = await FakeAws.start();
    ali = await FakeAlibaba.start();
    ali.account = "1234567"; // the canary recorders' id: "not found" is believed from that account
    urls = { aws: aws.url, ali: ali.url };
    // Coverage off: not every way in here points STS at the fakes, and account coverage would ask the real
    // STS who the credentials are (the coverage suites, tests/coverage-*.spec.ts, check its redaction).
    pack = await AnalyzerHarness.start({
      dryRun: true,
      env: PACK_ENV,
      config: stackConfig(urls),
      policies: coverageOff(),
    });
  });
  after(async () => {
    await pack?.close();
    await aws.close();
    await ali.close();
  });
  beforeEach(() => {
    aws.reset();
    resetAli(ali);
    healthy(aws, ali);
  });

  it("healthy: every way in signs its calls with its own canary keys, and nothing is reported", async () => {
    const { result } = await analyze();
    assert.deepEqual(liveDiagnostics(result), [], brief(result));
    // The canaries really were used: each way's key signed its calls (the roles' calls with the issued key).
    const awsKeys = new Set(aws.requests.map((r) => r.accessKeyId));
    for (const way of AWS_WAYS) {
      const expected = way === "assume-role" ? ASSUMED_KEY : AWS_KEYS[way].accessKey;
      assert.ok(awsKeys.has(expected), `${way}: ${[...awsKeys].join(", ")}`);
    }
    assert.equal(aws.calls("AssumeRole")[0]?.accessKeyId, AWS_KEYS["assume-role"].accessKey);
    const aliKeys = new Set(ali.requests.map((r) => r.accessKeyId));
    for (const way of ALI_WAYS) {
      assert.ok(aliKeys.has(ALI_KEYS[way].accessKey), `${way}: ${[...aliKeys].join(", ")}`);
    }
    const aliTokens = new Set(ali.requests.map((r) => r.securityToken));
    for (const way of ALI_WAYS) assert.ok(aliTokens.has(ALI_KEYS[way].securityToken));
  });

  it("stopped trails and recorders whose error fields quote the canaries: violations, redacted", async () => {
    const quoted = `AccessDenied for ${GIVEN.join(" ")}`;
    for (const way of AWS_WAYS) {
      aws.recorders.set(`${AWS_REGION}/${awsRecorderName(way)}`, {
        recording: false,
        lastStatus: "FAILURE",
        lastErrorCode: "AccessDenied",
        lastErrorMessage: quoted,
        lastStatusChangeTime: Math.floor(Date.now() / 1000) - 7200,
      });
      aws.trails.set(awsWayTrailArn(way), { IsLogging: false, LatestDeliveryError: quoted });
    }
    ali.recorder = { ConfigurationRecorderStatus: "REGISTRABLE" };
    for (const way of ALI_WAYS) ali.trails.set(aliTrailName(way), { IsLogging: false, LatestDeliveryError: quoted });
    const { result, targets } = await analyze();
    assert.deepEqual(
      result.diagnostics.filter((d) => d.policyName === LIVE),
      [],
      brief(result),
    );
    for (const t of targets) {
      const ds = result.diagnostics.filter((d) => d.policyName === t.policy && d.urn === t.urn);
      assert.ok(ds.length >= 1, `${t.cloud} ${t.kind} (${t.way}) is a violation: ${brief(result)}`);
    }
    assert.ok(
      result.diagnostics.some((d) => d.message.includes("[redacted]")),
      `the quoted error fields reach the messages, redacted: ${brief(result)}`,
    );
  });

  for (const s of ERROR_SCENARIOS) {
    it(`${s.title}: every check unverified, nothing leaked`, async () => {
      aws.fault = s.awsFault;
      ali.fault = s.aliFault;
      const { result, targets } = await analyze();
      assertUnverified(
        result,
        targets.filter((t) => t.cloud === "aws"),
        s.aws,
      );
      assertUnverified(
        result,
        targets.filter((t) => t.cloud === "alicloud"),
        s.ali,
      );
      assert.ok(aws.requests.length > 0 && ali.requests.length > 0, "both fakes were called");
      if (s.echoed) {
        for (const cloud of ["aws", "alicloud"] as const) {
          const urns = new Set(targets.filter((t) => t.cloud === cloud).map((t) => t.urn));
          const ds = result.diagnostics.filter((d) => d.policyName === LIVE && urns.has(d.urn));
          assert.ok(
            ds.every((d) => d.message.includes("[redacted]")),
            `${cloud}: the echoed reply reaches every diagnostic, redacted: ${brief(result)}`,
          );
        }
      }
    });
  }

  it("AWS STS denies the role chain, echoing the session and the keys: only the role's checks fail", async () => {
    aws.fault = (req) => {
      if (req.service !== "sts") return undefined;
      const session = String(req.body["RoleSessionName"] ?? "");
      return {
        kind: "reply",
        status: 403,
        contentType: "text/xml",
        body:
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
          `<Code>AccessDenied</Code><Message>User with key ${req.accessKeyId ?? ""} token ${req.sessionToken ?? ""} ` +
          `(session ${session}) is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}; ` +
          `${GIVEN.join(" ")}</Message></Error><RequestId>r-denied</RequestId></ErrorResponse>`,
      };
    };
    const { result, targets } = await analyze();
    const role = targets.filter((t) => t.way === "assume-role");
    assert.equal(role.length, 2);
    assertUnverified(result, role, /access was denied|credentials|could not be found/);
    assert.ok(
      result.diagnostics.filter((d) => d.policyName === LIVE).every((d) => role.some((t) => t.urn === d.urn)),
      `only the role's checks fail: ${brief(result)}`,
    );
    const assume = aws.calls("AssumeRole");
    assert.ok(assume.length >= 1);
    assert.equal(assume[0]?.body["RoleSessionName"], ROLE_SESSION);
    assert.equal(assume[0]?.accessKeyId, AWS_KEYS["assume-role"].accessKey);
    assert.ok(
      !aws.requests.some((r) => r.accessKeyId === ASSUMED_KEY),
      "no call is made with credentials STS never issued",
    );
  });

  it("a server that never answers, timeoutSeconds 1: every check times out, nothing leaked", async () => {
    const fast = { timeoutSeconds: 1 };
    await h().configure({
      ...coverageOff(),
      [AWS_RECORDER]: fast,
      [AWS_TRAIL]: fast,
      [ALI_RECORDER]: fast,
      [ALI_TRAIL]: fast,
    });
    try {
      // STS hangs too: the role chain's resolution counts against the same deadline.
      aws.fault = () => ({ kind: "hang" });
      ali.fault = () => ({ kind: "hang" });
      const { result, targets } = await analyze();
      assertUnverified(result, targets, /did not finish before its deadline/);
    } finally {
      await h().configure(coverageOff());
    }
  });

  it("connection refused: every check reports an unreachable endpoint, nothing leaked", async () => {
    const closed = await closedPortUrl();
    const at = { aws: closed, ali: closed };
    await h().configureStack(true, stackConfig(at));
    try {
      const { result, targets } = await analyze(at);
      assertUnverified(result, targets, /could not be reached/);
    } finally {
      await h().configureStack(true, stackConfig(urls));
    }
    assert.deepEqual(aws.requests, []);
    assert.deepEqual(ali.requests, []);
  });

  it("a malformed endpoint: every check reports a bad target, nothing leaked", async () => {
    const at = { aws: "http://[127.0.0.1:bad", ali: "http://[127.0.0.1:bad" };
    await h().configureStack(true, stackConfig(at));
    try {
      const { result, targets } = await analyze(at);
      assertUnverified(result, targets, /could not be determined/);
    } finally {
      await h().configureStack(true, stackConfig(urls));
    }
    assert.deepEqual(aws.requests, []);
    assert.deepEqual(ali.requests, []);
  });

  it("across every scenario: no canary in any diagnostic, not-applicable reason or printed line", () => {
    assert.equal(results.length, ERROR_SCENARIOS.length + 6, "every scenario ran through the pack");
    const diagnostics = results.flatMap((r) => r.diagnostics);
    assert.ok(diagnostics.filter((d) => d.policyName === LIVE).length >= 10 * ERROR_SCENARIOS.length);
    for (const d of diagnostics) {
      for (const [field, text] of Object.entries(d)) assertNoCanary(`diagnostic ${field}`, String(text));
    }
    for (const n of results.flatMap((r) => r.notApplicable)) assertNoCanary("a not-applicable reason", n.reason);
    assertNoCanary("the pack's output", h().output());
  });
});
