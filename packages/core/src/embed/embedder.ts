/** Options for one {@link Embedder.embed} call. */
export interface EmbedOptions {
  /** Cancels the call; the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Turns texts into unit-length vectors. Implementations: the local transformers.js embedder (default,
 * offline) and the OpenAI-compatible embeddings client.
 */
export interface Embedder {
  /** Identifies model and settings; an index records it and refuses a different one. */
  readonly id: string;
  /** Length of every vector. */
  readonly dimensions: number;
  /** Most tokens the model reads per text, special tokens included; longer input is truncated by the model. */
  readonly maxTokens: number;
  /** Most texts sent in one batch. */
  readonly maxBatchSize: number;
  /** Tokens the model's own tokenizer gives `text`, special tokens excluded. */
  countTokens(text: string): number;
  /** Embeds `texts` in order; vectors are L2-normalised. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /**
   * Optional. Embeds texts like `embed` and, from the same model pass, one vector per character span
   * of each text: the normalised mean of the span's contextual token states ("late chunking"). An
   * index uses it to keep a vector per sentence of every chunk at no extra model cost; embedders
   * without it (remote APIs return no token states) get chunk vectors only.
   */
  embedWithSpans?(inputs: readonly SpanInput[], options?: EmbedOptions): Promise<SpanEmbedding[]>;
  /**
   * Loads what the synchronous members (`countTokens`, and for some implementations `dimensions` and
   * `maxTokens`) need. Call `await embedder.ready?.()` once before using them; `embed` does not need it.
   */
  ready?(): Promise<void>;
  /** Releases the model. */
  close?(): Promise<void>;
}

/** A character range `[start, end)` of a text. */
export interface TextSpan {
  start: number;
  end: number;
}

/** A text and the spans of it that get vectors of their own, in ascending, non-overlapping order. */
export interface SpanInput {
  text: string;
  spans: readonly TextSpan[];
}

/** What {@link Embedder.embedWithSpans} returns for one input. */
export interface SpanEmbedding {
  /** The whole text's vector, as `embed` would return it. */
  vector: Float32Array;
  /**
   * One per input span, in order, L2-normalised; `undefined` where the span has no tokens the model
   * read (empty, cut off by truncation, or not locatable with this tokenizer).
   */
  spans: (Float32Array | undefined)[];
}
