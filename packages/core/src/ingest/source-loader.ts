import { extname } from 'node:path';
import type { LoadedContent, ParsedDocument, ParseInput } from './parsed-document.js';

export type { LinkedSource, LoadedContent } from './parsed-document.js';

/**
 * Reads one kind of source. A loader claims sources by file extension and by the media type of an
 * http(s) response, and turns their decoded content into documents (or into more sources to load).
 * Its parser should be imported inside `parse`, so a loader costs nothing until a source of its kind
 * turns up.
 *
 * @example
 * const csvLoader: SourceLoader = {
 *   format: 'csv',
 *   extensions: ['.csv'],
 *   mediaTypes: ['text/csv'],
 *   async parse({ content, source }) {
 *     const rows = content.trim().split('\n').slice(1);
 *     return { documents: [{ title: basename(source), text: rows.join('\n\n'), metadata: {} }] };
 *   },
 * };
 * const qa = await openArticleQA({ dir: '.articleqa', embedder, loaders: [csvLoader] });
 */
export interface SourceLoader {
  /** Names the format of what it reads (`markdown`, `rss`...); recorded with each document. */
  readonly format: string;
  /** File extensions it reads, lower case with the dot (`.md`). */
  readonly extensions: readonly string[];
  /** Media types of http(s) responses it reads, lower case (`text/markdown`). */
  readonly mediaTypes: readonly string[];
  /** Parses decoded content; throws an `InputError` (`E_EMPTY`, `E_NO_CONTENT`...) for content it cannot use. */
  parse(input: ParseInput): Promise<LoadedContent>;
}

/** A loader built from a lazily imported single-document parser. */
function lazyLoader(
  format: string,
  extensions: string[],
  mediaTypes: string[],
  parser: () => Promise<(input: ParseInput) => ParsedDocument>,
): SourceLoader {
  return {
    format,
    extensions,
    mediaTypes,
    async parse(input) {
      return { documents: [(await parser())(input)] };
    },
  };
}

/**
 * The loaders built in: Markdown, HTML, plain text, and feeds and sitemaps (whose entries are loaded as
 * articles of their own). The Markdown and HTML parsers pull in a DOM
 * (linkedom) that costs ~170 ms to import, so each parser is imported on first use. `.mdx` is left out
 * on purpose: its JSX would leak into the text as if it were prose.
 */
export const BUILTIN_LOADERS: readonly SourceLoader[] = [
  lazyLoader('markdown', ['.md', '.markdown'], ['text/markdown', 'text/x-markdown'], async () => {
    return (await import('./parse-markdown.js')).parseMarkdown;
  }),
  lazyLoader('html', ['.html', '.htm'], ['text/html', 'application/xhtml+xml'], async () => {
    return (await import('./parse-html.js')).parseHtml;
  }),
  lazyLoader('text', ['.txt', '.text'], ['text/plain'], async () => {
    return (await import('./parse-text.js')).parseText;
  }),
  {
    // By content, not by name: RSS, RDF, Atom, JSON Feed and sitemaps all arrive as generic XML or
    // JSON often enough that the media type alone cannot tell them apart.
    format: 'feed',
    extensions: ['.xml', '.rss', '.atom', '.rdf'],
    mediaTypes: [
      'application/rss+xml',
      'application/atom+xml',
      'application/rdf+xml',
      'application/xml',
      'text/xml',
      'application/feed+json',
      'application/json',
    ],
    async parse(input) {
      return (await import('./parse-feed.js')).parseFeedOrSitemap(input);
    },
  },
];

/** Picks the loader for a source: the first that claims it, loaders given by the caller before the built-in ones. */
export class LoaderRegistry {
  readonly loaders: readonly SourceLoader[];

  /** @param extra - Loaders tried before the built-in ones, so they can take over an extension. */
  constructor(extra: readonly SourceLoader[] = []) {
    this.loaders = [...extra, ...BUILTIN_LOADERS];
  }

  /** The loader for a file (or URL path), by its extension, ignoring case. */
  forPath(path: string): SourceLoader | undefined {
    const extension = extname(path).toLowerCase();
    if (!extension) return undefined;
    return this.loaders.find((loader) => loader.extensions.includes(extension));
  }

  /**
   * The loader for a fetched body, by its media type. Servers send many files as `text/plain` (raw
   * file hosts do) or `application/octet-stream`: then a loader claiming the URL path's extension wins.
   */
  forMediaType(mediaType: string, url: string): SourceLoader | undefined {
    if (mediaType === 'text/plain' || mediaType === 'application/octet-stream' || mediaType === '') {
      const byPath = this.forPath(new URL(url).pathname);
      if (byPath) return byPath;
    }
    return this.loaders.find((loader) => loader.mediaTypes.includes(mediaType));
  }

  /** Every extension some loader reads, for messages. */
  get extensions(): string[] {
    return [...new Set(this.loaders.flatMap((loader) => loader.extensions))];
  }
}
