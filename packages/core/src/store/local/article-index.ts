import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IndexError, isArticleQAError } from '../../shared/errors.js';
import type {
  DocumentWrite,
  EmbeddedText,
  IndexManifest,
  LockOptions,
  SourceStampUpdate,
} from '../article-store.js';
import { Catalog, SCHEMA_VERSION } from './catalog.js';
import type { HnswOptions } from './hnsw-vector-store.js';
import { SegmentedVectorStore } from './segmented-vector-store.js';
import type { VectorMatch, VectorQuery } from './vector-store.js';
import { acquireWriteLock, type ReleaseLock } from './write-lock.js';

/** File names inside an index directory. */
export const IndexFiles = {
  catalog: 'articleqa.sqlite',
  /**
   * Folder of the HNSW graph, in segments: `manifest.json` names the segment files in use
   * (`<name>.hnsw`, `<name>.ids`). See {@link SegmentedVectorStore}.
   */
  vectors: 'vectors',
  /** The single HNSW file of indexes written before segments: adopted on open, removed by the next save. */
  legacyVectors: 'vectors.hnsw',
} as const;

/** Options for {@link ArticleIndex.open}. */
export interface OpenIndexOptions {
  embedderId: string;
  dimensions: number;
  /** Chunker settings recorded when the index is created. */
  chunker: Record<string, unknown>;
  /** Create the index when it does not exist. @defaultValue true */
  create?: boolean;
  hnsw?: HnswOptions;
}

/**
 * An index directory: the SQLite catalog (source of truth, vectors included) and the segmented HNSW
 * graph derived from it. The two are kept consistent: each committed write bumps a generation; the
 * catalog records the generation the graph was last saved at; on open, a mismatch (a crash between the
 * two) is repaired from the catalog. So a killed ingest loses nothing it committed, and the index
 * always opens.
 */
export class ArticleIndex {
  readonly dir: string;
  readonly catalog: Catalog;
  vectors: SegmentedVectorStore;
  readonly manifest: IndexManifest;
  readonly #hnswOptions: HnswOptions;
  #release: ReleaseLock | undefined;
  #dirty = false;
  #seenGeneration: string | undefined;

  private constructor(
    dir: string,
    catalog: Catalog,
    vectors: SegmentedVectorStore,
    manifest: IndexManifest,
    hnsw: HnswOptions,
  ) {
    this.dir = dir;
    this.catalog = catalog;
    this.vectors = vectors;
    this.manifest = manifest;
    this.#hnswOptions = hnsw;
  }

  /** @throws IndexError `E_INDEX_NOT_FOUND` when `dir` holds no index. */
  static assertExists(dir: string): void {
    if (!existsSync(join(dir, IndexFiles.catalog))) {
      throw new IndexError('E_INDEX_NOT_FOUND', dir, `No articleqa index at ${dir}.`);
    }
  }

