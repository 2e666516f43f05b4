import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadBertTokenizer } from '../providers/bert-tokenizer.js';
import { ensureMiniLMModelFolder, type ModelVariant } from '../providers/minilm-model-folder.js';
import { type HiddenStates, loadOnnxModel, type OnnxModel, padBatch } from '../providers/onnx-model.js';
import { readSafetensors } from '../providers/safetensors.js';
import { ModelError, throwIfAborted } from '../shared/errors.js';
import { withoutUndefined } from '../shared/options.js';
import type { PassageReading, Reader, ReadOptions } from './reader.js';
import { bestSpan } from './span-decode.js';
import { WordPieceTokenizer } from './word-pieces.js';

/** Options of {@link TransformersReader} and {@link createLocalReader}. */
export interface LocalReaderOptions {
  /** Cache root; the reader's ONNX model is built into `<cacheDir>/models/` on first use. */
  cacheDir: string;
  /**
   * Runs the int8 model. Measured on held-out SQuAD articles (docs/benchmarks.md): about 2x faster
   * than fp32 for the same answers within a point.
   * @defaultValue true
   */
  quantized?: boolean;
  /** Most tokens of an answer. @defaultValue 30 */
  maxAnswerTokens?: number;
  /** Question tokens kept (longer questions are cut). @defaultValue 64 */
  maxQuestionTokens?: number;
  /** Passages per model call. @defaultValue 8 */
  batchSize?: number;
  /**
   * Weights file and its version; defaults to the reader shipped with this package
   * (`models/reader/`, see its model card).
   */
  weights?: ModelVariant;
  /** Threads of one model call. @defaultValue `os.availableParallelism()` */
  threads?: number;
  /** Runs the model in a worker thread, off the event loop. @defaultValue true */
  worker?: boolean;
}

export const DefaultLocalReaderOptions = {
  quantized: true,
  maxAnswerTokens: 30,
  maxQuestionTokens: 64,
  batchSize: 8,
  worker: true,
} as const;

// The model's input limit, special tokens included (the position table of MiniLM goes to 512, but the
// reader was trained on inputs of at most 256 tokens).
const MAX_INPUT_TOKENS = 256;
// Tokens shared by consecutive windows of a passage longer than one input.
const WINDOW_OVERLAP = 64;
const CLS = 101;
const SEP = 102;
// Readings remembered, so that the reranking stage and the answerer read a passage once per question.
const CACHE_SIZE = 256;

const READER_DIR = fileURLToPath(new URL('../../models/reader/', import.meta.url));

/** The reader weights that ship with @articleqa/core. */
export async function bundledReaderWeights(): Promise<ModelVariant> {
  let manifest: { version?: unknown };
  try {
    manifest = JSON.parse(await readFile(`${READER_DIR}reader.json`, 'utf8')) as { version?: unknown };
  } catch (error) {
    throw new ModelError('E_MODEL_NOT_FOUND', `The reader model is missing from ${READER_DIR}.`, {
      cause: error,
      hint: 'Reinstall @articleqa/core; the reader weights ship inside the package.',
    });
  }
  return {
    name: 'articleqa-reader',
    version: String(manifest.version ?? 'unknown'),
    weightsPath: `${READER_DIR}reader.safetensors`,
  };
}

interface LoadedReader {
  tokenizer: WordPieceTokenizer;
  model: OnnxModel;
  /** `[2, hidden]`: the start row then the end row. */
  head: Float32Array;
  bias: Float32Array;
  hidden: number;
}

interface Window {
  passage: number;
  ids: number[];
  types: number[];
  /** First passage token's position in `ids`, and the passage tokens' character spans. */
  offset: number;
  starts: number[];
  ends: number[];
}

/**
 * The offline reader: MiniLM-L6 fine-tuned for extractive QA on SQuAD (see `models/reader/MODEL_CARD.md`),
 * run with onnxruntime-node (in a worker thread by default). For each passage it returns the best short answer span
 * and how much more likely that is than "no answer here".
 */
