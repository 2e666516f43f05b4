import type { DocumentInfo } from '../shared/document.js';
import { IndexError } from '../shared/errors.js';
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
} from './article-store.js';
import { pageOf } from './source-page.js';

/** Options of {@link createUnionStore}. */
export interface UnionStoreOptions {
  /** The collection written to and read first (a server's own articles). */
  primary: ArticleStore;
  /**
   * Collections read beside it and never written (an operator's articles every server sees). They
   * must be open already, built with the same embedder; the union does not close them, so one opened
   * store can serve many unions.
   */
  shared: readonly ArticleStore[];
}

/**
 * One collection made of several: searches, listings and lookups see the documents of `primary` and
 * of every `shared` store; writes, the lock and `close` are `primary`'s alone. A document stored in
 * both is listed and read as `primary`'s version (searches see both; answers merge identical quotes). Chunk and vector ids are the stores' own, interleaved (`id · n + store`)
 * so each names one chunk of one store.
 */
export function createUnionStore(options: UnionStoreOptions): ArticleStore {
  return new UnionStore(options.primary, options.shared);
}

class UnionStore implements ArticleStore {
  readonly #stores: readonly ArticleStore[];
  readonly #primary: ArticleStore;

  constructor(primary: ArticleStore, shared: readonly ArticleStore[]) {
    this.#primary = primary;
    this.#stores = [primary, ...shared];
  }

  get location(): string {
    const shared = this.#stores.slice(1).map((store) => store.location);
    return shared.length
      ? `${this.#primary.location} (reading also ${shared.join(', ')})`
      : this.#primary.location;
  }

  get manifest(): IndexManifest {
    return this.#primary.manifest;
  }

  async open(options: OpenStoreOptions): Promise<IndexManifest> {
    const manifest = await this.#primary.open(options);
    for (const store of this.#stores.slice(1)) {
      const other = store.manifest;
      if (other.embedderId !== manifest.embedderId || other.dimensions !== manifest.dimensions) {
        throw new IndexError(
          'E_INDEX_MISMATCH',
          store.location,
          `The shared collection at ${store.location} was built with ${other.embedderId} (${other.dimensions} dimensions), this one with ${manifest.embedderId} (${manifest.dimensions}): they cannot be searched together.`,
          { details: { reason: 'embedder', found: other.embedderId, expected: manifest.embedderId } },
        );
      }
    }
    return manifest;
  }

  lock(options?: LockOptions): Promise<void> {
    return this.#primary.lock(options);
  }

  unlock(): Promise<void> {
    return this.#primary.unlock();
  }

  sourceState(documentId: string): Promise<StoredSourceState | undefined> {
    return this.#first((store) => store.sourceState(documentId));
  }

  /** Stamps documents of the primary store only: the shared ones are another writer's. */
  setSourceStamps(updates: readonly SourceStampUpdate[]): Promise<void> {
    return this.#primary.setSourceStamps(updates);
  }

  // Chunks written to the primary store must find their vectors there.
  storedVectorHashes(hashes: readonly string[]): Promise<Set<string>> {
    return this.#primary.storedVectorHashes(hashes);
  }

  writeDocuments(
    writes: readonly DocumentWrite[],
    embedded: ReadonlyMap<string, EmbeddedText>,
  ): Promise<void> {
    return this.#primary.writeDocuments(writes, embedded);
  }

  /** Removes from the primary store only: a shared document stays (false). */
  removeDocument(documentId: string): Promise<boolean> {
    return this.#primary.removeDocument(documentId);
  }

