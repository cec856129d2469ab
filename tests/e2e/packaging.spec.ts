// Packaging, as `pulumi policy publish` and Pulumi Cloud's CLI handle the pack (pulumi/pulumi sdk/nodejs/npm/npm.go,
// pkg/backend/httpstate/policypack.go): publish runs `npm pack --loglevel=error` in the pack directory and takes the
// trimmed stdout as the tarball's file name; a stack whose policy group requires the pack extracts the tarball's
// `package/` into a folder and has the Node.js language host install it, which runs `npm install --loglevel=error`
// there (not `--production`: devDependencies come too). This spec runs that npm command itself, as the host does;
// the CLI's own download and install through a host are in the loopback Pulumi Cloud e2e spec. The install, from the
// shipped npm-shrinkwrap.json, must give the tree this suite tested, and run under the real CLI (here `pulumi policy
// analyze`, which boots the pack without stack context as `policy publish` does). With yarn (PULUMI_PREFER_YARN, or
// a yarn.lock, which the pack does not ship) the shrinkwrap is not read.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FakeAws } from "../fakes/aws";
import { AWS_REGION, awsEndpoints, awsTrail, awsTrailArn } from "../harness/fixtures";
import {
  brief,
  type Cli,
  cliFor,
  npmEnv,
  offlineEnv,
  PACK_PATHS,
  packArgument,
  policyEventsOf,
  provideCli,
  ROOT,
  run,
  workDir,
} from "./cli";
import { StateFile } from "./state";

interface LockEntry {
  version?: string;
  link?: boolean;
  optional?: boolean;
}

describe("e2e: the npm pack tarball, installed as Pulumi Cloud's CLI installs a required pack, runs under the CLI", function () {
  this.timeout(600_000);
  let cli: Cli;
  let work: string;
  let packDir: string;
  let packStdout: string;
  let tarballFiles: string[];
  let aws: FakeAws;

  before(async function () {
    this.timeout(3_600_000);
    cli = await provideCli();
    work = workDir("packaging");
    // Exactly Pulumi's command, in the pack directory; the CLI removes the tarball afterwards, as we do.
    const packed = await run("npm", ["pack", "--loglevel=error"], { cwd: ROOT, env: npmEnv() });
    assert.equal(packed.code, 0, packed.stderr);
    packStdout = packed.stdout;
    const tarball = path.join(work, "pack.tgz");
    fs.renameSync(path.join(ROOT, packStdout.trim()), tarball);
    const list = await run("tar", ["-tzf", tarball]);
    assert.equal(list.code, 0, list.stderr);
    tarballFiles = list.stdout
      .split("\n")
      .filter((f) => f.startsWith("package/"))
      .map((f) => f.slice("package/".length));
    // The CLI keeps what is under `package/`, directly in the pack's folder:
    // ~/.pulumi/policies/<org>/pulumi-analyzer-<pack>-v<version> (sdk/go/common/workspace/plugins.go GetPolicyPath).
    packDir = path.join(work, "policies", "org", "pulumi-analyzer-auditguard-v0.1.0");
    fs.mkdirSync(packDir, { recursive: true });
    const untar = await run("tar", ["-xzf", tarball, "-C", packDir, "--strip-components=1", "package/"]);
    assert.equal(untar.code, 0, untar.stderr);
    const install = await run("npm", ["install", "--loglevel=error"], {
      cwd: packDir,
      env: npmEnv(),
      timeoutMs: 900_000,
    });
    assert.equal(install.code, 0, install.stdout + install.stderr);
    aws = await FakeAws.start();
  });
  after(async () => {
    await aws?.close();
    // A run stopped between `npm pack` and the move must not leave the tarball in the repository.
    if (packStdout) fs.rmSync(path.join(ROOT, packStdout.trim()), { force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("npm pack --loglevel=error prints the tarball's file name and nothing else on stdout", () => {
    assert.match(packStdout, /^auditguard-\d+\.\d+\.\d+\.tgz\n?$/);
  });

  it("the tarball ships the compiled pack, its policy project file and npm-shrinkwrap.json, and no tests", () => {
    for (const f of [
      "package.json",
      "PulumiPolicy.yaml",
      "npm-shrinkwrap.json",
      "dist/index.js",
      "dist/lib/live/round.js",
    ]) {
      assert.ok(tarballFiles.includes(f), `${f} is shipped`);
    }
    assert.deepEqual(
      tarballFiles.filter((f) => f.startsWith("tests/") || f.startsWith("dist/tests/")),
      [],
    );
  });

  it("the install gives every package at the version the shipped shrinkwrap (the tested tree) locks", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(packDir, "npm-shrinkwrap.json"), "utf8")) as {
      packages: Record<string, LockEntry>;
    };
    // Optional packages (platform-specific builds) may rightly be absent.
    const entries = Object.entries(lock.packages).filter(([p, e]) => p !== "" && !e.link && !e.optional && e.version);
    assert.ok(entries.length > 100, `${entries.length} locked packages`);
    const differing = entries.flatMap(([p, e]) => {
      const file = path.join(packDir, p, "package.json");
      const found = fs.existsSync(file)
        ? (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version
        : "missing";
      // @pulumi/policy's own package.json says "v1.21.0" where the lock says "1.21.0".
      return found.replace(/^v/, "") === e.version ? [] : [`${p}: ${found}, locked ${e.version}`];
    });
    assert.deepEqual(differing, []);
    assert.ok(fs.existsSync(path.join(packDir, "dist", "index.js")));
  });

  for (const mode of PACK_PATHS)
    it(`pulumi policy analyze with the installed pack, through the ${mode}, reports a stopped trail as a mandatory violation`, async () => {
      const through = cliFor(cli, mode, work);
      const state = new StateFile();
      const provider = state.provider("aws", "aws-fake", "7.48.0", {
        region: AWS_REGION,
        accessKey: "AKIAE2EPACKAGING0001",
        secretKey: "packaging-secret",
        endpoints: awsEndpoints(aws.url),
      });
      const trail = awsTrail("packaged-trail");
      const trailUrn = state.resource(trail.type, trail.name, trail.props, provider);
      const file = path.join(work, `state-${mode}.json`);
      fs.writeFileSync(file, JSON.stringify(state.toJSON()));
      aws.trails.set(awsTrailArn("packaged-trail"), { IsLogging: false });
      const r = await run(
        through.pulumi,
        ["policy", "analyze", "--json", "--file", file, "--policy-pack", packArgument(through, packDir, work)],
        { cwd: work, env: offlineEnv(through, work) },
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
