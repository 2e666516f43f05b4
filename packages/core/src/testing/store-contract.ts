import { afterEach, describe, expect, it } from 'vitest';
import type { SourceDocument } from '../shared/document.js';
import { isArticleQAError } from '../shared/errors.js';
import type { ArticleStore, DocumentWrite, EmbeddedText, OpenStoreOptions } from '../store/article-store.js';
import { copyCollection } from '../store/copy-collection.js';
import { textVector, unitVector } from './vectors.js';

/** How the store contract gets stores to test. */
export interface StoreContractHarness {
  /** A store over new, empty storage (not opened yet). */
  create(): Promise<ArticleStore>;
  /**
   * A second handle on the storage of `store` (another process's view, or the same storage opened
   * again after `close`), not opened yet.
   */
  reopen(store: ArticleStore): Promise<ArticleStore>;
  /** Frees what `create` made (temporary folders, databases), after the handles are closed. */
  cleanup?(): Promise<void>;
}

const DIMENSIONS = 16;
/** What the contract opens every store with: a store it is given alongside must match it. */
export const storeContractOpenOptions: Readonly<OpenStoreOptions> = {
  embedderId: 'contract:hashing',
  dimensions: DIMENSIONS,
  chunker: { targetTokens: 40 },
};
const OPEN = storeContractOpenOptions;

interface Fixture {
  id: string;
  source: string;
  title: string;
  chunks: string[];
  metadata?: SourceDocument['metadata'];
}

const POLICE: Fixture = {
  id: 'police-2015',
  source: '/corpus/police.md',
  title: 'China wants police in internet companies',
  chunks: [
    'The Ministry of Public Security will set up network security offices inside internet firms.',
    'Deputy minister Chen Zhimin announced the plan to catch criminal behaviour online early.',
    'Human Rights Watch said the offices would chill speech.',
  ],
  metadata: { url: 'https://news.example/police', publishedAt: '2015-08-05', byline: 'Reuters staff' },
};
const WEATHER: Fixture = {
  id: 'weather-2019',
  source: '/corpus/weather.md',
  title: 'Storms across the coast',
  chunks: ['Heavy rain and strong wind hit the coast on Monday.', 'Forecasters expect sunshine by Friday.'],
  metadata: { publishedAt: '2019-01-10T08:30:00Z' },
};
const SHARED_TEXT = 'Forecasters expect sunshine by Friday.';
const FOOTBALL: Fixture = {
  id: 'police-football',
  source: 'https://sport.example/cup',
  title: 'Cup final report',
  chunks: ['The home side won the cup final with a late goal.', SHARED_TEXT],
};

/** A document write for a fixture: chunks joined by blank lines, offsets that index into the text. */
export function fixtureWrite(fixture: Fixture): DocumentWrite {
  const text = fixture.chunks.join('\n\n');
  let offset = 0;
  const chunks = fixture.chunks.map((chunk, position) => {
    const start = offset;
    offset += chunk.length + 2;
    return { position, start, end: start + chunk.length, tokens: 12, text: chunk, vectorHash: `h:${chunk}` };
  });
  return {
    document: {
      id: fixture.id,
      source: fixture.source,
      title: fixture.title,
      text,
      contentHash: `c:${text}`,
      format: 'markdown',
      metadata: fixture.metadata ?? {},
    },
    chunks,
  };
}

/** Vectors for every chunk of the writes, with one sentence vector per chunk. */
function embeddingsFor(writes: readonly DocumentWrite[]): Map<string, EmbeddedText> {
  const embedded = new Map<string, EmbeddedText>();
  for (const write of writes) {
    for (const chunk of write.chunks) {
      const vector = textVector(chunk.text, DIMENSIONS);
      embedded.set(chunk.vectorHash, { vector, sentences: [{ start: 0, end: chunk.text.length, vector }] });
    }
  }
  return embedded;
}

