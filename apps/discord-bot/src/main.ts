/**
 * The bot's process entry point (`node dist/main.js`): reads the environment once, validates it, builds
 * the object graph (core service, bot, logger) and handles shutdown. Exit codes: 0 after a clean
 * shutdown, 1 when something failed at run time (index, network), 2 when the configuration is invalid
 * or Discord rejects the token.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isArticleQAError } from '@articleqa/core';
import { DiscordAPIError, Events, REST, Routes } from 'discord.js';
import { createBot } from './bot.js';
import { AnswerStore } from './feedback/answer-store.js';
import { loadConfig } from './load-config.js';
import { createLogger } from './logger.js';
import { LLMMonitor } from './operations/llm-monitor.js';
import { BotMetrics } from './operations/metrics.js';
import { type OperationsServer, startOperationsServer } from './operations/operations-server.js';

const EXIT_FAILURE = 1;
const EXIT_CONFIG = 2;
/**
 * Signals this close together are one request. Under the ShardingManager a terminal's Ctrl-C (or a
 * service manager's SIGTERM to the whole group) reaches a shard twice within milliseconds: directly, and
 * passed on by the manager. Counting the copy as "a second signal: exit now" would skip the drain.
 */
const REPEATED_SIGNAL_WINDOW_MS = 2000;

/** One line on stderr for a person; the structured log is for operations. */
function fail(message: string): void {
  process.stderr.write(`articleqa-bot: ${message}\n`);
}

/** The bot's advice for core errors that carry none (the core names no commands or settings). */
const HINTS: Partial<Record<string, string>> = {
  E_INDEX_NOT_FOUND:
    'Build it first with the CLI (`articleqa ingest <paths|urls...>`) and point ARTICLEQA_INDEX at it.',
  E_INDEX_MISMATCH:
    'Start the bot with the embedder the index was built with (ARTICLEQA_EMBEDDER), or rebuild the index with `articleqa ingest`.',
};

