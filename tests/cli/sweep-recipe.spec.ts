// The sweep recipe as written (docs/sweeps.md, docs/ci/sweep-github-actions.yml): its policy config is valid against
// the pack's own config schema (draft-04, as the engine's gojsonschema reads it) and reads back as the targets it
// lists; the option refuses what the engine would; the scheduled workflow previews the sweep stack with the hub's
// session under the AUDITGUARD_ names only.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import Ajv from "ajv-draft-04";
import { parse } from "yaml";
import { configSchema, readOptions } from "../../lib/options";
import { sweepOf } from "../../lib/live/sweep";
import * as liveVerification from "../../policies/auditguard-live-verification";
import { PACK_DIR } from "../harness/analyzer";

const DOC = fs.readFileSync(path.join(PACK_DIR, "docs", "sweeps.md"), "utf8");

/** The fenced blocks of a language in the page, in order. */
function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1] ?? "");
}

describe("sweep recipe (docs/sweeps.md)", () => {
  const validate = new Ajv({ strict: false }).compile(configSchema(liveVerification.options));

  // The ESC environment's hub keys, as the pack process would have them (Alibaba Cloud has no default chain).
  const HUB = {
    AUDITGUARD_ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAI5tDOCHUB",
    AUDITGUARD_ALIBABA_CLOUD_ACCESS_KEY_SECRET: "x",
  };
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const [k, v] of Object.entries(HUB)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  });

  it("the page's JSON policy config and its ESC environment's policyConfig are valid and list the targets", () => {
    const json = JSON.parse(blocks("json")[0] ?? "{}") as Record<string, Record<string, unknown>>;
    const esc = parse(blocks("yaml").find((b) => b.includes("policyConfig:")) ?? "") as {
      values: { policyConfig: Record<string, Record<string, unknown>> };
    };
    for (const config of [json["auditguard-live-verification"], esc.values.policyConfig[liveVerification.name]]) {
      assert.ok(validate(config), JSON.stringify(validate.errors));
      const groups = readOptions(liveVerification.options, config).coverageTargets;
      assert.ok(groups.length >= 2 && groups.some((g) => g.cloud === "alicloud"), JSON.stringify(groups));
      // Each listed account in each listed region, routed through the role the same config sets.
      const sweep = sweepOf(config);
      assert.deepEqual(sweep.unreached, []);
      const listed = groups.reduce((n, g) => n + g.accounts.length * g.regions.length, 0);
      assert.equal(sweep.aws.length + sweep.alicloud.length, listed);
    }
  });

  it("coverageTargets refuses what is not accounts × regions of one cloud, in the engine's schema and when read", () => {
    for (const bad of [
      [{ cloud: "aws", accounts: ["12345678901"], regions: ["us-east-1"] }], // 11 digits
      [{ cloud: "aws", accounts: [], regions: ["us-east-1"] }],
      [{ cloud: "aws", accounts: ["111111111111"], regions: ["*"] }], // no discovery of enabled regions (yet)
      [{ cloud: "gcp", accounts: ["111111111111"], regions: ["us-east1"] }],
      [{ cloud: "alicloud", accounts: ["5550001112223331"], regions: ["cn-hangzhou"], roles: "x" }],
    ]) {
      assert.equal(validate({ coverageTargets: bad }), false, JSON.stringify(bad));
      assert.deepEqual(readOptions(liveVerification.options, { coverageTargets: bad }).coverageTargets, []);
    }
    const good = [{ cloud: "alicloud", accounts: ["5550001112223331"], regions: ["cn-hangzhou"] }];
    assert.ok(validate({ coverageTargets: good }), JSON.stringify(validate.errors));
    assert.deepEqual(readOptions(liveVerification.options, { coverageTargets: good }).coverageTargets, good);
  });

  it("the scheduled GitHub workflow previews the sweep stack with the hub's session under the AUDITGUARD_ names", () => {
    const wf = parse(fs.readFileSync(path.join(PACK_DIR, "docs", "ci", "sweep-github-actions.yml"), "utf8")) as {
      on: { schedule: { cron: string }[] };
      permissions: Record<string, string>;
      jobs: Record<
        string,
        {
          steps: {
            id?: string;
            name?: string;
            uses?: string;
            run?: string;
            with?: Record<string, unknown>;
            env?: Record<string, string>;
          }[];
        }
      >;
    };
    const cron = wf.on.schedule[0]?.cron ?? "";
    assert.equal(cron.split(" ").length, 5, cron);
    assert.equal(wf.permissions["id-token"], "write");
    const steps = wf.jobs["sweep"]?.steps ?? [];
    const hub = steps.find((s) => s.id === "hub");
    assert.match(hub?.uses ?? "", /^aws-actions\/configure-aws-credentials@/);
    assert.equal(hub?.with?.["output-credentials"], true);
    // The action exports the session as AWS_* to every later step unless told not to (its default is true without
    // aws-profile); the input exists from v4.3.0.
    assert.equal(hub?.with?.["output-env-credentials"], false);
    assert.ok(Number(/@v(\d+)/.exec(hub?.uses ?? "")?.[1]) >= 4 && !/@v4\.[0-2]\b/.test(hub?.uses ?? ""), hub?.uses);
    // Dependency install scripts run before any credentials are in the job.
    const install = steps.findIndex((s) => /\bnpm (ci|install)\b/.test(s.run ?? ""));
    assert.ok(install >= 0 && install < steps.indexOf(hub ?? {}), "npm ci runs before the hub credentials step");
    const preview = steps.find((s) => s.run?.includes("pulumi preview"));
    assert.match(preview?.run ?? "", /--policy-pack "\$AUDITGUARD_PACK"/);
    assert.match(preview?.run ?? "", /--policy-pack-config sweep\.json/);
    assert.deepEqual(Object.keys(preview?.env ?? {}).sort(), [
      "AUDITGUARD_AWS_ACCESS_KEY_ID",
      "AUDITGUARD_AWS_SECRET_ACCESS_KEY",
      "AUDITGUARD_AWS_SESSION_TOKEN",
    ]);
    for (const v of Object.values(preview?.env ?? {}))
      assert.match(v, /^\$\{\{ steps\.hub\.outputs\.aws-[a-z-]+ \}\}$/);
  });
});
