import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentTerms, type Embedder, openArticleQA } from '@articleqa/core';
import { textVector } from '@articleqa/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresStore } from '../src/index.js';
import { startTestServer, type TestServer } from '../src/testing/pglite-server.js';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  [server, dir] = await Promise.all([startTestServer(), mkdtemp(join(tmpdir(), 'articleqa-pg-'))]);
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A deterministic embedder without a model: hashed word vectors. */
const embedder: Embedder = {
  id: 'test:hashing-16',
  dimensions: 16,
  maxTokens: 512,
  maxBatchSize: 32,
  countTokens: (text) => contentTerms(text).length + 1,
  embed: async (texts) => texts.map((text) => textVector(text, 16)),
};

it('ingests, searches, answers and removes through openArticleQA on Postgres', async () => {
  const police = join(dir, 'police.md');
  const weather = join(dir, 'weather.md');
  await writeFile(
    police,
    '---\ntitle: China wants police in internet companies\npublishedAt: 2015-08-05\n---\n\n' +
      'The Ministry of Public Security will set up network security offices inside internet firms. ' +
      'Deputy minister Chen Zhimin announced the plan.\n',
  );
  await writeFile(
    weather,
    '# Storms across the coast\n\nHeavy rain and strong wind hit the coast on Monday.\n',
  );

  const store = createPostgresStore({ connectionString: server.connectionString, schema: 'qa' });
  const qa = await openArticleQA({ store, embedder });
  try {
    const summary = await qa.ingest([dir]);
    expect(summary).toMatchObject({ added: 2, failed: 0, documents: 2 });
    expect((await qa.ingest([dir])).unchanged).toBe(2);

    const [best] = await qa.search('Who announced the network security plan?');
    expect(best?.source).toBe(police);
    const answer = await qa.ask('Who announced the network security plan?');
    const [citation] = answer.citations;
    expect(citation?.documentId).toBe(best?.documentId);
    // Citations quote the stored text at the stored offsets.
    const text = await store.documentText(citation!.documentId);
    expect(citation!.quote).toMatch(/announced/);
    expect(text?.slice(citation!.start, citation!.end)).toBe(citation!.quote);

    const removed = await qa.remove([weather]);
    expect(removed.removed.map((entry) => entry.source)).toEqual([weather]);
    expect((await qa.listDocuments()).map((document) => document.source)).toEqual([police]);
    expect(await qa.stats()).toMatchObject({ documents: 1 });
  } finally {
    await qa.close();
  }
});
