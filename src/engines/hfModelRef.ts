/**
 * Hugging Face model references as users write them: `owner/repo`, `owner/repo:Q4_K_M` (a GGUF
 * quantisation or an ONNX dtype), `owner/repo:file.gguf` (one file), with an optional `hf:`
 * prefix in configs (`model_name: hf:owner/repo:Q4_K_M`, DECISIONS compat 4). Also the
 * quantisation naming of GGUF files (`Qwen2.5-0.5B-Instruct-Q4_K_M.gguf` -> `Q4_K_M`).
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** A parsed model reference. */
export interface HfModelRef {
  /** `owner/name`. */
  repo: string;
  /**
   * What to take from the repository: a quantisation (`Q4_K_M`, case-insensitive), an ONNX
   * dtype (`q4`, `fp16`), or a file path in the repository (`sub/x.gguf`); `undefined` = the
   * default (the only GGUF, else `Q4_K_M`; for an ONNX repository its default dtype).
   */
  selector?: string;
}

const REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** Whether `name` is an `hf:` model URI. */
export function isHfUri(name: string): boolean {
  return name.startsWith("hf:");
}

/**
 * Parses `[hf:]owner/repo[:selector]`.
 *
 * @throws UsageError `Invalid model "x": expected owner/name[:quant or file] ...` when the text
 *   does not have that shape.
 */
export function parseHfModelRef(text: string): HfModelRef {
  const body = isHfUri(text) ? text.slice(3).replace(/^\/\//, "") : text;
  const colon = body.indexOf(":");
  const repo = colon < 0 ? body : body.slice(0, colon);
  const selector = colon < 0 ? undefined : body.slice(colon + 1);
  if (!REPO.test(repo) || repo.includes("..") || selector === "") {
    throw new UsageError(
      `Invalid model "${text}": expected owner/name[:quant or file], e.g. bartowski/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M`,
    );
  }
  return selector === undefined ? { repo } : { repo, selector };
}

/** Whether a selector names a file (has an extension or a folder) rather than a quantisation. */
export function selectorIsFile(selector: string): boolean {
  return selector.includes("/") || /\.[A-Za-z0-9_]+$/.test(selector) && !/^q\d/i.test(selector);
}

/** The command that downloads `ref` (shown in messages). */
export function pullCommand(ref: HfModelRef): string {
  return `synth models pull ${ref.repo}${ref.selector ? `:${ref.selector}` : ""}`;
}

const QUANT = /^(?:I?Q\d+(?:_[A-Z0-9]+)*|TQ\d_\d|F16|F32|BF16|FP16|FP32|MXFP4(?:_MOE)?|UD-\w+)$/i;

/**
 * The quantisation named in a GGUF file name (upper case), or `undefined`: the last `-` or `.`
 * separated part of the stem that looks like one (`Q4_K_M`, `IQ3_XS`, `Q8_0`, `F16`, `BF16`),
 * ignoring a split suffix (`-00001-of-00003`).
 *
 * @example
 * ```ts
 * quantOf("qwen2.5-0.5b-instruct-q4_k_m.gguf"); // "Q4_K_M"
 * ```
 */
export function quantOf(fileName: string): string | undefined {
  const base = fileName.split("/").pop() ?? fileName;
  const stem = base.replace(/\.gguf$/i, "").replace(/-\d{5}-of-\d{5}$/i, "");
  const parts = stem.split(/[-.]/);
  for (let i = parts.length - 1; i >= 0; i--) {
    if (QUANT.test(parts[i])) return parts[i].toUpperCase();
  }
  return undefined;
}

/** Whether a GGUF file is a multimodal projector (not a language model). */
export function isProjector(fileName: string): boolean {
  return /(^|\/)mmproj/i.test(fileName);
}

/** Whether `fileName` is part 2+ of a split GGUF (`-00002-of-00003.gguf`). */
export function isLaterSplitPart(fileName: string): boolean {
  const m = fileName.match(/-(\d{5})-of-\d{5}\.gguf$/i);
  return m !== null && Number(m[1]) > 1;
}
