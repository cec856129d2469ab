// Opt-in Regions (lib/aws/transport.ts OPT_IN_REGIONS) against botocore's partitions.json: every commercial Region
// the SDK knows that AWS does not enable by default must be in the list, or a call refused there because the
// account has not enabled it would be reported as bad credentials instead of region-not-enabled.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { OPT_IN_REGIONS } from "../../lib/aws/transport";
import { botocoreDataDir } from "../fakes/aws-model";

/**
 * The Regions AWS enables by default: those launched before 20 March 2019 (AWS Account Management reference,
 * "Enable or disable AWS Regions in your account").
 */
const ENABLED_BY_DEFAULT = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "sa-east-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-north-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
]);

interface Partitions {
  partitions: { id: string; regions: Record<string, unknown> }[];
}

describe("AWS opt-in Regions (lib/aws/transport.ts)", () => {
  let file = "";
  let commercial: string[] = [];
  before(() => {
    file = path.join(botocoreDataDir(), "partitions.json");
    const partitions = JSON.parse(fs.readFileSync(file, "utf8")) as Partitions;
    const aws = partitions.partitions.find((p) => p.id === "aws");
    commercial = Object.keys(aws?.regions ?? {}).filter((r) => r !== "aws-global");
  });

  it("every commercial Region in botocore's partitions.json not enabled by default is an opt-in Region", () => {
    assert.ok(commercial.length > 30, file);
    const missing = commercial.filter((r) => !ENABLED_BY_DEFAULT.has(r) && !OPT_IN_REGIONS.has(r));
    assert.deepEqual(missing, []);
  });

  it("every listed opt-in Region is a commercial Region botocore knows, none enabled by default", () => {
    for (const r of OPT_IN_REGIONS) {
      assert.ok(commercial.includes(r), r);
      assert.ok(!ENABLED_BY_DEFAULT.has(r), r);
    }
  });
});