export class TransformersReader implements Reader {
  readonly id: string;
  readonly #options: Required<Omit<LocalReaderOptions, 'weights' | 'threads'>> & {
    weights?: ModelVariant;
    threads?: number;
  };
  #loading: Promise<LoadedReader> | undefined;
  readonly #cache = new Map<string, Omit<PassageReading, 'passage'>>();

  constructor(options: LocalReaderOptions) {
    this.#options = { ...DefaultLocalReaderOptions, ...withoutUndefined(options) };
    this.id = `articleqa-reader:${this.#options.quantized ? 'int8' : 'fp32'}`;
  }

  ready(): Promise<void> {
    return this.#load().then(() => undefined);
  }

  async read(
    question: string,
    passages: readonly string[],
    options: ReadOptions = {},
  ): Promise<PassageReading[]> {
    throwIfAborted(options.signal);
    const results = new Array<PassageReading>(passages.length);
    const pending: number[] = [];
    for (const [index, passage] of passages.entries()) {
      const cached = this.#cache.get(`${question}\u0000${passage}`);
      if (cached) results[index] = { ...cached, passage: index };
      else pending.push(index);
    }
    if (pending.length === 0) return results;
    const loaded = await this.#load();
    const q = loaded.tokenizer.tokenize(question).ids.slice(0, this.#options.maxQuestionTokens);
    const windows = pending.flatMap((index) => this.#windows(loaded, q, passages[index]!, index));
    windows.sort((a, b) => a.ids.length - b.ids.length);
    for (let from = 0; from < windows.length; from += this.#options.batchSize) {
      throwIfAborted(options.signal);
      const batch = windows.slice(from, from + this.#options.batchSize);
      for (const reading of await this.#run(loaded, batch)) {
        const previous = results[reading.passage];
        if (!previous || reading.margin > previous.margin) results[reading.passage] = reading;
      }
    }
    for (const index of pending) {
      const reading = results[index]!;
      reading.text = passages[index]!.slice(reading.start, reading.end);
      if (this.#cache.size >= CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
      const { passage: _, ...kept } = reading;
      this.#cache.set(`${question}\u0000${passages[index]!}`, kept);
    }
    return results;
  }

  async close(): Promise<void> {
    const loading = this.#loading;
    this.#loading = undefined;
    this.#cache.clear();
    if (loading) await (await loading.catch(() => undefined))?.model.close();
  }

  /** The passage cut into windows that fit beside the question. */
  #windows(loaded: LoadedReader, q: number[], passage: string, index: number): Window[] {
    const tokens = loaded.tokenizer.tokenize(passage);
    const room = MAX_INPUT_TOKENS - 3 - q.length;
    const windows: Window[] = [];
    for (let from = 0; ; from += room - WINDOW_OVERLAP) {
      const to = Math.min(tokens.ids.length, from + room);
      const ids = [CLS, ...q, SEP, ...tokens.ids.slice(from, to), SEP];
      windows.push({
        passage: index,
        ids,
        types: ids.map((_, position) => (position < q.length + 2 ? 0 : 1)),
        offset: q.length + 2,
        starts: tokens.starts.slice(from, to),
        ends: tokens.ends.slice(from, to),
      });
      if (to >= tokens.ids.length) break;
    }
    return windows;
  }

  async #run(loaded: LoadedReader, batch: Window[]): Promise<PassageReading[]> {
    const encoded = padBatch(batch);
    const { width } = encoded;
    let output: HiddenStates;
    try {
      output = await loaded.model.run(encoded);
    } catch (error) {
      throw new ModelError('E_MODEL_LOAD', `The reader ${this.id} failed on ${batch.length} passages.`, {
        cause: error,
      });
    }
    const { head, bias, hidden } = loaded;
    return batch.map((window, row) => {
      const length = window.ids.length;
      const start = new Float32Array(length);
      const end = new Float32Array(length);
      for (let position = 0; position < length; position++) {
        const base = (row * width + position) * hidden;
        let s = bias[0]!;
        let e = bias[1]!;
        for (let d = 0; d < hidden; d++) {
          const value = output.data[base + d]!;
          s += value * head[d]!;
          e += value * head[hidden + d]!;
        }
        start[position] = s;
        end[position] = e;
      }
      const nullScore = start[0]! + end[0]!;
      const tokens = {
        starts: window.starts,
        ends: window.ends,
        start: start.slice(window.offset, length - 1),
        end: end.slice(window.offset, length - 1),
      };
      const cls = output.data.slice(row * width * hidden, row * width * hidden + hidden);
      const span = bestSpan(start, end, window.offset, length - 1, this.#options.maxAnswerTokens);
      const unread = { passage: window.passage, start: 0, end: 0, text: '', nullScore, tokens, cls };
      if (!span) return { ...unread, spanScore: Number.NEGATIVE_INFINITY, margin: Number.NEGATIVE_INFINITY };
      return {
        ...unread,
        start: window.starts[span.first - window.offset]!,
        end: window.ends[span.last - window.offset]!,
        spanScore: span.score,
        margin: span.score - nullScore,
      };
    });
  }

  #load(): Promise<LoadedReader> {
    this.#loading ??= this.#loadModel().catch((error: unknown) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  async #loadModel(): Promise<LoadedReader> {
    const weights = this.#options.weights ?? (await bundledReaderWeights());
    const folder = await ensureMiniLMModelFolder({ cacheDir: this.#options.cacheDir, variant: weights });
    const tensors = await readSafetensors(weights.weightsPath);
    const head = tensors.get('qa_outputs.weight');
    const bias = tensors.get('qa_outputs.bias');
    if (!head || !bias || head.shape.length !== 2 || head.shape[0] !== 2) {
      throw new ModelError('E_MODEL_LOAD', `${weights.weightsPath} holds no reader head (qa_outputs).`);
    }
    const [tokenizer, model] = await Promise.all([
      loadBertTokenizer(folder.modelDir),
      loadOnnxModel({
        modelPath: `${folder.modelDir}/onnx/${this.#options.quantized ? 'model_quantized.onnx' : 'model.onnx'}`,
        worker: this.#options.worker,
        threads: this.#options.threads,
      }),
    ]);
    return {
      tokenizer: new WordPieceTokenizer((word) => tokenizer.encode(word)),
      model,
      head: Float32Array.from(head.data),
      bias: Float32Array.from(bias.data),
      hidden: head.shape[1]!,
    };
  }
}

/** Creates the offline reader. Loads nothing until first use. */
export function createLocalReader(options: LocalReaderOptions): TransformersReader {
  return new TransformersReader(options);
}
