import { AbortError, IndexError, type LockOptions } from '@articleqa/core';
import type pg from 'pg';

/** The first half of every articleqa advisory-lock key ("aqa" in ASCII), so other apps' keys rarely collide. */
export const LOCK_CLASS_ID = 0x617161;

const POLL_MS = 100;

/** Holder of the lock as the server reports it, for the message. */
interface LockHolder {
  pid: number;
  host: string | null;
  application: string | null;
  since: string | null;
}

/**
 * The single-writer lock of one collection: a Postgres session-level advisory lock
 * (`pg_try_advisory_lock`) taken on a connection kept out of the pool until {@link release}. The server
 * owns it: it excludes writers on every host, and it is released when the holding connection ends,
 * however the process ended (a killed writer's lock is free at once, with no staleness timeout).
 *
 * Writes go through {@link run} on the same connection, so a write after the connection was lost fails
 * instead of racing a writer that took the lock meanwhile.
 */
export class AdvisoryWriteLock {
  readonly #pool: pg.Pool;
  readonly #key: readonly [number, number];
  readonly #location: string;
  #client: pg.PoolClient | undefined;
  #onError: ((error: Error) => void) | undefined;
  #lost: Error | undefined;

  /**
   * @param pool - Where the lock connection comes from; it is held for as long as the lock, so the pool
   * needs room for one more connection than the reads use.
   * @param name - What is locked (the collection's schema); the same name gives the same key everywhere.
   * @param location - The server, password masked, for messages.
   */
  constructor(pool: pg.Pool, name: string, location: string) {
    this.#pool = pool;
    this.#key = [LOCK_CLASS_ID, lockKey(name)];
    this.#location = location;
  }

  /** The two `int4` halves of the advisory-lock key, as `pg_locks` shows them (`classid`, `objid`). */
  get key(): readonly [number, number] {
    return this.#key;
  }

  /** True between a successful {@link acquire} and {@link release}. */
  get held(): boolean {
    return this.#client !== undefined;
  }

  /**
   * Takes the lock, polling until `waitMs` has passed while another session holds it.
   * @throws IndexError `E_INDEX_LOCKED` while another writer holds it; AbortError when `signal` aborts.
   */
  async acquire(options: LockOptions = {}): Promise<void> {
    if (this.#client) return;
    const { signal } = options;
    const deadline = Date.now() + (options.waitMs ?? 0);
    throwIfAborted(signal);
    const client = await this.#pool.connect();
    this.#lost = undefined;
    // A checked-out client without an error listener takes the process down when its connection dies.
    const onError = (error: Error) => {
      this.#lost = error;
    };
    client.on('error', onError);
    try {
      for (;;) {
        if (this.#lost) throw this.#lost;
        if (await this.#tryLock(client)) break;
        const remaining = deadline - Date.now();
        if (!(remaining > 0)) throw await this.#lockedError(client);
        await pause(Math.min(POLL_MS, remaining), signal);
      }
    } catch (error) {
      const expected = error instanceof IndexError || error instanceof AbortError;
      // A connection that failed is closed rather than handed to the next reader.
      client.release(expected && !this.#lost ? undefined : true);
      client.off('error', onError);
      if (expected) throw error;
      throw new IndexError(
        'E_INDEX_LOCKED',
        this.#location,
        `Could not lock the collection at ${this.#location}.`,
        {
          cause: error,
        },
      );
    }
    this.#client = client;
    this.#onError = onError;
  }

  /**
   * Runs `work` in one transaction on the lock's connection: committed whole, or rolled back.
   * @throws IndexError `E_INDEX_LOCKED` when the lock's connection was lost (another writer may hold it now).
   */
  async run<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = this.#client;
    if (!client) throw new Error('PostgresStore: write without the lock (call lock() first).');
    this.#assertAlive();
    try {
      await client.query('BEGIN');
    } catch (error) {
      throw this.#lostError(error);
    }
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (this.#lost) throw this.#lostError(error);
      throw error;
    }
  }

  /** Releases the lock and returns its connection to the pool (closing it when it failed). */
  async release(): Promise<void> {
    const client = this.#client;
    const onError = this.#onError;
    this.#client = undefined;
    this.#onError = undefined;
    if (!client) return;
    if (this.#lost) {
      client.release(true);
    } else {
      try {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [...this.#key]);
        client.release();
      } catch {
        // A connection that cannot unlock is closed, and closing it releases the lock on the server.
        client.release(true);
      }
    }
    // Removed after release: the pool has put its own listener back by then.
    if (onError) client.off('error', onError);
  }

  /**
   * One try. A server that runs several client connections on one session (PGlite's socket server, a
   * pooler in transaction mode) would grant a session lock to every one of them, as the lock is
   * re-entrant: a lock this session already holds counts as held by another writer, since this handle
   * took none.
   */
  async #tryLock(client: pg.PoolClient): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT CASE WHEN EXISTS (
         SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
           AND classid = $1::int4::oid AND objid = $2::int4::oid AND objsubid = 2
       ) THEN false ELSE pg_try_advisory_lock($1, $2) END AS locked`,
      [...this.#key],
    );
    return rows[0]?.locked === true;
  }

  async #lockedError(client: pg.PoolClient): Promise<IndexError> {
    const holder = await this.#holder(client);
    const who = holder
      ? `another session (server pid ${holder.pid}${holder.host ? ` from ${holder.host}` : ''}${holder.application ? `, ${holder.application}` : ''}${holder.since ? `, connected since ${holder.since}` : ''})`
      : 'another session';
    return new IndexError(
      'E_INDEX_LOCKED',
      this.#location,
      `The collection at ${this.#location} is locked: ${who} is writing to it.`,
      holder ? { details: { pid: holder.pid, host: holder.host, since: holder.since } } : {},
    );
  }

  /** Who holds the lock, when the server says (pg_stat_activity hides other users' rows from some roles). */
  async #holder(client: pg.PoolClient): Promise<LockHolder | undefined> {
    try {
      const { rows } = await client.query<{
        pid: number;
        host: string | null;
        application: string | null;
        since: Date | null;
      }>(
        `SELECT l.pid, host(a.client_addr) AS host, nullif(a.application_name, '') AS application,
           a.backend_start AS since
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid = $1::int4::oid
           AND l.objid = $2::int4::oid AND l.objsubid = 2
         LIMIT 1`,
        [...this.#key],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        pid: row.pid,
        host: row.host,
        application: row.application,
        since: row.since ? new Date(row.since).toISOString() : null,
      };
    } catch {
      return undefined;
    }
  }

  #assertAlive(): void {
    if (this.#lost) throw this.#lostError(this.#lost);
  }

  #lostError(cause: unknown): IndexError {
    return new IndexError(
      'E_INDEX_LOCKED',
      this.#location,
      `The write lock on ${this.#location} was lost: its connection to the server ended.`,
      { cause },
    );
  }
}

/**
 * A non-negative int4 from a name (FNV-1a, 31 bits), computed client-side so every version of every
 * client agrees on it.
 */
export function lockKey(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) & 0x7fffffff;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
