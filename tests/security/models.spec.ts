// Requests the real services accept: every request any AWS fake received during the whole mocha run is checked
// against AWS's official service models (botocore's service-2.json, tests/fakes/aws-model.ts), and the run fails
// if any was one the service would refuse. The validator itself is tested here against the real SDK clients.
process.env["AWS_EC2_METADATA_DISABLED"] = "true";

import assert from "node:assert/strict";
import { ConfigServiceClient, ListConfigurationRecordersCommand } from "@aws-sdk/client-config-service";
import { CloudTrailClient, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { serviceModel, validateJson, validateQuery, validationMessage } from "../fakes/aws-model";
import { FakeAws } from "../fakes/aws";
import { MODEL_VIOLATIONS } from "../fakes/registry";

const CREDS = { accessKeyId: "AKIAMODELTEST0000001", secretAccessKey: "model-secret" };

describe("AWS fakes validate requests against the official models (botocore service-2.json)", function () {
  let fake: FakeAws;
  before(async function () {
    fake = await FakeAws.start();
  });
  after(async function () {
    await fake.close();
  });
  beforeEach(function () {
    fake.reset();
  });

  it("the models the fakes load are AWS's, with their own targets and protocols", function () {
    const config = serviceModel("config");
    assert.equal(config.metadata.apiVersion, "2014-11-12");
    assert.equal(config.metadata.targetPrefix, "StarlingDoveService");
    assert.equal(
      serviceModel("cloudtrail").metadata.targetPrefix,
      "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101",
    );
    assert.equal(serviceModel("sts").metadata.protocol, "query");
    assert.deepEqual(config.shapes["MaxResults"], { type: "integer", max: 20, min: 0 });
  });

  it("ListConfigurationRecorders with MaxResults 100: ValidationException, as AWS words it", async function () {
    fake.expectModelViolations = true;
    const client = new ConfigServiceClient({
      region: "us-east-1",
      endpoint: fake.url,
      credentials: CREDS,
      maxAttempts: 1,
    });
    try {
      await assert.rejects(client.send(new ListConfigurationRecordersCommand({ MaxResults: 100 })), (e: Error) => {
        assert.equal(e.name, "ValidationException");
        assert.equal(
          e.message,
          "1 validation error detected: Value '100' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 20",
        );
        return true;
      });
      const ok = await client.send(new ListConfigurationRecordersCommand({ MaxResults: 20 }));
      assert.deepEqual(ok.ConfigurationRecorderSummaries, []);
    } finally {
      client.destroy();
    }
  });

  it("GetTrailStatus without a Name, or with one too long: the service's required and length rules", async function () {
    fake.expectModelViolations = true;
    const client = new CloudTrailClient({
      region: "us-east-1",
      endpoint: fake.url,
      credentials: CREDS,
      maxAttempts: 1,
    });
    try {
      // The SDK serializes what it is given; the model, not the SDK, refuses it.
      await assert.rejects(
        client.send(new GetTrailStatusCommand({} as { Name: string })),
        /Value null at 'name' failed to satisfy constraint: Member must not be null/,
      );
    } finally {
      client.destroy();
    }
    assert.equal(fake.requests[0]?.targetPrefix, "CloudTrail_20131101", "the pinned SDK sends the short target");
  });

  it("STS awsQuery forms are read back into the model's shapes: lengths, patterns, ranges, list members", function () {
    const sts = serviceModel("sts");
    const form = new URLSearchParams({
      Action: "AssumeRole",
      Version: "2011-06-15",
      RoleArn: "arn:aws:iam::123456789012:role/reader",
      RoleSessionName: "has space",
      DurationSeconds: "60",
      "PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
      "Tags.member.1.Key": "team",
    });
    assert.equal(
      validationMessage(validateQuery(sts, "AssumeRole", form)),
      "3 validation errors detected: " +
        "Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; " +
        "Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900; " +
        "Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
    );
    const good = new URLSearchParams({ Action: "GetCallerIdentity", Version: "2011-06-15" });
    assert.deepEqual(validateQuery(sts, "GetCallerIdentity", good), []);
    good.set("Extra", "1");
    assert.match(
      validationMessage(validateQuery(sts, "GetCallerIdentity", good)),
      /Unrecognized field at 'Extra' \(refused by the test fake's own strictness, not as AWS answers\)/,
    );
  });

  it("Java patterns JavaScript's `u` flag refuses are read, not thrown: (?s), and escapes like \\- and \\:", function () {
    const ct = serviceModel("cloudtrail");
    // QueryStatement's pattern is "(?s).*": a statement over several lines matches.
    assert.deepEqual(validateJson(ct, "StartQuery", { QueryStatement: "SELECT eventName\nFROM eds" }), []);
    const config = serviceModel("config");
    // QueryArn's pattern escapes "-" inside a class ("[a-z\\-]"), which the `u` flag refuses.
    const arn = "arn:aws:config:eu-west-1:123456789012:stored-query/q/query-abc";
    assert.deepEqual(validateJson(config, "PutStoredQuery", { StoredQuery: { QueryName: "q", QueryArn: arn } }), []);
    const bad = validateJson(config, "PutStoredQuery", { StoredQuery: { QueryName: "q", QueryArn: "not an arn" } });
    assert.deepEqual(
      bad.map((v) => v.path),
      ["storedQuery.queryArn"],
    );
  });

  it("JSON bodies: enums, list lengths, unknown members and wrong types", function () {
    const ct = serviceModel("cloudtrail");
    assert.deepEqual(validateJson(ct, "DescribeTrails", { includeShadowTrails: true }), []);
    const bad = validateJson(ct, "DescribeTrails", { includeShadowTrails: "yes", extra: 1 });
    assert.deepEqual(
      bad.map((v) => [v.path, v.constraint]),
      [
        ["includeShadowTrails", "Expected boolean"],
        ["extra", "Unrecognized field"],
      ],
    );
    const config = serviceModel("config");
    // A JSON body carries typed values: text where the model wants a number or a boolean is the wrong type (only
    // an awsQuery form, above, carries them as text).
    assert.deepEqual(validateJson(config, "ListConfigurationRecorders", { MaxResults: 20 }), []);
    assert.deepEqual(
      [
        ...validateJson(config, "ListConfigurationRecorders", { MaxResults: "20" }),
        ...validateJson(ct, "DescribeTrails", { includeShadowTrails: "true" }),
      ].map((v) => [v.path, v.constraint]),
      [
        ["maxResults", "Expected integer"],
        ["includeShadowTrails", "Expected boolean"],
      ],
    );
    assert.match(
      validationMessage(validateJson(config, "DescribeConfigurationRecorderStatus", { ServicePrincipal: "" })),
      /Value '' at 'servicePrincipal' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    );
  });
});

// Root level: runs after all tests of all spec files loaded into this mocha process.
after(function () {
  const seen = new Map<string, number>();
  for (const v of MODEL_VIOLATIONS) {
    const k = `${v.service}:${v.action}: ${v.message}`;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  assert.deepEqual(
    [...seen].map(([k, n]) => `${n}× ${k}`),
    [],
    "requests the AWS services' official models refuse (the real service would answer ValidationException)",
  );
});
