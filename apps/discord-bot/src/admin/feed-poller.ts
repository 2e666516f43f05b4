import type { BotContext } from '../bot-context.js';
import { publicOnlyFetch } from './url-guard.js';

/** How long a poll waits for another writer (an admin's ingest) before that feed waits for the next poll. */
const POLL_LOCK_WAIT_MS = 60_000;

/**
 * With a collection per guild, the bot polls the feeds its servers follow (the CLI's `watch` and
 * workers poll the shared collection only): every `ARTICLEQA_FEED_POLL_SECONDS` it ingests the due feeds
 * of each open collection, one poll at a time, as an admin task (shutdown waits for it, then cancels
 * it). Feed URLs get the same check as `/feeds add`. Returns a function that stops the polling.
 */
export function startFeedPoller(context: BotContext): () => void {
  const { collections, config, logger, adminTasks, gate } = context;
  const pollFeeds = collections.pollFeeds?.bind(collections);
  if (!pollFeeds || config.feedPollSeconds === 0) return () => {};
  const fetch = config.allowPrivateUrls ? globalThis.fetch : publicOnlyFetch();
  let polling = false;
  const poll = async () => {
    if (polling || !gate.accepting) return;
    polling = true;
    try {
      const results = await adminTasks.run((signal) =>
        pollFeeds({ fetch, waitForLock: POLL_LOCK_WAIT_MS, signal }),
      );
      for (const { guildId, polls } of results) {
        for (const { url, stored, failed, error } of polls) {
          if (error) logger.warn({ guildId, feed: url, error }, 'could not read a followed feed');
          else if (stored + failed > 0)
            logger.info({ guildId, feed: url, stored, failed }, 'followed feed polled');
        }
      }
    } catch (error) {
      logger.warn({ err: error }, 'polling the followed feeds failed');
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), config.feedPollSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
