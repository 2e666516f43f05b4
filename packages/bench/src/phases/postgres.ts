import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  contentTerms,
  createLocalEmbedder,
  createLocalStore,
  type EvalMetrics,
  type EvalQuestion,
  evaluate,
  normalizeForMatch,
  type OpenStoreOptions,
  openArticleQA,
} from '@articleqa/core';
import { createIngestQueue, createPostgresStore } from '@articleqa/store-postgres';
import { startTestServer, type TestServer } from '@articleqa/store-postgres/testing';
import { PGlite } from '@electric-sql/pglite';
import { pg_textsearch } from '@electric-sql/pglite-pg_textsearch';
import pg from 'pg';
import { type LatencySummary, seededRandom, summarize } from '../statistics.js';

/** The Postgres store beside the local one on the same SQuAD index, on PGlite behind pglite-socket. */
export interface PostgresInput {
  /** The local SQuAD index (built by the ingest pipeline); copied into Postgres with `copyTo`. */
  indexDir: string;
  cacheDir: string;
  /** Answerable questions evaluated on both stores. */
  questions: EvalQuestion[];
  /** Questions timed for search latency, interleaved between the stores. */
  latencyQuestions: string[];
  /** Article files queued for the worker runs. */
  files: string[];
  cliMain: string;
  /** Worker process counts, each on a fresh server. */
  workerCounts: number[];
  /** Vectors in the HNSW build timing (real chunk vectors, perturbed to be distinct). */
  hnswVectors: number;
}

type Recall = Pick<EvalMetrics, 'questions' | 'recallAt1' | 'recallAt5' | 'recallWithinBudget'>;

export interface PostgresOutput {
  server: string;
  copy: {
    seconds: number;
    documents: number;
    chunks: number;
    vectorsWritten: number;
    problems: string[];
    maxVectorDifference: number;
  };
  parity: { local: Recall; postgres: Recall };
  /** Warm `qa.search`, the two stores alternating question by question. */
  latency: { questions: number; local: LatencySummary; postgres: LatencySummary };
  size: {
    documents: number;
    chunks: number;
    vectors: number;
    localBytes: number;
    postgresBytes: number;
    /** Bytes per relation of the collection's schema (tables with TOAST, and indexes). */
    relations: { name: string; bytes: number }[];
  };
  hnsw: { vectors: number; dimensions: number; buildMs: number };
  /**
   * Keyword search alone, top 10 per question: does a returned chunk hold the answer? The local store's
   * FTS5 BM25, the Postgres store's own lexicalSearch (BM25 over tsvector), and in one in-process PGlite
   * over the same chunk texts: tsvector ranked by ts_rank_cd, and a pg_textsearch BM25 index.
   */
  keyword: {
    questions: number;
    rows: { name: string; recallAt1: number; recallAt10: number; latency?: LatencySummary }[];
  };
  workers: { workers: number; documents: number; chunks: number; seconds: number }[];
}

