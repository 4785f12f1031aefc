/**
 * Input sources of `strategy_params` (spec §5 field tables): inline examples, datasets,
 * documents and document segmentation, with oumi's load-time rules and messages.
 * `num_shots <= 0` is an error here (DECISIONS difference 12), and a dataset with
 * `num_shots > 1` needs an `id` for every storage kind (oumi skips the check for `hf:`/`oumi:`
 * paths and then stores the draws under a null key, §22.2.14).
 *
 * @module
 */
import { z } from "zod";
import { isRecord } from "../pyValues.ts";
import {
  asNum,
  asStr,
  bool,
  EVEN_IF_INVALID,
  int,
  list,
  map,
  nonEmptyStr,
  obj,
  opt,
  pyEnum,
  type RefineCtx,
  report,
  rule,
  str,
} from "./leaves.ts";

/** `num_shots`: null/1 = round-robin, > 1 = dynamic few-shot sampling (§5.4). */
function numShots(className: string) {
  return opt(
    rule(int(), (n) => n >= 1, (n) => `${className}.num_shots must be at least 1, got ${n}.`)
      .describe("Rows drawn per sample; null or 1 = round-robin, > 1 = random draws under `id`"),
  );
}

function checkDynamicId(className: string, value: Record<string, unknown>, ctx: RefineCtx) {
  const shots = asNum(value.num_shots);
  if (shots !== undefined && shots > 1 && !asStr(value.id)) {
    report(ctx, ["id"], `${className}.id must be set when num_shots > 1 for dynamic sampling.`);
  }
}

/** `input_examples[]` (§5.1). */
export const ExampleSourceSchema = obj("ExampleSource", {
  examples: list(map()).describe("Inline rows; every row must have the same keys"),
  id: opt(str()).describe("Key of the drawn rows when num_shots > 1"),
  num_shots: numShots("ExampleSource"),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.examples)) {
    if (v.examples.length === 0) {
      report(ctx, ["examples"], "ExampleSource.examples cannot be empty.");
    } else if (isRecord(v.examples[0])) {
      const first = Object.keys(v.examples[0]).sort().join("\u0000");
      const bad = v.examples.findIndex((row) =>
        isRecord(row) && Object.keys(row).sort().join("\u0000") !== first
      );
      if (bad > 0) report(ctx, ["examples", bad], "All examples must have the same keys.");
    }
  }
  checkDynamicId("ExampleSource", v, ctx);
}, EVEN_IF_INVALID);

/** Local dataset extensions oumi reads (§5.2). */
export const DATASET_EXTENSIONS = [".jsonl", ".json", ".csv", ".tsv", ".parquet", ".xlsx"];

/** Storage kind of a dataset path: the text before the first `:` when it is `hf` or `oumi`. */
export function datasetStorage(path: string): "hf" | "oumi" | "local" {
  const colon = path.indexOf(":");
  const prefix = colon >= 0 ? path.slice(0, colon) : "";
  return prefix === "hf" ? "hf" : prefix === "oumi" ? "oumi" : "local";
}

function extensionOf(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot).toLowerCase() : "";
}

/** `input_data[]` (§5.2). */
export const DatasetSourceSchema = obj("DatasetSource", {
  path: nonEmptyStr("DatasetSource.path cannot be empty.").describe(
    "Local file or glob (.jsonl .json .csv .tsv .parquet .xlsx), `hf:<repo>` or `oumi:<id>`",
  ),
  hf_split: opt(str()),
  hf_revision: opt(str()),
  attribute_map: opt(map(str())).describe(
    "Keeps only these columns, renamed: {column: attribute id}",
  ),
  id: opt(str()).describe("Key of the drawn rows when num_shots > 1"),
  num_shots: numShots("DatasetSource"),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  const path = asStr(v.path);
  if (path && datasetStorage(path) === "local" && !DATASET_EXTENSIONS.includes(extensionOf(path))) {
    report(ctx, ["path"], `Unsupported dataset file type: ${path}`);
  }
  checkDynamicId("DatasetSource", v, ctx);
}, EVEN_IF_INVALID);

