/**
 * Which files of a Hugging Face model repository a reference means (see `hfModelRef.ts`), from
 * a list of the repository's paths: the same rule picks what `synth models pull` downloads and
 * what `model_name: hf:...` loads from the cache.
 *
 * - GGUF repository (it has `.gguf` files): a quantisation picks the files whose name carries it
 *   (all parts of a split model); a file selector picks that file (and its split parts); no
 *   selector picks the only GGUF, else `Q4_K_M` (what Ollama pulls by default), else fails
 *   listing the quantisations present. Projector files (`mmproj*`) are never picked by quant.
 * - ONNX repository (`onnx/*.onnx` and `config.json`): the configuration and tokenizer files at the
 *   top level plus the weights of one dtype (`:q4` -> `onnx/model_q4.onnx` and its
 *   `.onnx_data*` files); without a selector `q8`, else `q4`, else the first dtype present.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import {
  type HfModelRef,
  isLaterSplitPart,
  isProjector,
  quantOf,
  selectorIsFile,
} from "./hfModelRef.ts";
import { DTYPE_SUFFIXES } from "./transformers/modelFolder.ts";

/** GGUF files a reference selects. */
export interface GgufSelection {
  format: "gguf";
  /** Repository paths to fetch (split parts included), sorted. */
  files: string[];
  /** The path llama.cpp opens (the first split part). */
  main: string;
  quant?: string;
}

/** The files a reference selects: GGUF, or an ONNX folder's files of one dtype. */
export type ModelSelection = GgufSelection | { format: "onnx"; files: string[]; dtype: string };

/** GGUF quantisation default when a repository has several. */
export const DEFAULT_QUANT = "Q4_K_M";
/** ONNX dtype preference when none is named. */
const ONNX_DEFAULTS = ["q8", "q4", "fp32", "fp16", "q4f16", "int8", "uint8", "bnb4"];

/**
 * Picks the files of `ref` among `paths` (repository-relative, `/`-separated).
 *
 * @throws UsageError naming the repository when nothing matches: an unknown quantisation (the
 *   message lists those present), a missing file, several matching files, or a repository with
 *   neither GGUF nor ONNX weights.
 */
export function selectModelFiles(ref: HfModelRef, paths: readonly string[]): ModelSelection {
  const ggufs = paths.filter((p) => p.toLowerCase().endsWith(".gguf")).sort();
  const selector = ref.selector;
  if (selector && selectorIsFile(selector)) {
    const found = paths.find((p) => p === selector) ??
      paths.find((p) => p.split("/").pop() === selector);
    if (!found) {
      throw new UsageError(
        `${ref.repo} has no file "${selector}"${
          ggufs.length ? ` (GGUF files: ${ggufs.slice(0, 12).join(", ")})` : ""
        }`,
      );
    }
    if (found.toLowerCase().endsWith(".gguf")) return ggufSet(found, ggufs);
    throw new UsageError(`"${selector}" in ${ref.repo} is not a GGUF file`);
  }
  const models = ggufs.filter((p) => !isProjector(p));
  if (models.length > 0) {
    const quants = quantsIn(models);
    const wanted = selector?.toUpperCase() ??
      (new Set(models.filter((p) => !isLaterSplitPart(p))).size === 1 ? undefined : DEFAULT_QUANT);
    if (wanted === undefined) return ggufSet(models.find((p) => !isLaterSplitPart(p))!, ggufs);
    const matching = models.filter((p) => quantOf(p) === wanted && !isLaterSplitPart(p));
    if (matching.length === 0) {
      const what = selector ? `no ${wanted} quantisation` : `several GGUF files and no ${wanted}`;
      throw new UsageError(
        `${ref.repo} has ${what}; quantisations in it: ${
          quants.join(", ") || "none recognised"
        } (pick one with ${ref.repo}:<quant>, or name a file)`,
      );
    }
    if (matching.length > 1) {
      throw new UsageError(
        `${ref.repo} has ${matching.length} ${wanted} files (${
          matching.join(", ")
        }); name one with ${ref.repo}:<file>`,
      );
    }
    return { ...ggufSet(matching[0], ggufs), quant: wanted };
  }
  return selectOnnx(ref, paths);
}

/** The quantisations present among GGUF paths, sorted, unique. */
export function quantsIn(paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    if (isProjector(p)) continue;
    const q = quantOf(p);
    if (q) out.add(q);
  }
  return [...out].sort();
}

function ggufSet(main: string, ggufs: readonly string[]): GgufSelection {
  const split = main.match(/^(.*)-00001-of-(\d{5})\.gguf$/i);
  const files = split
    ? ggufs.filter((p) => p.startsWith(`${split[1]}-`) && p.endsWith(`-of-${split[2]}.gguf`))
    : [main];
  const quant = quantOf(main);
  return { format: "gguf", files, main, ...(quant ? { quant } : {}) };
}

function selectOnnx(ref: HfModelRef, paths: readonly string[]): ModelSelection {
  const weights = paths.filter((p) => /^onnx\/[^/]+\.onnx$/.test(p));
  if (weights.length === 0 || !paths.includes("config.json")) {
    throw new UsageError(
      `${ref.repo} has neither GGUF files nor an ONNX model (config.json and onnx/*.onnx)`,
    );
  }
  const dtypeOf = (file: string): string | undefined => {
    const stem = file.slice("onnx/".length, -".onnx".length);
    for (const base of ["model", "decoder_model_merged"]) {
      if (!stem.startsWith(base)) continue;
      const suffix = stem.slice(base.length);
      const hit = Object.entries(DTYPE_SUFFIXES).find(([, s]) => s === suffix);
      if (hit) return hit[0];
    }
    return undefined;
  };
  const present = [...new Set(weights.map(dtypeOf).filter((d): d is string => !!d))];
  const wanted = ref.selector?.toLowerCase() ?? ONNX_DEFAULTS.find((d) => present.includes(d)) ??
    present[0];
  const chosen = weights.filter((w) => dtypeOf(w) === wanted);
  if (chosen.length === 0) {
    throw new UsageError(
      `${ref.repo} has no ONNX weights of dtype "${ref.selector ?? wanted}"; dtypes in it: ${
        present.sort().join(", ") || "none recognised"
      }`,
    );
  }
  const data = paths.filter((p) => chosen.some((c) => p.startsWith(`${c}_data`)));
  const top = paths.filter((p) =>
    !p.includes("/") && /\.(json|txt|model|jinja|tiktoken)$/i.test(p)
  );
  return { format: "onnx", files: [...top, ...chosen, ...data].sort(), dtype: wanted! };
}
