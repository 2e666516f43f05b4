import {
  type ArticleStore,
  ConfigError,
  type DenseMatch,
  type DenseQuery,
  type DocumentInfo,
  type DocumentRecord,
  type DocumentWrite,
  decodeSentenceVectors,
  type EmbeddedText,
  encodeSentenceVectors,
  IndexError,
  type IndexManifest,
  type LexicalMatch,
  type LexicalQuery,
  type LockOptions,
  type OpenStoreOptions,
  type QuantisedSentenceVector,
  type SourcePage,
  type SourceStampUpdate,
  type StoreCounts,
  type StoredChunk,
  type StoredSource,
  type StoredSourceState,
  storedSourceState,
} from '@articleqa/core';
import pg from 'pg';
import { AdvisoryWriteLock } from './advisory-write-lock.js';
import {
  type ConnectionTarget,
  connectionError,
  describeTarget,
  isConnectionFailure,
} from './connection-target.js';
import { excludesEverything, filterConditions } from './document-filter-sql.js';
import { toTsQuery } from './keyword-query.js';
import {
  assertKnownVersion,
  MAX_HNSW_DIMENSIONS,
  migrate,
  quote,
  SCHEMA_VERSION,
  schemaVersionOf,
  TEXT_SEARCH_CONFIG,
  textTermCount,
} from './migrations.js';
import {
  CHUNK_COLUMNS,
  type ChunkRow,
  type DocumentRecordRow,
  type DocumentRow,
  documentColumns,
  fromVectorText,
  toDocumentInfo,
  toDocumentRecord,
  toStoredChunk,
  toVectorText,
} from './rows.js';
import { SqlParameters } from './sql-parameters.js';

/** Settings of {@link PostgresStore}. Give `connectionString` or `pool`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database`; the store makes (and ends) its own pool. */
  connectionString?: string;
  /**
   * A pool you own (the store never ends it). The write lock holds one of its connections while held,
   * so it needs room for at least two.
   */
  pool?: pg.Pool;
  /**
   * The schema holding the collection; several collections can share a database under other names.
   * @defaultValue 'articleqa'
   */
  schema?: string;
  /**
   * Below this many vectors passing a filter, filtered dense search is exact (no index) instead of a
   * filtered HNSW search, which can miss when few vectors pass.
   * @defaultValue 20000
   */
  exactFilterLimit?: number;
}

/** Defaults of {@link PostgresStoreOptions}. */
export const DefaultPostgresStoreOptions = {
  schema: 'articleqa',
  exactFilterLimit: 20_000,
} as const satisfies Required<Pick<PostgresStoreOptions, 'schema' | 'exactFilterLimit'>>;

/** pgvector's largest `hnsw.ef_search`. */
const MAX_EF_SEARCH = 1000;

/** BM25's term-frequency saturation and length normalisation: FTS5's values, so both stores rank alike. */
const BM25_K1 = 1.2;
const BM25_B = 0.75;
/** A title term (weight D) counts this much of a text term (A), as the local store weights its title column. */
const TITLE_WEIGHT = 0.33;

interface Opened {
  manifest: IndexManifest;
  /** The collection's schema, quoted. */
  schema: string;
  /** The `vector` extension's schema, quoted: every pgvector name is qualified with it. */
  vectorSchema: string;
  /** pgvector 0.8 added iterative index scans, which keep filtered HNSW searches from coming back short. */
  iterativeScan: boolean;
  lock: AdvisoryWriteLock;
}

/**
 * An {@link ArticleStore} on PostgreSQL with pgvector, through node-postgres: documents, chunks and
 * vectors in one schema, dense search on an HNSW index (`vector_cosine_ops`), keyword search on a
 * `tsvector` column with a GIN index, and the single-writer lock as a session-level advisory lock, so
 * writers on every host exclude each other and a killed writer's lock is freed by the server.
 *
 * @example
 * const store = createPostgresStore({ connectionString: 'postgres://articleqa@db:5432/articles' });
 * const qa = await openArticleQA({ store, embedder });
 */
export class PostgresStore implements ArticleStore {
  /** The server and database, with the password masked. */
  readonly location: string;
  readonly #target: ConnectionTarget;
  readonly #connectionString: string | undefined;
  readonly #givenPool: pg.Pool | undefined;
  readonly #schemaName: string;
  readonly #exactFilterLimit: number;
  /** The pool in use: the one given, or one made on open and ended on close. */
  #pool: pg.Pool | undefined;
  #opened: Opened | undefined;

