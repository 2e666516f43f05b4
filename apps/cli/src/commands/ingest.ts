import type { IngestSummary } from '@articleqa/core';
import { type GlobalOptions, openContext, waitForLock } from '../context.js';
import { ExitCode } from '../errors.js';
import type { Output } from '../output.js';
import { createProgress } from '../progress.js';

export interface IngestCommandOptions extends GlobalOptions {
  json?: boolean;
  prune?: boolean;
  wait?: number | boolean;
}

/** `articleqa ingest <paths|urls...>` */
export async function ingestCommand(inputs: string[], options: IngestCommandOptions): Promise<number> {
  const context = await openContext(options, { create: true, llm: false });
  const progress = createProgress(context.output, 'Ingesting', {
    quiet: options.json === true || options.quiet === true,
  });
  try {
    const summary = await context.qa.ingest(inputs, {
      onProgress: progress.update,
      prune: options.prune !== false,
      waitForLock: waitForLock(options.wait),
    });
    progress.done();
    if (options.json) context.output.out(JSON.stringify(summary, null, 2));
    else printSummary(context.output, summary);
    return summary.failed > 0 ? ExitCode.failure : ExitCode.ok;
  } finally {
    progress.done();
    await context.close();
  }
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
