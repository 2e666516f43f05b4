import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

/**
 * A writer holding the lock that has saved the first `saved` texts, a reader opened then, and the rest
 * written after it opened (committed, not saved). Segments of 4.
 */
async function writerThenReader(texts: string[], saved: number) {
  const hnsw = { segmentSize: 4 };
  const writer = await open({ hnsw });
  await writer.lock();
  await writeTexts(writer, texts.slice(0, saved));
  await writer.flush();
  const reader = await open({ hnsw });
  await writeTexts(writer, texts.slice(saved), saved);
  return { writer, reader };
}

/** An index holding one document of two chunks, "alpha text" and "beta text", closed. */
async function writeAlphaBeta(): Promise<void> {
  const index = await open();
  await index.lock();
  await index.writeDocuments(
    [documentWith('a', ['alpha text', 'beta text'])],
    await vectorsFor(['alpha text', 'beta text']),
  );
  await index.close();
}

/** Writes one single-chunk document per text, `d<first + i>`. */
async function writeTexts(index: ArticleIndex, texts: string[], first = 0): Promise<void> {
  await index.writeDocuments(
    texts.map((text, i) => documentWith(`d${first + i}`, [text])),
    await vectorsFor(texts),
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

  it('rebuilds an unreadable vector manifest from the catalog', async () => {
    await writeAlphaBeta();
    await writeFile(join(dir, IndexFiles.vectors, 'manifest.json'), 'garbage');
    const reopened = await open();
    expect(reopened.vectors.size).toBe(2);
    await reopened.close();
  });

  it('rebuilds a vector segment found unreadable by the first query', async () => {
    await writeAlphaBeta();
    const folder = join(dir, IndexFiles.vectors);
    const { segments } = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
    await writeFile(join(folder, `${segments[0].name}.hnsw`), 'garbage');

    const reopened = await open();
    const [query] = await embedder.embed(['beta text']);
    const [top] = await reopened.queryVectors({ vector: query!, k: 1 });
    expect(reopened.catalog.chunksByVectorIds([top!.id])[0]?.text).toBe('beta text');
    await reopened.lock();
    await reopened.close();
    const repaired = await open();
    const [again] = await repaired.queryVectors({ vector: query!, k: 1 });
    expect(again?.id).toBe(top!.id);
    await repaired.close();
  });

  it('opens an index written as a single vectors.hnsw without a rebuild, and moves it into the folder', async () => {
    const index = await open();
    await index.lock();
    await index.writeDocuments(
      [documentWith('a', ['alpha text', 'beta text']), documentWith('b', ['gamma text'])],
      await vectorsFor(['alpha text', 'beta text', 'gamma text']),
    );
    const stored = [...index.catalog.iterateVectors()];
    await index.close();
    // The layout before segments: one graph file and its deleted-ids sidecar.
    await rm(join(dir, IndexFiles.vectors), { recursive: true });
    const legacyPath = join(dir, IndexFiles.legacyVectors);
    const legacy = await HnswVectorStore.open(legacyPath, embedder.dimensions);
    await legacy.add(stored);
    await legacy.save();
    const inode = statSync(legacyPath).ino;

    const reopened = await open();
    expect(reopened.vectors.size).toBe(3);
    const [query] = await embedder.embed(['gamma text']);
    const [top] = await reopened.queryVectors({ vector: query!, k: 1 });
    expect(reopened.catalog.chunksByVectorIds([top!.id])[0]?.text).toBe('gamma text');
    // Nothing to ingest: taking and giving back the lock is enough to move the file.
    await reopened.lock();
    await reopened.close();

    expect(existsSync(legacyPath)).toBe(false);
    const folder = join(dir, IndexFiles.vectors);
    const { segments } = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
    expect(segments).toHaveLength(1);
    expect(statSync(join(folder, `${segments[0].name}.hnsw`)).ino).toBe(inode);
    const migrated = await open();
    expect(migrated.vectors.loadedSegments).toBe(0);
    expect(migrated.vectors.size).toBe(3);
    await migrated.close();
  });

  it('a reader without the lock follows commits another process has not saved yet, writing no file', async () => {
    const texts = Array.from({ length: 18 }, (_, i) => `article ${i} about topic ${i}`);
    const { writer, reader } = await writerThenReader(texts, 10);
    const folder = join(dir, IndexFiles.vectors);
    const files = readdirSync(folder).sort();
    await reader.refresh();
    expect(reader.vectors.size).toBe(18);
    const [query] = await embedder.embed([texts[15]!]);
    const [top] = await reader.queryVectors({ vector: query!, k: 1 });
    expect(reader.catalog.chunksByVectorIds([top!.id])[0]?.text).toBe(texts[15]);
    expect(readdirSync(folder).sort()).toEqual(files);

    // The writer's save replaces the open segment the reader loaded: the reader reloads, then catches up.
    await writer.removeDocument('d15');
    await writer.unlock();
    expect(reader.vectors.isStale()).toBe(true);
    await reader.refresh();
    expect(reader.vectors.size).toBe(17);
    const matches = await reader.queryVectors({ vector: query!, k: 18 });
    expect(matches.map((match) => match.id)).not.toContain(top!.id);
    await writer.close();
    await reader.close();
  });

  it('a writer opened before another one saved writes on top of that save', async () => {
    const hnsw = { segmentSize: 4 };
    const first = await open({ hnsw });
    const second = await open({ hnsw });
    await first.lock();
    await first.writeDocuments(
      ['one', 'two', 'three'].map((word) => documentWith(word, [`text ${word}`])),
      await vectorsFor(['text one', 'text two', 'text three']),
    );
    await first.close();
    // The open segment that the second writer's manifest names has been replaced.
    await second.lock();
    await second.writeDocuments(
      ['four', 'five'].map((word) => documentWith(word, [`text ${word}`])),
      await vectorsFor(['text four', 'text five']),
    );
    await second.close();

    const reopened = await open({ hnsw });
    expect(reopened.vectors.size).toBe(5);
    expect((await reopened.vectors.ids()).sort()).toEqual(reopened.catalog.allVectorIds().sort());
    const [query] = await embedder.embed(['text two']);
    const [top] = await reopened.queryVectors({ vector: query!, k: 1 });
    expect(reopened.catalog.chunksByVectorIds([top!.id])[0]?.text).toBe('text two');
    await reopened.close();
  });

  it('a reader that has not queried yet finds its segments replaced by a save, and queries all the same', async () => {
    const texts = Array.from({ length: 6 }, (_, i) => `story ${i} on subject ${i}`);
    const { writer, reader } = await writerThenReader(texts, 3);
    await writer.close();

    // No refresh first: the open segment the reader's manifest names is gone.
    const [query] = await embedder.embed([texts[4]!]);
    const [top] = await reader.queryVectors({ vector: query!, k: 1 });
    expect(reader.catalog.chunksByVectorIds([top!.id])[0]?.text).toBe(texts[4]);
    await reader.close();
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
    // As written before sentence vectors: no column, so no index on it either.
    db.exec('DROP INDEX vectors_with_sentences; ALTER TABLE vectors DROP COLUMN sentences');
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
