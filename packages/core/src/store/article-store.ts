import type { DocumentFilter, DocumentInfo, SourceDocument } from '../shared/document.js';

/** What a store records about how its collection was built; every document in it shares these. */
export interface IndexManifest {
  schemaVersion: number;
  embedderId: string;
  dimensions: number;
  /** Chunker settings used for every document in the store. */
  chunker: Record<string, unknown>;
  createdAt: string;
  lastIngestAt: string | null;
}

/** What {@link ArticleStore.open} checks an existing collection against, or creates a new one with. */
export interface OpenStoreOptions {
  embedderId: string;
  dimensions: number;
  /** Chunker settings recorded when the collection is created. */
  chunker: Record<string, unknown>;
  /** Create the collection when it does not exist. @defaultValue true */
  create?: boolean;
}

/** A chunk as stored, with its document's display fields. */
export interface StoredChunk {
  id: number;
  documentId: string;
  /** 0-based position of the chunk in its document. */
  position: number;
  /** Character offsets in the document's text, `[start, end)`. */
  start: number;
  end: number;
  text: string;
  /** The stored vector this chunk uses; identical chunk texts share one. */
  vectorId: number;
  title: string;
  source: string;
  url: string | null;
  publishedAt: string | null;
  byline: string | null;
  siteName: string | null;
}

/** A chunk to write: offsets, text and the vector it uses, by the content hash of its embedded text. */
export interface NewChunk {
  position: number;
  start: number;
  end: number;
  tokens: number;
  text: string;
  vectorHash: string;
}

/** A document and its chunks, written together. */
export interface DocumentWrite {
  document: SourceDocument;
  chunks: NewChunk[];
  /** When the document was first ingested, for a copy from another store; now when absent. */
  ingestedAt?: string;
}

/** A sentence of a chunk and its vector; offsets are relative to the chunk text. */
export interface SentenceVector {
  start: number;
  end: number;
  vector: Float32Array;
}

/** A stored sentence vector, still quantised: `values[d] * scale` is the vector. */
export interface QuantisedSentenceVector {
  start: number;
  end: number;
  scale: number;
  values: Int8Array;
}

/** The embedding of one chunk text: its vector and, when the embedder makes them, its sentences'. */
export interface EmbeddedText {
  vector: Float32Array;
  sentences: readonly SentenceVector[];
}

/** A stored vector with its sentences' vectors as stored (quantised), for copying without re-embedding. */
export interface StoredVector {
  vector: Float32Array;
  /** Empty when the vector was stored without sentence vectors. */
  sentences: QuantisedSentenceVector[];
}

/**
 * Everything a store holds about one document, in the form {@link ArticleStore.writeDocuments} takes
 * back: what `articleqa migrate` copies from one store into another.
 */
export interface DocumentRecord {
  document: SourceDocument;
  /** In position order. */
  chunks: NewChunk[];
  /** The vectors the chunks use, by their `vectorHash`. */
  vectors: Map<string, StoredVector>;
  ingestedAt: string;
}

/** The metadata keys that say how a source was read: a file's stamp, a page's cache validators. */
export interface SourceStamps {
  /** The stamp of the file it was read from (`metadata.fileStamp`). */
  fileStamp?: string;
  /** The cache validators of the page it was fetched from: the next fetch is conditional. */
  etag?: string;
  lastModified?: string;
}

/** What the next ingest of a stored document compares the source against: its hash, title and stamps. */
export interface StoredSourceState extends SourceStamps {
  contentHash: string;
  title: string;
}

/** A stored document named by where it came from: what {@link ArticleStore.listSources} pages through. */
export interface StoredSource {
  id: string;
  source: string;
  title: string;
}

/**
 * One page of {@link ArticleStore.listSources}: sources starting with `prefix`, in (source, id) order,
 * the `limit` first after `after` (the last entry of the page before; absent for the first page).
 */
export interface SourcePage {
  prefix: string;
  after?: { source: string; id: string };
  limit: number;
}

/**
 * New stamps for a stored document, recorded only while its stored content is `contentHash`: a file
 * touched, or a page served with new validators, whose content is the one stored.
 */
export interface SourceStampUpdate {
  documentId: string;
  contentHash: string;
  /** Set in the document's metadata; the keys not given are kept. */
  stamps: SourceStamps;
}

/** A nearest-neighbour query over chunk vectors. */
export interface DenseQuery {
  vector: Float32Array;
  /** Vectors wanted; chunks sharing a vector all come back, so there can be more chunks than `k`. */
  k: number;
  filter?: DocumentFilter;
  /** Search breadth for approximate indexes (HNSW `ef`); the store picks one when absent. */
  ef?: number;
}

/** A chunk whose vector is near the query. */
export interface DenseMatch {
  chunk: StoredChunk;
  /** Cosine similarity, in [-1, 1]. */
  similarity: number;
}

/**
 * A keyword query. `text` is the user's words: each store turns them into its own search syntax
 * (FTS5 `MATCH` for the local store), so retrieval never writes a query language.
 */
export interface LexicalQuery {
  text: string;
  /** Matches returned, best first. */
  limit: number;
  filter?: DocumentFilter;
}

/** A chunk matching a keyword query; `score` is higher for better matches (BM25 for the local store). */
export interface LexicalMatch {
  chunkId: number;
  score: number;
}

