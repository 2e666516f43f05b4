// Fits the reader answerer's abstention (a logistic model over its signals and the reader's [CLS]
// state) and checks it on article-level folds: every number reported comes from articles the fit did
// not see.
import {
  type Abstention,
  AbstentionSignals,
  type AnswerSignals,
  abstentionConfidence,
} from '@articleqa/core';

/** One question's signals and outcome with abstention off. */
export interface SignalRow {
  article: string;
  answerable: boolean;
  signals: AnswerSignals;
  /** The reader's [CLS] state for the best passage; empty when not recorded. */
  cls: ArrayLike<number>;
}

const NAMES = AbstentionSignals.map(([name]) => name);
type Weights = Omit<Abstention, 'threshold'>;

/**
 * Which signals a fit may use: the five the first calibration had, all of them, or all with the
 * [CLS] probe. `fitCalibrated` picks among them by out-of-fold AUC.
 */
export type FeatureSet = 'first' | 'all' | 'cls';
const FIRST = 5;

function features(row: SignalRow, set: FeatureSet = 'cls'): number[] {
  const scalars = AbstentionSignals.map(([, value]) => value(row.signals));
  if (set === 'first') return scalars.slice(0, FIRST);
  return set === 'cls' ? [...scalars, ...Array.from(row.cls)] : scalars;
}

/**
 * Class-balanced logistic regression (answerable = 1) over standardised features by full-batch
 * gradient descent with L2; the weights are returned in the raw features' units.
 */
export function fitLogistic(
  rows: readonly SignalRow[],
  set: FeatureSet = 'cls',
  iterations = 400,
  rate = 0.5,
  l2 = 0.1,
): Weights {
  const x = rows.map((row) => features(row, set));
  const width = x[0]?.length ?? NAMES.length;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const xi of x) for (let k = 0; k < width; k++) mean[k]! += xi[k]! / x.length;
  for (const xi of x) for (let k = 0; k < width; k++) std[k]! += (xi[k]! - mean[k]!) ** 2 / x.length;
  for (let k = 0; k < width; k++) std[k] = Math.sqrt(std[k]!) || 1;
  const z = x.map((xi) => xi.map((value, k) => (value - mean[k]!) / std[k]!));
  const y = rows.map((row) => (row.answerable ? 1 : 0));
  // Each class weighs the same, so the fit does not lean on the set's mix of the two.
  const positives = y.filter(Boolean).length;
  const weight = y.map((label) =>
    label ? rows.length / (2 * positives) : rows.length / (2 * (rows.length - positives)),
  );
  let bias = 0;
  const w = new Array<number>(width).fill(0);
  const g = new Array<number>(width);
  for (let step = 0; step < iterations; step++) {
    let gb = 0;
    g.fill(0);
    for (let i = 0; i < z.length; i++) {
      const zi = z[i]!;
      let s = bias;
      for (let k = 0; k < width; k++) s += w[k]! * zi[k]!;
      const error = (1 / (1 + Math.exp(-s)) - y[i]!) * weight[i]!;
      gb += error;
      for (let k = 0; k < width; k++) g[k]! += error * zi[k]!;
    }
    bias -= (rate * gb) / z.length;
    for (let k = 0; k < width; k++) w[k] = w[k]! - rate * (g[k]! / z.length + l2 * w[k]!);
  }
  const raw = w.map((value, k) => value / std[k]!);
  const rawBias = bias - raw.reduce((sum, value, k) => sum + value * mean[k]!, 0);
  const named = set === 'first' ? FIRST : NAMES.length;
  return {
    bias: rawBias,
    ...(Object.fromEntries(NAMES.map((name, k) => [name, k < named ? raw[k]! : 0])) as Omit<
      Weights,
      'bias' | 'cls'
    >),
    ...(width > named ? { cls: raw.slice(named) } : {}),
  };
}

export function confidenceOf(row: SignalRow, model: Weights): number {
  return abstentionConfidence(row.signals, model, row.cls);
}

/**
 * Where abstention's threshold goes: at the highest confidence that still answers `answered` of the
 * answerable questions, or lower (answering more of them) when that still abstains on
 * `unanswerableAbstained` of the unanswerable ones. Both are read off out-of-fold confidences of the
 * fit's own articles.
 */
export interface OperatingPoint {
  answered: number;
  unanswerableAbstained?: number;
}

export function thresholdOf(
  confidences: readonly number[],
  answerable: readonly boolean[],
  point: OperatingPoint,
): number {
  const scores = confidences.filter((_, i) => answerable[i]).sort((a, b) => a - b);
  // The epsilons keep shares such as 0.9 of 10 from rounding to one question fewer or more.
  const index = Math.floor((1 - point.answered) * scores.length + 1e-9);
  const atAnswered = scores[Math.min(index, scores.length - 1)] ?? 0.5;
  if (point.unanswerableAbstained === undefined) return atAnswered;
  const negatives = confidences.filter((_, i) => !answerable[i]).sort((a, b) => a - b);
  const k = Math.ceil(point.unanswerableAbstained * negatives.length - 1e-9);
  if (k === 0 || k >= negatives.length) return atAnswered;
  // Between the k-th and the next lowest unanswerable confidence: abstains on those k.
  return Math.min(atAnswered, (negatives[k - 1]! + negatives[k]!) / 2);
}

