import { resolve } from 'node:path';
import {
  type CopySummary,
  createModels,
  isArticleQAError,
  maskUrlPassword,
  openArticleQA,
  parseStoreConfig,
  type StoreConfig,
} from '@articleqa/core';
import { configFor, type GlobalOptions, indexDirFor, storeFor, waitForLock } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { createOutput } from '../output.js';
import { createBar } from '../progress.js';

export interface MigrateCommandOptions extends GlobalOptions {
  to?: string;
  from?: string;
  json?: boolean;
  wait?: number | boolean;
}

/** A collection: a Postgres URL, or a local index folder. */
interface Place {
  store: StoreConfig;
  dir: string;
  shown: string;
}

/** Exit code of a copy stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

/**
 * `articleqa migrate --to <url|dir>` copies the configured collection (the index folder, or
 * `--store`/ARTICLEQA_STORE) into another; `--from <url|dir>` copies another into it. Nothing is
 * embedded again; a stopped copy resumes when run again; the copy is verified before it reports.
 */
export async function migrateCommand(options: MigrateCommandOptions): Promise<number> {
  if ((options.to === undefined) === (options.from === undefined))
    throw new UsageError(
      'Give one of --to <postgres-url|dir> (copy this collection there) or --from <postgres-url|dir> (copy that one here).',
    );
  const output = createOutput(options);
  const config = configFor(options);
  const indexDir = indexDirFor(options, config);
  const here: Place = {
    store: config.store,
    dir: indexDir,
    shown: config.store.kind === 'postgres' ? maskUrlPassword(config.store.url) : indexDir,
  };
  const other = placeOf(options.to ?? options.from!, options.to !== undefined ? '--to' : '--from');
  if (samePlace(here, other))
    throw new UsageError(`${other.shown} is the collection itself: give another Postgres URL or folder.`);
  const [from, to] = options.to !== undefined ? [here, other] : [other, here];

  // Only the embedder's name and vector length are needed (a collection opens for one embedder).
  const { chat: _chat, ...offline } = config;
  const { embedder } = createModels(offline);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  const bar = createBar(output, 'Copying');
  let progress = { done: 0, total: 0 };
  try {
    const qa = await openArticleQA({
      ...(from.store.kind === 'postgres'
        ? { store: await storeFor(from.store, from.dir) }
        : { dir: from.dir }),
      embedder,
      create: false,
    });
    const target = await storeFor(to.store, to.dir);
    try {
      if (!options.quiet) output.info(output.errColors.dim(`Copying ${from.shown} into ${to.shown}…`));
      const summary = await qa.copyTo(target, {
        waitForLock: waitForLock(options.wait),
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'copied') {
            progress = event;
            if (output.stderrIsTTY && !options.quiet) bar.draw(event.done, event.total);
          } else {
            bar.clear();
            output.verbose(`Verifying: every document, and ${event.sample} compared vector by vector…`);
          }
        },
      });
      bar.clear();
      report(summary, options, output, to.shown);
      return summary.verification.problems.length > 0 ? ExitCode.failure : ExitCode.ok;
    } finally {
      await target.close();
      await qa.close();
    }
  } catch (error) {
    bar.clear();
    if (!isArticleQAError(error, 'E_ABORTED')) throw error;
    output.error(
      `Stopped after ${progress.done} of ${progress.total} documents; what was copied is kept. Run the same command again to resume.`,
    );
    return INTERRUPTED;
  } finally {
    process.off('SIGINT', onSignal);
    await embedder.close?.();
  }
}

function placeOf(value: string, flag: string): Place {
  if (/^postgres(ql)?:/i.test(value)) {
    const store = parseStoreConfig(value, flag);
    return { store, dir: '', shown: maskUrlPassword(value) };
  }
  const dir = resolve(value);
  return { store: { kind: 'local' }, dir, shown: dir };
}

function samePlace(a: Place, b: Place): boolean {
  if (a.store.kind === 'postgres' && b.store.kind === 'postgres') return a.store.url === b.store.url;
  return a.store.kind === 'local' && b.store.kind === 'local' && a.dir === b.dir;
}

function report(
  summary: CopySummary,
  options: MigrateCommandOptions,
  output: ReturnType<typeof createOutput>,
  target: string,
): void {
  if (options.json) {
    output.out(JSON.stringify(summary, null, 2));
    return;
  }
  const { verification } = summary;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  output.info(
    `Copied ${plural(summary.copied, 'document')} into ${target} (${summary.unchanged} already there, ${plural(summary.vectorsWritten, 'vector')} written) in ${summary.seconds.toFixed(1)} s.`,
  );
  if (summary.onlyInTarget > 0)
    output.info(
      `${plural(summary.onlyInTarget, 'document')} only in the target were kept (a copy adds and replaces, it never removes).`,
    );
  if (verification.problems.length === 0) {
    output.info(
      `Verified: all ${summary.documents} documents present with the same content and chunks; ${plural(verification.sampled, 'document')} (${plural(verification.vectorsCompared, 'vector')}) compared one by one, largest difference ${verification.maxVectorDifference}.`,
    );
    return;
  }
  output.error(`Verification found ${verification.problems.length} difference(s):`);
  for (const line of verification.problems) output.error(`  ${line}`);
}
