import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BertTokenizer, loadBertTokenizer } from '../providers/bert-tokenizer.js';
import { ensureMiniLMModelFolder } from '../providers/minilm-model-folder.js';
import type { OnnxModelOptions } from '../providers/onnx-model.js';
import { type EncodedBatch, loadOnnxModel, type OnnxModel, padBatch } from '../providers/onnx-model.js';
import { downloadHubModel } from '../providers/transformers-env.js';
import { ConfigError, ModelError, throwIfAborted } from '../shared/errors.js';
import { withoutUndefined } from '../shared/options.js';
import type { Embedder, EmbedOptions, SpanEmbedding, SpanInput } from './embedder.js';

/** The `model` value that selects the all-MiniLM-L6-v2 model built from the bundled npm weights. */
export const BUNDLED_MINILM_MODEL = 'bundled:all-MiniLM-L6-v2';

/** Options of {@link TransformersEmbedder} and {@link createLocalEmbedder}. */
export interface LocalEmbedderOptions {
  /**
   * Cache root. The bundled model is built into `<cacheDir>/models/`; remote models are downloaded
   * there too.
   */
  cacheDir: string;
  /**
   * {@link BUNDLED_MINILM_MODEL}, or the id of a BERT-style model in the transformers.js layout (such
   * as `Xenova/bge-small-en-v1.5`): its folder `<cacheDir>/models/<id>/` (`config.json`,
   * `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx`, `onnx/model_quantized.onnx`) is used
   * when present, and downloaded from the Hugging Face hub once when
   * {@link LocalEmbedderOptions.allowRemoteModels} is on (that download needs the optional peer
   * dependency `@xenova/transformers`).
   * @defaultValue {@link BUNDLED_MINILM_MODEL}
   */
  model?: string;
  /**
   * Lets a hub model that is not in the cache yet be downloaded. Off by default so that nothing
   * reaches the network unless asked.
   * @defaultValue false
   */
  allowRemoteModels?: boolean;
  /**
   * Uses the int8 model (`onnx/model_quantized.onnx`): about 1.65x faster than fp32 and 40% less
   * memory, with vectors at cosine ≥ 0.98 (mean 0.997) to the fp32 ones.
   * @defaultValue true
   */
  quantized?: boolean;
  /**
   * Most texts per model call. Texts are sorted by length before batching, so a batch pads little.
   * @defaultValue 8 (measured; see {@link DefaultLocalEmbedderOptions})
   */
  batchSize?: number;
  /**
   * Threads of one model call.
   * @defaultValue `os.availableParallelism()` (see {@link OnnxModelOptions.threads})
   */
  threads?: number;
  /**
   * Runs the model in a worker thread, so the event loop stays free while it works (ingest overlaps
   * parsing and writing with embedding; a bot keeps answering its gateway).
   * @defaultValue true
   */
  worker?: boolean;
}

/**
 * Defaults of {@link LocalEmbedderOptions}.
 *
 * `batchSize` 8 was measured with all-MiniLM-L6-v2 int8 on this project's 2-core machine
 * (onnxruntime-node 1.14), 64 texts of 1-3 news sentences (14-127 words, 18-166 tokens, mean 70),
 * sorted by length as `embed` does, best of 8 interleaved runs, sentences/s:
 *
 * | batch | 1   | 4   | 8   | 16  | 32 | 64 |
 * | ----- | --- | --- | --- | --- | -- | -- |
 * | int8  | 119 | 130 | 130 | 111 | 80 | 49 |
 *
 * Bigger batches lose because their activations (up to batch × tokens × 1536 floats in the
 * feed-forward layer) no longer fit in the CPU caches; below 4 the per-call overhead shows. Peak RSS
 * embedding 640 such texts at batch 8: 278 MB int8, 463 MB fp32. fp32 ran at 0.6x the int8 speed.
 * (The machine was shared with other jobs: absolute numbers vary by 2x, the ranking did not.)
 */
