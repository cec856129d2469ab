// The public interface of the pack: policy names, levels and the metadata Pulumi Cloud shows.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PACK_DIR } from "../harness/analyzer";
import * as policies from "../policies-list";

// Where documentation really lives; a placeholder (example.com, a made-up GitHub repository, localhost) is not a page.
const DOC_HOSTS = new Set(["docs.aws.amazon.com", "www.alibabacloud.com", "help.aliyun.com", "www.pulumi.com"]);
const PLACEHOLDER = /(^|\.)(example\.(com|org|net)|localhost|invalid|test|example)$|^github\.com$/;

const EXPECTED: Record<string, { level: string; framework?: string }> = {
  "aws-config-recorder-declared": { level: "advisory", framework: "CIS AWS Foundations Benchmark 3.3" },
  "aws-config-recorder-recording": { level: "mandatory", framework: "CIS AWS Foundations Benchmark 3.3" },
  "aws-cloudtrail-trail-declared": { level: "advisory", framework: "CIS AWS Foundations Benchmark 3.1, 3.2" },
  "aws-cloudtrail-trail-logging": { level: "mandatory", framework: "CIS AWS Foundations Benchmark 3.1" },
  "alicloud-config-recorder-declared": { level: "advisory" },
  "alicloud-config-recorder-recording": { level: "mandatory" },
  "alicloud-actiontrail-trail-declared": {
    level: "advisory",
    framework: "CIS Alibaba Cloud Foundations Benchmark 2.1",
  },
  "alicloud-actiontrail-trail-logging": {
    level: "mandatory",
    framework: "CIS Alibaba Cloud Foundations Benchmark 2.1",
  },
  "aws-cloudtrail-account-coverage": { level: "advisory", framework: "CIS AWS Foundations Benchmark 3.1" },
  "aws-config-account-coverage": { level: "advisory", framework: "CIS AWS Foundations Benchmark 3.3" },
  "alicloud-actiontrail-account-coverage": {
    level: "advisory",
    framework: "CIS Alibaba Cloud Foundations Benchmark 2.1",
  },
  "alicloud-config-account-coverage": { level: "advisory" },
  "auditguard-live-verification": { level: "advisory" },
  // Resource policies for Discovery audits: off unless an audit group's config enables them (docs/pulumi-cloud.md)
  "aws-cloudtrail-trail-discovered": { level: "disabled", framework: "CIS AWS Foundations Benchmark 3.1" },
  "aws-config-recorder-discovered": { level: "disabled", framework: "CIS AWS Foundations Benchmark 3.3" },
};

