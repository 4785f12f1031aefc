/**
 * A composable 32-bit hash of text, for checking that a request is the same as one recorded
 * before (the run journal, `durable/journal.ts`): the polynomial hash of the text's UTF-16 code
 * units mod 2^32, `h = s[0]·B^(n-1) + … + s[n-1]`, kept together with `p = B^n`. The state of a
 * concatenation follows from its parts' states, `(h1, p1) + (h2, p2) = (h1·p2 + h2, p1·p2)`, so
 * a template computes the hash of what it renders from the precomputed states of its constant
 * pieces and sampled values, without reading (or flattening) the assembled string; {@link
 * textHash} of that string gives the same number.
 *
 * Any one changed, inserted or removed code unit changes the hash (B is odd, so B^k is never 0
 * mod 2^32); it is not meant to resist crafted collisions.
 *
 * @module
 */

/** The polynomial's base (odd). */
const BASE = 0x9e3779b1;

/** The hash state of a piece of text: `h` as above, `p` = B^length (both uint32 as int32). */
export interface TextHashPart {
  readonly h: number;
  readonly p: number;
}

/** The running hash state of text assembled piece by piece. */
export class TextHashState implements TextHashPart {
  h = 0;
  p = 1;

  /** Appends a piece whose state is known. */
  addPart(part: TextHashPart): void {
    this.h = (Math.imul(this.h, part.p) + part.h) | 0;
    this.p = Math.imul(this.p, part.p);
  }

  /** Appends `text`, reading its code units. */
  addText(text: string): void {
    let h = this.h, p = this.p;
    for (let i = 0; i < text.length; i++) {
      h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
      p = Math.imul(p, BASE);
    }
    this.h = h;
    this.p = p;
  }

  /** The hash of everything appended (a uint32); the state is kept. */
  digest(): number {
    return (this.h ^ Math.imul(this.p, 0x85ebca6b)) >>> 0;
  }
}

/** The state of `text` alone, for precomputing constant pieces. */
export function textHashPart(text: string): TextHashPart {
  const state = new TextHashState();
  state.addText(text);
  return { h: state.h, p: state.p };
}

/** The hash of `text` (a uint32): what {@link TextHashState.digest} gives after its pieces. */
export function textHash(text: string): number {
  const state = new TextHashState();
  state.addText(text);
  return state.digest();
}
