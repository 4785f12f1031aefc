/**
 * Writes the data files of `configs/inputs/mixed_inputs.yaml` into a folder (default
 * `configs/inputs/data`): a CSV with quotes and newlines, a two-sheet XLSX, a two-page PDF and two
 * DOCX files, one with a table (left out of the text). Usage: `bun tests/inputs/exampleData.ts [dir]`.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeDocx, makePdf, makeXlsx, para, put, table } from "./fixtures.ts";

/** Writes the files into `dir` (created). */
export async function writeExampleData(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  put(
    join(dir, "questions.csv"),
    'question,topic\n"What is a ""token""?",nlp\n"Why split documents\ninto segments?",data\n¿Qué es un prompt?,nlp\n',
  );
  put(
    join(dir, "styles.xlsx"),
    await makeXlsx({
      Formal: [["style_name", "audience"], ["formal", "engineers"]],
      Casual: [["style_name", "audience", "note"], ["casual", "students", "second sheet"]],
    }),
  );
  put(
    join(dir, "handbook.pdf"),
    makePdf([
      [
        "Synthetic data handbook",
        "Segments are windows of GPT-2 tokens.",
        "Each window overlaps the next.",
      ],
      ["Page two: few-shot pools draw rows", "without replacement for every record."],
    ]),
  );
  mkdirSync(join(dir, "notes", "2026"), { recursive: true });
  put(
    join(dir, "notes", "2026", "later.docx"),
    makeDocx(para("Later notes: keep segments short.")),
  );
  put(
    join(dir, "notes", "notes.docx"),
    makeDocx(
      para("Notes on synthesis") + table([["table text", "is excluded"]]) +
        para("Seeds make runs reproducible.") +
        para("Datasets keep their value types."),
    ),
  );
}

if (import.meta.main) {
  await writeExampleData(
    resolve(process.argv[2] ?? join(import.meta.dir, "..", "..", "configs", "inputs", "data")),
  );
}
