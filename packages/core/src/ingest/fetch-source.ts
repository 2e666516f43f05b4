import { AbortError, InputError } from '../shared/errors.js';
import { tooLarge } from './read-source-file.js';
import { type ContentType, parseContentType } from './source-format.js';
import type { LoaderRegistry, SourceLoader } from './source-loader.js';

/** The `fetch` signature the loader needs; `globalThis.fetch` fits, and tests or apps can pass their own. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/** Options for {@link fetchSource}; all required here, defaults live in `loadDocument`. */
export interface FetchSourceOptions {
  fetch: FetchFunction;
  /** Whole request budget, headers and body, in milliseconds. */
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal | undefined;
  /** Picks the loader from the response's media type. */
  loaders: LoaderRegistry;
  /** What the stored copy was fetched with: sent as `If-None-Match` / `If-Modified-Since`. */
  validators?: HttpValidators | undefined;
}

/** A response's cache validators, kept with the document so the next fetch can be conditional. */
export interface HttpValidators {
  etag?: string;
  lastModified?: string;
}

/** A fetched body with what is needed to parse it. */
export interface FetchedSource {
  bytes: Uint8Array;
  contentType: ContentType;
  /** The loader the media type asks for. */
  loader: SourceLoader;
  /** The URL after redirects. */
  url: string;
  /** The response's validators, for the next conditional fetch. */
  validators: HttpValidators;
  /** `Cache-Control: max-age`, when the server gave one. */
  maxAgeSeconds?: number;
}

/** The server said the stored copy is current (304): nothing was downloaded. */
export interface NotModified {
  notModified: true;
  url: string;
}

const BUILTIN_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, text/markdown;q=0.9, text/plain;q=0.8';

/** The Accept header: the built-in types, then any other type a loader reads. */
function acceptHeader(loaders: LoaderRegistry): string {
  const extra = [...new Set(loaders.loaders.flatMap((loader) => loader.mediaTypes))].filter(
    (type) => !BUILTIN_ACCEPT.includes(type),
  );
  return [BUILTIN_ACCEPT, ...extra.map((type) => `${type};q=0.7`)].join(', ');
}

/**
 * Fetches an http(s) URL with a timeout and a size limit enforced while the body streams in, so an
 * endless or huge response costs at most `maxBytes` of memory. Redirects are followed. The
 * `Content-Type` picks the loader (see {@link LoaderRegistry.forMediaType}) before the body is read.
 *
 * @param url - An absolute http(s) URL.
 * @throws {@link InputError} `E_FETCH` (network error, timeout, non-2xx status), `E_TOO_LARGE`,
 *   `E_UNSUPPORTED` (a media type that is not HTML, Markdown or plain text);
 *   {@link AbortError} when `signal` aborts.
 */
export async function fetchSource(
  url: string,
  options: FetchSourceOptions,
): Promise<FetchedSource | NotModified> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const fail = (error: unknown, what: string): never => {
    if (options.signal?.aborted) throw new AbortError(undefined, { cause: error });
    if (timeout.aborted) {
      throw new InputError('E_FETCH', url, `Timed out after ${options.timeoutMs} ms ${what} ${url}`, {
        cause: error,
        hint: 'The server is slow or unreachable; try again or raise timeoutMs.',
      });
    }
    throw new InputError('E_FETCH', url, `Cannot fetch ${url}: ${describeNetworkError(error)}`, {
      cause: error,
    });
  };

  let response: Response;
  try {
    response = await options.fetch(url, {
      signal,
      redirect: 'follow',
      headers: {
        accept: acceptHeader(options.loaders),
        ...(options.validators?.etag ? { 'if-none-match': options.validators.etag } : {}),
        ...(options.validators?.lastModified ? { 'if-modified-since': options.validators.lastModified } : {}),
      },
    });
  } catch (error) {
    // A fetch wrapper's own verdict (robots.txt, a Retry-After too long to wait) is already worded.
    if (error instanceof InputError) throw error;
    return fail(error, 'fetching');
  }

  if (response.status === 304 && options.validators) {
    await response.body?.cancel().catch(() => undefined);
    return { notModified: true, url: response.url || url };
  }

  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw new InputError('E_FETCH', url, `HTTP ${status} from ${url}`, {
      hint:
        response.status === 404
          ? 'Check the URL.'
          : response.status >= 500
            ? 'The server failed; try again later.'
            : 'The server refused the request.',
    });
  }

  const contentType = parseContentType(response.headers.get('content-type'));
  const finalUrl = response.url || url;
  const loader = options.loaders.forMediaType(contentType.mediaType, finalUrl);
  if (loader === undefined) {
    await response.body?.cancel().catch(() => undefined);
    throw new InputError(
      'E_UNSUPPORTED',
      url,
      `Unsupported content type "${contentType.mediaType || 'none'}": ${url}`,
      {
        hint: `The loaders read ${[...new Set(options.loaders.loaders.flatMap((entry) => entry.mediaTypes))].join(', ')}.`,
      },
    );
  }

  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(url, options.maxBytes);
  }

  let bytes: Uint8Array;
  try {
    bytes = await readLimited(response, options.maxBytes, url);
  } catch (error) {
    if (error instanceof InputError) throw error;
    return fail(error, 'reading');
  }
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  const validators: HttpValidators = {
    ...(etag ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
  };
  const maxAge = /(?:^|,)\s*max-age\s*=\s*(\d+)/i.exec(response.headers.get('cache-control') ?? '')?.[1];
  return {
    bytes,
    contentType,
    loader,
    url: finalUrl,
    validators,
    ...(maxAge !== undefined ? { maxAgeSeconds: Number(maxAge) } : {}),
  };
}

async function readLimited(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(url, maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Node's fetch reports "fetch failed" and hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) return code;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
