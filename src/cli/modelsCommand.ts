/**
 * `synth models pull|list|inspect`: get a model from the Hugging Face Hub into the shared cache
 * (progress bar with MB/s and ETA on stderr), list the local models with their facts, print one
 * model's metadata. The work is in `src/models/`; this file prints and picks exit codes.
 *
 * @module
 */
import cliProgress from "cli-progress";
import Table from "cli-table3";
import type { ModelFacts } from "../models/describe.ts";
import {
  displayPath,
  findLocalModel,
  findLocalModels,
  type LocalModel,
} from "../models/inventory.ts";
import type { PullProgress } from "../models/pull.ts";
import { EXIT } from "./exitCodes.ts";
import type { Logger } from "./logger.ts";
import type { CliIO } from "./io.ts";
import { formatDuration } from "./progress.ts";
import { modelDirs } from "./synthCommand.ts";

/** `12.3 MB`, `1.20 GB` (decimal units, as download sizes are shown). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/**
 * A download progress display on `sink`: a cli-progress bar (file, MB done/total, MB/s, ETA) on
 * a TTY, else one line when each file starts and ends. `now` is the clock (ms).
 */
export function pullProgress(
  sink: CliIO["stderr"],
  now: () => number = () => performance.now(),
) {
  let bar: cliProgress.SingleBar | undefined;
  let current = "";
  let started = 0;
  let startBytes = 0;
  let last: PullProgress | undefined;
  const figures = (p: PullProgress) => {
    const seconds = Math.max((now() - started) / 1000, 1e-3);
    const rate = (p.bytes - startBytes) / seconds;
    const eta = rate > 0 ? (p.total - p.bytes) / rate : Number.NaN;
    return {
      file: p.count > 1 ? `${p.file} (${p.index}/${p.count})` : p.file,
      done: (p.bytes / 1e6).toFixed(1),
      size: (p.total / 1e6).toFixed(1),
      speed: (rate / 1e6).toFixed(1),
      etaText: p.bytes >= p.total ? "0s" : formatDuration(eta),
    };
  };
  const finishLine = () => {
    if (!last) return;
    const f = figures(last);
    if (bar) {
      bar.update(last.bytes, f);
      bar.stop();
      bar = undefined;
    } else {
      sink.write(`Downloaded ${f.file}: ${f.done} MB at ${f.speed} MB/s\n`);
    }
  };
  return {
    update(p: PullProgress) {
      if (p.file !== current) {
        finishLine();
        current = p.file;
        started = now();
        startBytes = p.startedAt;
        if (sink.isTTY) {
          bar = new cliProgress.SingleBar({
            stream: sink as NodeJS.WritableStream,
            format: "{file} {bar} {done}/{size} MB | {speed} MB/s | ETA {etaText}",
            barsize: 24,
            hideCursor: true,
            clearOnComplete: false,
            fps: 8,
          }, cliProgress.Presets.shades_classic);
          bar.start(p.total, p.bytes, figures(p));
        } else {
          sink.write(
            `Downloading ${figures(p).file} (${formatBytes(p.total)}${
              p.startedAt > 0 ? `, resuming at ${formatBytes(p.startedAt)}` : ""
            })\n`,
          );
        }
      }
      last = p;
      bar?.update(p.bytes, figures(p));
    },
    stop: finishLine,
  };
}

/** `synth models pull <owner/repo[:quant or file]>`. */
export async function runPull(
  spec: string,
  ctx: { io: CliIO; logger: Logger },
): Promise<number> {
  const { io, logger } = ctx;
  const { pullModel } = await import("../models/pull.ts");
  const display = pullProgress(io.stderr);
  let result;
  try {
    result = await pullModel(spec, {
      env: io.env,
      signal: io.signal,
      onProgress: (p) => display.update(p),
      onInfo: (m) => logger.info(m),
    });
  } finally {
    display.stop();
  }
  const selector = result.selection.format === "gguf"
    ? (result.selection.quant && !spec.match(/\.gguf$/i)
      ? `:${result.selection.quant}`
      : `:${result.selection.main}`)
    : (result.selection.dtype ? `:${result.selection.dtype}` : "");
  const name = `hf:${result.repo}${result.selection.format === "onnx" ? "" : selector}`;
  if (result.offline) {
    io.stdout.write(`${result.repo} is already in the cache (HF_HUB_OFFLINE is set)\n`);
  } else if (result.downloaded.length === 0) {
    io.stdout.write(
      `${result.repo} is up to date in the cache (commit ${result.commit.slice(0, 10)})\n`,
    );
  } else {
    io.stdout.write(
      `Pulled ${result.repo} (commit ${
        result.commit.slice(0, 10)
      }): ${result.downloaded.length} file(s), ${
        formatBytes(result.bytes)
      } downloaded, sha256 checked\n`,
    );
  }
  io.stdout.write(`  ${displayPath(result.path, io.cwd)}\n`);
  io.stdout.write(
    `Use it in a config: inference_config.model.model_name: ${name}` +
      (result.selection.format === "onnx" ? " (engine NATIVE)\n" : "\n"),
  );
  return EXIT.OK;
}

