import { describe, expect, it } from 'vitest';
import { auc, fitLogistic, type SignalRow, thresholdOf } from './abstention-fit.js';

// Ten answerable questions with confidences 0.1..1.0 and ten unanswerable with 0.05..0.5.
const answerableScores = Array.from({ length: 10 }, (_, i) => (i + 1) / 10);
const unanswerableScores = Array.from({ length: 10 }, (_, i) => (i + 1) / 20);
const confidences = [...answerableScores, ...unanswerableScores];
const answerable = confidences.map((_, i) => i < 10);
const abstainedOn = (threshold: number, onAnswerable: boolean) =>
  confidences.filter((score, i) => answerable[i] === onAnswerable && score < threshold).length;

describe('thresholdOf', () => {
  it('answers the given share of answerable questions', () => {
    const threshold = thresholdOf(confidences, answerable, { answered: 0.9 });
    expect(abstainedOn(threshold, true)).toBe(1);
  });

  it('answers more while the unanswerable share abstained on still holds', () => {
    const threshold = thresholdOf(confidences, answerable, { answered: 0.8, unanswerableAbstained: 0.3 });
    // 0.8 answered would abstain below 0.3; three unanswerable questions abstained only need < 0.175.
    expect(abstainedOn(threshold, false)).toBe(3);
    expect(abstainedOn(threshold, true)).toBe(1);
  });

  it('never answers fewer than the given share to abstain on more', () => {
    const threshold = thresholdOf(confidences, answerable, { answered: 0.9, unanswerableAbstained: 0.9 });
    expect(threshold).toBe(thresholdOf(confidences, answerable, { answered: 0.9 }));
    expect(abstainedOn(threshold, true)).toBe(1);
  });
});

describe('fitLogistic', () => {
  it('weighs a separating signal positively, in its raw units', () => {
    const rows: SignalRow[] = Array.from({ length: 40 }, (_, i) => ({
      article: `a${i % 4}`,
      answerable: i % 2 === 0,
      signals: { readerMargin: i % 2 === 0 ? 4 + (i % 5) : -2 - (i % 3), coverage: 0.5 },
      cls: [],
    }));
    const model = fitLogistic(rows, 'all');
    expect(model.margin).toBeGreaterThan(0);
    expect(model.cls).toBeUndefined();
    const z = (margin: number) => model.bias + model.margin * margin + model.coverage * 0.5;
    const scores = rows.map((row) => z(row.signals.readerMargin!));
    expect(
      auc(
        scores,
        rows.map((row) => row.answerable),
      ),
    ).toBe(1);
  });
});
