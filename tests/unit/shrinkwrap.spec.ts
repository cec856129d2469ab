// npm never packs package-lock.json, so an organisation's install of the published pack (Pulumi Cloud's CLI runs
// `npm install` in the extracted tarball) would resolve every transitive version afresh. The shipped
// npm-shrinkwrap.json pins the tree this suite tested: it must be the repository's lock, byte for byte, and cover
// every dependency package.json declares at the version it pins.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PACK_DIR } from "../harness/analyzer";

interface Lock {
  name: string;
  version: string;
  lockfileVersion: number;
  packages: Record<string, { version?: string; dev?: boolean }>;
}
interface PackageJson {
  name: string;
  version: string;
  files: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const read = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(PACK_DIR, file), "utf8")) as T;

describe("npm-shrinkwrap.json: the tested dependency tree ships with the pack", () => {
  const pkg = read<PackageJson>("package.json");
  const shrinkwrap = read<Lock>("npm-shrinkwrap.json");

  it("is identical to package-lock.json (after `npm install <pkg>`, run `npm run lock:sync`)", () => {
    const lock = fs.readFileSync(path.join(PACK_DIR, "package-lock.json"), "utf8");
    assert.ok(
      fs.readFileSync(path.join(PACK_DIR, "npm-shrinkwrap.json"), "utf8") === lock,
      "npm-shrinkwrap.json and package-lock.json differ: run `npm run lock:sync`",
    );
  });

  it("names this package and locks every declared dependency at its pinned version", () => {
    assert.equal(shrinkwrap.name, pkg.name);
    assert.equal(shrinkwrap.version, pkg.version);
    assert.ok(shrinkwrap.lockfileVersion >= 2, `lockfileVersion ${shrinkwrap.lockfileVersion}`);
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      assert.equal(shrinkwrap.packages[`node_modules/${name}`]?.version, version, name);
    }
    for (const name of Object.keys(pkg.dependencies)) {
      assert.notEqual(shrinkwrap.packages[`node_modules/${name}`]?.dev, true, `${name} is a runtime dependency`);
    }
  });

  it("is in the package's files list, and no script runs when `npm pack` does (its banner would corrupt stdout)", () => {
    assert.ok(pkg.files.includes("npm-shrinkwrap.json"));
    for (const hook of ["prepack", "prepare", "postpack", "prepublish", "prepublishOnly"]) {
      assert.equal(pkg.scripts[hook], undefined, `scripts.${hook}`);
    }
  });
});
