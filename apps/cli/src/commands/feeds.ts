import { join } from 'node:path';
import {
  createFeedFile,
  createPoliteFetch,
  type FeedList,
  type FeedPoll,
  isHttpUrl,
  loadSource,
  nextPollAt,
  pollDueFeeds,
} from '@articleqa/core';
import { configFor, type GlobalOptions, indexDirFor, openContext, openFeedList } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { createOutput, type Output } from '../output.js';

export interface FeedsCommandOptions extends GlobalOptions {
  json?: boolean;
}

export interface WatchCommandOptions extends GlobalOptions {
  /** Poll every feed this often instead of what each asks for. */
  every?: number;
}

/**
 * The followed feeds: beside the local index (`feeds.json`), or in the Postgres collection, where the
 * workers poll them. The Postgres table comes with the collection, so it is opened (and migrated) first.
 */
async function feedListFor(options: GlobalOptions): Promise<FeedList & { close?(): Promise<void> }> {
  const config = configFor(options);
  if (config.store.kind === 'local') return createFeedFile(join(indexDirFor(options, config), 'feeds.json'));
  const context = await openContext(options, { create: true, llm: false });
  await context.close();
  return openFeedList(config.store.url);
}

/** `articleqa feeds add <url...>`: checks each is a feed or sitemap, then follows it. */
export async function feedsAddCommand(urls: string[], options: FeedsCommandOptions): Promise<number> {
  const output = createOutput(options);
  const feeds = await feedListFor(options);
  const fetch = createPoliteFetch(globalThis.fetch);
  let failed = 0;
  try {
    for (const url of urls) {
      if (!isHttpUrl(url)) throw new UsageError(`${url} is not an http(s) URL: feeds are followed by URL.`);
      try {
        const loaded = await loadSource(url, { fetch });
        if (loaded.documents.length > 0 && loaded.links.length === 0)
          throw new UsageError(`${url} is an article, not a feed: add it with \`articleqa ingest ${url}\`.`);
        const { subscription, added } = await feeds.add(loaded.source);
        output.info(
          added
            ? `following ${subscription.url} (${loaded.links.length} entries); \`articleqa watch\` ingests them and checks for new ones`
            : `already following ${subscription.url}`,
        );
      } catch (error) {
        if (error instanceof UsageError) throw error;
        failed += 1;
        output.error(`${output.errColors.red('failed')} ${url}: ${(error as Error).message}`);
      }
    }
  } finally {
    await feeds.close?.();
  }
  return failed > 0 ? ExitCode.failure : ExitCode.ok;
}

/** `articleqa feeds list` */
export async function feedsListCommand(options: FeedsCommandOptions): Promise<number> {
  const output = createOutput(options);
  const feeds = await feedListFor(options);
  const subscriptions = await feeds.list().finally(() => feeds.close?.());
  if (options.json) {
    output.out(JSON.stringify(subscriptions, null, 2));
    return ExitCode.ok;
  }
  if (subscriptions.length === 0)
    output.info('No feeds followed. Add one with `articleqa feeds add <feed-url>`.');
  for (const feed of subscriptions) {
    const polled = feed.lastPolledAt ? `last polled ${feed.lastPolledAt}` : 'not polled yet';
    const every = feed.refreshSeconds ? ` · asks for every ${feed.refreshSeconds} s` : '';
    output.out(feed.url);
    output.out(`    ${output.colors.dim(`${polled} · next ${feed.nextPollAt}${every}`)}`);
    if (feed.lastError) output.out(`    ${output.colors.red(`last poll failed: ${feed.lastError}`)}`);
  }
  return ExitCode.ok;
}

/** `articleqa feeds remove <url...>`: stops following; what was ingested stays. */
export async function feedsRemoveCommand(urls: string[], options: FeedsCommandOptions): Promise<number> {
  const output = createOutput(options);
  const feeds = await feedListFor(options);
  let missing = 0;
  try {
    for (const url of urls) {
      if (await feeds.remove(url))
        output.info(`stopped following ${url} (its articles stay; remove them by id)`);
      else {
        missing += 1;
        output.error(`not followed: ${url} (see \`articleqa feeds list\`)`);
      }
    }
  } finally {
    await feeds.close?.();
  }
  return missing > 0 ? ExitCode.failure : ExitCode.ok;
}

/**
 * `articleqa watch`: polls each followed feed when it is due, ingests new and changed entries, and
 * logs one line per change, until SIGINT or SIGTERM (then it finishes the feed in hand and exits 0).
 */
export async function watchCommand(options: WatchCommandOptions): Promise<number> {
  if (configFor(options).store.kind === 'postgres')
    throw new UsageError(
      'With a Postgres store the workers poll the followed feeds: run `articleqa worker` (one poll per feed however many run).',
    );
  const feeds = await feedListFor(options);
  if ((await feeds.list()).length === 0)
    throw new UsageError('No feeds followed. Add one with `articleqa feeds add <feed-url>` first.');
  const context = await openContext(options, { create: true, llm: false });
  const { output } = context;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    output.info(output.errColors.dim('watching the followed feeds; Ctrl-C or SIGTERM stops'));
    while (!controller.signal.aborted) {
      let polls: FeedPoll[] = [];
      try {
        polls = await pollDueFeeds(context.qa, feeds, {
          signal: controller.signal,
          ...(options.every !== undefined ? { everySeconds: options.every } : {}),
        });
      } catch (error) {
        if (controller.signal.aborted) break;
        throw error;
      }
      for (const poll of polls) logPoll(output, poll);
      const next = await nextPollAt(feeds);
      await sleepUntil(next, controller.signal);
    }
    output.info(output.errColors.dim('stopped watching'));
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await context.close();
  }
}

function logPoll(output: Output, poll: FeedPoll): void {
  const colors = output.errColors;
  if (poll.error) {
    output.error(`${colors.red('failed')} ${poll.url}: ${poll.error}`);
    return;
  }
  for (const change of poll.changes) {
    if (change.status === 'failed')
      output.error(`${colors.red('failed')} ${change.source}: ${change.reason ?? 'unknown reason'}`);
    else
      output.info(
        `${change.status === 'added' ? colors.green('added') : colors.cyan('updated')} ${change.title ?? ''} ${colors.dim(change.source)}`,
      );
  }
  output.verbose(
    `polled ${poll.url}: ${poll.entries} entries, ${poll.changes.length} changes; next ${poll.nextPollAt.toISOString()}`,
  );
}

/** Waits until `time` (at most a minute at a time, so a changed feed list is seen) or until aborted. */
function sleepUntil(time: Date | undefined, signal: AbortSignal): Promise<void> {
  const ms = Math.min(60_000, Math.max(0, (time?.getTime() ?? Date.now() + 60_000) - Date.now()));
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
