/**
 * Crash injection for the durability tests: `SYNTH_TEST_CRASH=journal:7` makes the process kill
 * itself with SIGKILL in the middle of the 7th journal write (after writing part of it), and
 * `SYNTH_TEST_CRASH=output:3` in the middle of the 3rd output flush. Unset (always, outside
 * tests) it costs one comparison per write.
 *
 * @module
 */
import { writeSync } from "node:fs";

/** Where a crash can be injected. */
export type CrashPoint = "journal" | "output";

const spec = /^(journal|output):(\d+)$/.exec(process.env.SYNTH_TEST_CRASH ?? "");
const target = spec ? { point: spec[1] as CrashPoint, at: Number(spec[2]) } : undefined;
const counts: Record<CrashPoint, number> = { journal: 0, output: 0 };

/**
 * Called before writing `data` to `fd` at `point`. On the configured write, writes the first
 * half of `data` (a torn write, as a kill in the middle of `write` leaves it) and kills the
 * process with SIGKILL: no exit handler runs.
 */
export function maybeCrash(point: CrashPoint, fd: number, data: Uint8Array): void {
  if (!target || target.point !== point) return;
  if (++counts[point] !== target.at) return;
  writeSync(fd, data, 0, data.length >> 1);
  process.kill(process.pid, "SIGKILL");
}
