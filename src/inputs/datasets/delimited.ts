/**
 * `.csv` (comma) and `.tsv` (tab) datasets (§5.2), streamed through papaparse: the first row is
 * the header (pandas-style unique names), quotes, embedded newlines and a BOM are handled.
 *
 * Values: an empty cell is `""` (never NaN or null); a column whose non-empty cells are all
 * plain integers (`-12`, not `012`) becomes numbers, and one whose cells are all decimal numbers
 * becomes floats — like pandas' inference, minus the NaN. Integers beyond 2^53 stay exact
 * (`bigint`). Every other column keeps its text. A row with more cells than the header is an
 * error (pandas: "Expected N fields"); a shorter row is padded with `""`.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { isAscii } from "node:buffer";
import { Readable } from "node:stream";
import Papa from "papaparse";
import { inputError } from "../errors.ts";
import { collectAfter } from "../memory.ts";
import { uniqueColumns } from "../rows.ts";
import { RowTable } from "../rowTable.ts";

const INT = /^[-+]?(0|[1-9]\d*)$/;
const FLOAT = /^[-+]?((0|[1-9]\d*)(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|infinity)$/i;

/**
 * Reads a delimited file into `into` (a new table when absent). `delimiter` is `","` or `"\t"`.
 * Column types are inferred over this file's rows alone.
 *
 * @throws {InputError} a row with too many cells or an unclosed quote, naming the row (1-based,
 *   the header is row 1), or an empty file.
 */
export function readDelimited(
  file: string,
  label: string,
  delimiter: string,
  into = new RowTable(),
): Promise<RowTable> {
  return new Promise((resolvePromise, reject) => {
    let header: string[] | undefined;
    let columns: number[] = [];
    let kinds: ColumnKind[] = [];
    const first = into.length;
    let rowNo = 0;
    let failed = false;
    const stream = Readable.from(narrowText(file, collectAfter()), { objectMode: true });
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      stream.destroy();
      reject(error);
    };
    Papa.parse(stream as unknown as File, {
      delimiter,
      header: false,
      skipEmptyLines: true,
      dynamicTyping: false,
      step(result, parser) {
        if (failed) return;
        rowNo++;
        const bad = result.errors.find((e) => e.type === "Quotes");
        if (bad) {
          fail(inputError("dataset", label, `row ${rowNo}: ${bad.message.toLowerCase()}`));
          parser.abort();
          return;
        }
        const cells = result.data as string[];
        if (!header) {
          header = uniqueColumns(cells.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, "") : c)));
          columns = header.map((name) => into.column(name));
          kinds = header.map(() => ({ ints: true, floats: true, any: false }));
          return;
        }
        if (cells.length > header.length) {
          fail(
            inputError(
              "dataset",
              label,
              `row ${rowNo} has ${cells.length} cells but the header has ${header.length}`,
            ),
          );
          parser.abort();
          return;
        }
        const row = into.addRows(1, columns);
        for (let c = 0; c < header.length; c++) {
          const cell = cells[c] ?? "";
          into.set(row, columns[c], cell);
          if (cell !== "" && kinds[c].floats) observe(kinds[c], cell);
        }
      },
      complete() {
        if (failed) return;
        if (!header) {
          fail(inputError("dataset", label, "the file is empty (no header row)"));
          return;
        }
        for (let c = 0; c < header.length; c++) {
          const { ints, floats, any } = kinds[c];
          if (!any || !floats) continue;
          const convert = ints ? toInteger : toFloat;
          into.mapColumn(
            columns[c],
            first,
            into.length,
            (cell) => cell === "" ? "" : convert(cell as string),
          );
        }
        resolvePromise(into);
      },
      error(error) {
        fail(inputError("dataset", label, (error as Error).message));
      },
    });
    stream.on("error", (error) => fail(inputError("dataset", label, error.message)));
  });
}

/**
 * The file's text in blocks of whole lines where runs of ASCII lines are decoded apart from
 * lines holding other characters: the cells cut from an ASCII block are one-byte-per-character
 * strings (a block decoded with one non-ASCII character in it would make all of them two bytes
 * wide). `consumed` is told the bytes read.
 */
async function* narrowText(
  file: string,
  consumed: (bytes: number) => void,
): AsyncGenerator<string> {
  let rest: Buffer | undefined;
  for await (const data of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const chunk = rest ? Buffer.concat([rest, data as Buffer]) : (data as Buffer);
    consumed(chunk.length);
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      rest = chunk;
      continue;
    }
    let runStart = 0;
    if (!isAscii(chunk.subarray(0, last + 1))) {
      for (let start = 0; start <= last;) {
        const nl = chunk.indexOf(10, start);
        if (!isAscii(chunk.subarray(start, nl))) {
          if (start > runStart) yield chunk.toString("latin1", runStart, start);
          yield chunk.toString("utf8", start, nl + 1);
          runStart = nl + 1;
        }
        start = nl + 1;
      }
    }
    if (last + 1 > runStart) yield chunk.toString("latin1", runStart, last + 1);
    rest = last + 1 < chunk.length ? chunk.subarray(last + 1) : undefined;
  }
  if (rest) yield rest.toString("utf8");
}

/** What a column's non-empty cells so far allow it to become (see the module doc). */
interface ColumnKind {
  ints: boolean;
  floats: boolean;
  any: boolean;
}

/** Narrows `kind` by one non-empty cell. */
function observe(kind: ColumnKind, cell: string): void {
  kind.any = true;
  if (kind.ints && !INT.test(cell)) kind.ints = false;
  if (!kind.ints && !FLOAT.test(cell)) kind.floats = false;
}

function toInteger(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function toFloat(text: string): number {
  const lower = text.toLowerCase().replace(/^\+/, "");
  if (lower === "inf" || lower === "infinity") return Infinity;
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  return Number(text);
}