  constructor(options: PostgresStoreOptions) {
    if (options.connectionString === undefined && options.pool === undefined)
      throw new ConfigError('PostgresStore needs a connectionString or a pool.');
    if (options.pool && (options.pool.options.max ?? 10) < 2)
      throw new ConfigError(
        'The pool given to PostgresStore needs room for two connections: the write lock holds one.',
      );
    this.#target = describeTarget(options.connectionString, options.pool);
    this.#connectionString = options.connectionString;
    this.#givenPool = options.pool;
    this.#schemaName = options.schema ?? DefaultPostgresStoreOptions.schema;
    this.location =
      this.#schemaName === DefaultPostgresStoreOptions.schema
        ? this.#target.location
        : `${this.#target.location} (schema ${this.#schemaName})`;
    this.#exactFilterLimit = options.exactFilterLimit ?? DefaultPostgresStoreOptions.exactFilterLimit;
  }

  /** The schema holding the collection, unquoted. */
  get schema(): string {
    return this.#schemaName;
  }

  async open(options: OpenStoreOptions): Promise<IndexManifest> {
    if (this.#opened) return this.#opened.manifest;
    const { dimensions } = options;
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16_000)
      throw new ConfigError(`pgvector stores 1 to 16000 dimensions, not ${dimensions}.`);
    const create = options.create !== false;
    const client = await this.#connect();
    let failure: unknown;
    try {
      const found = await schemaVersionOf(client, this.#schemaName);
      if (!found && !create)
        throw new IndexError(
          'E_INDEX_NOT_FOUND',
          this.location,
          `No articleqa collection in schema ${this.#schemaName} at ${this.#target.location}.`,
        );
      if (found) assertKnownVersion(found, this.location);
      const extension = await this.#vectorExtension(client, create);
      const schema = quote(this.#schemaName);
      let manifest: IndexManifest | undefined;
      if (found === SCHEMA_VERSION) {
        manifest = await readManifest(client, schema);
      } else {
        await client.query('BEGIN');
        try {
          const before = await migrate(client, {
            schemaName: this.#schemaName,
            vectorSchema: extension.schema,
            dimensions,
            location: this.location,
          });
          manifest = await readManifest(client, schema);
          if (!manifest && before === 0) manifest = await writeManifest(client, schema, options);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
      if (!manifest)
        throw new IndexError(
          'E_INDEX_CORRUPT',
          this.location,
          `The collection at ${this.location} has no manifest.`,
        );
      assertSameEmbedder(manifest, options, this.location);
      this.#opened = {
        manifest,
        schema,
        vectorSchema: extension.schema,
        iterativeScan: atLeast(extension.version, [0, 8, 0]),
        // Advisory locks are per database, so the schema name alone tells collections apart.
        lock: new AdvisoryWriteLock(this.#usePool(), this.#schemaName, this.location),
      };
      return manifest;
    } catch (error) {
      failure = error;
      throw this.#wrap(error);
    } finally {
      client.release(isConnectionFailure(failure));
    }
  }

  get manifest(): IndexManifest {
    return this.#state().manifest;
  }

  async lock(options: LockOptions = {}): Promise<void> {
    try {
      await this.#state().lock.acquire(options);
    } catch (error) {
      throw this.#wrap(error);
    }
  }

  async unlock(): Promise<void> {
    await this.#opened?.lock.release();
  }

  async sourceState(documentId: string): Promise<StoredSourceState | undefined> {
    const { schema } = this.#state();
    const { rows } = await this.#query<{
      content_hash: string;
      title: string;
      fileStamp: unknown;
      etag: unknown;
      lastModified: unknown;
    }>(
      `SELECT content_hash, title, metadata -> 'fileStamp' AS "fileStamp", metadata -> 'etag' AS etag,
         metadata -> 'lastModified' AS "lastModified"
       FROM ${schema}.documents WHERE id = $1`,
      [documentId],
    );
    const row = rows[0];
    return row ? storedSourceState(row.content_hash, row.title, row) : undefined;
  }

  async setSourceStamps(updates: readonly SourceStampUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const { schema, lock } = this.#state();
    // One statement for the batch: the updates as three parallel arrays; || merges the stamps in.
    await lock.run((client) =>
      client.query(
        `UPDATE ${schema}.documents d SET metadata = d.metadata || u.stamps
         FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS u(id, content_hash, stamps)
         WHERE d.id = u.id AND d.content_hash = u.content_hash`,
        [
          updates.map((update) => update.documentId),
          updates.map((update) => update.contentHash),
          updates.map((update) => JSON.stringify(update.stamps)),
        ],
      ),
    );
  }

  async storedVectorHashes(hashes: readonly string[]): Promise<Set<string>> {
    const { schema } = this.#state();
    if (hashes.length === 0) return new Set();
    const { rows } = await this.#query<{ hash: string }>(
      `SELECT hash FROM ${schema}.vectors WHERE hash = ANY($1::text[])`,
      [[...new Set(hashes)]],
    );
    return new Set(rows.map((row) => row.hash));
  }

  async writeDocuments(
    writes: readonly DocumentWrite[],
    embedded: ReadonlyMap<string, EmbeddedText>,
  ): Promise<void> {
    const { schema, vectorSchema, lock, manifest } = this.#state();
    const now = new Date().toISOString();
    await lock.run(async (client) => {
      const hashes = [...new Set(writes.flatMap((write) => write.chunks.map((chunk) => chunk.vectorHash)))];
      const vectorIds = new Map<string, string>();
      const stored = await client.query<{ id: string; hash: string }>(
        `SELECT id, hash FROM ${schema}.vectors WHERE hash = ANY($1::text[])`,
        [hashes],
      );
      for (const row of stored.rows) vectorIds.set(row.hash, row.id);
      // Check everything before changing anything: a write is whole or absent.
      const added = hashes.filter((hash) => !vectorIds.has(hash));
      for (const hash of added) {
        const entry = embedded.get(hash);
        if (!entry) throw new Error(`Missing vector for chunk hash ${hash}.`);
        this.#assertDimensions(entry.vector, manifest.dimensions);
      }
      if (added.length > 0) {
        const inserted = await client.query<{ id: string; hash: string }>(
          `INSERT INTO ${schema}.vectors (hash, embedding, sentences)
           SELECT u.hash, u.embedding::${vectorSchema}.vector, u.sentences
           FROM unnest($1::text[], $2::text[], $3::bytea[]) AS u(hash, embedding, sentences)
           RETURNING id, hash`,
          [
            added,
            added.map((hash) => toVectorText(embedded.get(hash)!.vector)),
            added.map((hash) => {
              const { sentences } = embedded.get(hash)!;
              return sentences.length > 0 ? encodeSentenceVectors(sentences) : null;
            }),
          ],
        );
        for (const row of inserted.rows) vectorIds.set(row.hash, row.id);
      }
      const candidates: string[] = [];
      for (const write of writes) {
        const { document, chunks } = write;
        candidates.push(...(await deleteDocumentRows(client, schema, document.id)).vectorIds);
        const { metadata } = document;
        await client.query(
          `INSERT INTO ${schema}.documents
             (id, source, title, text, characters, content_hash, format, metadata, url, published_at, ingested_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)`,
          [
            document.id,
            document.source,
            document.title,
            document.text,
            document.text.length,
            document.contentHash,
            document.format,
            JSON.stringify(metadata),
            typeof metadata.url === 'string' ? metadata.url : null,
            typeof metadata.publishedAt === 'string' ? metadata.publishedAt : null,
            write.ingestedAt ?? now,
          ],
        );
        if (chunks.length === 0) continue;
        await client.query(
          `INSERT INTO ${schema}.chunks (document_id, position, start, "end", tokens, text, vector_id, tsv, terms)
           SELECT $1, x.position, x.start, x.finish, x.tokens, x.text, x.vector_id, x.tsv, ${textTermCount('x.tsv')}
           FROM (
             SELECT u.*, setweight(to_tsvector('${TEXT_SEARCH_CONFIG}', $2), 'D')
               || setweight(to_tsvector('${TEXT_SEARCH_CONFIG}', u.text), 'A') AS tsv
             FROM unnest($3::int[], $4::int[], $5::int[], $6::int[], $7::text[], $8::bigint[])
               AS u(position, start, finish, tokens, text, vector_id)
           ) AS x`,
          [
            document.id,
            document.title,
            chunks.map((chunk) => chunk.position),
            chunks.map((chunk) => chunk.start),
            chunks.map((chunk) => chunk.end),
            chunks.map((chunk) => chunk.tokens),
            chunks.map((chunk) => chunk.text),
            chunks.map((chunk) => vectorIds.get(chunk.vectorHash)!),
          ],
        );
        await countTerms(client, schema, document.id, 1);
      }
      await deleteUnusedVectors(client, schema, candidates);
      await setMeta(client, schema, 'lastIngestAt', now);
    });
    manifest.lastIngestAt = now;
  }

  async removeDocument(documentId: string): Promise<boolean> {
    const { schema, lock, manifest } = this.#state();
    const now = new Date().toISOString();
    const removed = await lock.run(async (client) => {
      const { removed, vectorIds } = await deleteDocumentRows(client, schema, documentId);
      if (!removed) return false;
      await deleteUnusedVectors(client, schema, vectorIds);
      await setMeta(client, schema, 'lastIngestAt', now);
      return true;
    });
    if (removed) manifest.lastIngestAt = now;
    return removed;
  }

  async listDocuments(): Promise<DocumentInfo[]> {
    const { schema } = this.#state();
    const { rows } = await this.#query<DocumentRow>(
      `SELECT ${documentColumns(schema)} FROM ${schema}.documents d ORDER BY d.title, d.id`,
    );
    return rows.map(toDocumentInfo);
  }

  async listSources({ prefix, after, limit }: SourcePage): Promise<StoredSource[]> {
    const { schema } = this.#state();
    // Byte order ("C"), as every store pages, on documents_by_source (migration 4).
    const { rows } = await this.#query<StoredSource>(
      `SELECT id, source, title FROM ${schema}.documents
       WHERE starts_with(source, $1)
         AND (source COLLATE "C", id COLLATE "C") > ($2::text COLLATE "C", $3::text COLLATE "C")
       ORDER BY source COLLATE "C", id COLLATE "C" LIMIT $4`,
      [prefix, after?.source ?? prefix, after?.id ?? '', limit],
    );
    return rows;
  }

