import type { DocumentLabel } from '../shared/document.js';

/** One chunk returned by retrieval, best first, with its document's label. */
export interface RetrievedChunk extends DocumentLabel {
  /** 1-based position in the result list. */
  rank: number;
  chunkId: number;
  documentId: string;
  /** The chunk text: `document.text.slice(start, end)`. */
  text: string;
  /** Character offsets of the chunk in its document's cleaned text, `[start, end)`. */
  start: number;
  end: number;
  /** Fused score used for ranking (higher is better). */
  score: number;
  /**
   * Each stage's own score: cosine similarity for dense, bm25 (higher is better) for lexical, the
   * reranker's score (the reader's answer margin) when a reranker ordered the chunks.
   */
  scores: { dense?: number; lexical?: number; rerank?: number };
}

/**
 * A chunk's fused retrieval score kept to [0, 1] (fusion min-max normalises it there), so that a
 * caller's own scores cannot swamp the reader's margin they are weighed against.
 */
export function retrievalScore(chunk: Pick<RetrievedChunk, 'score'>): number {
  return Number.isFinite(chunk.score) ? Math.min(1, Math.max(0, chunk.score)) : 0;
}
