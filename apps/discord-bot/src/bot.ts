import { join } from 'node:path';
import { Client, type ClientOptions, Events, GatewayIntentBits, Options, Partials, Status } from 'discord.js';
import type { Logger } from 'pino';
import { AdminTasks } from './admin/admin-tasks.js';
import { startFeedPoller } from './admin/feed-poller.js';
import { type BotContext, NO_MENTIONS } from './bot-context.js';
import type { Collections } from './collections/guild-collections.js';
import { registerCommands } from './commands/index.js';
import type { BotConfig } from './config.js';
import { DefaultDeliveryRetryOptions, type DeliveryRetryOptions } from './delivery/deliver.js';
import * as interactionCreate from './events/interaction-create.js';
import * as messageCreate from './events/message-create.js';
import * as ready from './events/ready.js';
import { AnswerStore } from './feedback/answer-store.js';
import { FeedbackLog } from './feedback/feedback-log.js';
import { type DrainSummary, QuestionGate } from './limits/question-gate.js';
import { BotMetrics } from './operations/metrics.js';
import type { HealthReport } from './operations/operations-server.js';
import { PermissionReminders } from './permissions/channel-permissions.js';

/** The gateway refused the bot before it was ready; `code` follows discord.js's error codes. */
export class GatewayRefusedError extends Error {
  readonly code: 'TokenInvalid' | 'DisallowedIntents' | 'GatewayClosed';
  /** The WebSocket close code Discord sent (4004 authentication failed, 4014 disallowed intents...). */
  readonly closeCode: number;

  constructor(closeCode: number) {
    const code =
      closeCode === 4004 ? 'TokenInvalid' : closeCode === 4014 ? 'DisallowedIntents' : 'GatewayClosed';
    super(`The Discord gateway closed the connection before ready (close code ${closeCode}).`);
    this.name = 'GatewayRefusedError';
    this.code = code;
    this.closeCode = closeCode;
  }
}

/** Options of {@link createBot}. */
export interface CreateBotOptions {
  /** The collection each guild asks and manages. */
  collections: Collections;
  config: BotConfig;
  logger: Logger;
  /**
   * Extra discord.js client options, merged over the bot's. Tests pass `rest: { api }` and
   * `waitGuildTimeout: 0` to talk to the simulator.
   */
  clientOptions?: Partial<ClientOptions>;
  /** Clock for cooldowns. @defaultValue Date.now */
  now?: () => number;
  /** Retries of answers Discord did not take. @defaultValue DefaultDeliveryRetryOptions */
  deliveryRetry?: Partial<DeliveryRetryOptions>;
  /** Where the bot counts what it does. @defaultValue new BotMetrics() (without Node's process metrics) */
  metrics?: BotMetrics;
}

/** A bot built by {@link createBot}. */
export interface Bot {
  readonly client: Client;
  /** The admission gate shared by all handlers (exposed for metrics and tests). */
  readonly gate: QuestionGate;
  readonly metrics: BotMetrics;
  /** `ok` while connected and taking questions; what `/healthz` serves. */
  health(): HealthReport;
  /** Logs in and resolves once the bot is ready; registers commands first when configured to. */
  start(): Promise<void>;
  /**
   * Stops taking questions, lets those in flight finish until `timeoutMs`, cancels the rest, then
   * disconnects. The QA service is the caller's to close.
   */
  stop(options?: { timeoutMs?: number }): Promise<DrainSummary>;
}

/**
 * Builds the bot: one discord.js client, one admission gate and the event handlers around the guilds'
 * collections. Nothing connects until `start()`.
 *
 * @example
 * const bot = createBot({ collections, config, logger });
 * await bot.start();
 * process.once('SIGTERM', () => bot.stop({ timeoutMs: 10_000 }));
 */
