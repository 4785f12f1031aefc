/**
 * Python's format mini-language, `format(value, spec)`, used by `{x:spec}` placeholders (§8.1):
 * `[[fill]align][sign][z][#][0][width][,|_][.precision][type]` with types
 * `s d n c b o x X e E f F g G %` for str, int and float values.
 *
 * Errors are {@link TemplateError}s with CPython's wording, e.g.
 * `Unknown format code 'd' for object of type 'str'`.
 *
 * @module
 */

import { TemplateError } from "../errors.ts";
import { formatExponent, formatFixed, formatGeneral } from "./float.ts";
import { pyFloatRepr } from "./float.ts";
import { isPyObjectLike, PyFloat, pyStr, pyTypeName } from "./repr.ts";

/** A parsed format spec (CPython's `InternalFormatSpec`). */
interface Spec {
  fill: string;
  align: string;
  sign: string;
  noNegZero: boolean;
  alt: boolean;
  width: number;
  grouping: string;
  precision: number;
  type: string;
}

/**
 * Python `format(value, spec)`. An empty spec is `str(value)`. Strings, numbers (ints unless
 * non-integral or {@link PyFloat}), booleans (as ints once a spec is given, like Python) and
 * bigints are formatted; other values accept only the empty spec.
 *
 * @throws {TemplateError} for an invalid spec or one that does not suit the value's type.
 */
export function pyFormat(value: unknown, spec: string): string {
  if (spec === "") return pyStr(value);
  if (typeof value === "string") return formatString(value, parseSpec(spec, "str", "<", "s"));
  if (typeof value === "boolean") {
    return formatInt(value ? 1n : 0n, parseSpec(spec, "bool", ">", "d"), "bool");
  }
  if (typeof value === "bigint") return formatInt(value, parseSpec(spec, "int", ">", "d"), "int");
  if (typeof value === "number" && Number.isInteger(value)) {
    return formatInt(BigInt(value), parseSpec(spec, "int", ">", "d"), "int", value);
  }
  if (typeof value === "number") return formatFloat(value, parseSpec(spec, "float", ">", ""));
  if (value instanceof PyFloat) return formatFloat(value.value, parseSpec(spec, "float", ">", ""));
  const name = isPyObjectLike(value) ? value.pyTypeName : pyTypeName(value);
  throw new TemplateError(`unsupported format string passed to ${name}.__format__`);
}

function parseSpec(
  spec: string,
  typeName: string,
  defaultAlign: string,
  defaultType: string,
): Spec {
  const cps = Array.from(spec);
  const out: Spec = {
    fill: " ",
    align: defaultAlign,
    sign: "",
    noNegZero: false,
    alt: false,
    width: -1,
    grouping: "",
    precision: -1,
    type: defaultType,
  };
  let pos = 0;
  let fillSpecified = false;
  let alignSpecified = false;
  const isAlign = (c: string | undefined) => c === "<" || c === ">" || c === "=" || c === "^";
  if (cps.length >= 2 && isAlign(cps[1])) {
    out.fill = cps[0];
    out.align = cps[1];
    fillSpecified = alignSpecified = true;
    pos = 2;
  } else if (isAlign(cps[0])) {
    out.align = cps[0];
    alignSpecified = true;
    pos = 1;
  }
  if (cps[pos] === "+" || cps[pos] === "-" || cps[pos] === " ") out.sign = cps[pos++];
  if (cps[pos] === "z") (out.noNegZero = true), pos++;
  if (cps[pos] === "#") (out.alt = true), pos++;
  if (!fillSpecified && cps[pos] === "0") {
    out.fill = "0";
    if (!alignSpecified && defaultAlign === ">") out.align = "=";
    pos++;
  }
  const widthStart = pos;
  while (pos < cps.length && cps[pos] >= "0" && cps[pos] <= "9") pos++;
  if (pos > widthStart) out.width = Number(cps.slice(widthStart, pos).join(""));
  if (cps[pos] === ",") (out.grouping = ","), pos++;
  if (cps[pos] === "_") {
    if (out.grouping) throw new TemplateError("Cannot specify both ',' and '_'.");
    out.grouping = "_";
    pos++;
  }
  if (cps[pos] === "," && out.grouping === "_") {
    throw new TemplateError("Cannot specify both ',' and '_'.");
  }
  if (cps[pos] === ".") {
    pos++;
    const start = pos;
    while (pos < cps.length && cps[pos] >= "0" && cps[pos] <= "9") pos++;
    if (pos === start) throw new TemplateError("Format specifier missing precision");
    out.precision = Number(cps.slice(start, pos).join(""));
  }
  if (cps.length - pos > 1) {
    throw new TemplateError(
      `Invalid format specifier '${spec}' for object of type '${typeName}'`,
    );
  }
  if (cps.length - pos === 1) out.type = cps[pos];
  if (out.grouping) {
    const t = out.type;
    const ok = t === "" || (t.length === 1 && "defgEG%F".includes(t)) ||
      (out.grouping === "_" && t.length === 1 && "boxX".includes(t));
    if (!ok) {
      throw new TemplateError(`Cannot specify '${out.grouping}' with '${t}'.`);
    }
  }
  return out;
}

function unknownCode(type: string, typeName: string): TemplateError {
  return new TemplateError(`Unknown format code '${type}' for object of type '${typeName}'`);
}

