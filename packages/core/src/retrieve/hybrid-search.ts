import type { Embedder } from '../embed/embedder.js';
import type { DocumentFilter } from '../shared/document.js';
import { throwIfAborted } from '../shared/errors.js';
import type { ArticleStore, StoredChunk } from '../store/article-store.js';
import { dot, dotQuantised } from '../text/vector-math.js';
import type { RetrievedChunk } from './retrieved-chunk.js';

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
}

/** A sentence of a retrieved chunk and its similarity to the query; offsets in the document. */
export interface SentenceMatch {
  start: number;
  end: number;
  similarity: number;
}

/** A ranked result plus what the answerer reuses: the query vector and the sentences' similarities. */
export interface SearchOutcome {
  results: RetrievedChunk[];
  queryVector: Float32Array;
  /** By chunk id, for results whose chunk has sentence vectors. */
  sentences: Map<number, SentenceMatch[]>;
}

interface Candidate {
  chunk: StoredChunk;
  dense?: number;
  lexical?: number;
  fused: number;
}

/**
 * Hybrid retrieval: dense search over the vector index and BM25 over FTS5, fused by a weighted sum of
 * normalised scores after completing each candidate's missing score.
 */
export async function hybridSearch(
  query: string,
  context: SearchContext,
  options: RetrieveOptions = {},
): Promise<SearchOutcome> {
  const settings = { ...DefaultRetrieveOptions, ...options };
  const { store, embedder } = context;
  const signal = options.signal;
  const [queryVector] = await embedder.embed([query], signal ? { signal } : {});
  if (!queryVector) throw new Error('The embedder returned no vector for the query.');
  throwIfAborted(signal);
  const filter = settings.filter;

  const candidates = new Map<number, Candidate>();
  // Dense candidates.
  const dense = await store.denseSearch({
    vector: queryVector,
    k: settings.denseCandidates,
    filter,
    ...(settings.ef !== undefined ? { ef: settings.ef } : {}),
  });
  for (const { chunk, similarity } of dense) candidates.set(chunk.id, { chunk, dense: similarity, fused: 0 });
  // Lexical candidates. One keyword query ranks every match (FTS5 scores them all to sort anyway); its
  // head becomes candidates and the rest completes the BM25 of dense candidates, which is ~10x cheaper
  // than a second query restricted to their ids.
  const lexical = await store.lexicalSearch({ text: query, limit: settings.lexicalScoreDepth, filter });
  const lexicalScores = new Map<number, number>();
  for (const hit of lexical) lexicalScores.set(hit.chunkId, hit.score);
  const head = lexical.slice(0, settings.lexicalCandidates);
  const newIds = head.filter((hit) => !candidates.has(hit.chunkId)).map((hit) => hit.chunkId);
  for (const chunk of await store.chunksByIds(newIds)) candidates.set(chunk.id, { chunk, fused: 0 });
  // A chunk below the scored depth matched no query term, or too weakly to matter: 0.
  for (const candidate of candidates.values()) candidate.lexical = lexicalScores.get(candidate.chunk.id) ?? 0;
  // Complete dense similarity for lexical-only candidates from the stored vectors.
  const missingDense = [...candidates.values()].filter((candidate) => candidate.dense === undefined);
  const stored = await store.chunkVectors(missingDense.map((candidate) => candidate.chunk.vectorId));
  for (const candidate of missingDense) {
    const vector = stored.get(candidate.chunk.vectorId);
    candidate.dense = vector ? dot(queryVector, vector) : 0;
  }

  const pool = [...candidates.values()];
  fuse(pool, settings.denseWeight);
  const sentences = await scoreSentences(pool, queryVector, store);
  // A store without sentence vectors (an embedder that makes none) keeps the plain fused ranking.
  if (settings.sentenceWeight > 0 && sentences.size > 0)
    mixSentenceScores(pool, sentences, settings.sentenceWeight);
  pool.sort((a, b) => b.fused - a.fused || a.chunk.id - b.chunk.id);
  const ranked =
    settings.mmrLambda < 1
      ? await diversify(pool, settings.k, settings.mmrLambda, store)
      : pool.slice(0, settings.k);
  const results = ranked.map((candidate, position) => toRetrieved(candidate, position + 1));
  const kept = new Map<number, SentenceMatch[]>();
  for (const result of results) {
    const matches = sentences.get(result.chunkId);
    if (matches) kept.set(result.chunkId, matches);
  }
  return {
    results:
      settings.expandNeighbours > 0 ? await expand(results, store, settings.expandNeighbours) : results,
    queryVector,
    sentences: kept,
  };
}

/** Each candidate's sentences with their similarity to the query, from the stored sentence vectors. */
async function scoreSentences(
  pool: readonly Candidate[],
  queryVector: Float32Array,
  store: ArticleStore,
): Promise<Map<number, SentenceMatch[]>> {
  const stored = await store.sentenceVectors([...new Set(pool.map((candidate) => candidate.chunk.vectorId))]);
  const scored = new Map<number, SentenceMatch[]>();
  for (const { chunk } of pool) {
    const vectors = stored.get(chunk.vectorId);
    if (!vectors || vectors.length === 0) continue;
    scored.set(
      chunk.id,
      vectors.map((sentence) => ({
        start: chunk.start + sentence.start,
        end: chunk.start + sentence.end,
        similarity: dotQuantised(queryVector, sentence),
      })),
    );
  }
  return scored;
}

