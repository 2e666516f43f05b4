import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answerer } from '../answer/answerer.js';
import type { Reranker } from '../retrieve/rerank.js';
import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';
import { isArticleQAError } from '../shared/errors.js';

/** An article split into retrieved chunks, for the reranker and answerer contracts. */
export const CONTRACT_ARTICLE = {
  documentId: 'contract-police',
  title: 'China wants police in internet companies',
  chunks: [
    'Heavy rain fell across the coast on Monday, and the ferries stayed in port.',
    'The Ministry of Public Security will set up network security offices inside major internet firms.',
    'Deputy minister Chen Zhimin announced the plan in Beijing on Tuesday.',
    'Shares in the companies were little changed after the announcement.',
  ],
} as const;

/** The article's full text (chunks joined by blank lines), which chunk offsets index into. */
export const CONTRACT_TEXT = CONTRACT_ARTICLE.chunks.join('\n\n');

/** The article's chunks as retrieval returns them, in the given order (indexes into `chunks`). */
export function contractChunks(order: readonly number[] = [0, 1, 2, 3]): RetrievedChunk[] {
  return order.map((index, rank) => {
    const text = CONTRACT_ARTICLE.chunks[index]!;
    const start = CONTRACT_TEXT.indexOf(text);
    return {
      rank: rank + 1,
      chunkId: index + 1,
      documentId: CONTRACT_ARTICLE.documentId,
      title: CONTRACT_ARTICLE.title,
      source: '/contract/police.md',
      text,
      start,
      end: start + text.length,
      score: 1 - rank * 0.1,
      scores: { dense: 0.65, lexical: 1 },
    };
  });
}

/** How the reranker contract gets the reranker to test. */
export interface RerankerContractHarness {
  create(): Promise<Reranker>;
  close?(): Promise<void>;
}

/**
 * The behaviour every {@link Reranker} must have: the same chunks back, ranks renumbered, its score in
 * `scores.rerank` for the chunks it read, the answering chunk first, cancellable.
 */
export function describeRerankerContract(name: string, harness: RerankerContractHarness): void {
  describe(`${name} (Reranker contract)`, () => {
    let reranker: Reranker;
    beforeAll(async () => {
      reranker = await harness.create();
    });
    afterAll(async () => {
      await harness.close?.();
    });

    it('returns the same chunks, renumbered, with the answering one first', async () => {
      const chunks = contractChunks([0, 3, 2, 1]);
      const reranked = await reranker.rerank('Who announced the plan in Beijing?', chunks);
      expect(reranked.map((chunk) => chunk.chunkId).sort()).toEqual(
        chunks.map((chunk) => chunk.chunkId).sort(),
      );
      expect(reranked.map((chunk) => chunk.rank)).toEqual([1, 2, 3, 4]);
      expect(reranked[0]!.chunkId).toBe(3);
      expect(typeof reranked[0]!.scores.rerank).toBe('number');
      for (const chunk of reranked) {
        const original = chunks.find((entry) => entry.chunkId === chunk.chunkId)!;
        expect({ ...chunk, rank: 0, scores: {} }).toEqual({ ...original, rank: 0, scores: {} });
      }
      expect(reranker.id).toMatch(/\S/);
    });

    it('returns nothing for nothing', async () => {
      expect(await reranker.rerank('Who announced the plan?', [])).toEqual([]);
    });

    it('rejects a cancelled call with E_ABORTED', async () => {
      const controller = new AbortController();
      controller.abort();
      const error = await reranker
        .rerank('Who announced the plan?', contractChunks(), { signal: controller.signal })
        .catch((caught: unknown) => caught);
      expect(isArticleQAError(error, 'E_ABORTED')).toBe(true);
    });
  });
}

/** How the answerer contract gets the answerer to test. */
export interface AnswererContractHarness {
  create(): Promise<Answerer>;
  close?(): Promise<void>;
}

/**
 * The behaviour every offline {@link Answerer} must have: an answer whose `[n]` markers match its
 * citations, each citation quoting the document exactly at its offsets; abstention without sources.
 */
export function describeAnswererContract(name: string, harness: AnswererContractHarness): void {
  describe(`${name} (Answerer contract)`, () => {
    let answerer: Answerer;
    beforeAll(async () => {
      answerer = await harness.create();
    });
    afterAll(async () => {
      await harness.close?.();
    });

    const ask = (question: string, sources: RetrievedChunk[]) =>
      answerer.answer({ question, standaloneQuestion: question, history: [], sources });

    it('answers from the sources with citations that quote them exactly', async () => {
      const output = await ask('Who announced the plan in Beijing?', contractChunks([1, 2, 0, 3]));
      expect(output.abstained).toBe(false);
      expect(output.answer).toMatch(/Chen Zhimin/);
      expect(output.citations.length).toBeGreaterThan(0);
      const markers = [...output.answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
      expect(markers.length).toBeGreaterThan(0);
      for (const n of markers) expect(output.citations.some((citation) => citation.n === n)).toBe(true);
      for (const citation of output.citations) {
        expect(citation.documentId).toBe(CONTRACT_ARTICLE.documentId);
        expect(CONTRACT_TEXT.slice(citation.start, citation.end)).toBe(citation.quote);
      }
      expect(['extractive', 'llm']).toContain(output.answerer);
    });

    it('abstains without sources, citing nothing', async () => {
      const output = await ask('Who announced the plan?', []);
      expect(output.abstained).toBe(true);
      expect(output.citations).toEqual([]);
      expect(output.answer).toMatch(/\S/);
    });
  });
}
