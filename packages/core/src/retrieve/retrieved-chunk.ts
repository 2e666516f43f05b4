/** One chunk returned by retrieval, best first. */
export interface RetrievedChunk {
  /** 1-based position in the result list. */
  rank: number;
  chunkId: number;
  documentId: string;
  title: string;
  /** Document source (path or URL). */
  source: string;
  url?: string;
  publishedAt?: string;
  /** The chunk text: `document.text.slice(start, end)`. */
  text: string;
  /** Character offsets of the chunk in its document's cleaned text, `[start, end)`. */
  start: number;
  end: number;
  /** Fused score used for ranking (higher is better). */
  score: number;
  /** Each retriever's own score: cosine similarity for dense, bm25 (higher is better) for lexical. */
  scores: { dense?: number; lexical?: number };
}
