import { mkdir, mkdtemp, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../test/support/hashing-embedder.js';
import { LocalStore } from '../store/local/local-store.js';
import { createMemoryStorage, MemoryStore } from '../store/memory/memory-store.js';
import { dotQuantised } from '../text/vector-math.js';
import { DefaultChunkOptions } from './chunk-document.js';
import { type IngestProgress, ingestSources } from './ingest-sources.js';
import type { SourceLoader } from './source-loader.js';

let root: string;
let corpus: string;
let embedder: HashingEmbedder;
let index: LocalStore;

/** Every chunk of a document, in order. */
const chunksOf = (documentId: string) => index.neighbourChunks(documentId, 0, Number.MAX_SAFE_INTEGER);

const paragraph = (topic: string, count: number) =>
  Array.from(
    { length: count },
    (_, i) => `Sentence ${i} of the ${topic} article explains point ${i} in some detail.`,
  ).join(' ');

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'articleqa-ingest-'));
  corpus = join(root, 'corpus');
  await mkdir(corpus);
  await writeFile(join(corpus, 'one.md'), `---\ntitle: Police in firms\n---\n\n${paragraph('police', 30)}\n`);
  await writeFile(join(corpus, 'two.txt'), `Weather report for Monday\n\n${paragraph('weather', 30)}\n`);
  embedder = new HashingEmbedder(32);
  index = new LocalStore({ dir: join(root, 'index') });
  await index.open({
    embedderId: embedder.id,
    dimensions: 32,
    chunker: DefaultChunkOptions,
  });
});
afterEach(async () => {
  await index.close();
  await rm(root, { recursive: true, force: true });
});

const ingest = (inputs: string[], options = {}) =>
  ingestSources(
    inputs,
    { store: index, embedder, chunkOptions: { targetTokens: 60 } },
    { cwd: root, ...options },
  );

