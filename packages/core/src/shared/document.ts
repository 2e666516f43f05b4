/** The formats the loaders understand. */
export type DocumentFormat = 'markdown' | 'text' | 'html';

/** Metadata kept with a document and shown with its citations. */
export interface DocumentMetadata {
  /** Canonical URL of the article, when known. */
  url?: string;
  /** Author line. */
  byline?: string;
  /** Publication date as an ISO 8601 date (`2015-08-05`) or date-time. */
  publishedAt?: string;
  /** Publication or site name ("Wired UK"). */
  siteName?: string;
  /** Any other front matter fields, as given. */
  [key: string]: unknown;
}

/**
 * An article after loading and cleaning: the unit that is chunked, embedded and cited.
 * `text` is kept whole so that citations can quote it by character offset.
 */
export interface SourceDocument {
  /** Stable id derived from `source`: the same file or URL always gets the same id. */
  id: string;
  /** Absolute file path or URL the document came from. */
  source: string;
  title: string;
  /** Full cleaned text; chunk and citation offsets index into it. */
  text: string;
  /** sha256 (hex) over title and text: unchanged documents are skipped on re-ingest. */
  contentHash: string;
  format: DocumentFormat;
  metadata: DocumentMetadata;
}
