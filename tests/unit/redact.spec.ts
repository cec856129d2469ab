import assert from "node:assert/strict";
import { quote, redact, registerSecret } from "../../lib/redact";
import { setEnv } from "../support";

// registerSecret has no undo: every spec uses values unique to it.
function withSecretEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = new Map(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) setEnv(k, v);
  }
}

describe("redact", () => {
  it("replaces every occurrence of a registered secret", () => {
    registerSecret("s3cr3t-registered-value");
    assert.equal(redact("a s3cr3t-registered-value b s3cr3t-registered-value"), "a [redacted] b [redacted]");
  });

  it("ignores registrations that are too short or not strings", () => {
    registerSecret("abc12");
    registerSecret(12345678);
    registerSecret(undefined);
    assert.equal(redact("abc12 12345678"), "abc12 12345678");
  });

  it("replaces secrets from the environment, only while they are set", () => {
    const text = "token=env-session-token-value-1 secret=env-secret-key-value-1 id=ALIBABA-id-value";
    withSecretEnv(
      {
        AWS_SESSION_TOKEN: "env-session-token-value-1",
        AWS_SECRET_ACCESS_KEY: "env-secret-key-value-1",
        ALIBABA_CLOUD_ACCESS_KEY_ID: "ALIBABA-id-value",
      },
      () => assert.equal(redact(text), "token=[redacted] secret=[redacted] id=[redacted]"),
    );
    assert.equal(redact(text), text);
  });

  it("does not treat a short environment value as a secret", () => {
    withSecretEnv({ AWS_ACCESS_KEY_ID: "abc" }, () => assert.equal(redact("abc abcdef"), "abc abcdef"));
  });

  it("replaces AWS access key id shapes and signatures it never saw", () => {
    assert.equal(redact("key AKIAIOSFODNN7EXAMPLE used"), "key [redacted] used");
    assert.equal(redact("session ASIAY34FZKBOKMUTVV7A."), "session [redacted].");
    assert.equal(redact("short AKIA1234"), "short AKIA1234", "not the shape of a key id");
    assert.equal(redact("X-Amz-Signature=" + "ab12".repeat(16) + "&x=1"), "X-Amz-Signature=[redacted]&x=1");
  });

  it("replaces a secret's percent-encoded, twice-encoded and JSON-escaped forms too", () => {
    const token = 'FwoGZX/encoded+token=="x';
    registerSecret(token);
    const uri = encodeURIComponent(token);
    assert.equal(
      redact(`a ${uri} b ${uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())} c ${encodeURIComponent(uri)}`),
      "a [redacted] b [redacted] c [redacted]",
    );
    assert.equal(redact(JSON.stringify({ token })), '{"token":"[redacted]"}');
    assert.equal(redact(new URLSearchParams({ SecurityToken: token }).toString()), "SecurityToken=[redacted]");
  });

  it("withholds the reply excerpt JSON.parse quotes, which may cut a secret where no pattern matches", () => {
    let message = "";
    try {
      JSON.parse('{"IsLogging": tru key AKIAC0FFEE and some more text after the cut');
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(message, /AKIAC"\.\.\. is not valid JSON/, "Node quotes a window of the input");
    assert.equal(
      redact(`parse failed: ${message} [HTTP 200]`),
      "parse failed: Unexpected token ' ' in a reply that is not valid JSON (excerpt withheld) [HTTP 200]",
    );
    assert.equal(
      redact(`Unexpected token '<', "<html><bod"... is not valid JSON`),
      "Unexpected token '<' in a reply that is not valid JSON (excerpt withheld)",
    );
  });

  it("replaces Alibaba Cloud access key id shapes it never saw", () => {
    assert.equal(redact("AccessKeyId LTAI5tQ9yFakeNeverSeen01 used"), "AccessKeyId [redacted] used");
    assert.equal(redact("LTAI short"), "LTAI short");
  });

  it("replaces the longest secret first, so one containing another is removed whole", () => {
    registerSecret("nested-secret-A");
    registerSecret("nested-secret-A-with-more-characters");
    assert.equal(redact("v=nested-secret-A-with-more-characters;w=nested-secret-A"), "v=[redacted];w=[redacted]");
  });
});

describe("quote", () => {
  it("makes one line with collapsed whitespace", () => {
    assert.equal(quote("  Access Denied\n\tfor  user\r\nbob  "), "Access Denied for user bob");
  });

  it("truncates to max characters with an ellipsis", () => {
    const out = quote("x".repeat(500));
    assert.equal(out.length, 300);
    assert.ok(out.endsWith("…"));
    assert.equal(quote("y".repeat(50), 20), `${"y".repeat(19)}…`);
    assert.equal(quote("z".repeat(20), 20), "z".repeat(20), "exactly max is not cut");
  });

  it("redacts before truncating, so no fragment of a secret survives the cut", () => {
    registerSecret("QUOTESECRETabcdefghij");
    const out = quote(`${"a".repeat(290)} QUOTESECRETabcdefghij tail`);
    assert.equal(out.length, 300);
    assert.ok(!out.includes("QUOTES"), out);
    assert.ok(out.includes("[redac"));
  });

  it("redacts a secret that sits on its own line of a multi-line message", () => {
    registerSecret("line-secret-value");
    assert.equal(quote("error:\nline-secret-value\n"), "error: [redacted]");
  });
});
