/**
 * Python's float formatting (§23): `repr(float)` ({@link pyFloatRepr}) and correctly rounded
 * decimal digits of a double for the `f`, `e`, `g` and `%` format types (§8.1 format specs).
 * Python rounds the exact binary value half-to-even (`format(0.125, '.2f')` is `0.12`,
 * `format(2.5, '.0f')` is `2`); JavaScript's `toFixed` rounds exact ties away from zero, so
 * digits are derived from the exact value with BigInt.
 *
 * @module
 */

/**
 * Python `repr(float)`: shortest round-trip digits; fixed notation for 1e-4 <= |x| < 1e16
 * (always with a `.`), else `d[.ddd]e±XX`; `nan`, `inf`, `-inf`, `-0.0`.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e16) {
    // JS only switches to exponents below 1e-6 or from 1e21, so String() is fixed here.
    const s = String(x);
    return s.includes(".") ? s : `${s}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split("e");
  const exp = Number(exponent);
  return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** A non-negative decimal `0.DIGITS × 10^decpt`; `digits` has no trailing zeros (`""` = 0). */
export interface Decimal {
  digits: string;
  decpt: number;
}

const view = new DataView(new ArrayBuffer(8));

/** The exact decimal expansion of a finite, non-negative double. */
export function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: "", decpt: 0 };
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (expBits === 0) exp = -1074;
  else {
    mantissa |= 1n << 52n;
    exp = expBits - 1075;
  }
  let s: string;
  let decpt: number;
  if (exp >= 0) {
    s = (mantissa << BigInt(exp)).toString();
    decpt = s.length;
  } else {
    s = (mantissa * 5n ** BigInt(-exp)).toString();
    decpt = s.length + exp;
  }
  return { digits: stripZeros(s), decpt };
}

function stripZeros(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  return s.slice(0, end);
}

/** Round `d` to keep `keep` leading digits (half to even); `keep` may be <= 0. */
function roundAt(d: Decimal, keep: number): Decimal {
  if (keep >= d.digits.length) return d;
  if (keep < 0) return { digits: "", decpt: 0 };
  const next = d.digits.charCodeAt(keep) - 48;
  const restNonZero = d.digits.length > keep + 1;
  const prevOdd = keep > 0 && (d.digits.charCodeAt(keep - 1) - 48) % 2 === 1;
  const up = next > 5 || (next === 5 && (restNonZero || prevOdd));
  let kept = d.digits.slice(0, keep);
  if (!up) {
    kept = stripZeros(kept);
    return kept === "" ? { digits: "", decpt: 0 } : { digits: kept, decpt: d.decpt };
  }
  // Increment the kept digits, carrying through trailing nines.
  let i = kept.length - 1;
  while (i >= 0 && kept[i] === "9") i--;
  if (i < 0) return { digits: "1", decpt: d.decpt + 1 };
  kept = kept.slice(0, i) + String.fromCharCode(kept.charCodeAt(i) + 1);
  return { digits: kept, decpt: d.decpt };
}

/** `x` rounded to `n >= 1` significant digits. */
export function roundSignificant(x: number, n: number): Decimal {
  return roundAt(exactDecimal(x), n);
}

/** `x` rounded to `f >= 0` digits after the decimal point. */
export function roundFraction(x: number, f: number): Decimal {
  const d = exactDecimal(x);
  return roundAt(d, d.decpt + f);
}

/** Python `format(x, '.{prec}f')` for a finite `x >= 0` (`alt`: keep the `.` at precision 0). */
export function formatFixed(x: number, prec: number, alt: boolean): string {
  const { digits, decpt } = roundFraction(x, prec);
  const intPart = decpt > 0 ? digits.slice(0, decpt).padEnd(decpt, "0") : "0";
  const frac = (decpt >= 0 ? digits.slice(decpt) : "0".repeat(-decpt) + digits).padEnd(prec, "0");
  return prec > 0 || alt ? `${intPart}.${frac}` : intPart;
}

/** Python `format(x, '.{prec}e')` for a finite `x >= 0`. */
export function formatExponent(x: number, prec: number, alt: boolean): string {
  const d = x === 0 ? { digits: "0", decpt: 1 } : roundSignificant(x, prec + 1);
  const digits = d.digits.padEnd(prec + 1, "0");
  const mantissa = prec > 0 || alt ? `${digits[0]}.${digits.slice(1)}` : digits[0];
  return mantissa + exponentSuffix(d.decpt - 1);
}

/**
 * Python `format(x, '.{prec}g')` for a finite `x >= 0`. `addDot0` is the no-type variant
 * (`format(x, '.3')`): fixed results keep at least one fractional digit and exponent notation
 * starts one digit earlier.
 */
export function formatGeneral(x: number, prec: number, alt: boolean, addDot0: boolean): string {
  const p = prec === 0 ? 1 : prec;
  const d = x === 0 ? { digits: "0", decpt: 1 } : roundSignificant(x, p);
  const digits = alt ? d.digits.padEnd(p, "0") : d.digits;
  const { decpt } = d;
  if (decpt <= -4 || decpt > (addDot0 ? p - 1 : p)) {
    const tail = digits.length > 1 ? "." + digits.slice(1) : alt ? "." : "";
    return digits[0] + tail + exponentSuffix(decpt - 1);
  }
  if (decpt <= 0) return "0." + "0".repeat(-decpt) + digits;
  if (decpt >= digits.length) {
    return digits + "0".repeat(decpt - digits.length) + (addDot0 ? ".0" : alt ? "." : "");
  }
  return digits.slice(0, decpt) + "." + digits.slice(decpt);
}

function exponentSuffix(exp: number): string {
  return `e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}
