import { describe, expect, test } from "bun:test";
import { pyFloatRepr } from "../../src/python/float.ts";
import { pyAscii, PyFloat, pyQuote, pyRepr, pyStr, pyTypeName } from "../../src/python/repr.ts";

// Expected strings below were produced by CPython 3 (`str()` / `repr()`).
describe("pyStr (§8.3)", () => {
  test("scalars", () => {
    expect(pyStr("as-is {x}")).toBe("as-is {x}");
    expect(pyStr(42)).toBe("42");
    expect(pyStr(-7)).toBe("-7");
    expect(pyStr(true)).toBe("True");
    expect(pyStr(false)).toBe("False");
    expect(pyStr(null)).toBe("None");
    expect(pyStr(undefined)).toBe("None");
    expect(pyStr(10n ** 30n)).toBe("1000000000000000000000000000000");
  });

  test("integral numbers render as ints, also beyond 1e21", () => {
    expect(pyStr(1e21)).toBe("1000000000000000000000");
    expect(pyStr(-0)).toBe("0");
    expect(pyStr(1.5e16)).toBe("15000000000000000"); // a Python float would print 1.5e+16
  });

  test("floats use Python's shortest repr", () => {
    const cases: [number, string][] = [
      [0.1, "0.1"],
      [0.5, "0.5"],
      [1 / 3, "0.3333333333333333"],
      [123.456, "123.456"],
      [1e-5, "1e-05"],
      [1.5e-7, "1.5e-07"],
      [0.0001, "0.0001"],
      [0.00012, "0.00012"],
      [1.5e-300, "1.5e-300"],
      [5e-324, "5e-324"],
      [NaN, "nan"],
      [Infinity, "inf"],
      [-Infinity, "-inf"],
    ];
    for (const [x, s] of cases) expect(pyStr(x)).toBe(s);
  });

  test("PyFloat marks integral floats", () => {
    expect(pyStr(new PyFloat(1))).toBe("1.0");
    expect(pyStr(new PyFloat(1e16))).toBe("1e+16");
    expect(pyStr(new PyFloat(9999999999999998))).toBe("9999999999999998.0");
    expect(pyStr(new PyFloat(-0))).toBe("-0.0");
    expect(pyFloatRepr(1e22)).toBe("1e+22");
  });

  test("containers render as Python reprs", () => {
    expect(pyStr(["a", 1, null, true])).toBe("['a', 1, None, True]");
    expect(pyStr({ k: "v", n: 1 })).toBe("{'k': 'v', 'n': 1}");
    expect(pyStr({ k: [{ x: 0.5 }], e: {} })).toBe("{'k': [{'x': 0.5}], 'e': {}}");
    expect(pyStr([])).toBe("[]");
  });

  test("cycles render as [...] and {...}", () => {
    const list: unknown[] = [1];
    list.push(list);
    expect(pyRepr(list)).toBe("[1, [...]]");
    const map: Record<string, unknown> = { a: 1 };
    map.self = map;
    expect(pyRepr(map)).toBe("{'a': 1, 'self': {...}}");
  });
});

describe("pyRepr string quoting", () => {
  test("quote choice", () => {
    expect(pyQuote("plain")).toBe("'plain'");
    expect(pyQuote("it's")).toBe(`"it's"`);
    expect(pyQuote('say "hi"')).toBe(`'say "hi"'`);
    expect(pyQuote(`both ' and "`)).toBe(`'both \\' and "'`);
    expect(pyQuote("")).toBe("''");
  });

  test("escapes", () => {
    expect(pyQuote("a\\b")).toBe("'a\\\\b'");
    expect(pyQuote("l1\nl2\tx\r")).toBe("'l1\\nl2\\tx\\r'");
    expect(pyQuote("\x00\x1f\x7f")).toBe("'\\x00\\x1f\\x7f'");
    expect(pyQuote("\u00a0\u00ad")).toBe("'\\xa0\\xad'");
    expect(pyQuote("\u2028\ufeff")).toBe("'\\u2028\\ufeff'");
    expect(pyQuote("\udfff")).toBe("'\\udfff'");
  });

  test("printable non-ASCII stays as-is", () => {
    expect(pyQuote("héllo wörld 日本 😀")).toBe("'héllo wörld 日本 😀'");
  });

  test("ascii() escapes all non-ASCII", () => {
    expect(pyAscii("héllo 😀")).toBe("'h\\xe9llo \\U0001f600'");
    expect(pyAscii(["日"])).toBe("['\\u65e5']");
  });
});

test("pyTypeName", () => {
  expect([1, 1.5, "s", true, null, [], {}, new PyFloat(2)].map(pyTypeName)).toEqual([
    "int",
    "float",
    "str",
    "bool",
    "NoneType",
    "list",
    "dict",
    "float",
  ]);
});
