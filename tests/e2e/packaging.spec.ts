// Packaging: what `pulumi policy publish` uploads is the `npm pack` tarball of the pack; consumers unpack it and
// install its production dependencies. That tarball, installed in a clean directory without dev dependencies,
// must run under the real CLI (here `pulumi policy analyze`, which boots the pack without stack context as
// `policy publish` does) and still catch a stopped trail.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FakeAws } from "../fakes/aws";
import { AWS_REGION, awsEndpoints, awsTrail, awsTrailArn } from "../harness/fixtures";
import {
  brief,
  cacheDir,
  type Cli,
  offlineEnv,
  packArgument,
  policyEventsOf,
  provideCli,
  ROOT,
  run,
  workDir,
} from "./cli";
import { StateFile } from "./state";

describe("e2e: the npm pack tarball, installed in a clean directory, runs under the CLI", function () {
  this.timeout(600_000);
  let cli: Cli;
  let work: string;
  let packDir: string;
  let tarballFiles: string[];
  let aws: FakeAws;

  before(async function () {
    this.timeout(3_600_000);
    cli = await provideCli();
    work = workDir("packaging");
    const npmEnv = { ...process.env, npm_config_cache: path.join(cacheDir(), "npm") };
    // `npm pack` as `pulumi policy publish` runs it (the prepare script included).
    const packed = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: ROOT, env: npmEnv });
    assert.equal(packed.code, 0, packed.stderr);
    const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as {
      filename: string;
      files: { path: string }[];
    }[];
    const first = info[0];
    assert.ok(first, packed.stdout);
    tarballFiles = first.files.map((f) => f.path);
    const consumer = path.join(work, "consumer");
    fs.mkdirSync(consumer);
    const untar = await run("tar", ["-xzf", path.join(work, first.filename), "-C", consumer]);
    assert.equal(untar.code, 0, untar.stderr);
    packDir = path.join(consumer, "package");
    const install = await run(
      "npm",
      ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", "--no-package-lock"],
      { cwd: packDir, env: npmEnv, timeoutMs: 900_000 },
    );
    assert.equal(install.code, 0, install.stdout + install.stderr);
    aws = await FakeAws.start();
  });
  after(async () => {
    await aws?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("the tarball ships the compiled pack and its policy project file, and no tests", () => {
    for (const f of ["package.json", "PulumiPolicy.yaml", "dist/index.js", "dist/lib/live/round.js"]) {
      assert.ok(tarballFiles.includes(f), `${f} is shipped`);
    }
    assert.deepEqual(
      tarballFiles.filter((f) => f.startsWith("tests/") || f.startsWith("dist/tests/")),
      [],
    );
  });

  it("installed with production dependencies only, it has its compiled pack and the policy SDK", () => {
    // npm also installs TypeScript here, as a peer of ts-node, itself a peer of @pulumi/pulumi: then the prepare
    // script rebuilds dist/ from the shipped sources, which must (and does) succeed.
    assert.ok(fs.existsSync(path.join(packDir, "dist", "index.js")));
    assert.ok(fs.existsSync(path.join(packDir, "node_modules", "@pulumi", "policy")));
    assert.equal(fs.existsSync(path.join(packDir, "node_modules", "mocha")), false, "dev dependencies are omitted");
  });

  it("pulumi policy analyze with the installed pack reports a stopped trail as a mandatory violation", async () => {
    const state = new StateFile();
    const provider = state.provider("aws", "aws-fake", "7.48.0", {
      region: AWS_REGION,
      accessKey: "AKIAE2EPACKAGING0001",
      secretKey: "packaging-secret",
      endpoints: awsEndpoints(aws.url),
    });
    const trail = awsTrail("packaged-trail");
    const trailUrn = state.resource(trail.type, trail.name, trail.props, provider);
    const file = path.join(work, "state.json");
    fs.writeFileSync(file, JSON.stringify(state.toJSON()));
    aws.trails.set(awsTrailArn("packaged-trail"), { IsLogging: false });
    const r = await run(
      cli.pulumi,
      ["policy", "analyze", "--json", "--file", file, "--policy-pack", packArgument(cli, packDir, work)],
      { cwd: work, env: offlineEnv(cli, work) },
    );
    assert.notEqual(r.code, 0, r.stdout + r.stderr);
    const events = policyEventsOf(r.stdout);
    assert.ok(
      brief(events).includes(`aws-cloudtrail-trail-logging@${trailUrn}#mandatory`),
      brief(events).join("\n") + r.stderr,
    );
    assert.ok(events.every((e) => e.policyPackName === "auditguard"));
  });
});