  async findDocuments(reference: string): Promise<DocumentInfo[]> {
    const { schema } = this.#state();
    const select = `SELECT ${documentColumns(schema)} FROM ${schema}.documents d`;
    const exact = await this.#query<DocumentRow>(
      `${select} WHERE d.id = $1 OR d.source = $1 ORDER BY d.id LIMIT 20`,
      [reference],
    );
    if (exact.rows.length > 0) return exact.rows.map(toDocumentInfo);
    // starts_with, not LIKE: a prefix holding % or _ matches literally.
    const prefixed = await this.#query<DocumentRow>(
      `${select} WHERE starts_with(d.id, $1) ORDER BY d.id LIMIT 20`,
      [reference],
    );
    return prefixed.rows.map(toDocumentInfo);
  }

  async findDuplicates(document: { id: string; contentHash: string; url?: string }): Promise<DocumentInfo[]> {
    const { schema } = this.#state();
    const { rows } = await this.#query<DocumentRow>(
      `SELECT ${documentColumns(schema)} FROM ${schema}.documents d
       WHERE d.id <> $1 AND (d.content_hash = $2 OR ($3::text IS NOT NULL AND d.url = $3::text))
       ORDER BY d.id`,
      [document.id, document.contentHash, document.url ?? null],
    );
    return rows.map(toDocumentInfo);
  }

  async readDocument(documentId: string): Promise<DocumentRecord | undefined> {
    const { schema } = this.#state();
    // One statement, so the document and its chunks come from one snapshot even while a writer
    // replaces it.
    const { rows } = await this.#query<DocumentRecordRow>(
      `SELECT d.id, d.source, d.title, d.text, d.content_hash, d.format, d.metadata, d.ingested_at,
         c.position, c.start, c."end", c.tokens, c.text AS chunk_text, v.hash,
         v.embedding::text AS embedding, v.sentences
       FROM ${schema}.documents d
       LEFT JOIN ${schema}.chunks c ON c.document_id = d.id
       LEFT JOIN ${schema}.vectors v ON v.id = c.vector_id
       WHERE d.id = $1 ORDER BY c.position`,
      [documentId],
    );
    return toDocumentRecord(rows);
  }

  async documentText(documentId: string): Promise<string | undefined> {
    const { schema } = this.#state();
    const { rows } = await this.#query<{ text: string }>(
      `SELECT text FROM ${schema}.documents WHERE id = $1`,
      [documentId],
    );
    return rows[0]?.text;
  }

  async counts(): Promise<StoreCounts> {
    const { schema } = this.#state();
    const tables = ['documents', 'chunks', 'vectors', 'meta', 'migrations'].map(
      (table) => `${schema}.${table}`,
    );
    const { rows } = await this.#query<Record<keyof StoreCounts, string>>(
      `SELECT (SELECT count(*) FROM ${schema}.documents) AS documents,
         (SELECT count(*) FROM ${schema}.chunks) AS chunks,
         (SELECT count(*) FROM ${schema}.vectors) AS vectors,
         (SELECT count(*) FROM ${schema}.vectors WHERE sentences IS NOT NULL) AS "vectorsWithSentences",
         (SELECT sum(pg_total_relation_size(name::regclass)) FROM unnest($1::text[]) AS name) AS bytes`,
      [tables],
    );
    const row = rows[0]!;
    return {
      documents: Number(row.documents),
      chunks: Number(row.chunks),
      vectors: Number(row.vectors),
      vectorsWithSentences: Number(row.vectorsWithSentences),
      bytes: Number(row.bytes),
    };
  }

  async denseSearch(query: DenseQuery): Promise<DenseMatch[]> {
    const { schema, vectorSchema, manifest, iterativeScan } = this.#state();
    if (!(query.k > 0) || excludesEverything(query.filter)) return [];
    this.#assertDimensions(query.vector, manifest.dimensions);
    const k = Math.floor(query.k);
    const filterParameters = new SqlParameters();
    const conditions = filterConditions(query.filter, filterParameters);
    const fromChunks = `${schema}.chunks c JOIN ${schema}.documents d ON d.id = c.document_id`;
    const filterWhere = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';

    return this.#transaction(async (client) => {
      let exact = manifest.dimensions > MAX_HNSW_DIMENSIONS;
      let ef = query.ef;
      if (conditions.length > 0) {
        const allowed = await client.query<{ vectors: number }>(
          `SELECT count(DISTINCT c.vector_id)::integer AS vectors FROM ${fromChunks} ${filterWhere}`,
          filterParameters.values,
        );
        const vectors = allowed.rows[0]?.vectors ?? 0;
        if (vectors === 0) return [];
        if (vectors <= this.#exactFilterLimit) exact = true;
        else ef = Math.max(ef ?? 0, k * 4);
      }
      if (exact) {
        // Exact: a scan over the allowed vectors, never an index that could drop filtered rows.
        await client.query("SELECT set_config('enable_indexscan', 'off', true)");
      } else {
        // The local store's breadth, max(64, min(1024, ceil(sqrt(n) / 2))), from the planner's row count.
        await client.query(
          `SELECT set_config('hnsw.ef_search', least(${MAX_EF_SEARCH}, greatest($2::integer,
             coalesce($1::integer, greatest(64, least(1024, ceil(sqrt(greatest(c.reltuples, 0)) / 2)::integer)))
           ))::text, true) FROM pg_class c WHERE c.oid = $3::regclass`,
          [ef === undefined ? null : Math.floor(ef), k, `${schema}.vectors`],
        );
        if (conditions.length > 0 && iterativeScan)
          await client.query("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)");
      }
      const parameters = new SqlParameters();
      const vector = parameters.add(toVectorText(query.vector));
      const limit = parameters.add(k);
      const mainConditions = filterConditions(query.filter, parameters);
      const allowed =
        mainConditions.length > 0
          ? `allowed AS MATERIALIZED (SELECT c.id, c.vector_id FROM ${fromChunks} WHERE ${mainConditions.join(' AND ')}),`
          : '';
      const distance = `v.embedding OPERATOR(${vectorSchema}.<=>) ${vector}::${vectorSchema}.vector`;
      const { rows } = await client.query<ChunkRow & { similarity: number }>(
        `WITH ${allowed} nearest AS (
           SELECT v.id, ${distance} AS distance FROM ${schema}.vectors v
           ${allowed ? 'WHERE v.id IN (SELECT vector_id FROM allowed)' : ''}
           ORDER BY ${distance} LIMIT ${limit}
         )
         SELECT ${CHUNK_COLUMNS}, 1 - n.distance AS similarity
         FROM nearest n JOIN ${schema}.chunks c ON c.vector_id = n.id JOIN ${schema}.documents d ON d.id = c.document_id
         ${allowed ? 'WHERE c.id IN (SELECT id FROM allowed)' : ''}
         ORDER BY similarity DESC, c.id`,
        parameters.values,
      );
      return rows.map((row) => ({ chunk: toStoredChunk(row), similarity: row.similarity }));
    });
  }

  async lexicalSearch(query: LexicalQuery): Promise<LexicalMatch[]> {
    const { schema } = this.#state();
    const tsQuery = toTsQuery(query.text);
    if (!tsQuery || !(query.limit > 0) || excludesEverything(query.filter)) return [];
    const parameters = new SqlParameters();
    const terms = parameters.add(tsQuery);
    const limit = parameters.add(Math.floor(query.limit));
    const conditions = filterConditions(query.filter, parameters);
    const words = parameters.add(tsQuery.replaceAll("'", '').replaceAll(' | ', ' '));
    // BM25 over the tsvector, like the local store's FTS5: IDF from the chunks per term, term
    // frequency saturated (k1) and normalised by the chunk's text length against the average (b).
    // The title's lexemes (weight D) count TITLE_WEIGHT as much as the text's (A).
    const { rows } = await this.#query<{ id: string; score: number }>(
      `WITH weights AS (
         SELECT t.lexeme,
           ln(1 + (s.chunks - coalesce(ts.chunks, 0) + 0.5) / (coalesce(ts.chunks, 0) + 0.5)) AS idf,
           greatest(s.terms::float8 / greatest(s.chunks, 1), 1) AS average_length
         FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('${TEXT_SEARCH_CONFIG}', ${words}))) AS t
           CROSS JOIN ${schema}.chunk_stats s
           LEFT JOIN ${schema}.term_stats ts ON ts.lexeme = t.lexeme
       )
       SELECT c.id, sum(w.idf * f.tf * ${BM25_K1 + 1}
           / (f.tf + ${BM25_K1} * (${1 - BM25_B} + ${BM25_B} * c.terms / w.average_length)))::float8 AS score
       FROM ${schema}.chunks c
       ${conditions.length > 0 ? `JOIN ${schema}.documents d ON d.id = c.document_id` : ''},
         to_tsquery('${TEXT_SEARCH_CONFIG}', ${terms}) AS q,
         LATERAL (
           SELECT t.lexeme, (SELECT count(*) FILTER (WHERE x = 'A') + ${TITLE_WEIGHT} * count(*) FILTER (WHERE x = 'D')
             FROM unnest(t.weights) AS x) AS tf
           FROM unnest(c.tsv) AS t
         ) AS f,
         weights w
       WHERE c.tsv @@ q AND w.lexeme = f.lexeme ${conditions.map((condition) => `AND ${condition}`).join(' ')}
       GROUP BY c.id ORDER BY score DESC, c.id LIMIT ${limit}`,
      parameters.values,
    );
    return rows.map((row) => ({ chunkId: Number(row.id), score: row.score }));
  }

  async chunksByIds(chunkIds: readonly number[]): Promise<StoredChunk[]> {
    const { schema } = this.#state();
    if (chunkIds.length === 0) return [];
    const { rows } = await this.#query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM ${schema}.chunks c JOIN ${schema}.documents d ON d.id = c.document_id
       WHERE c.id = ANY($1::bigint[])`,
      [chunkIds.filter(Number.isInteger)],
    );
    const byId = new Map(rows.map((row) => [Number(row.id), toStoredChunk(row)]));
    return chunkIds.flatMap((id) => {
      const chunk = byId.get(id);
      return chunk ? [chunk] : [];
    });
  }

  async neighbourChunks(documentId: string, position: number, radius: number): Promise<StoredChunk[]> {
    const { schema } = this.#state();
    const { rows } = await this.#query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM ${schema}.chunks c JOIN ${schema}.documents d ON d.id = c.document_id
       WHERE c.document_id = $1 AND c.position BETWEEN $2 AND $3 ORDER BY c.position`,
      [documentId, position - radius, position + radius],
    );
    return rows.map(toStoredChunk);
  }

  async chunkVectors(vectorIds: readonly number[]): Promise<Map<number, Float32Array>> {
    const { schema } = this.#state();
    const found = new Map<number, Float32Array>();
    if (vectorIds.length === 0) return found;
    const { rows } = await this.#query<{ id: string; embedding: string }>(
      `SELECT id, embedding::text AS embedding FROM ${schema}.vectors WHERE id = ANY($1::bigint[])`,
      [vectorIds.filter(Number.isInteger)],
    );
    for (const row of rows) found.set(Number(row.id), fromVectorText(row.embedding));
    return found;
  }

  async sentenceVectors(vectorIds: readonly number[]): Promise<Map<number, QuantisedSentenceVector[]>> {
    const { schema } = this.#state();
    const found = new Map<number, QuantisedSentenceVector[]>();
    if (vectorIds.length === 0) return found;
    const { rows } = await this.#query<{ id: string; sentences: Buffer }>(
      `SELECT id, sentences FROM ${schema}.vectors WHERE id = ANY($1::bigint[]) AND sentences IS NOT NULL`,
      [vectorIds.filter(Number.isInteger)],
    );
    for (const row of rows) found.set(Number(row.id), decodeSentenceVectors(row.sentences));
    return found;
  }

  /** Releases the lock (and its connection), then ends the pool when the store made it. */
  async close(): Promise<void> {
    const opened = this.#opened;
    const pool = this.#pool;
    this.#opened = undefined;
    this.#pool = undefined;
    try {
      await opened?.lock.release();
    } finally {
      if (pool && pool !== this.#givenPool) await pool.end();
    }
  }

  #state(): Opened {
    if (!this.#opened) throw new Error('PostgresStore: call open() first.');
    return this.#opened;
  }

  /** The pool, made on first use when the store was given a connection string. */
  #usePool(): pg.Pool {
    if (this.#pool) return this.#pool;
    if (this.#givenPool) {
      this.#pool = this.#givenPool;
    } else {
      this.#pool = new pg.Pool({ connectionString: this.#connectionString, keepAlive: true });
      // An idle connection that fails emits on the pool; unheard, that would end the process. The next
      // query fails with its own error instead.
      this.#pool.on('error', () => undefined);
    }
    return this.#pool;
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#usePool().connect();
    } catch (error) {
      throw connectionError(error, this.#target);
    }
  }

  async #query<Row extends pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    try {
      return await this.#usePool().query<Row>(text, values);
    } catch (error) {
      throw this.#wrap(error);
    }
  }

  /** Runs `work` in a read transaction on one pooled connection (for settings scoped with SET LOCAL). */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    let failure: unknown;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      failure = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.#wrap(error);
    } finally {
      // A connection that failed is closed rather than handed to the next query.
      client.release(isConnectionFailure(failure));
    }
  }

  /** Connection failures become a {@link ConfigError} naming the server; everything else is kept. */
  #wrap(error: unknown): unknown {
    return isConnectionFailure(error) ? connectionError(error, this.#target) : error;
  }

  #assertDimensions(vector: Float32Array, dimensions: number): void {
    if (vector.length === dimensions) return;
    throw new IndexError(
      'E_DIMENSION_MISMATCH',
      this.location,
      `A ${vector.length}-dimensional vector does not fit the ${dimensions}-dimensional collection at ${this.location}.`,
    );
  }

  /**
   * The `vector` extension, created when missing and creating is allowed.
   * @throws ConfigError when pgvector is missing and cannot be created here.
   */
  async #vectorExtension(
    client: pg.PoolClient,
    create: boolean,
  ): Promise<{ schema: string; version: string }> {
    const find = async () => {
      const { rows } = await client.query<{ version: string; schema: string }>(
        `SELECT e.extversion AS version, n.nspname AS schema
         FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`,
      );
      return rows[0] ? { version: rows[0].version, schema: quote(rows[0].schema) } : undefined;
    };
    const found = await find();
    if (found) return found;
    let cause: unknown;
    if (create) {
      try {
        await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      } catch (error) {
        cause = error;
      }
      // Another process may have created it at the same moment.
      const created = await find();
      if (created) return created;
    }
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    throw new ConfigError(
      `The pgvector extension is not installed in the database at ${this.#target.location}${create ? `, and creating it failed${reason}` : ''}.`,
      {
        ...(cause ? { cause } : {}),
        details: { reason: 'extension', extension: 'vector' },
        hint: 'Install pgvector on the server, then run CREATE EXTENSION vector in the database as a user allowed to.',
      },
    );
  }
}

