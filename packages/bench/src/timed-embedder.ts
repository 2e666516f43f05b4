import type { Embedder, EmbedOptions, SpanEmbedding, SpanInput } from '@articleqa/core';

/**
 * Wraps an embedder and adds up the time spent in `embed` and `countTokens`, so the ingest benchmark
 * can say where the pipeline's time goes. The cost of the wrapper is two `performance.now()` calls per
 * call: far below the resolution of the numbers it produces.
 */
export class TimedEmbedder implements Embedder {
  embedMs = 0;
  embedCalls = 0;
  embeddedTexts = 0;
  tokenizeMs = 0;
  readonly #inner: Embedder;

  constructor(inner: Embedder) {
    this.#inner = inner;
    const withSpans = inner.embedWithSpans?.bind(inner);
    if (withSpans) {
      this.embedWithSpans = (inputs, options) => this.#timed(inputs.length, () => withSpans(inputs, options));
    }
  }

  get id(): string {
    return this.#inner.id;
  }
  get dimensions(): number {
    return this.#inner.dimensions;
  }
  get maxTokens(): number {
    return this.#inner.maxTokens;
  }
  get maxBatchSize(): number {
    return this.#inner.maxBatchSize;
  }

  countTokens(text: string): number {
    const started = performance.now();
    const count = this.#inner.countTokens(text);
    this.tokenizeMs += performance.now() - started;
    return count;
  }

  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    return this.#timed(texts.length, () => this.#inner.embed(texts, options));
  }

  async #timed<T>(texts: number, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.embedMs += performance.now() - started;
      this.embedCalls += 1;
      this.embeddedTexts += texts;
    }
  }

  /** Present exactly when the wrapped embedder has it, so ingest takes the same path through both. */
  readonly embedWithSpans?: (
    inputs: readonly SpanInput[],
    options?: EmbedOptions,
  ) => Promise<SpanEmbedding[]>;

  async ready(): Promise<void> {
    await this.#inner.ready?.();
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }
}
