/**
 * Python `re` patterns translated to JavaScript RegExps, for `postprocessing_params.regex`
 * (spec §9.1, §9.3, §23; DECISIONS difference 5).
 *
 * The parser mirrors CPython 3.11's `re._parser`, so a pattern Python rejects is rejected here
 * with Python's message (`missing ), unterminated subpattern at position 0`), and a pattern
 * Python accepts is re-emitted as an explicit JavaScript equivalent under the `v` flag:
 * `.` → `[^\n]` (`[\s\S]` under `(?s)`), `^`/`$`/`\A`/`\Z` → anchors with Python's meaning
 * (`$` also matches before a final newline; `(?m)` uses only `\n` as line break), `\d`/`\w`/`\s`/
 * `\b` → Unicode classes with Python's definitions (ASCII ones under `(?a)`), `(?P<n>…)` →
 * `(?<n>…)`, `(?P=n)` and `\1` → back-references, `(?i)` → the `i` flag, scoped `(?i:…)` /
 * `(?-i:…)` → RegExp modifiers, `(?x)` handled while parsing, atomic groups and possessive
 * quantifiers → `(?=(?<$atomicN>…))\k<$atomicN>` (an extra JS group; see {@link PythonRegex.jsGroup}).
 *
 * Not translatable (rejected with a `SyntaxError` saying so): conditional groups `(?(1)a|b)` and
 * named characters `\N{…}`. Known small differences that remain: JS resets captures of a repeated
 * group on each iteration, and a back-reference to a group that did not participate matches the
 * empty string in JS (it fails in Python); `(?ai)` folds case beyond ASCII.
 *
 * @module
 */
import { thrownMessage } from "../errors.ts";
import { pyQuote } from "./repr.ts";

/** A translated Python pattern. */
export interface PythonRegex {
  /** The JavaScript expression: flags `v`, plus `i` under a global `(?i)`; never `g`/`y`. */
  regex: RegExp;
  /** Number of capturing groups in the Python pattern. */
  groups: number;
  /** Python group names mapped to their (Python) group numbers. */
  groupIndex: Record<string, number>;
  /**
   * `jsGroup[n]` is the index in a JS match array of Python group `n` (`jsGroup[0] = 0`). Equal to
   * `n` unless atomic groups / possessive quantifiers added helper groups before it.
   */
  jsGroup: number[];
}

const FLAG_I = 2,
  FLAG_L = 4,
  FLAG_M = 8,
  FLAG_S = 16,
  FLAG_U = 32,
  FLAG_X = 64,
  FLAG_A = 256,
  FLAG_T = 1;
const FLAGS = new Map<string, number>([
  ["i", FLAG_I],
  ["L", FLAG_L],
  ["m", FLAG_M],
  ["s", FLAG_S],
  ["x", FLAG_X],
  ["a", FLAG_A],
  ["t", FLAG_T],
  ["u", FLAG_U],
]);
const TYPE_FLAGS = FLAG_A | FLAG_L | FLAG_U;
const GLOBAL_FLAGS = FLAG_T;
const MAXREPEAT = 4294967295;
const SPECIAL = ".\\[{()*+?^$|";
const DIGITS = new Set("0123456789");
const OCTDIGITS = new Set("01234567");
const HEXDIGITS = new Set("0123456789abcdefABCDEF");
const WHITESPACE = new Set(" \t\n\r\v\f");
const IDENTIFIER = /^[\p{XID_Start}_]\p{XID_Continue}*$/u;
const SIMPLE_ESCAPES: Record<string, number> = {
  "\\a": 7,
  "\\b": 8,
  "\\f": 12,
  "\\n": 10,
  "\\r": 13,
  "\\t": 9,
  "\\v": 11,
  "\\\\": 92,
};