describe("policy metadata", () => {
  it("the pack has exactly the policies of the public interface, at their default levels", () => {
    const got = Object.fromEntries(policies.all.map((p) => [p.name, p.enforcementLevel]));
    assert.deepEqual(got, Object.fromEntries(Object.entries(EXPECTED).map(([n, e]) => [n, e.level])));
  });

  for (const p of policies.all) {
    it(`${p.name} carries severity, remediation steps, url and its framework reference`, () => {
      assert.ok(p.severity, "severity");
      assert.ok(p.remediationSteps && p.remediationSteps.length > 20, "remediationSteps");
      assert.match(p.url ?? "", /^https:\/\//);
      const host = new URL(p.url ?? "").hostname;
      assert.doesNotMatch(host, PLACEHOLDER, `${p.url} is a placeholder`);
      assert.ok(DOC_HOSTS.has(host), `${p.url} is not on a documentation host (${[...DOC_HOSTS].join(", ")})`);
      const want = EXPECTED[p.name]?.framework;
      const got = p.framework ? `${p.framework.name} ${p.framework.reference}` : undefined;
      assert.equal(got, want);
      if (p.framework) assert.ok(p.framework.version && p.framework.specification, "framework version and text");
    });

    it(`${p.name}: every config property has a default and none is required (zero config works)`, () => {
      const schema = p.configSchema ?? { properties: {} };
      assert.equal(schema.required, undefined);
      for (const [key, prop] of Object.entries(schema.properties ?? {})) {
        assert.ok("default" in (prop as object), `${key} has no default`);
      }
    });
  }

  it("Security Hub controls are tagged where one applies", () => {
    const tags = Object.fromEntries(policies.all.map((p) => [p.name, p.tags ?? []]));
    assert.ok(tags["aws-cloudtrail-trail-declared"]?.includes("security-hub:CloudTrail.1"));
    assert.ok(tags["aws-cloudtrail-trail-declared"]?.includes("security-hub:CloudTrail.4"));
    assert.ok(tags["aws-cloudtrail-trail-logging"]?.includes("security-hub:CloudTrail.1"));
    assert.ok(tags["aws-config-recorder-recording"]?.includes("security-hub:Config.1"));
    assert.ok(tags["aws-config-recorder-declared"]?.includes("security-hub:Config.1"));
    assert.ok(tags["aws-cloudtrail-account-coverage"]?.includes("security-hub:CloudTrail.1"));
    assert.ok(tags["aws-config-account-coverage"]?.includes("security-hub:Config.1"));
  });

  it("options of issue 7 are in the schema with their defaults", () => {
    const defaultOf = (policy: string, key: string): unknown =>
      (
        policies.all.find((q) => q.name === policy)?.configSchema?.properties?.[key] as
          { default?: unknown } | undefined
      )?.default;
    assert.equal(defaultOf("aws-cloudtrail-trail-logging", "quietTrailsMustDeliver"), false);
    assert.equal(defaultOf("aws-config-recorder-declared", "requireGlobalResourceTypes"), true);
    // Whether a recorder or trail exists at all is the coverage policies' live question (issue 9).
    for (const [policy, key] of [
      ["aws-config-recorder-declared", "requireRecorder"],
      ["aws-cloudtrail-trail-declared", "requireTrail"],
      ["alicloud-config-recorder-declared", "requireRecorder"],
      ["alicloud-actiontrail-trail-declared", "requireTrail"],
    ] as const) {
      assert.equal(defaultOf(policy, key), false, `${policy}.${key}`);
    }
  });

  it("the README's policy table lists every policy with each of its config keys and defaults", () => {
    const readme = fs.readFileSync(path.join(PACK_DIR, "README.md"), "utf8");
    for (const p of policies.all) {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${p.name}\``));
      assert.ok(row, `${p.name} has a row in the README table`);
      for (const [key, prop] of Object.entries(p.configSchema?.properties ?? {})) {
        assert.ok(row.includes(`\`${key}\``), `${p.name}: README row names ${key}`);
        const d = (prop as { default?: unknown }).default;
        if (typeof d === "boolean" || typeof d === "number") {
          assert.match(
            row,
            new RegExp(`\`${key}\`[^|]*?\\((all )?${String(d)}\\)`),
            `${p.name}: README gives ${key}'s default ${String(d)}`,
          );
        }
      }
    }
  });

  it("every live policy has timeoutSeconds defaulting to 10", () => {
    for (const name of [
      "aws-config-recorder-recording",
      "aws-cloudtrail-trail-logging",
      "alicloud-config-recorder-recording",
      "alicloud-actiontrail-trail-logging",
      "aws-cloudtrail-account-coverage",
      "aws-config-account-coverage",
      "alicloud-actiontrail-account-coverage",
      "alicloud-config-account-coverage",
    ]) {
      const p = policies.all.find((q) => q.name === name);
      const prop = p?.configSchema?.properties?.["timeoutSeconds"] as { default?: unknown } | undefined;
      assert.equal(prop?.default, 10, name);
    }
  });

  it("the Discovery resource policies are resource policies with a runner's shorter timeoutSeconds (5)", () => {
    assert.deepEqual(policies.resource.map((p) => p.name).sort(), [
      "aws-cloudtrail-trail-discovered",
      "aws-config-recorder-discovered",
    ]);
    for (const p of policies.resource) {
      const prop = p.configSchema?.properties?.["timeoutSeconds"] as { default?: unknown } | undefined;
      assert.equal(prop?.default, 5, p.name);
    }
  });
});
