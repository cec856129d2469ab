// The start command's least-privilege documents grant exactly what its code calls: the pack's reads, the
// start actions and (Alibaba) the service-linked role Cloud Config creates on first start. The pack's own
// documents stay read-only (tests/security/permissions.spec.ts).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { START_ACTIONS, START_PERMISSIONS } from "../../cli/actions";

const root = path.join(__dirname, "..", "..", "..");

interface PolicyDocument {
  Statement: { Effect: string; Action: string[]; Condition?: Record<string, Record<string, string>> }[];
}

function doc(file: string): PolicyDocument {
  return JSON.parse(readFileSync(path.join(root, file), "utf8")) as PolicyDocument;
}

describe("start permission documents", () => {
  for (const [cloud, file] of [
    ["aws", "docs/aws-iam-start-policy.json"],
    ["alicloud", "docs/alicloud-ram-start-policy.json"],
  ] as const) {
    it(`${file} grants exactly the ${cloud} actions start calls`, () => {
      const granted = doc(file)
        .Statement.filter((s) => s.Effect === "Allow")
        .flatMap((s) => s.Action)
        .sort();
      assert.deepEqual(granted, [...START_PERMISSIONS[cloud]].sort());
    });

    it(`docs/permissions.md shows every action of ${file}`, () => {
      const page = readFileSync(path.join(root, "docs", "permissions.md"), "utf8");
      for (const a of START_PERMISSIONS[cloud]) assert.ok(page.includes(`"${a}"`), `docs/permissions.md lacks ${a}`);
    });
  }

  it("the only writes are the four start actions, each naming its own API action", () => {
    const all = [...START_ACTIONS.aws, ...START_ACTIONS.alicloud];
    assert.deepEqual(
      all.map((a) => a.permission),
      [
        "config:StartConfigurationRecorder",
        "cloudtrail:StartLogging",
        "config:StartConfigurationRecorder",
        "actiontrail:StartLogging",
      ],
    );
    for (const a of all) assert.ok(a.permission.endsWith(`:${a.action}`), a.permission);
  });

  it("Cloud Config's service-linked role may be created only for Cloud Config", () => {
    const slr = doc("docs/alicloud-ram-start-policy.json").Statement.find((s) =>
      s.Action.includes("ram:CreateServiceLinkedRole"),
    );
    assert.deepEqual(slr?.Action, ["ram:CreateServiceLinkedRole"]);
    assert.deepEqual(slr?.Condition, { StringEquals: { "ram:ServiceName": "config.aliyuncs.com" } });
  });

  it("the pack's own documents stay read-only", () => {
    for (const file of ["docs/aws-iam-policy.json", "docs/alicloud-ram-policy.json"]) {
      for (const a of doc(file).Statement.flatMap((s) => s.Action)) assert.doesNotMatch(a, /:Start/, `${file}: ${a}`);
    }
  });
});