/** `input_documents[].segmentation_params` (§5.3). */
export const SegmentationParamsSchema = obj("DocumentSegmentationParams", {
  id: nonEmptyStr("DocumentSegmentationParams.id cannot be empty.").describe(
    "Key under which each segment is stored",
  ),
  segmentation_strategy: pyEnum("SegmentationStrategy", ["TOKENS"]).default("TOKENS"),
  tokenizer: str().default("openai-community/gpt2"),
  segment_length: int().default(2048).describe("Tokens per segment"),
  segment_overlap: int().default(0).describe("Tokens shared by consecutive segments"),
  keep_original_text: bool().default(false).describe(
    "Also store the full text under the source id",
  ),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  const length = asNum(v.segment_length);
  const overlap = asNum(v.segment_overlap);
  if (length !== undefined && length <= 0) {
    report(ctx, ["segment_length"], "Segment length must be positive.");
  }
  if (overlap !== undefined && overlap < 0) {
    report(ctx, ["segment_overlap"], "Segment overlap must be non-negative.");
  } else if (overlap !== undefined && length !== undefined && length > 0 && overlap >= length) {
    report(ctx, ["segment_overlap"], "Segment overlap must be less than segment length.");
  }
  if (v.tokenizer === "") {
    report(
      ctx,
      ["tokenizer"],
      "DocumentSegmentationParams.tokenizer cannot be empty when segmentation_strategy is TOKENS.",
    );
  }
}, EVEN_IF_INVALID);

/** Document extensions synth reads (the guide's list, §5.3). */
export const DOCUMENT_EXTENSIONS = [".pdf", ".txt", ".md", ".html", ".docx"];

const GLOB = /[*?[]/;

/**
 * The id a document source gets when the config gives none (DECISIONS 18): the file's stem
 * (`docs/textbook.pdf` -> `textbook`), or `undefined` for a glob (which must name its id).
 */
function documentStem(path: string): string | undefined {
  if (GLOB.test(path)) return undefined;
  const base = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = base.lastIndexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return stem || undefined;
}

/**
 * `input_documents[]` (§5.3). `id` may be omitted for a single file: it defaults to the file's
 * stem (DECISIONS 18; oumi requires it). An extension synth cannot read is a config error naming
 * the path, like a dataset's.
 */
export const DocumentSourceSchema = obj("DocumentSource", {
  path: nonEmptyStr("DocumentSource.path cannot be empty.").describe(
    "A .pdf .txt .md .html .docx file or a glob",
  ),
  id: opt(nonEmptyStr("DocumentSource.id cannot be empty.")).describe(
    "Key under which the full document text is stored; default: the file's stem",
  ),
  segmentation_params: opt(SegmentationParamsSchema),
  num_shots: numShots("DocumentSource"),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  const path = asStr(v.path);
  if (!path) return;
  if (!GLOB.test(path) && !DOCUMENT_EXTENSIONS.includes(extensionOf(path))) {
    report(
      ctx,
      ["path"],
      `Unsupported document file type: ${path} (supported: ${DOCUMENT_EXTENSIONS.join(" ")})`,
    );
  }
  if (v.id == null && documentStem(path) === undefined) {
    report(ctx, ["id"], `DocumentSource.id must be set when path is a glob (${path}).`);
  }
}, EVEN_IF_INVALID).transform((v) => ({ ...v, id: v.id ?? documentStem(v.path) ?? "" }));

/** A validated `input_examples[]` entry. */
export type ExampleSource = z.output<typeof ExampleSourceSchema>;
/** A validated `input_data[]` entry. */
export type DatasetSource = z.output<typeof DatasetSourceSchema>;
/** A validated `input_documents[]` entry. */
export type DocumentSource = z.output<typeof DocumentSourceSchema>;
/** Validated `segmentation_params` with defaults applied. */
export type SegmentationParams = z.output<typeof SegmentationParamsSchema>;
