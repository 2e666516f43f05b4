import { access } from 'node:fs/promises';
import type { SourceDocument } from '../shared/document.js';
import { InputError, throwIfAborted } from '../shared/errors.js';
import { createDocument } from './create-document.js';
import { decodeText } from './decode-text.js';
import { type FetchFunction, fetchSource, type HttpValidators } from './fetch-source.js';
import { readSourceFile } from './read-source-file.js';
import { type LinkedSource, type LoadedContent, LoaderRegistry } from './source-loader.js';
import { isHttpUrl, normalizeSource } from './source-location.js';

/** Options for {@link loadDocument}. */
export interface LoadDocumentOptions {
  /**
   * Largest file or response body accepted, in bytes. Files are checked before reading, responses while
   * streaming.
   * @defaultValue 20 MB (`20 * 1024 * 1024`)
   */
  maxBytes?: number;
  /**
   * The `fetch` used for http(s) sources.
   * @defaultValue `globalThis.fetch`, looked up at call time
   */
  fetch?: FetchFunction;
  /**
   * Budget for one URL, from request to last body byte, in milliseconds.
   * @defaultValue 15000
   */
  timeoutMs?: number;
  /** Cancels the load; the promise then rejects with an `AbortError`. */
  signal?: AbortSignal;
  /**
   * Directory relative paths are resolved against.
   * @defaultValue `process.cwd()`
   */
  cwd?: string;
  /** The loaders, by extension and media type. @defaultValue the built-in ones (Markdown, HTML, text) */
  loaders?: LoaderRegistry;
  /**
   * For a URL whose stored copy was fetched with these validators: fetch conditionally, and on a 304
   * return `notModified` instead of downloading it again.
   */
  validators?: HttpValidators;
}

/** Defaults of the {@link LoadDocumentOptions} that have fixed values. */
export const DefaultLoadDocumentOptions = {
  maxBytes: 20 * 1024 * 1024,
  timeoutMs: 15_000,
} as const satisfies Required<Pick<LoadDocumentOptions, 'maxBytes' | 'timeoutMs'>>;

/** One source loaded: its documents (ids and hashes set) and the further sources it links to. */
export interface LoadedSource {
  source: string;
  documents: SourceDocument[];
  /** Sources it links to (feed entries, sitemap URLs), normalised, with the entries' metadata. */
  links: LinkedSource[];
  /** The server answered 304 to a conditional fetch: the stored copy is current, nothing was read. */
  notModified?: true;
  /** How often the source says it changes, in seconds: the feed's own `ttl` or syndication period, else the response's `max-age`. */
  refreshSeconds?: number;
  /** The response's cache validators (fetched sources), for the next conditional fetch. */
  validators?: HttpValidators;
}

/**
 * Loads one source (a file path or an http(s) URL) with the loader that claims it: a page gives one
 * document, a feed may give links to more. See {@link loadDocument} for the errors.
 */
export async function loadSource(source: string, options: LoadDocumentOptions = {}): Promise<LoadedSource> {
  throwIfAborted(options.signal);
  const maxBytes = options.maxBytes ?? DefaultLoadDocumentOptions.maxBytes;
  const loaders = options.loaders ?? new LoaderRegistry();

  if (isHttpUrl(source)) {
    const url = normalizeSource(source);
    const fetched = await fetchSource(url, {
      fetch: options.fetch ?? globalThis.fetch,
      timeoutMs: options.timeoutMs ?? DefaultLoadDocumentOptions.timeoutMs,
      maxBytes,
      signal: options.signal,
      loaders,
      validators: options.validators,
    });
    if ('notModified' in fetched) return { source: url, documents: [], links: [], notModified: true };
    const content = decodeText(fetched.bytes, url, fetched.contentType.charset);
    const loaded = await fetched.loader.parse({ content, source: url, url: fetched.url });
    return {
      source: url,
      documents: loaded.documents.map((parsed) =>
        createDocument({
          source: url,
          format: fetched.loader.format,
          ...parsed,
          // Kept with the page so that the next ingest asks "changed since?" instead of downloading it.
          metadata: { ...parsed.metadata, ...fetched.validators },
        }),
      ),
      links: linkedSources(loaded.links, options.cwd),
      ...(fetched.validators.etag || fetched.validators.lastModified
        ? { validators: fetched.validators }
        : {}),
      ...(loaded.refreshSeconds !== undefined
        ? { refreshSeconds: loaded.refreshSeconds }
        : fetched.maxAgeSeconds !== undefined
          ? { refreshSeconds: fetched.maxAgeSeconds }
          : {}),
    };
  }

  const path = normalizeSource(source, options.cwd);
  const loader = loaders.forPath(path);
  if (loader === undefined) {
    // A missing file is reported as missing whatever its name.
    await access(path).catch((error: unknown) => {
      throw new InputError('E_NOT_FOUND', path, `File not found: ${path}`, { cause: error });
    });
    throw new InputError('E_UNSUPPORTED', path, `Unsupported file type: ${path}`, {
      hint: `Supported extensions: ${loaders.extensions.join(' ')}.`,
    });
  }
  const bytes = await readSourceFile(path, maxBytes);
  throwIfAborted(options.signal);
  const content = decodeText(bytes, path);
  const loaded = await loader.parse({ content, source: path });
  return {
    source: path,
    documents: loaded.documents.map((parsed) =>
      createDocument({ source: path, format: loader.format, ...parsed }),
    ),
    links: linkedSources(loaded.links, options.cwd),
  };
}

/** A loader's links in one form, each source normalised like an input (so duplicates compare equal). */
function linkedSources(links: LoadedContent['links'], cwd: string | undefined): LinkedSource[] {
  return (links ?? []).map((link) =>
    typeof link === 'string'
      ? { source: normalizeSource(link, cwd) }
      : { ...link, source: normalizeSource(link.source, cwd) },
  );
}

/**
 * Loads one source (a file path or an http(s) URL) as a cleaned {@link SourceDocument}.
 *
 * Files are read by extension and URLs by their `Content-Type`, with the loader that claims them
 * (see {@link LoaderRegistry}). Each failure is an {@link InputError} with a stable code, so a batch can report
 * it and go on:
 * `E_NOT_FOUND` missing file; `E_UNSUPPORTED` an extension or content type no loader reads; `E_TOO_LARGE` over
 * `maxBytes`; `E_BINARY` NUL bytes; `E_ENCODING` not valid UTF-8; `E_EMPTY` no text after cleaning;
 * `E_NO_CONTENT` an HTML page without article text; `E_FETCH` network error, timeout or non-2xx status;
 * `E_INPUT` unreadable front matter or file.
 *
 * @param source - A path (relative to `options.cwd`) or an http(s) URL.
 * @param options - See {@link LoadDocumentOptions}.
 * @example
 * const document = await loadDocument('corpus/2015-08-05-china-police-internet-companies.md');
 * document.title; // 'China wants police installed in every internet company'
 */
export async function loadDocument(
  source: string,
  options: LoadDocumentOptions = {},
): Promise<SourceDocument> {
  const loaded = await loadSource(source, options);
  const [document] = loaded.documents;
  if (!document) {
    throw new InputError(
      'E_NO_CONTENT',
      loaded.source,
      `${loaded.source} lists other sources but holds no article itself.`,
      {
        hint: 'Ingest it to load the articles it links to.',
      },
    );
  }
  return document;
}