export const DefaultLocalEmbedderOptions = {
  model: BUNDLED_MINILM_MODEL,
  allowRemoteModels: false,
  quantized: true,
  batchSize: 8,
  worker: true,
} as const satisfies Required<Omit<LocalEmbedderOptions, 'cacheDir' | 'threads'>>;

// [CLS] and [SEP] around every text for the BERT-style models this embedder runs.
const SPECIAL_TOKENS = 2;
/**
 * Texts whose token ids `countTokens` remembers: the sentences of the chunks about to be embedded (an
 * ingest commits every 128 chunks, about 900 sentences, and stages the next batch meanwhile), with room
 * to spare; about 5 MB. Forgotten all at once when full: a miss only costs a tokenizer call.
 */
const REMEMBERED_PIECES = 8192;

/** One text's rows of a batch output: `length` real tokens, pooled over any `[from, to)` of them. */
interface TokenStates {
  /** The text's token count before truncation, special tokens excluded. */
  tokens: number;
  length: number;
  pool(from: number, to: number): Float32Array;
  /** The whole text's vector and each range's, in one pass over the tokens (see {@link poolWithRanges}). */
  poolWithRanges(ranges: readonly (readonly [number, number] | undefined)[]): {
    vector: Float32Array;
    ranges: (Float32Array | undefined)[];
  };
}

interface LoadedModel {
  readonly tokenizer: BertTokenizer;
  readonly model: OnnxModel;
  readonly dimensions: number;
  readonly maxTokens: number;
}

/**
 * Embeds texts on the CPU with onnxruntime-node (in a worker thread by default) and the model's own
 * tokenizer (@huggingface/tokenizers), offline by default with all-MiniLM-L6-v2 (384 dimensions,
 * 256 tokens).
 *
 * Nothing is loaded by the constructor. {@link TransformersEmbedder.ready} loads the tokenizer and
 * model (building the bundled model folder on first use); `embed` calls it itself, but `countTokens`,
 * `dimensions` and `maxTokens` are synchronous and need `await embedder.ready()` first.
 *
 * @example
 * ```ts
 * const embedder = createLocalEmbedder({ cacheDir: '/home/me/.cache/articleqa' });
 * await embedder.ready();
 * embedder.countTokens('How long is this?'); // 5
 * const [vector] = await embedder.embed(['How long is this?']);
 * ```
 */
