import { discoverSources, type IngestSummary, isArticleQAError } from '@articleqa/core';
import {
  configFor,
  type GlobalOptions,
  openContext,
  openIngestQueue,
  postgresUrlFor,
  waitForLock,
} from '../context.js';
import { ExitCode } from '../errors.js';
import { createOutput, type Output } from '../output.js';
import { createProgress } from '../progress.js';

export interface IngestCommandOptions extends GlobalOptions {
  json?: boolean;
  prune?: boolean;
  /** Read every file again, whatever its size and modification time. */
  reread?: boolean;
  wait?: number | boolean;
  /** Queue the sources for `articleqa worker` instead of ingesting them here. */
  queue?: boolean;
  /** Fetch pages even where robots.txt disallows articleqa. */
  ignoreRobots?: boolean;
}

/** Exit code of an ingest stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

/**
 * `articleqa ingest <paths|urls...>`. Ctrl-C stops it after what is in hand: batches already
 * committed stay, the summary says what they hold and how to finish; a second Ctrl-C exits at once
 * (the next ingest takes over the lock and repairs the vector file).
 */
export async function ingestCommand(inputs: string[], options: IngestCommandOptions): Promise<number> {
  if (options.queue) return queueCommand(inputs, options);
  const progress = createProgress(createOutput(options), 'Ingesting', {
    quiet: options.json === true || options.quiet === true,
  });
  // Until the first source is counted, say what is taking the time.
  progress.phase('Loading the embedding model');
  let context: Awaited<ReturnType<typeof openContext>>;
  try {
    context = await openContext(options, { create: true, llm: false });
  } catch (error) {
    progress.done();
    throw error;
  }
  progress.phase('Reading files');
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      progress.done();
      process.exit(INTERRUPTED);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  // Statuses are reported once a source's outcome is stored, so these count what a stop keeps.
  const reported = new Map<string, number>();
  let total = 0;
  try {
    const summary = await context.qa.ingest(inputs, {
      onProgress: (event) => {
        progress.update(event);
        if (event.type === 'discovered') total = event.total;
        if (event.type === 'source') reported.set(event.status, (reported.get(event.status) ?? 0) + 1);
      },
      prune: options.prune !== false,
      ...(options.reread ? { reread: true } : {}),
      waitForLock: waitForLock(options.wait),
      signal: controller.signal,
      ...(options.ignoreRobots ? { politeness: { respectRobots: false } } : {}),
    });
    progress.done();
    if (options.json) context.output.out(JSON.stringify(summary, null, 2));
    else printSummary(context.output, summary);
    return summary.failed > 0 ? ExitCode.failure : ExitCode.ok;
  } catch (error) {
    if (!(controller.signal.aborted && isArticleQAError(error, 'E_ABORTED'))) throw error;
    progress.done();
    printStopped(context.output, reported, total, options.json === true);
    return INTERRUPTED;
  } finally {
    process.off('SIGINT', onSignal);
    progress.done();
    await context.close();
  }
}

function printStopped(
  output: Output,
  reported: ReadonlyMap<string, number>,
  total: number,
  json: boolean,
): void {
  const count = (status: string) => reported.get(status) ?? 0;
  const done = [...reported.values()].reduce((sum, value) => sum + value, 0);
  if (json) {
    const counts = Object.fromEntries(
      ['added', 'updated', 'unchanged', 'duplicate', 'failed'].map((status) => [status, count(status)]),
    );
    output.out(JSON.stringify({ stopped: true, ...counts, notDone: Math.max(0, total - done) }, null, 2));
  }
  output.error(
    `Stopped: ${count('added')} added and ${count('updated')} updated are stored (${count('unchanged')} were unchanged); ${Math.max(0, total - done)} of ${total} sources not ingested.`,
  );
  output.error('Run the same command again to finish: what is stored is skipped, not embedded again.');
}

function printSummary(output: Output, summary: IngestSummary): void {
  const colors = output.errColors;
  const rows: [string, number, (text: string) => string][] = [
    ['added', summary.added, colors.green],
    ['updated', summary.updated, colors.cyan],
    ['unchanged', summary.unchanged, colors.dim],
    ['duplicate', summary.duplicates, colors.dim],
    ['removed', summary.removed, colors.yellow],
    ['failed', summary.failed, colors.red],
  ];
  for (const [label, count, paint] of rows)
    output.info(`  ${paint(label.padEnd(10))} ${String(count).padStart(6)}`);
  output.info(
    colors.dim(
      `  ${summary.chunksEmbedded} chunks embedded · ${summary.documents} documents, ${summary.chunks} chunks in the index · ${summary.seconds.toFixed(1)} s`,
    ),
  );
  const duplicates = summary.items.filter((entry) => entry.status === 'duplicate');
  for (const item of duplicates.slice(0, 10))
    output.info(
      colors.dim(`  duplicate ${item.source}: the same article as ${item.duplicateOf}, not stored twice`),
    );
  if (duplicates.length > 10)
    output.info(colors.dim(`  … and ${duplicates.length - 10} more duplicates (--json lists them)`));
  for (const item of summary.items.filter((entry) => entry.status === 'failed')) {
    output.error(`${colors.red('failed')} ${item.source}: ${item.reason ?? 'unknown reason'}`);
  }
  if (summary.skipped.length > 0) {
    output.info(
      colors.dim(
        `  skipped ${summary.skipped.length} file(s) with unsupported extensions (e.g. ${summary.skipped[0]})`,
      ),
    );
  }
}

/**
 * `articleqa ingest --queue <paths|urls...>`: one job per source for the workers, nothing embedded
 * here. Folders are expanded now and paths made absolute, since workers may run in other directories
 * (the files must be readable where they run).
 */
async function queueCommand(inputs: string[], options: IngestCommandOptions): Promise<number> {
  const output = createOutput(options);
  const url = postgresUrlFor(configFor(options), 'ingest --queue');
  const { sources, failures, skipped } = await discoverSources(inputs, { cwd: process.cwd() });
  const queue = await openIngestQueue(url);
  let queued: number;
  try {
    queued = await queue.enqueue(sources);
  } finally {
    await queue.close();
  }
  const alreadyWaiting = sources.length - queued;
  const failed = failures.map(({ source, error }) => ({ source, reason: error.message }));
  if (options.json) {
    output.out(JSON.stringify({ queued, alreadyWaiting, failed, skipped: skipped.length }, null, 2));
  } else {
    const colors = output.errColors;
    output.info(
      `queued ${queued} source${queued === 1 ? '' : 's'}${alreadyWaiting > 0 ? colors.dim(` (${alreadyWaiting} already waiting)`) : ''}`,
    );
    if (skipped.length > 0)
      output.info(
        colors.dim(`  skipped ${skipped.length} file(s) with unsupported extensions (e.g. ${skipped[0]})`),
      );
    for (const failure of failed)
      output.error(`${colors.red('failed')} ${failure.source}: ${failure.reason}`);
  }
  return failed.length > 0 ? ExitCode.failure : ExitCode.ok;
}
