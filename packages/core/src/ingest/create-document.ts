import { createHash } from 'node:crypto';
import type { DocumentFormat, DocumentMetadata, SourceDocument } from '../shared/document.js';

/** Everything a {@link SourceDocument} holds except what is derived from it. */
export interface CreateDocumentInput {
  /** Absolute path or normalised URL (see `normalizeSource`). */
  source: string;
  format: DocumentFormat;
  title: string;
  /** Cleaned text. */
  text: string;
  metadata: DocumentMetadata;
}

/**
 * The id of the document read from `source`: the first 16 hex digits (64 bits) of the sha256 of the
 * normalised source. It depends only on where the article lives, so re-ingesting an edited file
 * replaces its chunks, and moving or renaming a file makes a new document.
 *
 * @param source - Absolute path or normalised URL.
 */
export function documentId(source: string): string {
  return createHash('sha256').update(source, 'utf8').digest('hex').slice(0, 16);
}

/**
 * sha256 (hex) of `title + "\n" + text`: equal hashes mean re-ingesting can skip the document.
 *
 * @param title - The document title.
 * @param text - The cleaned text.
 */
export function contentHash(title: string, text: string): string {
  return createHash('sha256').update(`${title}\n${text}`, 'utf8').digest('hex');
}

/**
 * Builds a {@link SourceDocument}, deriving `id` and `contentHash`.
 *
 * @example
 * createDocument({ source: '/corpus/a.md', format: 'markdown', title: 'A', text: 'Body.', metadata: {} });
 */
export function createDocument(input: CreateDocumentInput): SourceDocument {
  return {
    id: documentId(input.source),
    source: input.source,
    title: input.title,
    text: input.text,
    contentHash: contentHash(input.title, input.text),
    format: input.format,
    metadata: input.metadata,
  };
}
