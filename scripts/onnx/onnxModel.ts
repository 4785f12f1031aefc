/**
 * A small ONNX graph builder (IR version 8, default-domain opset 17) over {@link ProtoWriter}:
 * enough to describe a decoder-only transformer for tests. Field numbers follow `onnx.proto3`.
 *
 * @module
 */
import { ProtoWriter } from "./protobuf.ts";

/** ONNX `TensorProto.DataType` values used here. */
export const DType = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;

/** A dimension: a fixed size or a symbolic name (`batch_size`, `sequence_length`, ...). */
export type Dim = number | string;

/** A node attribute value. */
export type AttrValue =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { tensor: ProtoWriter };

/** Collects nodes, initializers, inputs and outputs; {@link toBytes} writes the `ModelProto`. */
export class OnnxGraph {
  private nodes: ProtoWriter[] = [];
  private initializers: ProtoWriter[] = [];
  private inputs: ProtoWriter[] = [];
  private outputs: ProtoWriter[] = [];
  private counter = 0;

  /** Declares a graph input. */
  input(name: string, dtype: number, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  /** Declares a graph output (produced by a node whose output has this name). */
  output(name: string, dtype: number, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, dtype, dims));
  }

  /** A float32 initializer (weights). */
  floats(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push(
      tensor(
        name,
        DType.FLOAT,
        dims,
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      ),
    );
    return name;
  }

  /** An int64 initializer (shapes, axes, constants). */
  int64s(name: string, dims: number[], values: number[]): string {
    const data = new BigInt64Array(values.map(BigInt));
    this.initializers.push(tensor(name, DType.INT64, dims, new Uint8Array(data.buffer)));
    return name;
  }

  /**
   * Adds a node; returns its output names (`outputs` names, or generated ones when a count is
   * given).
   */
  node(
    opType: string,
    inputs: string[],
    outputs: string[] | number = 1,
    attributes: Record<string, AttrValue> = {},
  ): string[] {
    const id = this.counter++;
    const outs = typeof outputs === "number"
      ? Array.from({ length: outputs }, (_, i) => `${opType}_${id}_out${i}`)
      : outputs;
    const w = new ProtoWriter();
    for (const name of inputs) w.string(1, name);
    for (const name of outs) w.string(2, name);
    w.string(3, `${opType}_${id}`).string(4, opType);
    for (const [name, value] of Object.entries(attributes)) w.message(5, attribute(name, value));
    this.nodes.push(w);
    return outs;
  }

  /** One-output shorthand of {@link node}. */
  op(opType: string, inputs: string[], attributes: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, 1, attributes)[0];
  }

  /** Serialises the `ModelProto`. */
  toBytes(graphName: string): Uint8Array {
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, graphName);
    for (const t of this.initializers) graph.message(5, t);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    const opset = new ProtoWriter().string(1, "").int(2, 17);
    return new ProtoWriter()
      .int(1, 8)
      .string(2, "synth make-tiny-onnx")
      .string(3, "1")
      .message(7, graph)
      .message(8, opset)
      .toBytes();
  }
}

function valueInfo(name: string, dtype: number, dims: Dim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = new ProtoWriter();
    if (typeof d === "number") dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, dtype).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, name).message(2, type);
}

/** A `TensorProto` with `raw_data` (little-endian). */
export function tensor(name: string, dtype: number, dims: number[], raw: Uint8Array): ProtoWriter {
  const w = new ProtoWriter();
  if (dims.length > 0) w.packedInts(1, dims);
  return w.int(2, dtype).string(8, name).raw(9, raw);
}

function attribute(name: string, value: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ("int" in value) return w.int(3, value.int).int(20, 2);
  if ("float" in value) return w.float(2, value.float).int(20, 1);
  if ("ints" in value) return w.packedInts(8, value.ints).int(20, 7);
  return w.message(5, value.tensor).int(20, 4);
}
