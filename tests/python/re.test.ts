import { describe, expect, test } from "bun:test";
import { compilePythonRegex, translatePythonRegex } from "../../src/python/re.ts";

/** `re.search(pattern, subject)` as Python 3.11 answers it: [group(0), group(1), ...] or null. */
const PYTHON_SEARCH: [pattern: string, subject: string, expected: (string | null)[] | null][] = [
  [String.raw`(?P<n>\d+)-(?P=n)`, "1-2 12-12", ["12-12", "12"]],
  [String.raw`(\w+)\s+\1`, "hello hello world", ["hello hello", "hello"]],
  [String.raw`\Aabc`, "xabc", null],
  [String.raw`abc\Z`, "abc\n", null],
  ["abc$", "abc\n", ["abc"]],
  ["^b$", "a\nb\nc", null],
  ["(?m)^b$", "a\nb\nc", ["b"]],
  ["a.c", "a\nc a\rc", ["a\rc"]],
  ["(?s)a.c", "a\nc", ["a\nc"]],
  ["(?i)hello", "Say HeLLo", ["HeLLo"]],
  ["(?i:a)b", "AB Ab", ["Ab"]],
  [String.raw`(?x) a b # comment\n c`, "abc", ["ab"]],
  [String.raw`\w+`, "_a1 Ⅳ ٣", ["_a1"]],
  [String.raw`(?a)\w+`, "é_a1", ["_a1"]],
  [String.raw`\d+`, "x٣4", ["٣4"]],
  [String.raw`\s+`, "a\x1c\x85b", ["\x1c\x85"]],
  [String.raw`\bfoo\b`, "foobar foo", ["foo"]],
  [String.raw`\*\*(.+?)\*\*`, "**bold** and **more**", ["**bold**", "bold"]],
  ["x{", "ax{", ["x{"]],
  ["a{,2}", "aaa", ["aa"]],
  ["(?<=ab)c", "abc", ["c"]],
  ["(?>a+)a", "aaa", null],
  ["a++b", "aaab", ["aaab"]],
  [String.raw`(?>(x))(y)\2`, "xyy", ["xyy", "x", "y"]],
  ["[]a]+", "]a]", ["]a]"]],
  ["[^]a]+", "]bc", ["bc"]],
  [String.raw`\x41\u0042\U00000043\101`, "ABCA", ["ABCA"]],
  ["é+", "éé", ["éé"]],
  ["😀+", "x😀😀", ["😀😀"]],
  [String.raw`[\^\-&&~~]+`, "^-&~", ["^-&~"]],
  ["(?i)straße", "STRASSE straße", ["straße"]],
  [String.raw`[\w.-]+@[\w-]+\.[\w.]+`, "Mail: john.doe@example.co.uk!", ["john.doe@example.co.uk"]],
  ["(?s)```(?:json)?\\s*(.*?)```", '```json\n{"a": 1}\n```', [
    '```json\n{"a": 1}\n```',
    '{"a": 1}\n',
  ]],
];

