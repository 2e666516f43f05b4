import { type DocumentFilter, type DocumentInfo, isEmptyFilter } from '../../shared/document.js';
import { IndexError } from '../../shared/errors.js';
import { contentTerms } from '../../text/terms.js';
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
  StoredVector,
} from '../article-store.js';
import { decodeSentenceVectors, encodeSentenceVectors } from '../local/sentence-vectors.js';
import { pageOf } from '../source-page.js';
import { storedSourceState } from '../source-state.js';

interface HeldVector extends StoredVector {
  hash: string;
}

interface StoredDocument {
  write: DocumentWrite;
  chunkIds: number[];
  ingestedAt: string;
}

/** What several {@link MemoryStore} handles share: one collection, as several processes share a folder. */
export interface MemoryStorage {
  manifest: IndexManifest | undefined;
  documents: Map<string, StoredDocument>;
  chunks: Map<number, StoredChunk>;
  vectors: Map<number, HeldVector>;
  nextChunkId: number;
  nextVectorId: number;
  lockedBy: object | undefined;
}

/** An empty collection for {@link MemoryStore}. */
export function createMemoryStorage(): MemoryStorage {
  return {
    manifest: undefined,
    documents: new Map(),
    chunks: new Map(),
    vectors: new Map(),
    nextChunkId: 1,
    nextVectorId: 1,
    lockedBy: undefined,
  };
}

/**
 * An {@link ArticleStore} in memory: exact dense search, term-overlap keyword search weighted by IDF,
 * nothing persisted. For tests (give `openArticleQA` a store without a folder) and as the smallest
 * complete implementation of the port to read before writing another. Handles built on the same
 * {@link MemoryStorage} see each other's writes, like processes sharing a folder.
 */
export class MemoryStore implements ArticleStore {
  readonly location = 'memory';
  readonly storage: MemoryStorage;
  #holding = false;

  constructor(storage: MemoryStorage = createMemoryStorage()) {
    this.storage = storage;
  }

  async open(options: OpenStoreOptions): Promise<IndexManifest> {
    const existing = this.storage.manifest;
    if (!existing) {
      if (options.create === false)
        throw new IndexError('E_INDEX_NOT_FOUND', this.location, 'The memory store is empty.');
      this.storage.manifest = {
        schemaVersion: 1,
        embedderId: options.embedderId,
        dimensions: options.dimensions,
        chunker: options.chunker,
        createdAt: new Date().toISOString(),
        lastIngestAt: null,
      };
      return this.storage.manifest;
    }
    if (existing.embedderId !== options.embedderId || existing.dimensions !== options.dimensions) {
      throw new IndexError(
        'E_INDEX_MISMATCH',
        this.location,
        `The memory store holds ${existing.embedderId} vectors.`,
        {
          details: {
            reason: 'embedder',
            found: { embedderId: existing.embedderId, dimensions: existing.dimensions },
            expected: { embedderId: options.embedderId, dimensions: options.dimensions },
          },
        },
      );
    }
    return existing;
  }

  get manifest(): IndexManifest {
    if (!this.storage.manifest) throw new Error('MemoryStore: call open() first.');
    return this.storage.manifest;
  }

