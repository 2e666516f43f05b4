import Database from 'better-sqlite3';
import type {
  DocumentFilter,
  DocumentInfo,
  DocumentMetadata,
  SourceDocument,
} from '../../shared/document.js';
import type {
  DocumentRecord,
  NewChunk,
  QuantisedSentenceVector,
  SentenceVector,
  SourcePage,
  SourceStampUpdate,
  StoredChunk,
  StoredSource,
  StoredSourceState,
  StoredVector,
} from '../article-store.js';
import { storedSourceState } from '../source-state.js';
import { decodeSentenceVectors, encodeSentenceVectors } from './sentence-vectors.js';

/** Bumped when the on-disk layout changes; an index with another version must be rebuilt. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  format TEXT NOT NULL,
  metadata TEXT NOT NULL,
  url TEXT,
  published_at TEXT,
  ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS vectors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL UNIQUE,
  vector BLOB NOT NULL,
  sentences BLOB
);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  text TEXT NOT NULL,
  vector_id INTEGER NOT NULL REFERENCES vectors(id)
);
CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks(document_id, position);
CREATE INDEX IF NOT EXISTS documents_by_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_by_url ON documents(url);
CREATE INDEX IF NOT EXISTS documents_by_source ON documents(source, id);
CREATE INDEX IF NOT EXISTS chunks_by_vector ON chunks(vector_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
  text, title, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2'
);
`;

const CHUNK_COLUMNS = `c.id AS id, c.document_id AS documentId, c.position AS position, c.start AS start,
  c.end AS end, c.text AS text, c.vector_id AS vectorId, d.title AS title, d.source AS source, d.url AS url,
  d.published_at AS publishedAt, json_extract(d.metadata, '$.byline') AS byline,
  json_extract(d.metadata, '$.siteName') AS siteName`;

/**
 * The SQLite half of an index: documents with their full cleaned text, chunks with offsets, the
 * vectors themselves (the source of truth the HNSW graph is rebuilt from), an FTS5 table for BM25, and
 * the manifest in `meta`. All writes of one batch happen in one transaction.
 */
export class Catalog {
  readonly #db: Database.Database;
  /** Statements run once per document of an ingest, prepared once. */
  readonly #prepared = new Map<string, Database.Statement>();

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (and when `create`, creates) the catalog file. */
  static open(path: string, options: { readonly: boolean; create: boolean }): Catalog {
    const db = new Database(path, { readonly: options.readonly, fileMustExist: !options.create });
    if (!options.readonly) {
      // WAL lets readers (a running bot) keep answering while an ingest writes.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (options.create && !options.readonly) {
      db.exec(SCHEMA);
      addSentenceColumn(db);
    }
    return new Catalog(db);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  getMeta(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  hasTable(name: string): boolean {
    return (
      this.#db
        .prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?")
        .get(name) !== undefined
    );
  }

  /** Runs `work` in one transaction: all of it is written, or none. */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  getContentHash(documentId: string): string | undefined {
    const row = this.#db.prepare('SELECT content_hash AS hash FROM documents WHERE id = ?').get(documentId) as
      | { hash: string }
      | undefined;
    return row?.hash;
  }

  sourceState(documentId: string): StoredSourceState | undefined {
    const row = this.#statement(
      `SELECT content_hash AS contentHash, title, json_extract(metadata, '$.fileStamp') AS fileStamp,
         json_extract(metadata, '$.etag') AS etag, json_extract(metadata, '$.lastModified') AS lastModified
       FROM documents WHERE id = ?`,
    ).get(documentId) as
      | { contentHash: string; title: string; fileStamp: unknown; etag: unknown; lastModified: unknown }
      | undefined;
    return row ? storedSourceState(row.contentHash, row.title, row) : undefined;
  }

  /** Sets the given stamps in the metadata of each document still holding the given content; run in a transaction. */
  setSourceStamps(updates: readonly SourceStampUpdate[]): void {
    // json_patch merges the stamps into the stored object (RFC 7396), keeping every other key.
    const update = this.#db.prepare(
      'UPDATE documents SET metadata = json_patch(metadata, ?) WHERE id = ? AND content_hash = ?',
    );
    for (const { documentId, contentHash, stamps } of updates)
      update.run(JSON.stringify(stamps), documentId, contentHash);
  }

