import { access } from 'node:fs/promises';
import type { DocumentFormat, SourceDocument } from '../shared/document.js';
import { InputError, throwIfAborted } from '../shared/errors.js';
import { createDocument } from './create-document.js';
import { decodeText } from './decode-text.js';
import { type FetchFunction, fetchSource } from './fetch-source.js';
import type { ParsedDocument, ParseInput } from './parsed-document.js';
import { readSourceFile } from './read-source-file.js';
import { formatForPath, SUPPORTED_EXTENSIONS } from './source-format.js';
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
}

/** Defaults of the {@link LoadDocumentOptions} that have fixed values. */
export const DefaultLoadDocumentOptions = {
  maxBytes: 20 * 1024 * 1024,
  timeoutMs: 15_000,
} as const satisfies Required<Pick<LoadDocumentOptions, 'maxBytes' | 'timeoutMs'>>;

/** A format's parser. */
export type Parser = (input: ParseInput) => ParsedDocument;

/**
 * Loads the parser for a format. The Markdown and HTML parsers pull in a DOM (linkedom) that costs
 * ~170 ms to import; loading them on first use keeps it off the start-up of commands that only ask.
 */
export async function loadParser(format: DocumentFormat): Promise<Parser> {
  switch (format) {
    case 'markdown':
      return (await import('./parse-markdown.js')).parseMarkdown;
    case 'html':
      return (await import('./parse-html.js')).parseHtml;
    case 'text':
      return (await import('./parse-text.js')).parseText;
  }
}

/**
 * Loads one source (a file path or an http(s) URL) as a cleaned {@link SourceDocument}.
 *
 * Files are read by extension (see {@link SUPPORTED_EXTENSIONS}) as UTF-8; URLs are fetched and read by
 * their `Content-Type`. Each failure is an {@link InputError} with a stable code, so a batch can report
 * it and go on:
 * `E_NOT_FOUND` missing file; `E_UNSUPPORTED` unknown extension or content type; `E_TOO_LARGE` over
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
  throwIfAborted(options.signal);
  const maxBytes = options.maxBytes ?? DefaultLoadDocumentOptions.maxBytes;

  if (isHttpUrl(source)) {
    const url = normalizeSource(source);
    const fetched = await fetchSource(url, {
      fetch: options.fetch ?? globalThis.fetch,
      timeoutMs: options.timeoutMs ?? DefaultLoadDocumentOptions.timeoutMs,
      maxBytes,
      signal: options.signal,
    });
    const content = decodeText(fetched.bytes, url, fetched.contentType.charset);
    const parsed = (await loadParser(fetched.format))({ content, source: url, url: fetched.url });
    return createDocument({ source: url, format: fetched.format, ...parsed });
  }

  const path = normalizeSource(source, options.cwd);
  const format = formatForPath(path);
  if (format === undefined) {
    // A missing file is reported as missing whatever its name.
    await access(path).catch((error: unknown) => {
      throw new InputError('E_NOT_FOUND', path, `File not found: ${path}`, { cause: error });
    });
    throw new InputError('E_UNSUPPORTED', path, `Unsupported file type: ${path}`, {
      hint: `Supported extensions: ${Object.keys(SUPPORTED_EXTENSIONS).join(' ')}.`,
    });
  }
  const bytes = await readSourceFile(path, maxBytes);
  throwIfAborted(options.signal);
  const content = decodeText(bytes, path);
  const parsed = (await loadParser(format))({ content, source: path });
  return createDocument({ source: path, format, ...parsed });
}
