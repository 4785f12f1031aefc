/**
 * Fast JSON Lines encoding with Python's `json.dumps` separators (spec §14.2): records → the
 * UTF-8 bytes of their lines, `\n` included. The native `JSON.stringify` does the work (one call
 * per chunk of records); a byte pass adds the space after every `,` and `:` outside strings. Values whose text differs
 * between JavaScript and Python — numbers written with an exponent or below 1e-4, BigInts —
 * fall back to {@link pyJsonDumps}, so the bytes are always identical to it.
 *
 * @module
 */
import { pyJsonDumps } from "../python/json.ts";

const COMMA = 44, COLON = 58, QUOTE = 34, BACKSLASH = 92, SPACE = 32, NEWLINE = 10;
const LBRACE = 123, RBRACE = 125, LBRACKET = 91, RBRACKET = 93;
const ZERO = 48, NINE = 57, DOT = 46, LOWER_E = 101, UPPER_E = 69;

/** Encodes records as Python-style JSON lines. Reuses internal buffers: not re-entrant. */
export class PyJsonLineEncoder {
  private readonly encoder = new TextEncoder();
  private scratch = new Uint8Array(1 << 16);
  private out = new Uint8Array(1 << 17);

  /**
   * The line of `record` as a fresh byte array (ends with `\n`); equal to
   * `pyJsonDumps(record) + "\n"` in UTF-8.
   *
   * @throws {TypeError} for a circular structure.
   */
  encode(record: unknown): Uint8Array {
    return this.encodeRecords([record]).slice();
  }

  /**
   * The compact `JSON.stringify` text of `record`; `undefined` when `JSON.stringify` cannot
   * write it (a BigInt inside, a circular structure): {@link pyJsonDumps} then writes BigInts
   * and reports circular structures.
   */
  private compact(record: unknown): string | undefined {
    try {
      return JSON.stringify(record);
    } catch {
      return undefined;
    }
  }

  /**
   * The UTF-8 bytes of `pyJsonDumps(item) + "\n"` for every item, in order; an item that is a
   * {@link FinalLine} is written as its text. Records are stringified together with one native
   * `JSON.stringify` call and one pass that adds Python's separators and turns the commas
   * between records into newlines; a chunk holding a number that needs Python's repr, a BigInt,
   * or final lines is done record by record. The bytes may live in an internal buffer.
   *
   * @throws {TypeError} naming the position of a record that cannot be serialised (circular).
   */
  encodeRecords(items: readonly unknown[]): Uint8Array {
    if (items.length === 0) return new Uint8Array(0);
    let text: string | undefined;
    if (!items.some((item) => item instanceof FinalLine)) {
      try {
        text = JSON.stringify(items);
      } catch {
        text = undefined;
      }
    }
    const whole = text === undefined ? null : this.spaced(text, true);
    if (whole) return whole;
    const parts = items.map((item, i) => {
      if (item instanceof FinalLine) return this.encoder.encode(item.text + "\n");
      const compact = this.compact(item);
      const fast = compact === undefined ? null : this.spaced(compact)?.slice();
      if (fast) return fast;
      try {
        return this.encoder.encode(pyJsonDumps(item) + "\n");
      } catch (error) {
        throw new TypeError(
          `Cannot serialise record ${i} of the chunk: ${(error as Error).message}`,
        );
      }
    });
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /**
   * Adds Python's separator spaces to compact JSON text (several lines joined by `\n` allowed)
   * and a final newline, or `null` when a number needs Python's repr.
   */
  private spaced(text: string, array = false): Uint8Array | null {
    if (this.scratch.length < text.length * 3) this.scratch = new Uint8Array(text.length * 3 + 16);
    const n = this.encoder.encodeInto(text, this.scratch).written;
    if (this.out.length < n * 2 + 1) this.out = new Uint8Array(n * 2 + 16);
    const src = this.scratch;
    const out = this.out;
    let o = 0;
    let prev = 0;
    // `array`: the text is a JSON array of records; its brackets are dropped and the commas
    // between its elements (depth 1) become newlines.
    let depth = 0;
    let start = 0;
    let end = n;
    if (array) {
      start = 1;
      end = n - 1;
      depth = 1;
    }
    for (let i = start; i < end; i++) {
      const b = src[i];
      if (b === QUOTE) {
        // Copy the whole string up to its closing quote (one not escaped by a backslash).
        out[o++] = b;
        let c = src[++i];
        while (c !== QUOTE) {
          out[o++] = c;
          if (c === BACKSLASH) out[o++] = src[++i];
          c = src[++i];
        }
        out[o++] = c;
        prev = QUOTE;
        continue;
      }
      if (array) {
        if (b === LBRACE || b === LBRACKET) depth++;
        else if (b === RBRACE || b === RBRACKET) depth--;
        else if (b === COMMA && depth === 1) {
          out[o++] = NEWLINE;
          prev = NEWLINE;
          continue;
        }
      }
      out[o++] = b;
      if (b === COMMA || b === COLON) {
        out[o++] = SPACE;
      } else if ((b === LOWER_E || b === UPPER_E) && prev >= ZERO && prev <= NINE) {
        return null; // 1e-7: Python writes 1e-07
      } else if (
        b === DOT && prev === ZERO && src[i + 1] === ZERO && src[i + 2] === ZERO &&
        src[i + 3] === ZERO && src[i + 4] === ZERO
      ) {
        return null; // 0.00001: Python writes 1e-05
      }
      prev = b;
    }
    out[o++] = NEWLINE;
    return out.subarray(0, o);
  }
}

/** Text of a line that is already final (Python-style or custom), for {@link PyJsonLineEncoder.encodeRecords}. */
export class FinalLine {
  constructor(readonly text: string) {}
}
