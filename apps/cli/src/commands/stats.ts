import type { IngestQueueCounts } from '@articleqa/store-postgres';
import { type GlobalOptions, openContext, openIngestQueue } from '../context.js';
import { ExitCode } from '../errors.js';

export interface StatsCommandOptions extends GlobalOptions {
  json?: boolean;
}

/** `articleqa stats` */
export async function statsCommand(options: StatsCommandOptions): Promise<number> {
  const context = await openContext(options, { create: false, llm: false });
  try {
    const stats = await context.qa.stats();
    const { store } = context.config;
    const queue = store.kind === 'postgres' ? await queueCounts(store.url) : undefined;
    if (options.json) {
      context.output.out(JSON.stringify(queue ? { ...stats, queue } : stats, null, 2));
      return ExitCode.ok;
    }
    const colors = context.output.colors;
    const rows: [string, string][] = [
      ['index', stats.location],
      ['documents', String(stats.documents)],
      ['chunks', String(stats.chunks)],
      ['vectors', `${stats.vectors} (identical chunk texts share one)`],
      [
        'sentences',
        `${stats.vectorsWithSentences} of ${stats.vectors} chunk vectors have per-sentence vectors`,
      ],
      ...(stats.bytesOnDisk !== undefined
        ? ([['size on disk', formatBytes(stats.bytesOnDisk)]] as [string, string][])
        : []),
      ['embedder', `${stats.embedder} (${stats.dimensions} dimensions)`],
      ['chunker', JSON.stringify(stats.chunker)],
      ['created', stats.createdAt],
      ['last ingest', stats.lastIngestAt ?? 'never'],
      ...(queue
        ? ([
            [
              'queue',
              `${queue.waiting} waiting, ${queue.active} active, ${queue.failed} failed, ${queue.deadLettered} dead-lettered (${queue.completed} completed)`,
            ],
          ] as [string, string][])
        : []),
    ];
    for (const [label, value] of rows) context.output.out(`${colors.dim(label.padEnd(13))} ${value}`);
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}

/** The ingest queue beside a Postgres collection (all zero when nothing was ever queued). */
async function queueCounts(url: string): Promise<IngestQueueCounts> {
  const queue = await openIngestQueue(url);
  try {
    return await queue.counts();
  } finally {
    await queue.close();
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
