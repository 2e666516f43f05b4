import { describe, expect, it } from 'vitest';
import { bundledCalibration } from '../read/bundled-calibration.js';
import type { PassageReading, Reader } from '../read/reader.js';
import { contractChunks } from '../testing/rerank-contract.js';
import { ReaderReranker } from './rerank.js';

/** A reader that gives each passage, by position, the margin listed. */
function marginReader(margins: readonly number[]): Reader {
  return {
    id: 'margins',
    async read(_question, passages) {
      return passages.map(
        (_, passage): PassageReading => ({
          passage,
          start: 0,
          end: 0,
          text: '',
          spanScore: margins[passage]!,
          nullScore: 0,
          margin: margins[passage]!,
        }),
      );
    },
  };
}

describe('ReaderReranker', () => {
  const chunks = contractChunks([0, 3, 2, 1]);
  const order = async (reranker: ReaderReranker) =>
    (await reranker.rerank('Q?', chunks)).map((chunk) => chunk.chunkId);

  it('moves chunks above the threshold to the front by margin, and keeps the fused order behind them', async () => {
    const reader = marginReader([-9, 0.5, 3, -1]);
    expect(await order(new ReaderReranker(reader, { promoteAbove: 0 }))).toEqual([3, 4, 1, 2]);
    expect(await order(new ReaderReranker(reader, { promoteAbove: -2 }))).toEqual([3, 4, 2, 1]);
    expect(await order(new ReaderReranker(reader, { promoteAbove: 5 }))).toEqual([1, 4, 3, 2]);
    expect(await order(new ReaderReranker(reader, { promoteAbove: 5, depth: 2 }))).toEqual([1, 4, 3, 2]);
  });

  it('orders the promoted chunks by margin plus retrievalWeight x fused score, and promotes by margin alone', async () => {
    // Fused scores by position: 1, 0.9, 0.8, 0.7. The last reads -9: below the threshold at any weight.
    const reader = marginReader([2, 2.5, 3, -9]);
    expect(await order(new ReaderReranker(reader, { promoteAbove: 0, retrievalWeight: 0 }))).toEqual([
      3, 4, 1, 2,
    ]);
    expect(await order(new ReaderReranker(reader, { promoteAbove: 0, retrievalWeight: 20 }))).toEqual([
      1, 4, 3, 2,
    ]);
    const scores = (
      await new ReaderReranker(reader, { promoteAbove: 0, retrievalWeight: 20 }).rerank('Q?', chunks)
    ).map((chunk) => chunk.scores.rerank);
    // `scores.rerank` stays the reader's margin: the weight orders, it does not rewrite the reading.
    expect(scores).toEqual([2, 2.5, 3, -9]);
  });

  it("takes the bundled reader's fitted threshold by default", async () => {
    const fitted = bundledCalibration().promoteAbove;
    expect(typeof fitted).toBe('number');
    // One chunk just above the fitted threshold, one just below: only the first moves ahead.
    const reader = marginReader([(fitted as number) - 0.5, (fitted as number) + 0.5, -50, -50]);
    expect(await order(new ReaderReranker(reader))).toEqual([4, 1, 3, 2]);
  });
});
