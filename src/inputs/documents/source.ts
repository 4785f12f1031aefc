/**
 * `input_documents` entries (§5.3) read into planner sources: files (path or glob with `**`,
 * sorted; unsupported extensions in a glob are skipped with a warning), each read by its
 * format, empty documents dropped, then either one record per document (`{id: text}`) or one
 * per segment (`{segment_id: text}` plus `{id: text}` with `keep_original_text`).
 *
 * @module
 */
import { InputError } from "../../errors.ts";
import type { PlannerSource } from "../../plan/planner.ts";
import { setKey } from "../../plan/setKey.ts";
import type { SourceReport } from "../datasets/source.ts";
import type { Env } from "../hfCache.ts";
import { extensionOf, isGlob, type PathBases, resolveInputFiles } from "../paths.ts";
import type { Row } from "../rows.ts";
import { segmentText } from "../segment.ts";
import { loadTokenizer } from "../tokenizers/load.ts";
import { readDocxDocument } from "./docx.ts";
import { readPdfDocument } from "./pdf.ts";
import { readTextDocument } from "./text.ts";

/** An `input_documents` entry as configured. */
export interface DocumentSourceSpec {
  path: string;
  id: string;
  num_shots?: number | null;
  segmentation_params?: {
    id: string;
    segmentation_strategy?: string;
    tokenizer?: string;
    segment_length?: number;
    segment_overlap?: number;
    keep_original_text?: boolean;
  } | null;
}

/** Readers by extension. */
export const DOCUMENT_READERS: Record<string, (file: string, label: string) => Promise<string>> = {
  ".pdf": readPdfDocument,
  ".docx": readDocxDocument,
  ".txt": readTextDocument,
  ".md": readTextDocument,
  ".html": readTextDocument,
};

/** Reads one document with the reader of its extension. @throws {InputError} */
export function readDocument(file: string, label = file): Promise<string> {
  const ext = extensionOf(file);
  const reader = DOCUMENT_READERS[ext];
  if (!reader) throw new InputError(`Unsupported document format: ${ext || "(none)"} (${label})`);
  return reader(file, label);
}

/**
 * Reads one `input_documents` entry.
 *
 * @throws {InputError} missing file, empty glob, unreadable document, an unknown tokenizer,
 *   "No non-empty documents were found in the document source, please check the document
 *   source.", "Document segmentation returned only empty segments."
 */
export async function readDocumentSource(
  spec: DocumentSourceSpec,
  where: PathBases & { env: Env; warn?: (message: string) => void },
): Promise<{ source: PlannerSource; report: SourceReport }> {
  if (!isGlob(spec.path) && !DOCUMENT_READERS[extensionOf(spec.path)]) {
    throw new InputError(`Unsupported document format: ${extensionOf(spec.path) || "(none)"}`);
  }
  let files = await resolveInputFiles(spec.path, where, "document");
  const skipped = files.filter((f) => !DOCUMENT_READERS[extensionOf(f)]);
  if (skipped.length > 0) {
    where.warn?.(
      `input_documents "${spec.path}": skipping ${skipped.length} file(s) of unsupported format: ${
        skipped.slice(0, 5).join(", ")
      }${skipped.length > 5 ? ", ..." : ""}`,
    );
    files = files.filter((f) => DOCUMENT_READERS[extensionOf(f)]);
  }
  const texts: string[] = [];
  for (const file of files) {
    const text = await readDocument(file, isGlob(spec.path) ? file : spec.path);
    if (text.trim() !== "") texts.push(text);
  }
  if (texts.length === 0) {
    throw new InputError(
      "No non-empty documents were found in the document source, please check the document source.",
    );
  }
  const seg = spec.segmentation_params;
  const rows: Row[] = [];
  if (!seg) {
    for (const text of texts) {
      const row: Row = {};
      setKey(row, spec.id, text);
      rows.push(row);
    }
  } else {
    if ((seg.segmentation_strategy ?? "TOKENS").toUpperCase() !== "TOKENS") {
      throw new InputError(`Unsupported segmentation strategy: ${seg.segmentation_strategy}`);
    }
    const baseDirs = [where.cwd, ...(where.configDir ? [where.configDir] : [])];
    const tokenizer = await loadTokenizer(
      seg.tokenizer ?? "openai-community/gpt2",
      baseDirs,
      where.env,
    );
    for (const text of texts) {
      const segments = segmentText(text, tokenizer, {
        segment_length: seg.segment_length ?? 2048,
        segment_overlap: seg.segment_overlap ?? 0,
      });
      for (const segment of segments) {
        const row: Row = {};
        setKey(row, seg.id, segment);
        if (seg.keep_original_text) setKey(row, spec.id, text);
        rows.push(row);
      }
    }
  }
  const dynamic = (spec.num_shots ?? 0) > 1;
  return {
    source: {
      kind: "documents",
      id: spec.id,
      num_shots: spec.num_shots ?? undefined,
      rows,
      path: spec.path,
    },
    report: {
      kind: "documents",
      path: spec.path,
      files,
      rows: rows.length,
      documents: texts.length,
      ...(seg ? { segments: rows.length } : {}),
      attributes: dynamic ? [spec.id] : Object.keys(rows[0]),
    },
  };
}
