import { DataType, OnnxGraphBuilder } from './onnx-graph-builder.js';
import type { Float32Tensor } from './safetensors.js';

/** The parts of a Hugging Face BERT `config.json` the graph needs. */
export interface BertConfig {
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  readonly layerNormEps: number;
}

/**
 * Reads a Hugging Face `config.json` of a BERT model.
 * @throws Error when a field is missing or the model is not a plain BERT with erf GELU.
 */
export function parseBertConfig(json: unknown): BertConfig {
  const config = (json ?? {}) as Record<string, unknown>;
  const integer = (key: string): number => {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new Error(`config.json: ${key} must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  if (config.model_type !== 'bert')
    throw new Error(`config.json: model_type ${String(config.model_type)} is not bert`);
  if (config.hidden_act !== 'gelu')
    throw new Error(`config.json: hidden_act ${String(config.hidden_act)} is not gelu`);
  const eps = config.layer_norm_eps;
  const parsed: BertConfig = {
    hiddenSize: integer('hidden_size'),
    numHiddenLayers: integer('num_hidden_layers'),
    numAttentionHeads: integer('num_attention_heads'),
    intermediateSize: integer('intermediate_size'),
    layerNormEps: typeof eps === 'number' && eps > 0 ? eps : 1e-12,
  };
  if (parsed.hiddenSize % parsed.numAttentionHeads !== 0) {
    throw new Error('config.json: hidden_size is not a multiple of num_attention_heads');
  }
  return parsed;
}

/**
 * How weights enter the graph. The fp32 model stores them as they are; the int8 model
 * (see `quantize.ts`) stores int8 weights and quantises activations at run time.
 */
export interface WeightEncoding {
  /** Short name for logs and file names. */
  readonly name: string;
  /** `input · weightᵀ + bias`, with `weight` in PyTorch's `[out, in]` layout. */
  linear(graph: OnnxGraphBuilder, input: string, weight: Float32Tensor, bias: Float32Tensor): string;
  /** Looks up the rows of `table` (`[rows, width]`) at the int64 indices `ids`. */
  embedding(graph: OnnxGraphBuilder, table: Float32Tensor, ids: string): string;
}

/** Names of the graph's inputs and output, as transformers.js expects them for a BERT encoder. */
export const BertGraphNames = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  tokenTypeIds: 'token_type_ids',
  lastHiddenState: 'last_hidden_state',
} as const;

/** ONNX opset of the graph: 13 has everything a BERT encoder needs and onnxruntime 1.14 runs it. */
export const BERT_OPSET = 13;

/** The fp32 encoding: weights transposed to `[in, out]` for MatMul, stored as they are. */
export const float32Weights: WeightEncoding = {
  name: 'fp32',
  linear(graph, input, weight, bias) {
    const [rows, columns] = matrixShape(weight);
    const weightName = graph.floatTensor('weight', [columns, rows], transpose(weight.data, rows, columns));
    const product = graph.node('MatMul', [input, weightName]);
    return graph.node('Add', [product, graph.floatTensor('bias', bias.shape, bias.data)]);
  },
  embedding(graph, table, ids) {
    return graph.node('Gather', [graph.floatTensor('embedding', table.shape, table.data), ids], { axis: 0 });
  },
};

/**
 * Builds the ONNX encoder of a BERT model from its weights (Hugging Face `BertModel` names, as in
 * `model.safetensors`): inputs `input_ids`, `attention_mask`, `token_type_ids` (int64, `[batch, seq]`),
 * output `last_hidden_state` (`[batch, seq, hidden]`). Pooling and normalisation are left to
 * transformers.js, as in the Xenova exports.
 *
 * @returns The serialised model.
 */
export function buildBertOnnxModel(
  weights: ReadonlyMap<string, Float32Tensor>,
  config: BertConfig,
  encoding: WeightEncoding,
): Uint8Array {
  const graph = new OnnxGraphBuilder();
  const tensor = (name: string): Float32Tensor => {
    const found = weights.get(name);
    if (found === undefined) throw new Error(`weights: missing tensor ${name}`);
    return found;
  };
  const { hiddenSize, numAttentionHeads } = config;
  const headSize = hiddenSize / numAttentionHeads;
  const batch = 'batch_size';
  const sequence = 'sequence_length';

  const inputIds = graph.addInput(BertGraphNames.inputIds, DataType.int64, [batch, sequence]);
  const attentionMask = graph.addInput(BertGraphNames.attentionMask, DataType.int64, [batch, sequence]);
  const tokenTypeIds = graph.addInput(BertGraphNames.tokenTypeIds, DataType.int64, [batch, sequence]);

  const layerNorm = (input: string, prefix: string): string => {
    const axes = { axes: [-1] };
    const mean = graph.node('ReduceMean', [input], axes);
    const centred = graph.node('Sub', [input, mean]);
    const variance = graph.node('ReduceMean', [graph.node('Mul', [centred, centred])], axes);
    const deviation = graph.node('Sqrt', [
      graph.node('Add', [variance, graph.floatConstant([config.layerNormEps])]),
    ]);
    const normalised = graph.node('Div', [centred, deviation]);
    const gamma = tensor(`${prefix}.weight`);
    const beta = tensor(`${prefix}.bias`);
    const scaled = graph.node('Mul', [normalised, graph.floatTensor('ln_gamma', gamma.shape, gamma.data)]);
    return graph.node('Add', [scaled, graph.floatTensor('ln_beta', beta.shape, beta.data)]);
  };

  // Embeddings: word + position (rows 0..seq-1, as BERT uses absolute positions) + token type.
  const words = encoding.embedding(graph, tensor('embeddings.word_embeddings.weight'), inputIds);
  const sequenceLength = graph.node('Slice', [
    graph.node('Shape', [inputIds]),
    graph.int64Constant([1]),
    graph.int64Constant([2]),
  ]);
  const positionTable = tensor('embeddings.position_embeddings.weight');
  const positions = graph.node('Slice', [
    graph.floatTensor('position_embeddings', positionTable.shape, positionTable.data),
    graph.int64Constant([0]),
    sequenceLength,
    graph.int64Constant([0]),
  ]);
  const tokenTypeTable = tensor('embeddings.token_type_embeddings.weight');
  const tokenTypes = graph.node(
    'Gather',
    [graph.floatTensor('token_type_embeddings', tokenTypeTable.shape, tokenTypeTable.data), tokenTypeIds],
    { axis: 0 },
  );
  let hidden = layerNorm(
    graph.node('Add', [graph.node('Add', [words, positions]), tokenTypes]),
    'embeddings.LayerNorm',
  );

  // Additive mask [batch, 1, 1, seq]: 0 where attended, the most negative float32 where padded,
  // as Hugging Face's BertModel does, so padding gets exactly zero attention weight.
  const maskFloat = graph.node('Cast', [attentionMask], { to: DataType.float });
  const inverted = graph.node('Sub', [graph.floatConstant([1]), maskFloat]);
  const additiveMask = graph.node('Unsqueeze', [
    graph.node('Mul', [inverted, graph.floatConstant([-3.4028234663852886e38])]),
    graph.int64Constant([1, 2]),
  ]);

  const splitHeads = graph.int64Constant([0, 0, numAttentionHeads, headSize]);
  const mergeHeads = graph.int64Constant([0, 0, hiddenSize]);
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const prefix = `encoder.layer.${layer}`;
    const linear = (input: string, name: string): string =>
      encoding.linear(graph, input, tensor(`${prefix}.${name}.weight`), tensor(`${prefix}.${name}.bias`));
    const heads = (input: string, perm: readonly number[]): string =>
      graph.node('Transpose', [graph.node('Reshape', [input, splitHeads])], { perm });

    const query = heads(linear(hidden, 'attention.self.query'), [0, 2, 1, 3]);
    const keyTransposed = heads(linear(hidden, 'attention.self.key'), [0, 2, 3, 1]);
    const value = heads(linear(hidden, 'attention.self.value'), [0, 2, 1, 3]);
    const scores = graph.node('Div', [
      graph.node('MatMul', [query, keyTransposed]),
      graph.floatConstant([Math.sqrt(headSize)]),
    ]);
    const probabilities = graph.node('Softmax', [graph.node('Add', [scores, additiveMask])], { axis: -1 });
    const context = graph.node('Reshape', [
      graph.node('Transpose', [graph.node('MatMul', [probabilities, value])], { perm: [0, 2, 1, 3] }),
      mergeHeads,
    ]);
    const attended = linear(context, 'attention.output.dense');
    hidden = layerNorm(graph.node('Add', [attended, hidden]), `${prefix}.attention.output.LayerNorm`);

    // GELU in its exact erf form, written as PyTorch exports it so onnxruntime can fuse it.
    const expanded = linear(hidden, 'intermediate.dense');
    const erf = graph.node('Erf', [graph.node('Div', [expanded, graph.floatConstant([Math.SQRT2])])]);
    const gelu = graph.node('Mul', [
      graph.node('Mul', [expanded, graph.node('Add', [erf, graph.floatConstant([1])])]),
      graph.floatConstant([0.5]),
    ]);
    const projected = linear(gelu, 'output.dense');
    hidden = layerNorm(graph.node('Add', [projected, hidden]), `${prefix}.output.LayerNorm`);
  }

  graph.node('Identity', [hidden], {}, BertGraphNames.lastHiddenState);
  graph.addOutput(BertGraphNames.lastHiddenState, DataType.float, [batch, sequence, hiddenSize]);
  return graph.toModelBytes({
    graphName: `bert_${encoding.name}`,
    opsetVersion: BERT_OPSET,
    producerName: '@articleqa/core',
  });
}

/** `[rows, columns]` of a 2-D tensor. */
export function matrixShape(tensor: Float32Tensor): [number, number] {
  const [rows, columns] = tensor.shape;
  if (tensor.shape.length !== 2 || rows === undefined || columns === undefined) {
    throw new Error(`expected a matrix, got shape [${tensor.shape.join(', ')}]`);
  }
  return [rows, columns];
}

/** Transposes a row-major `[rows, columns]` matrix into `[columns, rows]`. */
export function transpose(data: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      out[column * rows + row] = data[row * columns + column]!;
    }
  }
  return out;
}