export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly maxBatchSize: number;
  private readonly options: Required<Omit<LocalEmbedderOptions, 'threads'>> & { threads?: number };
  private loading: Promise<LoadedModel> | undefined;
  private loaded: LoadedModel | undefined;
  private readonly pieces = new Map<string, number[]>();

  /** Stores the options; loads nothing. @throws ConfigError on an invalid option. */
  constructor(options: LocalEmbedderOptions) {
    const resolved = { ...DefaultLocalEmbedderOptions, ...withoutUndefined(options) };
    if (!resolved.cacheDir) throw new ConfigError('The embedder needs a cacheDir.');
    if (!Number.isInteger(resolved.batchSize) || resolved.batchSize < 1) {
      throw new ConfigError(`Embedding batchSize must be a positive integer, got ${resolved.batchSize}.`);
    }
    this.options = resolved;
    this.maxBatchSize = resolved.batchSize;
    const modelName = resolved.model === BUNDLED_MINILM_MODEL ? 'all-MiniLM-L6-v2' : resolved.model;
    this.id = `transformers:${modelName}:${resolved.quantized ? 'int8' : 'fp32'}`;
  }

  /** Length of every vector: the model's `hidden_size`. Needs {@link TransformersEmbedder.ready}. */
  get dimensions(): number {
    return this.requireLoaded('dimensions').dimensions;
  }

  /**
   * Most tokens per text, special tokens included: the tokenizer's `model_max_length` (256 for
   * all-MiniLM-L6-v2), capped by the model's position table. Needs {@link TransformersEmbedder.ready}.
   */
  get maxTokens(): number {
    return this.requireLoaded('maxTokens').maxTokens;
  }

  /**
   * Loads the tokenizer and model; later and concurrent calls share the one load. A failed load is
   * forgotten so that the next call retries. Not cancellable: callers share it.
   * @throws ModelError `E_MODEL_NOT_FOUND` or `E_MODEL_LOAD`.
   */
  ready(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.load().then(
      (model) => {
        this.loaded = model;
        return model;
      },
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading.then(() => undefined);
  }

  /**
   * Tokens the model's tokenizer gives `text`, special tokens excluded, before truncation.
   * Synchronous (about 20 µs for a sentence) after {@link TransformersEmbedder.ready}.
   */
  countTokens(text: string): number {
    return this.encodePiece(this.requireLoaded('countTokens').tokenizer, text).length;
  }

  /**
   * Token ids of `text`, remembered for the texts most recently counted: the chunker counts each
   * sentence, and `embedWithSpans` then builds a chunk's tokens from its sentences' instead of
   * tokenizing the chunk again (tokenizing runs on the main thread, beside the model's threads).
   */
  private encodePiece(tokenizer: BertTokenizer, text: string): number[] {
    let ids = this.pieces.get(text);
    if (!ids) {
      ids = tokenizer.encode(text);
      if (this.pieces.size >= REMEMBERED_PIECES) this.pieces.clear();
      this.pieces.set(text, ids);
    }
    return ids;
  }

  /**
   * Embeds `texts` in order into unit-length vectors. Texts longer than {@link maxTokens} are truncated.
   * Batches group texts of similar token length, since padding every text to the longest of its batch
   * is the main waste; each vector is pooled out of the batch output so the output can be freed.
   *
   * @throws AbortError when `options.signal` aborts (checked between batches); ModelError `E_EMBED`
   *   when the model fails, or the load errors of {@link TransformersEmbedder.ready}.
   */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const vectors = new Array<Float32Array>(texts.length);
    await this.runBatches(texts, undefined, options.signal, (states, textIndex) => {
      vectors[textIndex] = states.pool(0, states.length);
    });
    return vectors;
  }

  /**
   * Like {@link embed}, plus a vector for each span, pooled from the same token states over the span's
   * tokens. With a WordPiece tokenizer (the bundled model's), a text's tokens are its pieces' (spans and
   * the text between them, cut at whitespace) in order, so spans are located exactly and the pieces'
   * tokens, often just counted by the chunker, are reused. With another tokenizer the text is tokenized
   * whole and spans are located by counting the pieces; where the counts do not add up to the whole
   * text's, that input's span vectors are `undefined`.
   */
  async embedWithSpans(inputs: readonly SpanInput[], options: EmbedOptions = {}): Promise<SpanEmbedding[]> {
    throwIfAborted(options.signal);
    if (inputs.length === 0) return [];
    await this.ready();
    const { tokenizer } = this.requireLoaded('embedWithSpans');
    const joined = inputs.map((input) =>
      tokenizer.additiveAtWhitespace
        ? joinPieces(input, (text) => this.encodePiece(tokenizer, text))
        : undefined,
    );
    const results = new Array<SpanEmbedding>(inputs.length);
    const texts = inputs.map((input) => input.text);
    const ids = inputs.map((input, index) => joined[index]?.ids ?? tokenizer.encode(input.text));
    await this.runBatches(texts, ids, options.signal, (states, textIndex) => {
      const input = inputs[textIndex]!;
      const ranges =
        joined[textIndex]?.ranges ?? spanTokenRanges(input, (text) => this.countTokens(text), states.tokens);
      const pooled = states.poolWithRanges(
        input.spans.map((_, position) => {
          const range = ranges?.[position];
          if (!range) return undefined;
          // The last position holds [SEP] (truncation keeps it), so spans end before it.
          const [from, to] = [range[0], Math.min(range[1], states.length - 1)];
          return to > from ? [from, to] : undefined;
        }),
      );
      results[textIndex] = { vector: pooled.vector, spans: pooled.ranges };
    });
    return results;
  }

  /**
   * Runs the model over length-sorted batches of `texts` and hands each text's token states to
   * `collect`, so that `embed` and `embedWithSpans` pool a text identically (spans need the token
   * states anyway). Texts are tokenized once; the next batch is tokenized while the model (in its
   * worker) runs the current one.
   */
  private async runBatches(
    texts: readonly string[],
    tokenized: readonly number[][] | undefined,
    signal: AbortSignal | undefined,
    collect: (states: TokenStates, textIndex: number) => void,
  ): Promise<void> {
    throwIfAborted(signal);
    if (texts.length === 0) return;
    await this.ready();
    const { tokenizer, model, dimensions, maxTokens } = this.requireLoaded('embed');

    const ids = tokenized ?? texts.map((text) => tokenizer.encode(text));
    const lengths = ids.map((tokens) => tokens.length);
    const order = texts.map((_, index) => index).sort((a, b) => lengths[a]! - lengths[b]!);
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += this.maxBatchSize) {
      batches.push(order.slice(start, start + this.maxBatchSize));
    }
    const encode = (batch: number[]) =>
      encodeBatch(
        batch.map((index) => ids[index]!),
        tokenizer,
        maxTokens,
      );
    let running = batches.length > 0 ? model.run(encode(batches[0]!)) : undefined;
    for (const [position, batch] of batches.entries()) {
      let output: { dims: readonly number[]; data: Float32Array };
      try {
        output = await running!;
      } catch (error) {
        throw new ModelError(
          'E_EMBED',
          `The embedding model ${this.id} failed on a batch of ${batch.length} texts.`,
          {
            cause: error instanceof ModelError ? (error.cause ?? error) : error,
          },
        );
      }
      // Checked once the batch in flight has settled, so nothing keeps running after an abort.
      throwIfAborted(signal);
      const next = batches[position + 1];
      running = next ? model.run(encode(next)) : undefined;
      const [rows, padded = 0, width] = output.dims;
      if (rows !== batch.length || width !== dimensions || output.dims.length !== 3) {
        throw new ModelError(
          'E_EMBED',
          `The embedding model ${this.id} returned shape [${output.dims.join(', ')}], expected [${batch.length}, tokens, ${dimensions}].`,
        );
      }
      const data = output.data;
      for (const [row, textIndex] of batch.entries()) {
        const offset = row * padded * dimensions;
        // Padding follows the text's own tokens; [CLS] and [SEP] count, as in transformers.js.
        const length = Math.min(padded, maxTokens, lengths[textIndex]! + SPECIAL_TOKENS);
        collect(
          {
            tokens: lengths[textIndex]!,
            length,
            pool: (from, to) => meanPool(data, offset, from, to, dimensions),
            poolWithRanges: (ranges) => poolWithRanges(data, offset, length, ranges, dimensions),
          },
          textIndex,
        );
      }
    }
    throwIfAborted(signal);
  }

  /** Releases the onnxruntime session; a later call loads the model again. */
  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.loaded = undefined;
    if (loading) await (await loading.catch(() => undefined))?.model.close();
  }

  private requireLoaded(what: string): LoadedModel {
    if (!this.loaded)
      throw new Error(`TransformersEmbedder.${what} needs the model: await embedder.ready() first.`);
    return this.loaded;
  }

  private async load(): Promise<LoadedModel> {
    const { cacheDir, model, allowRemoteModels, quantized, threads, worker } = this.options;
    let modelDir: string;
    if (model === BUNDLED_MINILM_MODEL) {
      modelDir = (await ensureMiniLMModelFolder({ cacheDir })).modelDir;
    } else {
      modelDir = join(cacheDir, 'models', model);
      await ensureHubModel(modelDir, model, { cacheDir, allowRemoteModels, quantized });
    }

    const config = await readModelConfig(modelDir, model);
    const dimensions = positiveInteger(config.hidden_size);
    if (dimensions === undefined) {
      throw new ModelError('E_MODEL_LOAD', `The model ${model} has no hidden_size in its config.json.`);
    }
    const tokenizer = await loadBertTokenizer(modelDir);
    // Some tokenizers declare a huge model_max_length (1e30); the position table is the real limit.
    const limits = [tokenizer.modelMaxLength, positiveInteger(config.max_position_embeddings)];
    const maxTokens = Math.min(...limits.filter((limit): limit is number => limit !== undefined));
    if (!Number.isFinite(maxTokens)) {
      throw new ModelError('E_MODEL_LOAD', `The model ${model} states no maximum input length.`);
    }
    const modelPath = join(modelDir, 'onnx', quantized ? 'model_quantized.onnx' : 'model.onnx');
    const session = await loadOnnxModel({ modelPath, worker, threads });
    return { tokenizer, model: session, dimensions, maxTokens };
  }
}

