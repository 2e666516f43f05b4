// Function words that carry no topic. Dropping them keeps FTS5 OR-queries from matching nearly every
// chunk (slow on large indexes) and keeps lexical overlap scores about content.
const STOPWORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below
  between both but by can could did do does doing down during each few for from further had has have
  having he her here hers herself him himself his how i if in into is it its itself just me more most
  my myself no nor not now of off on once only or other our ours ourselves out over own same she should
  so some such than that the their theirs them themselves then there these they this those through to
  too under until up very was we were what when where which while who whom why will with would you
  your yours yourself yourselves also did does done say said says tell told according`.split(/\s+/),
);

/** True for common English function words. */
export function isStopword(term: string): boolean {
  return STOPWORDS.has(term);
}

/**
 * Lower-cased word terms of `text` (letters and digits in any script), in order, stopwords removed.
 * Apostrophes inside words are dropped so "China's" gives "china" and "s" is discarded with stopwords.
 */
export function contentTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text
    .toLowerCase()
    .normalize('NFKC')
    .matchAll(/[\p{L}\p{N}]+/gu)) {
    const term = match[0];
    if (term.length === 1 && !/\p{N}/u.test(term) && !/\p{Script=Han}/u.test(term)) continue;
    if (STOPWORDS.has(term)) continue;
    terms.push(term);
  }
  return terms;
}

/** A light suffix stemmer for overlap scoring ("installed" ~ "install"); not linguistics, just matching. */
export function stem(term: string): string {
  if (term.length <= 4) return term;
  for (const suffix of [
    'ational',
    'ization',
    'ations',
    'ation',
    'ments',
    'ment',
    'ings',
    'ing',
    'ies',
    'ied',
    'edly',
    'ed',
    'es',
    'ly',
    's',
  ]) {
    if (term.endsWith(suffix) && term.length - suffix.length >= 3) {
      const base = term.slice(0, -suffix.length);
      return suffix === 'ies' || suffix === 'ied' ? `${base}y` : base;
    }
  }
  return term;
}

/** The distinct stemmed content terms of `text`: what overlap scoring compares. */
export function stemmedTerms(text: string): Set<string> {
  return new Set(contentTerms(text).map(stem));
}

/** Query terms weighted by how rare they are among some texts. */
export interface WeightedQuery {
  terms: string[];
  weights: number[];
  total: number;
}

/**
 * Weights each stemmed content term of `query` by inverse frequency over `units` (each the term set of
 * a sentence or chunk, as `stemmedTerms` gives), so that terms every unit shares count little.
 * `frequency(term)` may be given when a unit is more than one set (a chunk of sentences).
 */
export function weighQuery(query: string, units: number, frequency: (term: string) => number): WeightedQuery {
  const terms = [...stemmedTerms(query)];
  const weights = terms.map((term) => Math.log(1 + units / (1 + frequency(term))));
  return { terms, weights, total: weights.reduce((sum, weight) => sum + weight, 0) };
}

/** The weighted share of the query's terms that `terms` contains, in [0, 1]. */
export function weightedCoverage(query: WeightedQuery, terms: ReadonlySet<string>): number {
  if (query.total <= 0) return 0;
  let matched = 0;
  for (const [index, term] of query.terms.entries())
    if (terms.has(term)) matched += query.weights[index] ?? 0;
  return matched / query.total;
}
