import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import type { Logger } from 'pino';

/** How a message that meets a Discord blip is tried again. */
export interface DeliveryRetryOptions {
  /**
   * Tries in all, the first included. Each try is one discord.js request, which itself already repeats a
   * 5xx or a timed-out/reset request three times at once (REST `retries`) and waits out 429s; these tries
   * add the backoff that discord.js does not have.
   */
  attempts: number;
  /** Wait before the second try; it doubles each time, with jitter. */
  baseDelayMs: number;
  /** Longest wait between two tries. */
  maxDelayMs: number;
}

/** Four tries over about 7 s: long enough for a brief 5xx spell, short beside the 15 min interaction token. */
export const DefaultDeliveryRetryOptions = {
  attempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 8000,
} as const satisfies DeliveryRetryOptions;

/** A message could not be delivered after every try; `cause` is the last failure. */
export class DeliveryError extends Error {
  readonly code = 'E_DELIVERY_FAILED';
  /** Tries made. */
  readonly attempts: number;

  constructor(what: string, attempts: number, options: { cause: unknown }) {
    super(`Could not deliver the ${what} after ${attempts} tries.`, options);
    this.name = 'DeliveryError';
    this.attempts = attempts;
  }
}

/** Socket-level failures of undici (discord.js's HTTP client) and Node that a new request may not meet. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * True for a failure worth another try: a 5xx that outlasted discord.js's own retries (`HTTPError`), or a
 * network error (a dropped keep-alive connection, a refused or reset connection). discord.js's request
 * timeout (`AbortError`, 15 s) is not: discord.js already tried that request four times. A 4xx (`DiscordAPIError`: missing permissions, unknown message, an expired
 * interaction) and a rejected rate limit are not: the same request would fail the same way.
 */
export function isTransientDeliveryError(error: unknown): boolean {
  if (error instanceof DiscordAPIError || error instanceof RateLimitError) return false;
  if (error instanceof HTTPError) return error.status >= 500;
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    if (cause.name === 'SocketError') return true;
    cause = cause.cause;
  }
  return false;
}

/** Options of {@link deliver}. */
export interface DeliverOptions {
  logger: Logger;
  /** Named in logs and in the error: "answer", "answer part 2", ... */
  what: string;
  retry?: DeliveryRetryOptions;
  /** Stops waiting between tries (shutdown): the last failure is thrown at once. */
  signal?: AbortSignal;
  /** @defaultValue Math.random */
  random?: () => number;
  /** Called before each new try (for counting). */
  onRetry?: () => void;
}

/**
 * Sends with `send()`, trying again with exponential backoff when Discord has a blip (see
 * {@link isTransientDeliveryError}); any other failure is thrown at once. Every try goes through the same
 * discord.js client, so its rate-limit queues and 429 handling apply to the retries too.
 *
 * `send` must be safe to repeat: an edit is, and a channel message is when sent with `nonce` and
 * `enforceNonce` (Discord then returns the message a lost response had already made). An interaction
 * follow-up has no such key: repeating one after a 5xx that Discord did carry out shows that part twice,
 * which the bot accepts over losing it.
 *
 * @example
 * await deliver(() => interaction.editReply(first), { logger, what: 'answer' });
 */
export async function deliver<T>(send: () => Promise<T>, options: DeliverOptions): Promise<T> {
  const {
    logger,
    what,
    retry = DefaultDeliveryRetryOptions,
    signal,
    random = Math.random,
    onRetry,
  } = options;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      if (!isTransientDeliveryError(error)) throw error;
      if (attempt >= retry.attempts || signal?.aborted)
        throw new DeliveryError(what, attempt, { cause: error });
      // Full jitter between half and all of the doubled delay: many answers failing together spread out.
      const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + (random() * ceiling) / 2);
      logger.warn({ err: error, what, attempt, delayMs }, 'Discord did not take the message; trying again');
      const stopped = await sleep(delayMs, signal);
      if (stopped) throw new DeliveryError(what, attempt, { cause: error });
      onRetry?.();
    }
  }
}

/** Resolves after `ms`, or early with true when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