/** `str(re.error)` for patterns Python 3.11 rejects. */
const PYTHON_ERRORS: [pattern: string, message: string][] = [
  ["(", "missing ), unterminated subpattern at position 0"],
  ["a)", "unbalanced parenthesis at position 1"],
  ["[a", "unterminated character set at position 0"],
  ["[]", "unterminated character set at position 0"],
  ["*a", "nothing to repeat at position 0"],
  ["a**", "multiple repeat at position 2"],
  ["^*", "nothing to repeat at position 1"],
  ["a{3,2}", "min repeat greater than max repeat at position 2"],
  [String.raw`\q`, String.raw`bad escape \q at position 0`],
  [String.raw`[\q]`, String.raw`bad escape \q at position 1`],
  ["a\\", "bad escape (end of pattern) at position 1"],
  ["(?P<1a>x)", "bad character in group name '1a' at position 4"],
  ["(?P<a>x)(?P<a>y)", "redefinition of group name 'a' as group 2; was group 1 at position 12"],
  ["(?P=b)", "unknown group name 'b' at position 4"],
  [String.raw`\2`, "invalid group reference 2 at position 1"],
  [String.raw`(a\1)`, "cannot refer to an open group at position 2"],
  ["(?<=a+)b", "look-behind requires fixed-width pattern"],
  ["(?<=a|bc)d", "look-behind requires fixed-width pattern"],
  ["(?z)", "unknown extension ?z at position 1"],
  ["(?<a>x)", "unknown extension ?<a at position 1"],
  ["a(?i)b", "global flags not at the start of the expression at position 1"],
  ["(?L)a", "bad inline flags: cannot use 'L' flag with a str pattern at position 3"],
  ["(?i-i:x)", "bad inline flags: flag turned on and off at position 5"],
  ["[z-a]", "bad character range z-a at position 1"],
  [String.raw`[\d-z]`, String.raw`bad character range \d-z at position 1`],
  [String.raw`\x4`, String.raw`incomplete escape \x4 at position 0`],
  [String.raw`\777`, String.raw`octal escape value \777 outside of range 0-0o377 at position 0`],
  ["(?#abc", "missing ), unterminated comment at position 0"],
  ["x{4294967295}", "the repetition number is too large"],
  ["a\n(", "missing ), unterminated subpattern at position 2 (line 2, column 1)"],
];

describe("translatePythonRegex", () => {
  test.each(PYTHON_SEARCH)("search %p in %p as Python does", (pattern, subject, expected) => {
    const { regex, groups, jsGroup } = translatePythonRegex(pattern);
    const m = regex.exec(subject);
    const got: (string | null)[] | null = m === null
      ? null
      : [m[0], ...Array.from({ length: groups }, (_, i) => m[jsGroup[i + 1]] ?? null)];
    expect(got).toEqual(expected);
  });

  test.each(PYTHON_ERRORS)("rejects %p with Python's message", (pattern, message) => {
    expect(() => translatePythonRegex(pattern)).toThrow(new SyntaxError(message));
  });

  test("named groups keep their names and numbers", () => {
    const t = translatePythonRegex(String.raw`(?P<year>\d{4})-(?P<month>\d\d)`);
    expect(t.groups).toBe(2);
    expect(t.groupIndex).toEqual({ year: 1, month: 2 });
    expect(t.regex.exec("on 2024-05-01")?.groups).toEqual({ year: "2024", month: "05" });
  });

  test("atomic groups shift JS group numbers, reported by jsGroup", () => {
    const t = translatePythonRegex(String.raw`(?>a)(b)`);
    expect(t.groups).toBe(1);
    expect(t.jsGroup[1]).toBe(2);
    expect(t.regex.exec("ab")?.[t.jsGroup[1]]).toBe("b");
  });

  test("constructs JavaScript cannot express are rejected as untranslatable", () => {
    expect(() => translatePythonRegex("(a)?(?(1)b|c)")).toThrow(
      /conditional group .* cannot be translated/,
    );
    expect(() => translatePythonRegex(String.raw`\N{EM DASH}`)).toThrow(/cannot be translated/);
  });

  test("characters special only in JavaScript are matched literally", () => {
    const rx = compilePythonRegex(String.raw`a/b]c}d`);
    expect(rx.test("a/b]c}d")).toBe(true);
    expect(compilePythonRegex("{}").exec("x{}")?.[0]).toBe("{}");
  });

  test("verbose mode ignores whitespace and comments outside classes only", () => {
    const rx = compilePythonRegex("(?x) a [ ] b  # trailing comment");
    expect(rx.exec("a b")?.[0]).toBe("a b");
    expect(rx.test("ab")).toBe(false);
  });

  test("an empty pattern matches the empty string", () => {
    expect(compilePythonRegex("").exec("abc")?.[0]).toBe("");
  });
});
