import { splitSentences } from '../text/sentences.js';
import { stemmedTerms } from '../text/terms.js';

/** A span of text, `[start, end)`. */
export interface TextSpan {
  start: number;
  end: number;
}

/**
 * The sentence of `chunkText` that best supports `claim`: the highest cosine between binary word sets
 * (shared content words over the square root of the sentence's word count, so a long sentence does not
 * win merely by being long). Ties and zero overlap go to the earliest sentence.
 *
 * @returns a span in `chunkText`'s coordinates; the whole (trimmed) chunk when it has no sentences
 */
export function bestSupportingSentence(chunkText: string, claim: string): TextSpan {
  const claimWords = stemmedTerms(claim);
  let best: TextSpan | undefined;
  let bestScore = -1;
  for (const span of splitSentences(chunkText)) {
    const words = stemmedTerms(chunkText.slice(span.start, span.end));
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
