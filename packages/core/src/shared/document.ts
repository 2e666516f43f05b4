/**
 * The format a document was read from: the `format` of the loader that read it. `markdown`, `html`
 * and `text` are built in; a custom loader names its own.
 */
export type DocumentFormat = 'markdown' | 'text' | 'html' | (string & {});

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
  /**
   * Set by an ingest on documents read from local files: the file's size and modification time and what
   * read it (see {@link fileStamp}). The next ingest finds it unchanged and does not read the file again.
   */
  fileStamp?: string;
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

/** What names a document wherever it is shown: in lists, in retrieved chunks, in citations. */
export interface DocumentLabel {
  title: string;
  /** Absolute file path or URL the document came from. */
  source: string;
  /** Canonical URL, when known. */
  url?: string;
  /** Publication date (ISO), when known. */
  publishedAt?: string;
  /** The author line, when known. */
  byline?: string;
  /** The publication or site name, when known. */
  siteName?: string;
}

/** One stored document, as listed. */
export interface DocumentInfo extends DocumentLabel {
  id: string;
  chunks: number;
  characters: number;
  contentHash: string;
  /** ISO date-time of the ingest that stored this version. */
  ingestedAt: string;
}

/** Narrows retrieval to some documents. All given fields must match. */
export interface DocumentFilter {
  /** Only these document ids. */
  documentIds?: readonly string[];
  /** Only documents whose source (path or URL) contains this text, ignoring case. */
  source?: string;
  /** Only documents published on or after this ISO date. */
  publishedAfter?: string;
  /** Only documents published on or before this ISO date (the whole day included). */
  publishedBefore?: string;
}

/** True when the filter restricts nothing. */
export function isEmptyFilter(filter: DocumentFilter | undefined): boolean {
  return (
    filter === undefined ||
    (filter.documentIds === undefined &&
      filter.source === undefined &&
      filter.publishedAfter === undefined &&
      filter.publishedBefore === undefined)
  );
}
