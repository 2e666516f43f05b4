import type { DocumentMetadata } from '../shared/document.js';

/** What a parser gets: the decoded text of one source. */
export interface ParseInput {
  /** The decoded content (UTF-8, BOM removed). */
  content: string;
  /** Absolute path or URL: names the document in errors and gives the fallback title. */
  source: string;
  /** For fetched pages, the URL after redirects; the fallback canonical URL of HTML pages. */
  url?: string;
}

/** What a parser returns; `createDocument` adds the id, hash and format. */
export interface ParsedDocument {
  title: string;
  /** Cleaned text (see `cleanText`), never empty. */
  text: string;
  metadata: DocumentMetadata;
}

/** A source a feed or sitemap links to, with what the linking entry says about it. */
export interface LinkedSource {
  /** A URL or path to load as an article of its own. */
  source: string;
  /** The entry's title, used when the page names itself nowhere (its title would come from its URL). */
  title?: string;
  /** The entry's date (`publishedAt`), author (`byline`), GUID (`guid`): they fill what the page leaves out. */
  metadata?: DocumentMetadata;
}

/** What a loader makes of one source's content. */
export interface LoadedContent {
  /** Articles read from the content (one for a page; none for a feed that only lists links). */
  documents: ParsedDocument[];
  /**
   * Further sources to load as articles of their own: the entries of a feed or a sitemap, as URLs
   * or paths, or with the entry's own metadata. Ingest loads each with the loaders, once, up to its
   * expansion limit.
   */
  links?: (string | LinkedSource)[];
  /** How often the source says it changes, in seconds (a feed's `ttl`, `sy:updatePeriod`). */
  refreshSeconds?: number;
}
