import assert from "node:assert/strict";
import {
  accountHint,
  accountOfArn,
  type AwsCredentialSpec,
  credentialsOf,
  endpointOf,
  parseDuration,
  regionOf,
  regionOfArn,
  resolveTarget,
} from "../../lib/aws/target";
import { type PlainObject, UNKNOWN } from "../../lib/plain";
import { redact } from "../../lib/redact";
import { provider, proxied, proxy, resource, TYPES, withEnv } from "./support";

const trail = (props: PlainObject, prov?: PlainObject) =>
  resource(TYPES.awsTrail, "t", props, prov ? { provider: provider(prov) } : {});
const config = (c: Record<string, string>) => JSON.stringify(c);

describe("aws target: regionOf", () => {
  const env = {
    PULUMI_CONFIG: config({ "aws:region": "eu-central-1" }),
    AWS_REGION: "ap-south-1",
    AWS_DEFAULT_REGION: "sa-east-1",
  };

  it("prefers the resource's own region", () => {
    withEnv(env, () => {
      assert.deepEqual(regionOf(trail({ region: "us-west-2" }, { region: "us-east-1" })), {
        ok: true,
        value: "us-west-2",
      });
    });
  });

  it("then the provider's region", () => {
    withEnv(env, () => {
      assert.deepEqual(regionOf(trail({}, { region: "us-east-1" })), { ok: true, value: "us-east-1" });
    });
  });

  it("an unknown resource region falls through to the provider's", () => {
    withEnv(env, () => {
      assert.deepEqual(regionOf(trail({ region: UNKNOWN }, { region: "us-east-1" })), {
        ok: true,
        value: "us-east-1",
      });
      const props = proxied({ region: proxy.unknownStringValue });
      assert.deepEqual(regionOf(trail(props, { region: "us-east-2" })), { ok: true, value: "us-east-2" });
    });
  });

  it("explicit preferred candidates come first, unknown or empty ones are skipped", () => {
    withEnv(env, () => {
      assert.deepEqual(regionOf(trail({ region: "us-west-2" }), ["eu-north-1"]), { ok: true, value: "eu-north-1" });
      assert.deepEqual(regionOf(trail({ region: "us-west-2" }), [UNKNOWN, "", undefined]), {
        ok: true,
        value: "us-west-2",
      });
    });
  });

  it("then stack config aws:region from PULUMI_CONFIG", () => {
    withEnv(env, () => {
      assert.deepEqual(regionOf(trail({}, {})), { ok: true, value: "eu-central-1" });
      assert.deepEqual(regionOf(trail({})), { ok: true, value: "eu-central-1" }, "no provider reference");
    });
  });

  it("then AWS_REGION, then AWS_DEFAULT_REGION", () => {
    withEnv({ ...env, PULUMI_CONFIG: undefined }, () => {
      assert.deepEqual(regionOf(trail({}, {})), { ok: true, value: "ap-south-1" });
    });
    withEnv({ ...env, PULUMI_CONFIG: config({ "other:key": "x" }), AWS_REGION: undefined }, () => {
      assert.deepEqual(regionOf(trail({}, {})), { ok: true, value: "sa-east-1" });
    });
  });

  it("ignores a malformed PULUMI_CONFIG or an empty aws:region", () => {
    withEnv({ ...env, PULUMI_CONFIG: "{not json" }, () => {
      assert.deepEqual(regionOf(trail({}, {})), { ok: true, value: "ap-south-1" });
    });
    withEnv({ ...env, PULUMI_CONFIG: config({ "aws:region": "" }) }, () => {
      assert.deepEqual(regionOf(trail({}, {})), { ok: true, value: "ap-south-1" });
    });
  });

  it("says how to set a region when there is none", () => {
    withEnv({}, () => {
      const r = regionOf(trail({ region: UNKNOWN }, { region: "" }));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.unknown, false);
      assert.match(r.why, /aws:region/);
      assert.match(r.why, /AWS_REGION/);
    });
  });
});

