import type { ArticleQA } from '../article-qa.js';
import type { HttpValidators, IngestItem, IngestOptions, IngestSummary } from '../ingest/ingest-sources.js';
import type { FeedList, FeedSubscription } from './feed-list.js';

/** How {@link pollDueFeeds} spaces polls. */
export interface FollowFeedsOptions {
  /** Seconds between polls of a feed that says nothing of its own. @defaultValue 900 (15 minutes) */
  defaultSeconds?: number;
  /** Poll every feed this often instead, whatever it says (for tests and impatient users). */
  everySeconds?: number;
  /** Bounds on what a feed may ask for. @defaultValue 60 and 86400 */
  minSeconds?: number;
  maxSeconds?: number;
  now?: Date;
  signal?: AbortSignal;
  /** Passed to each ingest (politeness, waitForLock...). */
  ingest?: Omit<IngestOptions, 'signal' | 'prune'>;
}

/** Defaults of {@link FollowFeedsOptions}. */
export const DefaultFollowFeedsOptions = { defaultSeconds: 900, minSeconds: 60, maxSeconds: 86_400 } as const;

/** One feed polled: what changed in the collection, and when it is next due. */
export interface FeedPoll {
  url: string;
  /** The feed's entries that were added, updated or failed (unchanged ones are left out). */
  changes: IngestItem[];
  /** Entries seen in the feed (and sitemaps it led to). */
  entries: number;
  /** Set when the feed itself could not be read. */
  error?: string;
  nextPollAt: Date;
  /** The whole ingest, for callers that report it their own way. */
  summary: IngestSummary;
}

/**
 * Polls every feed that is due: ingests it (new and changed entries are stored; unchanged pages
 * answer 304 or hash the same and cost nothing), records the poll and when the feed is next due (its
 * own `ttl`, syndication period or `max-age`, else `defaultSeconds`, within the bounds), and returns
 * what changed. The caller decides when to call again ({@link nextPollAt}).
 */
export async function pollDueFeeds(
  qa: ArticleQA,
  feeds: FeedList,
  options: FollowFeedsOptions = {},
): Promise<FeedPoll[]> {
  const now = options.now ?? new Date();
  const due = (await feeds.list()).filter((feed) => new Date(feed.nextPollAt) <= now);
  const polls: FeedPoll[] = [];
  for (const subscription of due) {
    if (options.signal?.aborted) break;
    polls.push(await pollFeed(qa, feeds, subscription, options));
  }
  return polls;
}

/**
 * Polls one followed feed: ingests it conditionally with the validators its last poll kept, then
 * records the poll ({@link feedPolled}). What `pollDueFeeds` does for each due feed, and what a queue
 * worker does for a feed it was handed.
 */
export async function pollFeed(
  qa: ArticleQA,
  feeds: FeedList,
  subscription: FeedSubscription,
  options: FollowFeedsOptions = {},
): Promise<FeedPoll> {
  const validators = feedValidators(subscription);
  const summary = await qa.ingest([subscription.url], {
    ...options.ingest,
    ...(validators ? { validators: new Map([[subscription.url, validators]]) } : {}),
    prune: false,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const own = summary.items.find((item) => item.source === subscription.url);
  const updated = feedPolled(subscription, own, options.now ?? new Date(), options);
  await feeds.update(updated);
  const others = summary.items.filter((item) => item.source !== subscription.url);
  return {
    url: subscription.url,
    changes: others.filter((item) => ['added', 'updated', 'failed'].includes(item.status)),
    entries: others.filter((item) => item.status !== 'expanded').length,
    ...(updated.lastError ? { error: updated.lastError } : {}),
    nextPollAt: new Date(updated.nextPollAt),
    summary,
  };
}

/** When the next feed is due; undefined when none is followed. */
export async function nextPollAt(feeds: FeedList): Promise<Date | undefined> {
  const times = (await feeds.list()).map((feed) => new Date(feed.nextPollAt).getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

/**
 * A subscription after a poll: when it was polled, what it asks for, whether it failed, and when it is
 * next due (its own interval within the bounds, else the default; `everySeconds` overrides).
 * @param own - The ingest's item for the feed URL itself (`expanded`, or `failed`).
 */
function feedPolled(
  subscription: FeedSubscription,
  own: IngestItem | undefined,
  now: Date,
  options: Pick<FollowFeedsOptions, 'defaultSeconds' | 'everySeconds' | 'minSeconds' | 'maxSeconds'> = {},
): FeedSubscription {
  const settings = { ...DefaultFollowFeedsOptions, ...options };
  const error = own?.status === 'failed' ? (own.reason ?? 'unknown reason') : undefined;
  const refreshSeconds = own?.refreshSeconds ?? subscription.refreshSeconds;
  const seconds =
    options.everySeconds ??
    Math.min(settings.maxSeconds, Math.max(settings.minSeconds, refreshSeconds ?? settings.defaultSeconds));
  // A 304 ('unchanged') brings no validators: the ones that earned it stay.
  const etag = own?.validators ? own.validators.etag : subscription.etag;
  const lastModified = own?.validators ? own.validators.lastModified : subscription.lastModified;
  return {
    url: subscription.url,
    addedAt: subscription.addedAt,
    lastPolledAt: now.toISOString(),
    nextPollAt: new Date(now.getTime() + seconds * 1000).toISOString(),
    ...(refreshSeconds !== undefined ? { refreshSeconds } : {}),
    ...(error ? { lastError: error } : {}),
    ...(etag ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
  };
}

/** The validators a subscription kept from its last poll, for a conditional fetch. */
function feedValidators(subscription: FeedSubscription): HttpValidators | undefined {
  if (!subscription.etag && !subscription.lastModified) return undefined;
  return {
    ...(subscription.etag ? { etag: subscription.etag } : {}),
    ...(subscription.lastModified ? { lastModified: subscription.lastModified } : {}),
  };
}
