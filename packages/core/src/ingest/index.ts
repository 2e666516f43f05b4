// Public API of the ingest stage: find sources, load and clean them into SourceDocuments.
// Chunking exports are added beside these.

export {
  BOILERPLATE_MAX_LINE_LENGTH,
  BOILERPLATE_RULES,
  type BoilerplateRule,
  isInTail,
  matchBoilerplate,
} from './boilerplate-rules.js';
export { type CleanTextOptions, cleanText, normalizeText, normalizeTitle } from './clean-text.js';
export { type CreateDocumentInput, contentHash, createDocument, documentId } from './create-document.js';
export { decodeText } from './decode-text.js';
export {
  type DiscoveredSources,
  type DiscoverSourcesOptions,
  discoverSources,
  type SourceFailure,
} from './discover-sources.js';
export type { DocumentFormat, DocumentMetadata, SourceDocument } from './document.js';
export type { FetchFunction } from './fetch-source.js';
export { type DomNode, htmlToText } from './html-to-text.js';
export {
  DefaultLoadDocumentOptions,
  type LoadDocumentOptions,
  loadDocument,
  loadParser,
  type Parser,
} from './load-document.js';
export { normalizeDate } from './normalize-date.js';
export { parseHtml } from './parse-html.js';
export { parseMarkdown } from './parse-markdown.js';
export { MAX_HEADLINE_LENGTH, parseText, splitPublication } from './parse-text.js';
export type { ParsedDocument, ParseInput } from './parsed-document.js';
export { FRONT_MATTER_FIELDS, type FrontMatter, readFrontMatter } from './read-front-matter.js';
export {
  formatForMediaType,
  formatForPath,
  parseContentType,
  SUPPORTED_EXTENSIONS,
} from './source-format.js';
export { isHttpUrl, normalizeSource } from './source-location.js';
export { titleFromSource } from './title-from-source.js';
