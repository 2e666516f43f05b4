import { createHash } from 'node:crypto';
import type { Embedder, EmbedOptions, SpanEmbedding, SpanInput } from '../../src/embed/embedder.js';
import { throwIfAborted } from '../../src/shared/errors.js';

/**
 * A deterministic bag-of-words embedder for fast store and retrieval tests: texts that share words
 * get similar vectors. Not a model; the real one is tested in src/embed and test/e2e.
 */
export class HashingEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly maxTokens = 256;
  readonly maxBatchSize = 64;
  calls: string[][] = [];

  constructor(dimensions = 64, id = 'test:hashing') {
    this.dimensions = dimensions;
    this.id = `${id}:${dimensions}`;
  }

  countTokens(text: string): number {
    return text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(options.signal);
    this.calls.push([...texts]);
    return texts.map((text) => this.#vector(text));
  }

  /** Span vectors are the spans' own bag-of-words vectors (no context, unlike a real model). */
  async embedWithSpans(inputs: readonly SpanInput[], options: EmbedOptions = {}): Promise<SpanEmbedding[]> {
    const vectors = await this.embed(
      inputs.map((input) => input.text),
      options,
    );
    return inputs.map((input, index) => ({
      vector: vectors[index]!,
      spans: input.spans.map((span) =>
        span.end > span.start ? this.#vector(input.text.slice(span.start, span.end)) : undefined,
      ),
    }));
  }

  #vector(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      const digest = createHash('md5').update(word).digest();
      vector[digest.readUInt16LE(0) % this.dimensions]! += 1;
      vector[digest.readUInt16LE(2) % this.dimensions]! += 0.5;
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => value / norm);
  }

  get embeddedTexts(): number {
    return this.calls.reduce((sum, batch) => sum + batch.length, 0);
  }
}