type Category = "d" | "D" | "s" | "S" | "w" | "W";
type Anchor = "bol" | "eol" | "bos" | "eos" | "b" | "B";
const ANCHOR_ESCAPES: Record<string, Anchor> = {
  "\\A": "bos",
  "\\b": "b",
  "\\B": "B",
  "\\Z": "eos",
};
type SetItem = { t: "lit"; cp: number } | { t: "range"; lo: number; hi: number } | {
  t: "cat";
  cat: Category;
};
type Node =
  | { t: "lit"; cp: number }
  | { t: "any" }
  | { t: "set"; negate: boolean; items: SetItem[] }
  | { t: "cat"; cat: Category }
  | { t: "at"; at: Anchor }
  | { t: "group"; group: number | null; add: number; del: number; body: Node[] }
  | { t: "atomic"; body: Node[] }
  | { t: "assert"; behind: boolean; negate: boolean; body: Node[] }
  | { t: "ref"; group: number }
  | { t: "repeat"; min: number; max: number; kind: "greedy" | "lazy" | "possessive"; body: Node[] }
  | { t: "branch"; alts: Node[][] };
type Width = [number, number];

const cpLen = (s: string): number => (s.length === 1 ? 1 : [...s].length);
const cpOf = (s: string): number => s.codePointAt(0)!;

/** Parses one pattern the way `re._parser.parse` does (Python 3.11), into a small AST. */
class Parser {
  private readonly cps: string[];
  private index = 0;
  next: string | null = null;
  private nextLen = 0;
  flags = 0;
  groupWidths: (Width | null)[] = [null];
  groupDict = new Map<string, number>();
  private lookbehindGroups: number | null = null;
  lookbehinds: Node[][] = [];

  constructor(private readonly pattern: string) {
    this.cps = [...pattern];
    this.advance();
  }

  get groups(): number {
    return this.groupWidths.length;
  }

  error(msg: string, offset = 0): SyntaxError {
    return this.errorAt(msg, this.tell() - offset);
  }
  private errorAt(msg: string, pos: number): SyntaxError {
    let text = `${msg} at position ${pos}`;
    if (this.pattern.includes("\n")) {
      const before = this.cps.slice(0, pos);
      const line = before.filter((c) => c === "\n").length + 1;
      text += ` (line ${line}, column ${pos - before.lastIndexOf("\n")})`;
    }
    return new SyntaxError(text);
  }

  private advance(): void {
    const i = this.index;
    if (i >= this.cps.length) {
      this.next = null;
      this.nextLen = 0;
      return;
    }
    let ch = this.cps[i];
    if (ch === "\\") {
      if (i + 1 >= this.cps.length) {
        throw this.errorAt("bad escape (end of pattern)", this.cps.length - 1);
      }
      ch += this.cps[i + 1];
    }
    this.nextLen = ch[0] === "\\" ? 2 : 1;
    this.index = i + this.nextLen;
    this.next = ch;
  }
  match(ch: string): boolean {
    if (this.next !== ch) return false;
    this.advance();
    return true;
  }
  get(): string | null {
    const t = this.next;
    this.advance();
    return t;
  }
  private getWhile(n: number, set: Set<string>): string {
    let out = "";
    for (let k = 0; k < n && this.next !== null && set.has(this.next); k++) out += this.get();
    return out;
  }
  private getUntil(terminator: string, name: string): string {
    let out = "";
    for (;;) {
      const c = this.get();
      if (c === null) {
        if (!out) throw this.error(`missing ${name}`);
        throw this.error(`missing ${terminator}, unterminated name`, cpLen(out));
      }
      if (c === terminator) {
        if (!out) throw this.error(`missing ${name}`, 1);
        return out;
      }
      out += c;
    }
  }
  tell(): number {
    return this.index - this.nextLen;
  }
  private seek(index: number): void {
    this.index = index;
    this.advance();
  }
  private checkGroupName(name: string, offset: number): void {
    if (!IDENTIFIER.test(name)) {
      throw this.error(`bad character in group name ${pyQuote(name)}`, cpLen(name) + offset);
    }
  }
  private checkGroup(gid: number): boolean {
    return gid < this.groups && this.groupWidths[gid] !== null;
  }
  private checkLookbehindGroup(gid: number): void {
    if (this.lookbehindGroups === null) return;
    if (!this.checkGroup(gid)) throw this.error("cannot refer to an open group");
    if (gid >= this.lookbehindGroups) {
      throw this.error("cannot refer to group defined in the same lookbehind subpattern");
    }
  }

