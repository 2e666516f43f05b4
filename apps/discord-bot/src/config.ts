/** Settings of the bot, read once from the environment by {@link parseConfig}. */
export interface BotConfig {
  /** DISCORD_TOKEN. Never logged or printed. */
  discordToken: string;
  /** DISCORD_APPLICATION_ID. */
  applicationId: string;
  /** DISCORD_GUILD_ID: register commands in this guild only (instant, for development). */
  guildId: string | undefined;
  /** DISCORD_API_URL: another Discord API base URL, for tests and proxies (`http://127.0.0.1:PORT/api`). */
  apiUrl: string | undefined;
  /** ARTICLEQA_ALLOWED_CHANNELS: channels where the bot answers; undefined means every channel it can see. */
  allowedChannels: ReadonlySet<string> | undefined;
  /** ARTICLEQA_THREAD_MODE: answer mentions in a new thread, where follow-ups keep the conversation. */
  threadMode: boolean;
  /** ARTICLEQA_COOLDOWN_SECONDS: per user, between accepted questions; 0 turns it off. */
  cooldownSeconds: number;
  /** ARTICLEQA_GUILD_CONCURRENCY: questions answered at once per guild. */
  guildConcurrency: number;
  /** ARTICLEQA_QUEUE_SIZE: questions waiting per guild beyond those being answered. */
  queueSize: number;
  /** ARTICLEQA_MAX_ANSWERS: questions answered at once in the whole process, across guilds. */
  maxAnswers: number;
  /** ARTICLEQA_GLOBAL_QUEUE_SIZE: questions waiting in the whole process once `maxAnswers` are running. */
  globalQueueSize: number;
  /** ARTICLEQA_MAX_LLM_CALLS: LLM calls in flight at once in the whole process. */
  maxLLMCalls: number;
  /** ARTICLEQA_ANSWER_DEADLINE_SECONDS: after this, an answer still waiting on the LLM is the offline one, with a note. */
  answerDeadlineSeconds: number;
  /** ARTICLEQA_MAX_QUESTION_LENGTH: longer questions are refused with a notice. */
  maxQuestionLength: number;
  /** ARTICLEQA_INDEX: the index directory built by `articleqa ingest`. */
  indexDir: string;
  /** DISCORD_REGISTER_COMMANDS_ON_START: register slash commands at every start (otherwise run `register`). */
  registerOnStart: boolean;
  /** ARTICLEQA_SHUTDOWN_TIMEOUT_SECONDS: how long in-flight answers may finish at shutdown before they are cancelled. */
  shutdownTimeoutSeconds: number;
  /**
   * ARTICLEQA_METRICS_PORT: serve `/metrics` and `/healthz` on this port (a sharded bot's shard N on
   * port + N); undefined: no server.
   */
  metricsPort: number | undefined;
  /** ARTICLEQA_METRICS_HOST: the address the metrics server binds. */
  metricsHost: string;
  /**
   * ARTICLEQA_COLLECTIONS: `per-guild` (each guild its own, which its admins manage, read beside the
   * operator's shared collection) or `shared` (every guild asks the operator's collection alone).
   */
  collections: 'shared' | 'per-guild';
  /**
   * ARTICLEQA_SHARED_COLLECTION (`on`/`off`): with per-guild collections, also read the operator's
   * collection (ARTICLEQA_INDEX, or ARTICLEQA_STORE's Postgres) in every guild, when it exists.
   */
  readShared: boolean;
  /**
   * ARTICLEQA_ADMIN_GUILDS: guilds whose members with Manage Server may change the collection with
   * `/articles` and `/feeds`; undefined: nobody (every server shares the one collection).
   */
  adminGuilds: ReadonlySet<string> | undefined;
  /** ARTICLEQA_ALLOW_PRIVATE_URLS: let `/articles add` and `/feeds add` fetch loopback and private addresses. */
  allowPrivateUrls: boolean;
  /**
   * ARTICLEQA_FEED_POLL_SECONDS: with per-guild collections, how often the bot looks for followed feeds
   * that are due (each feed is polled on its own schedule); 0: never.
   */
  feedPollSeconds: number;
  /** ARTICLEQA_BOT_DATA_DIR: where the bot keeps answers (for their buttons) and `feedback.jsonl`. */
  dataDir: string;
  /** ARTICLEQA_ANSWER_RETENTION_DAYS: answers older than this lose their buttons' data (0: kept forever). */
  answerRetentionDays: number;
  /** LOG_LEVEL: pino level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Defaults of the optional settings. */
export const DefaultBotConfig = {
  threadMode: false,
  cooldownSeconds: 10,
  guildConcurrency: 2,
  queueSize: 10,
  maxAnswers: 16,
  globalQueueSize: 200,
  maxLLMCalls: 16,
  answerDeadlineSeconds: 60,
  maxQuestionLength: 500,
  indexDir: '.articleqa',
  registerOnStart: false,
  shutdownTimeoutSeconds: 10,
  metricsHost: '127.0.0.1',
  allowPrivateUrls: false,
  collections: 'per-guild',
  readShared: true,
  feedPollSeconds: 60,
  dataDir: '.articleqa-bot',
  answerRetentionDays: 30,
  logLevel: 'info',
} as const satisfies Partial<BotConfig>;

/** The longest question the `/ask` option accepts; ARTICLEQA_MAX_QUESTION_LENGTH may only lower it. */
export const QUESTION_LENGTH_CEILING = 1000;

/** The outcome of {@link parseConfig}: a config, or one line per problem. */
export type ConfigResult = { ok: true; config: BotConfig } | { ok: false; problems: string[] };

const SNOWFLAKE = /^\d{17,20}$/;
// Bot tokens are three base64url parts joined by dots; anything else is a copy-paste accident.
const TOKEN_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Validates the bot's settings from a plain environment object (`process.env` after `.env` is loaded).
 * Every problem is reported, one clear line each, and no line ever contains the token.
 *
 * @example
 * const result = parseConfig(process.env);
 * if (!result.ok) for (const problem of result.problems) console.error(problem);
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const token = read('DISCORD_TOKEN');
  if (token === undefined) {
    problems.push(
      'DISCORD_TOKEN is missing: copy the bot token from the Discord Developer Portal (Bot > Reset Token).',
    );
  } else if (/^bot\s/i.test(token)) {
    problems.push("DISCORD_TOKEN must be the bare token, without the 'Bot ' prefix.");
  } else if (!TOKEN_SHAPE.test(token)) {
    problems.push(
      'DISCORD_TOKEN does not look like a bot token (three parts separated by dots); copy it again.',
    );
  }

