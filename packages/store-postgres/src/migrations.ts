import { IndexError } from '@articleqa/core';
import pg from 'pg';
import { LOCK_CLASS_ID, lockKey } from './advisory-write-lock.js';

/** What a migration's SQL depends on: where it writes, and choices fixed when the collection is made. */
export interface MigrationContext {
  /** The collection's schema, quoted for SQL. */
  schema: string;
  /** The schema holding the `vector` extension, quoted for SQL. */
  vectorSchema: string;
  /** Dimensions of the embedding column, fixed when the collection is created. */
  dimensions: number;
}

/** One step of the schema; applied once, in order, and recorded in the `migrations` table. */
export interface Migration {
  version: number;
  description: string;
  statements(context: MigrationContext): string[];
}

/** The text search configuration of the keyword index (stemming like FTS5's porter tokenizer). */
export const TEXT_SEARCH_CONFIG = 'pg_catalog.english';

/**
 * pgvector's HNSW index takes `vector` columns of up to 2,000 dimensions; wider collections are
 * searched exactly (a sequential scan), which stays correct and is fast enough for small collections.
 */
export const MAX_HNSW_DIMENSIONS = 2000;

/** Every migration, oldest first. Append only: a released migration never changes. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'documents, vectors, chunks with a keyword index, and the manifest',
    statements: ({ schema, vectorSchema, dimensions }) => [
      `CREATE TABLE ${schema}.meta (key text PRIMARY KEY, value text NOT NULL)`,
      `CREATE TABLE ${schema}.documents (
        id text PRIMARY KEY,
        source text NOT NULL,
        title text NOT NULL,
        text text NOT NULL,
        -- JavaScript string length (UTF-16 units), which chunk offsets count in; length(text) counts code points.
        characters integer NOT NULL,
        content_hash text NOT NULL,
        format text NOT NULL,
        metadata jsonb NOT NULL,
        url text,
        -- As given (an ISO date or date-time): filters compare it as text, like the local store.
        published_at text,
        ingested_at timestamptz NOT NULL
      )`,
      `CREATE INDEX documents_by_content_hash ON ${schema}.documents (content_hash)`,
      `CREATE INDEX documents_by_url ON ${schema}.documents (url)`,
      `CREATE TABLE ${schema}.vectors (
        id bigserial PRIMARY KEY,
        hash text NOT NULL UNIQUE,
        embedding ${vectorSchema}.vector(${dimensions}) NOT NULL,
        -- The local store's int8 sentence-vector blob (encodeSentenceVectors); null without sentences.
        sentences bytea
      )`,
      ...(dimensions <= MAX_HNSW_DIMENSIONS
        ? [
            `CREATE INDEX vectors_by_embedding ON ${schema}.vectors
              USING hnsw (embedding ${vectorSchema}.vector_cosine_ops)`,
          ]
        : []),
      `CREATE TABLE ${schema}.chunks (
        id bigserial PRIMARY KEY,
        document_id text NOT NULL REFERENCES ${schema}.documents (id) ON DELETE CASCADE,
        position integer NOT NULL,
        start integer NOT NULL,
        "end" integer NOT NULL,
        tokens integer NOT NULL,
        text text NOT NULL,
        vector_id bigint NOT NULL REFERENCES ${schema}.vectors (id),
        -- Chunk text at weight A, the document title at D (ranked a third as much).
        tsv tsvector NOT NULL
      )`,
      `CREATE INDEX chunks_by_document ON ${schema}.chunks (document_id, position)`,
      `CREATE INDEX chunks_by_vector ON ${schema}.chunks (vector_id)`,
      `CREATE INDEX chunks_by_terms ON ${schema}.chunks USING gin (tsv)`,
    ],
  },
  {
    version: 2,
    description: 'BM25 statistics for keyword search: text length per chunk, chunks per term, totals',
    statements: ({ schema }) => [
      // Lexeme occurrences in the chunk text (weight A; the title is weight D), BM25's document length.
      `ALTER TABLE ${schema}.chunks ADD COLUMN terms integer NOT NULL DEFAULT 0`,
      `UPDATE ${schema}.chunks SET terms = ${textTermCount('tsv')}`,
      `CREATE TABLE ${schema}.term_stats (lexeme text PRIMARY KEY, chunks integer NOT NULL)`,
      `INSERT INTO ${schema}.term_stats (lexeme, chunks)
        SELECT t.lexeme, count(*) FROM ${schema}.chunks c, unnest(c.tsv) AS t GROUP BY t.lexeme`,
      `CREATE TABLE ${schema}.chunk_stats (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        chunks bigint NOT NULL,
        terms bigint NOT NULL
      )`,
      `INSERT INTO ${schema}.chunk_stats (chunks, terms)
        SELECT count(*), coalesce(sum(terms), 0) FROM ${schema}.chunks`,
    ],
  },
  {
    version: 3,
    description: 'followed feeds, polled by the workers',
    statements: ({ schema }) => [
      `CREATE TABLE ${schema}.feeds (
        url text PRIMARY KEY,
        added_at timestamptz NOT NULL,
        last_polled_at timestamptz,
        last_error text,
        refresh_seconds integer,
        next_poll_at timestamptz NOT NULL,
        -- The last response's validators: the next poll is a conditional GET.
        etag text,
        last_modified text
      )`,
      `CREATE INDEX feeds_by_next_poll ON ${schema}.feeds (next_poll_at)`,
    ],
  },
  {
    version: 4,
    description: "documents by source, in byte order: a folder's documents a page at a time",
    statements: ({ schema }) => [
      `CREATE INDEX documents_by_source ON ${schema}.documents (source COLLATE "C", id COLLATE "C")`,
    ],
  },
];

/** SQL counting the positions of a chunk tsvector's text lexemes (weight A), the chunk's BM25 length. */
export function textTermCount(tsv: string): string {
  return `(SELECT count(*) FROM unnest(${tsv}) AS t, unnest(t.weights) AS w WHERE w = 'A')`;
}

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** The version recorded in a collection's `migrations` table, or undefined when it has none. */
export async function schemaVersionOf(client: pg.ClientBase, schema: string): Promise<number | undefined> {
  const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    `${quote(schema)}.migrations`,
  ]);
  if (!rows[0]?.exists) return undefined;
  const version = await client.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${quote(schema)}.migrations`,
  );
  return version.rows[0]?.version ?? 0;
}

/**
 * Brings the collection's schema to {@link SCHEMA_VERSION} inside the caller's transaction, holding a
 * transaction-level advisory lock so that two processes opening a new database at once do not both
 * create it. Returns the version found before (0 for a new collection).
 * @throws IndexError `E_INDEX_MISMATCH` (reason `schema`) when the collection is newer than this code.
 */
export async function migrate(
  client: pg.ClientBase,
  context: Omit<MigrationContext, 'schema'> & { schemaName: string; location: string },
): Promise<number> {
  const schema = quote(context.schemaName);
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [
    LOCK_CLASS_ID + 1,
    lockKey(context.schemaName),
  ]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.migrations (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const found = (await schemaVersionOf(client, context.schemaName)) ?? 0;
  assertKnownVersion(found, context.location);
  for (const migration of MIGRATIONS) {
    if (migration.version <= found) continue;
    for (const statement of migration.statements({ ...context, schema })) await client.query(statement);
    await client.query(`INSERT INTO ${schema}.migrations (version, description) VALUES ($1, $2)`, [
      migration.version,
      migration.description,
    ]);
  }
  return found;
}

/** @throws IndexError `E_INDEX_MISMATCH` (reason `schema`) for a version newer than this code knows. */
export function assertKnownVersion(found: number, location: string): void {
  if (found <= SCHEMA_VERSION) return;
  throw new IndexError(
    'E_INDEX_MISMATCH',
    location,
    `The collection at ${location} has schema version ${found}; this @articleqa/store-postgres reads version ${SCHEMA_VERSION}.`,
    { details: { reason: 'schema', found, expected: SCHEMA_VERSION } },
  );
}

/** A quoted SQL identifier. */
export function quote(identifier: string): string {
  return pg.escapeIdentifier(identifier);
}