  /** `_parse_sub`: an alternation. */
  parseSub(verbose: boolean, nested: number): Node[] {
    const items: Node[][] = [];
    for (;;) {
      items.push(this.parseSeq(verbose, nested + 1, nested === 0 && items.length === 0));
      if (!this.match("|")) break;
      if (nested === 0) verbose = (this.flags & FLAG_X) !== 0;
    }
    return items.length === 1 ? items[0] : [{ t: "branch", alts: items }];
  }

  /** `_parse`: a sequence of items up to `|`, `)` or the end. */
  private parseSeq(verbose: boolean, nested: number, first: boolean): Node[] {
    const seq: Node[] = [];
    for (;;) {
      const tok = this.next;
      if (tok === null || tok === "|" || tok === ")") break;
      this.get();
      if (verbose) {
        if (WHITESPACE.has(tok)) continue;
        if (tok === "#") {
          for (let c = this.get(); c !== null && c !== "\n"; c = this.get());
          continue;
        }
      }
      if (tok[0] === "\\") seq.push(this.escape(tok));
      else if (!SPECIAL.includes(tok)) seq.push({ t: "lit", cp: cpOf(tok) });
      else if (tok === "[") seq.push(this.parseSet());
      else if ("*+?{".includes(tok)) this.parseRepeat(tok, seq);
      else if (tok === ".") seq.push({ t: "any" });
      else if (tok === "^") seq.push({ t: "at", at: "bol" });
      else if (tok === "$") seq.push({ t: "at", at: "eol" });
      else {
        const result = this.parseGroup(verbose, nested, first, seq);
        if (result === "verbose") verbose = (this.flags & FLAG_X) !== 0;
        else if (result) seq.push(result);
      }
    }
    return seq;
  }

  private parseRepeat(tok: string, seq: Node[]): void {
    const here = this.tell();
    let min = 0, max = MAXREPEAT;
    if (tok === "?") max = 1;
    else if (tok === "+") min = 1;
    else if (tok === "{") {
      if (this.next === "}") {
        seq.push({ t: "lit", cp: 123 });
        return;
      }
      let lo = "", hi = "";
      while (this.next !== null && DIGITS.has(this.next)) lo += this.get();
      if (this.match(",")) { while (this.next !== null && DIGITS.has(this.next)) hi += this.get(); }
      else hi = lo;
      if (!this.match("}")) {
        seq.push({ t: "lit", cp: 123 });
        this.seek(here);
        return;
      }
      if (lo) min = Number(lo);
      if (hi) max = Number(hi);
      if (min >= MAXREPEAT || (hi && max >= MAXREPEAT)) {
        throw new SyntaxError("the repetition number is too large");
      }
      if (hi && max < min) {
        throw this.error("min repeat greater than max repeat", this.tell() - here);
      }
    }
    const item = seq.at(-1);
    if (!item || item.t === "at") throw this.error("nothing to repeat", this.tell() - here + 1);
    if (item.t === "repeat") throw this.error("multiple repeat", this.tell() - here + 1);
    const body = item.t === "group" && item.group === null && !item.add && !item.del
      ? item.body
      : [item];
    const kind = this.match("?") ? "lazy" : this.match("+") ? "possessive" : "greedy";
    seq[seq.length - 1] = { t: "repeat", min, max, kind, body };
  }

