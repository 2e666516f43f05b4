import type { RetrievedChunk } from '@articleqa/core';
import { describe, expect, it } from 'vitest';
import {
  chooseRerankSetting,
  fitRerankSetting,
  type PromoteRow,
  promoteScore,
  RERANK_CANDIDATES,
  type RerankSetting,
} from './promote-fit.js';

const at = (promoteAbove: number, retrievalWeight = 0): RerankSetting => ({ promoteAbove, retrievalWeight });

function chunk(chunkId: number, text: string, score = 1): RetrievedChunk {
  return {
    rank: chunkId,
    chunkId,
    documentId: `doc-${chunkId}`,
    title: 'T',
    source: 't.md',
    text,
    start: 0,
    end: text.length,
    score,
    scores: {},
  };
}

/**
 * Two fused chunks with the reader's margins and fused scores; the answer is in the second unless
 * `answerFirst`.
 */
function row(
  article: string,
  margins: [number, number],
  answerFirst = false,
  scores: [number, number] = [1, 1],
): PromoteRow {
  const fused = [chunk(1, `${article} other text`, scores[0]), chunk(2, `${article} the answer`, scores[1])];
  return {
    article,
    question: 'Q?',
    fused,
    margins: new Map([
      [1, margins[0]],
      [2, margins[1]],
    ]),
    hit: (c) => c.chunkId === (answerFirst ? 1 : 2),
  };
}

describe('promoteScore', () => {
  it('reorders the fused list through the reranker at the threshold given', async () => {
    // The answer's margin is -1.5: promoted at -2, left behind at 0.
    const rows = [row('A', [-3, -1.5])];
    expect(await promoteScore(rows, at(-2), 2500, 5)).toEqual({ at1: 1, budget: 1 });
    expect(await promoteScore(rows, at(0), 2500, 5)).toEqual({ at1: 0, budget: 1 });
    // A budget that holds one chunk: only the first counts.
    expect((await promoteScore(rows, at(0), 15, 5)).budget).toBe(0);
  });

  it('orders the promoted chunks by margin plus the retrieval weight x fused score', async () => {
    // The answer's chunk reads 1 lower but retrieval scores it 0.5 higher: weight 5 puts it first.
    const rows = [row('A', [2, 1], false, [0.4, 0.9])];
    expect((await promoteScore(rows, at(-20, 0), 2500, 5)).at1).toBe(0);
    expect((await promoteScore(rows, at(-20, 5), 2500, 5)).at1).toBe(1);
  });
});

describe('fitPromoteAbove', () => {
  it('chooses each fold on the other folds and scores it on its own', async () => {
    // A, B: the answer comes second with margin -2.5: only thresholds below it bring it forward.
    // C, D: the answer comes first and a wrong chunk reads -3.2: thresholds below that promote it.
    // Only -3 of the candidates is right on all four; each fold sees one of each kind at least.
    const rows = [
      row('A', [-3.5, -2.5]),
      row('B', [-3.5, -2.5]),
      row('C', [-3.5, -3.2], true),
      row('D', [-3.5, -3.2], true),
    ];
    const fit = await fitRerankSetting(rows, 4, 2500, 5);
    expect(fit.shipped).toEqual(at(-3));
    expect(fit.chosenByFold).toEqual([at(-3), at(-3), at(-3), at(-3)]);
    expect(fit.heldOut).toEqual({ at1: 1, budget: 1 });
    // With C alone of its kind, C's fold chooses on A and B, where every threshold below -2.5 does as
    // well and the lowest, -20, is taken; at -20 C's wrong chunk is promoted: 2 of 3 held out.
    expect((await fitRerankSetting(rows.slice(0, 3), 3, 2500, 5)).heldOut.at1).toBeCloseTo(2 / 3);
  });

  it('takes a retrieval weight when margins alone order the answer second', async () => {
    // Every row: both chunks read above any threshold, the answer's 1 lower and scored 0.5 higher by
    // retrieval; weights 5 and up put it first, and 5 is the lowest of them.
    const rows = ['A', 'B', 'C', 'D'].map((article) => row(article, [3, 2], false, [0.4, 0.9]));
    const fit = await fitRerankSetting(rows, 4, 2500, 5);
    expect(fit.shipped).toEqual(at(-20, 5));
    expect(fit.heldOut.at1).toBe(1);
  });
});

describe('chooseRerankSetting', () => {
  // A: the answer comes second at -2.5 (found below -2.5); C: first, a wrong chunk at -3.2 (found at
  // -3 and above); E: a wrong chunk reads +5, so no threshold finds the answer.
  const a = Array.from({ length: 99 }, (_, i) => row(`A${i}`, [-3.5, -2.5]));
  const c = row('C', [-3.5, -3.2], true);
  const e = Array.from({ length: 6 }, (_, i) => row(`E${i}`, [-30, 5], true));

  it('takes the best recall@1 when nothing lower comes within one standard error', async () => {
    // -3 finds all 100, -20 to -4 find 99: a perfect score has no error, so -3.
    expect(await chooseRerankSetting([...a, c], 2500, 5)).toEqual(at(-3));
  });

  it('takes the lowest threshold within one standard error of the best', async () => {
    // 100 of 106 against 99 of 106: one question apart, within the error (2.3 points), so -20.
    const rows = [...a, c, ...e];
    const scores = await Promise.all(RERANK_CANDIDATES.map((p) => promoteScore(rows, p, 2500, 5)));
    expect(Math.max(...scores.map((score) => score.at1))).toBeCloseTo(100 / 106);
    expect(await chooseRerankSetting(rows, 2500, 5)).toEqual(at(-20));
  });
});