  async listDocuments(): Promise<DocumentInfo[]> {
    const lists = await Promise.all(this.#stores.map((store) => store.listDocuments()));
    return byTitle(firstOfEachId(lists));
  }

  /** Each store's page, merged: a document in several stores counts once (the first store's). */
  async listSources(page: SourcePage): Promise<StoredSource[]> {
    const pages = await Promise.all(this.#stores.map((store) => store.listSources(page)));
    return pageOf(firstOfEachId(pages), page);
  }

  async findDocuments(reference: string): Promise<DocumentInfo[]> {
    return firstOfEachId(await Promise.all(this.#stores.map((store) => store.findDocuments(reference))));
  }

  async findDuplicates(document: { id: string; contentHash: string; url?: string }): Promise<DocumentInfo[]> {
    return firstOfEachId(await Promise.all(this.#stores.map((store) => store.findDuplicates(document))));
  }

  readDocument(documentId: string): Promise<DocumentRecord | undefined> {
    return this.#first((store) => store.readDocument(documentId));
  }

  documentText(documentId: string): Promise<string | undefined> {
    return this.#first((store) => store.documentText(documentId));
  }

  async counts(): Promise<StoreCounts> {
    const all = await Promise.all(this.#stores.map((store) => store.counts()));
    const sum = (key: keyof Omit<StoreCounts, 'bytes'>) =>
      all.reduce((total, counts) => total + counts[key], 0);
    const bytes = all.every((counts) => counts.bytes !== undefined)
      ? all.reduce((total, counts) => total + (counts.bytes ?? 0), 0)
      : undefined;
    return {
      documents: sum('documents'),
      chunks: sum('chunks'),
      vectors: sum('vectors'),
      vectorsWithSentences: sum('vectorsWithSentences'),
      ...(bytes !== undefined ? { bytes } : {}),
    };
  }

  async denseSearch(query: DenseQuery): Promise<DenseMatch[]> {
    const results = await Promise.all(this.#stores.map((store) => store.denseSearch(query)));
    const matches = results
      .flatMap((list, s) => list.map((match) => ({ ...match, chunk: this.#chunk(match.chunk, s) })))
      .sort((a, b) => b.similarity - a.similarity);
    // `k` counts vectors, as each store does: every chunk of the k best vectors comes back.
    const vectors = new Set<number>();
    return matches.filter((match) => {
      if (vectors.size >= query.k && !vectors.has(match.chunk.vectorId)) return false;
      vectors.add(match.chunk.vectorId);
      return true;
    });
  }

  async lexicalSearch(query: LexicalQuery): Promise<LexicalMatch[]> {
    const results = await Promise.all(this.#stores.map((store) => store.lexicalSearch(query)));
    return results
      .flatMap((list, s) =>
        list.map((match) => ({ chunkId: this.#global(match.chunkId, s), score: match.score })),
      )
      .sort((a, b) => b.score - a.score)
      .slice(0, query.limit);
  }

  async chunksByIds(chunkIds: readonly number[]): Promise<StoredChunk[]> {
    const found = await this.#byStore(chunkIds, (store, ids) => store.chunksByIds(ids));
    return found.flatMap(([s, chunks]) => chunks.map((chunk) => this.#chunk(chunk, s)));
  }

  async neighbourChunks(documentId: string, position: number, radius: number): Promise<StoredChunk[]> {
    for (const [s, store] of this.#stores.entries()) {
      const chunks = await store.neighbourChunks(documentId, position, radius);
      if (chunks.length > 0) return chunks.map((chunk) => this.#chunk(chunk, s));
    }
    return [];
  }

  async chunkVectors(vectorIds: readonly number[]): Promise<Map<number, Float32Array>> {
    const found = await this.#byStore(vectorIds, (store, ids) => store.chunkVectors(ids));
    return this.#globalKeys(found);
  }

  async sentenceVectors(vectorIds: readonly number[]): Promise<Map<number, QuantisedSentenceVector[]>> {
    const found = await this.#byStore(vectorIds, (store, ids) => store.sentenceVectors(ids));
    return this.#globalKeys(found);
  }

  /** Closes the primary store; the shared ones belong to whoever opened them. */
  close(): Promise<void> {
    return this.#primary.close();
  }

  /** What the first store holding it (the primary first) answers, or undefined. */
  async #first<T>(read: (store: ArticleStore) => Promise<T | undefined>): Promise<T | undefined> {
    for (const store of this.#stores) {
      const value = await read(store);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  #global(id: number, store: number): number {
    return id * this.#stores.length + store;
  }

  #chunk(chunk: StoredChunk, store: number): StoredChunk {
    return { ...chunk, id: this.#global(chunk.id, store), vectorId: this.#global(chunk.vectorId, store) };
  }

  async #byStore<T>(
    ids: readonly number[],
    read: (store: ArticleStore, ids: number[]) => Promise<T>,
  ): Promise<Array<[number, T]>> {
    const n = this.#stores.length;
    const groups = this.#stores.map((): number[] => []);
    for (const id of ids) groups[((id % n) + n) % n]!.push(Math.floor(id / n));
    return Promise.all(
      groups.flatMap((local, s) =>
        local.length ? [read(this.#stores[s]!, local).then((value) => [s, value] as [number, T])] : [],
      ),
    );
  }

  #globalKeys<V>(found: ReadonlyArray<[number, Map<number, V>]>): Map<number, V> {
    const merged = new Map<number, V>();
    for (const [s, map] of found) for (const [id, value] of map) merged.set(this.#global(id, s), value);
    return merged;
  }
}

/** Each document id once, from the first list (the primary store's) that holds it. */
function firstOfEachId<T extends { id: string }>(lists: readonly (readonly T[])[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const list of lists)
    for (const info of list) {
      if (seen.has(info.id)) continue;
      seen.add(info.id);
      out.push(info);
    }
  return out;
}

function byTitle(documents: DocumentInfo[]): DocumentInfo[] {
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return documents.sort((a, b) => order(a.title, b.title) || order(a.id, b.id));
}