  /** A `(` token was read. Returns the node, `null` for a comment, `"verbose"` after global flags. */
  private parseGroup(
    verbose: boolean,
    nested: number,
    first: boolean,
    seq: Node[],
  ): Node | null | "verbose" {
    const start = this.tell() - 1;
    let capture = true, atomic = false, name: string | null = null, add = 0, del = 0;
    if (this.match("?")) {
      const ch = this.get();
      if (ch === null) throw this.error("unexpected end of pattern");
      if (ch === "P") {
        if (this.match("<")) {
          name = this.getUntil(">", "group name");
          this.checkGroupName(name, 1);
        } else if (this.match("=")) {
          const ref = this.getUntil(")", "group name");
          this.checkGroupName(ref, 1);
          const gid = this.groupDict.get(ref);
          if (gid === undefined) {
            throw this.error(`unknown group name ${pyQuote(ref)}`, cpLen(ref) + 1);
          }
          if (!this.checkGroup(gid)) {
            throw this.error("cannot refer to an open group", cpLen(ref) + 1);
          }
          this.checkLookbehindGroup(gid);
          return { t: "ref", group: gid };
        } else {
          const c = this.get();
          if (c === null) throw this.error("unexpected end of pattern");
          throw this.error(`unknown extension ?P${c}`, cpLen(c) + 2);
        }
      } else if (ch === ":") capture = false;
      else if (ch === "#") {
        for (;;) {
          if (this.next === null) {
            throw this.error("missing ), unterminated comment", this.tell() - start);
          }
          if (this.get() === ")") return null;
        }
      } else if (ch === "=" || ch === "!" || ch === "<") {
        let kind = ch, saved: number | null = null;
        if (ch === "<") {
          const c = this.get();
          if (c === null) throw this.error("unexpected end of pattern");
          if (c !== "=" && c !== "!") throw this.error(`unknown extension ?<${c}`, cpLen(c) + 2);
          kind = c;
          saved = this.lookbehindGroups;
          if (saved === null) this.lookbehindGroups = this.groups;
        }
        const body = this.parseSub(verbose, nested + 1);
        if (ch === "<" && saved === null) this.lookbehindGroups = null;
        if (!this.match(")")) {
          throw this.error("missing ), unterminated subpattern", this.tell() - start);
        }
        if (ch === "<") this.lookbehinds.push(body);
        return { t: "assert", behind: ch === "<", negate: kind === "!", body };
      } else if (ch === "(") {
        throw new SyntaxError(
          `conditional group "(?(...)...)" at position ${start} cannot be translated: JavaScript has no equivalent`,
        );
      } else if (ch === ">") {
        capture = false;
        atomic = true;
      } else if (FLAGS.has(ch) || ch === "-") {
        const flags = this.parseFlags(ch);
        if (flags === null) {
          if (!first || seq.length) {
            throw this.error(
              "global flags not at the start of the expression",
              this.tell() - start,
            );
          }
          return "verbose";
        }
        [add, del] = flags;
        capture = false;
      } else throw this.error(`unknown extension ?${ch}`, cpLen(ch) + 1);
    }
    let group: number | null = null;
    if (capture) {
      group = this.groups;
      this.groupWidths.push(null);
      if (name !== null) {
        const old = this.groupDict.get(name);
        if (old !== undefined) {
          throw this.error(
            `redefinition of group name ${pyQuote(name)} as group ${group}; was group ${old}`,
            cpLen(name) + 1,
          );
        }
        this.groupDict.set(name, group);
      }
    }
    const subVerbose = (verbose || (add & FLAG_X) !== 0) && (del & FLAG_X) === 0;
    const body = this.parseSub(subVerbose, nested + 1);
    if (!this.match(")")) {
      throw this.error("missing ), unterminated subpattern", this.tell() - start);
    }
    if (group !== null) this.groupWidths[group] = this.width(body);
    return atomic ? { t: "atomic", body } : { t: "group", group, add, del, body };
  }

