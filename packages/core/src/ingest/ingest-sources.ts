import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Embedder } from '../embed/embedder.js';
import type { SourceDocument } from '../shared/document.js';
import {
  AbortError,
  type ArticleQAError,
  InputError,
  isArticleQAError,
  throwIfAborted,
} from '../shared/errors.js';
import { withoutUndefined } from '../shared/options.js';
import type {
  ArticleStore,
  DocumentWrite,
  EmbeddedText,
  SourceStamps,
  SourceStampUpdate,
  StoredSource,
  StoredSourceState,
} from '../store/article-store.js';
import { SOURCE_STAMP_KEYS } from '../store/source-state.js';
import { type ChunkOptions, chunkDocument } from './chunk-document.js';
import { documentId } from './create-document.js';
import { discoverSources } from './discover-sources.js';
import { type EmbedInput, embedChunks, embedInput } from './embed-chunks.js';
import type { HttpValidators } from './fetch-source.js';
import { fileStamp } from './file-stamp.js';

export type { HttpValidators } from './fetch-source.js';

import { type LoadDocumentOptions, type LoadedSource, loadSource } from './load-document.js';
import { createPoliteFetch, type PoliteFetchOptions } from './polite-fetch.js';
import { type LinkedSource, LoaderRegistry, type SourceLoader } from './source-loader.js';
import { isHttpUrl, normalizeSource } from './source-location.js';
import { titleFromSource } from './title-from-source.js';

/** What happened to one source during an ingest. */
export type IngestStatus =
  | 'added'
  | 'updated'
  | 'unchanged'
  | 'duplicate'
  | 'removed'
  | 'failed'
  | 'expanded';

/** Progress events, for progress bars. The library never prints. */
export type IngestProgress =
  /** Sources found so far, and the bytes of those that are local files (for an ETA by size). */
  | { type: 'discovered'; total: number; bytes: number }
  | {
      type: 'source';
      source: string;
      status: IngestStatus;
      done: number;
      total: number;
      /** The file's size when the source is a local file, else 0. */
      bytes: number;
      reason?: string;
    }
  | { type: 'embedded'; chunks: number; totalEmbedded: number };

/** Options for an ingest. */
export interface IngestOptions extends Omit<LoadDocumentOptions, 'signal' | 'loaders' | 'validators'> {
  /** Loaders tried before the built-in ones (Markdown, HTML, text). */
  loaders?: readonly SourceLoader[];
  /**
   * Most sources loaded from the links of feeds and sitemaps in one ingest; the rest are reported as
   * failed, so a runaway sitemap cannot grow an ingest without bound.
   * @defaultValue 10000
   */
  maxLinkedSources?: number;
  signal?: AbortSignal;
  onProgress?: (event: IngestProgress) => void;
  /**
   * Remove indexed documents that came from a given directory but are no longer in it, so that
   * ingesting a folder mirrors it.
   * @defaultValue true
   */
  prune?: boolean;
  /**
   * Read every file again. By default a file whose size and modification time are those recorded when
   * it was stored (and read by the same loader and library version) is reported `unchanged` without
   * being read; files whose content is the same under a new time get the new one recorded.
   * @defaultValue false
   */
  reread?: boolean;
  /**
   * New chunk texts collected before they are embedded and committed together. Larger batches pad
   * less (texts of similar length are grouped) but commit less often.
   * @defaultValue 128
   */
  batchChunks?: number;
  /** Directory relative paths are resolved against. @defaultValue process.cwd() */
  cwd?: string;
  /**
   * Milliseconds to wait for another writer to finish before failing with `E_INDEX_LOCKED`
   * (`Infinity`: as long as it takes).
   * @defaultValue 0
   */
  waitForLock?: number;
  /**
   * How long the ingest holds the collection's write lock. `'ingest'` takes it once for the whole run
   * (another writer waits until the end; right for the local store, which saves its vector index on
   * every unlock). `'write'` takes it only around each commit, so several ingests into one collection
   * (queue workers on Postgres) load, chunk and embed at the same time and take turns only to write;
   * before writing, each staged document is checked again under the lock, so one another writer
   * stored meanwhile is reported `unchanged` instead of written twice.
   * @defaultValue 'ingest'
   */
  lockScope?: 'ingest' | 'write';
  /**
   * Cache validators the caller kept for sources that are not stored documents (a followed feed):
   * those URLs are fetched conditionally too, and a 304 is reported `unchanged`.
   */
  validators?: ReadonlyMap<string, HttpValidators>;
  /**
   * How URLs are fetched: User-Agent, robots.txt, spacing per host, retries after 429/503. See
   * {@link PoliteFetchOptions} for the defaults.
   */
  politeness?: PoliteFetchOptions;
}

