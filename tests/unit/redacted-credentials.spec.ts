// `pulumi policy analyze --file` replaces secrets it cannot decrypt with the string "[secret]" (found with the real
// CLI, tests/e2e/): a provider key with that value is never used to sign a call; the check says why instead.

import assert from "node:assert/strict";
import { aliCredentialsOf } from "../../lib/alicloud/target";
import { credentialsOf } from "../../lib/aws/target";
import { provider, resource, TYPES, withEnv } from "./support";

const NO_AMBIENT = {
  AUDITGUARD_AWS_ACCESS_KEY_ID: undefined,
  AUDITGUARD_AWS_SECRET_ACCESS_KEY: undefined,
  AUDITGUARD_AWS_SESSION_TOKEN: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
};

describe("provider credentials redacted by pulumi policy analyze", () => {
  for (const key of ["accessKey", "secretKey", "token"]) {
    it(`AWS: ${key} "[secret]" is not a credential; without keys in the environment the check says why`, () => {
      const keys: Record<string, string> = { accessKey: "AKIAUNIT", secretKey: "unit-secret", [key]: "[secret]" };
      const c = withEnv(NO_AMBIENT, () =>
        credentialsOf(resource(TYPES.awsTrail, "t", {}, { provider: provider(keys) })),
      );
      assert.equal(c.ok, false);
      if (!c.ok) {
        assert.equal(c.unknown, false, "reported, not silently skipped");
        assert.equal(c.reason, "no-credentials");
        assert.ok(c.why.includes(key) && c.why.includes("--show-secrets"), c.why);
        assert.ok(c.why.includes("AUDITGUARD_AWS_ACCESS_KEY_ID") && c.why.includes("AWS_ACCESS_KEY_ID"), c.why);
      }
    });

    it(`AWS: ${key} "[secret]" with keys in the environment (ESC): those keys, the hub's first, under the provider's roles`, () => {
      const keys: Record<string, string> = { accessKey: "AKIAUNIT", secretKey: "unit-secret", [key]: "[secret]" };
      const withRole = provider({ ...keys, assumeRoles: '[{"roleArn":"arn:aws:iam::210987654321:role/deploy"}]' });
      const env = { ...NO_AMBIENT, AWS_ACCESS_KEY_ID: "AKIAENVKEY", AWS_SECRET_ACCESS_KEY: "env-secret" };
      const c = withEnv(env, () => credentialsOf(resource(TYPES.awsTrail, "t", {}, { provider: withRole })));
      assert.ok(c.ok, JSON.stringify(c));
      assert.deepEqual(c.value.base, { source: "static", accessKeyId: "AKIAENVKEY", secretAccessKey: "env-secret" });
      assert.deepEqual(
        c.value.assumeRoles.map((r) => r.roleArn),
        ["arn:aws:iam::210987654321:role/deploy"],
      );
      const hub = withEnv(
        { ...env, AUDITGUARD_AWS_ACCESS_KEY_ID: "ASIAHUB", AUDITGUARD_AWS_SECRET_ACCESS_KEY: "hub-secret" },
        () => credentialsOf(resource(TYPES.awsTrail, "t", {}, { provider: provider(keys) })),
      );
      assert.ok(hub.ok);
      assert.equal(hub.value.base.source === "static" && hub.value.base.accessKeyId, "ASIAHUB");
    });
  }

  for (const key of ["accessKey", "secretKey", "securityToken"]) {
    it(`Alibaba Cloud: ${key} "[secret]" is not a credential`, () => {
      const keys: Record<string, string> = { accessKey: "LTAIUNIT", secretKey: "unit-secret", [key]: "[secret]" };
      const c = aliCredentialsOf(resource(TYPES.aliTrail, "t", {}, { provider: provider(keys) }));
      assert.equal(c.ok, false);
      if (!c.ok) {
        assert.equal(c.unknown, false);
        assert.ok(c.why.includes(key), c.why);
      }
    });
  }

  it("a real key that merely contains the word is used", () => {
    const c = credentialsOf(
      resource(TYPES.awsTrail, "t", {}, { provider: provider({ accessKey: "AKIA", secretKey: "x[secret]y" }) }),
    );
    assert.equal(c.ok, true);
  });
});
