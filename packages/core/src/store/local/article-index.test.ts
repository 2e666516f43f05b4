import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../../test/support/hashing-embedder.js';
import { hashText } from '../../ingest/ingest-sources.js';
import { isArticleQAError } from '../../shared/errors.js';
import type { DocumentWrite, EmbeddedText } from '../article-store.js';
import { ArticleIndex, IndexFiles } from './article-index.js';
import { HnswVectorStore } from './hnsw-vector-store.js';

const embedder = new HashingEmbedder(16);
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'articleqa-index-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const open = (options: Partial<Parameters<typeof ArticleIndex.open>[1]> = {}) =>
  ArticleIndex.open(dir, {
    embedderId: embedder.id,
    dimensions: embedder.dimensions,
    chunker: { targetTokens: 50 },
    ...options,
  });

function documentWith(id: string, texts: string[]): DocumentWrite {
  const text = texts.join(' ');
  let offset = 0;
  const chunks = texts.map((chunkText, position) => {
    const start = offset;
    offset += chunkText.length + 1;
    return {
      position,
      start,
      end: start + chunkText.length,
      tokens: 3,
      text: chunkText,
      vectorHash: hashText(chunkText),
    };
  });
  return {
    document: {
      id,
      source: `/articles/${id}.md`,
      title: `Title ${id}`,
      text,
      contentHash: hashText(text),
      format: 'markdown',
      metadata: {},
    },
    chunks,
  };
}

async function vectorsFor(texts: string[]): Promise<Map<string, EmbeddedText>> {
  const vectors = await embedder.embed(texts);
  return new Map(
    texts.map((text, position) => [hashText(text), { vector: vectors[position]!, sentences: [] }]),
  );
}

describe('ArticleIndex', () => {
  it('persists documents, chunks and vectors across reopen', async () => {
    const index = await open();
    await index.lock();
    const write = documentWith('a', ['police offices inside firms', 'cyber crime units']);
    await index.writeDocuments(
      [write],
      await vectorsFor(['police offices inside firms', 'cyber crime units']),
    );
    await index.close();

    const reopened = await open({ create: false });
    expect(reopened.catalog.counts()).toEqual({ documents: 1, chunks: 2, vectors: 2 });
    expect(reopened.vectors.size).toBe(2);
    const [query] = await embedder.embed(['cyber crime units']);
    const [top] = await reopened.vectors.query({ vector: query!, k: 1 });
    expect(reopened.catalog.chunksByVectorIds([top!.id])[0]?.text).toBe('cyber crime units');
    await reopened.close();
  });

  it('refuses a missing index when create is false, leaving the advice to the app', async () => {
    const error = await ArticleIndex.open(join(dir, 'nope'), {
      embedderId: 'x',
      dimensions: 3,
      chunker: {},
      create: false,
    }).catch((caught) => caught);
    expect(isArticleQAError(error, 'E_INDEX_NOT_FOUND')).toBe(true);
    expect(error.hint).toBeUndefined();
  });

  it('refuses an index built with another embedder, with what was found and expected', async () => {
    await (await open()).close();
    const error = await open({ embedderId: 'other:model', dimensions: 32 }).catch((caught) => caught);
    expect(isArticleQAError(error, 'E_INDEX_MISMATCH')).toBe(true);
    expect(error.message).toContain(embedder.id);
    expect(error.details).toEqual({
      reason: 'embedder',
      found: { embedderId: embedder.id, dimensions: embedder.dimensions },
      expected: { embedderId: 'other:model', dimensions: 32 },
    });
  });

  it('reports a file that is not SQLite as corrupt', async () => {
    await writeFile(join(dir, IndexFiles.catalog), 'this is not a database at all, just text'.repeat(50));
    const error = await open().catch((caught) => caught);
    expect(isArticleQAError(error, 'E_INDEX_CORRUPT')).toBe(true);
  });

  it('refuses a second writer with E_INDEX_LOCKED', async () => {
    const first = await open();
    await first.lock();
    const second = await open();
    const error = await second.lock().catch((caught) => caught);
    expect(isArticleQAError(error, 'E_INDEX_LOCKED')).toBe(true);
    await first.close();
    await second.lock();
    await second.close();
  });

  it('shares one vector between identical chunk texts and deletes it with its last user', async () => {
    const index = await open();
    await index.lock();
    const shared = 'the same paragraph everywhere';
    await index.writeDocuments(
      [documentWith('a', [shared, 'only in a']), documentWith('b', [shared, 'only in b'])],
      await vectorsFor([shared, 'only in a', 'only in b']),
    );
    expect(index.catalog.counts()).toEqual({ documents: 2, chunks: 4, vectors: 3 });
    await index.removeDocument('a');
    expect(index.catalog.counts()).toEqual({ documents: 1, chunks: 2, vectors: 2 });
    await index.removeDocument('b');
    expect(index.catalog.counts()).toEqual({ documents: 0, chunks: 0, vectors: 0 });
    expect(index.vectors.size).toBe(0);
    await index.close();
  });

  it('replacing a document keeps vectors of unchanged chunk texts and drops the rest', async () => {
    const index = await open();
    await index.lock();
    await index.writeDocuments(
      [documentWith('a', ['kept text', 'old text'])],
      await vectorsFor(['kept text', 'old text']),
    );
    const keptId = index.catalog.findVectorIds([hashText('kept text')]).get(hashText('kept text'));
    await index.writeDocuments(
      [documentWith('a', ['kept text', 'new text'])],
      await vectorsFor(['new text']),
    );
    expect(index.catalog.findVectorIds([hashText('kept text')]).get(hashText('kept text'))).toBe(keptId);
    expect(index.catalog.findVectorIds([hashText('old text')]).size).toBe(0);
    expect(index.vectors.size).toBe(2);
    await index.close();
  });

  it('repairs the vector file from the catalog after a crash between the two writes', async () => {
    const index = await open();
    await index.lock();
    await index.writeDocuments([documentWith('a', ['first text'])], await vectorsFor(['first text']));
    await index.flush();
    // Commit to SQLite, then "crash" before the HNSW file is saved.
    await index.writeDocuments([documentWith('b', ['second text'])], await vectorsFor(['second text']));
    index.catalog.close();

    const reopened = await open();
    expect(reopened.vectors.size).toBe(2);
    const [query] = await embedder.embed(['second text']);
    const [top] = await reopened.vectors.query({ vector: query!, k: 1 });
    expect(reopened.catalog.chunksByVectorIds([top!.id])[0]?.text).toBe('second text');
    await reopened.close();
  });

  it('rebuilds an unreadable vector file from the catalog', async () => {
    const index = await open();
    await index.lock();
    await index.writeDocuments(
      [documentWith('a', ['alpha text', 'beta text'])],
      await vectorsFor(['alpha text', 'beta text']),
    );
    await index.close();
    await writeFile(join(dir, IndexFiles.vectors), 'garbage');
    const reopened = await open();
    expect(reopened.vectors.size).toBe(2);
    await reopened.close();
  });

  it('compacts the vector graph when deletions pile up', async () => {
    const index = await open();
    await index.lock();
    const texts = Array.from({ length: 1500 }, (_, i) => `text number ${i} about things`);
    const writes = texts.map((text, i) => documentWith(`d${i}`, [text]));
    await index.writeDocuments(writes, await vectorsFor(texts));
    await index.flush();
    for (let i = 0; i < 1400; i += 1) await index.removeDocument(`d${i}`);
    await index.flush();
    expect(index.vectors.size).toBe(100);
    expect(index.vectors.slots).toBe(100);
    await index.close();
    const reopened = await open();
    expect(reopened.vectors.size).toBe(100);
    await reopened.close();
  });
});

