/**
 * "Did you mean ...?" for unknown config keys: the valid name closest to a misspelt one by
 * edit distance (insertions, deletions, substitutions and swaps of neighbours each cost 1).
 *
 * @module
 */

/** Optimal-string-alignment distance between `a` and `b` (case-insensitive). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The candidate nearest to `name`, when it is close enough to be a likely typo: within a third
 * of the name's length (at least 1, at most 4 edits), or one that contains / is contained in it
 * (`sampled` -> `sampled_attributes`). `undefined` when nothing is close.
 *
 * @example nearestName("sampled_atributes", ["sampled_attributes", "input_data"]) // "sampled_attributes"
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.min(4, Math.max(1, Math.floor(name.length / 3)));
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = editDistance(name, candidate);
    const lower = name.toLowerCase();
    const cand = candidate.toLowerCase();
    const related = lower.length >= 4 && (cand.includes(lower) || lower.includes(cand));
    if ((distance <= limit || related) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
