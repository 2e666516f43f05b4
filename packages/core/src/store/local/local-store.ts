import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type DocumentFilter, type DocumentInfo, isEmptyFilter } from '../../shared/document.js';
import { dot } from '../../text/vector-math.js';
import type {
  ArticleStore,
  DenseMatch,
  DenseQuery,
  DocumentRecord,
  DocumentWrite,
  EmbeddedText,
  IndexManifest,
  LexicalMatch,
  LexicalQuery,
  LockOptions,
  OpenStoreOptions,
  QuantisedSentenceVector,
  SourcePage,
  SourceStampUpdate,
  StoreCounts,
  StoredChunk,
  StoredSource,
  StoredSourceState,
} from '../article-store.js';
import { ArticleIndex, IndexFiles } from './article-index.js';
import { toFtsQuery } from './fts-query.js';
import type { HnswOptions } from './hnsw-vector-store.js';

/** Settings of {@link LocalStore}. */
export interface LocalStoreOptions {
  /** The index folder (created on first write unless opened with `create: false`). */
  dir: string;
  hnsw?: HnswOptions;
  /**
   * Below this many chunk vectors passing a filter, filtered dense search is exact instead of a
   * filtered HNSW search, which can miss when few vectors pass.
   * @defaultValue 20000
   */
  exactFilterLimit?: number;
}

/**
 * The default {@link ArticleStore}: one folder holding a SQLite catalog (documents, chunks, vectors,
 * FTS5 for BM25) and an HNSW graph derived from it, in segment files. See {@link ArticleIndex} for how the two stay
 * consistent across crashes. Reads from other processes see each commit: before each dense search the
 * store compares the catalog's generation with the one its HNSW graph reflects and catches up.
 */
export class LocalStore implements ArticleStore {
  readonly location: string;
  readonly #options: LocalStoreOptions;
  #index: ArticleIndex | undefined;
  #filterCache: { key: string; generation: string; chunkIds: number[] } | undefined;

  constructor(options: LocalStoreOptions) {
    this.#options = options;
    this.location = resolve(options.dir);
  }

  /**
   * Fails fast, before any model is loaded, when the folder holds no index.
   * @throws IndexError `E_INDEX_NOT_FOUND`.
   */
  static assertExists(dir: string): void {
    ArticleIndex.assertExists(dir);
  }

  async open(options: OpenStoreOptions): Promise<IndexManifest> {
    if (this.#index) return this.#index.manifest;
    this.#index = await ArticleIndex.open(this.location, {
      ...options,
      ...(this.#options.hnsw ? { hnsw: this.#options.hnsw } : {}),
    });
    return this.#index.manifest;
  }

  get manifest(): IndexManifest {
    return this.#opened().manifest;
  }

  lock(options: LockOptions = {}): Promise<void> {
    return this.#opened().lock(options);
  }

  unlock(): Promise<void> {
    return this.#opened().unlock();
  }

  async sourceState(documentId: string): Promise<StoredSourceState | undefined> {
    return this.#opened().catalog.sourceState(documentId);
  }

  async setSourceStamps(updates: readonly SourceStampUpdate[]): Promise<void> {
    this.#opened().setSourceStamps(updates);
  }