  /**
   * Opens the index in `dir`, creating it when allowed.
   * @throws IndexError `E_INDEX_NOT_FOUND`, `E_INDEX_CORRUPT`, `E_INDEX_MISMATCH`.
   */
  static async open(dir: string, options: OpenIndexOptions): Promise<ArticleIndex> {
    const catalogPath = join(dir, IndexFiles.catalog);
    const exists = existsSync(catalogPath);
    if (options.create === false) ArticleIndex.assertExists(dir);
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new IndexError('E_INDEX_NOT_FOUND', dir, `${dir} is a file, not an index directory.`);
    }
    mkdirSync(dir, { recursive: true });
    let catalog: Catalog;
    try {
      catalog = Catalog.open(catalogPath, { readonly: false, create: true });
    } catch (error) {
      throw new IndexError('E_INDEX_CORRUPT', dir, `The index catalog ${catalogPath} cannot be opened.`, {
        cause: error,
        hint: `Delete ${dir} and ingest again.`,
      });
    }
    try {
      const manifest = readOrCreateManifest(catalog, dir, options, exists);
      const vectors = await openVectors(dir, manifest.dimensions, options.hnsw ?? {});
      const index = new ArticleIndex(dir, catalog, vectors, manifest, options.hnsw ?? {});
      await index.#repairVectors();
      // An adopted single-file graph is moved into the segment folder by the next save.
      if (vectors.unsaved) index.#dirty = true;
      return index;
    } catch (error) {
      catalog.close();
      throw error;
    }
  }

  /** Takes the single-writer lock; every write method needs it. */
  async lock(options: LockOptions = {}): Promise<void> {
    if (this.#release) return;
    this.#release = await acquireWriteLock(this.dir, options);
    this.vectors.writable = true;
    // Another process may have written since this one last looked: write on top of its state.
    await this.refresh();
  }

  /**
   * Catches up with commits made by other processes since the last look (a long-running bot reading
   * while the CLI ingests): when the catalog's generation moved, vectors added or deleted there are
   * added to or deleted from the in-memory HNSW graph. When another process saved the graph since this
   * one read it (the segment files it knows may be gone), the graph is first reloaded from disk. Costs
   * one SQLite read and one `stat` when nothing changed.
   */
  async refresh(): Promise<void> {
    if (this.vectors.isStale()) {
      await this.#reloadVectors();
      this.#seenGeneration = undefined;
    }
    const generation = this.catalog.getMeta('generation') ?? '0';
    if (generation === this.#seenGeneration) return;
    await this.#syncVectors();
    this.#seenGeneration = generation;
  }

  /** Saves pending vector changes and releases the write lock. */
  async unlock(): Promise<void> {
    try {
      await this.flush();
    } finally {
      const release = this.#release;
      this.#release = undefined;
      this.vectors.writable = false;
      await release?.();
    }
  }

  get locked(): boolean {
    return this.#release !== undefined;
  }

  /**
   * Replaces or adds documents in one transaction. `embedded` holds the vectors (and sentence vectors)
   * of chunk texts not yet stored, by content hash.
   */
  async writeDocuments(
    writes: readonly DocumentWrite[],
    embedded: ReadonlyMap<string, EmbeddedText>,
  ): Promise<void> {
    this.#assertLocked();
    const now = new Date().toISOString();
    const { added, orphaned } = this.catalog.transaction(() => {
      const candidates: number[] = [];
      for (const write of writes) candidates.push(...this.catalog.deleteDocumentRows(write.document.id));
      const hashes = [...new Set(writes.flatMap((write) => write.chunks.map((chunk) => chunk.vectorHash)))];
      const vectorIds = this.catalog.findVectorIds(hashes);
      const insertedVectors: { id: number; vector: Float32Array }[] = [];
      for (const hash of hashes) {
        if (vectorIds.has(hash)) continue;
        const entry = embedded.get(hash);
        if (!entry) throw new Error(`Missing vector for chunk hash ${hash}.`);
        const id = this.catalog.insertVector(hash, entry.vector, entry.sentences);
        vectorIds.set(hash, id);
        insertedVectors.push({ id, vector: entry.vector });
      }
      for (const write of writes)
        this.catalog.insertDocument(write.document, write.chunks, vectorIds, write.ingestedAt ?? now);
      const unused = this.catalog.deleteUnusedVectors(candidates);
      this.#bumpGeneration(now);
      return { added: insertedVectors, orphaned: unused };
    });
    await this.vectors.add(added);
    await this.vectors.delete(orphaned);
    this.#dirty = true;
  }

  /** Records file stamps in one transaction. Only metadata changes: no generation bump, no vector write. */
  setSourceStamps(updates: readonly SourceStampUpdate[]): void {
    this.#assertLocked();
    if (updates.length > 0) this.catalog.transaction(() => this.catalog.setSourceStamps(updates));
  }

  /** Removes a document, its chunks and the vectors only it used. Returns false when it is not indexed. */
  async removeDocument(documentId: string): Promise<boolean> {
    this.#assertLocked();
    const now = new Date().toISOString();
    const orphaned = this.catalog.transaction(() => {
      if (this.catalog.getContentHash(documentId) === undefined) return undefined;
      const unused = this.catalog.deleteUnusedVectors(this.catalog.deleteDocumentRows(documentId));
      this.#bumpGeneration(now);
      return unused;
    });
    if (!orphaned) return false;
    await this.vectors.delete(orphaned);
    this.#dirty = true;
    return true;
  }

  /**
   * Nearest chunk vectors. Recovers from what a lazily loaded graph can meet on its first query: segment
   * files replaced by another process's save since the manifest was read (reload and retry), or an
   * unreadable one (rebuilt from the catalog, as on open).
   */
  async queryVectors(query: VectorQuery): Promise<VectorMatch[]> {
    try {
      return await this.vectors.query(query);
    } catch (error) {
      if (!isArticleQAError(error, 'E_INDEX_CORRUPT')) throw error;
      if (this.vectors.isStale()) {
        await this.refresh();
      } else {
        await this.#rebuildVectors();
        this.#dirty = true;
      }
      return this.vectors.query(query);
    }
  }

  /** Makes vector changes durable: compacts when deletions pile up, then saves the HNSW segments atomically. */
  async flush(): Promise<void> {
    if (!this.#dirty) return;
    const deletedSlots = this.vectors.slots - this.vectors.size;
    if (deletedSlots > 1000 && deletedSlots > this.vectors.slots / 4) await this.#rebuildVectors();
    await this.vectors.save();
    this.catalog.setMeta('vectorGeneration', this.catalog.getMeta('generation') ?? '0');
    this.#dirty = false;
  }

  /** Closes the catalog; saves first when holding the lock. */
  async close(): Promise<void> {
    try {
      if (this.#release) await this.unlock();
    } finally {
      await this.vectors.close();
      this.catalog.close();
    }
  }

  #assertLocked(): void {
    if (!this.#release) throw new Error('ArticleIndex: write without the lock (call lock() first).');
  }

  #bumpGeneration(now: string): void {
    const generation = String(Number(this.catalog.getMeta('generation') ?? '0') + 1);
    this.catalog.setMeta('generation', generation);
    this.#seenGeneration = generation;
    this.catalog.setMeta('lastIngestAt', now);
    this.manifest.lastIngestAt = now;
  }

  /** Brings the HNSW index in line with the catalog after a crash between their two writes. */
  async #repairVectors(): Promise<void> {
    const generation = this.catalog.getMeta('generation') ?? '0';
    const saved = this.catalog.getMeta('vectorGeneration') ?? '0';
    this.#seenGeneration = generation;
    const catalogCount = this.catalog.counts().vectors;
    if (generation === saved && this.vectors.size === catalogCount) return;
    const changed = await this.#syncVectors();
    this.#dirty = changed || generation !== saved;
  }

  /** Adds the catalog's vectors missing from the graph and deletes those gone; true when any changed. */
  async #syncVectors(): Promise<boolean> {
    const inCatalog = new Set(this.catalog.allVectorIds());
    const inStore = new Set(await this.vectors.ids());
    const missing = [...inCatalog].filter((id) => !inStore.has(id));
    const extra = [...inStore].filter((id) => !inCatalog.has(id));
    await this.vectors.delete(extra);
    for (const batch of chunked(missing, 1000))
      await this.vectors.add([...this.catalog.iterateVectors(batch)]);
    const changed = missing.length > 0 || extra.length > 0;
    if (changed) this.#dirty = true;
    return changed;
  }

  /** Replaces the graph with the one on disk, or with an empty one when that is unreadable. */
  async #reloadVectors(): Promise<void> {
    try {
      await this.vectors.reload();
    } catch (error) {
      if (!isArticleQAError(error, 'E_INDEX_CORRUPT')) throw error;
      await this.vectors.close();
      this.vectors = createVectors(this.dir, this.manifest.dimensions, this.#hnswOptions, this.locked);
    }
  }

  /**
   * Builds the graph afresh from the catalog. Under the lock each segment is written and released as it
   * fills, so memory stays flat; the old files go when the next save commits.
   */
  async #rebuildVectors(): Promise<void> {
    const fresh = createVectors(this.dir, this.manifest.dimensions, this.#hnswOptions, this.locked);
    let batch: { id: number; vector: Float32Array }[] = [];
    for (const entry of this.catalog.iterateVectors()) {
      batch.push(entry);
      if (batch.length === 1000) {
        await fresh.add(batch);
        batch = [];
      }
    }
    await fresh.add(batch);
    await this.vectors.close();
    this.vectors = fresh;
  }
}

