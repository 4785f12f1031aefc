/**
 * `.parquet` datasets (§5.2) through hyparquet (+ hyparquet-compressors: snappy, gzip, zstd,
 * brotli, lz4): the file is read through positioned reads, one row group at a time, so only the
 * footer and the current row group's pages are in memory next to the rows. Nested list and
 * struct columns become lists and maps; INT64 values become numbers when safe, else stay exact
 * as `bigint`; timestamps become ISO-8601 strings.
 *
 * @module
 */
import { open } from "node:fs/promises";
import type { AsyncBuffer } from "hyparquet";
import { inputError, reasonOf } from "../errors.ts";
import { collectAfter } from "../memory.ts";
import { type Row, rowFromArrays } from "../rows.ts";

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
 * Reads every row of a Parquet file.
 *
 * @throws {InputError} a file that is not Parquet or is truncated (bad footer), or a column
 *   that cannot be decoded (naming the row group).
 */
export async function readParquet(file: string, label: string): Promise<Row[]> {
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
    const columns = parquetSchema(metadata).children.map((c) => c.element.name);
    const rows: Row[] = [];
    // Decoding a row group leaves its pages and byte arrays behind: collect as they pile up.
    const consumed = collectAfter();
    let start = 0;
    for (let g = 0; g < metadata.row_groups.length; g++) {
      const count = Number(metadata.row_groups[g].num_rows);
      try {
        await parquetRead({
          file: buffer,
          metadata,
          compressors,
          rowStart: start,
          rowEnd: start + count,
          onComplete(data: unknown[][]) {
            for (const values of data) rows.push(rowFromArrays(columns, values));
          },
        });
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
      consumed(metadata.row_groups[g].columns.reduce(
        (sum, c) => sum + Number(c.meta_data?.total_uncompressed_size ?? 0),
        0,
      ));
    }
    return rows;
  } finally {
    await close();
  }
}