/** Counts over the whole collection. */
export interface StoreCounts {
  documents: number;
  chunks: number;
  /** Distinct vectors (identical chunk texts share one). */
  vectors: number;
  /** Vectors stored with their sentences' vectors. */
  vectorsWithSentences: number;
  /** Bytes the collection takes where the store can tell (files of the local store). */
  bytes?: number;
}

/** Options for {@link ArticleStore.lock}. */
export interface LockOptions {
  /** Wait up to this long for another writer to finish (`Infinity`: no limit). @defaultValue 0 */
  waitMs?: number;
  signal?: AbortSignal;
}

/**
 * Where a collection lives: documents with their full text, chunks, chunk and sentence vectors, a
 * keyword index, and the manifest. The local implementation is {@link LocalStore} (SQLite + FTS5 +
 * HNSW in one folder); a server-backed one (Postgres + pgvector) implements the same port, and the
 * contract suite in `@articleqa/core/testing` checks any implementation.
 *
 * Writes need the single-writer lock ({@link ArticleStore.lock}); each `writeDocuments` or
 * `removeDocument` call is atomic: after a crash it is either whole or absent. Reads are safe from any
 * number of processes and see other processes' committed writes.
 */
export interface ArticleStore {
  /** Where the collection lives, for messages (a folder, a server with its password masked). */
  readonly location: string;
  /**
   * Opens the collection, creating it when allowed, and returns its manifest.
   * @throws IndexError `E_INDEX_NOT_FOUND` (with `create: false`), `E_INDEX_MISMATCH` (built with
   * another embedder or schema), `E_INDEX_CORRUPT`.
   */
  open(options: OpenStoreOptions): Promise<IndexManifest>;
  /** The manifest read or written by {@link ArticleStore.open}. */
  readonly manifest: IndexManifest;

  /** Takes the single-writer lock. @throws IndexError `E_INDEX_LOCKED` while another writer holds it. */
  lock(options?: LockOptions): Promise<void>;
  /** Makes pending writes durable and releases the lock. */
  unlock(): Promise<void>;
  /**
   * The content hash, title and file stamp of the stored version of a document, or undefined when it
   * is not stored: an ingest skips a document whose hash is unchanged, and does not even read a file
   * whose stamp is.
   */
  sourceState(documentId: string): Promise<StoredSourceState | undefined>;
  /**
   * Records new stamps in the metadata of stored documents whose source was read again with the same
   * content (a touched file, a page with new cache validators); nothing else is rewritten. An update
   * whose document is gone or holds other content by now is passed over.
   */
  setSourceStamps(updates: readonly SourceStampUpdate[]): Promise<void>;
  /** Which of these chunk-text hashes already have a stored vector (they are not embedded again). */
  storedVectorHashes(hashes: readonly string[]): Promise<Set<string>>;
  /**
   * Adds or replaces documents with their chunks, in one atomic write. `embedded` holds the vectors of
   * the chunk texts that {@link ArticleStore.storedVectorHashes} did not find, by hash.
   */
  writeDocuments(
    writes: readonly DocumentWrite[],
    embedded: ReadonlyMap<string, EmbeddedText>,
  ): Promise<void>;
  /** Removes a document with its chunks and the vectors only it used; false when it is not stored. */
  removeDocument(documentId: string): Promise<boolean>;

  /** Every document, by title. */
  listDocuments(): Promise<DocumentInfo[]>;
  /**
   * The documents whose source starts with a prefix (a folder's files), a page at a time, without
   * counting or listing the rest of the collection: what an ingest of a folder prunes from.
   */
  listSources(page: SourcePage): Promise<StoredSource[]>;
  /**
   * Documents a reference names: the one whose id or source (path, URL) equals it, else those whose
   * id starts with it (several when the prefix is ambiguous).
   */
  findDocuments(reference: string): Promise<DocumentInfo[]>;
  /**
   * Other documents holding the same article: the same content hash, or the same canonical URL, under
   * another id (a page ingested by URL and saved as a file, one text under two paths).
   */
  findDuplicates(document: { id: string; contentHash: string; url?: string }): Promise<DocumentInfo[]>;
  /** A document with its chunks and their vectors, as stored; undefined when it is not stored. */
  readDocument(documentId: string): Promise<DocumentRecord | undefined>;
  /** A document's full cleaned text, which chunk offsets index into. */
  documentText(documentId: string): Promise<string | undefined>;
  counts(): Promise<StoreCounts>;

  /** Chunks by vector similarity, most similar first. */
  denseSearch(query: DenseQuery): Promise<DenseMatch[]>;
  /** Chunks by keyword match, best first. */
  lexicalSearch(query: LexicalQuery): Promise<LexicalMatch[]>;
  chunksByIds(chunkIds: readonly number[]): Promise<StoredChunk[]>;
  /** The chunks of a document from `position - radius` to `position + radius`, in order. */
  neighbourChunks(documentId: string, position: number, radius: number): Promise<StoredChunk[]>;
  /** Stored chunk vectors by vector id. */
  chunkVectors(vectorIds: readonly number[]): Promise<Map<number, Float32Array>>;
  /** Stored sentence vectors by vector id; vectors stored without them are absent. */
  sentenceVectors(vectorIds: readonly number[]): Promise<Map<number, QuantisedSentenceVector[]>>;

  /** Releases the store; saves first when holding the lock. */
  close(): Promise<void>;
}
