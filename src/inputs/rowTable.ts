/**
 * Compact row storage for datasets (issue 3: 1,000,000 rows within 3x the file size). A
 * {@link RowTable} holds rows column by column and builds a row object only when one is asked
 * for ({@link RowTable.get}), so a dataset costs its text as UTF-8 plus ~9-13 bytes per cell
 * instead of a JS object, two string headers and UTF-16 text per row.
 *
 * Per column, per row: a tag byte (string, number, null, true, false, other); numbers in a
 * `Float64Array`; strings as UTF-8 bytes in a byte heap shared by all columns (4 MiB blocks that
 * are never copied, so the heap does not double while it grows) with a position (`Float64Array`)
 * and a byte length (`Uint32Array`); anything else (bigint, lists, maps, strings with lone
 * surrogates that UTF-8 cannot carry) as the value itself in a plain array.
 *
 * Key order: each row has a *shape*, the list of its columns in its own key order (rows of CSV,
 * Parquet and XLSX share one; JSONL rows may differ or lack keys, as today's objects did). A row
 * built by `get` has exactly its shape's keys in that order, set with {@link setKey} so
 * `__proto__` and `constructor` stay plain fields. Values read back are equal to those stored
 * (same types; `-0`, `Infinity` and bigints exact), but strings are new on every `get`.
 *
 * @module
 */
import { setKey } from "../plan/setKey.ts";
import type { Row } from "./rows.ts";

const BLOCK_BYTES = 4 * 1024 * 1024;
const BLOCK_SPAN = 2 ** 32; // position = block * BLOCK_SPAN + offset

const enum Tag {
  Absent = 0,
  String = 1,
  Number = 2,
  Null = 3,
  True = 4,
  False = 5,
  Other = 6,
}

/** `String.prototype.isWellFormed` (ES2024; Bun has it, the ES2023 lib types do not). */
type WellFormed = { isWellFormed(): boolean };

/** UTF-8 bytes of every string cell of a table, in blocks that are appended, never moved. */
class ByteHeap {
  private blocks: Buffer[] = [];
  private used = 0;
  /** Byte length of the string {@link put} stored last. */
  bytes = 0;

  /**
   * Stores `text`; returns its position (its byte length is then in {@link bytes}), or -1 when
   * it is not UTF-8-safe (a lone surrogate would come back as U+FFFD).
   */
  put(text: string): number {
    let block = this.blocks[this.blocks.length - 1];
    // A UTF-16 unit takes at most 3 UTF-8 bytes; `Buffer.write` allocates nothing per call.
    if (!block || block.length - this.used < text.length * 3) {
      block = Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, text.length * 3));
      this.blocks.push(block);
      this.used = 0;
    }
    const written = block.write(text, this.used, "utf8");
    if (written !== text.length && !(text as unknown as WellFormed).isWellFormed()) return -1;
    const position = (this.blocks.length - 1) * BLOCK_SPAN + this.used;
    this.used += written;
    this.bytes = written;
    return position;
  }

  /** Stores UTF-8 `bytes` as they are (see {@link put}). */
  putBytes(bytes: Uint8Array): number {
    let block = this.blocks[this.blocks.length - 1];
    if (!block || block.length - this.used < bytes.length) {
      block = Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, bytes.length));
      this.blocks.push(block);
      this.used = 0;
    }
    block.set(bytes, this.used);
    const position = (this.blocks.length - 1) * BLOCK_SPAN + this.used;
    this.used += bytes.length;
    this.bytes = bytes.length;
    return position;
  }

  get(position: number, bytes: number): string {
    const block = this.blocks[Math.floor(position / BLOCK_SPAN)];
    const start = position % BLOCK_SPAN;
    return block.toString("utf8", start, start + bytes);
  }
}

/** One column's cells (see the module doc). */
class Column {
  tags: Uint8Array;
  numbers: Float64Array; // the number, or the string's heap position
  sizes?: Uint32Array; // the string's byte length, or the index into `others`
  others: unknown[] = [];

  constructor(capacity: number) {
    this.tags = new Uint8Array(capacity);
    this.numbers = new Float64Array(capacity);
  }

