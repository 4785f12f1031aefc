import { describe, expect, test } from "bun:test";
import { pyJsonDumps } from "../../src/python/json.ts";

// Expected strings below are what CPython 3.11 prints for json.dumps(v, ensure_ascii=False)
// ("output") and json.dumps(v) ("ascii").

describe("pyJsonDumps, output mode (ensure_ascii=False)", () => {
  test("Python separators, insertion order, raw non-ASCII", () => {
    expect(pyJsonDumps({ a: 1, b: [1, 2.5, "é"], c: null })).toBe(
      '{"a": 1, "b": [1, 2.5, "é"], "c": null}',
    );
    expect(pyJsonDumps({ z: 1, a: 2 })).toBe('{"z": 1, "a": 2}');
  });

  test("escapes quotes, backslashes and control characters like Python", () => {
    expect(pyJsonDumps('é😀\n\t\u0000\u001f\u007f"\\/')).toBe(
      '"é😀\\n\\t\\u0000\\u001f\u007f\\"\\\\/"',
    );
    expect(pyJsonDumps("\b\f\r")).toBe('"\\b\\f\\r"');
    expect(pyJsonDumps("\u2028\u2029")).toBe('"\u2028\u2029"');
  });

  test("empty and nested containers, booleans", () => {
    expect(pyJsonDumps({})).toBe("{}");
    expect(pyJsonDumps([])).toBe("[]");
    expect(pyJsonDumps({ x: { y: [] }, t: true, f: false })).toBe(
      '{"x": {"y": []}, "t": true, "f": false}',
    );
    expect(pyJsonDumps([[1, [2]], { a: [{}] }])).toBe('[[1, [2]], {"a": [{}]}]');
  });

  test("floats use Python's repr", () => {
    expect(
      pyJsonDumps([
        0.1,
        1e-5,
        0.0001,
        1.5e-7,
        123456.789,
        5e-324,
        -2.5e-10,
        0.30000000000000004,
        1234567890123456.8,
      ]),
    ).toBe(
      "[0.1, 1e-05, 0.0001, 1.5e-07, 123456.789, 5e-324, -2.5e-10, 0.30000000000000004, 1234567890123456.8]",
    );
    expect(pyJsonDumps(1.7976931348623157e308)).toBe("1.7976931348623157e+308");
  });

  test("NaN and infinities become null, never bare literals (DECISIONS compat 3)", () => {
    expect(pyJsonDumps({ a: NaN, b: [Infinity, -Infinity] })).toBe(
      '{"a": null, "b": [null, null]}',
    );
  });

  test("BigInt is written as its digits", () => {
    expect(pyJsonDumps({ n: 12345678901234567890n })).toBe('{"n": 12345678901234567890}');
  });

  test("undefined is skipped in objects and null in arrays, like JSON.stringify", () => {
    expect(pyJsonDumps({ a: undefined, b: 1, c: () => 1 })).toBe('{"b": 1}');
    expect(pyJsonDumps([undefined, 1])).toBe("[null, 1]");
    expect(pyJsonDumps(undefined)).toBe("null");
  });

  test("toJSON and Map are honoured", () => {
    expect(pyJsonDumps({ d: new Date(0) })).toBe('{"d": "1970-01-01T00:00:00.000Z"}');
    expect(pyJsonDumps(new Map<string, unknown>([["2", "b"], ["1", "a"]]))).toBe(
      '{"2": "b", "1": "a"}',
    );
  });

  test("lone surrogates are escaped so the line stays valid UTF-8", () => {
    expect(pyJsonDumps("a\ud800b")).toBe('"a\\ud800b"');
  });

  test("sortKeys sorts recursively", () => {
    expect(pyJsonDumps({ b: { d: 1, c: 2 }, a: 0 }, { sortKeys: true })).toBe(
      '{"a": 0, "b": {"c": 2, "d": 1}}',
    );
  });

  test("a circular structure is a TypeError", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => pyJsonDumps(a)).toThrow(TypeError);
  });

  test("agrees with JSON.parse round trip on a mixed record", () => {
    const value = {
      id: "x",
      list: [1, -2, 3.25, "ü\n", null, true],
      nested: { k: ["a", { b: "c" }] },
    };
    expect(JSON.parse(pyJsonDumps(value))).toEqual(value);
  });
});

describe("pyJsonDumps, ascii mode (json.dumps defaults)", () => {
  test("non-ASCII as lower-case \\uXXXX, astral as surrogate pairs", () => {
    expect(pyJsonDumps({ a: 1, b: [1, 2.5, "é"], c: null }, { mode: "ascii" })).toBe(
      '{"a": 1, "b": [1, 2.5, "\\u00e9"], "c": null}',
    );
    expect(pyJsonDumps("é😀", { mode: "ascii" })).toBe('"\\u00e9\\ud83d\\ude00"');
    expect(pyJsonDumps("ǅ\uffff", { mode: "ascii" })).toBe('"\\u01c5\\uffff"');
  });

  test("control characters and DEL are escaped", () => {
    expect(pyJsonDumps('\n\t\u0000\u001f\u007f"\\/', { mode: "ascii" })).toBe(
      '"\\n\\t\\u0000\\u001f\\u007f\\"\\\\/"',
    );
  });

  test("keys are escaped too", () => {
    expect(pyJsonDumps({ "clé": "v" }, { mode: "ascii" })).toBe('{"cl\\u00e9": "v"}');
  });
});