/**
 * The behaviour every {@link ArticleStore} must have, as a vitest suite: call it from a test file with
 * a harness that makes your store. The local store runs it in `local-store.test.ts`.
 *
 * @example
 * describeStoreContract('PostgresStore', {
 *   create: async () => new PostgresStore({ url: await freshDatabase() }),
 *   reopen: async (store) => new PostgresStore({ url: (store as PostgresStore).url }),
 * });
 */
export function describeStoreContract(name: string, harness: StoreContractHarness): void {
  describe(`${name} (ArticleStore contract)`, () => {
    const opened: ArticleStore[] = [];
    const track = async (store: Promise<ArticleStore>): Promise<ArticleStore> => {
      const value = await store;
      opened.push(value);
      return value;
    };
    const fresh = async (): Promise<ArticleStore> => {
      const store = await track(harness.create());
      await store.open(OPEN);
      return store;
    };
    const withDocuments = async (...fixtures: Fixture[]): Promise<ArticleStore> => {
      const store = await fresh();
      const writes = fixtures.map(fixtureWrite);
      await store.lock();
      await store.writeDocuments(writes, embeddingsFor(writes));
      await store.unlock();
      return store;
    };

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close().catch(() => undefined);
      await harness.cleanup?.();
    });

    it('creates a collection with the manifest it is opened with', async () => {
      const store = await track(harness.create());
      const manifest = await store.open(OPEN);
      expect(manifest).toMatchObject({
        embedderId: OPEN.embedderId,
        dimensions: DIMENSIONS,
        chunker: OPEN.chunker,
        lastIngestAt: null,
      });
      expect(typeof manifest.schemaVersion).toBe('number');
      expect(store.manifest).toEqual(manifest);
      expect(typeof store.location).toBe('string');
      expect(await store.counts()).toMatchObject({
        documents: 0,
        chunks: 0,
        vectors: 0,
        vectorsWithSentences: 0,
      });
    });

    it('refuses to create with create: false, and refuses another embedder on open', async () => {
      const missing = await track(harness.create());
      const error = await missing.open({ ...OPEN, create: false }).catch((caught: unknown) => caught);
      expect(isArticleQAError(error, 'E_INDEX_NOT_FOUND')).toBe(true);

      const store = await withDocuments(POLICE);
      await store.close();
      const other = await track(harness.reopen(store));
      const mismatch = await other
        .open({ ...OPEN, embedderId: 'contract:other', dimensions: 8 })
        .catch((caught: unknown) => caught);
      expect(isArticleQAError(mismatch, 'E_INDEX_MISMATCH')).toBe(true);
    });

    it('stores documents with their text, chunks and display fields, and keeps them across reopen', async () => {
      const store = await withDocuments(POLICE, WEATHER);
      expect(store.manifest.lastIngestAt).not.toBeNull();
      await store.close();
      const again = await track(harness.reopen(store));
      await again.open({ ...OPEN, create: false });
      const documents = await again.listDocuments();
      expect(documents.map((document) => document.title)).toEqual([POLICE.title, WEATHER.title]);
      const police = documents[0]!;
      expect(police).toMatchObject({
        id: POLICE.id,
        source: POLICE.source,
        url: 'https://news.example/police',
        publishedAt: '2015-08-05',
        byline: 'Reuters staff',
        chunks: 3,
        contentHash: fixtureWrite(POLICE).document.contentHash,
      });
      const text = (await again.documentText(POLICE.id))!;
      expect(police.characters).toBe(text.length);
      const chunks = await again.neighbourChunks(POLICE.id, 1, 5);
      expect(chunks.map((chunk) => chunk.position)).toEqual([0, 1, 2]);
      for (const chunk of chunks) {
        expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
        expect(chunk).toMatchObject({ documentId: POLICE.id, title: POLICE.title, source: POLICE.source });
        expect(chunk.publishedAt).toBe('2015-08-05');
        expect(chunk.byline).toBe('Reuters staff');
      }
      expect((await again.sourceState(POLICE.id))?.contentHash).toBe(
        fixtureWrite(POLICE).document.contentHash,
      );
      expect(await again.sourceState('nope')).toBeUndefined();
      const byIds = await again.chunksByIds([chunks[2]!.id, chunks[0]!.id]);
      expect(byIds.map((chunk) => chunk.id).sort((a, b) => a - b)).toEqual(
        [chunks[0]!.id, chunks[2]!.id].sort((a, b) => a - b),
      );
    });

    it('finds documents by id, source and id prefix, and lists every match of an ambiguous prefix', async () => {
      const store = await withDocuments(POLICE, WEATHER, FOOTBALL);
      expect((await store.findDocuments(POLICE.id)).map((d) => d.id)).toEqual([POLICE.id]);
      expect((await store.findDocuments(FOOTBALL.source)).map((d) => d.id)).toEqual([FOOTBALL.id]);
      expect((await store.findDocuments('weather')).map((d) => d.id)).toEqual([WEATHER.id]);
      expect((await store.findDocuments('police')).map((d) => d.id).sort()).toEqual([POLICE.id, FOOTBALL.id]);
      expect(await store.findDocuments('%')).toEqual([]);
      expect(await store.findDocuments('missing')).toEqual([]);
    });

    it("pages through a folder's documents in byte order, and nothing outside the folder", async () => {
      const at = (id: string, source: string): Fixture => ({
        id,
        source,
        title: `Title of ${id}`,
        chunks: [`The text of ${id}.`],
      });
      const inside = [
        at('b-1', '/corpus/a/b.md'),
        at('b-2', '/corpus/a/b.md'),
        at('pct', '/corpus/a%_.md'),
        at('top', '/corpus/top.md'),
        at('zed', '/corpus/z.md'),
        at('accent', '/corpus/\u00e9t\u00e9.md'),
      ];
      const outside = [
        at('old', '/corpus-old/a.md'),
        at('zero', '/corpus0/a.md'),
        at('url', 'https://x.example/corpus/'),
      ];
      const store = await withDocuments(...outside, ...[...inside].reverse());
      const pages: string[][] = [];
      let after: { source: string; id: string } | undefined;
      for (;;) {
        const page = await store.listSources({ prefix: '/corpus/', limit: 2, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        pages.push(page.map((entry) => entry.id));
        after = page.at(-1)!;
      }
      // UTF-8 byte order: '%' < '/' < 't' < 'z' < the accented letter; one source's documents by id.
      expect(pages).toEqual([
        ['pct', 'b-1'],
        ['b-2', 'top'],
        ['zed', 'accent'],
      ]);
      expect(await store.listSources({ prefix: '/corpus/a/', limit: 10 })).toEqual([
        { id: 'b-1', source: '/corpus/a/b.md', title: 'Title of b-1' },
        { id: 'b-2', source: '/corpus/a/b.md', title: 'Title of b-2' },
      ]);
      expect(await store.listSources({ prefix: '/corpus/a_', limit: 10 })).toEqual([]);
      expect(await store.listSources({ prefix: '/nowhere/', limit: 10 })).toEqual([]);
    });

    it('finds the documents that duplicate an article by content or canonical URL', async () => {
      const store = await withDocuments(POLICE, WEATHER);
      const police = fixtureWrite(POLICE).document;
      const ids = async (document: { id: string; contentHash: string; url?: string }) =>
        (await store.findDuplicates(document)).map((found) => found.id);
      expect(await ids({ id: 'copy-of-police', contentHash: police.contentHash })).toEqual([POLICE.id]);
      expect(
        await ids({ id: 'saved-page', contentHash: 'c:other', url: 'https://news.example/police' }),
      ).toEqual([POLICE.id]);
      expect(
        await ids({ id: POLICE.id, contentHash: police.contentHash, url: 'https://news.example/police' }),
      ).toEqual([]);
      expect(await ids({ id: 'new', contentHash: 'c:new' })).toEqual([]);
    });

    it('keeps a file stamp with a document and records a new one without rewriting the document', async () => {
      const stamped: Fixture = { ...WEATHER, metadata: { fileStamp: 'v1|markdown|120|1000' } };
      const store = await withDocuments(POLICE, stamped);
      const weather = fixtureWrite(stamped).document;
      expect(await store.sourceState(WEATHER.id)).toEqual({
        contentHash: weather.contentHash,
        title: WEATHER.title,
        fileStamp: 'v1|markdown|120|1000',
      });
      expect(await store.sourceState(POLICE.id)).toEqual({
        contentHash: fixtureWrite(POLICE).document.contentHash,
        title: POLICE.title,
      });
      expect(await store.sourceState('nope')).toBeUndefined();
      const chunksBefore = await store.neighbourChunks(WEATHER.id, 0, 5);

      const updates = [
        {
          documentId: WEATHER.id,
          contentHash: weather.contentHash,
          stamps: { fileStamp: 'v1|markdown|120|2000' },
        },
        // Another writer stored other content meanwhile: this stamp is not the stored content's.
        { documentId: POLICE.id, contentHash: 'c:older text', stamps: { fileStamp: 'v1|markdown|99|2000' } },
        { documentId: 'gone', contentHash: 'c:gone', stamps: { fileStamp: 'v1|markdown|1|1' } },
      ];
      await expect(store.setSourceStamps(updates)).rejects.toThrow();
      await store.lock();
      await store.setSourceStamps(updates);
      await store.unlock();

      const again = await track(harness.reopen(store));
      await again.open({ ...OPEN, create: false });
      expect((await again.sourceState(WEATHER.id))?.fileStamp).toBe('v1|markdown|120|2000');
      expect((await again.sourceState(POLICE.id))?.fileStamp).toBeUndefined();
      expect(await again.sourceState('gone')).toBeUndefined();
      const record = (await again.readDocument(WEATHER.id))!;
      expect(record.document).toEqual({ ...weather, metadata: { fileStamp: 'v1|markdown|120|2000' } });
      expect(await again.neighbourChunks(WEATHER.id, 0, 5)).toEqual(chunksBefore);
      expect((await again.counts()).documents).toBe(2);
    });

    it("gives a fetched page's cache validators with its state, and only string values", async () => {
      const page: Fixture = {
        ...FOOTBALL,
        metadata: { url: FOOTBALL.source, etag: '"v7"', lastModified: 'Mon, 30 Nov 2026 10:00:00 GMT' },
      };
      const odd: Fixture = { ...WEATHER, metadata: { etag: '', lastModified: 1_700_000_000 } };
      const store = await withDocuments(page, odd);
      expect(await store.sourceState(FOOTBALL.id)).toEqual({
        contentHash: fixtureWrite(page).document.contentHash,
        title: FOOTBALL.title,
        etag: '"v7"',
        lastModified: 'Mon, 30 Nov 2026 10:00:00 GMT',
      });
      expect(await store.sourceState(WEATHER.id)).toEqual({
        contentHash: fixtureWrite(odd).document.contentHash,
        title: WEATHER.title,
      });
      // A new ETag for the same content is merged in: the other metadata stays.
      await store.lock();
      await store.setSourceStamps([
        {
          documentId: FOOTBALL.id,
          contentHash: fixtureWrite(page).document.contentHash,
          stamps: { etag: '"v8"' },
        },
      ]);
      await store.unlock();
      expect((await store.readDocument(FOOTBALL.id))?.document.metadata).toEqual({
        url: FOOTBALL.source,
        etag: '"v8"',
        lastModified: 'Mon, 30 Nov 2026 10:00:00 GMT',
      });
    });

    it('stores identical chunk text once and reports which hashes it holds', async () => {
      const store = await withDocuments(WEATHER, FOOTBALL);
      const counts = await store.counts();
      expect(counts).toMatchObject({ documents: 2, chunks: 4, vectors: 3, vectorsWithSentences: 3 });
      const held = await store.storedVectorHashes([`h:${SHARED_TEXT}`, 'h:never written']);
      expect([...held]).toEqual([`h:${SHARED_TEXT}`]);
    });

    it('needs the lock to write, and gives it to one writer at a time', async () => {
      const store = await fresh();
      const write = fixtureWrite(POLICE);
      await expect(store.writeDocuments([write], embeddingsFor([write]))).rejects.toThrow();
      await store.lock();
      const other = await track(harness.reopen(store));
      await other.open(OPEN);
      const refused = await other.lock().catch((caught: unknown) => caught);
      expect(isArticleQAError(refused, 'E_INDEX_LOCKED')).toBe(true);
      await store.unlock();
      await other.lock();
      await other.unlock();
    });

    it('writes a batch whole or not at all', async () => {
      const store = await fresh();
      const writes = [fixtureWrite(POLICE), fixtureWrite(WEATHER)];
      const embedded = embeddingsFor(writes);
      embedded.delete(`h:${WEATHER.chunks[1]}`);
      await store.lock();
      await expect(store.writeDocuments(writes, embedded)).rejects.toThrow();
      await store.unlock();
      expect(await store.listDocuments()).toEqual([]);
      expect(await store.counts()).toMatchObject({ documents: 0, chunks: 0, vectors: 0 });
    });

    it('replaces a document, and removes one with the vectors only it used', async () => {
      const store = await withDocuments(WEATHER, FOOTBALL);
      const changed = fixtureWrite({ ...WEATHER, chunks: ['Snow fell overnight.', SHARED_TEXT] });
      await store.lock();
      await store.writeDocuments([changed], embeddingsFor([changed]));
      expect((await store.neighbourChunks(WEATHER.id, 0, 5)).map((chunk) => chunk.text)).toEqual([
        'Snow fell overnight.',
        SHARED_TEXT,
      ]);
      expect(await store.removeDocument(FOOTBALL.id)).toBe(true);
      expect(await store.removeDocument(FOOTBALL.id)).toBe(false);
      await store.unlock();
      expect(await store.counts()).toMatchObject({ documents: 1, chunks: 2, vectors: 2 });
      expect(await store.storedVectorHashes([`h:${FOOTBALL.chunks[0]}`, `h:${SHARED_TEXT}`])).toEqual(
        new Set([`h:${SHARED_TEXT}`]),
      );
      const [match] = await store.denseSearch({ vector: textVector(FOOTBALL.chunks[0]!, DIMENSIONS), k: 5 });
      expect(match?.chunk.documentId).toBe(WEATHER.id);
    });

    it('finds the nearest chunks by vector, most similar first', async () => {
      const store = await withDocuments(POLICE, WEATHER, FOOTBALL);
      const query = POLICE.chunks[1]!;
      const matches = await store.denseSearch({ vector: textVector(query, DIMENSIONS), k: 3 });
      expect(matches[0]!.chunk.text).toBe(query);
      expect(matches[0]!.similarity).toBeCloseTo(1, 3);
      for (let i = 1; i < matches.length; i += 1)
        expect(matches[i - 1]!.similarity).toBeGreaterThanOrEqual(matches[i]!.similarity);
      // A vector shared by two chunks brings back both.
      const shared = await store.denseSearch({ vector: textVector(SHARED_TEXT, DIMENSIONS), k: 1 });
      expect(shared.map((match) => match.chunk.documentId).sort()).toEqual([FOOTBALL.id, WEATHER.id].sort());
    });

    it('applies every filter field to dense and keyword search', async () => {
      const store = await withDocuments(POLICE, WEATHER, FOOTBALL);
      const vector = unitVector(DIMENSIONS, 3);
      const documentsOf = async (filter: Parameters<ArticleStore['denseSearch']>[0]['filter']) => {
        const dense = await store.denseSearch({ vector, k: 20, ...(filter ? { filter } : {}) });
        return [...new Set(dense.map((match) => match.chunk.documentId))].sort();
      };
      expect(await documentsOf(undefined)).toEqual([FOOTBALL.id, POLICE.id, WEATHER.id].sort());
      expect(await documentsOf({})).toEqual([FOOTBALL.id, POLICE.id, WEATHER.id].sort());
      expect(await documentsOf({ documentIds: [POLICE.id] })).toEqual([POLICE.id]);
      expect(await documentsOf({ source: 'SPORT.example' })).toEqual([FOOTBALL.id]);
      expect(await documentsOf({ publishedAfter: '2016-01-01' })).toEqual([WEATHER.id]);
      // "Before" includes the whole day, even for a date-time.
      expect(await documentsOf({ publishedBefore: '2019-01-10' })).toEqual([POLICE.id, WEATHER.id].sort());
      expect(await documentsOf({ documentIds: [] })).toEqual([]);
      const lexical = await store.lexicalSearch({
        text: 'coast sunshine goal',
        limit: 10,
        filter: { source: 'weather' },
      });
      const ids = await store.chunksByIds(lexical.map((match) => match.chunkId));
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids.map((chunk) => chunk.documentId))).toEqual(new Set([WEATHER.id]));
    });

    it('ranks keyword matches best first and treats query syntax as plain words', async () => {
      const store = await withDocuments(POLICE, WEATHER, FOOTBALL);
      const matches = await store.lexicalSearch({
        text: 'Who announced the network security offices plan?',
        limit: 10,
      });
      expect(matches.length).toBeGreaterThan(0);
      const [best] = await store.chunksByIds([matches[0]!.chunkId]);
      expect(best!.documentId).toBe(POLICE.id);
      for (let i = 1; i < matches.length; i += 1)
        expect(matches[i - 1]!.score).toBeGreaterThanOrEqual(matches[i]!.score);
      expect(await store.lexicalSearch({ text: 'goal', limit: 1 })).toHaveLength(1);
      for (const text of ['police AND (firms OR', 'NEAR "unbalanced', 'col:umn -minus *', "o'brien ^ {}"])
        await expect(store.lexicalSearch({ text, limit: 5 })).resolves.toBeInstanceOf(Array);
      expect(await store.lexicalSearch({ text: 'the of and', limit: 5 })).toEqual([]);
    });

    it('returns stored chunk and sentence vectors by vector id', async () => {
      const store = await withDocuments(POLICE);
      const chunks = await store.neighbourChunks(POLICE.id, 0, 5);
      const vectorIds = chunks.map((chunk) => chunk.vectorId);
      const vectors = await store.chunkVectors(vectorIds);
      const sentences = await store.sentenceVectors(vectorIds);
      for (const chunk of chunks) {
        const expected = textVector(chunk.text, DIMENSIONS);
        const stored = vectors.get(chunk.vectorId)!;
        expect(Array.from(stored)).toEqual(Array.from(expected).map((value) => expect.closeTo(value, 5)));
        const [sentence] = sentences.get(chunk.vectorId)!;
        expect(sentence!.start).toBe(0);
        expect(sentence!.end).toBe(chunk.text.length);
        // Quantised storage is allowed: the dot product with the original stays close to 1.
        let dot = 0;
        for (let d = 0; d < DIMENSIONS; d += 1) dot += expected[d]! * sentence!.values[d]! * sentence!.scale;
        expect(dot).toBeGreaterThan(0.98);
      }
      expect((await store.chunkVectors([-1])).size).toBe(0);
    });

    it('reads a document back whole, in the form writes take, with the ingest time it was given', async () => {
      const store = await fresh();
      const write = { ...fixtureWrite(POLICE), ingestedAt: '2020-01-02T03:04:05.000Z' };
      await store.lock();
      await store.writeDocuments(
        [write, fixtureWrite(WEATHER)],
        embeddingsFor([write, fixtureWrite(WEATHER)]),
      );
      await store.unlock();
      const record = (await store.readDocument(POLICE.id))!;
      expect(record.document).toEqual(write.document);
      expect(record.chunks).toEqual(write.chunks);
      expect(record.ingestedAt).toBe('2020-01-02T03:04:05.000Z');
      expect((await store.listDocuments())[0]!.ingestedAt).toBe('2020-01-02T03:04:05.000Z');
      expect([...record.vectors.keys()].sort()).toEqual(write.chunks.map((chunk) => chunk.vectorHash).sort());
      for (const chunk of write.chunks) {
        const stored = record.vectors.get(chunk.vectorHash)!;
        const expected = textVector(chunk.text, DIMENSIONS);
        expect(Array.from(stored.vector)).toEqual(
          Array.from(expected).map((value) => expect.closeTo(value, 5)),
        );
        expect(stored.sentences).toHaveLength(1);
        expect(stored.sentences[0]).toMatchObject({ start: 0, end: chunk.text.length });
      }
      expect(await store.readDocument('nope')).toBeUndefined();
    });

    it('copies into another store without embedding, resumes a stopped copy, and verifies it', async () => {
      const source = await withDocuments(POLICE, WEATHER, FOOTBALL);
      const target = await track(harness.create());
      const stop = new AbortController();
      const stopped = await copyCollection(source, target, {
        batchDocuments: 1,
        signal: stop.signal,
        onProgress: (event) => {
          if (event.type === 'copied') stop.abort();
        },
      }).catch((caught: unknown) => caught);
      expect(isArticleQAError(stopped, 'E_ABORTED')).toBe(true);
      expect(await target.listDocuments()).toHaveLength(1);
      const summary = await copyCollection(source, target, { batchDocuments: 2 });
      expect(summary).toMatchObject({ documents: 3, copied: 2, unchanged: 1, onlyInTarget: 0 });
      expect(summary.verification).toMatchObject({ documentsMatched: 3, sampled: 3, problems: [] });
      expect(summary.verification.vectorsCompared).toBe(7);
      expect(summary.verification.maxVectorDifference).toBeLessThanOrEqual(1e-6);
      expect(target.manifest).toMatchObject({ embedderId: OPEN.embedderId, chunker: OPEN.chunker });
      expect(await target.counts()).toMatchObject({
        documents: 3,
        chunks: 7,
        vectors: 6,
        vectorsWithSentences: 6,
      });
      for (const id of [POLICE.id, WEATHER.id, FOOTBALL.id]) {
        const [original, copy] = [(await source.readDocument(id))!, (await target.readDocument(id))!];
        expect(copy.document).toEqual(original.document);
        expect(copy.ingestedAt).toBe(original.ingestedAt);
        for (const [hash, stored] of original.vectors)
          expect(copy.vectors.get(hash)!.sentences).toEqual(stored.sentences);
      }
      const [match] = await target.denseSearch({ vector: textVector(POLICE.chunks[1]!, DIMENSIONS), k: 1 });
      expect(match?.chunk.text).toBe(POLICE.chunks[1]);
      const again = await copyCollection(source, target);
      expect(again).toMatchObject({ copied: 0, unchanged: 3, vectorsWritten: 0 });
    });

    it("sees another handle's committed writes without reopening, in dense search too", async () => {
      const reader = await fresh();
      expect(await reader.denseSearch({ vector: textVector(POLICE.chunks[0]!, DIMENSIONS), k: 3 })).toEqual(
        [],
      );
      const writer = await track(harness.reopen(reader));
      await writer.open(OPEN);
      const write = fixtureWrite(POLICE);
      await writer.lock();
      await writer.writeDocuments([write], embeddingsFor([write]));
      await writer.unlock();
      const [match] = await reader.denseSearch({ vector: textVector(POLICE.chunks[0]!, DIMENSIONS), k: 3 });
      expect(match?.chunk.text).toBe(POLICE.chunks[0]);
      expect((await reader.listDocuments()).map((document) => document.id)).toEqual([POLICE.id]);
    });
  });
}