/** Opens the graph read-only (not `writable`: the caller takes the lock first). */
async function openVectors(
  dir: string,
  dimensions: number,
  options: HnswOptions,
): Promise<SegmentedVectorStore> {
  try {
    return await SegmentedVectorStore.open(join(dir, IndexFiles.vectors), dimensions, {
      ...options,
      legacyFile: join(dir, IndexFiles.legacyVectors),
      writable: false,
    });
  } catch (error) {
    // The catalog holds every vector: an unreadable graph is rebuilt, not fatal.
    if (isArticleQAError(error, 'E_INDEX_CORRUPT')) return createVectors(dir, dimensions, options, false);
    throw error;
  }
}

function createVectors(
  dir: string,
  dimensions: number,
  options: HnswOptions,
  writable: boolean,
): SegmentedVectorStore {
  return SegmentedVectorStore.create(join(dir, IndexFiles.vectors), dimensions, {
    ...options,
    legacyFile: join(dir, IndexFiles.legacyVectors),
    writable,
  });
}

function readOrCreateManifest(
  catalog: Catalog,
  dir: string,
  options: OpenIndexOptions,
  existed: boolean,
): IndexManifest {
  let schemaVersion: string | undefined;
  try {
    schemaVersion = catalog.getMeta('schemaVersion');
  } catch (error) {
    throw new IndexError(
      'E_INDEX_CORRUPT',
      dir,
      `${join(dir, IndexFiles.catalog)} is not a readable articleqa index.`,
      {
        cause: error,
        hint: `Delete ${dir} and ingest again.`,
      },
    );
  }
  if (schemaVersion === undefined) {
    if (existed && catalog.counts().documents > 0) {
      throw new IndexError('E_INDEX_CORRUPT', dir, `The index at ${dir} has no manifest.`, {
        hint: `Delete ${dir} and ingest again.`,
      });
    }
    const createdAt = new Date().toISOString();
    catalog.transaction(() => {
      catalog.setMeta('schemaVersion', String(SCHEMA_VERSION));
      catalog.setMeta('embedderId', options.embedderId);
      catalog.setMeta('dimensions', String(options.dimensions));
      catalog.setMeta('chunker', JSON.stringify(options.chunker));
      catalog.setMeta('createdAt', createdAt);
      catalog.setMeta('generation', '0');
      catalog.setMeta('vectorGeneration', '0');
    });
    return {
      schemaVersion: SCHEMA_VERSION,
      embedderId: options.embedderId,
      dimensions: options.dimensions,
      chunker: options.chunker,
      createdAt,
      lastIngestAt: null,
    };
  }
  if (Number(schemaVersion) !== SCHEMA_VERSION) {
    throw new IndexError(
      'E_INDEX_MISMATCH',
      dir,
      `The index at ${dir} has schema version ${schemaVersion}; this articleqa reads version ${SCHEMA_VERSION}.`,
      { details: { reason: 'schema', found: Number(schemaVersion), expected: SCHEMA_VERSION } },
    );
  }
  const embedderId = catalog.getMeta('embedderId') ?? '';
  const dimensions = Number(catalog.getMeta('dimensions'));
  if (embedderId !== options.embedderId || dimensions !== options.dimensions) {
    throw new IndexError(
      'E_INDEX_MISMATCH',
      dir,
      `The index at ${dir} was built with the embedder ${embedderId} (${dimensions} dimensions), not ${options.embedderId} (${options.dimensions}).`,
      {
        details: {
          reason: 'embedder',
          found: { embedderId, dimensions },
          expected: { embedderId: options.embedderId, dimensions: options.dimensions },
        },
      },
    );
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    embedderId,
    dimensions,
    chunker: JSON.parse(catalog.getMeta('chunker') ?? '{}') as Record<string, unknown>,
    createdAt: catalog.getMeta('createdAt') ?? '',
    lastIngestAt: catalog.getMeta('lastIngestAt') ?? null,
  };
}

function* chunked<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
