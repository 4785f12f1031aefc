/**
 * `synth serve --model <gguf>`: shares a local GGUF model as an OpenAI-compatible server
 * (issue 4, item 5). Listens at once (503 while the model loads), logs one access line per
 * request at info level, and on Ctrl-C / SIGTERM stops accepting, lets in-flight requests
 * finish, then frees the model.
 *
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";
import type { Engine } from "../engines/contract.ts";
import { createEngine } from "../engines/registry.ts";
import { UsageError } from "../errors.ts";
import { type RunningServer, startServer } from "../serve/server.ts";
import { EXIT } from "./exitCodes.ts";
import type { Logger } from "./logger.ts";
import type { CliIO } from "./io.ts";
import { modelDirs } from "./synthCommand.ts";

/** Options of {@link runServe}. */
export interface ServeOptions {
  /** GGUF path, folder or bare name in `models/` (as `model.model_name` of a LLAMACPP config). */
  model: string;
  host: string;
  port: number;
  /** Required key; else `SYNTH_API_KEY` from the environment; else no key. */
  apiKey?: string;
  threads?: number;
  parallel?: number;
  /** Context size per sequence, in tokens. */
  ctxSize?: number;
  /** Model id served (default: the file name). */
  servedModelName?: string;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIPv4(h) && h.startsWith("127.");
}

function checkOptions(options: ServeOptions): void {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new UsageError(`Invalid value for --port: ${options.port} is not in 0-65535`);
  }
  const h = options.host.replace(/^\[|\]$/g, "");
  if (!h || (/[^A-Za-z0-9.\-:]/.test(h) && !isIPv6(h))) {
    throw new UsageError(`Invalid value for --host: "${options.host}" is not a host name or IP`);
  }
  for (const [name, value] of [["--parallel", options.parallel], ["--ctx-size", options.ctxSize]]) {
    if (value !== undefined && (value as number) < 1) {
      throw new UsageError(`Invalid value for ${name}: ${value} is less than 1`);
    }
  }
}

/** Resolves when `signal` aborts (never when it is absent). */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/**
 * Runs the server until `io.signal` aborts; resolves with the exit code (0 after a clean
 * shutdown).
 *
 * @throws {UsageError} for a bad port or host; whatever `createEngine` throws for a model
 *   that cannot load (after the listener is closed again).
 */
export async function runServe(
  options: ServeOptions,
  ctx: { io: CliIO; logger: Logger },
): Promise<number> {
  const { io, logger } = ctx;
  checkOptions(options);
  const apiKey = options.apiKey || io.env.SYNTH_API_KEY || undefined;
  if (!isLoopback(options.host) && !apiKey) {
    logger.warn(
      `Serving on ${options.host} without an API key: anyone who can reach this machine can use the model (set --api-key or SYNTH_API_KEY)`,
    );
  }
  const started = performance.now();
  const loading: Promise<Engine> = createEngine(
    {
      engine: "LLAMACPP",
      model: {
        model_name: options.model,
        ...(options.ctxSize !== undefined ? { model_max_length: options.ctxSize } : {}),
      },
      // OpenAI's defaults for fields a request leaves out.
      generation: { temperature: 1, top_p: 1 },
    },
    {
      configDir: io.cwd,
      modelDirs: modelDirs(io, io.cwd),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.parallel !== undefined ? { parallelSequences: options.parallel } : {}),
      onWarning: (m) => logger.warnOnce(m),
      onDebug: (m) => logger.debug(m),
    },
  );
  loading.catch(() => undefined);
  let server: RunningServer;
  try {
    server = await startServer({
      engine: loading,
      host: options.host,
      port: options.port,
      apiKey,
      ...(options.servedModelName ? { modelName: options.servedModelName } : {}),
      onLog: (line) => logger.info(line),
    });
  } catch (error) {
    loading.then((e) => e.dispose(), () => undefined);
    throw error;
  }
  logger.info(
    `Listening on ${server.url}${apiKey ? " (API key required)" : ""}; loading ${options.model}`,
  );
  let engine: Engine;
  try {
    engine = await Promise.race([
      loading,
      aborted(io.signal).then(() => undefined),
    ]) as Engine;
  } catch (error) {
    await server.close();
    throw error;
  }
  if (!engine) {
    await server.close();
    loading.then((e) => e.dispose(), () => undefined);
    logger.info("Stopped before the model was loaded");
    return EXIT.OK;
  }
  const name = options.servedModelName || engine.model;
  logger.info(
    `Serving model "${name}" at ${server.url}/v1 (OpenAI-compatible; ${engine.maxConcurrency} parallel sequence${
      engine.maxConcurrency === 1 ? "" : "s"
    }; loaded in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  await aborted(io.signal);
  logger.info("Shutting down: finishing requests in flight");
  await server.close();
  await engine.dispose();
  logger.info("Stopped");
  return EXIT.OK;
}