  grow(capacity: number): void {
    if (capacity <= this.tags.length) return;
    const tags = new Uint8Array(capacity);
    tags.set(this.tags);
    this.tags = tags;
    const numbers = new Float64Array(capacity);
    numbers.set(this.numbers);
    this.numbers = numbers;
    if (this.sizes) {
      const sizes = new Uint32Array(capacity);
      sizes.set(this.sizes);
      this.sizes = sizes;
    }
  }

  private sized(): Uint32Array {
    return this.sizes ??= new Uint32Array(this.tags.length);
  }

  set(row: number, value: unknown, heap: ByteHeap): void {
    switch (typeof value) {
      case "string": {
        const position = heap.put(value);
        if (position < 0) break;
        this.tags[row] = Tag.String;
        this.numbers[row] = position;
        this.sized()[row] = heap.bytes;
        return;
      }
      case "number":
        this.tags[row] = Tag.Number;
        this.numbers[row] = value;
        return;
      case "boolean":
        this.tags[row] = value ? Tag.True : Tag.False;
        return;
      case "object":
        if (value === null) {
          this.tags[row] = Tag.Null;
          return;
        }
    }
    this.tags[row] = Tag.Other;
    this.sized()[row] = this.others.length;
    this.others.push(value);
  }

  setUtf8(row: number, bytes: Uint8Array, heap: ByteHeap): void {
    this.tags[row] = Tag.String;
    this.numbers[row] = heap.putBytes(bytes);
    this.sized()[row] = heap.bytes;
  }

  get(row: number, heap: ByteHeap): unknown {
    switch (this.tags[row]) {
      case Tag.String:
        return heap.get(this.numbers[row], this.sizes![row]);
      case Tag.Number:
        return this.numbers[row];
      case Tag.Null:
        return null;
      case Tag.True:
        return true;
      case Tag.False:
        return false;
      case Tag.Other:
        return this.others[this.sizes![row]];
      default: // a cell of the row's shape that no reader filled (a value a file lacks)
        return null;
    }
  }
}

/**
 * Dataset rows stored by column (see the module doc). Readers append rows ({@link addRows},
 * {@link appendObject}) and fill cells ({@link set}); consumers read `length` and
 * {@link get}. Several files of one source append to the same table.
 */
export class RowTable {
  private names: string[] = [];
  private index = new Map<string, number>();
  private cols: Column[] = [];
  private heap = new ByteHeap();
  private capacity = 0;
  private count = 0;
  /** Column lists of the row shapes; shape 0 is the first one made. */
  private shapes: number[][] = [];
  private shapeIds = new Map<string, number>();
  /** Shape id per row, made when a second shape appears (all rows have shape 0 until then). */
  private rowShapes?: Uint32Array;
  /** The keys of the last {@link appendObject} row and their columns (rows mostly repeat them). */
  private lastKeys: string[] = [];
  private lastColumns: number[] = [];

  /** Number of rows. */
  get length(): number {
    return this.count;
  }

  /** Column names in first-seen order (a row may lack some: see {@link get}). */
  get columns(): readonly string[] {
    return this.names;
  }

  /** Index of column `name`, added (with no cells) when new. */
  column(name: string): number {
    let c = this.index.get(name);
    if (c === undefined) {
      c = this.names.length;
      this.names.push(name);
      this.index.set(name, c);
      this.cols.push(new Column(this.capacity));
    }
    return c;
  }