/**
 * The threshold of each operating point, set on out-of-fold confidences (inner
 * article folds): a model's confidences on its own training rows are too high to set it on, the more
 * so with hundreds of [CLS] features.
 */
export function thresholdsFor(
  rows: readonly SignalRow[],
  points: readonly OperatingPoint[],
  set: FeatureSet = 'cls',
  innerFolds = 3,
): { thresholds: number[]; auc: number } {
  const foldOf = articleFolds(rows, innerFolds);
  const confidences = new Array<number>(rows.length);
  for (let fold = 0; fold < innerFolds; fold++) {
    const model = fitLogistic(
      rows.filter((row) => foldOf(row) !== fold),
      set,
    );
    for (const [i, row] of rows.entries())
      if (foldOf(row) === fold) confidences[i] = confidenceOf(row, model);
  }
  const answerable = rows.map((row) => row.answerable);
  return {
    thresholds: points.map((point) => thresholdOf(confidences, answerable, point)),
    auc: auc(confidences, answerable),
  };
}

/**
 * Fits abstention on `rows` with each {@link FeatureSet} and keeps the one whose out-of-fold AUC
 * (inner article folds) is highest, its thresholds set on those out-of-fold confidences.
 */
export function fitCalibrated(
  rows: readonly SignalRow[],
  points: readonly OperatingPoint[],
  allowed: readonly FeatureSet[] = ['first', 'all', 'cls'],
): { model: Weights; thresholds: number[]; set: FeatureSet } {
  const withCls = rows.some((row) => row.cls.length > 0);
  const sets = allowed.filter((set) => set !== 'cls' || withCls);
  let best: { set: FeatureSet; thresholds: number[]; auc: number } | undefined;
  for (const set of sets) {
    const fit = thresholdsFor(rows, points, set);
    if (!best || fit.auc > best.auc) best = { set, ...fit };
  }
  return { model: fitLogistic(rows, best!.set), thresholds: best!.thresholds, set: best!.set };
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

/** The fold of each article: articles sorted by title, dealt round-robin. */
export function articleFolds<Row extends { article: string }>(
  rows: readonly Row[],
  folds: number,
): (row: Row) => number {
  const articles = [...new Set(rows.map((row) => row.article))].sort();
  const foldOf = new Map(articles.map((article, index) => [article, index % folds]));
  return (row) => foldOf.get(row.article) ?? 0;
}

/**
 * Article-level cross-validation with a choice among variants (the same questions answered with
 * different settings, `variants[v][i]` being question i): each fold takes the variant that `score`s
 * best on the other folds' rows, then fits abstention on those rows, with one threshold per
 * `points` entry. Returns per question the held-out row and confidence, abstention per target,
 * and what each fold chose.
 */
export function crossValidateVariants<Row extends SignalRow>(
  variants: readonly (readonly Row[])[],
  folds: number,
  points: readonly OperatingPoint[],
  score: (rows: readonly Row[]) => number,
  allowed?: readonly FeatureSet[],
): {
  rows: Row[];
  confidence: number[];
  abstain: boolean[][];
  chosen: number[];
  fits: Abstention[];
  sets: FeatureSet[];
} {
  const base = variants[0]!;
  const foldOf = articleFolds(base, folds);
  const rows = new Array<Row>(base.length);
  const confidence = new Array<number>(base.length);
  const abstain = points.map(() => new Array<boolean>(base.length));
  const chosen: number[] = [];
  const fits: Abstention[] = [];
  const sets: FeatureSet[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const trainOf = (variant: readonly Row[]) => variant.filter((row) => foldOf(row) !== fold);
    let best = 0;
    for (let v = 1; v < variants.length; v++)
      if (score(trainOf(variants[v]!)) > score(trainOf(variants[best]!))) best = v;
    chosen.push(best);
    const train = trainOf(variants[best]!);
    const { model, thresholds, set } = fitCalibrated(train, points, allowed);
    fits.push({ ...model, threshold: thresholds[0]! });
    sets.push(set);
    for (const [index, row] of variants[best]!.entries()) {
      if (foldOf(row) !== fold) continue;
      rows[index] = row;
      confidence[index] = confidenceOf(row, model);
      for (const [t, threshold] of thresholds.entries()) abstain[t]![index] = confidence[index]! < threshold;
    }
  }
  return { rows, confidence, abstain, chosen, fits, sets };
}
