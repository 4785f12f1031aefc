/**
 * The only place that imports `node-llama-cpp`, lazily: `synth --help` and `synth validate`
 * never load native code. In the single executable it first unpacks the embedded llama.cpp
 * runtime ({@link prepareEmbeddedRuntime}); from source it uses `node_modules`.
 *
 * node-llama-cpp writes some diagnostics with `console.warn` (prefixed `[node-llama-cpp]`),
 * among them three lines about `testBindingBinary.js` whenever it runs bundled. Those lines are
 * diverted to a sink (see {@link setNodeLlamaCppLogSink}) instead of the terminal.
 *
 * @module
 */
import { prepareEmbeddedRuntime } from "./embeddedRuntime.ts";

/** The `node-llama-cpp` module namespace. */
export type NodeLlamaCpp = typeof import("node-llama-cpp");

let loading: Promise<NodeLlamaCpp> | undefined;
let sink: ((message: string) => void) | undefined;
let filterInstalled = false;

// deno-lint-ignore no-control-regex -- ANSI colour codes start with ESC
const ANSI = /\u001b\[[0-9;]*m/g;
const PREFIX = "[node-llama-cpp]";

/**
 * Loads node-llama-cpp once per process (later calls share the promise).
 *
 * @throws Error when the runtime cannot be unpacked or the module fails to load.
 *
 * @example
 * ```ts
 * const { getLlama } = await loadNodeLlamaCpp();
 * ```
 */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  if (!loading) {
    loading = (async () => {
      installConsoleFilter();
      await prepareEmbeddedRuntime();
      return await import("node-llama-cpp");
    })();
    // A failed load (e.g. no writable cache) may be retried by a later call.
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/**
 * Routes node-llama-cpp's own `console.warn`/`console.log` lines (those that start with
 * `[node-llama-cpp]`) to `receiver` (one call per message, colours stripped); `undefined`
 * drops them. Returns the previous receiver so callers can restore it.
 */
export function setNodeLlamaCppLogSink(
  receiver: ((message: string) => void) | undefined,
): ((message: string) => void) | undefined {
  const previous = sink;
  sink = receiver;
  return previous;
}

/** Whether a console message comes from node-llama-cpp (tested on its colour-stripped text). */
export function isNodeLlamaCppMessage(args: unknown[]): boolean {
  return typeof args[0] === "string" && args[0].replace(ANSI, "").trimStart().startsWith(PREFIX);
}

function installConsoleFilter(): void {
  if (filterInstalled) return;
  filterInstalled = true;
  for (const method of ["warn", "log", "info"] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (isNodeLlamaCppMessage(args)) {
        sink?.(args.map((a) => String(a).replace(ANSI, "")).join(" "));
        return;
      }
      original(...args);
    };
  }
}
