// The least-privilege policies we publish grant exactly what the code calls, and nothing it calls writes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { CALLED_ACTIONS } from "../../lib/live/actions";

const root = path.join(__dirname, "..", "..", "..");

interface PolicyDocument {
  Statement: { Effect: string; Action: string[] }[];
}

function actionsOf(file: string): string[] {
  const doc = JSON.parse(readFileSync(path.join(root, file), "utf8")) as PolicyDocument;
  return doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action);
}

describe("least-privilege policies", () => {
  for (const [cloud, file] of [
    ["aws", "docs/aws-iam-policy.json"],
    ["alicloud", "docs/alicloud-ram-policy.json"],
  ] as const) {
    it(`${file} grants exactly the ${cloud} actions the code calls`, () => {
      const granted = actionsOf(file).sort();
      const called = CALLED_ACTIONS[cloud].map((a) => a.permission).sort();
      assert.deepEqual(granted, called);
    });

    it(`docs/permissions.md shows ${file} verbatim in meaning`, () => {
      const page = readFileSync(path.join(root, "docs", "permissions.md"), "utf8");
      for (const action of actionsOf(file)) {
        assert.ok(page.includes(`"${action}"`), `docs/permissions.md lacks ${action}`);
      }
    });
  }

  it("every action the code calls is a read", () => {
    const all = [...CALLED_ACTIONS.aws, ...CALLED_ACTIONS.alicloud];
    for (const a of all) {
      assert.match(a.action, /^(Get|Describe|List)/, a.action);
      assert.ok(a.permission.endsWith(`:${a.action}`), `${a.permission} does not name ${a.action}`);
    }
  });
});
