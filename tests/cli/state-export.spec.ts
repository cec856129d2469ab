// A `pulumi stack export` read as the engine hands a stack to a stack policy: outputs as props, the
// provider's inputs as its props, secrets unwrapped (or unknown when encrypted), declared inputs kept apart.
import assert from "node:assert/strict";
import { toPlain, UNKNOWN } from "../../lib/plain";
import { readStackExport, StackExportError } from "../../lib/state-export";
import { viewOf } from "../../lib/stack";
import { awsProvider, awsTrail, encryptedSecret, shownSecret, stackExport, trailArn } from "./fixtures";

describe("stack export reader", () => {
  it("links each resource to its provider's inputs and unwraps --show-secrets values", () => {
    const p = awsProvider("http://127.0.0.1:9", {
      token: shownSecret("tok-123456"),
      assumeRoles: shownSecret([{ roleArn: "arn:aws:iam::1:role/r" }]),
    });
    const s = readStackExport(JSON.parse(stackExport([p, awsTrail(p, "main", { enableLogging: false })])));
    assert.equal(s.stack, "dev");
    assert.equal(s.encryptedSecrets, 0);
    const view = viewOf(s.resources);
    const trail = view.resources[0];
    assert.equal(trail?.name, "main");
    assert.equal(trail?.exists, true);
    assert.equal(trail?.props["arn"], trailArn("main"));
    assert.equal(trail?.provider?.props["accessKey"], "AKIAFAKECLIEXAMPLE1");
    assert.equal(trail?.provider?.props["token"], "tok-123456");
    assert.deepEqual(trail?.provider?.props["assumeRoles"], [{ roleArn: "arn:aws:iam::1:role/r" }]);
    assert.equal(s.inputs.get(trail?.urn ?? "")?.["enableLogging"], false);
    assert.deepEqual(view.deploys, { aws: true, alicloud: false });
  });

  it("an encrypted secret is unknown, never a value", () => {
    const p = awsProvider("http://127.0.0.1:9", { secretKey: encryptedSecret() });
    const s = readStackExport(JSON.parse(stackExport([p, awsTrail(p, "main")])));
    assert.equal(s.encryptedSecrets, 1);
    const view = viewOf(s.resources);
    assert.equal(view.resources[0]?.provider?.props["secretKey"], UNKNOWN);
  });

  it("fills id from the resource when outputs lack it, drops __ keys and resources pending deletion", () => {
    const p = awsProvider("http://127.0.0.1:9");
    const t = awsTrail(p, "main");
    delete t.outputs["id"];
    t.outputs["__meta"] = "x";
    const gone = { ...awsTrail(p, "old"), delete: true };
    const s = readStackExport(JSON.parse(stackExport([p, t, gone])));
    const view = viewOf(s.resources);
    assert.deepEqual(
      view.resources.map((r) => r.name),
      ["main"],
    );
    assert.equal(view.resources[0]?.props["id"], trailArn("main"));
    assert.equal(toPlain(view.resources[0]?.props["__meta"]), null);
  });

  it("rejects what is not an export", () => {
    assert.throws(() => readStackExport({ resources: [] }), StackExportError);
    assert.throws(() => readStackExport({ deployment: { resources: {} } }), StackExportError);
    assert.deepEqual(readStackExport({ version: 3, deployment: {} }).resources, []);
  });
});
