// Fits the reranker's promotion threshold and retrieval weight (`ReaderRerankerOptions.promoteAbove`,
// `retrievalWeight`) for a reader on article-level folds. The reader's margins are recorded once per
// question; each candidate setting then reorders the same fused lists through the real ReaderReranker,
// so nothing here re-implements it.

import {
  type PassageReading,
  type Reader,
  ReaderReranker,
  type RetrievedChunk,
  withinBudget,
} from '@articleqa/core';
import { articleFolds } from './abstention-fit.js';

/** One answerable question: its fused (unreranked) list and the reader's margin of each chunk it read. */
export interface PromoteRow {
  article: string;
  question: string;
  fused: RetrievedChunk[];
  /** Margin by chunk id, for the chunks the reranker read. */
  margins: Map<number, number>;
  hit: (chunk: RetrievedChunk) => boolean;
}

export interface PromoteScore {
  at1: number;
  budget: number;
}

/** The reranker's two fitted settings. */
export interface RerankSetting {
  promoteAbove: number;
  retrievalWeight: number;
}

/**
 * Thresholds tried, lowest first: from nearly every read chunk ordered (-20, the margin's clamp
 * elsewhere) to promoting only clear answers.
 */
export const PROMOTE_THRESHOLDS = [-20, -8, -6, -4, -3, -2, -1, 0, 1, 2];

/** Retrieval weights tried, lowest first: 0 orders the promoted chunks by the reader's margin alone. */
export const RERANK_RETRIEVAL_WEIGHTS = [0, 5, 10, 20, 40];

/**
 * Settings tried, in the order of preference among near-equals: the lower threshold first (it trusts
 * the reader with more chunks), then the lower weight.
 */
export const RERANK_CANDIDATES: RerankSetting[] = PROMOTE_THRESHOLDS.flatMap((promoteAbove) =>
  RERANK_RETRIEVAL_WEIGHTS.map((retrievalWeight) => ({ promoteAbove, retrievalWeight })),
);

/** A reader that answers from recorded margins (the chunk texts identify the chunks). */
function recordedReader(row: PromoteRow): Reader {
  const byText = new Map(row.fused.map((chunk) => [chunk.text, row.margins.get(chunk.chunkId)]));
  return {
    id: 'recorded',
    async read(_question, passages) {
      return passages.map((text, passage): PassageReading => {
        const margin = byText.get(text) ?? Number.NEGATIVE_INFINITY;
        return { passage, start: 0, end: 0, text: '', spanScore: margin, nullScore: 0, margin };
      });
    },
  };
}

/** Recall@1 and recall within `budget` characters of the rows reordered with `setting`. */
export async function promoteScore(
  rows: readonly PromoteRow[],
  setting: RerankSetting,
  budget: number,
  depth: number,
): Promise<PromoteScore> {
  let at1 = 0;
  let within = 0;
  for (const row of rows) {
    const reranker = new ReaderReranker(recordedReader(row), { depth, ...setting });
    const ordered = await reranker.rerank(row.question, row.fused);
    if (ordered[0] && row.hit(ordered[0])) at1++;
    if (withinBudget(ordered, budget).some(row.hit)) within++;
  }
  return { at1: at1 / Math.max(1, rows.length), budget: within / Math.max(1, rows.length) };
}

/** Each of {@link RERANK_CANDIDATES}' recall on `rows`, in that order. */
function candidateScores(
  rows: readonly PromoteRow[],
  budget: number,
  depth: number,
): Promise<PromoteScore[]> {
  return Promise.all(RERANK_CANDIDATES.map((candidate) => promoteScore(rows, candidate, budget, depth)));
}

/**
 * The first candidate (in {@link RERANK_CANDIDATES}' order of preference) whose recall@1 is within one
 * standard error of the best one's (the one-standard-error rule), from the candidates' scores on `n` rows.
 */
function firstWithinOneError(scores: readonly PromoteScore[], n: number): RerankSetting {
  const best = Math.max(...scores.map((score) => score.at1));
  const standardError = Math.sqrt((best * (1 - best)) / Math.max(1, n));
  return RERANK_CANDIDATES[scores.findIndex((score) => score.at1 >= best - standardError)]!;
}

/**
 * The setting for `rows`: the most preferred candidate whose recall@1 is within one standard error of
 * the best one's. Recall@1 is flat over a wide range of thresholds, where the best is noise; the lowest
 * threshold of that range trusts the reader most, and the reader is what reads.
 */
export async function chooseRerankSetting(
  rows: readonly PromoteRow[],
  budget: number,
  depth: number,
): Promise<RerankSetting> {
  return firstWithinOneError(await candidateScores(rows, budget, depth), rows.length);
}

/**
 * Each fold's setting is chosen ({@link chooseRerankSetting}) on the other folds' articles and scored
 * on its own; the shipped one is chosen on all rows.
 */
export async function fitRerankSetting(
  rows: readonly PromoteRow[],
  folds: number,
  budget: number,
  depth: number,
): Promise<{
  heldOut: PromoteScore;
  chosenByFold: RerankSetting[];
  shipped: RerankSetting;
  /** Each candidate's recall on all rows (not held out: for seeing how flat it is). */
  curve: (RerankSetting & PromoteScore)[];
}> {
  const foldOf = articleFolds(rows, folds);
  const chosenByFold: RerankSetting[] = [];
  let at1 = 0;
  let within = 0;
  for (let fold = 0; fold < folds; fold++) {
    const chosen = await chooseRerankSetting(
      rows.filter((row) => foldOf(row) !== fold),
      budget,
      depth,
    );
    chosenByFold.push(chosen);
    const own = rows.filter((row) => foldOf(row) === fold);
    const s = await promoteScore(own, chosen, budget, depth);
    at1 += s.at1 * own.length;
    within += s.budget * own.length;
  }
  // All rows' scores give both the shipped threshold and the curve.
  const all = await candidateScores(rows, budget, depth);
  return {
    heldOut: { at1: at1 / Math.max(1, rows.length), budget: within / Math.max(1, rows.length) },
    chosenByFold,
    shipped: firstWithinOneError(all, rows.length),
    curve: all.map((score, index) => ({ ...RERANK_CANDIDATES[index]!, ...score })),
  };
}
