import { type ArticleQA, DefaultFollowFeedsOptions, type IngestSummary, pollFeed } from '@articleqa/core';
import type { PostgresFeedList } from '@articleqa/store-postgres';
import {
  configFor,
  type GlobalOptions,
  openContext,
  openFeedList,
  openIngestQueue,
  postgresUrlFor,
} from '../context.js';
import { ExitCode } from '../errors.js';
import type { Output } from '../output.js';

export type WorkerCommandOptions = GlobalOptions;

/** How often a worker looks for followed feeds that are due. */
const FEED_CHECK_MS = 15_000;

/** A job's source failed to load: the job fails, so the queue retries it, then dead-letters it. */
class SourceFailedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SourceFailedError';
  }
}

/**
 * `articleqa worker`: ingests queued sources until SIGTERM or SIGINT, then stops cleanly (the job in
 * hand finishes, or goes back to the queue) and exits 0. A second signal exits at once.
 */
export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const url = postgresUrlFor(configFor(options), 'articleqa worker');
  const controller = new AbortController();
  // Listening before the model loads, so a stop during start-up is a clean one too.
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      process.stderr.write(`${signal}: stopping after the job in hand…\n`);
      controller.abort();
      return;
    }
    process.stderr.write(
      `${signal} again: exiting now; jobs in hand go back to the queue when they expire.\n`,
    );
    process.exit(ExitCode.failure);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const context = await openContext(options, { create: true, llm: false });
    const { output } = context;
    const queue = await openIngestQueue(url, {
      onError: (error) => output.error(`${output.errColors.yellow('queue')} ${error.message}`),
    });
    try {
      output.info(
        output.errColors.dim(`worker: taking jobs from ${queue.location}; SIGTERM or Ctrl-C stops it`),
      );
      // One job at a time per process (the collection handle has one write lock); workers in other
      // processes load and embed at the same time and take turns only to write.
      // Followed feeds: every worker looks for due ones; each due feed goes to one of them, which
      // queues it like any source, so one poll happens per feed however many workers run.
      const feeds = await openFeedList(url);
      const queueDueFeeds = async () => {
        try {
          const due = await feeds.claimDue(new Date(), DefaultFollowFeedsOptions.defaultSeconds);
          if (due.length > 0) {
            await queue.enqueue(due.map((feed) => feed.url));
            output.verbose(`queued ${due.length} due feed(s)`);
          }
        } catch (error) {
          output.error(`${output.errColors.yellow('feeds')} ${(error as Error).message}`);
        }
      };
      const timer = setInterval(() => void queueDueFeeds(), FEED_CHECK_MS);
      void queueDueFeeds();
      try {
        await queue.work(ingestJob(context.qa, output, feeds), { signal: controller.signal, concurrency: 1 });
      } finally {
        clearInterval(timer);
        await feeds.close();
      }
      return ExitCode.ok;
    } finally {
      await queue.close();
      await context.close();
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/**
 * One job: `qa.ingest([source])`, logged in one line. A source that fails to load fails the job.
 * Jobs of one process take turns: the collection handle's write lock is one per handle (a second
 * ingest on the same handle would not wait for the first). The lock is held only while writing
 * (`lockScope: 'write'`), so workers elsewhere are not held up by this one's fetching and embedding.
 */
function ingestJob(
  qa: ArticleQA,
  output: Output,
  feeds: PostgresFeedList,
): (source: string, signal: AbortSignal) => Promise<void> {
  const colors = output.errColors;
  let turn: Promise<unknown> = Promise.resolve();
  return async (source, signal) => {
    // A followed feed is polled (fetched conditionally, its next poll recorded), any other source ingested.
    const followed = (await feeds.list()).find((feed) => feed.url === source);
    const writeOptions = { lockScope: 'write', waitForLock: Number.POSITIVE_INFINITY } as const;
    const ingest = (): Promise<IngestSummary> =>
      followed
        ? pollFeed(qa, feeds, followed, { ingest: writeOptions, signal }).then((poll) => poll.summary)
        : qa.ingest([source], { ...writeOptions, prune: false, signal });
    const ingesting = turn.then(ingest, ingest);
    turn = ingesting.catch(() => undefined);
    let summary: IngestSummary;
    try {
      summary = await ingesting;
    } catch (error) {
      if (signal.aborted)
        output.error(
          `${colors.yellow('released')} ${source}: stopped before it finished; it goes back to the queue`,
        );
      else
        output.error(
          `${colors.red('failed')} ${source}: ${error instanceof Error ? error.message : String(error)}`,
        );
      throw error;
    }
    const failed = summary.items.find((item) => item.status === 'failed');
    if (failed) {
      const reason = failed.reason ?? 'unknown reason';
      output.error(`${colors.red('failed')} ${source}: ${reason}`);
      throw new SourceFailedError(reason);
    }
    output.info(`ingested ${source}: ${describeOutcome(source, summary)}`);
  };
}

/** The source's own status; for a feed or sitemap, what its links came to. */
function describeOutcome(source: string, summary: IngestSummary): string {
  const own = summary.items.find((item) => item.source === source);
  if (own && own.status !== 'expanded') return own.status;
  const counts = new Map<string, number>();
  for (const item of summary.items)
    if (item.source !== source) counts.set(item.status, (counts.get(item.status) ?? 0) + 1);
  const parts = [...counts].map(([status, count]) => `${count} ${status}`);
  return parts.length > 0 ? `expanded (${parts.join(', ')})` : 'expanded';
}