  /** `_parse_flags`: returns `null` for global flags `(?i)`, else `[add, del]` for `(?i-s:`. */
  private parseFlags(first: string): [number, number] | null {
    let add = 0, del = 0, ch: string | null = first;
    if (ch !== "-") {
      for (;;) {
        const flag = FLAGS.get(ch!)!;
        if (ch === "L") {
          throw this.error("bad inline flags: cannot use 'L' flag with a str pattern");
        }
        add |= flag;
        if (flag & TYPE_FLAGS && (add & TYPE_FLAGS) !== flag) {
          throw this.error("bad inline flags: flags 'a', 'u' and 'L' are incompatible");
        }
        ch = this.get();
        if (ch === null) throw this.error("missing -, : or )");
        if (ch === ")" || ch === "-" || ch === ":") break;
        if (!FLAGS.has(ch)) {
          throw this.error(/^\p{L}$/u.test(ch) ? "unknown flag" : "missing -, : or )", cpLen(ch));
        }
      }
    }
    if (ch === ")") {
      this.flags |= add;
      return null;
    }
    if (add & GLOBAL_FLAGS) throw this.error("bad inline flags: cannot turn on global flag", 1);
    if (ch === "-") {
      ch = this.get();
      if (ch === null) throw this.error("missing flag");
      if (!FLAGS.has(ch)) {
        throw this.error(/^\p{L}$/u.test(ch) ? "unknown flag" : "missing flag", cpLen(ch));
      }
      for (;;) {
        const flag = FLAGS.get(ch!)!;
        if (flag & TYPE_FLAGS) {
          throw this.error("bad inline flags: cannot turn off flags 'a', 'u' and 'L'");
        }
        del |= flag;
        ch = this.get();
        if (ch === null) throw this.error("missing :");
        if (ch === ":") break;
        if (!FLAGS.has(ch)) {
          throw this.error(/^\p{L}$/u.test(ch) ? "unknown flag" : "missing :", cpLen(ch));
        }
      }
    }
    if (del & GLOBAL_FLAGS) throw this.error("bad inline flags: cannot turn off global flag", 1);
    if (add & del) throw this.error("bad inline flags: flag turned on and off", 1);
    return [add, del];
  }

  private parseSet(): Node {
    const here = this.tell() - 1;
    const items: SetItem[] = [];
    const negate = this.match("^");
    for (;;) {
      const tok = this.get();
      if (tok === null) throw this.error("unterminated character set", this.tell() - here);
      if (tok === "]" && items.length) break;
      const code1: SetItem = tok[0] === "\\" ? this.classEscape(tok) : { t: "lit", cp: cpOf(tok) };
      if (!this.match("-")) {
        items.push(code1);
        continue;
      }
      const that = this.get();
      if (that === null) throw this.error("unterminated character set", this.tell() - here);
      if (that === "]") {
        items.push(code1, { t: "lit", cp: 45 });
        break;
      }
      const code2: SetItem = that[0] === "\\"
        ? this.classEscape(that)
        : { t: "lit", cp: cpOf(that) };
      if (code1.t !== "lit" || code2.t !== "lit" || code2.cp < code1.cp) {
        throw this.error(`bad character range ${tok}-${that}`, cpLen(tok) + 1 + cpLen(that));
      }
      items.push({ t: "range", lo: code1.cp, hi: code2.cp });
    }
    return { t: "set", negate, items };
  }

  /** The `\x..`, `\u....`, `\U........` and `\N{...}` escapes shared by both contexts. */
  private hexEscape(tok: string): number | undefined {
    const c = tok[1];
    const digits = c === "x" ? 2 : c === "u" ? 4 : c === "U" ? 8 : 0;
    if (digits) {
      const esc = tok + this.getWhile(digits, HEXDIGITS);
      if (esc.length !== digits + 2) throw this.error(`incomplete escape ${esc}`, esc.length);
      const cp = parseInt(esc.slice(2), 16);
      if (cp > 0x10ffff) throw this.error(`bad escape ${esc}`, esc.length);
      return cp;
    }
    if (c === "N") {
      if (!this.match("{")) throw this.error("missing {");
      const name = this.getUntil("}", "character name");
      throw new SyntaxError(
        `named character escape "\\N{${name}}" cannot be translated: write the character itself`,
      );
    }
    return undefined;
  }

