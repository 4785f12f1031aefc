/**
 * The only place that imports `@huggingface/transformers` and ONNX Runtime, lazily: `--help`,
 * `validate` and llama.cpp runs never load them (and this module never loads llama.cpp).
 * Recipe: `shared/notes/runtime.md`, "Single executable with ONNX Runtime inside".
 *
 * Back-ends, chosen once per process:
 * - `native`: `onnxruntime-node`. In the single executable its two native files are embedded
 *   (`synth-onnx/`, the 45 MB `libonnxruntime.so.1` zstd-compressed) and unpacked once per build
 *   into the synth cache; the library is preloaded with `bun:ffi` (symbol `OrtGetApiBase`), which
 *   doubles as the loadability check, and the binding `.node` is loaded from the same folder.
 * - `wasm`: `onnxruntime-web` (single-threaded WASM, the `.wasm` embedded too). Used
 *   automatically when the native library cannot be loaded (`auto`), or when asked for.
 *
 * The chosen module is installed as `globalThis[Symbol.for("onnxruntime")]` before transformers.js
 * is imported; the build rewrites transformers.js's own `require("onnxruntime-node")` to read that
 * symbol, so in the executable the WASM path never touches the native library.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { embeddedFiles, extractRuntime, type RuntimeManifest } from "./embeddedRuntime.ts";
import { synthCacheDirs } from "./cacheDir.ts";

/** The `@huggingface/transformers` module namespace. */
export type Transformers = typeof import("@huggingface/transformers");

/** Which ONNX Runtime runs the model. `auto` = native, WASM when native cannot load. */
export type OnnxBackendChoice = "auto" | "native" | "wasm";

/** Result of {@link loadTransformers}. */
export interface LoadedTransformers {
  transformers: Transformers;
  backend: "native" | "wasm";
  /** Why the native back-end was not used when `auto` fell back to WASM. */
  fallbackReason?: string;
}

/** Name prefix of the embedded ONNX Runtime files. */
export const EMBEDDED_ONNX_PREFIX = "synth-onnx/";
/** Embedded manifest ({@link RuntimeManifest}) of the ONNX Runtime files. */
export const EMBEDDED_ONNX_MANIFEST = `${EMBEDDED_ONNX_PREFIX}manifest.json`;
/** File names inside the unpacked ONNX runtime folder. */
export const ONNX_RUNTIME_FILES = {
  library: "libonnxruntime.so.1",
  binding: "onnxruntime_binding.node",
  wasm: "ort-wasm-simd-threaded.wasm",
} as const;

declare global {
  /** Set before `onnxruntime-node` loads in the executable: absolute path of its `.node` binding. */
  var __synthOrtBinding: string | undefined;
}

let loading: Promise<LoadedTransformers> | undefined;
let loadingChoice: OnnxBackendChoice | undefined;
let unpacked: Promise<string | null> | undefined;

/**
 * Loads ONNX Runtime and transformers.js once per process. The first call's `backend` wins;
 * `SYNTH_ONNX_BACKEND` (`native` | `wasm` | `auto`) overrides the default `auto`.
 *
 * @throws Error when the runtime cannot be unpacked, or when `native` was asked for and cannot
 *   load, or when neither back-end loads.
 */