/** One source's outcome. */
export interface IngestItem {
  source: string;
  status: IngestStatus;
  documentId?: string;
  title?: string;
  chunks?: number;
  /** Why it failed: one line. */
  reason?: string;
  /** For a feed or sitemap (`expanded`): the sources it linked to, loaded in the same ingest. */
  links?: number;
  /** For a `duplicate`: the stored document holding the same article (same text or canonical URL). */
  duplicateOf?: string;
  /** For a feed (`expanded`): how often it says it changes, in seconds, when it says so. */
  refreshSeconds?: number;
  /** For a feed (`expanded`): its response's cache validators, to pass back as `validators` next time. */
  validators?: HttpValidators;
  code?: string;
}

/** The outcome of an ingest: counts plus one item per source. */
export interface IngestSummary {
  added: number;
  updated: number;
  unchanged: number;
  /** New sources not stored because another document already holds the same article. */
  duplicates: number;
  removed: number;
  failed: number;
  /** Chunks embedded in this run (chunk texts already stored are never embedded again). */
  chunksEmbedded: number;
  /** Chunks in the index after the run. */
  chunks: number;
  /** Documents in the index after the run. */
  documents: number;
  /** Files in the given directories passed over for their extension. */
  skipped: string[];
  items: IngestItem[];
  seconds: number;
}

/** Everything an ingest needs, injected. */
export interface IngestContext {
  store: ArticleStore;
  embedder: Embedder;
  chunkOptions: ChunkOptions;
}

interface Pending {
  write: DocumentWrite;
  item: IngestItem;
  /** What each chunk text is embedded from, by hash, for a vector found missing at commit. */
  inputs: Map<string, EmbedInput>;
}

/**
 * Loads, cleans, chunks, embeds and stores the given files, directories and URLs. Unchanged documents
 * are skipped without embedding (files whose size and modification time are unchanged without being
 * read; anything else when its content hash is the stored one); changed ones replace their chunks;
 * identical chunk text is embedded once. Bad sources are reported in the summary and never stop the batch.
 * Commits happen every `batchChunks` new chunks, so an interrupted ingest keeps what it committed.
 */