async function factsOf(model: LocalModel): Promise<ModelFacts> {
  const { describeGguf, describeOnnx } = await import("../models/describe.ts");
  return model.format === "gguf" ? await describeGguf(model.path) : describeOnnx(model.path);
}

/** `synth models list [--json]`. */
export async function runList(
  options: { json?: boolean },
  ctx: { io: CliIO; logger: Logger },
): Promise<number> {
  const { io, logger } = ctx;
  const models = findLocalModels(modelDirs(io, io.cwd), io.env);
  const rows: Array<LocalModel & Partial<ModelFacts> & { error?: string }> = [];
  for (const model of models) {
    try {
      const { metadata: _metadata, ...facts } = await factsOf(model);
      rows.push({ ...model, ...facts });
    } catch (error) {
      rows.push({ ...model, error: (error as Error)?.message ?? String(error) });
    }
  }
  if (options.json) {
    io.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    return EXIT.OK;
  }
  if (rows.length === 0) {
    io.stdout.write(
      'No local models. Get one with `synth models pull <owner/repo>:<quant>` (see README, "Models")\n',
    );
    return EXIT.OK;
  }
  const table = new Table({
    head: ["name", "format", "size", "quant", "arch", "context", "chat template", "where"],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    table.push([
      r.name,
      r.format,
      r.size !== undefined ? formatBytes(r.size) : "?",
      r.quantisation ?? "",
      r.architecture ?? (r.error ? "unreadable" : ""),
      r.contextLength !== undefined ? String(r.contextLength) : "",
      r.chatTemplate === undefined ? "" : r.chatTemplate ? "yes" : "no",
      r.source === "HF cache" ? "HF cache" : displayPath(r.source, io.cwd),
    ]);
  }
  io.stdout.write(table.toString() + "\n");
  for (const r of rows) if (r.error) logger.warn(`Cannot read ${r.path}: ${r.error}`);
  return EXIT.OK;
}

/** `synth models inspect <name> [--json]`. */
export async function runInspect(
  name: string,
  options: { json?: boolean },
  ctx: { io: CliIO; logger: Logger },
): Promise<number> {
  const { io } = ctx;
  const model = findLocalModel(name, {
    modelDirs: modelDirs(io, io.cwd),
    env: io.env,
    cwd: io.cwd,
  });
  const facts = await factsOf(model);
  if (options.json) {
    io.stdout.write(JSON.stringify({ ...model, ...facts }, null, 2) + "\n");
    return EXIT.OK;
  }
  const lines = [
    `name:          ${model.name}`,
    `path:          ${model.path}`,
    `format:        ${facts.format}`,
    `size:          ${formatBytes(facts.size)}`,
    ...(facts.modelName ? [`model:         ${facts.modelName}`] : []),
    `quantisation:  ${facts.quantisation ?? "?"}`,
    `architecture:  ${facts.architecture ?? "?"}`,
    `context:       ${facts.contextLength ?? "?"} tokens`,
    `chat template: ${facts.chatTemplate ? "yes" : "no"}`,
    "",
    facts.format === "gguf" ? "GGUF metadata:" : "config.json:",
  ];
  const meta = facts.format === "gguf"
    ? facts.metadata
    : (facts.metadata.config as Record<string, unknown>);
  for (const [key, value] of Object.entries(meta)) {
    let text = typeof value === "string" ? value : JSON.stringify(value);
    if (text.length > 120) text = `${text.slice(0, 117).replace(/\n/g, "\\n")}...`;
    lines.push(`  ${key}: ${text.replace(/\n/g, "\\n")}`);
  }
  if (facts.format === "onnx") {
    lines.push(`weights: ${(facts.metadata.weights as string[]).join(", ")}`);
  }
  io.stdout.write(lines.join("\n") + "\n");
  return EXIT.OK;
}