async function readModelConfig(modelDir: string, model: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ModelError('E_MODEL_LOAD', `Could not read config.json of the model ${model} in ${modelDir}.`, {
      cause: error,
      hint: 'Delete the cache directory to rebuild the model.',
    });
  }
}

/** Makes sure a hub model's folder is in the cache, downloading it once when allowed. */
async function ensureHubModel(
  modelDir: string,
  model: string,
  options: { cacheDir: string; allowRemoteModels: boolean; quantized: boolean },
): Promise<void> {
  const file = join(modelDir, 'onnx', options.quantized ? 'model_quantized.onnx' : 'model.onnx');
  const present = await access(file).then(
    () => true,
    () => false,
  );
  if (present) return;
  if (!options.allowRemoteModels) {
    throw new ModelError('E_MODEL_NOT_FOUND', `The embedding model ${model} is not in ${modelDir}.`, {
      hint: 'Set allowRemoteModels to download it once, or place the model folder (transformers.js layout) there.',
    });
  }
  await downloadHubModel(model, join(options.cacheDir, 'models'), options.quantized);
}

/** `[CLS] tokens [SEP]` per text, cut to `maxTokens` (keeping [SEP]) and padded to the longest. */
function encodeBatch(texts: number[][], tokenizer: BertTokenizer, maxTokens: number): EncodedBatch {
  const room = maxTokens - SPECIAL_TOKENS;
  return padBatch(texts.map((ids) => ({ ids: [tokenizer.clsId, ...ids.slice(0, room), tokenizer.sepId] })));
}

