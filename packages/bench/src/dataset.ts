import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EvalQuestion, normalizeForMatch, parseQuestions } from '@articleqa/core';
import { sample } from './statistics.js';

/** The SQuAD half laid out as its README describes. */
export interface Dataset {
  dir: string;
  articlesDir: string;
  questionsPath: string;
  unanswerablePath: string;
}

/** The dataset in `dir`, or undefined when it is not there (benchmarks then say so and skip it). */
export function findDataset(dir: string): Dataset | undefined {
  const dataset = {
    dir,
    articlesDir: join(dir, 'articles'),
    questionsPath: join(dir, 'questions.jsonl'),
    unanswerablePath: join(dir, 'unanswerable.jsonl'),
  };
  const present = [dataset.articlesDir, dataset.questionsPath, dataset.unanswerablePath].every((path) =>
    existsSync(path),
  );
  return present ? dataset : undefined;
}

/** Fixed so that every run, and every phase of a run, asks the same questions. */
const QUESTION_SEED = 2016;

/**
 * A seeded sample of a question file: `count` questions (all when undefined) about the given article
 * titles (all articles when undefined).
 */
export async function readQuestionSample(
  path: string,
  count: number | undefined,
  titles?: readonly string[],
): Promise<EvalQuestion[]> {
  let questions = parseQuestions(await readFile(path, 'utf8'), path);
  if (titles) {
    const wanted = new Set(titles.map(cleanTitle));
    questions = questions.filter((question) => question.article && wanted.has(cleanTitle(question.article)));
  }
  return sample(questions, count, QUESTION_SEED);
}

/** The article files of the dataset, sorted; a seeded sample of `count` of them when given. */
export async function listArticles(
  dataset: Dataset,
  count: number | undefined,
): Promise<{ path: string; title: string; bytes: number }[]> {
  const names = (await readdir(dataset.articlesDir)).filter((name) => name.endsWith('.md')).sort();
  const chosen = count === undefined ? names : sample(names, count, ARTICLE_SEED).sort();
  const articles = [];
  for (const name of chosen) {
    const path = join(dataset.articlesDir, name);
    const text = await readFile(path, 'utf8');
    const title = /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? name.replace(/\.md$/, '').replaceAll('_', ' ');
    articles.push({ path, title, bytes: Buffer.byteLength(text) });
  }
  return articles;
}

const ARTICLE_SEED = 2018;

/**
 * The answer-recall hit test of the core's `evaluate` (and of the DPR paper): a retrieved chunk from
 * the question's article that contains one of its answers, case- and whitespace-insensitive. Used for
 * the peer, whose results do not go through `evaluate`.
 */
export function isAnswerHit(question: EvalQuestion, chunk: { title: string; text: string }): boolean {
  if (question.article !== undefined && !sameTitle(chunk.title, question.article)) return false;
  const text = normalizeForMatch(chunk.text);
  return question.answers.some((answer) => {
    const gold = normalizeForMatch(answer);
    return gold.length > 0 && text.includes(gold);
  });
}

function sameTitle(a: string, b: string): boolean {
  return cleanTitle(a) === cleanTitle(b);
}

function cleanTitle(text: string): string {
  return normalizeForMatch(text.replaceAll('_', ' '));
}

/** Answer recall@k, within a character budget, and MRR@10 over ranked chunk lists. */
export interface RecallSummary {
  questions: number;
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  recallWithinBudget: number;
  mrrAt10: number;
}

export function answerRecall(
  questions: readonly EvalQuestion[],
  ranked: readonly (readonly { title: string; text: string }[])[],
  budget: number,
): RecallSummary {
  let r1 = 0;
  let r5 = 0;
  let r10 = 0;
  let withinBudget = 0;
  let mrr = 0;
  questions.forEach((question, index) => {
    const chunks = ranked[index] ?? [];
    const first = chunks.findIndex((chunk) => isAnswerHit(question, chunk));
    if (first >= 0) {
      const rank = first + 1;
      if (rank <= 1) r1 += 1;
      if (rank <= 5) r5 += 1;
      if (rank <= 10) {
        r10 += 1;
        mrr += 1 / rank;
      }
    }
    let used = 0;
    for (const chunk of chunks) {
      if (used + chunk.text.length > budget) break;
      used += chunk.text.length;
      if (isAnswerHit(question, chunk)) {
        withinBudget += 1;
        break;
      }
    }
  });
  const rate = (count: number) => (questions.length > 0 ? count / questions.length : 0);
  return {
    questions: questions.length,
    recallAt1: rate(r1),
    recallAt5: rate(r5),
    recallAt10: rate(r10),
    recallWithinBudget: rate(withinBudget),
    mrrAt10: rate(mrr),
  };
}
