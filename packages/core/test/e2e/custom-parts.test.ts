import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, openArticleQA, type Reranker, type RetrievedChunk } from '../../src/index.js';

import { HashingEmbedder } from '../support/hashing-embedder.js';

/** A reranker of its own: chunks naming a year first, the rest after, each group in fused order. */
class YearFirstReranker implements Reranker {
  readonly id = 'test:year-first';
  calls: string[] = [];

  async rerank(query: string, chunks: readonly RetrievedChunk[]): Promise<RetrievedChunk[]> {
    this.calls.push(query);
    const score = (chunk: RetrievedChunk) => (/\b(19|20)\d\d\b/.test(chunk.text) ? 1 : 0);
    return [...chunks]
      .map((chunk) => ({ ...chunk, scores: { ...chunk.scores, rerank: score(chunk) } }))
      .sort((a, b) => b.scores.rerank - a.scores.rerank || a.rank - b.rank)
      .map((chunk, index) => ({ ...chunk, rank: index + 1 }));
  }
}

describe('openArticleQA with a store and a reranker of its own', () => {
  let work: string;
  const store = new MemoryStore();
  const reranker = new YearFirstReranker();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'articleqa-custom-'));
    await writeFile(
      join(work, 'lighthouse.md'),
      '# Gull Island lighthouse reopens\n\nThe lighthouse on Gull Island reopened to visitors on Saturday.\n\nIts lantern room was damaged by a storm in 2017 and rebuilt with new glass.\n',
    );
    await writeFile(
      join(work, 'bakery.md'),
      '# Bakers warn of a rye flour shortage\n\nA poor harvest cut the supply of rye flour by a third.\n',
    );
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('ingests into the store, reranks with the reranker, and answers from them', async () => {
    const qa = await openArticleQA({ store, embedder: new HashingEmbedder(64), reranker });
    const summary = await qa.ingest([work], { cwd: work });
    expect(summary).toMatchObject({ added: 2, failed: 0 });
    // Everything lives in the store: its collection, not a folder, holds the documents.
    expect(store.storage.documents.size).toBe(2);
    expect((await readdir(work)).sort()).toEqual(['bakery.md', 'lighthouse.md']);

    const result = await qa.ask('When was the lantern room of the Gull Island lighthouse damaged?');
    expect(reranker.calls).toEqual(['When was the lantern room of the Gull Island lighthouse damaged?']);
    expect(result.retrieved[0]!.scores.rerank).toBe(1);
    expect(result.retrieved[0]!.text).toContain('2017');
    expect(result.abstained).toBe(false);
    expect(result.answer).toContain('storm in 2017');
    const citation = result.citations[0]!;
    const text = await store.documentText(citation.documentId);
    expect(text!.slice(citation.start, citation.end)).toBe(citation.quote);

    expect((await qa.stats()).location).toBe('memory');
    expect((await qa.listDocuments()).map((document) => document.title)).toEqual([
      'Bakers warn of a rye flour shortage',
      'Gull Island lighthouse reopens',
    ]);
    const removed = await qa.remove([join(work, 'bakery.md')]);
    expect(removed.removed.map((document) => document.title)).toEqual([
      'Bakers warn of a rye flour shortage',
    ]);
    expect(store.storage.documents.size).toBe(1);
    await qa.close();
  });
});
