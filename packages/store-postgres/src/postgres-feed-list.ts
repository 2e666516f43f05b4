import { type FeedList, type FeedSubscription, normalizeSource } from '@articleqa/core';
import pg from 'pg';
import {
  type ConnectionTarget,
  connectionError,
  describeTarget,
  isConnectionFailure,
} from './connection-target.js';
import { quote } from './migrations.js';

/** Settings of {@link PostgresFeedList}: the collection's database and schema (opened first by its store). */
export interface PostgresFeedListOptions {
  connectionString?: string;
  pool?: pg.Pool;
  /** @defaultValue 'articleqa' */
  schema?: string;
}

interface FeedRow {
  url: string;
  added_at: Date;
  last_polled_at: Date | null;
  last_error: string | null;
  refresh_seconds: number | null;
  next_poll_at: Date;
  etag: string | null;
  last_modified: string | null;
}

const toSubscription = (row: FeedRow): FeedSubscription => ({
  url: row.url,
  addedAt: row.added_at.toISOString(),
  nextPollAt: row.next_poll_at.toISOString(),
  ...(row.last_polled_at ? { lastPolledAt: row.last_polled_at.toISOString() } : {}),
  ...(row.last_error ? { lastError: row.last_error } : {}),
  ...(row.refresh_seconds !== null ? { refreshSeconds: row.refresh_seconds } : {}),
  ...(row.etag ? { etag: row.etag } : {}),
  ...(row.last_modified ? { lastModified: row.last_modified } : {}),
});

/**
 * The followed feeds of a Postgres collection, in its schema's `feeds` table (migration 3, made when a
 * {@link PostgresStore} opens the collection). Every CLI and worker shares the list, and
 * {@link PostgresFeedList.claimDue} hands each due feed to exactly one of the workers that ask.
 */
export class PostgresFeedList implements FeedList {
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #table: string;
  readonly #target: ConnectionTarget;

  constructor(options: PostgresFeedListOptions) {
    if (!options.pool && !options.connectionString)
      throw new Error('PostgresFeedList needs a connectionString or a pool.');
    this.#ownsPool = !options.pool;
    this.#pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 2 });
    this.#pool.on('error', () => undefined);
    this.#table = `${quote(options.schema ?? 'articleqa')}.feeds`;
    this.#target = describeTarget(options.connectionString, options.pool);
  }

  async list(): Promise<FeedSubscription[]> {
    const { rows } = await this.#query<FeedRow>(`SELECT * FROM ${this.#table} ORDER BY added_at, url`);
    return rows.map(toSubscription);
  }

  async add(url: string, now = new Date()): Promise<{ subscription: FeedSubscription; added: boolean }> {
    const normalized = normalizeSource(url);
    const inserted = await this.#query<FeedRow>(
      `INSERT INTO ${this.#table} (url, added_at, next_poll_at) VALUES ($1, $2, $2)
       ON CONFLICT (url) DO NOTHING RETURNING *`,
      [normalized, now],
    );
    if (inserted.rows[0]) return { subscription: toSubscription(inserted.rows[0]), added: true };
    const { rows } = await this.#query<FeedRow>(`SELECT * FROM ${this.#table} WHERE url = $1`, [normalized]);
    return { subscription: toSubscription(rows[0]!), added: false };
  }

  async remove(url: string): Promise<boolean> {
    const { rowCount } = await this.#query(`DELETE FROM ${this.#table} WHERE url = $1`, [
      normalizeSource(url),
    ]);
    return (rowCount ?? 0) > 0;
  }

  async update(subscription: FeedSubscription): Promise<void> {
    await this.#query(
      `UPDATE ${this.#table} SET last_polled_at = $2, last_error = $3, refresh_seconds = $4, next_poll_at = $5,
         etag = $6, last_modified = $7
       WHERE url = $1`,
      [
        subscription.url,
        subscription.lastPolledAt ?? null,
        subscription.lastError ?? null,
        subscription.refreshSeconds ?? null,
        subscription.nextPollAt,
        subscription.etag ?? null,
        subscription.lastModified ?? null,
      ],
    );
  }

  /**
   * Takes the feeds due at `now` and moves each one's next poll `leaseSeconds` ahead in the same
   * statement, so of any number of workers asking at once each feed goes to one (the row lock and
   * `SKIP LOCKED` make the others pass it by). The worker then queues the feed; its ingest records the
   * real next poll.
   */
  async claimDue(now = new Date(), leaseSeconds = 900, limit = 100): Promise<FeedSubscription[]> {
    const { rows } = await this.#query<FeedRow>(
      `UPDATE ${this.#table} f SET next_poll_at = $1::timestamptz + make_interval(secs => $2)
       WHERE f.url IN (
         SELECT url FROM ${this.#table} WHERE next_poll_at <= $1 ORDER BY next_poll_at LIMIT $3 FOR UPDATE SKIP LOCKED
       )
       RETURNING f.*`,
      [now, leaseSeconds, limit],
    );
    return rows.map(toSubscription);
  }

  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }

  async #query<Row extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> {
    try {
      return await this.#pool.query<Row>(text, values);
    } catch (error) {
      throw isConnectionFailure(error) ? connectionError(error, this.#target) : error;
    }
  }
}
