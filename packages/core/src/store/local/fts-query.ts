import { contentTerms } from '../../text/terms.js';

/**
 * Turns user text into a safe FTS5 MATCH expression: each content term becomes a quoted string (so
 * `AND`, `OR`, `NEAR`, `*`, `-`, `:`, `^` and parentheses are plain words) and terms are OR-ed, which
 * BM25 then ranks. Returns undefined when the text has no content terms.
 */
export function toFtsQuery(text: string, maxTerms = 32): string | undefined {
  const terms = [...new Set(contentTerms(text))].slice(0, maxTerms);
  if (terms.length === 0) return undefined;
  // Terms hold only letters and digits, but quote-doubling keeps this safe if that ever changes.
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}