  /** `_escape`: an escape outside a character set. */
  private escape(tok: string): Node {
    if (tok in ANCHOR_ESCAPES) return { t: "at", at: ANCHOR_ESCAPES[tok] };
    if ("dDsSwW".includes(tok[1]) && tok.length === 2) return { t: "cat", cat: tok[1] as Category };
    if (tok in SIMPLE_ESCAPES) return { t: "lit", cp: SIMPLE_ESCAPES[tok] };
    const hex = this.hexEscape(tok);
    if (hex !== undefined) return { t: "lit", cp: hex };
    const c = tok.slice(1);
    if (c === "0") return { t: "lit", cp: parseInt(this.getWhile(2, OCTDIGITS) || "0", 8) };
    if (DIGITS.has(c)) {
      let esc = tok;
      if (this.next !== null && DIGITS.has(this.next)) {
        esc += this.get();
        if (
          OCTDIGITS.has(esc[1]) && OCTDIGITS.has(esc[2]) && this.next !== null &&
          OCTDIGITS.has(this.next)
        ) {
          esc += this.get();
          const cp = parseInt(esc.slice(1), 8);
          if (cp > 0o377) {
            throw this.error(`octal escape value ${esc} outside of range 0-0o377`, esc.length);
          }
          return { t: "lit", cp };
        }
      }
      const group = Number(esc.slice(1));
      if (group < this.groups) {
        if (!this.checkGroup(group)) throw this.error("cannot refer to an open group", esc.length);
        this.checkLookbehindGroup(group);
        return { t: "ref", group };
      }
      throw this.error(`invalid group reference ${group}`, esc.length - 1);
    }
    if (/^[A-Za-z]$/.test(c)) throw this.error(`bad escape ${tok}`, 2);
    return { t: "lit", cp: cpOf(c) };
  }

  /** `_class_escape`: an escape inside a character set. */
  private classEscape(tok: string): SetItem {
    if (tok in SIMPLE_ESCAPES) return { t: "lit", cp: SIMPLE_ESCAPES[tok] };
    if ("dDsSwW".includes(tok[1]) && tok.length === 2) return { t: "cat", cat: tok[1] as Category };
    const hex = this.hexEscape(tok);
    if (hex !== undefined) return { t: "lit", cp: hex };
    const c = tok.slice(1);
    if (OCTDIGITS.has(c)) {
      const esc = tok + this.getWhile(2, OCTDIGITS);
      const cp = parseInt(esc.slice(1), 8);
      if (cp > 0o377) {
        throw this.error(`octal escape value ${esc} outside of range 0-0o377`, esc.length);
      }
      return { t: "lit", cp };
    }
    if (DIGITS.has(c) || /^[A-Za-z]$/.test(c)) throw this.error(`bad escape ${tok}`, 2);
    return { t: "lit", cp: cpOf(c) };
  }

  /** `SubPattern.getwidth`: (min, max) width in code points; `Infinity` for unbounded. */
  width(nodes: Node[]): Width {
    let lo = 0, hi = 0;
    for (const n of nodes) {
      let w: Width = [0, 0];
      if (n.t === "lit" || n.t === "any" || n.t === "set" || n.t === "cat") w = [1, 1];
      else if (n.t === "group" || n.t === "atomic") w = this.width(n.body);
      else if (n.t === "ref") w = this.groupWidths[n.group] ?? [0, 0];
      else if (n.t === "branch") {
        const ws = n.alts.map((a) => this.width(a));
        w = [Math.min(...ws.map((x) => x[0])), Math.max(...ws.map((x) => x[1]))];
      } else if (n.t === "repeat") {
        const [i, j] = this.width(n.body);
        w = [i * n.min, n.max === MAXREPEAT ? (j ? Infinity : 0) : j * n.max];
      }
      lo += w[0];
      hi += w[1];
    }
    return [lo, hi];
  }
}

// ---- emission -------------------------------------------------------------------------------

