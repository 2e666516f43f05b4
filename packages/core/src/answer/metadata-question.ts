import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';

/** A document fact a question can ask for. */
export type MetadataField = 'publishedAt' | 'byline' | 'siteName' | 'title';

// Questions about the article itself, not about what it reports: "When was this article published?",
// "Who wrote the bike lane story?". Each needs a word naming the piece or an unambiguous verb
// ("published", "wrote"), so "When was the treaty signed?" stays a question for the reader.
const PIECE =
  '(?:article|story|piece|report|post|column|op-?ed|editorial|feature|interview|blog post|news item)s?';
const PATTERNS: ReadonlyArray<[MetadataField, RegExp]> = [
  [
    'publishedAt',
    new RegExp(
      String.raw`\b(?:when|what (?:date|day|year))\b.*\b(?:${PIECE})\b.*\b(?:published|posted|written|released|dated|come out|came out)\b`,
      'i',
    ),
  ],
  ['publishedAt', /\b(?:publication|publish(?:ed|ing)?) (?:date|day|time)\b/i],
  ['publishedAt', /^when was it (?:published|posted|written)\??$/i],
  ['publishedAt', new RegExp(String.raw`\bhow old is (?:this|the) ${PIECE}\b`, 'i')],
  ['byline', new RegExp(String.raw`\bwho (?:wrote|authored|penned|reported)\b.*\b${PIECE}\b`, 'i')],
  ['byline', new RegExp(String.raw`\b(?:author|writer|byline|reporter)s?\b.*\b${PIECE}\b`, 'i')],
  ['byline', /^who (?:is|was) the (?:author|writer|reporter)\??$/i],
  [
    'siteName',
    /\b(?:which|what) (?:publication|site|website|newspaper|paper|magazine|outlet|news (?:site|outlet|source))\b.*\b(?:publish|ran|run|carried|print|post)/i,
  ],
  [
    'siteName',
    new RegExp(
      String.raw`\bwhere (?:was|is) (?:this|the|that) ${PIECE}\b.*\b(?:published|posted|from)\b`,
      'i',
    ),
  ],
  ['title', /\bwhat(?:'s| is) the (?:title|headline) of\b/i],
];

/** The document field the question asks for, when it asks about the article itself. */
export function metadataField(question: string): MetadataField | undefined {
  for (const [field, pattern] of PATTERNS) if (pattern.test(question)) return field;
  return undefined;
}

/** The value of `field` for the document of `chunk`, when the document has it. */
export function metadataValue(chunk: RetrievedChunk, field: MetadataField): string | undefined {
  const value = chunk[field];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}
