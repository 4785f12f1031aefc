/**
 * `synth info [--json]`: version, build variant, llama.cpp backends in this executable, GPUs
 * (name, VRAM), CPU threads, cache folders, and which llama.cpp runtime a run would use.
 *
 * @module
 */
import { hubCacheDir } from "../inputs/hfCache.ts";
import { synthCacheDirs } from "../runtime/cacheDir.ts";
import { systemInfo } from "../runtime/systemInfo.ts";
import { EXIT } from "./exitCodes.ts";
import type { Logger } from "./logger.ts";
import type { CliIO } from "./io.ts";
import { modelDirs } from "./synthCommand.ts";
import { VERSION } from "./version.ts";

/** Runs `synth info`; resolves with the exit code (0). */
export async function runInfo(
  options: { json?: boolean },
  ctx: { io: CliIO; logger: Logger },
): Promise<number> {
  const { io } = ctx;
  const info = await systemInfo();
  const report = {
    version: VERSION,
    ...info,
    cache: synthCacheDirs(io.env)[0],
    huggingFaceCache: hubCacheDir(io.env),
    modelDirs: modelDirs(io, io.cwd),
  };
  if (options.json) {
    io.stdout.write(JSON.stringify(report, null, 2) + "\n");
    return EXIT.OK;
  }
  const gib = (b?: number) => (b === undefined ? "" : `, ${(b / 1024 ** 3).toFixed(1)} GiB`);
  const lines = [
    `synth ${VERSION}`,
    `build:      ${
      info.variant === "source"
        ? "from source (bun main.ts)"
        : `${info.variant} (single executable)`
    }`,
    `backends:   llama.cpp ${info.backends.join(", ") || "none"}; ONNX Runtime (CPU)`,
    `GPUs:       ${
      info.gpus.length === 0
        ? "no GPU"
        : info.gpus.map((g) => `${g.name}${gib(g.vramBytes)}`).join("; ")
    }`,
    `CPU:        ${info.cpu.model}, ${info.cpu.threads} threads (runs use ${info.cpu.defaultThreads} by default)`,
    `a run uses: ${
      info.runtime
        ? `llama.cpp on ${
          info.runtime === "cpu" ? "the CPU" : info.runtime.toUpperCase()
        } (gpu: auto; ${info.offload})`
        : `llama.cpp cannot load here: ${info.runtimeError}`
    }`,
    `cache:      ${report.cache}`,
    `HF cache:   ${report.huggingFaceCache}`,
    `models/:    ${report.modelDirs.join(", ")}`,
  ];
  io.stdout.write(lines.join("\n") + "\n");
  return EXIT.OK;
}