export async function runPostgres(input: PostgresInput): Promise<PostgresOutput> {
  const server = await startTestServer();
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  const local = await openArticleQA({ dir: input.indexDir, embedder, create: false });
  const store = createPostgresStore({ connectionString: server.connectionString });
  try {
    const copied = await local.copyTo(store);
    const remote = await openArticleQA({ store, embedder, create: false });
    const version = await serverVersion(server);

    const parity = {
      local: recall((await evaluate(local, input.questions, { k: 10, answerer: 'extractive' })).metrics),
      postgres: recall((await evaluate(remote, input.questions, { k: 10, answerer: 'extractive' })).metrics),
    };

    const localMs: number[] = [];
    const postgresMs: number[] = [];
    for (const question of input.latencyQuestions.slice(0, 10)) {
      await local.search(question);
      await remote.search(question);
    }
    for (const [index, question] of input.latencyQuestions.entries()) {
      // Alternate which store goes first, so neither always finds the query embedding cached warm.
      const order = index % 2 === 0 ? ([local, remote] as const) : ([remote, local] as const);
      for (const qa of order) {
        const started = performance.now();
        await qa.search(question);
        (qa === local ? localMs : postgresMs).push(performance.now() - started);
      }
    }

    const localStats = await local.stats();
    const remoteStats = await remote.stats();
    const size = {
      documents: remoteStats.documents,
      chunks: remoteStats.chunks,
      vectors: remoteStats.vectors,
      localBytes: localStats.bytesOnDisk ?? 0,
      postgresBytes: remoteStats.bytesOnDisk ?? 0,
      relations: await relationSizes(server),
    };
    const hnsw = await timeHnswBuild(server, input.hnswVectors);
    const keyword = await compareKeywordSearch(server, input, store);
    await remote.close();
    const workers: PostgresOutput['workers'] = [];
    const open = { embedderId: embedder.id, dimensions: embedder.dimensions, chunker: {}, create: false };
    for (const count of input.workerCounts) workers.push(await timeWorkers(input, count, open));
    return {
      server: version,
      copy: {
        seconds: copied.seconds,
        documents: copied.documents,
        chunks: size.chunks,
        vectorsWritten: copied.vectorsWritten,
        problems: copied.verification.problems,
        maxVectorDifference: copied.verification.maxVectorDifference,
      },
      parity,
      latency: {
        questions: input.latencyQuestions.length,
        local: summarize(localMs),
        postgres: summarize(postgresMs),
      },
      size,
      hnsw,
      keyword,
      workers,
    };
  } finally {
    await local.close();
    await embedder.close();
    await server.stop();
  }
}

function recall(metrics: EvalMetrics): Recall {
  const { questions, recallAt1, recallAt5, recallWithinBudget } = metrics;
  return { questions, recallAt1, recallAt5, recallWithinBudget };
}

