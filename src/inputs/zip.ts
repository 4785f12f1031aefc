/**
 * Safe access to zip containers (DOCX, XLSX): the central directory is read first and an archive
 * whose entries declare more than {@link MAX_UNZIPPED_BYTES} in total is refused before anything
 * is inflated (zip bombs). Only the named entries are ever inflated; nothing outside the
 * archive is read (DOCX external relationships are never followed).
 *
 * @module
 */
import { unzipSync } from "fflate";

/** Largest total uncompressed size accepted for one archive: 1 GiB. */
export const MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024;

/** One entry of the central directory. */
export interface ZipEntryInfo {
  name: string;
  /** Compressed bytes. */
  size: number;
  /** Declared uncompressed bytes. */
  originalSize: number;
}

/** Thrown for data that is not a readable zip archive or is too large once inflated. */
export class ZipError extends Error {
  override name = "ZipError";
}

/** True when `bytes` starts like a zip archive (`PK\x03\x04`, or an empty archive). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/**
 * Lists the archive's entries without inflating any and checks the declared total size.
 *
 * @throws {ZipError} "not a zip archive", a damaged central directory, or a declared size
 *   over `maxBytes`.
 */
export function checkZip(bytes: Uint8Array, maxBytes = MAX_UNZIPPED_BYTES): ZipEntryInfo[] {
  if (!looksLikeZip(bytes)) throw new ZipError("not a zip archive");
  const entries: ZipEntryInfo[] = [];
  try {
    unzipSync(bytes, {
      filter(file) {
        entries.push({ name: file.name, size: file.size, originalSize: file.originalSize });
        return false;
      },
    });
  } catch (error) {
    throw new ZipError(`damaged zip archive (${(error as Error).message})`);
  }
  const total = entries.reduce((sum, e) => sum + e.originalSize, 0);
  if (total > maxBytes) {
    throw new ZipError(
      `refusing to unpack: its entries declare ${(total / 2 ** 20).toFixed(0)} MiB uncompressed ` +
        `(limit ${(maxBytes / 2 ** 20).toFixed(0)} MiB), which looks like a zip bomb`,
    );
  }
  return entries;
}

/**
 * Inflates the entries whose names pass `wanted` (after {@link checkZip}); an entry that
 * inflates to more than it declared is refused.
 *
 * @throws {ZipError} as {@link checkZip}, or when an entry cannot be inflated.
 */
export function readZipEntries(
  bytes: Uint8Array,
  wanted: (name: string) => boolean,
  maxBytes = MAX_UNZIPPED_BYTES,
): Map<string, Uint8Array> {
  const declared = new Map(checkZip(bytes, maxBytes).map((e) => [e.name, e.originalSize]));
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (file) => wanted(file.name) });
  } catch (error) {
    throw new ZipError(`damaged zip archive (${(error as Error).message})`);
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    if (data.length > (declared.get(name) ?? 0)) {
      throw new ZipError(`entry ${name} inflates to more than its declared size`);
    }
    out.set(name, data);
  }
  return out;
}
