// Fits the reader answerer's abstention (a logistic model over its signals) and checks it on
// article-level folds: every number reported comes from articles the fit did not see.
import type { Abstention } from '@articleqa/core';

/** One question's signals and outcome with abstention off. */
export interface SignalRow {
  article: string;
  answerable: boolean;
  margin: number;
  dense: number;
  coverage: number;
}

const features = (row: SignalRow): [number, number, number] => [
  Math.max(-20, Math.min(20, row.margin)),
  row.dense,
  row.coverage,
];

/** Logistic regression (answerable = 1) by full-batch gradient descent with a little L2. */
export function fitLogistic(
  rows: readonly SignalRow[],
  iterations = 3000,
  rate = 0.05,
): Omit<Abstention, 'threshold'> {
  let [bias, margin, dense, coverage] = [0, 0, 0, 0];
  const x = rows.map(features);
  const y = rows.map((row) => (row.answerable ? 1 : 0));
  // Each class weighs the same, so the fit does not lean on the set's mix of the two.
  const positives = y.filter(Boolean).length;
  const weight = y.map((label) =>
    label ? rows.length / (2 * positives) : rows.length / (2 * (rows.length - positives)),
  );
  for (let step = 0; step < iterations; step++) {
    let gb = 0;
    let gm = 0;
    let gd = 0;
    let gc = 0;
    for (let i = 0; i < x.length; i++) {
      const [m, d, c] = x[i]!;
      const p = 1 / (1 + Math.exp(-(bias + margin * m + dense * d + coverage * c)));
      const error = (p - y[i]!) * weight[i]!;
      gb += error;
      gm += error * m;
      gd += error * d;
      gc += error * c;
    }
    const n = x.length;
    bias -= (rate * gb) / n;
    margin -= rate * (gm / n + 1e-3 * margin);
    dense -= rate * (gd / n + 1e-3 * dense);
    coverage -= rate * (gc / n + 1e-3 * coverage);
  }
  return { bias, margin, dense, coverage };
}

export function confidenceOf(row: SignalRow, model: Omit<Abstention, 'threshold'>): number {
  const [m, d, c] = features(row);
  return 1 / (1 + Math.exp(-(model.bias + model.margin * m + model.dense * d + model.coverage * c)));
}

/** The highest threshold that still answers `answered` of the answerable rows. */
export function thresholdFor(
  rows: readonly SignalRow[],
  model: Omit<Abstention, 'threshold'>,
  answered: number,
): number {
  const scores = rows
    .filter((row) => row.answerable)
    .map((row) => confidenceOf(row, model))
    .sort((a, b) => a - b);
  const index = Math.floor((1 - answered) * scores.length);
  return scores[Math.max(0, index - 1)] ?? 0.5;
}

/** Area under the ROC curve of `scores` separating positives from negatives (ties count half). */
export function auc(scores: readonly number[], labels: readonly boolean[]): number {
  const pairs = scores
    .map((score, index) => ({ score, label: labels[index]! }))
    .sort((a, b) => a.score - b.score);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < pairs.length; ) {
    let j = i;
    while (j < pairs.length && pairs[j]!.score === pairs[i]!.score) j++;
    const rank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) {
      if (pairs[k]!.label) {
        rankSum += rank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = pairs.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Article-level folds: each fold's confidence and threshold come from a fit on the other folds'
 * articles. Returns, per row, the held-out confidence and whether it abstains.
 */
export function crossValidate(
  rows: readonly SignalRow[],
  folds: number,
  answeredTarget: number,
): { confidence: number[]; abstain: boolean[]; fits: Abstention[] } {
  const articles = [...new Set(rows.map((row) => row.article))].sort();
  const foldOf = new Map(articles.map((article, index) => [article, index % folds]));
  const confidence = new Array<number>(rows.length);
  const abstain = new Array<boolean>(rows.length);
  const fits: Abstention[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const train = rows.filter((row) => foldOf.get(row.article) !== fold);
    const model = fitLogistic(train);
    const threshold = thresholdFor(train, model, answeredTarget);
    fits.push({ ...model, threshold });
    for (const [index, row] of rows.entries()) {
      if (foldOf.get(row.article) !== fold) continue;
      confidence[index] = confidenceOf(row, model);
      abstain[index] = confidence[index]! < threshold;
    }
  }
  return { confidence, abstain, fits };
}
