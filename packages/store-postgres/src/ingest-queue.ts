import { createHash } from 'node:crypto';
import { AbortError, ArticleQAError, ConfigError } from '@articleqa/core';
import pg from 'pg';
import type { JobInsert, PgBoss } from 'pg-boss';
import {
  type ConnectionTarget,
  connectionError,
  describeTarget,
  isConnectionFailure,
  maskPasswords,
  passwordsOf,
} from './connection-target.js';
import { quote } from './migrations.js';

/** The queue every source to ingest waits in: one job a source. */
export const INGEST_QUEUE = 'articleqa-ingest';
/** Where a job goes once its retries are spent: kept for a person to look at, never worked. */
export const INGEST_DEAD_LETTER_QUEUE = 'articleqa-ingest-dead-letter';

/** What a job carries. */
export interface IngestJobData {
  /** An absolute file path or an http(s) URL, as the worker will load it. */
  source: string;
}

/** Settings of {@link IngestQueue}. */
export interface IngestQueueOptions {
  /** `postgres://user:password@host:5432/database`; the queue makes its own connections. */
  connectionString: string;
  /**
   * The schema holding pg-boss's tables (created on first use). Collections in other schemas of the
   * same database can keep queues of their own under other names.
   * @defaultValue 'articleqa_queue'
   */
  schema?: string;
  /**
   * Retries of a failed job before it goes to the dead-letter queue. The queue's retry settings are
   * fixed when the queue is first created (by the first process to use the schema).
   * @defaultValue 3
   */
  retryLimit?: number;
  /**
   * Seconds before the first retry; each further retry waits about twice as long, with jitter
   * (pg-boss's `retryBackoff`).
   * @defaultValue 10
   */
  retryDelaySeconds?: number;
  /** Longest wait between two retries, in seconds. @defaultValue 300 */
  retryDelayMaxSeconds?: number;
  /**
   * Seconds a job may stay active before pg-boss fails it (and retries it). Long, since a job waits
   * for the collection's write lock while another ingest holds it.
   * @defaultValue 3600
   */
  expireInSeconds?: number;
  /**
   * A worker refreshes the jobs it holds this often (every half of it); a job whose worker went quiet
   * for this long (killed, host gone) is failed and retried by any worker's supervision pass.
   * @defaultValue 30
   */
  heartbeatSeconds?: number;
  /** How often an idle worker looks for jobs. pg-boss's minimum is 0.5. @defaultValue 1 */
  pollingIntervalSeconds?: number;
  /**
   * Errors pg-boss reports from its background work (a failed poll, maintenance, a lost connection),
   * with the password masked. The queue keeps going after them.
   * @defaultValue ignore them
   */
  onError?: (error: Error) => void;
}

/** Defaults of {@link IngestQueueOptions}. */
export const DefaultIngestQueueOptions = {
  schema: 'articleqa_queue',
  retryLimit: 3,
  retryDelaySeconds: 10,
  retryDelayMaxSeconds: 300,
  expireInSeconds: 3600,
  heartbeatSeconds: 30,
  pollingIntervalSeconds: 1,
} as const satisfies Required<Omit<IngestQueueOptions, 'connectionString' | 'onError'>>;

/** Options of {@link IngestQueue.enqueue}. */
export interface EnqueueOptions {
  /** Jobs of higher priority are fetched first. @defaultValue 0 */
  priority?: number;
}

/** Options of {@link IngestQueue.work}. */
export interface IngestWorkOptions {
  /** Jobs this process holds at once. @defaultValue 1 */
  concurrency?: number;
  /**
   * Stops the worker: no more jobs are fetched, the jobs in hand may finish for `graceMs`, then their
   * handlers' signals abort and the jobs go back to the queue as failed attempts (retried later).
   */
  signal: AbortSignal;
  /** How long jobs in hand may run on after `signal` aborts. @defaultValue 10000 */
  graceMs?: number;
}

/** Defaults of {@link IngestWorkOptions}. */
export const DefaultIngestWorkOptions = { concurrency: 1, graceMs: 10_000 } as const satisfies Required<
  Omit<IngestWorkOptions, 'signal'>
>;