export function loadTransformers(
  backend: OnnxBackendChoice = envChoice() ?? "auto",
): Promise<LoadedTransformers> {
  if (loading && loadingChoice !== backend) {
    return loading.then((loaded) => {
      if (backend !== "auto" && loaded.backend !== backend) {
        throw new Error(
          `Cannot switch ONNX Runtime to ${backend}: this process already uses ${loaded.backend}`,
        );
      }
      return loaded;
    });
  }
  if (!loading) {
    loadingChoice = backend;
    loading = doLoad(backend);
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

function envChoice(): OnnxBackendChoice | undefined {
  const value = process.env.SYNTH_ONNX_BACKEND?.toLowerCase();
  return value === "native" || value === "wasm" || value === "auto" ? value : undefined;
}

async function doLoad(choice: OnnxBackendChoice): Promise<LoadedTransformers> {
  const root = await prepareEmbeddedOnnxRuntime();
  let ort: unknown;
  let backend: "native" | "wasm" = "native";
  let fallbackReason: string | undefined;
  if (choice !== "wasm") {
    try {
      ort = await loadNative(root);
    } catch (error) {
      const reason = (error as Error)?.message ?? String(error);
      if (choice === "native") {
        throw new Error(`Cannot load ONNX Runtime (native): ${reason}`, { cause: error });
      }
      fallbackReason = reason;
    }
  }
  if (ort === undefined) {
    ort = await loadWasm(root);
    backend = "wasm";
  }
  (globalThis as Record<symbol, unknown>)[Symbol.for("onnxruntime")] = ort;
  const transformers = await import("@huggingface/transformers");
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = "";
  transformers.env.useBrowserCache = false;
  transformers.env.logLevel = transformers.LogLevel?.ERROR ?? transformers.env.logLevel;
  return { transformers, backend, ...(fallbackReason ? { fallbackReason } : {}) };
}

/** Unpacks the embedded ONNX runtime once per process; `null` when running from source. */
export function prepareEmbeddedOnnxRuntime(): Promise<string | null> {
  unpacked ??= (async () => {
    const files = embeddedFiles();
    const manifestFile = files.find((f) => f.name === EMBEDDED_ONNX_MANIFEST);
    if (!manifestFile) return null;
    const manifest = JSON.parse(await manifestFile.text()) as RuntimeManifest;
    const runtimeFiles = files.filter((f) =>
      f.name.startsWith(EMBEDDED_ONNX_PREFIX) && f.name !== EMBEDDED_ONNX_MANIFEST
    );
    return await extractRuntime(runtimeFiles, manifest, synthCacheDirs(), {
      prefix: EMBEDDED_ONNX_PREFIX,
      label: "ONNX",
    });
  })();
  unpacked.catch(() => {
    unpacked = undefined;
  });
  return unpacked;
}

async function loadNative(root: string | null): Promise<unknown> {
  if (root) {
    const library = join(root, ONNX_RUNTIME_FILES.library);
    const { dlopen } = await import("bun:ffi");
    try {
      // Kept open for the life of the process: the binding links against it by soname.
      dlopen(library, { OrtGetApiBase: { args: [], returns: "ptr" } });
    } catch (error) {
      throw new Error(`${library} cannot be loaded: ${(error as Error)?.message ?? error}`, {
        cause: error,
      });
    }
    globalThis.__synthOrtBinding = join(root, ONNX_RUNTIME_FILES.binding);
  }
  const ort = await import("onnxruntime-node");
  return (ort as { default?: unknown }).default ?? ort;
}

async function loadWasm(root: string | null): Promise<unknown> {
  const web = await import("onnxruntime-web/wasm");
  const wasmFile = root ? join(root, ONNX_RUNTIME_FILES.wasm) : join(
    dirname(createRequire(import.meta.url).resolve("onnxruntime-web/wasm")),
    ONNX_RUNTIME_FILES.wasm,
  );
  web.env.wasm.numThreads = 1;
  web.env.wasm.proxy = false;
  // The JS glue is bundled in `onnxruntime-web/wasm`; the binary is handed over as bytes, and a
  // non-CDN `wasmPaths` keeps transformers.js from pointing it at a download.
  web.env.wasm.wasmPaths = { wasm: "file:///synth-embedded/ort-wasm-simd-threaded.wasm" };
  web.env.wasm.wasmBinary = readFileSync(wasmFile);
  // transformers.js passes file paths under Node-like runtimes; the WASM back-end needs bytes.
  const create = web.InferenceSession.create.bind(web.InferenceSession);
  const InferenceSession = Object.assign(Object.create(web.InferenceSession), {
    create: (model: unknown, options?: unknown) =>
      create(
        (typeof model === "string" ? readFileSync(model) : model) as Uint8Array,
        options as never,
      ),
  });
  return { ...web, InferenceSession, default: undefined };
}
