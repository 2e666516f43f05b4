import type { Embedder } from '../embed/embedder.js';
import { throwIfAborted } from '../shared/errors.js';
import type { Catalog, CatalogFilter, StoredChunk } from '../store/catalog.js';
import { dotQuantised } from '../store/sentence-vectors.js';
import type { VectorStore } from '../store/vector-store.js';
import { dot } from '../text/vector-math.js';
import { toFtsQuery } from './fts-query.js';
import type { RetrievedChunk } from './retrieved-chunk.js';

/** Retrieval settings; see {@link DefaultRetrieveOptions}. */
export interface RetrieveOptions {
  /** Chunks returned. */
  k?: number;
  filter?: CatalogFilter;
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
  /** Below this many allowed chunks, filtered dense search is exact instead of filtered HNSW. */
  exactFilterLimit?: number;
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
  exactFilterLimit: 20_000,
} as const satisfies Required<Omit<RetrieveOptions, 'signal' | 'ef'>>;

/** What hybrid search needs, injected. */
export interface SearchContext {
  catalog: Catalog;
  vectors: VectorStore;
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
  const { catalog, embedder } = context;
  const signal = options.signal;
  const [queryVector] = await embedder.embed([query], signal ? { signal } : {});
  if (!queryVector) throw new Error('The embedder returned no vector for the query.');
  throwIfAborted(signal);

  const allowedChunks = isEmptyFilter(settings.filter)
    ? undefined
    : catalog.filteredChunkIds(settings.filter);
  if (allowedChunks && allowedChunks.length === 0) return { results: [], queryVector, sentences: new Map() };
  const allowedSet = allowedChunks ? new Set(allowedChunks) : undefined;

  const candidates = new Map<number, Candidate>();
  // Dense candidates.
  const dense = await denseMatches(queryVector, context, settings, allowedChunks);
  const similarity = new Map(dense.map((match) => [match.id, match.similarity]));
  for (const chunk of catalog.chunksByVectorIds(dense.map((match) => match.id))) {
    if (allowedSet && !allowedSet.has(chunk.id)) continue;
    candidates.set(chunk.id, { chunk, dense: similarity.get(chunk.vectorId) ?? 0, fused: 0 });
  }
  // Lexical candidates. One BM25 query ranks every match (FTS5 scores them all to sort anyway); its
  // head becomes candidates and the rest completes the BM25 of dense candidates, which is ~10x cheaper
  // than a second query restricted to their rowids.
  const match = toFtsQuery(query);
  const lexicalScores = new Map<number, number>();
  if (match) {
    const lexical = catalog.lexicalSearch(match, settings.lexicalScoreDepth, allowedChunks);
    for (const hit of lexical) lexicalScores.set(hit.chunkId, hit.score);
    const head = lexical.slice(0, settings.lexicalCandidates);
    const newIds = head.filter((hit) => !candidates.has(hit.chunkId)).map((hit) => hit.chunkId);
    for (const chunk of catalog.chunksByIds(newIds)) candidates.set(chunk.id, { chunk, fused: 0 });
  }
  // A chunk below the scored depth matched no query term, or too weakly to matter: 0.
  for (const candidate of candidates.values()) candidate.lexical = lexicalScores.get(candidate.chunk.id) ?? 0;
  // Complete dense similarity for lexical-only candidates from the stored vectors.
  const missingDense = [...candidates.values()].filter((candidate) => candidate.dense === undefined);
  const stored = catalog.vectorsByIds(missingDense.map((candidate) => candidate.chunk.vectorId));
  for (const candidate of missingDense) {
    const vector = stored.get(candidate.chunk.vectorId);
    candidate.dense = vector ? dot(queryVector, vector) : 0;
  }

  const pool = [...candidates.values()];
  fuse(pool, settings.denseWeight);
  const sentences = scoreSentences(pool, queryVector, catalog);
  // An index without sentence vectors (an embedder that makes none) keeps the plain fused ranking.
  if (settings.sentenceWeight > 0 && sentences.size > 0)
    mixSentenceScores(pool, sentences, settings.sentenceWeight);
  pool.sort((a, b) => b.fused - a.fused || a.chunk.id - b.chunk.id);
  const ranked =
    settings.mmrLambda < 1
      ? await diversify(pool, settings.k, settings.mmrLambda, catalog)
      : pool.slice(0, settings.k);
  const results = ranked.map((candidate, position) => toRetrieved(candidate, position + 1));
  const kept = new Map<number, SentenceMatch[]>();
  for (const result of results) {
    const matches = sentences.get(result.chunkId);
    if (matches) kept.set(result.chunkId, matches);
  }
  return {
    results: settings.expandNeighbours > 0 ? expand(results, catalog, settings.expandNeighbours) : results,
    queryVector,
    sentences: kept,
  };
}

async function denseMatches(
  queryVector: Float32Array,
  context: SearchContext,
  settings: { denseCandidates: number; ef?: number; exactFilterLimit: number },
  allowedChunks: number[] | undefined,
): Promise<{ id: number; similarity: number }[]> {
  if (!allowedChunks)
    return context.vectors.query({
      vector: queryVector,
      k: settings.denseCandidates,
      ...(settings.ef !== undefined ? { ef: settings.ef } : {}),
    });
  const allowedVectors = new Set(context.catalog.chunksByIds(allowedChunks).map((chunk) => chunk.vectorId));
  if (allowedVectors.size <= settings.exactFilterLimit) {
    // Filtered HNSW search can miss when few vectors pass; below the limit exact search is cheap and exact.
    const scored = [...context.catalog.vectorsByIds([...allowedVectors])].map(([id, vector]) => ({
      id,
      similarity: dot(queryVector, vector),
    }));
    return scored.sort((a, b) => b.similarity - a.similarity).slice(0, settings.denseCandidates);
  }
  return context.vectors.query({
    vector: queryVector,
    k: settings.denseCandidates,
    ef: Math.max(settings.ef ?? 0, settings.denseCandidates * 4),
    filter: (id) => allowedVectors.has(id),
  });
}

/** Each candidate's sentences with their similarity to the query, from the stored sentence vectors. */
function scoreSentences(
  pool: readonly Candidate[],
  queryVector: Float32Array,
  catalog: Catalog,
): Map<number, SentenceMatch[]> {
  const stored = catalog.sentenceVectorsByIds([
    ...new Set(pool.map((candidate) => candidate.chunk.vectorId)),
  ]);
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
  catalog: Catalog,
): Promise<Candidate[]> {
  const vectors = catalog.vectorsByIds(pool.map((candidate) => candidate.chunk.vectorId));
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
function expand(results: RetrievedChunk[], catalog: Catalog, radius: number): RetrievedChunk[] {
  const textCache = new Map<string, string>();
  return results.map((result) => {
    const stored = catalog.chunksByIds([result.chunkId])[0];
    if (!stored) return result;
    const neighbours = catalog.neighbourChunks(result.documentId, stored.position, radius);
    const start = Math.min(result.start, ...neighbours.map((chunk) => chunk.start));
    const end = Math.max(result.end, ...neighbours.map((chunk) => chunk.end));
    if (start === result.start && end === result.end) return result;
    let text = textCache.get(result.documentId);
    if (text === undefined) {
      text = catalog.getDocumentText(result.documentId) ?? '';
      textCache.set(result.documentId, text);
    }
    return { ...result, start, end, text: text.slice(start, end) };
  });
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

function isEmptyFilter(filter: CatalogFilter): boolean {
  return (
    filter.documentIds === undefined &&
    filter.source === undefined &&
    filter.publishedAfter === undefined &&
    filter.publishedBefore === undefined
  );
}
