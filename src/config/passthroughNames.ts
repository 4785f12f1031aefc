/**
 * The names of `passthrough_attributes` (spec §13, §20.4; DECISIONS difference 10): which are
 * paths, how oumi splits a path, and which names can never resolve (reported at load by
 * `warnings.ts`; projected per record by `synth/passthrough.ts`).
 *
 * @module
 */

/** One step of a path: a map key or a list index. */
export type PathToken = { key: string } | { index: number };

/** True when `name` is a path (contains both `[` and `]`), as oumi decides. */
export function isPassthroughPath(name: string): boolean {
  return name.includes("[") && name.includes("]");
}

/**
 * Splits a path the way oumi does (`re.findall(r"([^\[\].]+|\[\d+\])", path)`): runs of
 * characters other than `[`, `]` and `.` are keys, `[digits]` are indices, anything else is
 * skipped. `data[1].nested.value` → `data`, `[1]`, `nested`, `value`; `a[-1]` → `a`, `-1` (a key).
 */
export function tokenizePath(path: string): PathToken[] {
  const tokens: PathToken[] = [];
  for (const m of path.matchAll(/[^[\].]+|\[(\d+)\]/g)) {
    tokens.push(m[1] !== undefined ? { index: Number(m[1]) } : { key: m[0] });
  }
  return tokens;
}

/**
 * Names of `passthrough_attributes` that can never resolve, given every attribute id a record
 * can hold (known at load time: input columns, sampled, generated and postprocessed ids,
 * multi-turn ids and `<id>_plan`, transformed ids, ...), so the caller can report them
 * (DECISIONS 10). A plain key is unresolvable when it is not a known id; a path when its first
 * step is not a known id (or is an index: a record is not a list). Paths whose first key is known
 * may still fail per record and are then skipped. Returned in config order, without duplicates.
 */
export function unresolvablePassthroughNames(
  names: readonly string[],
  knownIds: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  for (const name of names) {
    if (out.includes(name)) continue;
    if (isPassthroughPath(name)) {
      const first = tokenizePath(name)[0];
      if (first !== undefined && ("index" in first || !knownIds.has(first.key))) out.push(name);
    } else if (!knownIds.has(name)) out.push(name);
  }
  return out;
}