describe('ingestSources', () => {
  it('adds a directory, with chunk offsets that round-trip into each document', async () => {
    const summary = await ingest(['corpus']);
    expect(summary).toMatchObject({ added: 2, updated: 0, unchanged: 0, failed: 0 });
    expect(summary.chunks).toBeGreaterThan(4);
    expect(summary.chunksEmbedded).toBe(summary.chunks);
    for (const document of await index.listDocuments()) {
      const text = (await index.documentText(document.id))!;
      const chunks = await chunksOf(document.id);
      for (const chunk of chunks) expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
    }
  });

  it("stores a vector per sentence of each chunk, from the embedder's span pass", async () => {
    await ingest(['corpus']);
    const documentId = (await index.listDocuments())[0]!.id;
    const chunks = await chunksOf(documentId);
    const stored = await index.sentenceVectors(chunks.map((chunk) => chunk.vectorId));
    for (const chunk of chunks) {
      const sentences = stored.get(chunk.vectorId)!;
      const texts = sentences.map(({ start, end }) => chunk.text.slice(start, end));
      expect(texts.length).toBeGreaterThan(1);
      expect(
        texts.every((text) =>
          /^Sentence \d+ of the \w+ article explains point \d+ in some detail\.$/.test(text),
        ),
      ).toBe(true);
      // Span vectors are what the embedder made for exactly those sentences (the title is context only).
      const [expected] = await embedder.embed([texts[0]!]);
      const cosine = dotQuantised(expected!, sentences[0]!);
      expect(cosine).toBeGreaterThan(0.99);
    }
  });

  it('keeps chunk vectors only when the embedder makes no span vectors', async () => {
    const plain = new HashingEmbedder(32);
    Object.defineProperty(plain, 'embedWithSpans', { value: undefined });
    const summary = await ingestSources(
      ['corpus'],
      { store: index, embedder: plain, chunkOptions: { targetTokens: 60 } },
      { cwd: root },
    );
    expect(summary.added).toBe(2);
    const [one] = await index.findDocuments(join(corpus, 'one.md'));
    const ids = await chunksOf(one!.id);
    expect(ids.length).toBeGreaterThan(0);
    expect((await index.sentenceVectors(ids.map((chunk) => chunk.vectorId))).size).toBe(0);
  });

  it('embeds nothing when the corpus is unchanged', async () => {
    await ingest(['corpus']);
    const before = embedder.embeddedTexts;
    const summary = await ingest(['corpus']);
    expect(summary).toMatchObject({ added: 0, updated: 0, unchanged: 2, chunksEmbedded: 0 });
    expect(embedder.embeddedTexts).toBe(before);
  });

  it('skips files whose size and modification time are unchanged without reading them', async () => {
    const reads: string[] = [];
    // A loader that counts what it reads: the built-in ones are claimed by their own extensions.
    const noteLoader: SourceLoader = {
      format: 'note',
      extensions: ['.note'],
      mediaTypes: [],
      async parse({ content, source }) {
        reads.push(source);
        const [title = '', ...body] = content.split('\n');
        return { documents: [{ title, text: body.join('\n').trim(), metadata: {} }] };
      },
    };
    const note = join(corpus, 'three.note');
    await writeFile(note, `Harbour note\n${paragraph('harbour', 20)}\n`);
    const run = (options = {}) => ingest(['corpus'], { loaders: [noteLoader], ...options });
    expect(await run()).toMatchObject({ added: 3 });
    expect(reads).toEqual([note]);
    const [id] = (await index.findDocuments(note)).map((document) => document.id);

    const again = await run();
    expect(again).toMatchObject({ unchanged: 3, chunksEmbedded: 0 });
    expect(reads).toHaveLength(1);
    expect(again.items.find((item) => item.source === note)).toMatchObject({
      status: 'unchanged',
      documentId: id,
      title: 'Harbour note',
    });

    // Touched, same content: read once more and its new time recorded, so the run after skips it.
    const later = new Date(Date.now() + 60_000);
    await utimes(note, later, later);
    expect(await run()).toMatchObject({ unchanged: 3, updated: 0, chunksEmbedded: 0 });
    expect(reads).toHaveLength(2);
    expect((await index.sourceState(id!))?.fileStamp).toContain(`|note|`);
    await run();
    expect(reads).toHaveLength(2);

    // `reread` reads every file whatever its stamp, and an edit (new size) is always read.
    expect(await run({ reread: true })).toMatchObject({ unchanged: 3 });
    expect(reads).toHaveLength(3);
    await writeFile(note, `Harbour note\n${paragraph('harbour', 20)} The ferry now leaves at noon.\n`);
    expect(await run()).toMatchObject({ updated: 1, unchanged: 2 });
    expect(reads).toHaveLength(4);
    expect(await index.documentText(id!)).toContain('The ferry now leaves at noon.');
  });

  it('keeps what a linking entry says about a file beside its stamp', async () => {
    const listLoader: SourceLoader = {
      format: 'dated-list',
      extensions: ['.list'],
      mediaTypes: [],
      async parse() {
        return {
          documents: [],
          links: [{ source: join(corpus, 'two.txt'), metadata: { publishedAt: '2020-05-04' } }],
        };
      },
    };
    await writeFile(join(root, 'dated.list'), 'two\n');
    expect(await ingest(['dated.list'], { loaders: [listLoader] })).toMatchObject({ added: 1 });
    const [two] = await index.listDocuments();
    expect(two?.publishedAt).toBe('2020-05-04');
    expect((await index.sourceState(two!.id))?.fileStamp).toContain('|text|');
  });

  it('replaces exactly the chunks of a changed article', async () => {
    await ingest(['corpus']);
    const [one, two] = (await index.listDocuments()).sort((a, b) => a.source.localeCompare(b.source));
    const twoChunks = (await chunksOf(two!.id)).map((chunk) => chunk.id);
    await writeFile(
      join(corpus, 'one.md'),
      `---\ntitle: Police in firms\n---\n\n${paragraph('police', 30)} A brand new closing sentence.\n`,
    );
    const summary = await ingest(['corpus']);
    expect(summary).toMatchObject({ added: 0, updated: 1, unchanged: 1 });
    // Only the changed last chunk is new text: the others reuse their stored vectors.
    expect(summary.chunksEmbedded).toBe(1);
    expect((await chunksOf(two!.id)).map((chunk) => chunk.id)).toEqual(twoChunks);
    expect(await index.documentText(one!.id)).toContain('A brand new closing sentence.');
  });

  it('removes documents whose files left an ingested directory', async () => {
    await ingest(['corpus']);
    await unlink(join(corpus, 'two.txt'));
    const summary = await ingest(['corpus']);
    expect(summary).toMatchObject({ removed: 1, unchanged: 1, documents: 1 });
  });

  it('prunes a folder of more files than one page of the store lists, and only inside the folders given', async () => {
    const many = join(corpus, 'many');
    await mkdir(many);
    const names = Array.from({ length: 1203 }, (_, i) => `note-${String(i).padStart(4, '0')}.txt`);
    for (const name of names) await writeFile(join(many, name), `Note ${name}\n\nThe body of ${name}.\n`);
    const beside = join(root, 'corpus-old');
    await mkdir(beside);
    await writeFile(
      join(beside, 'kept.txt'),
      'Kept\n\nIt was ingested on its own and is not in the folder.\n',
    );
    expect((await ingest(['corpus', 'corpus/many', 'corpus-old/kept.txt'])).added).toBe(1206);
    // Gone: the first and last of the listing, two around the first page's end, one in the last page.
    const gone = ['note-0000.txt', 'note-0997.txt', 'note-0998.txt', 'note-1100.txt', 'note-1202.txt'];
    for (const name of gone) await unlink(join(many, name));
    await unlink(join(beside, 'kept.txt'));
    const summary = await ingest(['corpus', 'corpus/many']);
    expect(summary).toMatchObject({ removed: 5, unchanged: 1200, failed: 0 });
    const removed = summary.items.filter((item) => item.status === 'removed');
    expect(removed.map((item) => item.source).sort()).toEqual(gone.map((name) => join(many, name)));
    expect(removed.every((item) => item.documentId && item.title?.startsWith('Note '))).toBe(true);
    // A document from outside the folders given stays, even though its file is gone.
    expect(summary.documents).toBe(1201);
  });

  it('reports bad inputs one line each and still ingests the rest', async () => {
    await writeFile(join(corpus, 'empty.md'), '');
    await writeFile(join(corpus, 'binary.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]));
    await writeFile(join(corpus, 'notes.pdf'), 'whatever');
    const summary = await ingest(['corpus', 'missing.md']);
    expect(summary.added).toBe(2);
    expect(summary.failed).toBe(3);
    const reasons = summary.items
      .filter((item) => item.status === 'failed')
      .map((item) => `${item.code} ${item.reason}`);
    for (const reason of reasons) expect(reason).not.toContain('\n');
    expect(reasons.some((reason) => reason.startsWith('E_EMPTY'))).toBe(true);
    expect(reasons.some((reason) => reason.startsWith('E_BINARY'))).toBe(true);
    expect(reasons.some((reason) => reason.startsWith('E_NOT_FOUND'))).toBe(true);
    expect(summary.skipped.some((path) => path.endsWith('notes.pdf'))).toBe(true);
  });

  it('reports progress for every source, with the sizes of local files for an ETA by size', async () => {
    const events: IngestProgress[] = [];
    await ingest(['corpus'], { onProgress: (event: IngestProgress) => events.push(event) });
    const sizes = [(await stat(join(corpus, 'one.md'))).size, (await stat(join(corpus, 'two.txt'))).size];
    expect(events[0]).toEqual({ type: 'discovered', total: 2, bytes: sizes[0]! + sizes[1]! });
    const sources = events.filter((event) => event.type === 'source');
    expect(sources.map((event) => event.done)).toEqual([1, 2]);
    expect(sources.map((event) => event.bytes).sort((a, b) => a - b)).toEqual(
      [...sizes].sort((a, b) => a - b),
    );
    expect(events.some((event) => event.type === 'embedded')).toBe(true);
  });

  it('keeps what was committed when the embedder fails mid-ingest', async () => {
    for (let i = 0; i < 6; i += 1)
      await writeFile(join(corpus, `extra-${i}.md`), `# Extra ${i}\n\n${paragraph(`extra${i}`, 20)}`);
    let calls = 0;
    const original = embedder.embed.bind(embedder);
    embedder.embed = async (texts, options) => {
      calls += 1;
      if (calls === 2) throw new Error('disk on fire');
      return original(texts, options);
    };
    await expect(ingest(['corpus'], { batchChunks: 8 })).rejects.toThrow('disk on fire');
    const committed = (await index.counts()).documents;
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(8);
    embedder.embed = original;
    const summary = await ingest(['corpus']);
    expect(summary.unchanged).toBe(committed);
    expect(summary.documents).toBe(8);
  });

  it("with lockScope 'write', two ingests embed at the same time and store each article once", async () => {
    const storage = createMemoryStorage();
    const handles = [new MemoryStore(storage), new MemoryStore(storage)];
    for (const handle of handles)
      await handle.open({ embedderId: embedder.id, dimensions: 32, chunker: DefaultChunkOptions });
    let inFlight = 0;
    let most = 0;
    const slow = new HashingEmbedder(32);
    const original = slow.embedWithSpans.bind(slow);
    slow.embedWithSpans = async (inputs, options) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight -= 1;
      return original(inputs, options);
    };
    const run = (store: MemoryStore, lockScope: 'ingest' | 'write') =>
      ingestSources(
        ['corpus'],
        { store, embedder: slow, chunkOptions: { targetTokens: 60 } },
        { cwd: root, lockScope, waitForLock: Number.POSITIVE_INFINITY, batchChunks: 4 },
      );
    const [first, second] = await Promise.all(handles.map((handle) => run(handle, 'write')));
    expect(most).toBe(2);
    expect(first!.added + second!.added).toBe(2);
    expect(first!.unchanged + second!.unchanged).toBe(2);
    expect(await handles[0]!.counts()).toMatchObject({ documents: 2 });
    expect(storage.lockedBy).toBeUndefined();

    // The default holds the lock for the whole run: the second ingest waits, nothing overlaps.
    await writeFile(join(corpus, 'three.md'), `# Harbour\n\n${paragraph('harbour', 30)}\n`);
    most = 0;
    const sequential = await Promise.all(handles.map((handle) => run(handle, 'ingest')));
    expect(most).toBe(1);
    expect(sequential.map((summary) => summary.added).sort()).toEqual([0, 1]);
  });

  it('loads and chunks the next batch while the embedder works on the one before', async () => {
    for (let i = 0; i < 6; i++) {
      await writeFile(join(corpus, `extra-${i}.md`), `# Extra ${i}\n\n${paragraph(`extra ${i}`, 12)}\n`);
    }
    let loads = 0;
    const counting: SourceLoader = {
      format: 'counted markdown',
      extensions: ['.md', '.txt'],
      mediaTypes: [],
      async parse(input) {
        loads += 1;
        return { documents: [{ title: input.source, text: input.content, metadata: {} }] };
      },
    };
    const seen: { before: number; after: number }[] = [];
    const slow = new HashingEmbedder(32);
    const original = slow.embedWithSpans.bind(slow);
    slow.embedWithSpans = async (inputs, options) => {
      const before = loads;
      await new Promise((resolve) => setTimeout(resolve, 40));
      seen.push({ before, after: loads });
      return original(inputs, options);
    };
    const summary = await ingestSources(
      ['corpus'],
      { store: index, embedder: slow, chunkOptions: { targetTokens: 60 } },
      { cwd: root, batchChunks: 2, loaders: [counting] },
    );
    expect(summary).toMatchObject({ added: 8, failed: 0 });
    // Sources were loaded during an embedding call: staging overlapped the model.
    expect(seen.some(({ before, after }) => after > before)).toBe(true);
    expect((await index.counts()).documents).toBe(8);
  });

  it('embeds the next batch while the one before is written, one batch at the model, writes in order', async () => {
    for (let i = 0; i < 6; i++) {
      await writeFile(join(corpus, `extra-${i}.md`), `# Extra ${i}\n\n${paragraph(`extra ${i}`, 12)}\n`);
    }
    const storage = createMemoryStorage();
    const store = new MemoryStore(storage);
    await store.open({ embedderId: embedder.id, dimensions: 32, chunker: DefaultChunkOptions });
    const events: string[] = [];
    let writing = 0;
    let embedding = 0;
    let embeddedDuringWrite = 0;
    let mostEmbedding = 0;
    const writeDocuments = store.writeDocuments.bind(store);
    store.writeDocuments = async (writes, embedded) => {
      writing += 1;
      events.push(`write ${writes.map((write) => write.document.title).join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 60));
      await writeDocuments(writes, embedded);
      writing -= 1;
    };
    const slow = new HashingEmbedder(32);
    const original = slow.embedWithSpans.bind(slow);
    slow.embedWithSpans = async (inputs, options) => {
      embedding += 1;
      mostEmbedding = Math.max(mostEmbedding, embedding);
      if (writing > 0) embeddedDuringWrite += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      embedding -= 1;
      return original(inputs, options);
    };
    const order: string[] = [];
    const summary = await ingestSources(
      ['corpus'],
      { store, embedder: slow, chunkOptions: { targetTokens: 60 } },
      {
        cwd: root,
        batchChunks: 2,
        onProgress: (event) => {
          if (event.type === 'source' && event.status === 'added') order.push(event.source);
        },
      },
    );
    expect(summary).toMatchObject({ added: 8, failed: 0 });
    expect(embeddedDuringWrite).toBeGreaterThan(0);
    expect(mostEmbedding).toBe(1);
    // Written (and reported) in the order the sources were staged.
    expect(order).toEqual([...order].sort());
    expect(events.length).toBeGreaterThan(2);
    expect(await store.counts()).toMatchObject({ documents: 8 });
  });

  it('fails with the error of a batch that failed to embed, keeping the batches written before it', async () => {
    for (let i = 0; i < 6; i++) {
      await writeFile(join(corpus, `extra-${i}.md`), `# Extra ${i}\n\n${paragraph(`extra ${i}`, 12)}\n`);
    }
    const failing = new HashingEmbedder(32);
    const original = failing.embedWithSpans.bind(failing);
    let calls = 0;
    failing.embedWithSpans = async (inputs, options) => {
      calls += 1;
      if (calls === 3) throw new Error('the model ran out of memory');
      return original(inputs, options);
    };
    await expect(
      ingestSources(
        ['corpus'],
        { store: index, embedder: failing, chunkOptions: { targetTokens: 60 } },
        { cwd: root, batchChunks: 2 },
      ),
    ).rejects.toThrow('the model ran out of memory');
    const stored = await index.listDocuments();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(8);
    // Whole documents only, and the lock is free for the next ingest, which completes the rest.
    for (const document of stored) expect((await chunksOf(document.id)).length).toBe(document.chunks);
    const rest = await ingest(['corpus']);
    expect(rest.added + rest.unchanged).toBe(8);
    expect((await index.counts()).documents).toBe(8);
  });

  it('loads what a custom loader links to, once each, and bounds the expansion', async () => {
    // A reading list: one path per line, like the entries of a feed.
    const listLoader: SourceLoader = {
      format: 'reading-list',
      extensions: ['.list'],
      mediaTypes: [],
      async parse({ content }) {
        const links = content
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean);
        return { documents: [], links: links.map((link) => join(root, link)) };
      },
    };
    await writeFile(
      join(root, 'reading.list'),
      'corpus/one.md\ncorpus/two.txt\ncorpus/one.md\nreading.list\n',
    );
    const summary = await ingest(['reading.list'], { loaders: [listLoader], prune: false });
    expect(summary).toMatchObject({ added: 2, failed: 0, documents: 2 });
    expect(summary.items[0]).toMatchObject({
      source: join(root, 'reading.list'),
      status: 'expanded',
      links: 2,
    });

    await writeFile(join(root, 'more.list'), 'corpus/one.md\ncorpus/two.txt\n');
    const bounded = await ingest(['more.list'], { loaders: [listLoader], maxLinkedSources: 1 });
    expect(bounded).toMatchObject({ unchanged: 1, failed: 1 });
    expect(bounded.items.find((item) => item.status === 'failed')).toMatchObject({
      source: join(root, 'corpus', 'two.txt'),
      code: 'E_TOO_LARGE',
    });
  });

  it('stores an article once when two sources hold it (same text, or same canonical URL), and says so', async () => {
    await writeFile(
      join(corpus, 'z-copy.md'),
      `---\ntitle: Police in firms\n---\n\n${paragraph('police', 30)}\n`,
    );
    await writeFile(
      join(root, 'a.md'),
      '---\ntitle: Saved page\nurl: https://news.example/story\n---\n\nThe story as saved.\n',
    );
    await writeFile(
      join(root, 'b.md'),
      '---\ntitle: Fetched page\nurl: https://news.example/story\n---\n\nThe story as fetched.\n',
    );
    const summary = await ingest(['corpus', 'a.md', 'b.md']);
    expect(summary).toMatchObject({ added: 3, duplicates: 2, documents: 3, failed: 0 });
    const duplicates = summary.items.filter((item) => item.status === 'duplicate');
    const [copy, fetched] = duplicates;
    expect(copy).toMatchObject({ source: join(corpus, 'z-copy.md') });
    expect(fetched).toMatchObject({ source: join(root, 'b.md') });
    const stored = await index.listDocuments();
    expect(copy!.duplicateOf).toBe(stored.find((document) => document.source === join(corpus, 'one.md'))!.id);
    // Next time the copy is found against the stored original, not just within the batch.
    const again = await ingest(['corpus/z-copy.md']);
    expect(again).toMatchObject({ duplicates: 1, added: 0 });
  });
});
