import { contentTerms } from '@articleqa/core';

/**
 * Turns the user's words into a safe `to_tsquery` expression: each content term becomes a quoted
 * lexeme (so `&`, `|`, `!`, `<->`, `:*` and parentheses are plain text) and the terms are OR-ed, which
 * `ts_rank_cd` then ranks. Returns undefined when the text has no content terms.
 *
 * @example toTsQuery('Who announced the plan?') // "'announced' | 'plan'"
 */
export function toTsQuery(text: string, maxTerms = 32): string | undefined {
  const terms = [...new Set(contentTerms(text))].slice(0, maxTerms);
  if (terms.length === 0) return undefined;
  // Terms hold only letters and digits, but escaping keeps this safe if that ever changes.
  return terms.map((term) => `'${term.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`).join(' | ');
}
