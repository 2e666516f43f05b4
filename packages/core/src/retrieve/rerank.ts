import { bundledCalibration } from '../read/bundled-calibration.js';
import type { Reader } from '../read/reader.js';
import { type RetrievedChunk, retrievalScore } from './retrieved-chunk.js';

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
  /**
   * Margin (answer span score minus "no answer" score) above which a chunk is moved ahead of the fused
   * order; `-Infinity` orders every read chunk by margin alone. Margins shift from one trained reader to
   * the next, so the value is fitted per reader: the default is the bundled reader's (`promoteAbove` in
   * `models/reader/abstention.json`, chosen on article folds by `pnpm bench`), else 0.
   */
  promoteAbove?: number;
  /**
   * Weight of a chunk's fused retrieval score (in [0, 1]) added to its margin when ordering the promoted
   * chunks: the reader reads one passage at a time, retrieval weighs the whole question against the
   * whole collection, and together they put the answering chunk first more often than either alone. 0
   * orders by margin alone. The default is the bundled reader's (`rerankRetrievalWeight` in
   * `models/reader/abstention.json`, fitted with `promoteAbove`), else 0.
   */
  retrievalWeight?: number;
}

/**
 * Moves the chunks the reader finds an answer in to the front, by its margin (how much more likely an
 * answer span is than "no answer"), so that the chunk that answers comes first, for an LLM's prompt and
 * for the offline answer alike. The reader remembers its readings, so the answerer reads the same
 * chunks again at no cost.
 */
export class ReaderReranker implements Reranker {
  readonly id: string;
  readonly #reader: Reader;
  readonly #depth: number;
  readonly #promoteAbove: number;
  readonly #retrievalWeight: number;

  constructor(reader: Reader, options: ReaderRerankerOptions = {}) {
    this.#reader = reader;
    this.#depth = options.depth ?? 5;
    const { promoteAbove, rerankRetrievalWeight } = bundledCalibration();
    this.#promoteAbove = options.promoteAbove ?? (typeof promoteAbove === 'number' ? promoteAbove : 0);
    this.#retrievalWeight =
      options.retrievalWeight ?? (typeof rerankRetrievalWeight === 'number' ? rerankRetrievalWeight : 0);
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
      order: readings[index]!.margin + this.#retrievalWeight * retrievalScore(chunk),
      index,
    }));
    // Chunks the reader finds an answer in (margin above `promoteAbove`) move to the front, best first
    // by margin plus weighted retrieval score; the others keep the fused order behind them. The fused
    // order carries evidence the reader does not see (the whole query's similarity, rare terms), so it
    // is overruled only on the reader's say-so.
    const promoted = scored
      .filter((entry) => entry.chunk.scores.rerank > this.#promoteAbove)
      .sort((a, b) => b.order - a.order || a.index - b.index);
    const kept = scored.filter((entry) => !(entry.chunk.scores.rerank > this.#promoteAbove));
    const ordered: RetrievedChunk[] = [...promoted, ...kept].map((entry) => entry.chunk);
    return [...ordered, ...chunks.slice(this.#depth)].map((chunk, index) => ({ ...chunk, rank: index + 1 }));
  }
}
