/** The best answer span found in one window of start and end logits. */
export interface SpanChoice {
  /** First and last token of the span, inclusive, in window positions. */
  first: number;
  last: number;
  score: number;
}

/**
 * The span `[first, last]` with `first <= last < first + maxTokens` that maximises
 * `start[first] + end[last]` over positions `[from, to)`: standard extractive QA decoding, O(n·maxTokens).
 */
export function bestSpan(
  start: ArrayLike<number>,
  end: ArrayLike<number>,
  from: number,
  to: number,
  maxTokens: number,
): SpanChoice | undefined {
  let best: SpanChoice | undefined;
  for (let first = from; first < to; first++) {
    const head = start[first]!;
    const limit = Math.min(to, first + maxTokens);
    for (let last = first; last < limit; last++) {
      const score = head + end[last]!;
      if (!best || score > best.score) best = { first, last, score };
    }
  }
  return best;
}