describe('HnswVectorStore', () => {
  it('keeps deleted ids deleted across save and reopen', async () => {
    const path = join(dir, 'v.hnsw');
    const store = await HnswVectorStore.open(path, 16);
    const vectors = await embedder.embed(['a b', 'c d', 'e f']);
    await store.add(vectors.map((vector, id) => ({ id: id + 1, vector })));
    await store.delete([2]);
    await store.save();
    const reopened = await HnswVectorStore.open(path, 16);
    expect(reopened.size).toBe(2);
    expect((await reopened.ids()).sort()).toEqual([1, 3]);
    const matches = await reopened.query({ vector: vectors[1]!, k: 3 });
    expect(matches.map((match) => match.id)).not.toContain(2);
  });

  it('refuses vectors of the wrong dimension', async () => {
    const store = await HnswVectorStore.open(join(dir, 'w.hnsw'), 16);
    const error = await store.add([{ id: 1, vector: new Float32Array(8) }]).catch((caught) => caught);
    expect(isArticleQAError(error, 'E_DIMENSION_MISMATCH')).toBe(true);
  });

  it('stores sentence vectors with their chunk vector, and deletes them with it', async () => {
    const index = await open();
    await index.lock();
    const text = 'First sentence here. Second one.';
    const vector = (await embedder.embed([text]))[0]!;
    const sentences = [
      { start: 0, end: 20, vector: (await embedder.embed(['First sentence here.']))[0]! },
      { start: 21, end: 32, vector: (await embedder.embed(['Second one.']))[0]! },
    ];
    await index.writeDocuments(
      [documentWith('a', [text])],
      new Map([[hashText(text), { vector, sentences }]]),
    );
    const [chunk] = index.catalog.chunksByIds([1]);
    const stored = index.catalog.sentenceVectorsByIds([chunk!.vectorId]).get(chunk!.vectorId)!;
    expect(stored.map(({ start, end }) => text.slice(start, end))).toEqual([
      'First sentence here.',
      'Second one.',
    ]);
    await index.removeDocument('a');
    expect(index.catalog.sentenceVectorsByIds([chunk!.vectorId]).size).toBe(0);
    await index.close();
  });

  it('opens an index written before sentence vectors existed and adds them from then on', async () => {
    const index = await open();
    await index.lock();
    await index.writeDocuments([documentWith('old', ['an old chunk'])], await vectorsFor(['an old chunk']));
    await index.close();
    const db = new Database(join(dir, IndexFiles.catalog));
    db.exec('ALTER TABLE vectors DROP COLUMN sentences');
    db.close();

    const reopened = await open();
    expect(reopened.catalog.sentenceVectorsByIds([1]).size).toBe(0);
    await reopened.lock();
    const text = 'a new chunk';
    await reopened.writeDocuments(
      [documentWith('new', [text])],
      new Map([
        [
          hashText(text),
          {
            vector: (await embedder.embed([text]))[0]!,
            sentences: [{ start: 0, end: text.length, vector: (await embedder.embed([text]))[0]! }],
          },
        ],
      ]),
    );
    const [chunk] = reopened.catalog.chunksByIds([2]);
    expect(reopened.catalog.sentenceVectorsByIds([1, chunk!.vectorId]).size).toBe(1);
    expect(reopened.catalog.counts().chunks).toBe(2);
    await reopened.close();
  });
});