export async function ingestSources(
  inputs: readonly string[],
  context: IngestContext,
  options: IngestOptions = {},
): Promise<IngestSummary> {
  const started = performance.now();
  const { store, embedder, chunkOptions } = context;
  const { signal, onProgress } = options;
  const batchChunks = options.batchChunks ?? 128;
  const cwd = options.cwd ?? process.cwd();
  const items: IngestItem[] = [];
  let chunksEmbedded = 0;

  const loaders = new LoaderRegistry(options.loaders ?? []);
  // exactOptionalPropertyTypes: unset options are dropped, not passed as undefined.
  const loadOptions = withoutUndefined({
    cwd,
    loaders,
    maxBytes: options.maxBytes,
    // One polite fetcher for the whole ingest, so robots.txt and per-host spacing span every source.
    fetch: createPoliteFetch(options.fetch ?? globalThis.fetch, options.politeness),
    timeoutMs: options.timeoutMs,
    signal,
  }) as LoadDocumentOptions;
  const discovered = await discoverSources(inputs, { cwd, loaders });
  for (const failure of discovered.failures) items.push(failedItem(failure.source, failure.error));
  let total = discovered.sources.length + discovered.failures.length;
  const sizes = onProgress ? await localFileSizes(discovered.sources, cwd) : new Map<string, number>();
  const bytes = [...sizes.values()].reduce((sum, size) => sum + size, 0);
  onProgress?.({ type: 'discovered', total, bytes });
  let done = discovered.failures.length;
  const report = (item: IngestItem) => {
    done += 1;
    onProgress?.({
      type: 'source',
      source: item.source,
      status: item.status,
      done,
      total,
      bytes: sizes.get(item.source) ?? 0,
      ...(item.reason ? { reason: item.reason } : {}),
    });
  };

  const lockScope = options.lockScope ?? 'ingest';
  const lock = () =>
    store.lock({
      ...(options.waitForLock !== undefined ? { waitMs: options.waitForLock } : {}),
      ...(signal ? { signal } : {}),
    });
  /** Runs a write under the lock: the one held for the whole ingest, or one taken for this write. */
  const locked = async <T>(work: () => Promise<T>): Promise<T> => {
    if (lockScope === 'ingest') return work();
    await lock();
    try {
      return await work();
    } finally {
      await store.unlock();
    }
  };
  const embedMap = async (inputs: ReadonlyMap<string, EmbedInput>) => {
    if (inputs.size === 0) return new Map<string, EmbeddedText>();
    const embedded = await embedChunks(embedder, inputs, signal ? { signal } : {});
    chunksEmbedded += inputs.size;
    onProgress?.({ type: 'embedded', chunks: inputs.size, totalEmbedded: chunksEmbedded });
    return embedded;
  };

  /**
   * The batches handed to the embedder and not yet known to be written, oldest first, at most two: while
   * the model embeds the newest (in its worker thread), the one before is written and the next one is
   * loaded, cleaned and chunked here. `embedded` settles once the model is done with a batch, `done`
   * once it is written; batches are written in order.
   */
  let inFlight: {
    entries: Pending[];
    hashes: Set<string>;
    embedded: Promise<unknown>;
    done: Promise<void>;
  }[] = [];
  /** Waits until every batch handed over is written, surfacing the first failure. */
  const allWritten = async () => {
    for (const batch of inFlight) await batch.done;
  };
  if (lockScope === 'ingest') await lock();
  try {
    let pending: Pending[] = [];
    let newTexts = new Map<string, EmbedInput>();
    /** New stamps of sources read again with the content stored, written in batches. */
    let touched: SourceStampUpdate[] = [];

    /**
     * Hands the staged batch to the embedder, to be written once embedded and once the batch before is
     * written, and returns, so the next batch is staged while the model works. The model takes the
     * batch once it is done with the one before (one batch at the model at a time), and the one before
     * that must be written: the model never waits for a write, and at most three batches are in memory.
     */
    const commit = async () => {
      if (pending.length === 0) return;
      const [entries, texts] = [pending, newTexts];
      pending = [];
      newTexts = new Map();
      const [older, last] = inFlight.length === 2 ? inFlight : [undefined, inFlight[0]];
      await older?.done;
      await last?.embedded;
      const embedded = embedMap(texts);
      const done = (async () => {
        const byHash = await embedded;
        await last?.done;
        await writeBatch(entries, byHash);
      })();
      // Awaited by a later commit or the flush; a failure must not surface as unhandled meanwhile.
      embedded.catch(() => undefined);
      done.catch(() => undefined);
      inFlight = [...(last ? [last] : []), { entries, hashes: new Set(texts.keys()), embedded, done }];
    };

    /** Stores an embedded batch and reports its items. */
    const writeBatch = async (batch: Pending[], byHash: Map<string, EmbeddedText>) => {
      const written = await locked(async () => {
        const entries = lockScope === 'write' ? await recheckUnderLock(batch, byHash) : batch;
        if (entries.length > 0)
          await store.writeDocuments(
            entries.map((entry) => entry.write),
            byHash,
          );
        return new Set(entries);
      });
      for (const entry of batch) {
        const item: IngestItem = written.has(entry)
          ? entry.item
          : {
              source: entry.item.source,
              status: 'unchanged',
              documentId: entry.write.document.id,
              title: entry.write.document.title,
            };
        items.push(item);
        report(item);
      }
    };

    /** Records the new stamps, after the batches in flight: the store takes one write at a time. */
    const writeStamps = async () => {
      if (touched.length === 0) return;
      const updates = touched;
      touched = [];
      await allWritten();
      await locked(() => store.setSourceStamps(updates));
    };

    /** Commits what is staged and waits until every batch (and stamp) is written. */
    const flush = async () => {
      await commit();
      await allWritten();
      await writeStamps();
    };

    /**
     * With the lock taken only to write, what changed since staging: documents another writer stored
     * meanwhile with the same content are dropped, and vectors another writer removed meanwhile (their
     * last document replaced) are embedded into `byHash` now.
     */
    const recheckUnderLock = async (entries: readonly Pending[], byHash: Map<string, EmbeddedText>) => {
      const kept: Pending[] = [];
      for (const entry of entries)
        if (
          (await store.sourceState(entry.write.document.id))?.contentHash !== entry.write.document.contentHash
        )
          kept.push(entry);
      const needed = new Map<string, EmbedInput>();
      for (const entry of kept)
        for (const [hash, input] of entry.inputs) if (!byHash.has(hash)) needed.set(hash, input);
      for (const hash of await store.storedVectorHashes([...needed.keys()])) needed.delete(hash);
      for (const [hash, vector] of await embedMap(needed)) byHash.set(hash, vector);
      return kept;
    };

    /** Chunks a loaded document and queues it for the next commit, unless it is unchanged. */
    const stage = async (source: string, document: SourceDocument) => {
      const stored = await store.sourceState(document.id);
      const previous = stored?.contentHash;
      // Staged and not yet written: the batches handed over, then the one being staged.
      const staging = [...inFlight.flatMap((batch) => batch.entries), ...pending];
      if (
        previous === document.contentHash ||
        staging.some((entry) => entry.write.document.id === document.id)
      ) {
        const item: IngestItem = {
          source,
          status: 'unchanged',
          documentId: document.id,
          title: document.title,
        };
        items.push(item);
        report(item);
        // The same content read under new stamps (a touched file, a page served with new validators):
        // the stamps are recorded, so the next ingest skips the file unread or asks conditionally.
        const stamps =
          previous === document.contentHash && stored ? newStamps(document.metadata, stored) : {};
        if (Object.keys(stamps).length > 0) {
          touched.push({ documentId: document.id, contentHash: document.contentHash, stamps });
          if (touched.length >= STAMP_BATCH) await writeStamps();
        }
        return;
      }
      if (previous === undefined) {
        // A new source holding an article already stored (the page by URL and saved as a file, one
        // text under two paths) is reported, not stored twice.
        const url = typeof document.metadata.url === 'string' ? document.metadata.url : undefined;
        const staged = staging.find(
          ({ write }) =>
            write.document.contentHash === document.contentHash ||
            (url !== undefined && write.document.metadata.url === url),
        );
        const original =
          staged?.write.document.id ??
          (
            await store.findDuplicates({
              id: document.id,
              contentHash: document.contentHash,
              ...(url ? { url } : {}),
            })
          )[0]?.id;
        if (original !== undefined) {
          const item: IngestItem = {
            source,
            status: 'duplicate',
            documentId: document.id,
            title: document.title,
            duplicateOf: original,
          };
          items.push(item);
          report(item);
          return;
        }
      }
      const drafts = chunkDocument(document, embedder, chunkOptions);
      const chunks = drafts.map((chunk) => ({
        position: chunk.index,
        start: chunk.start,
        end: chunk.end,
        tokens: chunk.tokens,
        text: chunk.text,
        vectorHash: hashText(chunk.embedText),
      }));
      const known = await store.storedVectorHashes(chunks.map((chunk) => chunk.vectorHash));
      const inputs = new Map<string, EmbedInput>();
      for (const [position, chunk] of chunks.entries()) {
        const input = embedInput(drafts[position]!, chunks[position - 1]?.vectorHash);
        inputs.set(chunk.vectorHash, input);
        // A text a batch handed over embeds is stored before this batch is written.
        if (!known.has(chunk.vectorHash) && !inFlight.some((batch) => batch.hashes.has(chunk.vectorHash)))
          newTexts.set(chunk.vectorHash, input);
      }
      pending.push({
        inputs,
        write: { document, chunks },
        item: {
          source,
          status: previous === undefined ? 'added' : 'updated',
          documentId: document.id,
          title: document.title,
          chunks: chunks.length,
        },
      });
      if (newTexts.size >= batchChunks) await commit();
    };

    const queue = [...discovered.sources];
    const seen = new Set(queue);
    /** What the feed entries that linked to a source say about it. */
    const hints = new Map<string, LinkedSource>();
    let linked = 0;
    const maxLinked = options.maxLinkedSources ?? 10_000;
    while (queue.length > 0) {
      const source = queue.shift()!;
      throwIfAborted(signal);
      const stamp = isHttpUrl(source) ? undefined : await localStamp(source, cwd, loaders);
      if (stamp && !options.reread) {
        const state = await store.sourceState(stamp.documentId);
        if (state?.fileStamp === stamp.value) {
          const item: IngestItem = {
            source,
            status: 'unchanged',
            documentId: stamp.documentId,
            title: state.title,
          };
          items.push(item);
          report(item);
          continue;
        }
      }
      let loaded: LoadedSource;
      // A page stored with cache validators is fetched conditionally: a 304 costs no download.
      const stored = isHttpUrl(source) ? await storedValidators(store, source) : undefined;
      const validators = stored?.validators ?? options.validators?.get(source);
      try {
        loaded = await loadSource(source, validators ? { ...loadOptions, validators } : loadOptions);
      } catch (error) {
        if (signal?.aborted) throw new AbortError(undefined, { cause: error });
        const item = failedItem(source, error);
        items.push(item);
        report(item);
        continue;
      }
      if (loaded.notModified) {
        const item: IngestItem = stored
          ? { source, status: 'unchanged', documentId: stored.id, title: stored.title }
          : { source, status: 'unchanged' };
        items.push(item);
        report(item);
        continue;
      }
      const fresh = new Set<string>();
      for (const link of loaded.links) {
        if (seen.has(link.source) || fresh.has(link.source)) continue;
        fresh.add(link.source);
        if (link.title !== undefined || link.metadata !== undefined) hints.set(link.source, link);
      }
      for (const link of fresh) {
        seen.add(link);
        if (linked >= maxLinked) {
          const over = `Not loaded: over ${maxLinked} linked sources in one ingest (maxLinkedSources).`;
          items.push(failedItem(link, new InputError('E_TOO_LARGE', link, over)));
          continue;
        }
        linked += 1;
        total += 1;
        queue.push(link);
      }
      if (fresh.size > 0) onProgress?.({ type: 'discovered', total, bytes });
      if (loaded.documents.length === 0) {
        const item: IngestItem = {
          source,
          status: 'expanded',
          links: fresh.size,
          ...(loaded.refreshSeconds !== undefined ? { refreshSeconds: loaded.refreshSeconds } : {}),
          ...(loaded.validators ? { validators: loaded.validators } : {}),
        };
        items.push(item);
        report(item);
        continue;
      }
      const hint = hints.get(source);
      // A file read as one document of its own id carries the stamp it was read under.
      const stamped = stamp && loaded.documents.length === 1 && loaded.documents[0]?.id === stamp.documentId;
      for (const loadedDocument of loaded.documents) {
        const document = hint ? withEntryMetadata(loadedDocument, hint) : loadedDocument;
        await stage(
          source,
          stamped ? { ...document, metadata: { ...document.metadata, fileStamp: stamp.value } } : document,
        );
      }
    }
    await flush();

    const removed =
      options.prune === false ? [] : await locked(() => pruneMissing(inputs, cwd, discovered.sources, store));
    for (const item of removed) {
      items.push(item);
      report(item);
    }
  } finally {
    // Batches still being embedded or written when the ingest fails or is cancelled end before the
    // lock is released (each is written whole, or not at all).
    await Promise.allSettled(inFlight.map((batch) => batch.done));
    if (lockScope === 'ingest') await store.unlock();
  }

  const counts = await store.counts();
  const count = (status: IngestStatus) => items.filter((item) => item.status === status).length;
  return {
    added: count('added'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    duplicates: count('duplicate'),
    removed: count('removed'),
    failed: count('failed'),
    chunksEmbedded,
    chunks: counts.chunks,
    documents: counts.documents,
    skipped: discovered.skipped,
    items,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The stamps a source was read under now that differ from the stored ones: its file stamp, its cache
 * validators (a page served again with a new ETag or Last-Modified, its text unchanged).
 */
function newStamps(metadata: SourceDocument['metadata'], stored: StoredSourceState): SourceStamps {
  const stamps: SourceStamps = {};
  for (const key of SOURCE_STAMP_KEYS) {
    const value = metadata[key];
    if (typeof value === 'string' && value.length > 0 && value !== stored[key]) stamps[key] = value;
  }
  return stamps;
}

/** New stamps written together. */
const STAMP_BATCH = 1000;

/**
 * The stamp a local file would be stored with, and the id of the document it reads as; undefined for a
 * path no loader claims or that is not a file (loading it reports why).
 */
async function localStamp(
  source: string,
  cwd: string,
  loaders: LoaderRegistry,
): Promise<{ documentId: string; value: string } | undefined> {
  const path = normalizeSource(source, cwd);
  const format = loaders.forPath(path)?.format;
  const value = format === undefined ? undefined : await fileStamp(path, format);
  return value === undefined ? undefined : { documentId: documentId(path), value };
}

/** Content hash of an embedded text: identical texts share one vector. */
export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Documents from an ingested directory whose files are gone. */
async function pruneMissing(
  inputs: readonly string[],
  cwd: string,
  seenSources: readonly string[],
  store: ArticleStore,
): Promise<IngestItem[]> {
  const directories = new Set<string>();
  for (const input of inputs) {
    if (isHttpUrl(input)) continue;
    const path = normalizeSource(input, cwd);
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) directories.add(path.endsWith(sep) ? path : `${path}${sep}`);
  }
  if (directories.size === 0) return [];
  const seen = new Set(seenSources);
  const removed: IngestItem[] = [];
  const gone: StoredSource[] = [];
  // A folder inside another one given is listed with it.
  const outermost = [...directories].filter(
    (directory) => ![...directories].some((other) => other !== directory && directory.startsWith(other)),
  );
  for (const prefix of outermost) {
    // A page at a time: a folder of 100,000 files is never listed, let alone the collection, at once.
    let after: StoredSource | undefined;
    for (;;) {
      const page = await store.listSources({ prefix, limit: PRUNE_PAGE, ...(after ? { after } : {}) });
      for (const document of page) {
        if (seen.has(document.source)) continue;
        if (!(await stat(document.source).catch(() => undefined))) gone.push(document);
      }
      if (page.length < PRUNE_PAGE) break;
      after = page.at(-1);
    }
  }
  for (const document of gone) {
    await store.removeDocument(document.id);
    removed.push({
      source: document.source,
      status: 'removed',
      documentId: document.id,
      title: document.title,
    });
  }
  return removed;
}

/** Stored sources listed per page while looking for files that left an ingested folder. */
const PRUNE_PAGE = 1000;

function failedItem(source: string, error: unknown): IngestItem {
  if (isArticleQAError(error)) {
    return { source, status: 'failed', reason: error.message, code: (error as ArticleQAError).code };
  }
  const reason = error instanceof Error ? error.message : String(error);
  return { source, status: 'failed', reason, code: error instanceof InputError ? error.code : 'E_INPUT' };
}

/** Sizes of the sources that are local files (URLs and unreadable paths are left out). */
async function localFileSizes(sources: readonly string[], cwd: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const files = sources.filter((source) => !isHttpUrl(source));
  // A bounded number of stats at a time: a folder of 100,000 files must not open them all at once.
  for (let offset = 0; offset < files.length; offset += 256) {
    await Promise.all(
      files.slice(offset, offset + 256).map(async (source) => {
        const size = await stat(resolve(cwd, source)).then(
          (found) => found.size,
          () => 0,
        );
        sizes.set(source, size);
      }),
    );
  }
  return sizes;
}

/**
 * A linked article with what its feed entry says filled in where the page is silent: date, author,
 * GUID, and the title when the page had none of its own (its title came from its URL). The page's
 * own values win. The content hash is unchanged: metadata alone never re-embeds.
 */
function withEntryMetadata(document: SourceDocument, entry: LinkedSource): SourceDocument {
  const metadata = { ...document.metadata };
  for (const [key, value] of Object.entries(entry.metadata ?? {}))
    if (metadata[key] === undefined && value !== undefined) metadata[key] = value;
  const untitled = document.title === titleFromSource(document.source);
  return { ...document, metadata, ...(untitled && entry.title ? { title: entry.title } : {}) };
}

/** The cache validators a stored page was fetched with, when it is stored and has some. */
async function storedValidators(
  store: ArticleStore,
  source: string,
): Promise<{ id: string; title: string; validators: HttpValidators } | undefined> {
  const id = documentId(normalizeSource(source));
  // The validators come with the source's state: the document itself (text, chunks, vectors) is not read.
  const state = await store.sourceState(id);
  if (!state?.etag && !state?.lastModified) return undefined;
  const { etag, lastModified } = state;
  return {
    id,
    title: state.title,
    validators: { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) },
  };
}