  /** Ids of the vectors already stored for these content hashes. */
  findVectorIds(hashes: readonly string[]): Map<string, number> {
    const found = new Map<string, number>();
    const statement = this.#db.prepare('SELECT id FROM vectors WHERE hash = ?');
    for (const hash of hashes) {
      const row = statement.get(hash) as { id: number } | undefined;
      if (row) found.set(hash, row.id);
    }
    return found;
  }

  /** Stores a chunk vector and, when the embedder gave them, its sentences' vectors. */
  insertVector(hash: string, vector: Float32Array, sentences?: readonly SentenceVector[]): number {
    const blob = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    const packed = sentences && sentences.length > 0 ? encodeSentenceVectors(sentences) : null;
    return Number(
      this.#db
        .prepare('INSERT INTO vectors (hash, vector, sentences) VALUES (?, ?, ?)')
        .run(hash, blob, packed).lastInsertRowid,
    );
  }

  /** Sentence vectors of the given chunk vectors; vectors stored without them are absent. */
  sentenceVectorsByIds(vectorIds: readonly number[]): Map<number, QuantisedSentenceVector[]> {
    const found = new Map<number, QuantisedSentenceVector[]>();
    if (vectorIds.length === 0) return found;
    const rows = this.#db
      .prepare(
        'SELECT id, sentences FROM vectors WHERE id IN (SELECT value FROM json_each(?)) AND sentences IS NOT NULL',
      )
      .all(JSON.stringify(vectorIds)) as { id: number; sentences: Buffer }[];
    for (const row of rows) found.set(row.id, decodeSentenceVectors(row.sentences));
    return found;
  }

  /** Deletes a document and its chunks; returns the vector ids those chunks used (maybe now unused). */
  deleteDocumentRows(documentId: string): number[] {
    const chunks = this.#db
      .prepare('SELECT id, vector_id AS vectorId FROM chunks WHERE document_id = ?')
      .all(documentId) as {
      id: number;
      vectorId: number;
    }[];
    const deleteFts = this.#db.prepare('DELETE FROM chunks_fts WHERE rowid = ?');
    for (const chunk of chunks) deleteFts.run(chunk.id);
    this.#db.prepare('DELETE FROM chunks WHERE document_id = ?').run(documentId);
    this.#db.prepare('DELETE FROM documents WHERE id = ?').run(documentId);
    return [...new Set(chunks.map((chunk) => chunk.vectorId))];
  }

  /** Deletes those of `vectorIds` that no chunk uses any more; returns the ids deleted. */
  deleteUnusedVectors(vectorIds: readonly number[]): number[] {
    const stillUsed = this.#db.prepare('SELECT 1 FROM chunks WHERE vector_id = ? LIMIT 1');
    const deleteVector = this.#db.prepare('DELETE FROM vectors WHERE id = ?');
    const deleted: number[] = [];
    for (const vectorId of new Set(vectorIds)) {
      if (stillUsed.get(vectorId) !== undefined) continue;
      deleteVector.run(vectorId);
      deleted.push(vectorId);
    }
    return deleted;
  }

