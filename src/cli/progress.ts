/**
 * Progress on stderr while records are produced: a live bar with records/s, tokens/s and ETA
 * on a TTY (cli-progress), plain lines every few seconds when stderr is a pipe or a file (no
 * escape codes in logs). Reads the run's counters; never writes data.
 *
 * @module
 */
import cliProgress from "cli-progress";
import type { RunStats } from "../synth/stats.ts";
import type { TextSink } from "./logger.ts";

/** A running progress display; `stop()` leaves the last state on screen. */
export interface ProgressDisplay {
  /** Redraws from the counters (cheap; call as often as you like). */
  update(): void;
  stop(): void;
}

/** Human duration: `42s`, `3m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Rates derived from the counters at time `now` (ms). */
export function progressFigures(stats: RunStats, now = Date.now()) {
  const elapsed = Math.max((now - stats.startedAt) / 1000, 1e-3);
  const recordsPerSecond = stats.done / elapsed;
  const tokensPerSecond = stats.usage.outputTokens / elapsed;
  const remaining = stats.planned - stats.done;
  const eta = recordsPerSecond > 0 ? remaining / recordsPerSecond : Number.NaN;
  return { elapsed, recordsPerSecond, tokensPerSecond, eta };
}

/**
 * Starts a display for `stats` on `sink`.
 *
 * @param options.intervalMs plain-line interval when not a TTY. Default 5000.
 */
export function startProgress(
  stats: RunStats,
  sink: TextSink & { columns?: number },
  options: { colors?: boolean; intervalMs?: number; label?: string } = {},
): ProgressDisplay {
  const label = options.label ?? "Synthesizing";
  if (sink.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: sink as NodeJS.WritableStream,
        format:
          `${label} {bar} {value}/{total} records | {rps} rec/s | {tps} tok/s | {failed} failed | ETA {etaText}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        fps: 8,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    const payload = () => {
      const f = progressFigures(stats);
      return {
        rps: f.recordsPerSecond.toFixed(1),
        tps: f.tokensPerSecond.toFixed(0),
        failed: stats.failed,
        etaText: stats.done === stats.planned ? "0s" : formatDuration(f.eta),
      };
    };
    bar.start(stats.planned, stats.done, payload());
    return {
      update: () => bar.update(stats.done, payload()),
      stop: () => {
        bar.update(stats.done, payload());
        bar.stop();
      },
    };
  }
  const line = () => {
    const f = progressFigures(stats);
    const pct = stats.planned ? Math.floor((100 * stats.done) / stats.planned) : 100;
    sink.write(
      `${label}: ${stats.done}/${stats.planned} records (${pct}%), ${stats.failed} failed, ` +
        `${f.recordsPerSecond.toFixed(1)} rec/s, ${f.tokensPerSecond.toFixed(0)} tok/s, ETA ${
          stats.done === stats.planned ? "0s" : formatDuration(f.eta)
        }\n`,
    );
  };
  const timer = setInterval(line, options.intervalMs ?? 5000);
  timer.unref?.();
  return {
    update: () => {},
    stop: () => {
      clearInterval(timer);
      line();
    },
  };
}