function formatString(s: string, spec: Spec): string {
  if (spec.type !== "s") throw unknownCode(spec.type, "str");
  if (spec.sign === " ") throw new TemplateError("Space not allowed in string format specifier");
  if (spec.sign) throw new TemplateError("Sign not allowed in string format specifier");
  if (spec.noNegZero) {
    throw new TemplateError("Negative zero coercion (z) not allowed in string format specifier");
  }
  if (spec.alt) {
    throw new TemplateError("Alternate form (#) not allowed in string format specifier");
  }
  if (spec.align === "=") {
    throw new TemplateError("'=' alignment not allowed in string format specifier");
  }
  let text = s;
  if (spec.precision >= 0) text = Array.from(s).slice(0, spec.precision).join("");
  return pad(text, "", spec);
}

function formatInt(n: bigint, spec: Spec, typeName: string, original?: number): string {
  const t = spec.type;
  if ("eEfFgGn%".includes(t) && t !== "n") {
    return formatFloat(original ?? Number(n), spec);
  }
  if (!"bcdoxXn".includes(t) || t.length !== 1) throw unknownCode(t, typeName);
  if (spec.precision >= 0) {
    throw new TemplateError("Precision not allowed in integer format specifier");
  }
  if (spec.noNegZero) {
    throw new TemplateError("Negative zero coercion (z) not allowed in integer format specifier");
  }
  const negative = n < 0n;
  const abs = negative ? -n : n;
  if (t === "c") {
    if (spec.sign) throw new TemplateError("Sign not allowed with integer format specifier 'c'");
    if (spec.alt) {
      throw new TemplateError("Alternate form (#) not allowed with integer format specifier 'c'");
    }
    if (negative || abs >= 0x110000n) throw new TemplateError("%c arg not in range(0x110000)");
    return pad(String.fromCodePoint(Number(abs)), "", spec);
  }
  const radix = t === "b" ? 2 : t === "o" ? 8 : t === "x" || t === "X" ? 16 : 10;
  let digits = abs.toString(radix);
  if (t === "X") digits = digits.toUpperCase();
  const prefix = spec.alt && radix !== 10 ? "0" + (t === "b" ? "b" : t === "o" ? "o" : t) : "";
  const sign = signText(negative, spec.sign);
  return padNumber(sign + prefix, digits, "", spec, radix === 10 ? 3 : 4);
}

function formatFloat(x: number, spec: Spec): string {
  let t = spec.type;
  if (!"eEfFgGn%".includes(t) || t.length > 1) throw unknownCode(t, "float");
  const upper = t === "E" || t === "F" || t === "G";
  let value = x;
  let suffix = "";
  if (t === "%") {
    value = x * 100;
    suffix = "%";
    t = "f";
  }
  if (t === "n") t = "g";
  const negative = value < 0 || Object.is(value, -0);
  const abs = Math.abs(value);
  let body: string;
  if (Number.isNaN(abs)) body = "nan";
  else if (abs === Infinity) body = "inf";
  else if (t === "") {
    body = spec.precision < 0
      ? pyFloatRepr(abs)
      : formatGeneral(abs, spec.precision, spec.alt, true);
  } else {
    const prec = spec.precision < 0 ? 6 : spec.precision;
    const lower = t.toLowerCase();
    body = lower === "f"
      ? formatFixed(abs, prec, spec.alt)
      : lower === "e"
      ? formatExponent(abs, prec, spec.alt)
      : formatGeneral(abs, prec, spec.alt, false);
  }
  if (upper) body = body.toUpperCase();
  const isZero = Number.isFinite(abs) && !/[1-9]/.test(body.replace(/e.*$/i, ""));
  const sign = signText(negative && !(spec.noNegZero && isZero), spec.sign);
  const match = /^\d*/.exec(body)!;
  return padNumber(sign, match[0], body.slice(match[0].length) + suffix, spec, 3);
}

function signText(negative: boolean, sign: string): string {
  if (negative) return "-";
  return sign === "+" ? "+" : sign === " " ? " " : "";
}

/** Code-point length, as Python's `len`. */
function cpLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) (n--, i++);
    }
  }
  return n;
}

/** Pads `lead + digits + rest` to the width, grouping digits and zero-filling like CPython. */
function padNumber(
  lead: string,
  digits: string,
  rest: string,
  spec: Spec,
  groupSize: number,
): string {
  let intDigits = digits;
  if (spec.grouping && digits !== "") {
    const minWidth = spec.fill === "0" && spec.align === "="
      ? spec.width - lead.length - rest.length
      : 0;
    let n = intDigits.length;
    while (n + Math.floor((n - 1) / groupSize) < minWidth) n++;
    intDigits = group(intDigits.padStart(n, "0"), spec.grouping, groupSize);
  }
  return pad(intDigits + rest, lead, spec);
}

function group(digits: string, sep: string, size: number): string {
  const parts: string[] = [];
  for (let end = digits.length; end > 0; end -= size) {
    parts.unshift(digits.slice(Math.max(0, end - size), end));
  }
  return parts.join(sep);
}

function pad(body: string, lead: string, spec: Spec): string {
  const len = cpLength(lead) + cpLength(body);
  if (spec.width <= len) return lead + body;
  const total = spec.width - len;
  switch (spec.align) {
    case "<":
      return lead + body + spec.fill.repeat(total);
    case "^": {
      const left = Math.floor(total / 2);
      return spec.fill.repeat(left) + lead + body + spec.fill.repeat(total - left);
    }
    case "=":
      return lead + spec.fill.repeat(total) + body;
    default:
      return spec.fill.repeat(total) + lead + body;
  }
}