  async lock(options: LockOptions = {}): Promise<void> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    while (this.storage.lockedBy && this.storage.lockedBy !== this) {
      if (Date.now() >= deadline || options.signal?.aborted)
        throw new IndexError(
          'E_INDEX_LOCKED',
          this.location,
          'The memory store is locked by another handle.',
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.storage.lockedBy = this;
    this.#holding = true;
  }

  async unlock(): Promise<void> {
    if (this.#holding) this.storage.lockedBy = undefined;
    this.#holding = false;
  }

  async sourceState(documentId: string): Promise<StoredSourceState | undefined> {
    const document = this.storage.documents.get(documentId)?.write.document;
    if (!document) return undefined;
    return storedSourceState(document.contentHash, document.title, document.metadata);
  }

  async setSourceStamps(updates: readonly SourceStampUpdate[]): Promise<void> {
    this.#assertLocked();
    for (const { documentId, contentHash, stamps } of updates) {
      const stored = this.storage.documents.get(documentId);
      if (stored?.write.document.contentHash !== contentHash) continue;
      const { document } = stored.write;
      // The caller's objects are never changed: the stored write gets a copy of its document.
      stored.write = {
        ...stored.write,
        document: { ...document, metadata: { ...document.metadata, ...stamps } },
      };
    }
  }

  async storedVectorHashes(hashes: readonly string[]): Promise<Set<string>> {
    const held = new Set([...this.storage.vectors.values()].map((entry) => entry.hash));
    return new Set(hashes.filter((hash) => held.has(hash)));
  }

  async writeDocuments(
    writes: readonly DocumentWrite[],
    embedded: ReadonlyMap<string, EmbeddedText>,
  ): Promise<void> {
    this.#assertLocked();
    const byHash = new Map([...this.storage.vectors].map(([id, entry]) => [entry.hash, id]));
    // Check everything before changing anything: a write is whole or absent.
    for (const write of writes)
      for (const chunk of write.chunks)
        if (!byHash.has(chunk.vectorHash) && !embedded.has(chunk.vectorHash))
          throw new Error(`Missing vector for chunk hash ${chunk.vectorHash}.`);
    const now = new Date().toISOString();
    for (const write of writes) {
      this.#delete(write.document.id);
      const chunkIds: number[] = [];
      const { document } = write;
      for (const chunk of write.chunks) {
        let vectorId = byHash.get(chunk.vectorHash);
        if (vectorId === undefined) {
          const entry = embedded.get(chunk.vectorHash)!;
          vectorId = this.storage.nextVectorId++;
          this.storage.vectors.set(vectorId, {
            hash: chunk.vectorHash,
            vector: Float32Array.from(entry.vector),
            // The local store's int8 encoding, so every store answers with the same quantised values.
            sentences:
              entry.sentences.length > 0 ? decodeSentenceVectors(encodeSentenceVectors(entry.sentences)) : [],
          });
          byHash.set(chunk.vectorHash, vectorId);
        }
        const id = this.storage.nextChunkId++;
        const text = (key: string) => {
          const value = document.metadata[key];
          return typeof value === 'string' && value ? value : null;
        };
        this.storage.chunks.set(id, {
          id,
          documentId: document.id,
          position: chunk.position,
          start: chunk.start,
          end: chunk.end,
          text: chunk.text,
          vectorId,
          title: document.title,
          source: document.source,
          url: text('url'),
          publishedAt: text('publishedAt'),
          byline: text('byline'),
          siteName: text('siteName'),
        });
        chunkIds.push(id);
      }
      this.storage.documents.set(document.id, { write, chunkIds, ingestedAt: write.ingestedAt ?? now });
    }
    this.#deleteUnusedVectors();
    this.manifest.lastIngestAt = now;
  }

  async removeDocument(documentId: string): Promise<boolean> {
    this.#assertLocked();
    const removed = this.#delete(documentId);
    this.#deleteUnusedVectors();
    return removed;
  }

  async listDocuments(): Promise<DocumentInfo[]> {
    return [...this.storage.documents.values()]
      .map((stored) => this.#info(stored))
      .sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
  }

  async listSources(page: SourcePage): Promise<StoredSource[]> {
    const sources = [...this.storage.documents.values()].map(({ write: { document } }) => ({
      id: document.id,
      source: document.source,
      title: document.title,
    }));
    return pageOf(sources, page);
  }

  async findDocuments(reference: string): Promise<DocumentInfo[]> {
    const all = [...this.storage.documents.values()];
    const exact = all.filter(
      ({ write }) => write.document.id === reference || write.document.source === reference,
    );
    const found =
      exact.length > 0 ? exact : all.filter(({ write }) => write.document.id.startsWith(reference));
    return found
      .map((stored) => this.#info(stored))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, 20);
  }

  async findDuplicates(document: { id: string; contentHash: string; url?: string }): Promise<DocumentInfo[]> {
    return [...this.storage.documents.values()]
      .filter(({ write }) => {
        const other = write.document;
        if (other.id === document.id) return false;
        return (
          other.contentHash === document.contentHash ||
          (document.url !== undefined && other.metadata.url === document.url)
        );
      })
      .map((stored) => this.#info(stored))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async readDocument(documentId: string): Promise<DocumentRecord | undefined> {
    const stored = this.storage.documents.get(documentId);
    if (!stored) return undefined;
    const vectors = new Map<string, StoredVector>();
    for (const chunkId of stored.chunkIds) {
      const { hash, vector, sentences } = this.storage.vectors.get(
        this.storage.chunks.get(chunkId)!.vectorId,
      )!;
      vectors.set(hash, { vector: Float32Array.from(vector), sentences });
    }
    return {
      document: stored.write.document,
      chunks: [...stored.write.chunks].sort((a, b) => a.position - b.position),
      vectors,
      ingestedAt: stored.ingestedAt,
    };
  }

  async documentText(documentId: string): Promise<string | undefined> {
    return this.storage.documents.get(documentId)?.write.document.text;
  }

  async counts(): Promise<StoreCounts> {
    const vectors = [...this.storage.vectors.values()];
    return {
      documents: this.storage.documents.size,
      chunks: this.storage.chunks.size,
      vectors: vectors.length,
      vectorsWithSentences: vectors.filter((entry) => entry.sentences.length > 0).length,
    };
  }

  async denseSearch(query: DenseQuery): Promise<DenseMatch[]> {
    const allowed = this.#allowed(query.filter);
    const vectorIds = new Set([...allowed].map((chunk) => chunk.vectorId));
    const nearest = [...vectorIds]
      .map((id) => ({ id, similarity: dot(query.vector, this.storage.vectors.get(id)!.vector) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, query.k);
    const similarity = new Map(nearest.map((match) => [match.id, match.similarity]));
    return [...allowed]
      .filter((chunk) => similarity.has(chunk.vectorId))
      .map((chunk) => ({ chunk, similarity: similarity.get(chunk.vectorId)! }))
      .sort((a, b) => b.similarity - a.similarity || a.chunk.id - b.chunk.id);
  }

  async lexicalSearch(query: LexicalQuery): Promise<LexicalMatch[]> {
    const terms = [...new Set(contentTerms(query.text))];
    if (terms.length === 0) return [];
    const chunks = [...this.#allowed(query.filter)];
    const termsOf = new Map(
      chunks.map((chunk) => [chunk.id, new Set(contentTerms(`${chunk.text} ${chunk.title}`))]),
    );
    const total = this.storage.chunks.size;
    const idf = new Map(
      terms.map((term) => {
        const holding = [...this.storage.chunks.values()].filter((chunk) =>
          contentTerms(`${chunk.text} ${chunk.title}`).includes(term),
        ).length;
        return [term, Math.log(1 + (total - holding + 0.5) / (holding + 0.5))];
      }),
    );
    return chunks
      .map((chunk) => ({
        chunkId: chunk.id,
        score: terms.reduce((sum, term) => sum + (termsOf.get(chunk.id)!.has(term) ? idf.get(term)! : 0), 0),
      }))
      .filter((match) => match.score > 0)
      .sort((a, b) => b.score - a.score || a.chunkId - b.chunkId)
      .slice(0, query.limit);
  }

  async chunksByIds(chunkIds: readonly number[]): Promise<StoredChunk[]> {
    return chunkIds.flatMap((id) => {
      const chunk = this.storage.chunks.get(id);
      return chunk ? [chunk] : [];
    });
  }

  async neighbourChunks(documentId: string, position: number, radius: number): Promise<StoredChunk[]> {
    const stored = this.storage.documents.get(documentId);
    if (!stored) return [];
    return (await this.chunksByIds(stored.chunkIds)).filter(
      (chunk) => chunk.position >= position - radius && chunk.position <= position + radius,
    );
  }

  async chunkVectors(vectorIds: readonly number[]): Promise<Map<number, Float32Array>> {
    const found = new Map<number, Float32Array>();
    for (const id of vectorIds) {
      const entry = this.storage.vectors.get(id);
      if (entry) found.set(id, entry.vector);
    }
    return found;
  }

  async sentenceVectors(vectorIds: readonly number[]): Promise<Map<number, QuantisedSentenceVector[]>> {
    const found = new Map<number, QuantisedSentenceVector[]>();
    for (const id of vectorIds) {
      const entry = this.storage.vectors.get(id);
      if (entry && entry.sentences.length > 0) found.set(id, entry.sentences);
    }
    return found;
  }

  async close(): Promise<void> {
    await this.unlock();
  }

  #assertLocked(): void {
    if (!this.#holding) throw new Error('MemoryStore: write without the lock (call lock() first).');
  }

  #delete(documentId: string): boolean {
    const stored = this.storage.documents.get(documentId);
    if (!stored) return false;
    for (const id of stored.chunkIds) this.storage.chunks.delete(id);
    this.storage.documents.delete(documentId);
    return true;
  }

  #deleteUnusedVectors(): void {
    const used = new Set([...this.storage.chunks.values()].map((chunk) => chunk.vectorId));
    for (const id of [...this.storage.vectors.keys()]) if (!used.has(id)) this.storage.vectors.delete(id);
  }

  #allowed(filter: DocumentFilter | undefined): StoredChunk[] {
    const chunks = [...this.storage.chunks.values()];
    if (isEmptyFilter(filter) || !filter) return chunks;
    const source = filter.source?.toLowerCase();
    return chunks.filter(
      (chunk) =>
        (!filter.documentIds || filter.documentIds.includes(chunk.documentId)) &&
        (source === undefined || chunk.source.toLowerCase().includes(source)) &&
        (filter.publishedAfter === undefined ||
          (chunk.publishedAt !== null && chunk.publishedAt >= filter.publishedAfter)) &&
        (filter.publishedBefore === undefined ||
          (chunk.publishedAt !== null && chunk.publishedAt.slice(0, 10) <= filter.publishedBefore)),
    );
  }

  #info({ write, chunkIds, ingestedAt }: StoredDocument): DocumentInfo {
    const { document } = write;
    const field = (key: string) => {
      const value = document.metadata[key];
      return typeof value === 'string' && value ? { [key]: value } : {};
    };
    return {
      id: document.id,
      title: document.title,
      source: document.source,
      ...field('url'),
      ...field('publishedAt'),
      ...field('byline'),
      ...field('siteName'),
      chunks: chunkIds.length,
      characters: document.text.length,
      contentHash: document.contentHash,
      ingestedAt,
    };
  }
}