const UNI_WORD = "\\p{L}\\p{N}_";
const ASCII_WORD = "A-Za-z0-9_";
/** Python's `str.isspace()` set (also `\s`): \t-\r, \x1c-\x20, \x85, \xa0, Zs and the separators. */
const UNI_SPACE =
  "\\u{9}-\\u{d}\\u{1c}-\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}";
const ASCII_SPACE = "\\u{9}-\\u{d}\\u{20}";

function categoryItems(cat: Category, ascii: boolean): { items: string; negate: boolean } {
  const lower = cat.toLowerCase();
  const items = lower === "d"
    ? (ascii ? "0-9" : "\\p{Nd}")
    : lower === "w"
    ? (ascii ? ASCII_WORD : UNI_WORD)
    : (ascii ? ASCII_SPACE : UNI_SPACE);
  return { items, negate: cat !== lower };
}

function escapeLiteral(cp: number, inClass: boolean): string {
  if (cp < 0x80) {
    const ch = String.fromCharCode(cp);
    if (/[A-Za-z0-9]/.test(ch)) return ch;
    if ("^$\\.*+?()[]{}|/".includes(ch) || (inClass && "-&!#%,:;<=>@`~".includes(ch))) {
      return "\\" + ch;
    }
    if (cp >= 0x20 && cp < 0x7f) return ch;
  }
  return `\\u{${cp.toString(16)}}`;
}

class Emitter {
  jsGroup: number[] = [0];
  private jsCount = 0;
  private atomics = 0;

  constructor(private readonly names: Map<number, string>) {}

  seq(nodes: Node[], flags: number): string {
    let out = "";
    for (const n of nodes) out += this.node(n, flags);
    return out;
  }

  private atomic(emitBody: () => string): string {
    const name = `$atomic${++this.atomics}`;
    this.jsCount++;
    return `(?=(?<${name}>${emitBody()}))\\k<${name}>`;
  }

