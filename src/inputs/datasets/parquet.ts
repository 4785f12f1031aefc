/**
 * `.parquet` datasets (§5.2) through hyparquet (+ hyparquet-compressors: snappy, gzip, zstd,
 * brotli, lz4): the file is read through positioned reads, one row group at a time, so only the
 * footer and the current row group's pages are in memory next to the rows. Nested list and
 * struct columns become lists and maps; INT64 values become numbers when safe, else stay exact
 * as `bigint`; timestamps become ISO-8601 strings.
 *
 * @module
 */
import { isUtf8 } from "node:buffer";
import { open } from "node:fs/promises";
import type { AsyncBuffer } from "hyparquet";
import { inputError, reasonOf } from "../errors.ts";
import { collectAfter } from "../memory.ts";
import { normalizeValue } from "../rows.ts";
import { RowTable } from "../rowTable.ts";

/**
 * For top-level text columns: hyparquet hands over each value's bytes (a view into the page)
 * instead of a decoded string, and valid UTF-8 is copied straight into the table's byte heap.
 */
const KEEP_BYTES = { stringFromBytes: (bytes: Uint8Array) => bytes as unknown as string };

const utf8 = new TextDecoder();

/** Decoded column-chunk bytes between collections (smaller than the line readers' 32 MiB). */
const PARQUET_COLLECT_EVERY_BYTES = 8 * 1024 * 1024;

async function fileBuffer(file: string): Promise<{ buffer: AsyncBuffer; close(): Promise<void> }> {
  const handle = await open(file, "r");
  const { size } = await handle.stat();
  return {
    buffer: {
      byteLength: size,
      async slice(start: number, end = size) {
        const bytes = new Uint8Array(Math.max(0, end - start));
        let done = 0;
        while (done < bytes.length) {
          const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return bytes.buffer;
      },
    },
    close: () => handle.close(),
  };
}

/**
 * Reads every row of a Parquet file into `into` (a new table when absent), column chunk by
 * column chunk: decoded values go straight into the table's column stores.
 *
 * @throws {InputError} a file that is not Parquet or is truncated (bad footer), or a column
 *   that cannot be decoded (naming the row group).
 */
export async function readParquet(
  file: string,
  label: string,
  into = new RowTable(),
): Promise<RowTable> {
  const { parquetMetadataAsync, parquetRead, parquetSchema } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  const { buffer, close } = await fileBuffer(file);
  try {
    let metadata;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (error) {
      throw inputError(
        "dataset",
        label,
        `not a readable Parquet file (${reasonOf(error)}); is it truncated?`,
        error,
      );
    }
    const schema = parquetSchema(metadata).children;
    const names = schema.map((c) => c.element.name);
    // Top-level BYTE_ARRAY leaves whose values become strings (not JSON, UUID, ... columns).
    const textual = schema.map(({ children, element }) =>
      children.length === 0 && element.type === "BYTE_ARRAY" &&
      (element.converted_type === undefined || element.converted_type === "UTF8") &&
      (element.logical_type === undefined || element.logical_type.type === "STRING")
    );
    const columns = names.map((name) => into.column(name));
    into.reserve(into.length + Number(metadata.num_rows));
    const consumed = collectAfter(PARQUET_COLLECT_EVERY_BYTES);
    let start = 0;
    for (let g = 0; g < metadata.row_groups.length; g++) {
      const count = Number(metadata.row_groups[g].num_rows);
      try {
        // One column chunk at a time, so only its pages are decoded at once; its values go
        // into the table and the decoded arrays become garbage. A collection after every few
        // MiB of decoded pages keeps the peak near the table's size (scripts/bench/readRows.ts).
        const first = into.addRows(count, columns);
        for (let c = 0; c < columns.length; c++) {
          await parquetRead({
            file: buffer,
            metadata,
            compressors,
            columns: [names[c]],
            rowStart: start,
            rowEnd: start + count,
            parsers: textual[c] ? KEEP_BYTES : undefined,
            onChunk(chunk) {
              const data = chunk.columnData as ArrayLike<unknown>;
              const from = chunk.rowStart - start;
              for (let i = 0; i < data.length; i++) {
                if (from + i < 0 || from + i >= count) continue;
                const value = data[i];
                if (value instanceof Uint8Array) {
                  // As hyparquet's own decoding: a leading BOM dropped, bad bytes as U+FFFD.
                  if (isUtf8(value) && !startsWithBom(value)) {
                    into.setUtf8(first + from + i, columns[c], value);
                  } else into.set(first + from + i, columns[c], utf8.decode(value));
                } else into.set(first + from + i, columns[c], normalizeValue(value));
              }
            },
          });
          consumed(chunkBytes(metadata.row_groups[g].columns, names[c]));
        }
      } catch (error) {
        throw inputError(
          "dataset",
          label,
          `row group ${g} (rows ${start + 1}-${start + count}) cannot be decoded (${
            reasonOf(error)
          })`,
          error,
        );
      }
      start += count;
    }
    return into;
  } finally {
    await close();
  }
}

/** Uncompressed bytes of the column chunks of top-level column `name` (several when nested). */
function chunkBytes(
  chunks: readonly { meta_data?: { path_in_schema: string[]; total_uncompressed_size: bigint } }[],
  name: string,
): number {
  let total = 0;
  for (const chunk of chunks) {
    if (chunk.meta_data?.path_in_schema[0] === name) {
      total += Number(chunk.meta_data.total_uncompressed_size);
    }
  }
  return total;
}

function startsWithBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}