describe("aws target: endpointOf", () => {
  it("reads configservice, then config, for the config service", () => {
    withEnv({}, () => {
      const both = trail({}, { endpoints: [{ config: "http://config", configservice: "http://configservice" }] });
      assert.equal(endpointOf(both, "config"), "http://configservice");
      assert.equal(endpointOf(trail({}, { endpoints: [{ config: "http://config" }] }), "config"), "http://config");
      assert.equal(endpointOf(trail({}, { endpoints: [{ configservice: "" }] }), "config"), undefined);
    });
  });

  it("reads cloudtrail and sts keys from a JSON string", () => {
    withEnv({}, () => {
      const r = trail(
        {},
        { endpoints: JSON.stringify([{ cloudtrail: "http://127.0.0.1:4566", sts: "http://127.0.0.1:4567" }]) },
      );
      assert.equal(endpointOf(r, "cloudtrail"), "http://127.0.0.1:4566");
      assert.equal(endpointOf(r, "sts"), "http://127.0.0.1:4567");
      assert.equal(endpointOf(r, "config"), undefined);
    });
  });

  it("searches every entry of the endpoints list", () => {
    withEnv({}, () => {
      const r = trail({}, { endpoints: [{ s3: "http://s3" }, { cloudtrail: "http://ct" }] });
      assert.equal(endpointOf(r, "cloudtrail"), "http://ct");
    });
  });

  it("reads stack config aws:endpoints when the resource has no provider reference", () => {
    withEnv({ PULUMI_CONFIG: config({ "aws:endpoints": '[{"cloudtrail":"http://from-config"}]' }) }, () => {
      assert.equal(endpointOf(trail({}), "cloudtrail"), "http://from-config");
    });
  });

  it("malformed or absent endpoints give no override", () => {
    withEnv({}, () => {
      assert.equal(endpointOf(trail({}, { endpoints: "[{" }), "cloudtrail"), undefined);
      assert.equal(endpointOf(trail({}, {}), "cloudtrail"), undefined);
    });
  });

  it("unknown endpoints stay unknown, and no call is planned against the default host", () => {
    withEnv({}, () => {
      assert.equal(endpointOf(trail({}, { endpoints: UNKNOWN }), "cloudtrail"), UNKNOWN);
      assert.equal(endpointOf(trail({}, { endpoints: [{ cloudtrail: UNKNOWN }] }), "cloudtrail"), UNKNOWN);
      const t = resolveTarget(trail({}, { endpoints: UNKNOWN, region: "us-east-1" }), "cloudtrail", "us-east-1");
      assert.deepEqual(t.ok ? "ok" : { unknown: t.unknown }, { unknown: true });
    });
  });
});

function creds(prov: PlainObject): AwsCredentialSpec {
  const c = withEnv({}, () => credentialsOf(trail({}, prov)));
  assert.ok(c.ok, JSON.stringify(c));
  return c.value;
}