/**
 * Mixes each candidate's best sentence similarity (min-max normalised over the pool) into its fused
 * score. A chunk stored without sentence vectors (written before they existed) stands in with its
 * chunk similarity.
 */
function mixSentenceScores(pool: Candidate[], sentences: Map<number, SentenceMatch[]>, weight: number): void {
  if (pool.length === 0) return;
  const best = pool.map((candidate) => {
    const matches = sentences.get(candidate.chunk.id);
    return matches ? Math.max(...matches.map((match) => match.similarity)) : (candidate.dense ?? 0);
  });
  const [low, high] = [Math.min(...best), Math.max(...best)];
  for (const [position, candidate] of pool.entries()) {
    const normalised = high > low ? (best[position]! - low) / (high - low) : 1;
    candidate.fused = (1 - weight) * candidate.fused + weight * normalised;
  }
}

/** Min-max normalises both scores over the pool and sets the weighted sum. */
function fuse(pool: Candidate[], denseWeight: number): void {
  if (pool.length === 0) return;
  const dense = pool.map((candidate) => candidate.dense ?? 0);
  const lexical = pool.map((candidate) => candidate.lexical ?? 0);
  const [denseMin, denseMax] = [Math.min(...dense), Math.max(...dense)];
  const lexicalMax = Math.max(...lexical);
  for (const candidate of pool) {
    const denseNorm = denseMax > denseMin ? ((candidate.dense ?? 0) - denseMin) / (denseMax - denseMin) : 1;
    // BM25 is scaled by the best score only: a zero BM25 (no term matched) must stay zero.
    const lexicalNorm = lexicalMax > 0 ? (candidate.lexical ?? 0) / lexicalMax : 0;
    candidate.fused = denseWeight * denseNorm + (1 - denseWeight) * lexicalNorm;
  }
}

async function diversify(
  pool: Candidate[],
  k: number,
  lambda: number,
  store: ArticleStore,
): Promise<Candidate[]> {
  const vectors = await store.chunkVectors(pool.map((candidate) => candidate.chunk.vectorId));
  const chosen: Candidate[] = [];
  const remaining = [...pool];
  while (chosen.length < k && remaining.length > 0) {
    let bestIndex = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const [position, candidate] of remaining.entries()) {
      const vector = vectors.get(candidate.chunk.vectorId);
      let redundancy = 0;
      for (const other of chosen) {
        const otherVector = vectors.get(other.chunk.vectorId);
        if (vector && otherVector) redundancy = Math.max(redundancy, dot(vector, otherVector));
      }
      const score = lambda * candidate.fused - (1 - lambda) * redundancy;
      if (score > bestScore) {
        bestScore = score;
        bestIndex = position;
      }
    }
    chosen.push(...remaining.splice(bestIndex, 1));
  }
  return chosen;
}

/** Widens each result to cover its neighbouring chunks (overlapping spans merged). */
async function expand(
  results: RetrievedChunk[],
  store: ArticleStore,
  radius: number,
): Promise<RetrievedChunk[]> {
  const textCache = new Map<string, string>();
  const positions = new Map((await store.chunksByIds(results.map((r) => r.chunkId))).map((c) => [c.id, c]));
  const expanded: RetrievedChunk[] = [];
  for (const result of results) {
    const stored = positions.get(result.chunkId);
    if (!stored) {
      expanded.push(result);
      continue;
    }
    const neighbours = await store.neighbourChunks(result.documentId, stored.position, radius);
    const start = Math.min(result.start, ...neighbours.map((chunk) => chunk.start));
    const end = Math.max(result.end, ...neighbours.map((chunk) => chunk.end));
    if (start === result.start && end === result.end) {
      expanded.push(result);
      continue;
    }
    let text = textCache.get(result.documentId);
    if (text === undefined) {
      text = (await store.documentText(result.documentId)) ?? '';
      textCache.set(result.documentId, text);
    }
    expanded.push({ ...result, start, end, text: text.slice(start, end) });
  }
  return expanded;
}

function toRetrieved(candidate: Candidate, rank: number): RetrievedChunk {
  const { chunk } = candidate;
  return {
    rank,
    chunkId: chunk.id,
    documentId: chunk.documentId,
    title: chunk.title,
    source: chunk.source,
    ...(chunk.url ? { url: chunk.url } : {}),
    ...(chunk.publishedAt ? { publishedAt: chunk.publishedAt } : {}),
    ...(typeof chunk.byline === 'string' && chunk.byline ? { byline: chunk.byline } : {}),
    ...(typeof chunk.siteName === 'string' && chunk.siteName ? { siteName: chunk.siteName } : {}),
    text: chunk.text,
    start: chunk.start,
    end: chunk.end,
    score: candidate.fused,
    scores: {
      ...(candidate.dense !== undefined ? { dense: candidate.dense } : {}),
      ...(candidate.lexical !== undefined ? { lexical: candidate.lexical } : {}),
    },
  };
}
