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
import { progressValue, rejectedText } from "./qualityProgress.ts";

const isComplete = (stats: RunStats) => {
  const { value, total } = progressValue(stats);
  return value >= total;
};

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
  const { value, total } = progressValue(stats);
  const rate = value / elapsed; // accepted records/s with `count: accepted`, else recordsPerSecond
  const eta = rate > 0 ? (total - value) / rate : Number.NaN;
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
          `${label} {bar} {value}/{total} records | {rps} rec/s | {tps} tok/s | {failed} failed{rejected} | ETA {etaText}`,
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
        rejected: rejectedText(stats),
        etaText: isComplete(stats) ? "0s" : formatDuration(f.eta),
      };
    };
    const draw = () => {
      const { value, total } = progressValue(stats);
      bar.setTotal(total);
      bar.update(value, payload());
    };
    bar.start(progressValue(stats).total, progressValue(stats).value, payload());
    return {
      update: draw,
      stop: () => {
        draw();
        bar.stop();
      },
    };
  }
  const line = () => {
    const f = progressFigures(stats);
    const { value, total } = progressValue(stats);
    const pct = total ? Math.floor((100 * value) / total) : 100;
    sink.write(
      `${label}: ${value}/${total} records (${pct}%), ${stats.failed} failed${
        rejectedText(stats)
      }, ` +
        `${f.recordsPerSecond.toFixed(1)} rec/s, ${f.tokensPerSecond.toFixed(0)} tok/s, ETA ${
          isComplete(stats) ? "0s" : formatDuration(f.eta)
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