describe("aws target: credentialsOf", () => {
  it("uses static keys, with the session token when given", () => {
    assert.deepEqual(creds({ accessKey: "AKIDSTATIC1", secretKey: "static-secret-1" }).base, {
      source: "static",
      accessKeyId: "AKIDSTATIC1",
      secretAccessKey: "static-secret-1",
    });
    assert.deepEqual(creds({ accessKey: "AKIDSTATIC2", secretKey: "static-secret-2", token: "static-token-2" }).base, {
      source: "static",
      accessKeyId: "AKIDSTATIC2",
      secretAccessKey: "static-secret-2",
      sessionToken: "static-token-2",
    });
  });

  it("registers the provider's keys as secrets", () => {
    creds({ accessKey: "AKIDREGISTER9", secretKey: "register-secret-9", token: "register-token-9" });
    assert.equal(redact("AKIDREGISTER9 register-secret-9 register-token-9"), "[redacted] [redacted] [redacted]");
  });

  it("part of a static key pair is undetermined, never another identity (the provider would sign with it)", () => {
    for (const [prov, why] of [
      [{ accessKey: "AKIDLONELY" }, /accessKey without secretKey/],
      [{ secretKey: "lonely-secret-1" }, /secretKey or token without accessKey/],
      [{ token: "lonely-token-1" }, /secretKey or token without accessKey/],
    ] as const) {
      const c = withEnv({}, () => credentialsOf(trail({}, prov)));
      assert.equal(c.ok, false);
      if (!c.ok) {
        assert.equal(c.unknown, false);
        assert.match(c.why, why);
      }
    }
  });

  it("uses a profile with every shared credential and config file, in order, as arrays or JSON strings", () => {
    assert.deepEqual(
      creds({ profile: "audit", sharedCredentialsFiles: ["/creds"], sharedConfigFiles: ["/conf"] }).base,
      { source: "profile", profile: "audit", credentialsFiles: ["/creds"], configFiles: ["/conf"] },
    );
    assert.deepEqual(
      creds({
        profile: "audit",
        sharedCredentialsFiles: JSON.stringify(["/json-creds", "/second"]),
        sharedConfigFiles: '["/json-conf", "/conf-2", "/conf-3"]',
      }).base,
      {
        source: "profile",
        profile: "audit",
        credentialsFiles: ["/json-creds", "/second"],
        configFiles: ["/json-conf", "/conf-2", "/conf-3"],
      },
    );
    assert.deepEqual(creds({ profile: "plain" }).base, {
      source: "profile",
      profile: "plain",
      credentialsFiles: [],
      configFiles: [],
    });
  });

  it("expands $VAR and ~ in file paths, as the provider does", () => {
    const c = withEnv({ HOME: "/home/ci", AG_DIR: "/etc/aws" }, () =>
      credentialsOf(trail({}, { sharedCredentialsFiles: ["~/.aws/creds", "${AG_DIR}/more", "$AG_DIR/last"] })),
    );
    assert.ok(c.ok);
    assert.deepEqual(c.value.base, {
      source: "default-chain",
      credentialsFiles: ["/home/ci/.aws/creds", "/etc/aws/more", "/etc/aws/last"],
      configFiles: [],
    });
  });

  it("shared files without a profile keep the SDK's default chain (environment keys, then AWS_PROFILE)", () => {
    assert.deepEqual(creds({ sharedCredentialsFiles: ["/creds"] }).base, {
      source: "default-chain",
      credentialsFiles: ["/creds"],
      configFiles: [],
    });
  });

  it("falls back to the SDK's default chain", () => {
    assert.deepEqual(creds({ region: "us-east-1" }), {
      base: { source: "default-chain", credentialsFiles: [], configFiles: [] },
      assumeRoles: [],
    });
  });

  it("reads assumeRoleWithWebIdentity (object or JSON string) with token or token file", () => {
    const withToken = creds({
      assumeRoleWithWebIdentity: {
        roleArn: "arn:aws:iam::555555555555:role/ci",
        sessionName: "ci-run",
        webIdentityToken: "eyJ-web-identity-token-1",
        duration: "30m",
        policy: '{"Version":"2012-10-17"}',
        policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
      },
    });
    assert.deepEqual(withToken.webIdentity, {
      roleArn: "arn:aws:iam::555555555555:role/ci",
      sessionName: "ci-run",
      token: "eyJ-web-identity-token-1",
      durationSeconds: 1800,
      policy: '{"Version":"2012-10-17"}',
      policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    });
    assert.equal(redact("token eyJ-web-identity-token-1"), "token [redacted]");
    const withFile = creds({
      assumeRoleWithWebIdentity: JSON.stringify({
        roleArn: "arn:aws:iam::555555555555:role/ci",
        webIdentityTokenFile: "/var/run/token",
      }),
    });
    assert.deepEqual(withFile.webIdentity, {
      roleArn: "arn:aws:iam::555555555555:role/ci",
      tokenFile: "/var/run/token",
    });
  });

  it("static keys win over assumeRoleWithWebIdentity, as in aws-sdk-go-base", () => {
    const c = creds({
      accessKey: "AKIDWINS01",
      secretKey: "wins-secret-01",
      assumeRoleWithWebIdentity: { roleArn: "arn:aws:iam::555555555555:role/ci", webIdentityToken: "tok-000001" },
    });
    assert.equal(c.base.source, "static");
    assert.equal(c.webIdentity, undefined);
  });

  it("an incomplete assumeRoleWithWebIdentity is undetermined, naming what is missing", () => {
    for (const [block, why] of [
      [{ webIdentityToken: "tok-000002" }, /no roleArn/],
      [{ roleArn: "arn:aws:iam::555555555555:role/ci" }, /neither webIdentityToken nor webIdentityTokenFile/],
    ] as const) {
      const c = withEnv({}, () => credentialsOf(trail({}, { assumeRoleWithWebIdentity: block })));
      assert.equal(c.ok, false);
      if (!c.ok) assert.match(c.why, why);
    }
  });

  it("an unknown assumeRoleWithWebIdentity is unknown", () => {
    const props = proxied({ assumeRoleWithWebIdentity: proxy.unknownStringValue });
    const c = withEnv({}, () => credentialsOf(trail({}, props)));
    assert.equal(c.ok, false);
    if (!c.ok) assert.equal(c.unknown, true);
  });

  it("v6 assumeRole and v7 assumeRoles: one is used; both set needs the provider version to tell", () => {
    const v6 = { roleArn: "arn:aws:iam::666666666666:role/v6" };
    const v7 = [{ roleArn: "arn:aws:iam::777777777777:role/v7" }];
    const both = withEnv({}, () => credentialsOf(trail({}, { assumeRole: v6, assumeRoles: v7 })));
    assert.equal(both.ok, false);
    if (!both.ok) assert.match(both.why, /both assumeRole .* and assumeRoles/);
    assert.equal(creds({ assumeRole: v6, assumeRoles: v7, version: "6.83.0" }).assumeRoles[0]?.roleArn, v6.roleArn);
    assert.equal(creds({ assumeRole: v6, assumeRoles: v7, version: "7.4.0" }).assumeRoles[0]?.roleArn, v7[0]?.roleArn);
  });

  it("passes policyArns, tags and transitiveTagKeys of each role", () => {
    const c = creds({
      assumeRoles: [
        {
          roleArn: "arn:aws:iam::111111111111:role/tagged",
          policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
          tags: { team: "audit" },
          transitiveTagKeys: ["team"],
        },
      ],
    });
    assert.deepEqual(c.assumeRoles, [
      {
        roleArn: "arn:aws:iam::111111111111:role/tagged",
        sessionName: "auditguard",
        policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        tags: { team: "audit" },
        transitiveTagKeys: ["team"],
      },
    ]);
  });

  it("reads assumeRoles from a JSON string, in order, with defaults", () => {
    const c = creds({
      assumeRoles: JSON.stringify([
        { roleArn: "arn:aws:iam::111111111111:role/first", duration: "1h", externalId: "ext-1" },
        { roleArn: "arn:aws:iam::222222222222:role/second", sessionName: "audit", policy: "{}", sourceIdentity: "me" },
      ]),
    });
    assert.deepEqual(c.assumeRoles, [
      {
        roleArn: "arn:aws:iam::111111111111:role/first",
        sessionName: "auditguard",
        externalId: "ext-1",
        durationSeconds: 3600,
      },
      {
        roleArn: "arn:aws:iam::222222222222:role/second",
        sessionName: "audit",
        policy: "{}",
        sourceIdentity: "me",
      },
    ]);
  });

  it("skips assumeRoles entries without a roleArn, like the provider", () => {
    assert.deepEqual(creds({ assumeRoles: [{}, { roleArn: "" }] }).assumeRoles, []);
  });

  it("reads the v6 singular assumeRole, as an object or a JSON string", () => {
    const arn = "arn:aws:iam::333333333333:role/v6";
    assert.deepEqual(creds({ assumeRole: { roleArn: arn } }).assumeRoles, [
      { roleArn: arn, sessionName: "auditguard" },
    ]);
    assert.deepEqual(creds({ assumeRole: JSON.stringify({ roleArn: arn, duration: "15m" }) }).assumeRoles, [
      { roleArn: arn, sessionName: "auditguard", durationSeconds: 900 },
    ]);
  });

  it("reads stack config aws:* when the resource has no provider reference", () => {
    const c = withEnv(
      {
        PULUMI_CONFIG: config({
          "aws:profile": "cfg-profile",
          "aws:assumeRoles": '[{"roleArn":"arn:aws:iam::444444444444:role/cfg"}]',
        }),
      },
      () => credentialsOf(trail({})),
    );
    assert.ok(c.ok);
    assert.deepEqual(c.value, {
      base: { source: "profile", profile: "cfg-profile", credentialsFiles: [], configFiles: [] },
      assumeRoles: [{ roleArn: "arn:aws:iam::444444444444:role/cfg", sessionName: "auditguard" }],
    });
  });

  for (const key of ["accessKey", "secretKey", "token", "profile", "assumeRoles", "assumeRole"]) {
    it(`an unknown provider ${key} is not ok and says unknown`, () => {
      const props = proxied({ accessKey: "AKIDKNOWN1", secretKey: "known-secret-1", [key]: proxy.unknownStringValue });
      const c = withEnv({}, () => credentialsOf(trail({}, props)));
      assert.equal(c.ok, false);
      if (c.ok) return;
      assert.equal(c.unknown, true);
      assert.match(c.why, new RegExp(key));
    });
  }

  it("an unknown roleArn inside assumeRoles is unknown, not silently skipped", () => {
    const props = proxied({ assumeRoles: [{ roleArn: proxy.unknownStringValue }] });
    const c = withEnv({}, () => credentialsOf(trail({}, props)));
    assert.equal(c.ok, false);
    if (!c.ok) assert.equal(c.unknown, true);
  });

  it("unknown shared credential files are unknown, not silently the default file", () => {
    const props = proxied({ profile: "p", sharedCredentialsFiles: proxy.unknownArrayValue });
    const c = withEnv({}, () => credentialsOf(trail({}, props)));
    assert.equal(c.ok, false);
    if (!c.ok) assert.equal(c.unknown, true);
  });
});

