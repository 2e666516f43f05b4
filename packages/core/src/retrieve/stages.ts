import type { DocumentFilter } from '../shared/document.js';
import type { ArticleStore, StoredChunk } from '../store/article-store.js';
import { dot, dotQuantised } from '../text/vector-math.js';
import type { RetrievedChunk } from './retrieved-chunk.js';

// The stages of retrieval, each a small function; `hybridSearch` composes them in order:
// candidates (dense + keyword) → fusion → sentence evidence → top k (diversity) → rerank → expansion.

/** A chunk in the running, with the score of each stage so far. */
export interface Candidate {
  chunk: StoredChunk;
  /** Cosine similarity to the query. */
  dense?: number;
  /** Keyword score (BM25 for the local store), 0 when no query term matched. */
  lexical?: number;
  /** The combined score ranking uses. */
  fused: number;
}

/** A sentence of a retrieved chunk and its similarity to the query; offsets in the document. */
export interface SentenceMatch {
  start: number;
  end: number;
  similarity: number;
}

/** Settings of {@link gatherCandidates}. */
export interface CandidateOptions {
  /** Vectors taken from dense search. */
  denseCandidates: number;
  /** Chunks taken from the head of keyword search. */
  lexicalCandidates: number;
  /** Keyword matches scored, to complete the keyword score of dense candidates. */
  lexicalScoreDepth: number;
  filter?: DocumentFilter;
  ef?: number;
}

/**
 * Stage 1, candidates: the nearest chunks by vector and the best by keywords, each given both scores.
 * One keyword query ranks every match (FTS5 scores them all to sort anyway); its head becomes
 * candidates and the rest completes the keyword score of dense candidates, ~10x cheaper than a second
 * query restricted to their ids. Keyword-only candidates get their similarity from the stored vectors.
 */
export async function gatherCandidates(
  query: string,
  queryVector: Float32Array,
  store: ArticleStore,
  options: CandidateOptions,
): Promise<Candidate[]> {
  const candidates = new Map<number, Candidate>();
  const dense = await store.denseSearch({
    vector: queryVector,
    k: options.denseCandidates,
    ...(options.filter ? { filter: options.filter } : {}),
    ...(options.ef !== undefined ? { ef: options.ef } : {}),
  });
  for (const { chunk, similarity } of dense) candidates.set(chunk.id, { chunk, dense: similarity, fused: 0 });
  const lexical = await store.lexicalSearch({
    text: query,
    limit: options.lexicalScoreDepth,
    ...(options.filter ? { filter: options.filter } : {}),
  });
  const lexicalScores = new Map<number, number>();
  for (const hit of lexical) lexicalScores.set(hit.chunkId, hit.score);
  const head = lexical.slice(0, options.lexicalCandidates);
  const newIds = head.filter((hit) => !candidates.has(hit.chunkId)).map((hit) => hit.chunkId);
  for (const chunk of await store.chunksByIds(newIds)) candidates.set(chunk.id, { chunk, fused: 0 });
  // A chunk below the scored depth matched no query term, or too weakly to matter: 0.
  for (const candidate of candidates.values()) candidate.lexical = lexicalScores.get(candidate.chunk.id) ?? 0;
  const missingDense = [...candidates.values()].filter((candidate) => candidate.dense === undefined);
  const stored = await store.chunkVectors(missingDense.map((candidate) => candidate.chunk.vectorId));
  for (const candidate of missingDense) {
    const vector = stored.get(candidate.chunk.vectorId);
    candidate.dense = vector ? dot(queryVector, vector) : 0;
  }
  return [...candidates.values()];
}

/** Stage 3, sentence evidence: each candidate's sentences with their similarity to the query, from the stored sentence vectors. */
export async function scoreSentences(
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
export function mixSentenceScores(
  pool: Candidate[],
  sentences: Map<number, SentenceMatch[]>,
  weight: number,
): void {
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

/** Stage 2, fusion: min-max normalises both scores over the pool and sets their weighted sum. */
export function fuseScores(pool: Candidate[], denseWeight: number): void {
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

export async function diversify(
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

/** Stage 6, expansion: widens each result to cover its neighbouring chunks (overlapping spans merged). */
export async function expandNeighbours(
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

/** A ranked candidate as retrieval returns it. */
export function toRetrieved(candidate: Candidate, rank: number): RetrievedChunk {
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
