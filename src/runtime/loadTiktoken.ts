/**
 * Loads tiktoken's WASM GPT-2 encoder (`tiktoken/lite` + the `gpt2` ranks). The WASM module
 * comes from the executable when the build embedded it (`synth-tiktoken/tiktoken_bg.wasm`,
 * `scripts/build.ts`), otherwise from the installed `tiktoken` package.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { embeddedFiles } from "./embeddedRuntime.ts";

/** Name of the embedded WASM file in the executable. */
export const EMBEDDED_TIKTOKEN_WASM = "synth-tiktoken/tiktoken_bg.wasm";

/** The part of tiktoken's `Tiktoken` class segmentation uses. */
export interface TiktokenEncoder {
  /** Token ids of `text`; every special token's text maps to its id. */
  encode(text: string, allowedSpecial: "all"): Uint32Array;
}

let loading: Promise<TiktokenEncoder> | undefined;

async function wasmBytes(): Promise<ArrayBuffer | Uint8Array> {
  const embedded = embeddedFiles().find((f) => f.name === EMBEDDED_TIKTOKEN_WASM);
  if (embedded) return await embedded.arrayBuffer();
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve("tiktoken/lite/tiktoken_bg.wasm"));
}

/**
 * tiktoken's `gpt2` encoding (loaded once per process, then shared).
 *
 * @throws Error when the WASM module cannot be found or instantiated.
 */
export function loadTiktokenGpt2(): Promise<TiktokenEncoder> {
  loading ??= (async () => {
    const [{ init, Tiktoken }, ranks, bytes] = await Promise.all([
      import("tiktoken/lite/init"),
      import("tiktoken/encoders/gpt2.json"),
      wasmBytes(),
    ]);
    await init((imports) => WebAssembly.instantiate(bytes, imports));
    const spec = (ranks as { default?: unknown }).default ?? ranks;
    const { bpe_ranks, special_tokens, pat_str } = spec as {
      bpe_ranks: string;
      special_tokens: Record<string, number>;
      pat_str: string;
    };
    return new Tiktoken(bpe_ranks, special_tokens, pat_str);
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}
