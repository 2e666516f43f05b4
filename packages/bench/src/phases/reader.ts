import {
  createLocalEmbedder,
  createLocalReader,
  DefaultAbstention,
  type EvalQuestion,
  normalizeForMatch,
  openArticleQA,
  type RetrievedChunk,
  squadNormalize,
  tokenF1,
  withinBudget,
} from '@articleqa/core';
import { auc, crossValidate, fitLogistic, type SignalRow, thresholdFor } from '../abstention-fit.js';
import { isAnswerHit } from '../dataset.js';
import { type LatencySummary, summarize } from '../statistics.js';

/** The reader measured against the previous sentence answerer on the same questions. */
export interface ReaderInput {
  indexDir: string;
  cacheDir: string;
  /** Answerable and unanswerable questions, each with its article. */
  questions: EvalQuestion[];
  offTopic: string[];
  folds: number;
  /** Share of answerable questions the operating point must answer. */
  answeredTarget: number;
  contextBudget: number;
  k: number;
  quantized: boolean;
}

/** Rates over the answerable (`answered`, hits, F1) or unanswerable (abstained) questions. */
export interface AnswerRates {
  answerHit: number;
  citedHit: number;
  shortF1: number;
  shortExact: number;
  /** Answered questions that carry a short answer. */
  shortPresent: number;
  abstainedUnanswerable: number;
  abstainedAnswerable: number;
  auc: number;
}

export interface ReaderOutput {
  answerable: number;
  unanswerable: number;
  articles: number;
  /** The sentence answerer (no reader), its own abstention. */
  previous: AnswerRates;
  /** The reader with reranking, abstention fitted on the other folds' articles. */
  reader: AnswerRates;
  /** The same without reranking (abstention fitted the same way). */
  readerNoRerank: AnswerRates;
  /** Retrieval order: fused (as before) and reranked by the reader. */
  recall: { fusedAt1: number; rerankedAt1: number; fusedBudget: number; rerankedBudget: number };
  /** Held-out curve: at each threshold quantile, answerable answered and unanswerable abstained. */
  curve: { answered: number; abstained: number }[];
  /** Fitted on all articles: the values shipped as DefaultAbstention. */
  shipped: typeof DefaultAbstention;
  folds: (typeof DefaultAbstention)[];
  offTopic: { questions: number; abstained: number; answered: string[] };
  latency: {
    ask: LatencySummary;
    rerank: LatencySummary;
    answer: LatencySummary;
    previousAsk: LatencySummary;
  };
}

interface Row extends SignalRow {
  hit: boolean;
  cited: boolean;
  f1: number;
  exact: boolean;
  short: boolean;
}

