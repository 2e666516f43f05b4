import type { Reader } from '../read/reader.js';
import type { RetrievedChunk } from './retrieved-chunk.js';

/** Options for one {@link Reranker.rerank} call. */
export interface RerankOptions {
  signal?: AbortSignal;
}

/**
 * Reorders retrieved chunks by reading them against the query: the stage between fusion and the
 * context budget. Returns the same chunks (each with `scores.rerank` set), best first, ranks renumbered.
 */
export interface Reranker {
  readonly id: string;
  rerank(
    query: string,
    chunks: readonly RetrievedChunk[],
    options?: RerankOptions,
  ): Promise<RetrievedChunk[]>;
}

/** Settings of {@link ReaderReranker}. */
export interface ReaderRerankerOptions {
  /**
   * Chunks read; the rest keep their fused order after them. Reading costs ~15-30 ms a chunk on two
   * cores (the whole of `ask`'s budget), so only the head of the fused list is read.
   * @defaultValue 5
   */
  depth?: number;
}

/**
 * Ranks chunks by the reader's margin (how much more likely an answer span is than "no answer") so that
 * the chunk that answers comes first, for the offline answer and for an LLM's prompt alike. The reader
 * remembers its readings, so the answerer reads the same chunks again at no cost.
 */
export class ReaderReranker implements Reranker {
  readonly id: string;
  readonly #reader: Reader;
  readonly #depth: number;

  constructor(reader: Reader, options: ReaderRerankerOptions = {}) {
    this.#reader = reader;
    this.#depth = options.depth ?? 5;
    this.id = `reader:${reader.id}`;
  }

  async rerank(
    query: string,
    chunks: readonly RetrievedChunk[],
    options: RerankOptions = {},
  ): Promise<RetrievedChunk[]> {
    const head = chunks.slice(0, this.#depth);
    const readings = await this.#reader.read(
      query,
      head.map((chunk) => chunk.text),
      options.signal ? { signal: options.signal } : {},
    );
    const scored = head.map((chunk, index) => ({
      chunk: { ...chunk, scores: { ...chunk.scores, rerank: readings[index]!.margin } },
      index,
    }));
    // Ties (equal margins) keep the fused order.
    scored.sort((a, b) => b.chunk.scores.rerank - a.chunk.scores.rerank || a.index - b.index);
    return [...scored.map((entry) => entry.chunk), ...chunks.slice(this.#depth)].map((chunk, index) => ({
      ...chunk,
      rank: index + 1,
    }));
  }
}