/** Builds a {@link PostgresStore}. */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options);
}

async function readManifest(client: pg.ClientBase, schema: string): Promise<IndexManifest | undefined> {
  const { rows } = await client.query<{ key: string; value: string }>(
    `SELECT key, value FROM ${schema}.meta`,
  );
  const meta = new Map(rows.map((row) => [row.key, row.value]));
  const embedderId = meta.get('embedderId');
  const dimensions = meta.get('dimensions');
  if (embedderId === undefined || dimensions === undefined) return undefined;
  const versions = await client.query<{ version: number }>(
    `SELECT max(version) AS version FROM ${schema}.migrations`,
  );
  return {
    schemaVersion: versions.rows[0]?.version ?? SCHEMA_VERSION,
    embedderId,
    dimensions: Number(dimensions),
    chunker: JSON.parse(meta.get('chunker') ?? '{}') as Record<string, unknown>,
    createdAt: meta.get('createdAt') ?? '',
    lastIngestAt: meta.get('lastIngestAt') ?? null,
  };
}

async function writeManifest(
  client: pg.ClientBase,
  schema: string,
  options: OpenStoreOptions,
): Promise<IndexManifest> {
  const manifest: IndexManifest = {
    schemaVersion: SCHEMA_VERSION,
    embedderId: options.embedderId,
    dimensions: options.dimensions,
    chunker: options.chunker,
    createdAt: new Date().toISOString(),
    lastIngestAt: null,
  };
  await setMeta(client, schema, 'embedderId', manifest.embedderId);
  await setMeta(client, schema, 'dimensions', String(manifest.dimensions));
  await setMeta(client, schema, 'chunker', JSON.stringify(manifest.chunker));
  await setMeta(client, schema, 'createdAt', manifest.createdAt);
  return manifest;
}

