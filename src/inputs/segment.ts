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

/** UTF-8 length of `text` (lone surrogates count 3 bytes, as `TextEncoder` writes U+FFFD). */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Maps ascending UTF-8 byte offsets to string indices: `floor` gives the start of the character
 * holding the byte, otherwise the end of it (`ceil`).
 */
function byteOffsetsToIndices(text: string, offsets: Float64Array, floor: boolean): Uint32Array {
  const out = new Uint32Array(offsets.length);
  let bytes = 0; // UTF-8 offset of text[i]
  let i = 0;
  let width = 0;
  let units = 0;
  const measure = () => {
    const c = text.charCodeAt(i);
    units = 1;
    if (c < 0x80) width = 1;
    else if (c < 0x800) width = 2;
    else {
      width = 3;
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          width = 4;
          units = 2;
        }
      }
    }
  };
  for (let k = 0; k < offsets.length; k++) {
    const target = offsets[k];
    // Skip the characters that end at or before the target.
    while (i < text.length) {
      measure();
      if (bytes + width > target) break;
      bytes += width;
      i += units;
    }
    out[k] = bytes === target || floor || i >= text.length ? i : i + units;
  }
  return out;
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
  const ids = tokenizer.encode(text);
  const windows = tokenWindows(ids.length, params.segment_length, params.segment_overlap);
  if (windows.length === 0) return [];
  // Byte offsets of every window start and end, in one pass over the ids.
  const starts = new Float64Array(windows.length);
  const ends = new Float64Array(windows.length);
  let bytes = 0;
  let nextStart = 0;
  let nextEnd = 0;
  for (let t = 0; t <= ids.length; t++) {
    while (nextStart < windows.length && windows[nextStart][0] === t) starts[nextStart++] = bytes;
    while (nextEnd < windows.length && windows[nextEnd][1] === t) ends[nextEnd++] = bytes;
    if (t < ids.length) bytes += tokenizer.byteLength(ids[t]);
  }
  if (bytes !== utf8Length(text)) {
    throw new InputError(
      `Cannot segment with tokenizer "${tokenizer.name}": its tokens do not add up to the text (${bytes} of ${
        utf8Length(text)
      } bytes)`,
    );
  }
  const from = byteOffsetsToIndices(text, starts, true);
  const to = byteOffsetsToIndices(text, ends, false);
  const segments: string[] = [];
  for (let w = 0; w < windows.length; w++) {
    const segment = text.slice(from[w], to[w]);
    if (segment.trim() !== "") segments.push(segment);
  }
  if (segments.length === 0) {
    throw new InputError("Document segmentation returned only empty segments.");
  }
  return segments;
}