describe("aws target: parseDuration", () => {
  const cases: [string | undefined, number | undefined][] = [
    ["1h", 3600],
    ["15m", 900],
    ["900s", 900],
    ["1h30m", 5400],
    ["1h0m10s", 3610],
    [" 2h ", 7200],
    [undefined, undefined],
    ["", undefined],
    ["1.5h", undefined],
    ["1d", undefined],
    ["h", undefined],
    ["30m1h", undefined],
    ["3600", undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(parseDuration(input), expected));
  }
});

describe("aws target: ARNs", () => {
  it("reads account and region in every partition", () => {
    const arns: [string, string, string][] = [
      ["arn:aws:cloudtrail:us-east-1:123456789012:trail/main", "123456789012", "us-east-1"],
      ["arn:aws-cn:cloudtrail:cn-north-1:210987654321:trail/cn", "210987654321", "cn-north-1"],
      ["arn:aws-us-gov:config:us-gov-west-1:555555555555:config-rule/x", "555555555555", "us-gov-west-1"],
    ];
    for (const [arn, account, region] of arns) {
      assert.equal(accountOfArn(arn), account, arn);
      assert.equal(regionOfArn(arn), region, arn);
    }
  });

  it("keeps colons in the resource part", () => {
    const arn = "arn:aws:logs:eu-west-1:123456789012:log-group:trail-logs:*";
    assert.equal(accountOfArn(arn), "123456789012");
    assert.equal(regionOfArn(arn), "eu-west-1");
  });

  it("a global ARN has an account but no region", () => {
    assert.equal(accountOfArn("arn:aws:iam::123456789012:role/audit"), "123456789012");
    assert.equal(regionOfArn("arn:aws:iam::123456789012:role/audit"), undefined);
  });

  it("rejects malformed ARNs", () => {
    for (const bad of [
      undefined,
      "",
      "main-trail",
      "arn:aws:cloudtrail:us-east-1:123456789012",
      "arn:aws:cloudtrail:us-east-1:12345:trail/x",
      "arn:aws:cloudtrail:us-east-1:12345678901a:trail/x",
      "urn:aws:cloudtrail:us-east-1:123456789012:trail/x",
    ]) {
      assert.equal(accountOfArn(bad), undefined, String(bad));
    }
    assert.equal(regionOfArn("urn:aws:cloudtrail:us-east-1:123456789012:trail/x"), undefined);
    assert.equal(regionOfArn("arn:aws:cloudtrail:us-east-1"), undefined);
    assert.equal(regionOfArn(undefined), undefined);
  });
});

