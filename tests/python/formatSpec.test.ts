import { describe, expect, test } from "bun:test";
import { pyFormat } from "../../src/python/formatSpec.ts";
import { PyFloat } from "../../src/python/repr.ts";

// Every expected value below is CPython's `format(value, spec)` output.
type Case = [unknown, string, string];

function check(cases: Case[]) {
  for (const [value, spec, expected] of cases) {
    expect({ spec, out: pyFormat(value, spec) }).toEqual({ spec, out: expected });
  }
}

describe("pyFormat: strings", () => {
  test("fill, align, width, precision", () => {
    check([
      ["abc", "", "abc"],
      ["abc", ">10", "       abc"],
      ["abc", "<10", "abc       "],
      ["abc", "^11", "    abc    "],
      ["abc", "*^11", "****abc****"],
      ["abc", ".2s", "ab"],
      ["abc", "10.3s", "abc       "],
      ["abc", "05", "abc00"],
      ["héllo", ">7", "  héllo"],
      ["😀", ">3", "  😀"],
    ]);
  });

  test("errors", () => {
    expect(() => pyFormat("a", "d")).toThrow("Unknown format code 'd' for object of type 'str'");
    expect(() => pyFormat("a", "+")).toThrow("Sign not allowed in string format specifier");
    expect(() => pyFormat("a", "#")).toThrow(
      "Alternate form (#) not allowed in string format specifier",
    );
    expect(() => pyFormat("a", "=10")).toThrow(
      "'=' alignment not allowed in string format specifier",
    );
    expect(() => pyFormat("a", ",")).toThrow("Cannot specify ',' with 's'.");
    expect(() => pyFormat("a", "abc")).toThrow(
      "Invalid format specifier 'abc' for object of type 'str'",
    );
    expect(() => pyFormat("a", "5.")).toThrow("Format specifier missing precision");
  });
});

describe("pyFormat: ints", () => {
  test("decimal, sign, zero padding, grouping", () => {
    check([
      [1234567, "", "1234567"],
      [42, ">5", "   42"],
      [42, "05d", "00042"],
      [-42, "=+10", "-       42"],
      [42, "+", "+42"],
      [42, " ", " 42"],
      [1234567, ",", "1,234,567"],
      [-1234567, "_", "-1_234_567"],
      [1234, "08,", "0,001,234"],
      [1234, "012,", "0,000,001,234"],
      [1234, "0>8", "00001234"],
      [1234, "<08", "12340000"],
      [7, "n", "7"],
      [true, ">5", "    1"],
      [true, "", "True"],
    ]);
  });

  test("bases and characters", () => {
    check([
      [255, "x", "ff"],
      [255, "#x", "0xff"],
      [255, "X", "FF"],
      [255, "#X", "0XFF"],
      [8, "#o", "0o10"],
      [5, "b", "101"],
      [255, "#_b", "0b1111_1111"],
      [1234567, "#_x", "0x12_d687"],
      [65, "c", "A"],
    ]);
  });

  test("float types on ints", () => {
    check([
      [7, ".2f", "7.00"],
      [1234567, "e", "1.234567e+06"],
      [1, "%", "100.000000%"],
      [1234567, "015,.2f", "0,001,234,567.00"],
    ]);
  });

  test("errors", () => {
    expect(() => pyFormat(5, ".2")).toThrow("Precision not allowed in integer format specifier");
    expect(() => pyFormat(5, "s")).toThrow("Unknown format code 's' for object of type 'int'");
    expect(() => pyFormat(true, "s")).toThrow("Unknown format code 's' for object of type 'bool'");
    expect(() => pyFormat(5, ",x")).toThrow("Cannot specify ',' with 'x'.");
    expect(() => pyFormat(5, ",_")).toThrow("Cannot specify both ',' and '_'.");
    expect(() => pyFormat(65, "+c")).toThrow("Sign not allowed with integer format specifier 'c'");
  });
});

describe("pyFormat: floats", () => {
  test("no type: repr, or 'g' with at least one fractional digit", () => {
    check([
      [0.5, "", "0.5"],
      [new PyFloat(1e16), ">10", "     1e+16"],
      [new PyFloat(1e16), "010", "000001e+16"],
      [123.456, ".3", "1.23e+02"],
      [new PyFloat(12), ".3", "12.0"],
      [1234.5678, ",", "1,234.5678"],
    ]);
  });

  test("fixed, exponent, general, percent", () => {
    check([
      [1234.5678, ".2f", "1234.57"],
      [1234.5678, ",.2f", "1,234.57"],
      [1234.5678, "e", "1.234568e+03"],
      [1234.5678, "E", "1.234568E+03"],
      [1234.5678, ".3e", "1.235e+03"],
      [1234.5678, "g", "1234.57"],
      [123456789.5, "g", "1.23457e+08"],
      [0.00001, "g", "1e-05"],
      [0.0001, "g", "0.0001"],
      [new PyFloat(1), "#g", "1.00000"],
      [0.5, ".1%", "50.0%"],
      [0.5, ".0e", "5e-01"],
      [0.5, "#.0e", "5.e-01"],
      [0.5, ".0%", "50%"],
      [0.1, ".20f", "0.10000000000000000555"],
      [1 / 3, ".30g", "0.333333333333333314829616256247"],
    ]);
  });

  test("rounds exact ties half to even, like CPython", () => {
    check([
      [0.125, ".2f", "0.12"],
      [0.375, ".2f", "0.38"],
      [2.5, ".0f", "2"],
      [3.5, ".0f", "4"],
      [1.5, ".0f", "2"],
      [2.675, ".2f", "2.67"], // 2.675 is really 2.67499999...
      [9.995, ".2f", "9.99"],
      [0.5, ".0f", "0"],
      [0.5, "#.0f", "0."],
    ]);
  });

  test("signs, negative zero, nan and inf", () => {
    check([
      [new PyFloat(-0), "", "-0.0"],
      [-0.0001, "z.1f", "0.0"],
      [-0.0001, ".1f", "-0.0"],
      [NaN, "", "nan"],
      [NaN, "+", "+nan"],
      [Infinity, "F", "INF"],
      [-Infinity, "08,", "-0000inf"],
      [Infinity, ",.2f", "inf"],
    ]);
  });

  test("errors", () => {
    expect(() => pyFormat(1.5, "d")).toThrow("Unknown format code 'd' for object of type 'float'");
    expect(() => pyFormat(1.5, "x")).toThrow("Unknown format code 'x' for object of type 'float'");
  });
});

test("other values accept only the empty spec", () => {
  expect(pyFormat(null, "")).toBe("None");
  expect(pyFormat([1], "")).toBe("[1]");
  expect(() => pyFormat(null, ">5")).toThrow(
    "unsupported format string passed to NoneType.__format__",
  );
  expect(() => pyFormat([1], ">5")).toThrow("unsupported format string passed to list.__format__");
  expect(() => pyFormat({}, "s")).toThrow("unsupported format string passed to dict.__format__");
});