  insertDocument(
    document: SourceDocument,
    chunks: readonly NewChunk[],
    vectorIds: ReadonlyMap<string, number>,
    ingestedAt: string,
  ): void {
    const metadata = document.metadata;
    this.#db
      .prepare(
        `INSERT INTO documents (id, source, title, text, content_hash, format, metadata, url, published_at, ingested_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        document.id,
        document.source,
        document.title,
        document.text,
        document.contentHash,
        document.format,
        JSON.stringify(metadata),
        typeof metadata.url === 'string' ? metadata.url : null,
        typeof metadata.publishedAt === 'string' ? metadata.publishedAt : null,
        ingestedAt,
      );
    const insertChunk = this.#db.prepare(
      'INSERT INTO chunks (document_id, position, start, end, tokens, text, vector_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const insertFts = this.#db.prepare('INSERT INTO chunks_fts (rowid, text, title) VALUES (?, ?, ?)');
    for (const chunk of chunks) {
      const vectorId = vectorIds.get(chunk.vectorHash);
      if (vectorId === undefined)
        throw new Error(`No vector stored for chunk ${chunk.position} of ${document.id}.`);
      const { lastInsertRowid } = insertChunk.run(
        document.id,
        chunk.position,
        chunk.start,
        chunk.end,
        chunk.tokens,
        chunk.text,
        vectorId,
      );
      insertFts.run(lastInsertRowid, chunk.text, document.title);
    }
  }

  /** A document with its chunks and their vectors, as stored. */
  readDocument(documentId: string): DocumentRecord | undefined {
    const row = this.#db
      .prepare(
        'SELECT id, source, title, text, content_hash, format, metadata, ingested_at FROM documents WHERE id = ?',
      )
      .get(documentId) as
      | {
          id: string;
          source: string;
          title: string;
          text: string;
          content_hash: string;
          format: string;
          metadata: string;
          ingested_at: string;
        }
      | undefined;
    if (!row) return undefined;
    const chunks = this.#db
      .prepare(
        `SELECT c.position, c.start, c.end, c.tokens, c.text, v.hash AS vectorHash, v.vector, v.sentences
         FROM chunks c JOIN vectors v ON v.id = c.vector_id WHERE c.document_id = ? ORDER BY c.position`,
      )
      .all(documentId) as (NewChunk & { vector: Buffer; sentences: Buffer | null })[];
    const vectors = new Map<string, StoredVector>();
    for (const chunk of chunks)
      if (!vectors.has(chunk.vectorHash))
        vectors.set(chunk.vectorHash, {
          vector: toFloat32(chunk.vector),
          sentences: chunk.sentences ? decodeSentenceVectors(chunk.sentences) : [],
        });
    return {
      document: {
        id: row.id,
        source: row.source,
        title: row.title,
        text: row.text,
        contentHash: row.content_hash,
        format: row.format,
        metadata: JSON.parse(row.metadata) as DocumentMetadata,
      },
      chunks: chunks.map(({ position, start, end, tokens, text, vectorHash }) => ({
        position,
        start,
        end,
        tokens,
        text,
        vectorHash,
      })),
      vectors,
      ingestedAt: row.ingested_at,
    };
  }

  listDocuments(): DocumentInfo[] {
    return (this.#db.prepare(`${DOCUMENT_INFO} ORDER BY d.title, d.id`).all() as DocumentRow[]).map(toInfo);
  }

  /** A page of the documents whose source starts with a prefix, by (source, id), on `documents_by_source`. */
  listSources({ prefix, after, limit }: SourcePage): StoredSource[] {
    // The row-value range starts the index scan at the prefix (or just past the last page), and the
    // limit ends it; substr, not LIKE, so that % and _ in a path match literally.
    return this.#statement(
      `SELECT id, source, title FROM documents
       WHERE (source, id) > (?, ?) AND substr(source, 1, length(?)) = ?
       ORDER BY source, id LIMIT ?`,
    ).all(after?.source ?? prefix, after?.id ?? '', prefix, prefix, limit) as StoredSource[];
  }

  /** The document whose id or source equals `reference`, else those whose id starts with it. */
  findDocuments(reference: string): DocumentInfo[] {
    const exact = this.#db
      .prepare(`${DOCUMENT_INFO} WHERE d.id = ? OR d.source = ?`)
      .all(reference, reference) as DocumentRow[];
    if (exact.length > 0) return exact.map(toInfo);
    // substr, not LIKE: an id prefix holding % or _ must match literally.
    return (
      this.#db
        .prepare(`${DOCUMENT_INFO} WHERE substr(d.id, 1, length(?)) = ? ORDER BY d.id LIMIT 20`)
        .all(reference, reference) as DocumentRow[]
    ).map(toInfo);
  }

  /** Documents other than `id` with this content hash or this canonical URL. */
  findDuplicates(id: string, contentHash: string, url: string | undefined): DocumentInfo[] {
    const rows = this.#db
      .prepare(
        `${DOCUMENT_INFO} WHERE d.id <> ? AND (d.content_hash = ? OR (? IS NOT NULL AND d.url = ?)) ORDER BY d.id`,
      )
      .all(id, contentHash, url ?? null, url ?? null) as DocumentRow[];
    return rows.map(toInfo);
  }

  getDocumentText(documentId: string): string | undefined {
    const row = this.#db.prepare('SELECT text FROM documents WHERE id = ?').get(documentId) as
      | { text: string }
      | undefined;
    return row?.text;
  }

  counts(): { documents: number; chunks: number; vectors: number } {
    return this.#db
      .prepare(
        'SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM chunks) AS chunks, (SELECT count(*) FROM vectors) AS vectors',
      )
      .get() as { documents: number; chunks: number; vectors: number };
  }

  /** Vectors stored with sentence vectors, counted on the partial index `vectors_with_sentences`. */
  countVectorsWithSentences(): number {
    return this.#db
      .prepare('SELECT count(*) FROM vectors WHERE sentences IS NOT NULL')
      .pluck()
      .get() as number;
  }

  allVectorIds(): number[] {
    return this.#db.prepare('SELECT id FROM vectors ORDER BY id').pluck().all() as number[];
  }

  /** Streams stored vectors by id, in id order, for rebuilding or repairing the vector index. */
  *iterateVectors(ids?: readonly number[]): Generator<{ id: number; vector: Float32Array }> {
    if (ids) {
      const statement = this.#db.prepare('SELECT id, vector FROM vectors WHERE id = ?');
      for (const id of ids) {
        const row = statement.get(id) as { id: number; vector: Buffer } | undefined;
        if (row) yield { id: row.id, vector: toFloat32(row.vector) };
      }
      return;
    }
    for (const row of this.#db.prepare('SELECT id, vector FROM vectors ORDER BY id').iterate() as Iterable<{
      id: number;
      vector: Buffer;
    }>) {
      yield { id: row.id, vector: toFloat32(row.vector) };
    }
  }

  /** Chunks that use the given vectors, with document fields. */
  chunksByVectorIds(vectorIds: readonly number[]): StoredChunk[] {
    if (vectorIds.length === 0) return [];
    return this.#db
      .prepare(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id
        WHERE c.vector_id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(vectorIds)) as StoredChunk[];
  }

  chunksByIds(chunkIds: readonly number[]): StoredChunk[] {
    if (chunkIds.length === 0) return [];
    return this.#db
      .prepare(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id
        WHERE c.id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(chunkIds)) as StoredChunk[];
  }

  /** The chunks just before and after a chunk in its document. */
  neighbourChunks(documentId: string, position: number, radius: number): StoredChunk[] {
    return this.#db
      .prepare(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id
        WHERE c.document_id = ? AND c.position BETWEEN ? AND ? ORDER BY c.position`)
      .all(documentId, position - radius, position + radius) as StoredChunk[];
  }

