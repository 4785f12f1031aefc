/**
 * `model_name: hf:owner/repo:QUANT` before a run: a model already in the Hugging Face cache is
 * used as is; a missing one is downloaded only when the user allowed it (`--allow-download` or
 * `inference_config.model.model_kwargs.allow_download: true`), with the pull's progress bar;
 * otherwise the run stops with the `synth models pull` command to run (exit 2).
 *
 * @module
 */
import type { EngineConfig } from "../engines/contract.ts";
import { ModelNotCachedError, resolveHfModel } from "../engines/modelCache.ts";
import type { Logger } from "./logger.ts";
import type { CliIO } from "./io.ts";

const LOCAL_ENGINES = new Set(["NATIVE", "NATIVE_TEXT", "LLAMACPP"]);

/**
 * Makes sure an `hf:` model of a local engine is in the cache.
 *
 * @throws ModelNotCachedError (a ConfigError) when it is missing and downloads are not allowed;
 *   whatever `pullModel` throws when the download fails.
 */
export async function ensureHfModel(
  inference: EngineConfig,
  allowDownload: boolean | undefined,
  ctx: { io: CliIO; logger: Logger },
): Promise<void> {
  const name = inference.model.model_name;
  const engine = (inference.engine ?? "NATIVE").toUpperCase();
  if (typeof name !== "string" || !name.startsWith("hf:") || !LOCAL_ENGINES.has(engine)) return;
  try {
    resolveHfModel(name, ctx.io.env);
    return;
  } catch (error) {
    const kwargs = (inference.model.model_kwargs ?? {}) as Record<string, unknown>;
    const allowed = allowDownload === true || kwargs.allow_download === true;
    if (!(error instanceof ModelNotCachedError) || !allowed) throw error;
  }
  ctx.logger.info(
    `Downloading ${name.slice(3)} (allowed by ${
      allowDownload ? "--allow-download" : "model_kwargs.allow_download"
    })`,
  );
  const { pullModel } = await import("../models/pull.ts");
  const { pullProgress } = await import("./modelsCommand.ts");
  const display = pullProgress(ctx.io.stderr);
  try {
    await pullModel(name, {
      env: ctx.io.env,
      signal: ctx.io.signal,
      onProgress: (p) => display.update(p),
      onInfo: (m) => ctx.logger.info(m),
    });
  } finally {
    display.stop();
  }
}
