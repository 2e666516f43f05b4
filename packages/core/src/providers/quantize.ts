import { matrixShape, transpose, type WeightEncoding } from './bert-onnx-graph.js';
import { DataType, type OnnxGraphBuilder } from './onnx-graph-builder.js';
import type { Float32Tensor } from './safetensors.js';

/** Largest int8 magnitude used: symmetric [-127, 127] keeps zero exact and the range balanced. */
const INT8_LIMIT = 127;

/** Symmetric int8 values with one scale per group (a column or a row). */
export interface Int8Quantized {
  readonly values: Int8Array;
  readonly scales: Float32Array;
}

/**
 * Quantises each column of a row-major `[rows, columns]` matrix to int8 with its own scale
 * (`value ≈ q * scale[column]`). One scale per output column costs nothing at run time (it folds into
 * the final Mul) and keeps small columns from losing their precision to the largest one.
 */
export function quantizeColumns(data: Float32Array, rows: number, columns: number): Int8Quantized {
  const scales = new Float32Array(columns);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const magnitude = Math.abs(data[row * columns + column]!);
      if (magnitude > scales[column]!) scales[column] = magnitude;
    }
  }
  for (let column = 0; column < columns; column++) scales[column] = scales[column]! / INT8_LIMIT || 1;
  const values = new Int8Array(data.length);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const index = row * columns + column;
      values[index] = Math.round(data[index]! / scales[column]!);
    }
  }
  return { values, scales };
}

/** Quantises each row of a row-major `[rows, columns]` matrix to int8 with its own scale. */
export function quantizeRows(data: Float32Array, rows: number, columns: number): Int8Quantized {
  const scales = new Float32Array(rows);
  const values = new Int8Array(data.length);
  for (let row = 0; row < rows; row++) {
    let magnitude = 0;
    for (let column = 0; column < columns; column++)
      magnitude = Math.max(magnitude, Math.abs(data[row * columns + column]!));
    const scale = magnitude / INT8_LIMIT || 1;
    scales[row] = scale;
    for (let column = 0; column < columns; column++) {
      values[row * columns + column] = Math.round(data[row * columns + column]! / scale);
    }
  }
  return { values, scales };
}

/**
 * The int8 encoding, in the spirit of onnxruntime's `quantize_dynamic` (int8 weights, activations
 * quantised at run time, integer MatMul, scale back to fp32) but with one activation scale per token:
 *
 * - linear layers: weights int8 per output column. Each token's activation row is scaled by its own
 *   max |x| / 127 and stored as uint8 around a fixed zero point of 128, so `MatMulInteger` (u8 × s8,
 *   onnxruntime's fast path) takes a scalar zero point; the int32 product is scaled back by
 *   `row scale × column scale` and the fp32 bias added.
 * - the word embedding table (two thirds of MiniLM's weights): int8 per row, dequantised after Gather
 *   by the gathered row scales.
 *
 * LayerNorm, position and token type embeddings stay fp32: they are small and precision-sensitive.
 *
 * Why per token rather than `DynamicQuantizeLinear`'s one scale per tensor (measured on 64 mixed
 * sentences against the fp32 model, onnxruntime-node 1.14, 2 cores): per tensor, one long text with
 * large activations in the batch coarsens every other row, so a text's vector depended on its batch
 * (cosine 0.957 between "ok" alone and "ok" batched with longer texts) and short texts lost most
 * (cosine to fp32 mean 0.992, min 0.969). Per token: batch-independent (cosine 1.0000), mean 0.997,
 * min 0.981, at about 13% less throughput (193 vs 223 sentences/s, best of 8 runs).
 */
export const int8Weights: WeightEncoding = {
  name: 'int8',
  linear(graph, input, weight, bias) {
    const [rows, columns] = matrixShape(weight);
    // PyTorch stores [out, in]; MatMul wants [in, out], so columns of the transposed matrix are outputs.
    const quantized = quantizeColumns(transpose(weight.data, rows, columns), columns, rows);
    const weightName = graph.initializer('weight_int8', DataType.int8, [columns, rows], quantized.values);
    const weightScale = graph.floatTensor('weight_scale', [rows], quantized.scales);

    // [batch, seq, 1]; the floor keeps an all-zero row from dividing by zero.
    const maxMagnitude = graph.node('ReduceMax', [graph.node('Abs', [input])], { axes: [-1] });
    const rowScale = graph.node('Max', [
      graph.node('Div', [maxMagnitude, graph.floatConstant([INT8_LIMIT])]),
      graph.floatConstant([1e-12]),
    ]);
    // x / scale lies in [-127, 127]; + 128.5 then Cast (which truncates) rounds it onto [1, 255]
    // around the zero point 128. With a Round node instead, onnxruntime 1.14 ran the model 15-65% slower.
    const scaled = graph.node('Mul', [input, graph.node('Reciprocal', [rowScale])]);
    const activation = graph.node('Cast', [graph.node('Add', [scaled, graph.floatConstant([128.5])])], {
      to: DataType.uint8,
    });
    const zeroPoint = graph.initializer('activation_zero_point', DataType.uint8, [], Uint8Array.of(128));
    // B's zero point is omitted: the weights are symmetric, so it is 0.
    const product = graph.node('Cast', [graph.node('MatMulInteger', [activation, weightName, zeroPoint])], {
      to: DataType.float,
    });
    const dequantized = graph.node('Mul', [graph.node('Mul', [product, rowScale]), weightScale]);
    return graph.node('Add', [dequantized, graph.floatTensor('bias', bias.shape, bias.data)]);
  },
  embedding: int8Embedding,
};

/** Word embedding lookup from an int8 table with one scale per row. */
function int8Embedding(graph: OnnxGraphBuilder, table: Float32Tensor, ids: string): string {
  const [rows, columns] = matrixShape(table);
  const quantized = quantizeRows(table.data, rows, columns);
  const values = graph.initializer('embedding_int8', DataType.int8, [rows, columns], quantized.values);
  // Scales as [rows, 1] so the gathered [batch, seq, 1] broadcasts over the hidden dimension.
  const scales = graph.floatTensor('embedding_scale', [rows, 1], quantized.scales);
  const gathered = graph.node('Cast', [graph.node('Gather', [values, ids], { axis: 0 })], {
    to: DataType.float,
  });
  return graph.node('Mul', [gathered, graph.node('Gather', [scales, ids], { axis: 0 })]);
}
