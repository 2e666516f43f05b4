import { createServer, Socket } from 'node:net';
import { type ArticleStore, isArticleQAError, type OpenStoreOptions } from '@articleqa/core';
import { describeStoreContract, fixtureWrite, textVector } from '@articleqa/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../src/testing/pglite-server.js';

let server: TestServer;
let admin: pg.Pool;

beforeAll(async () => {
  server = await startTestServer();
  admin = new pg.Pool({ connectionString: server.connectionString, max: 1 });
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

let schemas = 0;
const created: string[] = [];
/** A store over a schema nobody has used yet. */
function freshStore(): PostgresStore {
  const schema = `contract_${++schemas}`;
  created.push(schema);
  return new PostgresStore({ connectionString: server.connectionString, schema });
}

describeStoreContract('PostgresStore', {
  create: async () => freshStore(),
  reopen: async (store) =>
    new PostgresStore({ connectionString: server.connectionString, schema: (store as PostgresStore).schema }),
  cleanup: async () => {
    for (const schema of created.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  },
});

const OPEN: OpenStoreOptions = { embedderId: 'test:hashing', dimensions: 16, chunker: { targetTokens: 40 } };

/** Every message in an error's cause chain, and its details. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth += 1) {
    if (current instanceof Error) {
      parts.push(current.message, JSON.stringify((current as { details?: unknown }).details ?? {}));
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join('\n');
}

describe('PostgresStore', () => {
  const opened: ArticleStore[] = [];
  const track = <T extends ArticleStore>(store: T): T => {
    opened.push(store);
    return store;
  };
  afterAll(async () => {
    for (const store of opened) await store.close().catch(() => undefined);
  });

  it('refuses a collection whose schema version is newer than the code, with reason schema', async () => {
    const store = track(freshStore());
    await store.open(OPEN);
    await store.close();
    await admin.query(
      `INSERT INTO "${store.schema}".migrations (version, description) VALUES (99, 'future')`,
    );
    const again = track(
      new PostgresStore({ connectionString: server.connectionString, schema: store.schema }),
    );
    const error = await again.open(OPEN).catch((caught: unknown) => caught);
    expect(isArticleQAError(error, 'E_INDEX_MISMATCH')).toBe(true);
    expect((error as { details: unknown }).details).toEqual({ reason: 'schema', found: 99, expected: 4 });
  });

  it('records migrations and builds the tables, indexes and column types of every migration', async () => {
    const store = track(freshStore());
    const manifest = await store.open(OPEN);
    expect(manifest.schemaVersion).toBe(4);
    const { rows: migrations } = await admin.query(
      `SELECT version FROM "${store.schema}".migrations ORDER BY version`,
    );
    expect(migrations).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
    const { rows: indexes } = await admin.query<{ indexdef: string }>(
      'SELECT indexdef FROM pg_indexes WHERE schemaname = $1',
      [store.schema],
    );
    const definitions = indexes.map((index) => index.indexdef).join('\n');
    expect(definitions).toMatch(/USING hnsw \(embedding (public\.)?vector_cosine_ops\)/);
    expect(definitions).toMatch(/USING gin \(tsv\)/);
    expect(definitions).toMatch(/\(content_hash\)/);
    expect(definitions).toMatch(/\(url\)/);
    expect(definitions).toMatch(/\(source COLLATE "C", id COLLATE "C"\)/);
    const { rows: columns } = await admin.query<{ type: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = $1::regclass AND attname = 'embedding'`,
      [`"${store.schema}".vectors`],
    );
    expect(columns).toEqual([{ type: 'vector(16)' }]);
  });

  it('keeps the BM25 statistics exact through writes, replacements and removals, and migration 2 rebuilds them', async () => {
    const store = track(freshStore());
    await store.open(OPEN);
    const police = fixtureWrite({
      id: 'police',
      source: '/police.md',
      title: 'Police offices in internet firms',
      chunks: ['Police will set up offices inside internet firms.', 'The offices watch firms for crime.'],
    });
    const weather = fixtureWrite({
      id: 'weather',
      source: '/weather.md',
      title: 'Storms',
      chunks: ['Storms hit the coast.', 'The offices closed early.'],
    });
    const embedded = (...writes: ReturnType<typeof fixtureWrite>[]) =>
      new Map(
        writes.flatMap((write) =>
          write.chunks.map((chunk) => [
            chunk.vectorHash,
            { vector: textVector(chunk.text, 16), sentences: [] },
          ]),
        ),
      );
    const schema = `"${store.schema}"`;
    const statistics = async () => {
      const stored = await admin.query(
        `SELECT lexeme, chunks FROM ${schema}.term_stats WHERE chunks <> 0 ORDER BY lexeme`,
      );
      const actual = await admin.query(
        `SELECT t.lexeme, count(*)::integer AS chunks FROM ${schema}.chunks c, unnest(c.tsv) AS t
         GROUP BY t.lexeme ORDER BY t.lexeme`,
      );
      expect(stored.rows).toEqual(actual.rows);
      const totals = await admin.query(`SELECT chunks::integer, terms::integer FROM ${schema}.chunk_stats`);
      const recounted = await admin.query(
        `SELECT count(*)::integer AS chunks, coalesce(sum(terms), 0)::integer AS terms FROM ${schema}.chunks`,
      );
      expect(totals.rows).toEqual(recounted.rows);
      return { terms: stored.rows, totals: totals.rows[0] };
    };
    await store.lock();
    await store.writeDocuments([police, weather], embedded(police, weather));
    const both = await statistics();
    expect(both.totals).toMatchObject({ chunks: 4 });
    expect(both.terms).toContainEqual({ lexeme: 'offic', chunks: 3 });
    const changed = fixtureWrite({
      ...{ id: 'police', source: '/police.md', title: 'Police' },
      chunks: ['Police patrol.'],
    });
    await store.writeDocuments([changed], embedded(changed));
    expect((await statistics()).terms).toContainEqual({ lexeme: 'offic', chunks: 1 });
    await store.removeDocument('weather');
    expect((await statistics()).totals).toEqual({ chunks: 1, terms: 2 });
    await store.writeDocuments([police, weather], embedded(police, weather));
    await store.unlock();
    const before = await statistics();

    // A collection written by version 1 has no statistics: migration 2 computes them from the chunks
    // (and the later migrations add what they add).
    await store.close();
    await admin.query(`ALTER TABLE ${schema}.chunks DROP COLUMN terms`);
    await admin.query(`DROP TABLE ${schema}.term_stats, ${schema}.chunk_stats, ${schema}.feeds`);
    await admin.query(`DROP INDEX ${schema}.documents_by_source`);
    await admin.query(`DELETE FROM ${schema}.migrations WHERE version >= 2`);
    const again = track(
      new PostgresStore({ connectionString: server.connectionString, schema: store.schema }),
    );
    expect((await again.open(OPEN)).schemaVersion).toBe(4);
    expect(await statistics()).toEqual(before);
    const [best] = await again.lexicalSearch({ text: 'which offices watch firms', limit: 3 });
    expect((await again.chunksByIds([best!.chunkId]))[0]!.text).toBe('The offices watch firms for crime.');
  });

  it('never shows the password: not in location, not in any error', async () => {
    const store = track(freshStore());
    expect(store.location).not.toContain(TEST_PASSWORD);
    expect(store.location).toBe(
      `postgres://postgres:***@${server.host}:${server.port}/postgres (schema ${store.schema})`,
    );
    const missing = await store.open({ ...OPEN, create: false }).catch((caught: unknown) => caught);
    expect(isArticleQAError(missing, 'E_INDEX_NOT_FOUND')).toBe(true);
    expect(errorText(missing)).not.toContain(TEST_PASSWORD);
    await store.open(OPEN);
    const other = track(
      new PostgresStore({ connectionString: server.connectionString, schema: store.schema }),
    );
    const mismatch = await other.open({ ...OPEN, dimensions: 8 }).catch((caught: unknown) => caught);
    expect(isArticleQAError(mismatch, 'E_INDEX_MISMATCH')).toBe(true);
    expect(errorText(mismatch)).not.toContain(TEST_PASSWORD);

    const url = `postgres://reader:${TEST_PASSWORD}@127.0.0.1:1/articles?password=${TEST_PASSWORD}`;
    const unreachable = new PostgresStore({ connectionString: url });
    expect(unreachable.location).toBe('postgres://reader:***@127.0.0.1:1/articles?password=***');
    const refused = await unreachable.open(OPEN).catch((caught: unknown) => caught);
    expect(errorText(refused)).not.toContain(TEST_PASSWORD);
    await unreachable.close();
  });

  it('names host and port when nothing listens there, keeping the driver error as cause', async () => {
    const port = await closedPort();
    const store = new PostgresStore({
      connectionString: `postgres://postgres:secret@127.0.0.1:${port}/postgres`,
    });
    const error = await store.open(OPEN).catch((caught: unknown) => caught);
    await store.close();
    expect(isArticleQAError(error, 'E_CONFIG')).toBe(true);
    const failure = error as Error & { details: Record<string, unknown> };
    expect(failure.message).toBe(`Cannot reach the Postgres server at 127.0.0.1:${port} (ECONNREFUSED).`);
    expect(failure.details).toMatchObject({
      reason: 'connect',
      host: '127.0.0.1',
      port,
      code: 'ECONNREFUSED',
    });
    expect((failure.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('waits for the lock up to waitMs, and stops waiting when aborted', async () => {
    const store = track(freshStore());
    await store.open(OPEN);
    await store.lock();
    const other = track(
      new PostgresStore({ connectionString: server.connectionString, schema: store.schema }),
    );
    await other.open(OPEN);
    const started = Date.now();
    const timedOut = await other.lock({ waitMs: 300 }).catch((caught: unknown) => caught);
    expect(isArticleQAError(timedOut, 'E_INDEX_LOCKED')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await other
      .lock({ waitMs: Number.POSITIVE_INFINITY, signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(isArticleQAError(aborted, 'E_ABORTED')).toBe(true);
    const waiting = other.lock({ waitMs: 10_000 });
    setTimeout(() => void store.unlock(), 150);
    await waiting;
    await other.unlock();
  });

  it('reports a lost lock when its connection dies, and writes nothing after', async () => {
    // A pool whose sockets the test can cut, as a network failure would.
    const sockets: Socket[] = [];
    const pool = new pg.Pool({
      connectionString: server.connectionString,
      stream: () => {
        const socket = new Socket();
        sockets.push(socket);
        return socket;
      },
    });
    pool.on('error', () => undefined);
    const store = track(new PostgresStore({ pool, schema: `lost_${++schemas}` }));
    created.push(store.schema);
    try {
      await store.open(OPEN);
      await store.lock();
      for (const socket of sockets.splice(0)) socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const write = fixtureWrite({ id: 'a', source: '/a.md', title: 'A', chunks: ['Alpha text.'] });
      const embedded = new Map([['h:Alpha text.', { vector: textVector('Alpha text.', 16), sentences: [] }]]);
      const error = await store.writeDocuments([write], embedded).catch((caught: unknown) => caught);
      expect(isArticleQAError(error, 'E_INDEX_LOCKED')).toBe(true);
      expect((error as Error).message).toMatch(/lost/);
      await store.unlock();
      expect((await store.counts()).documents).toBe(0);
    } finally {
      await store.close();
      await pool.end();
    }
  });

  it('turns a query vector of the wrong length into E_DIMENSION_MISMATCH', async () => {
    const store = track(freshStore());
    await store.open(OPEN);
    const error = await store
      .denseSearch({ vector: new Float32Array(3), k: 1 })
      .catch((caught: unknown) => caught);
    expect(isArticleQAError(error, 'E_DIMENSION_MISMATCH')).toBe(true);
  });

  it('reaches the HNSW index through operator names qualified with the extension schema', async () => {
    const store = track(freshStore());
    await store.open(OPEN);
    const client = await admin.connect();
    try {
      await client.query('BEGIN');
      // With sequential scans priced out, the plan shows whether the qualified operator can use the index.
      await client.query("SELECT set_config('enable_seqscan', 'off', true)");
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM "${store.schema}".vectors v
         ORDER BY v.embedding OPERATOR(public.<=>) $1::public.vector LIMIT 5`,
        [`[${Array.from({ length: 16 }, (_, index) => (index === 0 ? 1 : 0)).join(',')}]`],
      );
      await client.query('COMMIT');
      expect(rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(
        /Index Scan using vectors_by_embedding/,
      );
    } finally {
      client.release();
    }
  });

  it('gives the same filtered dense results through the HNSW index as through the exact scan', async () => {
    const exact = track(freshStore());
    await exact.open(OPEN);
    const fixtures = Array.from({ length: 12 }, (_, index) => ({
      id: `doc-${index}`,
      source: index % 3 === 0 ? `https://news.example/${index}` : `/corpus/${index}.md`,
      title: `Document ${index}`,
      chunks: [`Chunk one of document ${index}.`, `Chunk two of document ${index}.`],
      metadata: { publishedAt: `20${10 + index}-06-01` },
    }));
    const writes = fixtures.map(fixtureWrite);
    const embedded = new Map(
      writes.flatMap((write) =>
        write.chunks.map(
          (chunk) => [chunk.vectorHash, { vector: textVector(chunk.text, 16), sentences: [] }] as const,
        ),
      ),
    );
    await exact.lock();
    await exact.writeDocuments(writes, embedded);
    await exact.unlock();
    const indexed = track(
      new PostgresStore({
        connectionString: server.connectionString,
        schema: exact.schema,
        exactFilterLimit: 0,
      }),
    );
    await indexed.open(OPEN);
    const vector = textVector('Chunk two of document 6.', 16);
    for (const filter of [
      { source: 'NEWS.example' },
      { publishedAfter: '2015-01-01' },
      { documentIds: ['doc-6'] },
    ]) {
      const ids = async (store: PostgresStore) =>
        (await store.denseSearch({ vector, k: 4, filter })).map((match) => match.chunk.id);
      const expected = await ids(exact);
      expect(expected.length).toBeGreaterThan(0);
      expect(await ids(indexed)).toEqual(expected);
    }
    const wide = await indexed.denseSearch({ vector, k: 3, ef: 200 });
    expect(wide[0]?.chunk.text).toBe('Chunk two of document 6.');
  });

  it('returns display fields as the port says: null in chunks, omitted in document infos', async () => {
    const store = track(freshStore());
    await store.open(OPEN);
    // An emoji is two UTF-16 units: offsets and `characters` count as JavaScript strings do.
    const write = fixtureWrite({
      id: 'bare',
      source: '/bare.md',
      title: 'Bare',
      chunks: ['Smile 😀 here.', 'Second part.'],
      // Front matter can hold a number where a string was meant.
      metadata: JSON.parse('{ "byline": 7, "siteName": "" }') as Record<string, unknown>,
    });
    const embedded = new Map(
      write.chunks.map(
        (chunk) => [chunk.vectorHash, { vector: textVector(chunk.text, 16), sentences: [] }] as const,
      ),
    );
    await store.lock();
    await store.writeDocuments([write], embedded);
    await store.unlock();
    const [info] = await store.listDocuments();
    expect(info).toEqual({
      id: 'bare',
      title: 'Bare',
      source: '/bare.md',
      chunks: 2,
      characters: write.document.text.length,
      contentHash: write.document.contentHash,
      ingestedAt: store.manifest.lastIngestAt,
    });
    const chunks = await store.neighbourChunks('bare', 0, 1);
    const text = (await store.documentText('bare'))!;
    for (const chunk of chunks) {
      expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
      expect(chunk).toMatchObject({ url: null, publishedAt: null, byline: null, siteName: null });
    }
    expect(await store.sentenceVectors(chunks.map((chunk) => chunk.vectorId))).toEqual(new Map());
    expect((await store.counts()).bytes).toBeGreaterThan(0);
  });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('No port.');
  return address.port;
}