  async storedVectorHashes(hashes: readonly string[]): Promise<Set<string>> {
    return new Set(this.#opened().catalog.findVectorIds(hashes).keys());
  }

  writeDocuments(
    writes: readonly DocumentWrite[],
    embedded: ReadonlyMap<string, EmbeddedText>,
  ): Promise<void> {
    return this.#opened().writeDocuments(writes, embedded);
  }

  removeDocument(documentId: string): Promise<boolean> {
    return this.#opened().removeDocument(documentId);
  }

  async listDocuments(): Promise<DocumentInfo[]> {
    return this.#opened().catalog.listDocuments();
  }

  async listSources(page: SourcePage): Promise<StoredSource[]> {
    return this.#opened().catalog.listSources(page);
  }

  async findDocuments(reference: string): Promise<DocumentInfo[]> {
    return this.#opened().catalog.findDocuments(reference);
  }

  async findDuplicates(document: { id: string; contentHash: string; url?: string }): Promise<DocumentInfo[]> {
    return this.#opened().catalog.findDuplicates(document.id, document.contentHash, document.url);
  }

  async readDocument(documentId: string): Promise<DocumentRecord | undefined> {
    return this.#opened().catalog.readDocument(documentId);
  }

  async documentText(documentId: string): Promise<string | undefined> {
    return this.#opened().catalog.getDocumentText(documentId);
  }

  async counts(): Promise<StoreCounts> {
    const { catalog } = this.#opened();
    return {
      ...catalog.counts(),
      vectorsWithSentences: catalog.countVectorsWithSentences(),
      bytes: directorySize(this.location),
    };
  }

  async denseSearch(query: DenseQuery): Promise<DenseMatch[]> {
    const index = this.#opened();
    await index.refresh();
    const allowed = this.#allowedChunks(query.filter);
    if (allowed?.length === 0) return [];
    let matches: { id: number; similarity: number }[];
    let allowedSet: Set<number> | undefined;
    if (!allowed) {
      matches = await index.queryVectors({
        vector: query.vector,
        k: query.k,
        ...(query.ef !== undefined ? { ef: query.ef } : {}),
      });
    } else {
      allowedSet = new Set(allowed);
      const allowedVectors = new Set(index.catalog.chunksByIds(allowed).map((chunk) => chunk.vectorId));
      if (allowedVectors.size <= (this.#options.exactFilterLimit ?? 20_000)) {
        matches = [...index.catalog.vectorsByIds([...allowedVectors])]
          .map(([id, vector]) => ({ id, similarity: dot(query.vector, vector) }))
          .sort((a, b) => b.similarity - a.similarity)
          .slice(0, query.k);
      } else {
        matches = await index.queryVectors({
          vector: query.vector,
          k: query.k,
          ef: Math.max(query.ef ?? 0, query.k * 4),
          filter: (id) => allowedVectors.has(id),
        });
      }
    }
    const similarity = new Map(matches.map((match) => [match.id, match.similarity]));
    const chunks = index.catalog.chunksByVectorIds(matches.map((match) => match.id));
    return chunks
      .filter((chunk) => !allowedSet || allowedSet.has(chunk.id))
      .map((chunk) => ({ chunk, similarity: similarity.get(chunk.vectorId) ?? 0 }))
      .sort((a, b) => b.similarity - a.similarity || a.chunk.id - b.chunk.id);
  }

  async lexicalSearch(query: LexicalQuery): Promise<LexicalMatch[]> {
    const match = toFtsQuery(query.text);
    if (!match) return [];
    const allowed = this.#allowedChunks(query.filter);
    return this.#opened().catalog.lexicalSearch(match, query.limit, allowed);
  }

  async chunksByIds(chunkIds: readonly number[]): Promise<StoredChunk[]> {
    return this.#opened().catalog.chunksByIds(chunkIds);
  }

  async neighbourChunks(documentId: string, position: number, radius: number): Promise<StoredChunk[]> {
    return this.#opened().catalog.neighbourChunks(documentId, position, radius);
  }

  async chunkVectors(vectorIds: readonly number[]): Promise<Map<number, Float32Array>> {
    return this.#opened().catalog.vectorsByIds(vectorIds);
  }

  async sentenceVectors(vectorIds: readonly number[]): Promise<Map<number, QuantisedSentenceVector[]>> {
    return this.#opened().catalog.sentenceVectorsByIds(vectorIds);
  }

  async close(): Promise<void> {
    const index = this.#index;
    this.#index = undefined;
    await index?.close();
  }

  /** Chunk ids passing `filter` (undefined: no filter), kept while the collection does not change. */
  #allowedChunks(filter: DocumentFilter | undefined): number[] | undefined {
    if (isEmptyFilter(filter)) return undefined;
    const { catalog } = this.#opened();
    // A filtered question runs a dense and a lexical search with the same filter: compute it once.
    const key = JSON.stringify(filter);
    const generation = catalog.getMeta('generation') ?? '0';
    const cached = this.#filterCache;
    if (cached?.key === key && cached.generation === generation) return cached.chunkIds;
    const chunkIds = catalog.filteredChunkIds(filter) ?? [];
    this.#filterCache = { key, generation, chunkIds };
    return chunkIds;
  }

  #opened(): ArticleIndex {
    if (!this.#index) throw new Error('LocalStore: call open() first.');
    return this.#index;
  }
}

/** Builds the default store for an index folder. */
export function createLocalStore(options: LocalStoreOptions): LocalStore {
  return new LocalStore(options);
}

function directorySize(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // The vector segments live in a folder of their own.
    if (entry.isDirectory()) total += directorySize(join(dir, entry.name));
    else if (entry.isFile()) total += statSync(join(dir, entry.name)).size;
  }
  return total;
}

export { IndexFiles };
