/**
 * A minimal Protocol Buffers writer (wire format only), enough to serialise ONNX `ModelProto`
 * messages for the tiny test model (`scripts/make-tiny-onnx.ts`). Fields are written in the
 * order given; nested messages are length-delimited byte strings.
 *
 * Wire types: 0 varint (int32/int64/enum/bool), 2 length-delimited (string, bytes, message,
 * packed repeated), 5 fixed32 (float).
 *
 * @module
 */

const encoder = new TextEncoder();

/** Builds one message; `bytes()` returns its serialised form. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(chunk: Uint8Array): this {
    this.chunks.push(chunk);
    this.size += chunk.length;
    return this;
  }

  private tag(field: number, wireType: number): this {
    return this.push(varint(BigInt(field * 8 + wireType)));
  }

  /** A varint field (int32, int64, enum, bool); negative numbers use 10-byte two's complement. */
  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).push(varint(BigInt.asUintN(64, BigInt(value))));
  }

  /** A `float` field (fixed32, little-endian). */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, 5).push(b);
  }

  /** A `string` field (UTF-8). */
  string(field: number, value: string): this {
    return this.raw(field, encoder.encode(value));
  }

  /** A `bytes` field. */
  raw(field: number, value: Uint8Array): this {
    return this.tag(field, 2).push(varint(BigInt(value.length))).push(value);
  }

  /** A nested message. */
  message(field: number, value: ProtoWriter): this {
    return this.raw(field, value.toBytes());
  }

  /** A packed repeated varint field (`repeated int64 ... [packed]`). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const parts = values.map((v) => varint(BigInt.asUintN(64, BigInt(v))));
    return this.raw(field, concat(parts));
  }

  /** The serialised message. */
  toBytes(): Uint8Array {
    return concat(this.chunks, this.size);
  }
}

/** Base-128 varint of a non-negative 64-bit value. */
function varint(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

function concat(parts: Uint8Array[], size = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
