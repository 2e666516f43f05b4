import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import {
  type ArticleQA,
  type ArticleQAConfig,
  type ArticleStore,
  ConfigError,
  createLocalStore,
  createModels,
  type IngestSummary,
  openArticleQA,
  resolveConfig,
  type StoreConfig,
} from '@articleqa/core';
import type { IngestQueue, PostgresFeedList } from '@articleqa/store-postgres';
import { UsageError } from './errors.js';
import { createOutput, type Output } from './output.js';
import { createProgress } from './progress.js';

/** Flags every command accepts. */
export interface GlobalOptions {
  index?: string;
  /** A postgres:// URL: the collection lives there instead of the index directory. */
  store?: string;
  quiet?: boolean;
  verbose?: boolean;
}

/** What a command runs with. */
export interface CommandContext {
  qa: ArticleQA;
  config: ArticleQAConfig;
  output: Output;
  indexDir: string;
  close(): Promise<void>;
}

/** The configuration from the environment, with `--store` overriding ARTICLEQA_STORE. */
export function configFor(globals: GlobalOptions): ArticleQAConfig {
  return resolveConfig(globals.store ? { ...process.env, ARTICLEQA_STORE: globals.store } : process.env);
}

/**
 * The Postgres URL of the store, for the commands that need one (the ingest queue lives beside the
 * collection); a usage error when the collection is local.
 */
export function postgresUrlFor(config: ArticleQAConfig, what: string): string {
  if (config.store.kind === 'postgres') return config.store.url;
  throw new UsageError(
    `${what} needs a Postgres store: set ARTICLEQA_STORE=postgres://... or pass --store <url>.`,
  );
}

/**
 * The ingest queue on the store's Postgres (pg-boss, in its own schema). Loaded only when asked for,
 * like the store itself.
 */
export async function openIngestQueue(
  url: string,
  options: { onError?: (error: Error) => void } = {},
): Promise<IngestQueue> {
  const { createIngestQueue } = await postgresPackage();
  return createIngestQueue({ connectionString: url, ...options });
}

/**
 * The (unopened) store a setting names: Postgres for a URL, else the local index in `indexDir`. The
 * Postgres package loads only when asked for: a local user never loads pg.
 */
export async function storeFor(store: StoreConfig, indexDir: string): Promise<ArticleStore> {
  if (store.kind === 'local') return createLocalStore({ dir: indexDir });
  const { createPostgresStore } = await postgresPackage();
  return createPostgresStore({ connectionString: store.url });
}

/** The followed feeds of a Postgres collection (its `feeds` table). Loaded only when asked for. */
export async function openFeedList(url: string): Promise<PostgresFeedList> {
  const { PostgresFeedList } = await postgresPackage();
  return new PostgresFeedList({ connectionString: url });
}

/**
 * @articleqa/store-postgres, an optional peer dependency: a local user installs neither it nor pg.
 * @throws ConfigError with the install command when it is missing.
 */
async function postgresPackage(): Promise<typeof import('@articleqa/store-postgres')> {
  try {
    return await import('@articleqa/store-postgres');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String(error).includes('@articleqa/store-postgres')) throw error;
    throw new ConfigError(
      'A Postgres store needs the package @articleqa/store-postgres, which is not installed.',
      {
        cause: error,
        hint: 'Install it where articleqa is installed (npm install -g @articleqa/store-postgres), or unset ARTICLEQA_STORE to use the local index.',
      },
    );
  }
}

/** Milliseconds to wait for the write lock, from `--wait [seconds]` (no value: no limit). */
export function waitForLock(wait: number | boolean | undefined): number {
  if (wait === true) return Number.POSITIVE_INFINITY;
  return typeof wait === 'number' ? wait * 1000 : 0;
}

/** The index directory: --index, else ARTICLEQA_INDEX, else .articleqa in the current directory. */
export function indexDirFor(globals: GlobalOptions, config: ArticleQAConfig): string {
  return resolve(globals.index ?? config.indexDir ?? '.articleqa');
}

/**
 * Reads configuration once, builds the models and opens the index. Commands that only read refuse
 * a missing index (`create: false`) so a typo in --index does not silently create an empty one.
 */
export async function openContext(
  globals: GlobalOptions,
  options: { create: boolean; llm?: boolean },
): Promise<CommandContext> {
  const output = createOutput(globals);
  const config = configFor(globals);
  const indexDir = indexDirFor(globals, config);
  const { chat, ...offline } = config;
  const { embedder, chatModel, reader } = createModels(
    options.llm === false || !chat ? offline : { ...offline, chat },
  );
  const store = config.store.kind === 'postgres' ? await storeFor(config.store, indexDir) : undefined;
  const qa = await openArticleQA({
    ...(store ? { store } : { dir: indexDir }),
    embedder,
    create: options.create,
    ...(chatModel && options.llm !== false ? { chatModel } : {}),
    // Loads nothing until a question is read, so commands that never ask pay nothing for it.
    ...(reader ? { reader } : {}),
  });
  return {
    qa,
    config,
    output,
    indexDir,
    close: async () => {
      await qa.close();
      await embedder.close?.();
      await reader?.close?.();
    },
  };
}

/**
 * The first-use path: when the index is empty and a corpus folder exists, build the index from it,
 * saying so in one line (a transient bar on a TTY; counts with --verbose; failures always). Returns
 * the summary, or undefined when nothing was needed.
 */
export async function ensureCorpusIndexed(
  context: CommandContext,
  corpus: string,
): Promise<IngestSummary | undefined> {
  if ((await context.qa.stats()).documents > 0) return undefined;
  const corpusDir = resolve(corpus);
  if (!existsSync(corpusDir)) return undefined;
  const { output } = context;
  const shown = relative(process.cwd(), corpusDir) || '.';
  output.info(output.errColors.dim(`No index yet: building it from ${shown}/ (first use)…`));
  const progress = createProgress(output, 'Indexing', { lines: false });
  try {
    const summary = await context.qa.ingest([corpusDir], { onProgress: progress.update });
    progress.done();
    output.verbose(
      `Indexed ${summary.documents} article${summary.documents === 1 ? '' : 's'} (${summary.chunks} chunks) in ${summary.seconds.toFixed(1)} s.`,
    );
    for (const item of summary.items.filter((entry) => entry.status === 'failed'))
      output.error(
        `${output.errColors.yellow('skipped')} ${item.source}: ${item.reason ?? 'unknown reason'}`,
      );
    return summary;
  } catch (error) {
    progress.done();
    throw error;
  }
}
