import { AbortError, InputError } from '../shared/errors.js';
import type { FetchFunction } from './fetch-source.js';

/** How {@link createPoliteFetch} treats the servers it fetches from. */
export interface PoliteFetchOptions {
  /**
   * Sent with every request, so site owners can tell what is reading them.
   * @defaultValue `articleqa/<version> (article question answering)`
   */
  userAgent?: string;
  /** Obey each host's robots.txt for {@link PoliteFetchOptions.userAgent}. @defaultValue true */
  respectRobots?: boolean;
  /**
   * Least time between two requests to one host, in milliseconds; a robots.txt `Crawl-delay` raises it
   * (up to 10 s). @defaultValue 250
   */
  hostDelayMs?: number;
  /** Further tries after a 429 or 503 answer, or a 502/504 gateway error. @defaultValue 2 */
  retries?: number;
  /** First wait before a retry when the server gives no `Retry-After`; doubles each time. @defaultValue 1000 */
  backoffMs?: number;
  /** A `Retry-After` longer than this fails the source at once instead of waiting. @defaultValue 30000 */
  maxRetryAfterMs?: number;
}

/** Defaults of {@link PoliteFetchOptions}. */
export const DefaultPoliteFetchOptions = {
  userAgent: 'articleqa/0.1 (article question answering)',
  respectRobots: true,
  hostDelayMs: 250,
  retries: 2,
  backoffMs: 1000,
  maxRetryAfterMs: 30_000,
} as const satisfies Required<PoliteFetchOptions>;

const MAX_CRAWL_DELAY_MS = 10_000;
const ROBOTS_TIMEOUT_MS = 5000;
const RETRIED_STATUSES = new Set([429, 502, 503, 504]);

interface Robots {
  isAllowed(url: string, userAgent?: string): boolean | undefined;
  getCrawlDelay(userAgent?: string): number | undefined;
}

/**
 * Wraps `fetch` into a well-behaved crawler for one ingest: a User-Agent naming the project, each
 * host's robots.txt obeyed (read once per host), requests to one host spaced out, and 429/503
 * answers retried after the server's `Retry-After` (or a growing delay). Waits end when the request's
 * own signal aborts, so the caller's timeout bounds all of it.
 * @throws InputError `E_FETCH` when robots.txt disallows the URL, or the server asks for a wait over
 *   `maxRetryAfterMs`.
 */
export function createPoliteFetch(fetch: FetchFunction, options: PoliteFetchOptions = {}): FetchFunction {
  const settings = { ...DefaultPoliteFetchOptions, ...options };
  const robots = new Map<string, Promise<Robots | undefined>>();
  const nextSlot = new Map<string, number>();
  const hostQueue = new Map<string, Promise<unknown>>();
  const headersWith = (init: RequestInit) => {
    const headers = new Headers(init.headers);
    headers.set('user-agent', settings.userAgent);
    // Node 20's fetch asks for gzip and deflate only, though it decodes brotli too: ask for all three.
    if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'gzip, deflate, br');
    return headers;
  };

  const robotsFor = (origin: string, signal: AbortSignal | null | undefined): Promise<Robots | undefined> => {
    let found = robots.get(origin);
    if (!found) {
      found = readRobots(fetch, origin, settings.userAgent, signal ?? undefined);
      robots.set(origin, found);
    }
    return found;
  };

  /** Waits for the host's next free slot, one request at a time per host. */
  const takeTurn = async <T>(
    host: string,
    delayMs: number,
    signal: AbortSignal | undefined,
    work: () => Promise<T>,
  ) => {
    const previous = hostQueue.get(host) ?? Promise.resolve();
    const turn = previous
      .catch(() => undefined)
      .then(async () => {
        await pause((nextSlot.get(host) ?? 0) - Date.now(), signal);
        try {
          return await work();
        } finally {
          nextSlot.set(host, Date.now() + delayMs);
        }
      });
    hostQueue.set(host, turn);
    return turn;
  };

  return async (url, init) => {
    const target = new URL(url);
    const signal = init.signal ?? undefined;
    let delayMs = settings.hostDelayMs;
    if (settings.respectRobots) {
      const rules = await robotsFor(target.origin, signal);
      if (rules && rules.isAllowed(url, settings.userAgent) === false)
        throw new InputError('E_FETCH', url, `${target.origin}/robots.txt disallows ${url} for articleqa.`, {
          hint: 'Ask the site, or ingest it anyway with robots.txt ignored (the CLI: --ignore-robots).',
          details: { reason: 'robots' },
        });
      const crawlDelay = rules?.getCrawlDelay(settings.userAgent);
      if (crawlDelay !== undefined && crawlDelay > 0)
        delayMs = Math.max(delayMs, Math.min(MAX_CRAWL_DELAY_MS, crawlDelay * 1000));
    }
    for (let attempt = 0; ; attempt += 1) {
      const response = await takeTurn(target.host, delayMs, signal, () =>
        fetch(url, { ...init, headers: headersWith(init) }),
      );
      if (!RETRIED_STATUSES.has(response.status) || attempt >= settings.retries) return response;
      const asked = retryAfterMs(response.headers.get('retry-after'));
      if (asked !== undefined && asked > settings.maxRetryAfterMs) {
        await response.body?.cancel().catch(() => undefined);
        throw new InputError(
          'E_FETCH',
          url,
          `HTTP ${response.status} from ${url}: the server asks to retry after ${Math.ceil(asked / 1000)} s.`,
          { hint: 'Try again later.', details: { status: response.status, retryAfterMs: asked } },
        );
      }
      await response.body?.cancel().catch(() => undefined);
      await pause(asked ?? settings.backoffMs * 2 ** attempt, signal);
    }
  };
}

/** Parses robots.txt; a missing one (4xx) allows everything, an unreachable one is treated as missing. */
async function readRobots(
  fetch: FetchFunction,
  origin: string,
  userAgent: string,
  signal: AbortSignal | undefined,
): Promise<Robots | undefined> {
  const url = `${origin}/robots.txt`;
  const timeout = AbortSignal.timeout(ROBOTS_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      redirect: 'follow',
      headers: { 'user-agent': userAgent, accept: 'text/plain' },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const text = (await response.text()).slice(0, 512 * 1024);
    return (await robotsParser())(url, text);
  } catch (error) {
    if (signal?.aborted) throw new AbortError(undefined, { cause: error });
    return undefined;
  }
}

type RobotsParser = (url: string, text: string) => Robots;

/**
 * robots-parser is CommonJS (`module.exports = fn`) with typings that describe an ES default export,
 * so the function arrives as `default` at run time but one level deeper to the type checker.
 */
async function robotsParser(): Promise<RobotsParser> {
  const imported = (await import('robots-parser')) as unknown as {
    default: RobotsParser | { default: RobotsParser };
  };
  return typeof imported.default === 'function' ? imported.default : imported.default.default;
}

/** `Retry-After` as milliseconds from now: delay seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
