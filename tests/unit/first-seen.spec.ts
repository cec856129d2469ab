// The first-seen store on a shared machine: a per-user 0700 directory, ownership and permission
// checks, and no write or read through a symlink.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { clearSeen, firstSeen, stateDir, unsafeDirReason } from "../../lib/first-seen";
import { setEnv } from "../support";
import { MINUTE, NOW } from "./support";

const uid = typeof process.getuid === "function" ? process.getuid() : undefined;

function fakeStat(o: { dir?: boolean; link?: boolean; uid?: number; mode?: number }) {
  return {
    uid: o.uid ?? 1000,
    mode: o.mode ?? 0o40700,
    isDirectory: () => o.dir ?? true,
    isSymbolicLink: () => o.link ?? false,
  };
}

describe("first-seen store on a shared machine", () => {
  let root: string;
  let saved: string | undefined;
  const use = (dir: string): void => setEnv("AUDITGUARD_STATE_DIR", dir);
  /** Two sightings a few minutes apart: the first time persisted, or not. */
  const persists = (): boolean => {
    firstSeen("k", "BUILDING", NOW);
    return firstSeen("k", "BUILDING", NOW + 5 * MINUTE) === NOW;
  };

  beforeEach(() => {
    saved = process.env["AUDITGUARD_STATE_DIR"];
    root = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-shared-"));
  });
  afterEach(() => {
    setEnv("AUDITGUARD_STATE_DIR", saved);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("the default directory is per user, in the temp dir", () => {
    setEnv("AUDITGUARD_STATE_DIR", undefined);
    const dir = stateDir();
    assert.equal(path.dirname(dir), os.tmpdir());
    assert.match(path.basename(dir), /^auditguard-.+/);
    if (uid !== undefined) assert.equal(path.basename(dir), `auditguard-${uid}`);
  });

  it("creates a missing directory 0700 and the file 0600, and persists sightings", () => {
    const dir = path.join(root, "nested", "state");
    use(dir);
    assert.ok(persists());
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(dir, "first-seen.json")).mode & 0o777, 0o600);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f !== "first-seen.json"),
      [],
      "no temp file left behind",
    );
  });

  it("refuses a group- or world-writable directory: nothing is read or written there", () => {
    const dir = path.join(root, "open");
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o777);
    fs.writeFileSync(
      path.join(dir, "first-seen.json"),
      JSON.stringify({ k: { state: "BUILDING", since: NOW - 600 * MINUTE } }),
    );
    use(dir);
    assert.equal(firstSeen("k", "BUILDING", NOW), NOW, "a planted sighting is not believed");
    assert.ok(!persists());
    assert.deepEqual(fs.readdirSync(dir), ["first-seen.json"]);
  });

  it("refuses a directory owned by someone else", () => {
    let dir: string;
    if (uid === 0) {
      dir = path.join(root, "foreign");
      fs.mkdirSync(dir, { mode: 0o700 });
      fs.chownSync(dir, 65534, 65534);
    } else {
      dir = "/"; // owned by root, not by this user
    }
    use(dir);
    assert.ok(!persists());
    assert.ok(!fs.existsSync(path.join(dir, "first-seen.json")));
  });

  it("refuses a state directory that is a symlink (to a directory someone else prepared)", () => {
    const target = path.join(root, "target");
    fs.mkdirSync(target, { mode: 0o700 });
    const link = path.join(root, "link");
    fs.symlinkSync(target, link);
    use(link);
    assert.ok(!persists());
    assert.deepEqual(fs.readdirSync(target), []);
  });

  it("never writes through a symlink planted at the file's place; replaces the link instead", () => {
    const dir = path.join(root, "state");
    fs.mkdirSync(dir, { mode: 0o700 });
    const victim = path.join(root, "victim.txt");
    fs.writeFileSync(victim, "precious");
    fs.symlinkSync(victim, path.join(dir, "first-seen.json"));
    use(dir);
    assert.equal(firstSeen("k", "BUILDING", NOW), NOW);
    assert.equal(fs.readFileSync(victim, "utf8"), "precious");
    assert.ok(!fs.lstatSync(path.join(dir, "first-seen.json")).isSymbolicLink());
    assert.equal(firstSeen("k", "BUILDING", NOW + MINUTE), NOW);
  });

  it("does not read sightings through a symlink", () => {
    const dir = path.join(root, "state");
    fs.mkdirSync(dir, { mode: 0o700 });
    const planted = path.join(root, "planted.json");
    fs.writeFileSync(planted, JSON.stringify({ k: { state: "BUILDING", since: NOW - 600 * MINUTE } }));
    fs.symlinkSync(planted, path.join(dir, "first-seen.json"));
    use(dir);
    assert.equal(firstSeen("k", "BUILDING", NOW), NOW);
  });

  it("clearSeen in a refused directory is a no-op", () => {
    const dir = path.join(root, "open");
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o757);
    use(dir);
    clearSeen("k");
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it("unsafeDirReason names each refusal", () => {
    assert.equal(unsafeDirReason(fakeStat({}), 1000), undefined);
    assert.equal(unsafeDirReason(fakeStat({ mode: 0o40755 }), 1000), undefined);
    assert.match(unsafeDirReason(fakeStat({ uid: 0 }), 1000) ?? "", /owned by uid 0, not 1000/);
    assert.match(unsafeDirReason(fakeStat({ mode: 0o40770 }), 1000) ?? "", /writable by group or others/);
    assert.match(unsafeDirReason(fakeStat({ mode: 0o40702 }), 1000) ?? "", /writable by group or others/);
    assert.match(unsafeDirReason(fakeStat({ link: true }), 1000) ?? "", /symbolic link/);
    assert.match(unsafeDirReason(fakeStat({ dir: false }), 1000) ?? "", /not a directory/);
    assert.equal(unsafeDirReason(fakeStat({ uid: 0 }), undefined), undefined, "no uid (Windows): type only");
  });
});
