import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { isArticleQAError } from '@articleqa/core';
import { describeStoreContract } from '@articleqa/core/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { AdvisoryWriteLock, LOCK_CLASS_ID, lockKey, PostgresStore } from '../src/index.js';

// PGlite runs every connection on one session, so a dead connection's session lock outlives it there
// (see the README). What a killed writer leaves behind is checked against a real server when one is
// named: ARTICLEQA_TEST_POSTGRES_URL=postgres://user:password@host:5432/db (pgvector not needed).
const url = process.env.ARTICLEQA_TEST_POSTGRES_URL;
const pgvector = url ? await hasPgvector(url) : false;

describe.skipIf(!url)('AdvisoryWriteLock on a real Postgres server', () => {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  afterAll(() => pool.end());

  it("frees a killed writer's lock at once: the server ends its session", async () => {
    const name = `killed-writer-${process.pid}`;
    const writer = await holdLockInChild(url!, [LOCK_CLASS_ID, lockKey(name)]);
    const lock = new AdvisoryWriteLock(pool, name, 'test server');
    try {
      const refused = await lock.acquire().catch((caught: unknown) => caught);
      expect(isArticleQAError(refused, 'E_INDEX_LOCKED')).toBe(true);
      expect((refused as { details: { pid?: unknown } }).details.pid).toEqual(expect.any(Number));
      writer.kill('SIGKILL');
      // No staleness timeout: the lock is free as soon as the server sees the connection close.
      await lock.acquire({ waitMs: 5_000 });
      expect(lock.held).toBe(true);
    } finally {
      writer.kill('SIGKILL');
      await lock.release();
    }
  });

  it('gives the lock to one of two sessions, and to the other once released', async () => {
    const name = `two-writers-${process.pid}`;
    const first = new AdvisoryWriteLock(pool, name, 'test server');
    const second = new AdvisoryWriteLock(pool, name, 'test server');
    await first.acquire();
    const refused = await second.acquire().catch((caught: unknown) => caught);
    expect(isArticleQAError(refused, 'E_INDEX_LOCKED')).toBe(true);
    await first.release();
    await second.acquire();
    await second.release();
  });
});

describe.skipIf(!url || pgvector)('PostgresStore on a real server without pgvector', () => {
  it('says pgvector is missing, and how to get it', async () => {
    const store = new PostgresStore({ connectionString: url!, schema: `no_vector_${process.pid}` });
    const error = await store
      .open({ embedderId: 'test', dimensions: 4, chunker: {} })
      .catch((caught: unknown) => caught);
    await store.close();
    expect(isArticleQAError(error, 'E_CONFIG')).toBe(true);
    expect((error as Error).message).toMatch(/pgvector extension is not installed/);
    expect((error as { details: unknown }).details).toEqual({ reason: 'extension', extension: 'vector' });
  });
});

if (url && pgvector) {
  let schemas = 0;
  const created: string[] = [];
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  afterAll(() => admin.end());
  describeStoreContract('PostgresStore on a real server', {
    create: async () => {
      const schema = `contract_${process.pid}_${++schemas}`;
      created.push(schema);
      return new PostgresStore({ connectionString: url, schema });
    },
    reopen: async (store) =>
      new PostgresStore({ connectionString: url, schema: (store as PostgresStore).schema }),
    cleanup: async () => {
      for (const schema of created.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  });
}

async function hasPgvector(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    return rows.length > 0;
  } finally {
    await client.end();
  }
}

/** A separate process that takes the advisory lock over its own connection and then waits to be killed. */
async function holdLockInChild(connectionString: string, key: readonly [number, number]) {
  const pgPath = createRequire(import.meta.url).resolve('pg');
  const script = `
    const pg = require(${JSON.stringify(pgPath)});
    const client = new pg.Client({ connectionString: process.env.URL });
    client.connect()
      .then(() => client.query('SELECT pg_advisory_lock($1, $2)', ${JSON.stringify(key)}))
      .then(() => process.stdout.write('locked\\n'));
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, URL: connectionString },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      if (data.toString().includes('locked')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`The lock holder exited early (${code}).`)));
  });
  return child;
}
