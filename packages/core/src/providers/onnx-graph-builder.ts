import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: its namespace arrives as a property of the default export under ESM.
const { onnx } = onnxProto;

/** An attribute value: numbers become INT (integers) or FLOAT, arrays of integers become INTS. */
export type AttributeValue = number | { float: number } | readonly number[];

/** Element types the graphs here use. */
export const DataType = {
  float: onnx.TensorProto.DataType.FLOAT,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
} as const;

/** One dimension of a graph input or output: a fixed size or a named dynamic one. */
export type Dimension = number | string;

/**
 * Collects nodes and initializers of one ONNX graph and serialises it. Every tensor is named by a
 * counter so callers never pick names; `node` returns the output name to chain on.
 */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private counter = 0;

  /** A fresh tensor name starting with `prefix`. */
  uniqueName(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  /** Declares a graph input. */
  addInput(name: string, elementType: number, shape: readonly Dimension[]): string {
    this.inputs.push(valueInfo(name, elementType, shape));
    return name;
  }

  /** Declares a graph output; `name` must be produced by some node. */
  addOutput(name: string, elementType: number, shape: readonly Dimension[]): void {
    this.outputs.push(valueInfo(name, elementType, shape));
  }

  /**
   * Adds a node with one output and returns that output's name.
   * @param inputs - Input tensor names; `''` marks an omitted optional input.
   * @param outputName - Forces the output name (for graph outputs).
   */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    outputName?: string,
  ): string {
    const output = outputName ?? this.uniqueName(opType);
    this.nodeWithOutputs(opType, inputs, [output], attributes);
    return output;
  }

  /** Adds a node with several named outputs. */
  nodeWithOutputs(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
  ): void {
    this.nodes.push({
      opType,
      name: this.uniqueName(`${opType}_node`),
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
  }

  /** Adds an initializer with raw little-endian bytes and returns its name. */
  initializer(prefix: string, elementType: number, dims: readonly number[], data: ArrayBufferView): string {
    const name = this.uniqueName(prefix);
    this.initializers.push({
      name,
      dataType: elementType,
      dims: [...dims],
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** An fp32 initializer. */
  floatTensor(prefix: string, dims: readonly number[], data: Float32Array): string {
    return this.initializer(prefix, DataType.float, dims, data);
  }

  /** A small shared int64 constant (shapes, axes); equal values reuse one initializer. */
  int64Constant(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    return this.cachedConstant(key, () =>
      this.initializer(
        'const_i64',
        DataType.int64,
        dims,
        BigInt64Array.from(values, (value) => BigInt(value)),
      ),
    );
  }

  /** A small shared fp32 constant; a scalar when `dims` is empty. */
  floatConstant(values: readonly number[], dims: readonly number[] = []): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    return this.cachedConstant(key, () => this.floatTensor('const_f32', dims, Float32Array.from(values)));
  }

  /** Serialises the graph as an ONNX model for the default domain at `opsetVersion`. */
  toModelBytes(options: { graphName: string; opsetVersion: number; producerName: string }): Uint8Array {
    const model: OnnxTypes.IModelProto = {
      // IR version 7 (ONNX 1.8) is read by every onnxruntime from 1.6 on, including the 1.14 that
      // @xenova/transformers bundles.
      irVersion: 7,
      producerName: options.producerName,
      opsetImport: [{ domain: '', version: options.opsetVersion }],
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }

  private cachedConstant(key: string, create: () => string): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      name = create();
      this.constants.set(key, name);
    }
    return name;
  }
}

function valueInfo(
  name: string,
  elementType: number,
  shape: readonly Dimension[],
): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elementType,
        shape: {
          dim: shape.map((dimension) =>
            typeof dimension === 'number' ? { dimValue: dimension } : { dimParam: dimension },
          ),
        },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integer values`);
    return { name, type: AttributeType.INT, i: value };
  }
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INTS, ints: [...value] };
}
