import type { Embedder } from '../embed/embedder.js';
import type { DocumentFilter } from '../shared/document.js';
import { throwIfAborted } from '../shared/errors.js';
import type { ArticleStore } from '../store/article-store.js';
import type { Reranker } from './rerank.js';
import type { RetrievedChunk } from './retrieved-chunk.js';
import {
  diversify,
  expandNeighbours,
  fuseScores,
  gatherCandidates,
  mixSentenceScores,
  type SentenceMatch,
  scoreSentences,
  toRetrieved,
} from './stages.js';

export type { SentenceMatch } from './stages.js';

/** Retrieval settings; see {@link DefaultRetrieveOptions}. */
export interface RetrieveOptions {
  /** Chunks returned. */
  k?: number;
  filter?: DocumentFilter;
  /** Candidates taken from the vector index before fusion. */
  denseCandidates?: number;
  /** Candidates taken from BM25 before fusion. */
  lexicalCandidates?: number;
  /** BM25 matches scored per query, to complete the lexical score of dense candidates. */
  lexicalScoreDepth?: number;
  /**
   * Weight of the dense score in the fused score; BM25 gets the rest. Both are min-max normalised
   * over the candidate pool first, and every candidate gets both scores (the missing one is computed),
   * which is what keeps fusion from losing BM25's precision at rank 1 the way plain RRF does.
   */
  denseWeight?: number;
  /**
   * MMR trade-off between relevance (1) and diversity (0). 1 turns MMR off.
   */
  mmrLambda?: number;
  /** Neighbouring chunks merged into each result on each side (0: none). */
  expandNeighbours?: number;
  /** HNSW query breadth; by default the store picks one for its size (see `HnswVectorStore.efFor`). */
  ef?: number;
  /**
   * Weight of the best sentence's similarity to the query in a chunk's final score (the rest is the
   * fused chunk score). A question usually paraphrases one sentence, and a chunk-level vector dilutes
   * it among the chunk's other sentences. Sentence vectors come from the same model pass as the chunk
   * vector (see `Embedder.embedWithSpans`); chunks stored without them use their chunk similarity.
   * 0 turns it off. On the SQuAD half (5,397 questions), 0.3 raised answer recall@1 from 0.826 to
   * 0.835, @10 from 0.980 to 0.986 and within 2,500 characters from 0.940 to 0.946; 0.2 and 0.4
   * measured within 0.004 of it.
   */
  sentenceWeight?: number;
  signal?: AbortSignal;
}

/** Measured on the SQuAD dev half (docs/benchmarks.md); kept general, nothing SQuAD-specific. */
export const DefaultRetrieveOptions = {
  k: 10,
  filter: {},
  denseCandidates: 50,
  lexicalCandidates: 50,
  lexicalScoreDepth: 1000,
  denseWeight: 0.4,
  mmrLambda: 1,
  expandNeighbours: 0,
  sentenceWeight: 0.3,
} as const satisfies Required<Omit<RetrieveOptions, 'signal' | 'ef'>>;

/** What hybrid search needs, injected. */
export interface SearchContext {
  store: ArticleStore;
  embedder: Embedder;
  /** Reorders the ranked chunks before diversity and expansion; none by default. */
  reranker?: Reranker;
}

/** A ranked result plus what the answerer reuses: the query vector and the sentences' similarities. */
export interface SearchOutcome {
  results: RetrievedChunk[];
  queryVector: Float32Array;
  /** By chunk id, for results whose chunk has sentence vectors. */
  sentences: Map<number, SentenceMatch[]>;
  /** Milliseconds in the stages before reranking, and in reranking (0 without a reranker). */
  timings: { searchMs: number; rerankMs: number };
}

/**
 * Hybrid retrieval, the stages composed in order: the query's vector; candidates from dense and keyword
 * search, each completed with the other's score ({@link gatherCandidates}); fusion by a weighted sum of
 * normalised scores ({@link fuseScores}); the best sentence's similarity mixed in ({@link mixSentenceScores});
 * the top `k`, chosen for diversity by MMR when `mmrLambda < 1` ({@link diversify}); the reranker, when
 * given, reordering them; neighbour expansion ({@link expandNeighbours}).
 */
export async function hybridSearch(
  query: string,
  context: SearchContext,
  options: RetrieveOptions = {},
): Promise<SearchOutcome> {
  const started = performance.now();
  const settings = { ...DefaultRetrieveOptions, ...options };
  const { store, embedder, reranker } = context;
  const signal = options.signal;
  const [queryVector] = await embedder.embed([query], signal ? { signal } : {});
  if (!queryVector) throw new Error('The embedder returned no vector for the query.');
  throwIfAborted(signal);

  const pool = await gatherCandidates(query, queryVector, store, {
    denseCandidates: settings.denseCandidates,
    lexicalCandidates: settings.lexicalCandidates,
    lexicalScoreDepth: settings.lexicalScoreDepth,
    filter: settings.filter,
    ...(settings.ef !== undefined ? { ef: settings.ef } : {}),
  });
  fuseScores(pool, settings.denseWeight);
  const sentences = await scoreSentences(pool, queryVector, store);
  // A store without sentence vectors (an embedder that makes none) keeps the plain fused ranking.
  if (settings.sentenceWeight > 0 && sentences.size > 0)
    mixSentenceScores(pool, sentences, settings.sentenceWeight);
  pool.sort((a, b) => b.fused - a.fused || a.chunk.id - b.chunk.id);
  const ranked =
    settings.mmrLambda < 1
      ? await diversify(pool, settings.k, settings.mmrLambda, store)
      : pool.slice(0, settings.k);
  let results = ranked.map((candidate, position) => toRetrieved(candidate, position + 1));
  const searched = performance.now();
  if (reranker) results = await reranker.rerank(query, results, signal ? { signal } : {});
  const reranked = performance.now();
  const kept = new Map<number, SentenceMatch[]>();
  for (const result of results) {
    const matches = sentences.get(result.chunkId);
    if (matches) kept.set(result.chunkId, matches);
  }
  return {
    results:
      settings.expandNeighbours > 0
        ? await expandNeighbours(results, store, settings.expandNeighbours)
        : results,
    queryVector,
    sentences: kept,
    timings: { searchMs: searched - started, rerankMs: reranker ? reranked - searched : 0 },
  };
}
