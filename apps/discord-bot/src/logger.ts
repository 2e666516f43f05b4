import { type DestinationStream, type Logger, pino } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: string;
  /** Secret values (the bot token, API keys) replaced wherever they appear in a log line. */
  secrets?: readonly (string | undefined)[];
  /** Where lines go. @defaultValue standard output */
  destination?: DestinationStream;
}

/** Field names that hold secrets, censored by pino before a line is written. */
const REDACTED_PATHS = [
  'token',
  '*.token',
  'discordToken',
  '*.discordToken',
  'apiKey',
  '*.apiKey',
  'authorization',
  'headers.authorization',
  '*.headers.authorization',
  'DISCORD_TOKEN',
  'OPENAI_API_KEY',
  '*.DISCORD_TOKEN',
  '*.OPENAI_API_KEY',
];

/**
 * The bot's structured logger: JSON lines, secrets censored twice: by field name (pino `redact`), and by
 * value in the finished line, so a token quoted inside an error message or a stack is replaced too.
 */
export function createLogger(options: LoggerOptions): Logger {
  // Short values would match ordinary text; real tokens and keys are long.
  const secrets = (options.secrets ?? []).filter(
    (secret): secret is string => secret !== undefined && secret.length >= 8,
  );
  const settings = {
    level: options.level,
    base: { service: 'articleqa-discord-bot' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: {
      streamWrite: (line: string) =>
        secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), line),
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
