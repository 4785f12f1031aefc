/**
 * TOKENS segmentation (§5.3): windows of `segment_length` tokens starting every
 * `segment_length - segment_overlap` tokens while the start is inside the text (so trailing
 * windows contained in the previous one are still emitted, as oumi's tests assert).
 *
 * Each segment is an exact character span of the document, not a decode of its tokens:
 * prefix sums of token byte lengths give each window's UTF-8 byte range, which maps to string
 * indices in one pass over the text. A window edge that falls inside a character (a token that
 * holds part of a multi-byte character) widens the window to the whole character, so no U+FFFD
 * ever appears (oumi's decode would show one there).
 *
 * @module
 */
import { InputError } from "../errors.ts";
import type { ByteTokenizer } from "./tokenizers/tokenizer.ts";

/** Window bounds `[startToken, endToken)` for `tokenCount` tokens. */
export function tokenWindows(
  tokenCount: number,
  length: number,
  overlap: number,
): [number, number][] {
  if (!(length > 0)) throw new RangeError("Segment length must be positive.");
  if (!(overlap >= 0) || overlap >= length) {
    throw new RangeError("Segment overlap must be non-negative and less than segment length.");
  }
  const stride = length - overlap;
  const out: [number, number][] = [];
  for (let start = 0; start < tokenCount; start += stride) {
    out.push([start, Math.min(start + length, tokenCount)]);
  }
  return out;
}

/**
 * Maps ascending UTF-8 byte offsets to string indices in one pass over `text`: `floor[k]` is the
 * start of the character holding byte `offsets[k]`, `ceil[k]` the end of it (both the index
 * itself when the offset is a character boundary).
 */
function byteOffsetsToIndices(
  text: string,
  offsets: Float64Array,
): { floor: Uint32Array; ceil: Uint32Array } {
  const floor = new Uint32Array(offsets.length);
  const ceil = new Uint32Array(offsets.length);
  const length = text.length;
  let bytes = 0; // UTF-8 offset of text[i]
  let i = 0;
  for (let k = 0; k < offsets.length; k++) {
    const target = offsets[k];
    // Skip the characters that end at or before the target.
    let units = 1;
    while (i < length) {
      const c = text.charCodeAt(i);
      let width: number;
      units = 1;
      if (c < 0x80) width = 1;
      else if (c < 0x800) width = 2;
      else {
        width = 3;
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < length) {
          const d = text.charCodeAt(i + 1);
          if (d >= 0xdc00 && d < 0xe000) {
            width = 4;
            units = 2;
          }
        }
      }
      if (bytes + width > target) break;
      bytes += width;
      i += units;
    }
    floor[k] = i;
    ceil[k] = bytes === target || i >= length ? i : i + units;
  }
  return { floor, ceil };
}

/**
 * Splits `text` into segments (§5.3). Whitespace-only segments are dropped; an empty text gives
 * `[]`.
 *
 * @throws {InputError} "Document segmentation returned only empty segments." when a non-empty
 *   token list yields only whitespace, or when the tokenizer is not lossless on `text`.
 */
export function segmentText(
  text: string,
  tokenizer: ByteTokenizer,
  params: { segment_length: number; segment_overlap: number },
): string[] {
  const ids = tokenizer.encodeIds ? tokenizer.encodeIds(text) : tokenizer.encode(text);
  const windows = tokenWindows(ids.length, params.segment_length, params.segment_overlap);
  if (windows.length === 0) return [];
  // Byte offset of every token position where a window starts or ends, in one pass over the ids.
  const marks = new Float64Array(windows.length * 2);
  for (let w = 0; w < windows.length; w++) {
    marks[2 * w] = windows[w][0];
    marks[2 * w + 1] = windows[w][1];
  }
  marks.sort();
  const byteAt = new Map<number, number>();
  let bytes = 0;
  let t = 0;
  for (let m = 0; m < marks.length; m++) {
    const mark = marks[m];
    for (; t < mark; t++) bytes += tokenizer.byteLength(ids[t]);
    byteAt.set(mark, bytes);
  }
  for (; t < ids.length; t++) bytes += tokenizer.byteLength(ids[t]);
  // UTF-8 length of the text (a lone surrogate counts 3 bytes, as the encoders see U+FFFD).
  const textBytes = Buffer.byteLength(text, "utf8");
  if (bytes !== textBytes) {
    throw new InputError(
      `Cannot segment with tokenizer "${tokenizer.name}": its tokens do not add up to the text (${bytes} of ${textBytes} bytes)`,
    );
  }
  // String index of every such byte offset: a window starts at the start of the character that
  // holds its first byte and ends at the end of the character that holds its last one.
  const offsets = Float64Array.from(new Set(byteAt.values())).sort();
  const { floor, ceil } = byteOffsetsToIndices(text, offsets);
  const floorAt = new Map<number, number>();
  const ceilAt = new Map<number, number>();
  for (let k = 0; k < offsets.length; k++) {
    floorAt.set(offsets[k], floor[k]);
    ceilAt.set(offsets[k], ceil[k]);
  }
  const segments: string[] = [];
  for (let w = 0; w < windows.length; w++) {
    const segment = text.slice(
      floorAt.get(byteAt.get(windows[w][0])!)!,
      ceilAt.get(byteAt.get(windows[w][1])!)!,
    );
    if (segment.trim() !== "") segments.push(segment);
  }
  if (segments.length === 0) {
    throw new InputError("Document segmentation returned only empty segments.");
  }
  return segments;
}