/**
 * Creates the local (offline by default) embedder. Loads nothing until first use.
 * @param options - See {@link LocalEmbedderOptions}; only `cacheDir` is required.
 */
export function createLocalEmbedder(options: LocalEmbedderOptions): TransformersEmbedder {
  return new TransformersEmbedder(options);
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * Token positions `[from, to)` of each span in the model input ([CLS] at 0), found by counting the
 * tokens of the gaps and spans in order. `undefined` when spans are out of order or the counts do not
 * add up to the whole text's (a tokenizer that merges across the cuts, or gives whitespace tokens).
 * `totalTokens` is the whole text's count when the caller already has it.
 */
export function spanTokenRanges(
  input: SpanInput,
  countTokens: (text: string) => number,
  totalTokens = countTokens(input.text),
): ([number, number] | undefined)[] | undefined {
  const { text, spans } = input;
  // Whitespace between sentences gives WordPiece no tokens; skipping it saves a tokenizer call per gap.
  const count = (piece: string) => (/\S/.test(piece) ? countTokens(piece) : 0);
  const ranges: ([number, number] | undefined)[] = [];
  let cursor = 0;
  let position = 1;
  for (const span of spans) {
    if (span.start < cursor || span.end < span.start || span.end > text.length) return undefined;
    position += count(text.slice(cursor, span.start));
    const tokens = count(text.slice(span.start, span.end));
    ranges.push(tokens > 0 ? [position, position + tokens] : undefined);
    position += tokens;
    cursor = span.end;
  }
  position += count(text.slice(cursor));
  return position === totalTokens + 1 ? ranges : undefined;
}

/**
 * A text's token ids as the concatenation of its pieces' (the text before, between and after the spans;
 * whitespace-only pieces give none), with each span's token positions `[from, to)` in the model input
 * ([CLS] at 0; undefined for a span with no tokens). Exact for tokenizers additive at whitespace
 * (`BertTokenizer.additiveAtWhitespace`) when spans start and end at whitespace or punctuation, as
 * sentences do. `undefined` when the spans are out of order or outside the text.
 */
export function joinPieces(
  input: SpanInput,
  encode: (text: string) => readonly number[],
): { ids: number[]; ranges: ([number, number] | undefined)[] } | undefined {
  const { text, spans } = input;
  const ids: number[] = [];
  const add = (piece: string) => {
    if (/\S/.test(piece)) for (const id of encode(piece)) ids.push(id);
  };
  const ranges: ([number, number] | undefined)[] = [];
  let cursor = 0;
  for (const span of spans) {
    if (span.start < cursor || span.end < span.start || span.end > text.length) return undefined;
    add(text.slice(cursor, span.start));
    const from = ids.length + 1;
    add(text.slice(span.start, span.end));
    ranges.push(ids.length + 1 > from ? [from, ids.length + 1] : undefined);
    cursor = span.end;
  }
  add(text.slice(cursor));
  return { ids, ranges };
}

/** L2-normalised mean of rows `[from, to)` of a `[tokens, dimensions]` block starting at `offset`. */
function meanPool(
  data: Float32Array,
  offset: number,
  from: number,
  to: number,
  dimensions: number,
): Float32Array {
  return normalized(addTokens(data, offset, from, to, dimensions, new Float32Array(dimensions)));
}

/** Adds the token states `[from, to)` into `sum`. */
function addTokens(
  data: Float32Array,
  offset: number,
  from: number,
  to: number,
  dimensions: number,
  sum: Float32Array,
): Float32Array {
  for (let token = from; token < to; token += 1) {
    const base = offset + token * dimensions;
    for (let d = 0; d < dimensions; d += 1) sum[d]! += data[base + d]!;
  }
  return sum;
}

/**
 * Mean-pooled unit vectors of the text's `length` tokens and of each range. Sentence ranges are sorted
 * and disjoint, so the text's sum is built from theirs plus the tokens between them: each token state
 * is read once instead of twice (pooling is main-thread work beside the model's threads). Ranges that
 * overlap or are out of order fall back to pooling the text on its own. Exported for its tests.
 */
export function poolWithRanges(
  data: Float32Array,
  offset: number,
  length: number,
  ranges: readonly (readonly [number, number] | undefined)[],
  dimensions: number,
): { vector: Float32Array; ranges: (Float32Array | undefined)[] } {
  let total: Float32Array | undefined = new Float32Array(dimensions);
  let cursor = 0;
  const sums = ranges.map((range) => {
    if (!range) return undefined;
    const [from, to] = range;
    const sum = addTokens(data, offset, from, to, dimensions, new Float32Array(dimensions));
    if (total && from >= cursor && to <= length) {
      addTokens(data, offset, cursor, from, dimensions, total);
      for (let d = 0; d < dimensions; d += 1) total[d]! += sum[d]!;
      cursor = to;
    } else total = undefined;
    return sum;
  });
  const vector = total
    ? normalized(addTokens(data, offset, cursor, length, dimensions, total))
    : meanPool(data, offset, 0, length, dimensions);
  return { vector, ranges: sums.map((sum) => sum && normalized(sum)) };
}

/** Scales `vector` to unit length in place (a zero vector stays zero). */
function normalized(vector: Float32Array): Float32Array {
  const dimensions = vector.length;
  let norm = 0;
  for (let d = 0; d < dimensions; d += 1) norm += vector[d]! * vector[d]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let d = 0; d < dimensions; d += 1) vector[d]! /= norm;
  return vector;
}
