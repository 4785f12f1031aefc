/**
 * A byte-level BPE encoder (tiktoken's algorithm): the text is split by the pre-tokenizer
 * regex, each piece's UTF-8 bytes are merged pairwise by lowest rank until no adjacent pair is a
 * token. Pieces are cached (words repeat), and a piece that is itself a token is one lookup.
 * Byte strings are keyed as "binary" strings (one char per byte), so ASCII pieces need no
 * conversion. Ids equal tiktoken's for the same ranks and pattern.
 *
 * @module
 */

/** Rank table: token bytes (one char per byte) -> rank (= id for GPT-2-style vocabularies). */
export type RankMap = Map<string, number>;

const MAX_CACHE = 500_000;

/** The binary-string key of `bytes`. */
export function bytesKey(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** Creates an encoder for `ranks` with pre-tokenizer `pattern` (a global, unicode regex). */
export function createBpeEncoder(ranks: RankMap, pattern: RegExp): (text: string) => number[] {
  const utf8 = new TextEncoder();
  const cache = new Map<string, number | number[]>();
  const split = new RegExp(
    pattern.source,
    pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g",
  );

  const merge = (key: string, out: number[]) => {
    const n = key.length;
    // pos[i] = start of part i; parts are key.slice(pos[i], pos[i + 1]).
    const pos: number[] = new Array(n + 1);
    for (let i = 0; i <= n; i++) pos[i] = i;
    const rankOf = (i: number) =>
      i + 2 < pos.length ? ranks.get(key.slice(pos[i], pos[i + 2])) ?? Infinity : Infinity;
    const pairRanks: number[] = new Array(n);
    for (let i = 0; i < n - 1; i++) pairRanks[i] = rankOf(i);
    pairRanks[n - 1] = Infinity;
    let parts = n;
    while (parts > 1) {
      let best = Infinity;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        if (pairRanks[i] < best) {
          best = pairRanks[i];
          at = i;
        }
      }
      if (at < 0) break;
      pos.splice(at + 1, 1);
      pairRanks.splice(at + 1, 1);
      parts--;
      pairRanks[at] = rankOf(at);
      if (at > 0) pairRanks[at - 1] = rankOf(at - 1);
    }
    for (let i = 0; i < parts; i++) out.push(ranks.get(key.slice(pos[i], pos[i + 1]))!);
  };

  return (text) => {
    const out: number[] = [];
    split.lastIndex = 0;
    for (let m = split.exec(text); m !== null; m = split.exec(text)) {
      const piece = m[0];
      const cached = cache.get(piece);
      if (cached !== undefined) {
        if (typeof cached === "number") out.push(cached);
        else for (let i = 0; i < cached.length; i++) out.push(cached[i]);
        continue;
      }
      // deno-lint-ignore no-control-regex
      const key = /^[\x00-\x7f]*$/.test(piece) ? piece : bytesKey(utf8.encode(piece));
      const whole = ranks.get(key);
      let ids: number | number[];
      if (whole !== undefined) {
        ids = whole;
        out.push(whole);
      } else {
        ids = [];
        merge(key, ids);
        for (let i = 0; i < ids.length; i++) out.push(ids[i]);
      }
      if (cache.size >= MAX_CACHE) cache.clear();
      cache.set(piece, ids);
    }
    return out;
  };
}