  vectorsByIds(vectorIds: readonly number[]): Map<number, Float32Array> {
    const vectors = new Map<number, Float32Array>();
    if (vectorIds.length === 0) return vectors;
    // One statement for the whole set: a statement per id cost about twice as much per query.
    const rows = this.#db
      .prepare('SELECT id, vector FROM vectors WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(vectorIds)) as { id: number; vector: Buffer }[];
    for (const row of rows) vectors.set(row.id, toFloat32(row.vector));
    return vectors;
  }

  /**
   * BM25 search over chunk text and titles. `match` must already be a safe FTS5 expression. Scores are
   * negated so that higher is better. Title matches count a third as much as text matches.
   */
  lexicalSearch(
    match: string,
    limit: number,
    restrictTo?: readonly number[],
  ): { chunkId: number; score: number }[] {
    if (restrictTo?.length === 0) return [];
    const restriction = restrictTo ? 'AND rowid IN (SELECT value FROM json_each(?))' : '';
    const parameters = restrictTo ? [match, JSON.stringify(restrictTo), limit] : [match, limit];
    return this.#db
      .prepare(
        `SELECT rowid AS chunkId, -bm25(chunks_fts, 1.0, 0.33) AS score FROM chunks_fts
         WHERE chunks_fts MATCH ? ${restriction} ORDER BY score DESC LIMIT ?`,
      )
      .all(...parameters) as { chunkId: number; score: number }[];
  }

  /** Ids of the chunks whose documents pass `filter`; undefined when the filter is empty. */
  filteredChunkIds(filter: DocumentFilter | undefined): number[] | undefined {
    if (!filter) return undefined;
    const clauses: string[] = [];
    const parameters: unknown[] = [];
    if (filter.documentIds) {
      clauses.push('d.id IN (SELECT value FROM json_each(?))');
      parameters.push(JSON.stringify(filter.documentIds));
    }
    if (filter.source !== undefined) {
      clauses.push('instr(lower(d.source), lower(?)) > 0');
      parameters.push(filter.source);
    }
    if (filter.publishedAfter !== undefined) {
      clauses.push('d.published_at >= ?');
      parameters.push(filter.publishedAfter);
    }
    if (filter.publishedBefore !== undefined) {
      // Dates may carry a time: compare on the date part so "before 2015-08-05" includes that day.
      clauses.push('substr(d.published_at, 1, 10) <= ?');
      parameters.push(filter.publishedBefore);
    }
    if (clauses.length === 0) return undefined;
    return this.#db
      .prepare(
        `SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE ${clauses.join(' AND ')}`,
      )
      .pluck()
      .all(...parameters) as number[];
  }

  /** Integrity check used after crashes: 'ok' when SQLite finds nothing wrong. */
  quickCheck(): string {
    return String(this.#db.pragma('quick_check', { simple: true }));
  }
}

const DOCUMENT_INFO = `SELECT d.id, d.source, d.title, d.content_hash AS contentHash, d.url,
  d.published_at AS publishedAt, json_extract(d.metadata, '$.byline') AS byline,
  json_extract(d.metadata, '$.siteName') AS siteName, d.ingested_at AS ingestedAt,
  length(d.text) AS characters, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) AS chunks
  FROM documents d`;

interface DocumentRow {
  id: string;
  source: string;
  title: string;
  contentHash: string;
  url: string | null;
  publishedAt: string | null;
  byline: unknown;
  siteName: unknown;
  ingestedAt: string;
  characters: number;
  chunks: number;
}

function toInfo(row: DocumentRow): DocumentInfo {
  return {
    id: row.id,
    title: row.title,
    source: row.source,
    ...(row.url ? { url: row.url } : {}),
    ...(row.publishedAt ? { publishedAt: row.publishedAt } : {}),
    ...(typeof row.byline === 'string' && row.byline ? { byline: row.byline } : {}),
    ...(typeof row.siteName === 'string' && row.siteName ? { siteName: row.siteName } : {}),
    chunks: row.chunks,
    characters: row.characters,
    contentHash: row.contentHash,
    ingestedAt: row.ingestedAt,
  };
}

function toFloat32(buffer: Buffer): Float32Array {
  // Copy: the Buffer may share memory with SQLite's result and is not 4-byte aligned.
  const copy = new Float32Array(buffer.byteLength / 4);
  new Uint8Array(copy.buffer).set(buffer);
  return copy;
}

/**
 * Indexes written before sentence vectors existed lack the column; adding a nullable column is
 * instant in SQLite and leaves their rows as they were (chunk-level scores only until re-embedded).
 */
function addSentenceColumn(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(vectors)').all() as { name: string }[];
  if (!columns.some((column) => column.name === 'sentences')) {
    db.exec('ALTER TABLE vectors ADD COLUMN sentences BLOB');
  }
  // After the column: an index written before sentence vectors has none to index yet.
  db.exec('CREATE INDEX IF NOT EXISTS vectors_with_sentences ON vectors(id) WHERE sentences IS NOT NULL');
}
