/** A span of text, `[start, end)`. */
export interface TextSpan {
  start: number;
  end: number;
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Sentences of `text` as spans with surrounding whitespace trimmed; empty sentences are left out. */
export function sentenceSpans(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const { segment, index } of sentenceSegmenter.segment(text)) {
    const leading = segment.length - segment.trimStart().length;
    const trailing = segment.length - segment.trimEnd().length;
    if (leading + trailing < segment.length)
      spans.push({ start: index + leading, end: index + segment.length - trailing });
  }
  return spans;
}

// Function words carry no evidence of support; leaving them out keeps "the", "is" from picking a quote.
const stopwords = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her his how i if in into is ' +
    'it its of on or our she so than that the their them then there these they this those to too was we were what ' +
    'when where which who whom why will with would you your not no yes about also more most such only own same'
  ).split(' '),
);

/** Content words of `text`, lower-cased, with a plural `s` stripped so "panels" meets "panel". */
export function contentWords(text: string): Set<string> {
  const words = new Set<string>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (stopwords.has(word)) continue;
    words.add(word.length > 4 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word);
  }
  return words;
}

/**
 * The sentence of `chunkText` that best supports `claim`: the highest cosine between binary word sets
 * (shared content words over the square root of the sentence's word count, so a long sentence does not
 * win merely by being long). Ties and zero overlap go to the earliest sentence.
 *
 * @returns a span in `chunkText`'s coordinates; the whole (trimmed) chunk when it has no sentences
 */
export function bestSupportingSentence(chunkText: string, claim: string): TextSpan {
  const claimWords = contentWords(claim);
  let best: TextSpan | undefined;
  let bestScore = -1;
  for (const span of sentenceSpans(chunkText)) {
    const words = contentWords(chunkText.slice(span.start, span.end));
    let shared = 0;
    for (const word of words) if (claimWords.has(word)) shared++;
    const score = words.size === 0 ? 0 : shared / Math.sqrt(words.size);
    if (score > bestScore) {
      best = span;
      bestScore = score;
    }
  }
  return best ?? { start: 0, end: chunkText.length };
}