  /** Makes room for `rows` rows in all, so big readers do not grow the columns step by step. */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    for (const col of this.cols) col.grow(rows);
  }

  /**
   * Appends `count` rows whose keys are `columns` (indices from {@link column}) in this order;
   * their cells are then filled with {@link set}. Returns the first new row's index.
   */
  addRows(count: number, columns: readonly number[]): number {
    const shape = this.shapeOf(columns);
    const first = this.count;
    if (first + count > this.capacity) {
      this.reserve(Math.max(first + count, Math.ceil(this.capacity * 1.5), 1024));
    }
    if (shape !== 0 && !this.rowShapes) this.rowShapes = new Uint32Array(this.capacity);
    if (this.rowShapes) {
      if (this.rowShapes.length < this.capacity) {
        const grown = new Uint32Array(this.capacity);
        grown.set(this.rowShapes);
        this.rowShapes = grown;
      }
      this.rowShapes.fill(shape, first, first + count);
    }
    this.count += count;
    return first;
  }

  /** Stores `value` as cell (`row`, `column`); the column must be one of the row's keys. */
  set(row: number, column: number, value: unknown): void {
    const col = this.cols[column];
    col.grow(this.capacity);
    col.set(row, value, this.heap);
  }

  /**
   * Stores the string whose UTF-8 encoding is `bytes` as cell (`row`, `column`), copying the
   * bytes (no JS string is made). `bytes` must be valid UTF-8; a leading BOM is kept.
   */
  setUtf8(row: number, column: number, bytes: Uint8Array): void {
    const col = this.cols[column];
    col.grow(this.capacity);
    col.setUtf8(row, bytes, this.heap);
  }

  /** Appends one row object as it is: its keys in its order, values unchanged. */
  appendObject(object: Row): void {
    const keys = Object.keys(object);
    let columns = this.lastColumns;
    if (!sameKeys(keys, this.lastKeys)) {
      columns = this.lastColumns = keys.map((key) => this.column(key));
      this.lastKeys = keys;
    }
    const row = this.addRows(1, columns);
    for (let k = 0; k < keys.length; k++) this.set(row, columns[k], object[keys[k]]);
  }

  /** Cell (`row`, `column`) as stored (`null` when never set; see {@link keysOf}). */
  cell(row: number, column: number): unknown {
    return this.cols[column].get(row, this.heap);
  }

  /** Column indices of row `i`, in its key order. */
  keysOf(i: number): readonly number[] {
    return this.shapes[this.rowShapes ? this.rowShapes[i] : 0] ?? [];
  }

  /** A fresh plain object for row `i` (0 <= i < length): its keys in order, values as stored. */
  get(i: number): Row {
    const row: Row = {};
    for (const c of this.keysOf(i)) setKey(row, this.names[c], this.cols[c].get(i, this.heap));
    return row;
  }

  /** Every row as an object (tests and small tables). */
  toArray(): Row[] {
    return Array.from({ length: this.count }, (_, i) => this.get(i));
  }

  /**
   * Replaces every cell of column `column` in rows `from` to `to` (exclusive) that the row has by
   * `map(value)` (CSV type inference).
   */
  mapColumn(column: number, from: number, to: number, map: (value: unknown) => unknown): void {
    const col = this.cols[column];
    for (let r = from; r < to; r++) {
      if (col.tags[r] !== Tag.Absent) col.set(r, map(col.get(r, this.heap)), this.heap);
    }
  }

  /**
   * A table of the same rows with only the `[from, to]` column pairs, renamed, in this order
   * (`attribute_map`, §5.2); cells are shared, not copied. Returns the first row (index) that
   * lacks a `from` column instead when there is one.
   */
  select(
    pairs: readonly (readonly [string, string])[],
  ): RowTable | { missing: string; row: number } {
    // Rows of one shape pass or fail together: check the shapes, then find the first row.
    for (let r = 0; r < this.count; r++) {
      const keys = this.keysOf(r);
      const lacking = pairs.find(([from]) => !keys.includes(this.index.get(from) ?? -1));
      if (lacking) return { missing: lacking[0], row: r };
      if (!this.rowShapes) break;
      const shape = this.rowShapes[r];
      while (r + 1 < this.count && this.rowShapes[r + 1] === shape) r++;
    }
    const out = new RowTable();
    out.heap = this.heap;
    out.count = out.capacity = this.count;
    const columns = pairs.map(([from, to]) => {
      let c = out.index.get(to);
      if (c === undefined) {
        c = out.names.length;
        out.names.push(to);
        out.index.set(to, c);
      }
      // A repeated target keeps its first position and takes the later value, like setKey.
      out.cols[c] = this.cols[this.index.get(from)!];
      return c;
    });
    out.shapeOf(columns);
    return out;
  }

  private shapeOf(columns: readonly number[]): number {
    const last = this.shapes.length - 1;
    const head = this.shapes[0];
    if (head && sameList(head, columns)) return 0;
    if (last > 0 && sameList(this.shapes[last], columns)) return last;
    const key = columns.join(",");
    let id = this.shapeIds.get(key);
    if (id === undefined) {
      id = this.shapes.length;
      this.shapes.push([...columns]);
      this.shapeIds.set(key, id);
    }
    return id;
  }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
