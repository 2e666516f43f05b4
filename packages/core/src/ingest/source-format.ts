import { extname } from 'node:path';
import type { DocumentFormat } from '../shared/document.js';

/**
 * File extensions the loaders read, lower-case with the dot, mapped to the parser that reads them.
 * `.mdx` is left out on purpose: its JSX would leak into the text as if it were prose.
 */
export const SUPPORTED_EXTENSIONS = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.html': 'html',
  '.htm': 'html',
} as const satisfies Record<string, DocumentFormat>;

/**
 * The format a file is read as, from its extension (case-insensitive).
 *
 * @param path - A file path or a URL path.
 * @returns The format, or `undefined` when the extension is not supported.
 */
export function formatForPath(path: string): DocumentFormat | undefined {
  const extension = extname(path).toLowerCase();
  return Object.hasOwn(SUPPORTED_EXTENSIONS, extension)
    ? SUPPORTED_EXTENSIONS[extension as keyof typeof SUPPORTED_EXTENSIONS]
    : undefined;
}

/** A `Content-Type` header split into its media type and charset. */
export interface ContentType {
  /** Lower-case media type without parameters, e.g. `text/html`; empty when the header is missing. */
  mediaType: string;
  /** The `charset` parameter, lower-case, when given. */
  charset?: string;
}

/**
 * Parses a `Content-Type` header value.
 *
 * @param header - The raw header value, or `null` when the response had none.
 */
export function parseContentType(header: string | null): ContentType {
  const [mediaType = '', ...parameters] = (header ?? '').split(';');
  const result: ContentType = { mediaType: mediaType.trim().toLowerCase() };
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=', 2);
    if (name?.trim().toLowerCase() === 'charset' && value) {
      result.charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
    }
  }
  return result;
}

/**
 * The format a fetched body is read as, from its media type.
 *
 * Servers often send Markdown as `text/plain` (raw file hosts do), so a `text/plain` response whose URL
 * path ends in a Markdown extension is read as Markdown.
 *
 * @param mediaType - Lower-case media type from {@link parseContentType}.
 * @param url - The final URL of the response, used only to refine `text/plain`.
 * @returns The format, or `undefined` when the media type is not one the loaders read.
 */
export function formatForMediaType(mediaType: string, url: string): DocumentFormat | undefined {
  switch (mediaType) {
    case 'text/html':
    case 'application/xhtml+xml':
      return 'html';
    case 'text/markdown':
    case 'text/x-markdown':
      return 'markdown';
    case 'text/plain':
      return formatForPath(new URL(url).pathname) === 'markdown' ? 'markdown' : 'text';
    default:
      return undefined;
  }
}
