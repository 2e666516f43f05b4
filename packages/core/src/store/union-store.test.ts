import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../test/support/hashing-embedder.js';
import { type ArticleQA, openArticleQA } from '../article-qa.js';
import { isArticleQAError } from '../shared/errors.js';
import { describeStoreContract, storeContractOpenOptions } from '../testing/store-contract.js';
import type { ArticleStore } from './article-store.js';
import { MemoryStore } from './memory/memory-store.js';
import { createUnionStore } from './union-store.js';

// With an empty shared store, a union is its primary store: it must keep the whole contract.
const primaries = new WeakMap<ArticleStore, { primary: MemoryStore; shared: ArticleStore }>();
describeStoreContract('UnionStore (a MemoryStore with an empty shared one)', {
  create: async () => {
    const shared = new MemoryStore();
    await shared.open(storeContractOpenOptions);
    const primary = new MemoryStore();
    const union = createUnionStore({ primary, shared: [shared] });
    primaries.set(union, { primary, shared });
    return union;
  },
  reopen: async (store) => {
    const { primary, shared } = primaries.get(store)!;
    const union = createUnionStore({ primary: new MemoryStore(primary.storage), shared: [shared] });
    primaries.set(union, { primary, shared });
    return union;
  },
});

describe('a collection of its own read together with a shared one', () => {
  const embedder = new HashingEmbedder();
  let dir: string;
  let shared: ArticleQA;
  let sharedStore: MemoryStore;
  let guildA: ArticleQA;
  let guildB: ArticleQA;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'articleqa-union-'));
    await writeFile(
      join(dir, 'police.md'),
      '# Police in internet companies\n\nThe Ministry of Public Security will set up network security offices inside internet companies.\n',
    );
    await writeFile(
      join(dir, 'bikes.md'),
      '# New bike lanes\n\nThe city council approved twelve kilometres of protected bike lanes along the river.\n',
    );
    await writeFile(
      join(dir, 'harbour.md'),
      '# Harbour dredging\n\nThe port authority will dredge the harbour channel to admit larger container ships.\n',
    );
    // The operator's collection, opened once and read by every guild's union.
    sharedStore = new MemoryStore();
    shared = await openArticleQA({ store: sharedStore, embedder });
    await shared.ingest([join(dir, 'police.md')]);
    const guild = async () =>
      openArticleQA({
        store: createUnionStore({ primary: new MemoryStore(), shared: [sharedStore] }),
        embedder,
      });
    guildA = await guild();
    guildB = await guild();
  });
  afterEach(async () => {
    await guildA.close();
    await guildB.close();
    await shared.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes to its own collection and reads both; another guild sees only the shared articles', async () => {
    const summary = await guildA.ingest([join(dir, 'bikes.md')]);
    expect(summary.added).toBe(1);
    expect((await guildA.listDocuments()).map((document) => document.title)).toEqual([
      'New bike lanes',
      'Police in internet companies',
    ]);
    expect((await guildB.listDocuments()).map((document) => document.title)).toEqual([
      'Police in internet companies',
    ]);
    expect((await shared.listDocuments()).map((document) => document.title)).toEqual([
      'Police in internet companies',
    ]);

    const bikes = await guildA.search('protected bike lanes along the river');
    expect(bikes[0]?.title).toBe('New bike lanes');
    const police = await guildA.search('network security offices inside internet companies');
    expect(police[0]?.title).toBe('Police in internet companies');
    // Chunks of the two stores keep distinct ids.
    const ids = [...bikes, ...police].map((chunk) => chunk.chunkId);
    expect(new Set(ids).size).toBe(
      new Set([...bikes, ...police].map((c) => `${c.documentId}:${c.start}`)).size,
    );
    expect(
      (await guildB.search('protected bike lanes along the river')).map((chunk) => chunk.title),
    ).not.toContain('New bike lanes');
    const answer = await guildA.ask('Who approved the protected bike lanes?');
    expect(answer.citations[0]?.title).toBe('New bike lanes');
    expect(await guildA.stats()).toMatchObject({ documents: 2 });
  });

  it('removes its own documents, never the shared ones', async () => {
    await guildA.ingest([join(dir, 'harbour.md')]);
    const summary = await guildA.remove([join(dir, 'harbour.md'), (await shared.listDocuments())[0]!.id]);
    expect(summary.removed.map((removed) => removed.title)).toEqual(['Harbour dredging']);
    expect(summary.notFound).toHaveLength(1);
    expect((await shared.listDocuments()).map((document) => document.title)).toEqual([
      'Police in internet companies',
    ]);
    expect((await guildA.listDocuments()).map((document) => document.title)).toEqual([
      'Police in internet companies',
    ]);
  });

  it('leaves the shared collection open when a guild closes', async () => {
    await guildA.close();
    expect((await guildB.search('network security offices'))[0]?.title).toBe('Police in internet companies');
    guildA = await openArticleQA({ store: new MemoryStore(), embedder });
  });

  it('refuses a shared collection built with another embedder', async () => {
    const other = new MemoryStore();
    await other.open({ embedderId: 'other:model', dimensions: 64, chunker: {} });
    const error = await openArticleQA({
      store: createUnionStore({ primary: new MemoryStore(), shared: [other] }),
      embedder,
    }).catch((caught: unknown) => caught);
    expect(isArticleQAError(error, 'E_INDEX_MISMATCH')).toBe(true);
    expect((error as Error).message).toContain('other:model');
  });
});