/** Handles one job; a rejection fails the attempt (retried, then dead-lettered). */
export type IngestJobHandler = (source: string, signal: AbortSignal) => Promise<void>;

/** How many jobs are where, read from the job table itself (exact, not pg-boss's cached counts). */
export interface IngestQueueCounts {
  /** Queued or waiting for a retry. */
  waiting: number;
  /** Held by a worker now. */
  active: number;
  /** Done, within pg-boss's retention of completed jobs (7 days by default). */
  completed: number;
  /** Retries spent: these also went to the dead-letter queue. */
  failed: number;
  /** Jobs in the dead-letter queue. */
  deadLettered: number;
}

/** After the grace period, how long aborted handlers get to hand their jobs back before work() returns. */
const RELEASE_WAIT_MS = 3000;
/** Jobs a single insert statement carries. */
const INSERT_BATCH = 500;
const APPLICATION_NAME = 'articleqa-queue';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A queue of sources to ingest on the collection's own Postgres, on pg-boss: `enqueue` adds one job
 * per source (a source already waiting is not queued twice), workers on any host `work` them, a job
 * that fails is retried with exponential backoff and then moved to a dead-letter queue, and
 * `counts` says where the jobs are. Connections are made on first use; `close` ends them.
 *
 * @example
 * const queue = createIngestQueue({ connectionString });
 * await queue.enqueue(['/srv/articles/a.md', 'https://example.com/story.html']);
 * const controller = new AbortController();
 * await queue.work(async (source, signal) => { ... }, { signal: controller.signal });
 * await queue.close();
 */
export class IngestQueue {
  /** The server and queue schema, with the password masked. */
  readonly location: string;
  readonly #connectionString: string;
  readonly #passwords: string[];
  readonly #target: ConnectionTarget;
  readonly #settings: Required<Omit<IngestQueueOptions, 'connectionString' | 'onError'>>;
  readonly #onError: (error: Error) => void;
  #boss: Promise<PgBoss> | undefined;
  #working = false;
  #closed = false;