  private node(n: Node, flags: number): string {
    const ascii = (flags & FLAG_A) !== 0;
    switch (n.t) {
      case "lit":
        return escapeLiteral(n.cp, false);
      case "any":
        return flags & FLAG_S ? "[\\s\\S]" : "[^\\n]";
      case "cat": {
        const { items, negate } = categoryItems(n.cat, ascii);
        return items === "\\p{Nd}"
          ? (negate ? "\\P{Nd}" : items)
          : `[${negate ? "^" : ""}${items}]`;
      }
      case "set": {
        let body = "";
        for (const item of n.items) {
          if (item.t === "lit") body += escapeLiteral(item.cp, true);
          else if (item.t === "range") {
            body += `${escapeLiteral(item.lo, true)}-${escapeLiteral(item.hi, true)}`;
          } else {
            const { items, negate } = categoryItems(item.cat, ascii);
            body += negate ? `[^${items}]` : items;
          }
        }
        return `[${n.negate ? "^" : ""}${body}]`;
      }
      case "at": {
        const w = `[${ascii ? ASCII_WORD : UNI_WORD}]`;
        switch (n.at) {
          case "bol":
            return flags & FLAG_M ? "(?<![^\\n])" : "^";
          case "eol":
            return flags & FLAG_M ? "(?=\\n|$)" : "(?=\\n?$)";
          case "bos":
            return "^";
          case "eos":
            return "$";
          case "b":
            return `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
          case "B":
            return `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))(?!^$)`;
        }
        break;
      }
      case "group": {
        const inner = (flags | n.add) & ~n.del;
        if (n.group !== null) {
          this.jsGroup[n.group] = ++this.jsCount;
          const name = this.names.get(n.group);
          return `(${name !== undefined ? `?<${name}>` : ""}${this.seq(n.body, inner)})`;
        }
        const mod = (inner & FLAG_I) === (flags & FLAG_I) ? "" : inner & FLAG_I ? "i" : "-i";
        return `(?${mod}:${this.seq(n.body, inner)})`;
      }
      case "atomic":
        return this.atomic(() => this.seq(n.body, flags));
      case "assert":
        return `(?${n.behind ? "<" : ""}${n.negate ? "!" : "="}${this.seq(n.body, flags)})`;
      case "ref":
        return `(?:\\${this.jsGroup[n.group]})`;
      case "branch":
        return `(?:${n.alts.map((a) => this.seq(a, flags)).join("|")})`;
      case "repeat": {
        const q = n.min === 0 && n.max === 1
          ? "?"
          : n.max === MAXREPEAT
          ? (n.min === 0 ? "*" : n.min === 1 ? "+" : `{${n.min},}`)
          : n.min === n.max
          ? `{${n.min}}`
          : `{${n.min},${n.max}}`;
        const emit = () => {
          const single = n.body.length === 1 &&
            ["lit", "any", "set", "cat", "group"].includes(n.body[0].t);
          const body = this.seq(n.body, flags);
          return (single ? body : `(?:${body})`) + q;
        };
        if (n.kind === "possessive") return this.atomic(emit);
        return emit() + (n.kind === "lazy" ? "?" : "");
      }
    }
    return "";
  }
}

/**
 * Translates a Python `re` pattern (as `re.compile(pattern)` with no flags reads it) into a
 * JavaScript RegExp with the same matching behaviour for `re.search` (use `regex.exec`).
 *
 * @example Named groups and Python's `$`
 * ```ts
 * const { regex, jsGroup } = translatePythonRegex("(?P<n>\\d+)$");
 * regex.exec("abc 42\n")?.[jsGroup[1]]; // "42"
 * ```
 * @throws {SyntaxError} when Python would reject the pattern (message as Python's `re.error`,
 *   e.g. `unbalanced parenthesis at position 3`), or it uses a construct that cannot be translated.
 */
export function translatePythonRegex(pattern: string): PythonRegex {
  const parser = new Parser(pattern);
  const ast = parser.parseSub(false, 0);
  if (parser.next !== null) throw parser.error("unbalanced parenthesis");
  if (parser.flags & FLAG_A && parser.flags & FLAG_U) {
    throw new SyntaxError("ASCII and UNICODE flags are incompatible");
  }
  for (const body of parser.lookbehinds) {
    const [lo, hi] = parser.width(body);
    if (lo !== hi) throw new SyntaxError("look-behind requires fixed-width pattern");
  }
  const names = new Map([...parser.groupDict].map(([name, gid]) => [gid, name]));
  const emitter = new Emitter(names);
  const source = emitter.seq(ast, parser.flags);
  let regex: RegExp;
  try {
    regex = new RegExp(source, parser.flags & FLAG_I ? "iv" : "v");
  } catch (error) {
    throw new SyntaxError(
      `cannot be translated to a JavaScript regular expression: ${(error as Error).message}`,
    );
  }
  return {
    regex,
    groups: parser.groups - 1,
    groupIndex: Object.fromEntries(parser.groupDict),
    jsGroup: emitter.jsGroup,
  };
}

/**
 * Compiles a Python `re` pattern into a JavaScript RegExp (see {@link translatePythonRegex};
 * Python group `n` is match index `n` unless the pattern uses atomic groups or possessive
 * quantifiers). Config validation reports failures as
 * `Error compiling GeneratedAttributePostprocessingParams.regex: <error.message>` (§9.1).
 *
 * @throws {SyntaxError} for a pattern Python rejects or that cannot be translated.
 */
export function compilePythonRegex(pattern: string): RegExp {
  return translatePythonRegex(pattern).regex;
}

/**
 * Returns why `pattern` does not compile as a Python regex (Python's `re.error` wording), or
 * `undefined` when it does: the config's load-time check (§9.1) uses the same translator as the
 * run, so load time and run time agree on what is valid.
 *
 * @example pythonRegexError("(?P<n>\\d+)") === undefined; pythonRegexError("(") !== undefined
 */
export function pythonRegexError(pattern: string): string | undefined {
  return thrownMessage(() => compilePythonRegex(pattern));
}
