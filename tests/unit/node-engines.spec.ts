// The Node.js versions the pack supports are stated once and agree everywhere: package.json `engines`,
// the README, every installed runtime dependency's own `engines` (some @pulumi/pulumi releases require
// Node 22), and the Node.js running this suite.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import semver from "semver";
import { PACK_DIR } from "../harness/analyzer";

interface PackageJson {
  name: string;
  version: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
}

const readJson = (file: string): PackageJson => JSON.parse(fs.readFileSync(file, "utf8")) as PackageJson;
const own = readJson(path.join(PACK_DIR, "package.json"));
const declared = own.engines?.node ?? "";

// Read from node_modules directly: packages with an "exports" map (commander) hide their package.json from require.
function installed(name: string): PackageJson {
  return readJson(path.join(PACK_DIR, "node_modules", name, "package.json"));
}

describe("supported Node.js versions", () => {
  it("package.json declares a valid engines.node range", () => {
    assert.ok(semver.validRange(declared), `engines.node ${JSON.stringify(declared)}`);
  });

  it("the Node.js running the suite is inside the declared range", () => {
    assert.ok(semver.satisfies(process.versions.node, declared), `${process.version} vs ${declared}`);
  });

  it("the README states the same lowest version as package.json", () => {
    const readme = fs.readFileSync(path.join(PACK_DIR, "README.md"), "utf8");
    const stated = /Node\.js (\d+) or newer/.exec(readme);
    assert.ok(stated, "README states 'Node.js N or newer'");
    assert.equal(semver.minVersion(declared)?.major, Number(stated[1]));
    assert.ok(semver.satisfies(process.versions.node, `>=${stated[1]}`));
  });

  for (const name of ["@pulumi/pulumi", "@pulumi/policy"]) {
    it(`${name} is pinned exactly and accepts every Node.js the pack declares`, () => {
      const wanted = own.dependencies?.[name] ?? "";
      const pkg = installed(name);
      assert.ok(semver.valid(wanted), `${name} is pinned to one version, not ${JSON.stringify(wanted)}`);
      assert.equal(semver.clean(pkg.version), wanted, `installed ${pkg.version}`);
      const theirs = pkg.engines?.node ?? "*";
      assert.ok(
        semver.subset(declared, theirs),
        `${name}@${pkg.version} needs node ${theirs}; pack declares ${declared}`,
      );
      assert.ok(semver.satisfies(process.versions.node, theirs));
    });
  }

  it("every runtime dependency accepts every Node.js the pack declares", () => {
    const narrower = Object.keys(own.dependencies ?? {})
      .map(installed)
      .filter((p) => !semver.subset(declared, p.engines?.node ?? "*"))
      .map((p) => `${p.name}@${p.version} (${p.engines?.node})`);
    assert.deepEqual(narrower, []);
  });

  it("the check would catch a release that requires Node 22 (as @pulumi/pulumi 3.249+ do)", () => {
    assert.ok(!semver.subset(declared, ">=22"));
  });
});