  constructor(options: IngestQueueOptions) {
    const schema = options.schema ?? DefaultIngestQueueOptions.schema;
    if (!SCHEMA_NAME.test(schema))
      throw new ConfigError(
        `The ingest queue's schema must be a lower-case Postgres name (letters, digits, _), not ${JSON.stringify(schema)}.`,
      );
    this.#target = describeTarget(options.connectionString);
    this.#connectionString = options.connectionString;
    this.#passwords = passwordsOf(options.connectionString);
    this.#settings = {
      ...DefaultIngestQueueOptions,
      ...withoutUndefined({ ...options, connectionString: undefined, onError: undefined }),
      schema,
    };
    this.#onError = options.onError ?? (() => undefined);
    this.location = `${this.#target.location} (queue schema ${schema})`;
  }

  /** The schema holding the queue's tables. */
  get schema(): string {
    return this.#settings.schema;
  }

  /**
   * Queues one job per source. A source whose job is still waiting (not yet fetched) is not queued
   * again; one being worked or waiting for a retry is (its content may have changed since).
   * @param sources - Absolute file paths (readable where the workers run) and http(s) URLs.
   * @returns How many jobs were queued: `sources` less those already waiting and repeats.
   */
  async enqueue(sources: readonly string[], options: EnqueueOptions = {}): Promise<number> {
    const unique = [...new Set(sources)];
    if (unique.length === 0) return 0;
    const boss = await this.#started(false);
    let queued = 0;
    try {
      for (let start = 0; start < unique.length; start += INSERT_BATCH) {
        const jobs: JobInsert<IngestJobData>[] = unique.slice(start, start + INSERT_BATCH).map((source) => ({
          data: { source },
          // Hashed: a btree entry is limited to about 2.7 kB, and a URL can be longer.
          singletonKey: createHash('sha256').update(source).digest('hex'),
          ...(options.priority !== undefined ? { priority: options.priority } : {}),
        }));
        // insert() ends in ON CONFLICT DO NOTHING, so with returnId only the new jobs' ids come back.
        const ids = await boss.insert(INGEST_QUEUE, jobs, { returnId: true });
        queued += ids?.length ?? 0;
      }
    } catch (error) {
      throw this.#wrap(error, 'Queueing sources');
    }
    return queued;
  }

  /**
   * Works jobs until `options.signal` aborts, then stops cleanly and resolves: it fetches no more
   * jobs, lets the jobs in hand finish for `graceMs`, then aborts their handlers' signals so they
   * fail and go back to the queue (a failed attempt, retried later), and resolves within a few
   * seconds of that even if a handler ignores its signal (pg-boss then fails the job on `close`).
   *
   * A queue object whose first use is `work` also supervises the queue: pg-boss's maintenance
   * (failing the jobs of workers that died, deleting old jobs) runs in worker processes only, so give
   * a worker a queue object of its own rather than one that has already queued sources.
   *
   * @param handler - Called once per job; a rejection fails the attempt.
   */
  async work(handler: IngestJobHandler, options: IngestWorkOptions): Promise<void> {
    const { signal } = options;
    const concurrency = options.concurrency ?? DefaultIngestWorkOptions.concurrency;
    const graceMs = options.graceMs ?? DefaultIngestWorkOptions.graceMs;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new ConfigError(`concurrency must be a whole number of 1 or more, not ${concurrency}.`);
    if (this.#working) throw new Error('IngestQueue.work() is already running on this queue object.');
    if (signal.aborted) return;
    this.#working = true;
    try {
      const boss = await this.#started(true);
      const inHand = new Set<AbortController>();
      // pg-boss waits out its polling interval after every job, even when more are waiting (its burst
      // modes need batches or cached counts): a worker that just finished a job looks again at once.
      // This object runs one work() at a time, so every worker on the queue here is ours.
      const fetchAgain = () => {
        for (const worker of boss.getWipData())
          if (worker.name === INGEST_QUEUE && !signal.aborted) boss.notifyWorker(worker.id);
      };
      try {
        await boss.work<IngestJobData>(
          INGEST_QUEUE,
          {
            batchSize: 1,
            localConcurrency: concurrency,
            pollingIntervalSeconds: this.#settings.pollingIntervalSeconds,
          },
          async (jobs) => {
            for (const job of jobs) {
              const source = job.data?.source;
              if (typeof source !== 'string' || source === '')
                throw new Error(`Job ${job.id} carries no source: ${JSON.stringify(job.data)}.`);
              const release = new AbortController();
              inHand.add(release);
              try {
                // job.signal aborts when pg-boss gives up on the job (expired, lost claim, stop).
                await handler(source, AbortSignal.any([job.signal, release.signal]));
              } finally {
                inHand.delete(release);
                fetchAgain();
              }
            }
          },
        );
      } catch (error) {
        throw this.#wrap(error, 'Starting the worker');
      }
      await aborted(signal);
      const drained = boss.offWork(INGEST_QUEUE, { wait: true });
      if (!(await settlesWithin(drained, graceMs))) {
        const reason = new AbortError('The worker is stopping: the job goes back to the queue.');
        for (const release of inHand) release.abort(reason);
        await settlesWithin(drained, RELEASE_WAIT_MS);
      }
    } finally {
      this.#working = false;
    }
  }

  /** Where the jobs are now: one statement over pg-boss's job table (all zero before first use). */
  async counts(): Promise<IngestQueueCounts> {
    const counts: IngestQueueCounts = { waiting: 0, active: 0, completed: 0, failed: 0, deadLettered: 0 };
    const client = new pg.Client({
      connectionString: this.#connectionString,
      application_name: APPLICATION_NAME,
    });
    // A connection that breaks after the query must not take the process down.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const table = `${quote(this.#settings.schema)}.job`;
      const { rows: found } = await client.query<{ installed: boolean }>(
        'SELECT to_regclass($1) IS NOT NULL AS installed',
        [table],
      );
      if (found[0]?.installed !== true) return counts;
      // pg-boss's own getQueueStats() serves counts cached for up to a minute even with `force`, too
      // stale to tell when a queue has drained; `job` is the parent of every queue's job table.
      const { rows } = await client.query<{ name: string; state: string; jobs: number }>(
        `SELECT name, state::text AS state, count(*)::int AS jobs FROM ${table}
         WHERE name = ANY($1::text[]) GROUP BY name, state`,
        [[INGEST_QUEUE, INGEST_DEAD_LETTER_QUEUE]],
      );
      for (const { name, state, jobs } of rows) {
        if (name === INGEST_DEAD_LETTER_QUEUE) {
          if (state !== 'cancelled') counts.deadLettered += jobs;
        } else if (state === 'created' || state === 'retry') counts.waiting += jobs;
        else if (state === 'active') counts.active += jobs;
        else if (state === 'completed') counts.completed += jobs;
        else if (state === 'failed') counts.failed += jobs;
      }
      return counts;
    } catch (error) {
      throw this.#wrap(error, 'Reading the ingest queue');
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Ends the queue's connections. Abort a running {@link work} first and wait for it: jobs still in
   * hand when `close` runs are failed at once (and retried later).
   */
  async close(): Promise<void> {
    this.#closed = true;
    const starting = this.#boss;
    this.#boss = undefined;
    const boss = await starting?.catch(() => undefined);
    await boss?.stop({ graceful: false, close: true }).catch((error: unknown) => {
      this.#onError(this.#masked(error));
    });
  }

  /** pg-boss, started (installing or migrating its schema when needed) and with both queues created. */
  #started(supervise: boolean): Promise<PgBoss> {
    if (this.#closed) return Promise.reject(new Error('The ingest queue is closed.'));
    this.#boss ??= this.#start(supervise).catch((error: unknown) => {
      this.#boss = undefined;
      throw error;
    });
    return this.#boss;
  }

  async #start(supervise: boolean): Promise<PgBoss> {
    const settings = this.#settings;
    // Loaded on first use (about 0.1 s): the store's other commands never pay for it.
    const { PgBoss } = await import('pg-boss');
    const boss = new PgBoss({
      connectionString: this.#connectionString,
      schema: settings.schema,
      application_name: APPLICATION_NAME,
      migrate: true,
      schedule: false,
      // Maintenance and the instance registry belong to the long-running workers, not to every
      // short `ingest --queue` or `stats`.
      supervise,
      registerInstance: supervise,
    });
    // An 'error' event without a listener would throw from pg-boss's background timers.
    boss.on('error', (error) => this.#onError(this.#masked(error)));
    try {
      await boss.start();
      await boss.createQueue(INGEST_DEAD_LETTER_QUEUE);
      // 'short': at most one waiting (created) job per singletonKey, any number active.
      await boss.createQueue(INGEST_QUEUE, {
        policy: 'short',
        retryLimit: settings.retryLimit,
        retryDelay: settings.retryDelaySeconds,
        retryBackoff: true,
        retryDelayMax: settings.retryDelayMaxSeconds,
        expireInSeconds: settings.expireInSeconds,
        heartbeatSeconds: settings.heartbeatSeconds,
        deadLetter: INGEST_DEAD_LETTER_QUEUE,
      });
    } catch (error) {
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw this.#wrap(error, 'Opening the ingest queue');
    }
    return boss;
  }

  /** A library's error as one of ours: the server named, the password masked, the cause kept. */
  #wrap(error: unknown, doing: string): Error {
    if (error instanceof ArticleQAError) return error;
    const masked = this.#masked(error);
    if (isConnectionFailure(error)) return connectionError(masked, this.#target);
    return new ConfigError(`${doing} at ${this.location} failed: ${masked.message}`, {
      cause: masked,
      details: { reason: 'queue', schema: this.#settings.schema },
    });
  }

  /** The error itself when its message shows no password; else a copy of it with the password masked. */
  #masked(error: unknown): Error {
    const original = error instanceof Error ? error : new Error(String(error));
    const message = maskPasswords(original.message, this.#passwords);
    if (message === original.message) return original;
    const copy = new Error(message);
    copy.name = original.name;
    const code = (original as { code?: unknown }).code;
    if (code !== undefined) Object.assign(copy, { code });
    return copy;
  }
}

/** Creates an {@link IngestQueue}; nothing connects until its first use. */
export function createIngestQueue(options: IngestQueueOptions): IngestQueue {
  return new IngestQueue(options);
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** True when `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
