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
   * Loads what the synchronous members (`countTokens`, and for some implementations `dimensions` and
   * `maxTokens`) need. Call `await embedder.ready?.()` once before using them; `embed` does not need it.
   */
  ready?(): Promise<void>;
  /** Releases the model. */
  close?(): Promise<void>;
}
