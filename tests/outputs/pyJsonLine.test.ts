import { describe, expect, test } from "bun:test";
import { pyJsonDumps } from "../../src/python/json.ts";
import { FinalLine, PyJsonLineEncoder } from "../../src/outputs/pyJsonLine.ts";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

describe("PyJsonLineEncoder", () => {
  const encoder = new PyJsonLineEncoder();
  const cases: unknown[] = [
    { a: 1, b: [1, 2.5, "é"], c: null },
    { text: 'commas, colons: "quotes" \\ backslash \\", end', t: true, f: false },
    { nested: { deep: [{ x: "a:b,c" }, [], {}] }, emoji: "😀 中文", ctl: "\n\t\u0000\u001f" },
    { tiny: 1e-7, small: 0.00001, ok: 0.0001, big: 1e21, neg: -0, nan: Number.NaN, inf: Infinity },
    { big: 2n ** 70n, list: [undefined, () => 1], skip: undefined },
    { 'key with "quote"': "v", "": "" },
    { lone: "\ud800 surrogate", long: "x".repeat(5000) + '\\"' + ",".repeat(100) },
    [1, "two", { three: 3 }],
    "just a string",
  ];
  for (const value of cases) {
    test(`matches pyJsonDumps: ${pyJsonDumps(value).slice(0, 50)}`, () => {
      expect(decode(encoder.encode(value))).toBe(pyJsonDumps(value) + "\n");
    });
  }

  test("encode returns a copy that the next call does not overwrite", () => {
    const a = encoder.encode({ a: "first" });
    encoder.encode({ b: "second, longer value" });
    expect(decode(a)).toBe('{"a": "first"}\n');
  });

  test("random records round-trip to the same bytes as pyJsonDumps", () => {
    const alphabet = ['"', "\\", ",", ":", "a", "é", "😀", " ", "{", "}", "[", "]", "\n", "0", "e"];
    for (let n = 0; n < 300; n++) {
      const s = Array.from(
        { length: n % 40 },
        (_, i) => alphabet[(n * 7 + i * 13) % alphabet.length],
      ).join("");
      const value = { [s]: s, n: (n - 150) / 7, list: [s, n, { s }] };
      expect(decode(encoder.encode(value))).toBe(pyJsonDumps(value) + "\n");
    }
  });

  test("a chunk equals pyJsonDumps line by line, with fallbacks and final lines", () => {
    const records: unknown[] = [
      { a: "x, y: z", n: 1.5 },
      { tiny: 1e-7 }, // needs Python's float repr: the chunk falls back record by record
      { big: 2n ** 70n }, // JSON.stringify cannot: written by pyJsonDumps
      { q: 'say "hi"\\', list: [1, 2, { k: null }] },
    ];
    const expected = records.map((r) => pyJsonDumps(r) + "\n").join("");
    expect(decode(encoder.encodeRecords(records))).toBe(expected);
    const withFinal = records.map((r, i) => (i === 2 ? new FinalLine(pyJsonDumps(r)) : r));
    expect(decode(encoder.encodeRecords(withFinal))).toBe(expected);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => encoder.encodeRecords([circular])).toThrow(TypeError);
  });
});

describe("encodeRecords", () => {
  const encoder = new PyJsonLineEncoder();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  test("one chunk equals pyJsonDumps line by line, commas inside records untouched", () => {
    const records = [
      { a: "x, y: z", list: [1, 2, [3, { b: "," }]], o: {} },
      { q: 'say "hi", \\', e: [] },
      { unicode: "é 😀 中文", n: 1.5 },
    ];
    expect(decode(encoder.encodeRecords(records))).toBe(
      records.map((r) => pyJsonDumps(r) + "\n").join(""),
    );
  });
  test("falls back record by record for Python floats, BigInts and final lines", () => {
    const records = [{ tiny: 1e-7 }, { big: 2n ** 70n }, new FinalLine("custom"), { ok: 1 }];
    expect(decode(encoder.encodeRecords(records))).toBe(
      '{"tiny": 1e-07}\n{"big": 1180591620717411303424}\ncustom\n{"ok": 1}\n',
    );
    expect(encoder.encodeRecords([]).length).toBe(0);
  });
});