describe("aws target: accountHint", () => {
  const defaultChain = { source: "default-chain" as const, credentialsFiles: [], configFiles: [] };
  const base: AwsCredentialSpec = { base: defaultChain, assumeRoles: [] };
  const chain: AwsCredentialSpec = {
    base: defaultChain,
    assumeRoles: [
      { roleArn: "arn:aws:iam::111111111111:role/hop", sessionName: "a" },
      { roleArn: "arn:aws:iam::222222222222:role/target", sessionName: "a" },
    ],
  };
  const arn = "arn:aws:cloudtrail:us-east-1:999999999999:trail/t";

  it("prefers the resource ARN's account", () => {
    assert.equal(accountHint(trail({}, {}), chain, arn), "999999999999");
  });

  it("then the last role of the chain", () => {
    assert.equal(accountHint(trail({}, {}), chain), "222222222222");
    assert.equal(accountHint(trail({}, {}), chain, "not-an-arn"), "222222222222");
  });

  it("then a single allowed account id, as an array or a JSON string", () => {
    assert.equal(accountHint(trail({}, { allowedAccountIds: ["333333333333"] }), base), "333333333333");
    assert.equal(accountHint(trail({}, { allowedAccountIds: '["444444444444"]' }), base), "444444444444");
  });

  it("no hint with several or no allowed accounts", () => {
    assert.equal(accountHint(trail({}, { allowedAccountIds: ["333333333333", "444444444444"] }), base), undefined);
    assert.equal(accountHint(trail({}, {}), base), undefined);
    withEnv({}, () => assert.equal(accountHint(trail({}), base), undefined));
  });
});
