import assert from "node:assert/strict";
import {
  bool,
  field,
  isObject,
  isUnknownSentinel,
  knownStr,
  list,
  num,
  objectList,
  type Plain,
  str,
  strList,
  structured,
  toPlain,
  UNKNOWN,
  UNKNOWN_SENTINELS,
} from "../../lib/plain";
import { proxied, proxy } from "./support";

const U = {
  bool: proxy.unknownBooleanValue,
  num: proxy.unknownNumberValue,
  str: proxy.unknownStringValue,
  arr: proxy.unknownArrayValue,
  asset: proxy.unknownAssetValue,
  archive: proxy.unknownArchiveValue,
  obj: proxy.unknownObjectValue,
};

describe("plain: sentinels", () => {
  it("recognises exactly the SDK's exported unknown*Value constants", () => {
    const sdk = new Set(Object.values(U));
    assert.equal(sdk.size, 7);
    assert.deepEqual(new Set(UNKNOWN_SENTINELS), sdk);
    for (const s of sdk) assert.equal(isUnknownSentinel(s), true);
    assert.equal(isUnknownSentinel("04da6b54-80e4-46f7-96ec-b56ff0331ba8"), false);
    assert.equal(isUnknownSentinel(42), false);
  });
});

describe("plain: toPlain over the real unknownCheckingProxy", () => {
  it("the proxy really throws on an unknown field, toPlain does not", () => {
    const p = proxy.unknownCheckingProxy({ arn: U.str, name: "trail" } as Record<string, unknown>);
    assert.throws(() => p["arn"], proxy.UnknownValueError);
    assert.throws(() => JSON.stringify(p), proxy.UnknownValueError);
    assert.deepEqual(toPlain(p), { arn: UNKNOWN, name: "trail" });
  });

  it("keeps known scalars and maps every kind of sentinel to UNKNOWN", () => {
    const out = proxied({
      s: "x",
      n: 3,
      b: false,
      u1: U.bool,
      u2: U.num,
      u3: U.str,
      u4: U.arr,
      u5: U.asset,
      u6: U.archive,
      u7: U.obj,
    });
    assert.deepEqual(out, {
      s: "x",
      n: 3,
      b: false,
      u1: UNKNOWN,
      u2: UNKNOWN,
      u3: UNKNOWN,
      u4: UNKNOWN,
      u5: UNKNOWN,
      u6: UNKNOWN,
      u7: UNKNOWN,
    });
  });

  it("converts nested unknowns inside objects and arrays", () => {
    const out = proxied({
      recordingGroup: {
        allSupported: U.bool,
        resourceTypes: ["AWS::S3::Bucket", U.str],
        exclusionByResourceTypes: [{ resourceTypes: U.arr }],
      },
    });
    assert.deepEqual(out, {
      recordingGroup: {
        allSupported: UNKNOWN,
        resourceTypes: ["AWS::S3::Bucket", UNKNOWN],
        exclusionByResourceTypes: [{ resourceTypes: UNKNOWN }],
      },
    });
  });

  it("a whole nested object may be unknown", () => {
    assert.deepEqual(proxied({ recordingGroup: U.obj, name: "r" }), { recordingGroup: UNKNOWN, name: "r" });
  });

  it("converts arrays of objects and drops undefined but keeps null", () => {
    const out = proxied({
      eventSelectors: [{ readWriteType: "All", dataResources: [] }, { readWriteType: "ReadOnly" }],
      gone: undefined,
      empty: null,
    });
    assert.deepEqual(out, {
      eventSelectors: [{ readWriteType: "All", dataResources: [] }, { readWriteType: "ReadOnly" }],
      empty: null,
    });
    assert.equal(Object.prototype.hasOwnProperty.call(out, "gone"), false);
  });

  it("returns real arrays, not proxies", () => {
    const out = proxied({ tags: ["a", "b"] });
    const tags = out["tags"];
    assert.ok(Array.isArray(tags));
    assert.deepEqual(
      tags.map((t) => (typeof t === "string" ? t.toUpperCase() : t)),
      ["A", "B"],
    );
  });

  it("handles plain (unproxied) input, odd types and cycles without throwing", () => {
    assert.equal(toPlain(undefined), null);
    assert.equal(
      toPlain(() => 1),
      null,
    );
    assert.equal(toPlain(U.str), UNKNOWN);
    const cyclic: Record<string, unknown> = { name: "c" };
    cyclic["self"] = cyclic;
    const out = toPlain(cyclic);
    assert.ok(isObject(out));
    assert.equal(out["name"], "c");
  });

  it("treats a field whose getter throws as unknown", () => {
    const obj = Object.defineProperty({ ok: 1 }, "bad", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    assert.deepEqual(toPlain(obj), { ok: 1, bad: UNKNOWN });
  });
});

describe("plain: readers", () => {
  const obj: Plain = { a: "x", b: UNKNOWN, c: null };

  it("field", () => {
    assert.equal(field(obj, "a"), "x");
    assert.equal(field(obj, "b"), UNKNOWN);
    assert.equal(field(obj, "c"), null);
    assert.equal(field(obj, "missing"), undefined);
    assert.equal(field(obj, "toString"), undefined, "inherited properties are not fields");
    assert.equal(field(UNKNOWN, "a"), UNKNOWN, "a field of an unknown object is unknown");
    assert.equal(field(["x"], "0"), undefined);
    assert.equal(field("str", "length"), undefined);
    assert.equal(field(undefined, "a"), undefined);
    assert.equal(field(null, "a"), undefined);
  });

  it("str and knownStr", () => {
    assert.equal(str("x"), "x");
    assert.equal(str(UNKNOWN), UNKNOWN);
    assert.equal(str(3), undefined);
    assert.equal(knownStr("x"), "x");
    assert.equal(knownStr(""), undefined);
    assert.equal(knownStr(UNKNOWN), undefined);
    assert.equal(knownStr(true), undefined);
  });

  it("bool accepts booleans and the provider's string forms", () => {
    assert.equal(bool(true), true);
    assert.equal(bool(false), false);
    assert.equal(bool("true"), true);
    assert.equal(bool("false"), false);
    assert.equal(bool("yes"), undefined);
    assert.equal(bool(1), undefined);
    assert.equal(bool(UNKNOWN), UNKNOWN);
    assert.equal(bool(undefined), undefined);
  });

  it("num accepts finite numbers and numeric strings", () => {
    assert.equal(num(3), 3);
    assert.equal(num("42"), 42);
    assert.equal(num(" 7 "), 7);
    assert.equal(num(""), undefined);
    assert.equal(num("  "), undefined);
    assert.equal(num("abc"), undefined);
    assert.equal(num(Number.NaN), undefined);
    assert.equal(num(Number.POSITIVE_INFINITY), undefined);
    assert.equal(num(UNKNOWN), UNKNOWN);
  });

  it("list and strList", () => {
    assert.deepEqual(list(["a", 1]), ["a", 1]);
    assert.equal(list("a"), undefined);
    assert.equal(list(UNKNOWN), UNKNOWN);
    assert.deepEqual(strList(["a", 1, null, "b"]), ["a", "b"]);
    assert.equal(strList(["a", UNKNOWN]), UNKNOWN, "one unknown element makes the list unknown");
    assert.equal(strList(UNKNOWN), UNKNOWN);
    assert.equal(strList({ a: "b" }), undefined);
  });
});

describe("plain: JSON-string provider props", () => {
  it("structured parses JSON arrays and objects held in strings", () => {
    assert.deepEqual(structured('[{"cloudtrail":"http://127.0.0.1:1"}]'), [{ cloudtrail: "http://127.0.0.1:1" }]);
    assert.deepEqual(structured(' {"roleArn":"arn:aws:iam::123456789012:role/r"} '), {
      roleArn: "arn:aws:iam::123456789012:role/r",
    });
  });

  it("structured passes already-parsed values and unknowns through", () => {
    const parsed: Plain = [{ cloudtrail: "x" }];
    assert.equal(structured(parsed), parsed);
    assert.equal(structured(UNKNOWN), UNKNOWN);
    assert.equal(structured(undefined), undefined);
  });

  it("structured reads malformed JSON and non-JSON strings as absent", () => {
    assert.equal(structured('[{"cloudtrail": '), undefined);
    assert.equal(structured("{not json}"), undefined);
    assert.equal(structured("us-east-1"), undefined);
    assert.equal(structured(""), undefined);
  });

  it("structured maps sentinels inside the JSON to UNKNOWN", () => {
    assert.deepEqual(structured(JSON.stringify([{ roleArn: U.str }])), [{ roleArn: UNKNOWN }]);
  });

  it("objectList accepts a JSON array string, an array, or a single object", () => {
    assert.deepEqual(objectList('[{"a":"1"},{"b":"2"}]'), [{ a: "1" }, { b: "2" }]);
    assert.deepEqual(objectList([{ a: "1" }]), [{ a: "1" }]);
    assert.deepEqual(objectList('{"a":"1"}'), [{ a: "1" }]);
    assert.deepEqual(objectList({ a: "1" }), [{ a: "1" }]);
  });

  it("objectList drops non-objects, reads malformed or absent as empty, and keeps unknowns", () => {
    assert.deepEqual(objectList('[1, "x", {"a":"1"}, null, []]'), [{ a: "1" }]);
    assert.deepEqual(objectList("[{"), []);
    assert.deepEqual(objectList(undefined), []);
    assert.deepEqual(objectList("plain"), []);
    assert.equal(objectList(UNKNOWN), UNKNOWN);
    assert.equal(objectList([{ a: "1" }, UNKNOWN]), UNKNOWN);
  });

  it("reads a proxied provider whose endpoints are a JSON string and whose assumeRoles are unknown", () => {
    const props = proxied({
      region: "eu-west-1",
      endpoints: JSON.stringify([{ cloudtrail: "http://127.0.0.1:4566" }]),
      assumeRoles: U.str,
    });
    assert.deepEqual(objectList(field(props, "endpoints")), [{ cloudtrail: "http://127.0.0.1:4566" }]);
    assert.equal(objectList(field(props, "assumeRoles")), UNKNOWN);
  });
});