async function withClient<T>(server: TestServer, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function serverVersion(server: TestServer): Promise<string> {
  return withClient(server, async (client) => {
    const { rows } = await client.query<{ version: string; vector: string }>(
      `SELECT current_setting('server_version') AS version,
         (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector`,
    );
    return `PGlite (Postgres ${rows[0]!.version} in WebAssembly) with pgvector ${rows[0]!.vector}, behind pglite-socket`;
  });
}

async function relationSizes(server: TestServer): Promise<{ name: string; bytes: number }[]> {
  return withClient(server, async (client) => {
    const { rows } = await client.query<{ name: string; bytes: string }>(
      `SELECT c.relname AS name,
         CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) ELSE pg_total_relation_size(c.oid) - pg_indexes_size(c.oid) END AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'articleqa' AND c.relkind IN ('r', 'i')
       ORDER BY bytes DESC`,
    );
    return rows.map((row) => ({ name: row.name, bytes: Number(row.bytes) }));
  });
}

/**
 * `CREATE INDEX ... USING hnsw` over `count` vectors: the collection's own chunk vectors, repeated with
 * small seeded noise so that every row is distinct, in a scratch table.
 */
async function timeHnswBuild(server: TestServer, count: number): Promise<PostgresOutput['hnsw']> {
  return withClient(server, async (client) => {
    const { rows: schemaRows } = await client.query<{ schema: string }>(
      `SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'vector'`,
    );
    const vectorType = `${schemaRows[0]!.schema}.vector`;
    const { rows } = await client.query<{ embedding: string }>(
      'SELECT embedding::text AS embedding FROM articleqa.vectors ORDER BY id',
    );
    const base = rows.map((row) => JSON.parse(row.embedding) as number[]);
    const dimensions = base[0]!.length;
    await client.query('DROP SCHEMA IF EXISTS bench_hnsw CASCADE');
    await client.query('CREATE SCHEMA bench_hnsw');
    await client.query(
      `CREATE TABLE bench_hnsw.vectors (id integer, embedding ${vectorType}(${dimensions}))`,
    );
    const random = seededRandom(7);
    const batch = 500;
    for (let offset = 0; offset < count; offset += batch) {
      const texts: string[] = [];
      for (let id = offset; id < Math.min(count, offset + batch); id += 1) {
        const source = base[id % base.length]!;
        const noisy = source.map((value) => value + (random() - 0.5) * 0.02);
        const norm = Math.hypot(...noisy);
        texts.push(`[${noisy.map((value) => (value / norm).toFixed(6)).join(',')}]`);
      }
      await client.query(
        `INSERT INTO bench_hnsw.vectors SELECT $1::int + o - 1, e::${vectorType}
         FROM unnest($2::text[]) WITH ORDINALITY AS u(e, o)`,
        [offset, texts],
      );
    }
    const started = performance.now();
    await client.query(
      `CREATE INDEX ON bench_hnsw.vectors USING hnsw (embedding ${schemaRows[0]!.schema}.vector_cosine_ops)`,
    );
    const buildMs = performance.now() - started;
    await client.query('DROP SCHEMA bench_hnsw CASCADE');
    return { vectors: count, dimensions, buildMs };
  });
}

/**
 * Queues every file on a fresh server and times `count` `articleqa worker` processes draining the
 * queue into the collection (from the first worker's start, model load included, until every
 * document is stored).
 */
async function timeWorkers(
  input: PostgresInput,
  count: number,
  open: OpenStoreOptions,
): Promise<PostgresOutput['workers'][number]> {
  const server = await startTestServer();
  const queue = createIngestQueue({ connectionString: server.connectionString });
  const children: ChildProcess[] = [];
  const store = createPostgresStore({ connectionString: server.connectionString });
  try {
    await queue.enqueue(input.files);
    const started = performance.now();
    for (let index = 0; index < count; index += 1) {
      const child = spawn(process.execPath, [input.cliMain, 'worker', '--quiet'], {
        env: {
          ...process.env,
          ARTICLEQA_STORE: server.connectionString,
          ARTICLEQA_CACHE_DIR: input.cacheDir,
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr?.resume();
      children.push(child);
    }
    let opened = false;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (children.some((child) => child.exitCode !== null))
        throw new Error('An articleqa worker exited before the queue was drained.');
      if (!opened) {
        // The first worker creates the collection.
        opened = await store
          .open(open)
          .then(() => true)
          .catch(() => false);
        if (!opened) continue;
      }
      const counts = await store.counts();
      const waiting = await queue.counts();
      if (counts.documents >= input.files.length && waiting.waiting === 0 && waiting.active === 0) {
        const seconds = (performance.now() - started) / 1000;
        return { workers: count, documents: counts.documents, chunks: counts.chunks, seconds };
      }
      if (performance.now() - started > 20 * 60_000) throw new Error('The workers did not drain the queue.');
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
    await store.close();
    await queue.close();
    await server.stop();
  }
}

/** Keyword search alone on the same chunks: FTS5 BM25, tsvector + ts_rank_cd, pg_textsearch BM25. */
async function compareKeywordSearch(
  server: TestServer,
  input: PostgresInput,
  store: ReturnType<typeof createPostgresStore>,
): Promise<PostgresOutput['keyword']> {
  const chunks = await withClient(server, async (client) => {
    const { rows } = await client.query<{ id: string; text: string; title: string }>(
      'SELECT c.id, c.text, d.title FROM articleqa.chunks c JOIN articleqa.documents d ON d.id = c.document_id',
    );
    return rows.map((row) => ({ id: Number(row.id), text: row.text, title: row.title }));
  });
  const textOf = new Map(chunks.map((chunk) => [chunk.id, chunk.text]));
  const local = createLocalStore({ dir: input.indexDir });
  await local.open({ ...store.manifest, create: false });
  const db = await PGlite.create({ extensions: { pg_textsearch } });
  try {
    await db.exec(`CREATE EXTENSION pg_textsearch;
      CREATE TABLE chunks (id bigint PRIMARY KEY, text text NOT NULL, tsv tsvector NOT NULL)`);
    for (let offset = 0; offset < chunks.length; offset += 500) {
      const batch = chunks.slice(offset, offset + 500);
      await db.query(
        `INSERT INTO chunks SELECT u.id, u.text,
           setweight(to_tsvector('pg_catalog.english', u.title), 'D') || setweight(to_tsvector('pg_catalog.english', u.text), 'A')
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, text, title)`,
        [batch.map((chunk) => chunk.id), batch.map((chunk) => chunk.text), batch.map((chunk) => chunk.title)],
      );
    }
    await db.exec(`CREATE INDEX chunks_by_terms ON chunks USING gin (tsv);
      CREATE INDEX chunks_bm25 ON chunks USING bm25 (text) WITH (text_config = 'english')`);
    const holds = (ids: readonly number[], answers: readonly string[], texts: ReadonlyMap<number, string>) =>
      ids.map((id) => {
        const text = normalizeForMatch(texts.get(id) ?? '');
        return answers.some((answer) => text.includes(normalizeForMatch(answer)));
      });
    const tally = () => ({ at1: 0, at10: 0, ms: [] as number[] });
    const results = { fts5: tally(), shipped: tally(), tsRankCd: tally(), bm25: tally() };
    const count = (
      entry: ReturnType<typeof tally>,
      ids: readonly number[],
      answers: readonly string[],
      texts: ReadonlyMap<number, string>,
    ) => {
      const found = holds(ids, answers, texts);
      if (found[0]) entry.at1 += 1;
      if (found.some(Boolean)) entry.at10 += 1;
    };
    for (const question of input.questions) {
      const terms = [...new Set(contentTerms(question.question))].slice(0, 32);
      const fts5 = (await local.lexicalSearch({ text: question.question, limit: 10 })).map(
        (match) => match.chunkId,
      );
      const localTexts = new Map((await local.chunksByIds(fts5)).map((chunk) => [chunk.id, chunk.text]));
      count(results.fts5, fts5, question.answers, localTexts);
      let started = performance.now();
      const shipped = await store.lexicalSearch({ text: question.question, limit: 10 });
      results.shipped.ms.push(performance.now() - started);
      count(
        results.shipped,
        shipped.map((match) => match.chunkId),
        question.answers,
        textOf,
      );
      if (terms.length === 0) continue;
      const tsQuery = terms.map((term) => `'${term.replaceAll("'", "''")}'`).join(' | ');
      started = performance.now();
      const ranked = await db.query<{ id: string }>(
        `SELECT id FROM chunks, to_tsquery('pg_catalog.english', $1) q WHERE tsv @@ q
         ORDER BY ts_rank_cd('{0.33, 0.2, 0.4, 1.0}'::real[], tsv, q) DESC, id LIMIT 10`,
        [tsQuery],
      );
      results.tsRankCd.ms.push(performance.now() - started);
      count(
        results.tsRankCd,
        ranked.rows.map((row) => Number(row.id)),
        question.answers,
        textOf,
      );
      started = performance.now();
      const bm25 = await db.query<{ id: string }>(
        `SELECT id FROM chunks ORDER BY text <@> to_bm25query($1, 'chunks_bm25'), id LIMIT 10`,
        [terms.join(' ')],
      );
      results.bm25.ms.push(performance.now() - started);
      count(
        results.bm25,
        bm25.rows.map((row) => Number(row.id)),
        question.answers,
        textOf,
      );
    }
    const n = input.questions.length;
    const row = (name: string, entry: ReturnType<typeof tally>, latency?: number[]) => ({
      name,
      recallAt1: entry.at1 / n,
      recallAt10: entry.at10 / n,
      ...(latency && latency.length > 0 ? { latency: summarize(latency) } : {}),
    });
    return {
      questions: n,
      rows: [
        row('FTS5 BM25 (local store)', results.fts5),
        row(
          'Postgres store (shipped): tsvector + GIN, BM25 from its term statistics; through pglite-socket',
          results.shipped,
          results.shipped.ms,
        ),
        row(
          'tsvector + GIN ranked by ts_rank_cd (before), in-process',
          results.tsRankCd,
          results.tsRankCd.ms,
        ),
        row('pg_textsearch BM25 index, in-process', results.bm25, results.bm25.ms),
      ],
    };
  } finally {
    await db.close();
    await local.close();
  }
}
