// `pulumi policy analyze --file` replaces secrets it cannot decrypt with the string "[secret]" (found with the real
// CLI, tests/e2e/): a provider key with that value is never used to sign a call; the check says why instead.

import assert from "node:assert/strict";
import { aliCredentialsOf } from "../../lib/alicloud/target";
import { credentialsOf } from "../../lib/aws/target";
import { provider, resource, TYPES } from "./support";

describe("provider credentials redacted by pulumi policy analyze", () => {
  for (const key of ["accessKey", "secretKey", "token"]) {
    it(`AWS: ${key} "[secret]" is not a credential`, () => {
      const keys: Record<string, string> = { accessKey: "AKIAUNIT", secretKey: "unit-secret", [key]: "[secret]" };
      const c = credentialsOf(resource(TYPES.awsTrail, "t", {}, { provider: provider(keys) }));
      assert.equal(c.ok, false);
      if (!c.ok) {
        assert.equal(c.unknown, false, "reported, not silently skipped");
        assert.ok(c.why.includes(key) && c.why.includes("--show-secrets"), c.why);
      }
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
