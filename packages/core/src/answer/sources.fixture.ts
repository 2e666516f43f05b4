import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';

/** The n-th retrieved chunk of a document of its own ("doc-n", "Article n"), holding `text` whole. */
export function retrievedSource(
  n: number,
  text: string,
  extra: Partial<RetrievedChunk> = {},
): RetrievedChunk {
  return {
    rank: n,
    chunkId: n,
    documentId: `doc-${n}`,
    title: `Article ${n}`,
    source: `doc-${n}.md`,
    text,
    start: 0,
    end: text.length,
    score: 1,
    scores: {},
    ...extra,
  };
}
