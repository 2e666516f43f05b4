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