  const applicationId = read('DISCORD_APPLICATION_ID');
  if (applicationId === undefined) {
    problems.push(
      'DISCORD_APPLICATION_ID is missing: copy the Application ID from the Developer Portal (General Information).',
    );
  } else if (!SNOWFLAKE.test(applicationId)) {
    problems.push(`DISCORD_APPLICATION_ID must be a numeric Discord id (got "${applicationId}").`);
  }

  const guildId = read('DISCORD_GUILD_ID');
  if (guildId !== undefined && !SNOWFLAKE.test(guildId)) {
    problems.push(`DISCORD_GUILD_ID must be a numeric Discord id (got "${guildId}").`);
  }

  const apiUrl = read('DISCORD_API_URL');
  if (apiUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(apiUrl)) {
    problems.push(
      `DISCORD_API_URL must be an http(s) URL such as http://127.0.0.1:8080/api (got "${apiUrl}").`,
    );
  }

  /** A comma-separated list of Discord ids, or undefined when unset (or invalid, with a problem noted). */
  const idList = (name: string, what: string): Set<string> | undefined => {
    const list = read(name);
    if (list === undefined) return undefined;
    const ids = list
      .split(/[\s,]+/)
      .map((id) => id.trim())
      .filter((id) => id.length > 0);
    const bad = ids.filter((id) => !SNOWFLAKE.test(id));
    if (bad.length === 0) return new Set(ids);
    problems.push(`${name} must list numeric ${what} ids separated by commas (bad: ${bad.join(', ')}).`);
    return undefined;
  };
  const allowedChannels = idList('ARTICLEQA_ALLOWED_CHANNELS', 'channel');
  const adminGuilds = idList('ARTICLEQA_ADMIN_GUILDS', 'guild');

  const flag = (name: string, fallback: boolean): boolean => {
    const value = read(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    problems.push(`${name} must be on or off (got "${value}").`);
    return fallback;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${value}").`);
      return fallback;
    }
    return parsed;
  };

