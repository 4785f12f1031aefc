import { describe, expect, test } from "bun:test";
import { pyRepr, pyStr, unwrapIntegralFloats } from "../../src/config/pyValues.ts";
import { pyFloatRepr } from "../../src/python/float.ts";
import { parseYaml, positionOf } from "../../src/config/yaml.ts";

const data = (text: string) => {
  const src = parseYaml(text, "t.yaml");
  expect(src.errors).toEqual([]);
  return unwrapIntegralFloats(src.data) as Record<string, unknown>;
};

describe("YAML 1.1 scalars as PyYAML + OmegaConf read them (§2.1)", () => {
  test("yes/no/on/off in their PyYAML spellings are booleans; y/n are strings", () => {
    const d = data("a: yes\nb: No\nc: ON\nd: off\ne: TRUE\nf: y\ng: n\nh: yEs\n");
    expect(d).toEqual({ a: true, b: false, c: true, d: false, e: true, f: "y", g: "n", h: "yEs" });
  });

  test("dates and timestamps stay strings", () => {
    const d = data("a: 2024-01-01\nb: 2001-12-14t21:59:43.10-05:00\n");
    expect(d).toEqual({ a: "2024-01-01", b: "2001-12-14t21:59:43.10-05:00" });
  });

  test("YAML 1.1 ints: octal, hex, binary, underscores, sexagesimal", () => {
    const d = data("a: 010\nb: 0x1F\nc: 0b101\nd: 1_000\ne: 1:30\nf: 08\ng: -42\nh: 0o10\n");
    expect(d).toEqual({ a: 8, b: 31, c: 5, d: 1000, e: 90, f: "08", g: -42, h: "0o10" });
  });

  test("floats include OmegaConf's 1e3; -.5 and 1e stay strings; .inf/.nan", () => {
    const d = data("a: 1e3\nb: 1.5e-3\nc: .5\nd: -.5\ne: 3.\nf: .inf\ng: -.INF\nh: 1e\n");
    expect(d.a).toBe(1000);
    expect(d.b).toBe(0.0015);
    expect(d.c).toBe(0.5);
    expect(d.d).toBe("-.5");
    expect(d.e).toBe(3);
    expect(d.f).toBe(Infinity);
    expect(d.g).toBe(-Infinity);
    expect(d.h).toBe("1e");
    expect(Number.isNaN(data("x: .nan\n").x)).toBe(true);
  });

  test("whole-number floats are kept apart from ints until validation", () => {
    const src = parseYaml("a: 1.0\nb: 1\nc: 1e3\n", "t.yaml");
    const raw = src.data as Record<string, unknown>;
    expect(typeof raw.a).toBe("bigint");
    expect(typeof raw.b).toBe("number");
    expect(pyStr(raw.a)).toBe("1.0");
    expect(pyStr(raw.c)).toBe("1000.0");
  });

  test("null spellings and ${...} text", () => {
    const d = data("a: ~\nb: null\nc: NULL\nd:\ne: ${oc.env:HOME}\nf: '${x}'\n");
    expect(d).toEqual({ a: null, b: null, c: null, d: null, e: "${oc.env:HOME}", f: "${x}" });
  });

  test("merge keys and anchors", () => {
    const d = data("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n");
    expect(d.derived).toEqual({ x: 1, y: 3 });
  });
});

describe("YAML errors", () => {
  test("a duplicate key is an error with its position", () => {
    const src = parseYaml("a: 1\nb:\n  c: 1\n  c: 2\n", "t.yaml");
    expect(src.errors).toHaveLength(1);
    expect(src.errors[0]).toMatchObject({ message: "found duplicate key c", line: 4, column: 3 });
  });

  test("a syntax error reports line and column", () => {
    const src = parseYaml("a: [1, 2\nb: 3\n", "t.yaml");
    expect(src.errors.length).toBeGreaterThan(0);
    expect(src.errors[0].line).toBeGreaterThanOrEqual(1);
    expect(src.data).toBeUndefined();
  });

  test("alias bombs are refused", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 6; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const src = parseYaml(levels.join("\n") + "\n", "bomb.yaml");
    expect(src.errors.length).toBeGreaterThan(0);
    expect(src.errors[0].message).toMatch(/alias/i);
  });

  test("recursive aliases are refused", () => {
    expect(parseYaml("a: &a [*a]\n", "t.yaml").errors[0].message).toMatch(/Recursive/);
  });
});

describe("positionOf", () => {
  const text = "top:\n  list:\n    - id: a\n    - id: b\n      name: B\n  other: 1\n";
  const src = parseYaml(text, "t.yaml");

  test("finds values, list items and keys", () => {
    expect(positionOf(src, ["top", "list", 1, "name"])).toEqual({
      line: 5,
      column: 13,
      exact: true,
    });
    expect(positionOf(src, ["top", "list", 1, "name"], { atKey: true })).toEqual({
      line: 5,
      column: 7,
      exact: true,
    });
    expect(positionOf(src, ["top", "list", 0])).toMatchObject({ line: 3, column: 7 });
  });

  test("a missing key falls back to the nearest ancestor", () => {
    expect(positionOf(src, ["top", "list", 0, "missing"])).toEqual({
      line: 3,
      column: 7,
      exact: false,
    });
    expect(positionOf(src, ["top", "list", 9])).toMatchObject({ line: 3, exact: false });
  });
});

describe("Python formatting helpers", () => {
  test("float repr follows Python", () => {
    expect(pyFloatRepr(1000)).toBe("1000.0");
    expect(pyFloatRepr(0.00001)).toBe("1e-05");
    expect(pyFloatRepr(0.0001)).toBe("0.0001");
    expect(pyFloatRepr(1e16)).toBe("1e+16");
    expect(pyFloatRepr(123456789012345.6)).toBe("123456789012345.6");
    expect(pyFloatRepr(-2.5)).toBe("-2.5");
    expect(pyFloatRepr(1.5e300)).toBe("1.5e+300");
  });

  test("repr of containers and scalars", () => {
    expect(pyRepr(["a", 1, true, null, { k: 0.5 }])).toBe("['a', 1, True, None, {'k': 0.5}]");
    expect(pyStr(false)).toBe("False");
  });
});
