/**
 * Peak memory while reading big datasets: the readers store every row up front (§5: sources are
 * read fully; in a `RowTable`), and a runtime that collects lazily lets the garbage of parsing (chunks, lines,
 * pages) pile up to several times the live rows. Readers call {@link collectAfter} as they go so
 * a collection runs after every `everyBytes` of input; the peak then stays near the rows' own
 * size (measured in `scripts/bench/readRows.ts`). A no-op where the runtime offers no hook.
 *
 * @module
 */

const gc = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc;

/** Default input volume between collections: 32 MiB. */
export const COLLECT_EVERY_BYTES = 32 * 1024 * 1024;

/** A counter that runs a full collection each time `everyBytes` more input was consumed. */
export function collectAfter(everyBytes = COLLECT_EVERY_BYTES): (bytes: number) => void {
  let pending = 0;
  return (bytes) => {
    pending += bytes;
    if (pending < everyBytes) return;
    pending = 0;
    gc?.(true);
  };
}