  const threadMode = flag('ARTICLEQA_THREAD_MODE', DefaultBotConfig.threadMode);
  const allowPrivateUrls = flag('ARTICLEQA_ALLOW_PRIVATE_URLS', DefaultBotConfig.allowPrivateUrls);
  const registerOnStart = flag('DISCORD_REGISTER_COMMANDS_ON_START', DefaultBotConfig.registerOnStart);
  const cooldownSeconds = integer('ARTICLEQA_COOLDOWN_SECONDS', DefaultBotConfig.cooldownSeconds, 0, 3600);
  const guildConcurrency = integer('ARTICLEQA_GUILD_CONCURRENCY', DefaultBotConfig.guildConcurrency, 1, 64);
  const queueSize = integer('ARTICLEQA_QUEUE_SIZE', DefaultBotConfig.queueSize, 0, 1000);
  const maxAnswers = integer('ARTICLEQA_MAX_ANSWERS', DefaultBotConfig.maxAnswers, 1, 256);
  const globalQueueSize = integer('ARTICLEQA_GLOBAL_QUEUE_SIZE', DefaultBotConfig.globalQueueSize, 0, 10_000);
  const maxLLMCalls = integer('ARTICLEQA_MAX_LLM_CALLS', DefaultBotConfig.maxLLMCalls, 1, 256);
  const answerDeadlineSeconds = integer(
    'ARTICLEQA_ANSWER_DEADLINE_SECONDS',
    DefaultBotConfig.answerDeadlineSeconds,
    5,
    600,
  );
  const maxQuestionLength = integer(
    'ARTICLEQA_MAX_QUESTION_LENGTH',
    DefaultBotConfig.maxQuestionLength,
    10,
    QUESTION_LENGTH_CEILING,
  );
  const shutdownTimeoutSeconds = integer(
    'ARTICLEQA_SHUTDOWN_TIMEOUT_SECONDS',
    DefaultBotConfig.shutdownTimeoutSeconds,
    0,
    300,
  );

  const metricsPortText = read('ARTICLEQA_METRICS_PORT');
  const metricsPort =
    metricsPortText === undefined ? undefined : integer('ARTICLEQA_METRICS_PORT', 0, 1, 65_535);
  const metricsHost = read('ARTICLEQA_METRICS_HOST') ?? DefaultBotConfig.metricsHost;
  if (!/^[\w.:-]+$/.test(metricsHost))
    problems.push(
      `ARTICLEQA_METRICS_HOST must be an address to bind such as 127.0.0.1 (got "${metricsHost}").`,
    );

  const answerRetentionDays = integer(
    'ARTICLEQA_ANSWER_RETENTION_DAYS',
    DefaultBotConfig.answerRetentionDays,
    0,
    3650,
  );

  const feedPollSeconds = integer('ARTICLEQA_FEED_POLL_SECONDS', DefaultBotConfig.feedPollSeconds, 0, 86_400);
  const collections = read('ARTICLEQA_COLLECTIONS')?.toLowerCase() ?? DefaultBotConfig.collections;
  if (collections !== 'shared' && collections !== 'per-guild')
    problems.push(`ARTICLEQA_COLLECTIONS must be per-guild or shared (got "${collections}").`);
  const readShared = flag('ARTICLEQA_SHARED_COLLECTION', DefaultBotConfig.readShared);

  const logLevel = read('LOG_LEVEL')?.toLowerCase() ?? DefaultBotConfig.logLevel;
  if (!LOG_LEVELS.has(logLevel))
    problems.push(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')} (got "${logLevel}").`);

  if (problems.length > 0 || token === undefined || applicationId === undefined)
    return { ok: false, problems };
  return {
    ok: true,
    config: {
      discordToken: token,
      applicationId,
      guildId,
      apiUrl,
      allowedChannels,
      threadMode,
      cooldownSeconds,
      guildConcurrency,
      queueSize,
      maxAnswers,
      globalQueueSize,
      maxLLMCalls,
      answerDeadlineSeconds,
      maxQuestionLength,
      indexDir: read('ARTICLEQA_INDEX') ?? DefaultBotConfig.indexDir,
      registerOnStart,
      shutdownTimeoutSeconds,
      metricsPort,
      metricsHost,
      collections: collections as BotConfig['collections'],
      readShared,
      feedPollSeconds,
      adminGuilds,
      allowPrivateUrls,
      dataDir: read('ARTICLEQA_BOT_DATA_DIR') ?? DefaultBotConfig.dataDir,
      answerRetentionDays,
      logLevel: logLevel as BotConfig['logLevel'],
    },
  };
}