/** An error as one line: a core error's message and hint (its own, else the bot's), or the message alone. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const own = (error as { hint?: unknown }).hint;
  const hint = typeof own === 'string' && own ? own : isArticleQAError(error) ? HINTS[error.code] : undefined;
  return hint ? `${error.message} ${hint}` : error.message;
}

async function main(): Promise<number | undefined> {
  // A shard of the ShardingManager (forked with an IPC channel) whose manager is gone, killed outright,
  // would run on as an orphan holding its gateway session: the channel closing means "stop". Until the
  // bot runs there is nothing to drain.
  let onManagerGone: () => void = () => process.exit(EXIT_FAILURE);
  if (process.send !== undefined) process.once('disconnect', () => onManagerGone());
  const loaded = loadConfig(fail);
  if (!loaded) return EXIT_CONFIG;
  const { config, env } = loaded;
  const logger = createLogger({ level: config.logLevel, secrets: [config.discordToken, env.OPENAI_API_KEY] });

  // The token is checked before the model and index load (seconds of CPU work that would also delay
  // this request), so a bad token fails at once. No sweeper timers: this client makes one request.
  const rest = new REST({
    version: '10',
    hashSweepInterval: 0,
    handlerSweepInterval: 0,
    ...(config.apiUrl ? { api: config.apiUrl } : {}),
  });
  rest.setToken(config.discordToken);
  try {
    await rest.get(Routes.user());
  } catch (error) {
    if (error instanceof DiscordAPIError && error.status === 401) {
      fail(
        'Discord rejected DISCORD_TOKEN (401 Unauthorized): reset the token in the Developer Portal and update DISCORD_TOKEN.',
      );
      return EXIT_CONFIG;
    }
    fail(`Could not reach Discord to check the token: ${describe(error)}`);
    return EXIT_FAILURE;
  }

  // The data folder (answers for their buttons, feedback) must be writable: found now, not at the first click.
  try {
    await mkdir(config.dataDir, { recursive: true });
    await access(config.dataDir, constants.W_OK);
  } catch (error) {
    fail(
      `Cannot write the bot's data folder ${resolve(config.dataDir)} (ARTICLEQA_BOT_DATA_DIR): ${describe(error)}`,
    );
    return EXIT_CONFIG;
  }

  // Loaded only now: the core brings the model runtime with it (about a second), which a process that
  // exits on a configuration error or a rejected token should not pay for.
  const { isCoreConfigError, openCollections } = await import('./open-qa.js');
  const metrics = new BotMetrics({ processMetrics: true });
  const llmMonitor = new LLMMonitor({ logger, metrics });
  let qa: Awaited<ReturnType<typeof openCollections>>;
  try {
    qa = await openCollections({
      env,
      indexDir: config.indexDir,
      mode: config.collections,
      readShared: config.readShared,
      chatBounds: {
        maxConcurrent: config.maxLLMCalls,
        deadlineMs: config.answerDeadlineSeconds * 1000,
        onCallEnd: llmMonitor.record,
      },
    });
  } catch (error) {
    if (isCoreConfigError(error)) {
      fail(describe(error));
      return EXIT_CONFIG;
    }
    fail(`Could not open the article index in ${config.indexDir}: ${describe(error)}`);
    return EXIT_FAILURE;
  }

  if (config.collections === 'per-guild') {
    logger.info(
      qa.shared
        ? { shared: qa.shared.location, documents: qa.shared.documents }
        : { shared: null, hint: 'build one with `articleqa ingest` to give every server the same articles' },
      qa.shared
        ? "each server asks its own articles and the operator's shared collection"
        : 'each server asks its own articles (no shared collection found)',
    );
  }
  metrics.observe({ llmCallsInFlight: () => qa.llmCallsInFlight() });
  const bot = createBot({
    collections: qa.collections,
    config,
    logger,
    metrics,
    ...(config.apiUrl ? { clientOptions: { rest: { api: config.apiUrl } } } : {}),
  });
  let operations: OperationsServer | undefined;
  let stopping = false;
  let firstSignalAt = 0;
  /** Drains and closes everything, then exits: idle keep-alive sockets must not hold the process. */
  const shutdown = async (reason: string, exitCode: number): Promise<void> => {
    stopping = true;
    try {
      logger.info({ reason, inFlight: bot.gate.inFlight }, 'shutting down');
      const summary = await bot.stop();
      await operations?.close();
      await qa.close();
      logger.info(summary, 'stopped');
      process.exit(exitCode);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(EXIT_FAILURE);
    }
  };
  const exitAfter = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (Date.now() - firstSignalAt < REPEATED_SIGNAL_WINDOW_MS) return;
      // A second signal means "now": skip the drain.
      logger.warn({ signal }, 'second signal, exiting immediately');
      process.exit(EXIT_FAILURE);
    }
    firstSignalAt = Date.now();
    void shutdown(signal, 0);
  };
  process.on('SIGINT', exitAfter);
  process.on('SIGTERM', exitAfter);
  onManagerGone = () => {
    if (!stopping) void shutdown('the sharding manager exited', EXIT_FAILURE);
  };

  if (config.metricsPort !== undefined) {
    // Under the ShardingManager each shard process serves its own metrics, shard N on port + N.
    const shard = Number(env.SHARDS?.split(',')[0] ?? 0) || 0;
    try {
      operations = await startOperationsServer({
        host: config.metricsHost,
        port: config.metricsPort + shard,
        registry: metrics.registry,
        health: () => bot.health(),
      });
    } catch (error) {
      await qa.close();
      fail(
        `Could not serve metrics on ${config.metricsHost}:${config.metricsPort + shard} (ARTICLEQA_METRICS_PORT): ${describe(error)}`,
      );
      return EXIT_FAILURE;
    }
    logger.info({ url: operations.url }, 'serving /metrics and /healthz');
  }

  try {
    await bot.start();
  } catch (error) {
    await bot.client.destroy();
    await operations?.close();
    await qa.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'TokenInvalid') {
      fail(
        'Discord rejected DISCORD_TOKEN: reset the token in the Developer Portal and update DISCORD_TOKEN.',
      );
      return EXIT_CONFIG;
    }
    if (code === 'DisallowedIntents') {
      fail(
        'Discord refused the gateway intents: enable Message Content for the bot in the Developer Portal, or turn ARTICLEQA_THREAD_MODE off.',
      );
      return EXIT_CONFIG;
    }
    fail(`Could not connect to Discord: ${describe(error)}`);
    return EXIT_FAILURE;
  }
  // The gateway gave up for good (token reset, intents revoked): exit non-zero so a supervisor restarts us.
  bot.client.on(Events.ShardDisconnect, () => {
    if (!stopping) void shutdown('gateway closed the connection for good', EXIT_FAILURE);
  });
  if (config.answerRetentionDays > 0) {
    const store = new AnswerStore(config.dataDir);
    const prune = () =>
      store.prune(config.answerRetentionDays * 86_400_000).then(
        (removed) => removed > 0 && logger.info({ removed }, 'pruned answers past their retention'),
        (error: unknown) => logger.warn({ err: error }, 'could not prune old answers'),
      );
    void prune();
    setInterval(prune, 86_400_000).unref();
  }
  // A handler bug must not take the bot down: log it and keep serving.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  logger.info('accepting questions');
  // Running: the client's connection keeps the process alive until a signal ends it.
  return undefined;
}

// On a start-up failure exit at once: idle keep-alive sockets to Discord would otherwise hold the
// process for seconds. While running, the signal handlers end the process.
main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    fail(describe(error));
    process.exit(EXIT_FAILURE);
  },
);