export function createBot(options: CreateBotOptions): Bot {
  const { config, logger } = options;
  // DirectMessages only so a DM gets its one-line pointer to a server (DM content needs no privileged intent).
  const intents = [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.DirectMessages,
  ];
  // Mentions carry their content without the privileged intent; follow-ups in threads do not mention
  // the bot, so thread mode needs Message Content (enable it in the Developer Portal).
  if (config.threadMode) intents.push(GatewayIntentBits.MessageContent);
  const client = new Client({
    intents,
    allowedMentions: { ...NO_MENTIONS },
    // A DM channel is not cached before its first message: without the partial, discord.js drops the message.
    partials: [Partials.Channel],
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 50 }),
    ...options.clientOptions,
  });
  const gate = new QuestionGate({
    cooldownSeconds: config.cooldownSeconds,
    guildConcurrency: config.guildConcurrency,
    queueSize: config.queueSize,
    maxAnswers: config.maxAnswers,
    globalQueueSize: config.globalQueueSize,
    maxQuestionLength: config.maxQuestionLength,
    ...(options.now ? { now: options.now } : {}),
  });
  const metrics = options.metrics ?? new BotMetrics();
  metrics.observe({ answering: () => gate.answering, waiting: () => gate.waiting });
  const context: BotContext = {
    // Replaced by the guild's own for each event (forGuild); outside a guild, the shared one, if any.
    qa: options.collections.qa(null),
    collections: options.collections,
    config,
    logger,
    gate,
    deliveryRetry: { ...DefaultDeliveryRetryOptions, ...options.deliveryRetry },
    metrics,
    permissionReminders: new PermissionReminders(options.now ? { now: options.now } : {}),
    answers: new AnswerStore(config.dataDir),
    feedback: new FeedbackLog(join(config.dataDir, 'feedback.jsonl')),
    feeds: options.collections.feeds(null),
    adminTasks: new AdminTasks(),
  };

  client.once(ready.name, (readyClient) => ready.execute(context, readyClient));
  client.on(interactionCreate.name, (interaction) => void interactionCreate.execute(context, interaction));
  client.on(messageCreate.name, (message) => void messageCreate.execute(context, message));
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (warning) => logger.warn(warning));
  // discord.js spaces requests by the rate-limit headers of earlier answers and says so with
  // `rateLimited`: normal under load, not a problem. A 429 means the limits were really overrun.
  client.rest.on('rateLimited', (info) =>
    logger.debug(
      { route: info.route, waitMs: info.timeToReset, global: info.global },
      'waiting for a Discord rate-limit bucket',
    ),
  );
  // discord.js hands this listener a shallow copy of undici's response (its default strategy): cheap.
  client.rest.on('response', (request, response) => {
    if (response.status !== 429) return;
    const global = response.headers.get('x-ratelimit-global') === 'true';
    metrics.discordRateLimits.inc({ global: String(global) });
    logger.warn(
      {
        route: request.route,
        method: request.method,
        retryAfterSeconds: Number(response.headers.get('retry-after') ?? Number.NaN),
        global,
        scope: response.headers.get('x-ratelimit-scope'),
      },
      'Discord answered 429 Too Many Requests',
    );
  });

  let started = false;
  let stopping = false;
  let stopPolling: () => void = () => {};
  return {
    client,
    gate,
    metrics,
    health() {
      const connected = client.ws.status === Status.Ready;
      const status = stopping ? 'stopping' : connected ? 'ok' : started ? 'disconnected' : 'starting';
      return {
        status,
        guilds: client.guilds.cache.size,
        gatewayPingMs: client.ws.ping,
        answering: gate.answering,
        waiting: gate.waiting,
      };
    },
    async start() {
      await context.answers.open();
      const ready = waitForReady(client);
      try {
        await client.login(config.discordToken);
        await ready.promise;
      } finally {
        ready.dispose();
      }
      started = true;
      stopPolling = startFeedPoller(context);
      client.on(Events.ShardDisconnect, (event, shardId) =>
        logger.error(
          { shardId, closeCode: event.code },
          'gateway closed the connection for good; restart the bot',
        ),
      );
      if (config.registerOnStart) {
        const count = await registerCommands(client.rest, {
          applicationId: config.applicationId,
          guildId: config.guildId,
          maxQuestionLength: config.maxQuestionLength,
        });
        logger.info({ count, scope: config.guildId ? 'guild' : 'global' }, 'slash commands registered');
      }
    },
    async stop({ timeoutMs = config.shutdownTimeoutSeconds * 1000 } = {}) {
      stopping = true;
      stopPolling();
      // Answers and admin tasks (ingests) in flight get the same time to finish before they are cancelled.
      const [summary] = await Promise.all([
        gate.close({ timeoutMs }),
        context.adminTasks.close({ timeoutMs }),
      ]);
      await client.destroy();
      return summary;
    },
  };
}

/**
 * Resolves on `clientReady`; rejects when a shard disconnects for good first (wrong token at the gateway,
 * intents not enabled), which `login()` alone would not report.
 */
function waitForReady(client: Client): { promise: Promise<void>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<void>((resolve, reject) => {
    const onReady = () => resolve();
    const onDisconnect = (event: { code: number }) => reject(new GatewayRefusedError(event.code));
    client.once(Events.ClientReady, onReady);
    client.once(Events.ShardDisconnect, onDisconnect);
    dispose = () => {
      client.off(Events.ClientReady, onReady);
      client.off(Events.ShardDisconnect, onDisconnect);
    };
  });
  return { promise, dispose };
}
