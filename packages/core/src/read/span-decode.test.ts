import { describe, expect, it } from 'vitest';
import { bestSpan } from './span-decode.js';

describe('bestSpan', () => {
  it('maximises start + end with the end at or after the start', () => {
    //            0   1   2   3   4
    const start = [9, 0, 5, 1, 0];
    const end = [9, 0, 0, 4, 6];
    // Position 0 is [CLS], outside the passage range [1, 5).
    expect(bestSpan(start, end, 1, 5, 30)).toEqual({ first: 2, last: 4, score: 11 });
  });

  it('never returns an end before its start, and respects the length limit', () => {
    const start = [0, 0, 0, 8];
    const end = [0, 7, 0, 0];
    // start 3 + end 1 would score 15, but an answer cannot end before it starts.
    expect(bestSpan(start, end, 0, 4, 30)).toEqual({ first: 3, last: 3, score: 8 });
    const long = [5, 0, 0, 0];
    const late = [0, 0, 0, 5];
    expect(bestSpan(long, late, 0, 4, 2)!.last - bestSpan(long, late, 0, 4, 2)!.first).toBeLessThan(2);
  });

  it('returns undefined for an empty range', () => {
    expect(bestSpan([1], [1], 1, 1, 30)).toBeUndefined();
  });
});