async function setMeta(client: pg.ClientBase, schema: string, key: string, value: string): Promise<void> {
  await client.query(
    `INSERT INTO ${schema}.meta (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [key, value],
  );
}

/** @throws IndexError `E_INDEX_MISMATCH` (reason `embedder`) for a collection built with another embedder. */
function assertSameEmbedder(manifest: IndexManifest, options: OpenStoreOptions, location: string): void {
  if (manifest.embedderId === options.embedderId && manifest.dimensions === options.dimensions) return;
  throw new IndexError(
    'E_INDEX_MISMATCH',
    location,
    `The collection at ${location} was built with the embedder ${manifest.embedderId} (${manifest.dimensions} dimensions), not ${options.embedderId} (${options.dimensions}).`,
    {
      details: {
        reason: 'embedder',
        found: { embedderId: manifest.embedderId, dimensions: manifest.dimensions },
        expected: { embedderId: options.embedderId, dimensions: options.dimensions },
      },
    },
  );
}

/** Deletes a document and its chunks; returns whether it existed and the vector ids its chunks used. */
async function deleteDocumentRows(
  client: pg.ClientBase,
  schema: string,
  documentId: string,
): Promise<{ removed: boolean; vectorIds: string[] }> {
  await countTerms(client, schema, documentId, -1);
  const chunks = await client.query<{ vector_id: string }>(
    `DELETE FROM ${schema}.chunks WHERE document_id = $1 RETURNING vector_id`,
    [documentId],
  );
  const documents = await client.query(`DELETE FROM ${schema}.documents WHERE id = $1`, [documentId]);
  return { removed: (documents.rowCount ?? 0) > 0, vectorIds: chunks.rows.map((row) => row.vector_id) };
}

/**
 * Adds (`sign` 1) or takes away (-1) a document's chunks in the keyword statistics: chunks per term,
 * and the chunk count and text length totals that BM25's average length comes from.
 */
async function countTerms(
  client: pg.ClientBase,
  schema: string,
  documentId: string,
  sign: 1 | -1,
): Promise<void> {
  await client.query(
    `INSERT INTO ${schema}.term_stats AS s (lexeme, chunks)
     SELECT t.lexeme, $2 * count(*) FROM ${schema}.chunks c, unnest(c.tsv) AS t
     WHERE c.document_id = $1 GROUP BY t.lexeme
     ON CONFLICT (lexeme) DO UPDATE SET chunks = s.chunks + excluded.chunks`,
    [documentId, sign],
  );
  await client.query(
    `UPDATE ${schema}.chunk_stats SET chunks = chunks + $2 * n, terms = terms + $2 * length
     FROM (SELECT count(*) AS n, coalesce(sum(terms), 0) AS length FROM ${schema}.chunks WHERE document_id = $1) AS d`,
    [documentId, sign],
  );
}

/** Deletes those of `vectorIds` that no chunk uses any more. */
async function deleteUnusedVectors(
  client: pg.ClientBase,
  schema: string,
  vectorIds: readonly string[],
): Promise<void> {
  if (vectorIds.length === 0) return;
  await client.query(
    `DELETE FROM ${schema}.vectors v WHERE v.id = ANY($1::bigint[])
       AND NOT EXISTS (SELECT 1 FROM ${schema}.chunks c WHERE c.vector_id = v.id)`,
    [[...new Set(vectorIds)]],
  );
}

/** True when a dotted version (`0.8.1`) is at least `minimum`. */
function atLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (const [index, wanted] of minimum.entries()) {
    const have = parts[index] ?? 0;
    if (have !== wanted) return have > wanted;
  }
  return true;
}
