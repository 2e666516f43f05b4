import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { normalizeSource } from '../ingest/source-location.js';
import { ArticleQAError } from '../shared/errors.js';

/** A feed (or sitemap) being followed, and when it is next due. */
export interface FeedSubscription {
  /** The normalised feed URL. */
  url: string;
  addedAt: string;
  lastPolledAt?: string;
  /** One line, when the last poll failed. */
  lastError?: string;
  /** Seconds between polls the feed asks for (`ttl`, `sy:updatePeriod`, `Cache-Control: max-age`). */
  refreshSeconds?: number;
  /** When it is next due; a new subscription is due at once. */
  nextPollAt: string;
  /** The last response's validators: the next poll asks "changed since?" and a 304 costs nothing. */
  etag?: string;
  lastModified?: string;
}

/** Where subscriptions are kept: each call reads and writes the list whole. */
export interface FeedList {
  list(): Promise<FeedSubscription[]>;
  /** Adds a feed (due at once); an already followed URL is returned as it is. */
  add(url: string, now?: Date): Promise<{ subscription: FeedSubscription; added: boolean }>;
  /** False when the URL was not followed. */
  remove(url: string): Promise<boolean>;
  /** Replaces the stored entry of the same URL (ignored when it was removed meanwhile). */
  update(subscription: FeedSubscription): Promise<void>;
}

/**
 * A {@link FeedList} in one JSON file (the CLI keeps it beside the local index as `feeds.json`).
 * Each change reads the file, changes it and writes it to a temporary file renamed over the old one,
 * so a crash never leaves half a list; two processes changing it at the same instant can lose one
 * change (the file is small and changes are rare: an `add` while `watch` records a poll).
 */
export function createFeedFile(path: string): FeedList {
  const read = async (): Promise<FeedSubscription[]> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as { feeds?: FeedSubscription[] };
      return Array.isArray(parsed.feeds) ? parsed.feeds : [];
    } catch (error) {
      throw new ArticleQAError('E_INPUT', `${path} is not a valid feed list (${(error as Error).message}).`, {
        cause: error,
        hint: 'Fix or delete the file; it only lists the followed feeds.',
      });
    }
  };
  const write = async (feeds: readonly FeedSubscription[]) => {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ feeds }, null, 2)}\n`);
    await rename(temporary, path);
  };
  return {
    list: read,
    async add(url, now = new Date()) {
      const normalized = normalizeSource(url);
      const feeds = await read();
      const existing = feeds.find((feed) => feed.url === normalized);
      if (existing) return { subscription: existing, added: false };
      const subscription: FeedSubscription = {
        url: normalized,
        addedAt: now.toISOString(),
        nextPollAt: now.toISOString(),
      };
      await write([...feeds, subscription]);
      return { subscription, added: true };
    },
    async remove(url) {
      const normalized = normalizeSource(url);
      const feeds = await read();
      const kept = feeds.filter((feed) => feed.url !== normalized);
      if (kept.length === feeds.length) return false;
      await write(kept);
      return true;
    },
    async update(subscription) {
      const feeds = await read();
      if (!feeds.some((feed) => feed.url === subscription.url)) return;
      await write(feeds.map((feed) => (feed.url === subscription.url ? subscription : feed)));
    },
  };
}
