import type OpenAI from 'openai';
import {
  createOpenAIClient,
  DefaultOpenAIConnectionOptions,
  type OpenAIConnectionOptions,
  toLLMError,
} from '../providers/openai-client.js';
import { ArticleQAError, ConfigError, ModelError, throwIfAborted } from '../shared/errors.js';
import type { Embedder, EmbedOptions } from './embedder.js';

/** Options for {@link createOpenAIEmbedder}. */
export interface OpenAIEmbedderOptions extends OpenAIConnectionOptions {
  /** Embedding model, e.g. `text-embedding-3-small`, `nomic-embed-text`. */
  model: string;
  /**
   * Length of the vectors; every returned vector is checked against it. When set, it is also sent as the
   * request's `dimensions` (see `sendDimensions`), which OpenAI's text-embedding-3 models use to shorten
   * their vectors.
   * @defaultValue the native size of OpenAI's models ({@link KnownEmbeddingDimensions}); required for others
   */
  dimensions?: number;
  /**
   * Send `dimensions` in the request. Turn off for servers that reject the field for models that cannot
   * shorten their vectors (vLLM does, for non-Matryoshka models).
   * @defaultValue true when `dimensions` is set, false when it comes from {@link KnownEmbeddingDimensions}
   */
  sendDimensions?: boolean;
  /**
   * Texts per request. 32 texts of the 8191-token maximum stay under OpenAI's 300k tokens per request.
   * @defaultValue 32
   */
  maxBatchSize?: number;
  /**
   * Most tokens per text; OpenAI's embedding models read 8191. Lower it for local models (often 512).
   * @defaultValue 8191
   */
  maxTokens?: number;
}

/** Defaults of {@link OpenAIEmbedderOptions}. */
export const DefaultOpenAIEmbedderOptions = {
  ...DefaultOpenAIConnectionOptions,
  maxBatchSize: 32,
  maxTokens: 8191,
} as const satisfies Partial<OpenAIEmbedderOptions>;

/** Native vector sizes of OpenAI's embedding models, used when `dimensions` is not given. */
export const KnownEmbeddingDimensions: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/**
 * An {@link Embedder} over an OpenAI-compatible `/embeddings` endpoint, through the `openai` SDK.
 * Vectors are checked for length, L2-normalised (OpenAI's already are; other servers' may not be) and
 * returned in input order.
 */
export class OpenAIEmbedder implements Embedder {
  /** `openai:<model>:<dimensions>`: an index built with other vectors refuses this embedder. */
  readonly id: string;
  readonly dimensions: number;
  readonly maxTokens: number;
  readonly maxBatchSize: number;
  readonly #client: OpenAI;
  readonly #options: OpenAIEmbedderOptions &
    Required<Pick<OpenAIEmbedderOptions, 'timeoutMs' | 'sendDimensions' | 'dimensions'>>;

  /** @throws {@link ConfigError} when `dimensions` is missing for a model of unknown size */
  constructor(options: OpenAIEmbedderOptions) {
    const dimensions = options.dimensions ?? KnownEmbeddingDimensions[options.model];
    if (dimensions === undefined) {
      throw new ConfigError(`The vector size of embeddings model ${options.model} is unknown.`, {
        hint: 'Pass dimensions: the vector size the model returns (768 for nomic-embed-text, for example).',
      });
    }
    const sendDimensions = options.sendDimensions ?? options.dimensions !== undefined;
    this.#options = { ...DefaultOpenAIEmbedderOptions, ...options, dimensions, sendDimensions };
    this.#client = createOpenAIClient(this.#options);
    this.id = `openai:${options.model}:${dimensions}`;
    this.dimensions = dimensions;
    this.maxTokens = options.maxTokens ?? DefaultOpenAIEmbedderOptions.maxTokens;
    this.maxBatchSize = options.maxBatchSize ?? DefaultOpenAIEmbedderOptions.maxBatchSize;
  }

  /**
   * An approximation: no tokenizer ships offline. A quarter of the ASCII characters (English averages
   * about four per token) plus one per other code point (non-Latin scripts often take a token or more
   * each), rounded up, so it errs towards too many tokens and chunks stay under `maxTokens`.
   */
  countTokens(text: string): number {
    let ascii = 0;
    let other = 0;
    for (const character of text) {
      if (character.charCodeAt(0) < 0x80) ascii++;
      else other++;
    }
    return Math.ceil(ascii / 4) + other;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.maxBatchSize) {
      throwIfAborted(options.signal);
      vectors.push(
        ...(await this.#embedBatch(texts.slice(start, start + this.maxBatchSize), options.signal)),
      );
    }
    return vectors;
  }

  async #embedBatch(texts: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const { model, dimensions, sendDimensions, baseURL, apiKey, timeoutMs } = this.#options;
    let data: Array<{ index: number; embedding: unknown }>;
    try {
      // Asking for base64 explicitly makes the SDK hand the payload over undecoded, so servers that
      // ignore `encoding_format` and send float arrays work too (see decodeEmbedding).
      const response = await this.#client.embeddings.create(
        { model, input: texts, encoding_format: 'base64', ...(sendDimensions ? { dimensions } : {}) },
        { signal },
      );
      data = response.data;
    } catch (error) {
      throw toLLMError(error, { operation: 'Embeddings', baseURL, apiKey, timeoutMs, signal });
    }
    if (data.length !== texts.length) {
      throw new ModelError('E_EMBED', `${model} returned ${data.length} vectors for ${texts.length} texts.`);
    }
    return [...data]
      .sort((a, b) => a.index - b.index)
      .map((item) => this.#checked(decodeEmbedding(item.embedding)));
  }

  #checked(vector: Float32Array): Float32Array {
    if (vector.length !== this.dimensions) {
      throw new ArticleQAError(
        'E_DIMENSION_MISMATCH',
        `${this.#options.model} returned vectors of ${vector.length} dimensions, not the configured ${this.dimensions}.`,
        { hint: `Set dimensions to ${vector.length}, or use a model that honours the dimensions parameter.` },
      );
    }
    let sumOfSquares = 0;
    for (const value of vector) sumOfSquares += value * value;
    const norm = Math.sqrt(sumOfSquares);
    if (!Number.isFinite(norm) || norm === 0) {
      throw new ModelError('E_EMBED', `${this.#options.model} returned a zero or non-finite vector.`);
    }
    return vector.map((value) => value / norm);
  }
}

/** Decodes one embedding: base64 of little-endian float32 (OpenAI), or a plain number array. */
function decodeEmbedding(embedding: unknown): Float32Array {
  if (Array.isArray(embedding) && embedding.every((value) => typeof value === 'number')) {
    return Float32Array.from(embedding);
  }
  if (typeof embedding === 'string') {
    const bytes = Buffer.from(embedding, 'base64');
    if (bytes.length % 4 === 0) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
    }
  }
  throw new ModelError('E_EMBED', 'The embeddings endpoint returned a vector in an unknown format.');
}

/**
 * Creates an {@link OpenAIEmbedder}.
 *
 * @example
 * ```ts
 * const embedder = createOpenAIEmbedder({
 *   baseURL: 'https://api.openai.com/v1',
 *   apiKey,
 *   model: 'text-embedding-3-small',
 *   dimensions: 512,
 * });
 * const [vector] = await embedder.embed(['How do heat pumps work?']);
 * ```
 */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): OpenAIEmbedder {
  return new OpenAIEmbedder(options);
}