export async function runReader(input: ReaderInput): Promise<ReaderOutput> {
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  const reader = createLocalReader({ cacheDir: input.cacheDir, quantized: input.quantized });
  const previous = await openArticleQA({ dir: input.indexDir, embedder, create: false });
  // Abstention off: every question gets the reader's answer and signals; abstention is applied after,
  // from fits on other articles.
  const open = await openArticleQA({
    dir: input.indexDir,
    embedder,
    reader,
    create: false,
    readerAnswerer: { abstention: { ...DefaultAbstention, threshold: -1 } },
  });
  await reader.ready();

  const on: Row[] = [];
  const off: Row[] = [];
  const prev: {
    answerable: boolean;
    hit: boolean;
    cited: boolean;
    abstained: boolean;
    confidence: number;
  }[] = [];
  const recall = { fusedAt1: 0, rerankedAt1: 0, fusedBudget: 0, rerankedBudget: 0 };
  const latency = {
    ask: [] as number[],
    rerank: [] as number[],
    answer: [] as number[],
    previousAsk: [] as number[],
  };
  for (const [index, question] of input.questions.entries()) {
    const gold = question.answers.map(normalizeForMatch).filter((answer) => answer.length > 0);
    const contains = (text: string) => gold.some((answer) => normalizeForMatch(text).includes(answer));
    let started = performance.now();
    const before = await previous.ask(question.question, { k: input.k });
    latency.previousAsk.push(performance.now() - started);
    prev.push({
      answerable: question.answerable,
      hit: !before.abstained && contains(before.answer),
      cited: !before.abstained && before.citations.some((citation) => contains(citation.quote)),
      abstained: before.abstained,
      confidence: before.confidence ?? 0,
    });
    const noRerank = await open.ask(question.question, { k: input.k, rerank: false });
    started = performance.now();
    const result = await open.ask(question.question, { k: input.k });
    latency.ask.push(performance.now() - started);
    latency.rerank.push(result.timings.rerankMs);
    latency.answer.push(result.timings.answerMs);
    for (const [rows, answer] of [
      [on, result],
      [off, noRerank],
    ] as const) {
      rows.push({
        article: question.article ?? '',
        answerable: question.answerable,
        margin: answer.signals?.readerMargin ?? -20,
        dense: answer.signals?.topDense ?? 0,
        coverage: answer.signals?.coverage ?? 0,
        hit: contains(answer.answer),
        cited: answer.citations.some((citation) => contains(citation.quote)),
        f1: Math.max(0, ...question.answers.map((gold) => tokenF1(answer.shortAnswer, gold))),
        exact: question.answers.some((gold) => squadNormalize(gold) === squadNormalize(answer.shortAnswer)),
        short: answer.shortAnswer.length > 0,
      });
    }
    if (question.answerable) {
      const hit = (chunk: RetrievedChunk) => isAnswerHit(question, chunk);
      if (noRerank.retrieved[0] && hit(noRerank.retrieved[0])) recall.fusedAt1++;
      if (result.retrieved[0] && hit(result.retrieved[0])) recall.rerankedAt1++;
      if (withinBudget(noRerank.retrieved, input.contextBudget).some(hit)) recall.fusedBudget++;
      if (withinBudget(result.retrieved, input.contextBudget).some(hit)) recall.rerankedBudget++;
    }
    if ((index + 1) % 500 === 0) process.stderr.write(`    reader: ${index + 1}/${input.questions.length}\n`);
  }

  const answerable = input.questions.filter((question) => question.answerable).length;
  const unanswerable = input.questions.length - answerable;
  const heldOut = (rows: Row[]) => {
    const { confidence, abstain } = crossValidate(rows, input.folds, input.answeredTarget);
    return { rates: rates(rows, abstain, confidence, answerable, unanswerable), confidence };
  };
  const reranked = heldOut(on);
  const plain = heldOut(off);
  const curve = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98].map((answeredShare) => {
    const { abstain } = crossValidate(on, input.folds, answeredShare);
    return {
      answered: on.filter((row, i) => row.answerable && !abstain[i]).length / answerable,
      abstained: on.filter((row, i) => !row.answerable && abstain[i]).length / Math.max(1, unanswerable),
    };
  });
  const model = fitLogistic(on);
  const shipped = { ...model, threshold: thresholdFor(on, model, input.answeredTarget) };
  const { fits } = crossValidate(on, input.folds, input.answeredTarget);

  // Off-topic questions with the shipped calibration.
  const shippedQa = await openArticleQA({
    dir: input.indexDir,
    embedder,
    reader,
    create: false,
    readerAnswerer: { abstention: shipped },
  });
  const answeredOffTopic: string[] = [];
  for (const question of input.offTopic) {
    const result = await shippedQa.ask(question);
    if (!result.abstained) answeredOffTopic.push(`${question} -> ${result.shortAnswer}`);
  }
  const previousAuc = auc(
    prev.map((row) => row.confidence),
    prev.map((row) => row.answerable),
  );
  const previousRates: AnswerRates = {
    answerHit: prev.filter((row) => row.answerable && row.hit).length / answerable,
    citedHit: prev.filter((row) => row.answerable && row.cited).length / answerable,
    shortF1: 0,
    shortExact: 0,
    shortPresent: 0,
    abstainedUnanswerable:
      prev.filter((row) => !row.answerable && row.abstained).length / Math.max(1, unanswerable),
    abstainedAnswerable: prev.filter((row) => row.answerable && row.abstained).length / answerable,
    auc: previousAuc,
  };
  await Promise.all([previous.close(), open.close(), shippedQa.close()]);
  await reader.close();
  await embedder.close();
  return {
    answerable,
    unanswerable,
    articles: new Set(input.questions.map((question) => question.article)).size,
    previous: previousRates,
    reader: reranked.rates,
    readerNoRerank: plain.rates,
    recall: {
      fusedAt1: recall.fusedAt1 / answerable,
      rerankedAt1: recall.rerankedAt1 / answerable,
      fusedBudget: recall.fusedBudget / answerable,
      rerankedBudget: recall.rerankedBudget / answerable,
    },
    curve,
    shipped,
    folds: fits,
    offTopic: {
      questions: input.offTopic.length,
      abstained: input.offTopic.length - answeredOffTopic.length,
      answered: answeredOffTopic,
    },
    latency: {
      ask: summarize(latency.ask),
      rerank: summarize(latency.rerank),
      answer: summarize(latency.answer),
      previousAsk: summarize(latency.previousAsk),
    },
  };

  function rates(
    rows: Row[],
    abstain: boolean[],
    confidence: number[],
    nAnswerable: number,
    nUnanswerable: number,
  ): AnswerRates {
    const answered = rows.map((row, i) => ({ row, answered: !abstain[i] }));
    const good = answered.filter((entry) => entry.row.answerable && entry.answered);
    return {
      answerHit: good.filter((entry) => entry.row.hit).length / nAnswerable,
      citedHit: good.filter((entry) => entry.row.cited).length / nAnswerable,
      shortF1: good.reduce((sum, entry) => sum + entry.row.f1, 0) / nAnswerable,
      shortExact: good.filter((entry) => entry.row.exact).length / nAnswerable,
      shortPresent:
        answered.filter((entry) => entry.answered && entry.row.short).length /
        Math.max(1, answered.filter((entry) => entry.answered).length),
      abstainedUnanswerable:
        rows.filter((row, i) => !row.answerable && abstain[i]).length / Math.max(1, nUnanswerable),
      abstainedAnswerable: rows.filter((row, i) => row.answerable && abstain[i]).length / nAnswerable,
      auc: auc(
        confidence,
        rows.map((row) => row.answerable),
      ),
    };
  }
}

/** Questions about none of the SQuAD half's 24 articles (the first three from the issue that asked for it). */
export const OFF_TOPIC_QUESTIONS = [
  'What is the capital of Peru?',
  'When did the Titanic sink?',
  'How tall is the Eiffel Tower?',
  'Who painted the Mona Lisa?',
  'Who wrote Pride and Prejudice?',
  'What is the largest desert in Africa?',
  'How many moons does Jupiter have?',
  'Who invented the telephone?',
  'Who won the 2018 FIFA World Cup?',
  'What language is spoken in Brazil?',
  'Who designed the Sydney Opera House?',
  'What is the population of Tokyo?',
  'Who directed the film Jaws?',
  'How deep is Lake Baikal?',
  'What is the chemical symbol for gold?',
  'Who was the first person to climb Mount Everest?',
  'What currency does Japan use?',
  'Which planet is known as the Red Planet?',
  'Who composed The Four Seasons?',
  'What is the tallest mountain in South America?',
];
