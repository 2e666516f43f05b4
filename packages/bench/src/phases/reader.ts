import { writeFileSync } from 'node:fs';
import {
  createLocalEmbedder,
  createLocalReader,
  DefaultAbstention,
  DefaultReaderAnswererOptions,
  type EvalQuestion,
  normalizeForMatch,
  openArticleQA,
  type RetrievedChunk,
  squadNormalize,
  tokenF1,
  withinBudget,
} from '@articleqa/core';
import {
  auc,
  crossValidateVariants,
  type FeatureSet,
  fitCalibrated,
  type OperatingPoint,
  type SignalRow,
} from '../abstention-fit.js';
import { isAnswerHit } from '../dataset.js';
import { fitRerankSetting, type PromoteRow, RERANK_CANDIDATES, type RerankSetting } from '../promote-fit.js';
import { type LatencySummary, summarize } from '../statistics.js';

/** The reader measured against the previous sentence answerer on the same questions. */
export interface ReaderInput {
  indexDir: string;
  cacheDir: string;
  /** Answerable and unanswerable questions, each with its article. */
  questions: EvalQuestion[];
  offTopic: string[];
  folds: number;
  /**
   * The operating point: the share of answerable questions answered at least, and the share of
   * unanswerable ones to keep abstaining on while answering more (see {@link OperatingPoint}).
   */
  operating: Required<OperatingPoint>;
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
  /** The reader with reranking, sentence weight and abstention chosen on the other folds' articles. */
  reader: AnswerRates;
  /** As `reader`, its threshold answering exactly `operating.answered` (no more). */
  readerAtAnswered?: AnswerRates;
  /** The reader alone choosing the sentence (both choice weights 0), abstention fitted the same way. */
  readerAlone: AnswerRates;
  /** As `reader`, abstention limited to the five signals the first calibration used. */
  readerFirstSignals: AnswerRates;
  /** The signal set each fold's fit chose (out-of-fold AUC on inner folds), and the shipped one's. */
  featureSets: { chosenByFold: FeatureSet[]; shipped: FeatureSet };
  /** Answer hit and short-answer F1 of each pair of choice weights with abstention off, over answerable questions. */
  unabstained: (ChoiceWeights & { answerHit: number; shortF1: number })[];
  /** Choice weights tried, the pair each fold chose, and the pair shipped (chosen on all articles). */
  choiceWeights: { tried: ChoiceWeights[]; chosenByFold: ChoiceWeights[]; shipped: ChoiceWeights };
  /**
   * Retrieval order: fused (as before) and reranked by the reader, its settings chosen on the other
   * folds' articles (`rerankedAt1`, `rerankedBudget`); `runAt1`/`runBudget` are the run's own
   * reranking, at the settings the package had when the run started.
   */
  recall: {
    fusedAt1: number;
    rerankedAt1: number;
    fusedBudget: number;
    rerankedBudget: number;
    runAt1?: number;
    runBudget?: number;
  };
  /**
   * The reranker's promotion threshold and retrieval weight: tried, chosen by each fold, shipped (chosen
   * on all articles).
   */
  rerank: {
    tried: RerankSetting[];
    chosenByFold: RerankSetting[];
    shipped: RerankSetting;
    /** Each setting's recall on all articles (not held out). */
    curve: (RerankSetting & { at1: number; budget: number })[];
  };
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

/** How the reader answerer chooses the sentence to answer from (its options of the same names). */
export interface ChoiceWeights {
  sentenceWeight: number;
  retrievalWeight: number;
}

/** `s16 r20`: sentence weight 16, retrieval weight 20. */
export function choiceLabel(weights: ChoiceWeights): string {
  return `s${weights.sentenceWeight} r${weights.retrievalWeight}`;
}

/** `-20 r20`: promote above -20, retrieval weight 20. */
export function rerankLabel(setting: RerankSetting): string {
  return `${setting.promoteAbove} r${setting.retrievalWeight}`;
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
  const open = await Promise.all(
    CHOICE_WEIGHTS.map((weights) =>
      openArticleQA({
        dir: input.indexDir,
        embedder,
        reader,
        create: false,
        readerAnswerer: { ...weights, abstention: { ...DefaultAbstention, threshold: -1 } },
      }),
    ),
  );
  await reader.ready();

  const byWeight: Row[][] = CHOICE_WEIGHTS.map(() => []);
  const prev: {
    answerable: boolean;
    hit: boolean;
    cited: boolean;
    abstained: boolean;
    confidence: number;
  }[] = [];
  const recall = { fusedAt1: 0, rerankedAt1: 0, fusedBudget: 0, rerankedBudget: 0 };
  const promoteRows: PromoteRow[] = [];
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
    // Reranked first, so its timing includes reading; the unreranked answer then reads the same chunks
    // from the reader's cache.
    started = performance.now();
    const result = await open[0]!.ask(question.question, { k: input.k });
    latency.ask.push(performance.now() - started);
    latency.rerank.push(result.timings.rerankMs);
    latency.answer.push(result.timings.answerMs);
    const noRerank = await open[0]!.ask(question.question, { k: input.k, rerank: false });
    // The reader's [CLS] state of the best passage: the answerer read these very chunks, so this is a
    // cache hit. Every variant answers from the same readings.
    const readings = await reader.read(
      question.question,
      result.retrieved.slice(0, DefaultReaderAnswererOptions.maxSources).map((chunk) => chunk.text),
    );
    const bestReading = readings.reduce((a, b) => (b.margin > a.margin ? b : a), readings[0]!);
    const cls = bestReading?.cls ?? new Float32Array(0);
    for (const [v, qa] of open.entries()) {
      const answer = v === 0 ? result : await qa.ask(question.question, { k: input.k });
      byWeight[v]!.push({
        article: question.article ?? '',
        answerable: question.answerable,
        signals: answer.signals ?? {},
        cls,
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
      promoteRows.push({
        article: question.article ?? '',
        question: question.question,
        fused: noRerank.retrieved,
        margins: new Map(
          result.retrieved.flatMap((chunk) =>
            chunk.scores.rerank === undefined ? [] : [[chunk.chunkId, chunk.scores.rerank] as const],
          ),
        ),
        hit,
      });
    }
    if ((index + 1) % 500 === 0) process.stderr.write(`    reader: ${index + 1}/${input.questions.length}\n`);
  }

  const answerable = input.questions.filter((question) => question.answerable).length;
  const promote = await fitRerankSetting(
    promoteRows,
    input.folds,
    input.contextBudget,
    DefaultReaderAnswererOptions.maxSources,
  );
  const unanswerable = input.questions.length - answerable;
  const hits = (rows: readonly Row[]) => rows.filter((row) => row.answerable && row.hit).length;
  // The operating point first, then the curve's points (answering exactly each share).
  const points: OperatingPoint[] = [
    input.operating,
    ...[input.operating.answered, 0.5, 0.6, 0.7, 0.8, 0.85, 0.95, 0.98].map((answered) => ({ answered })),
  ];
  const heldOut = crossValidateVariants(byWeight, input.folds, points, hits);
  const alone = crossValidateVariants([byWeight[0]!], input.folds, [input.operating], hits);
  const firstSignals = crossValidateVariants(byWeight, input.folds, [input.operating], hits, [
    'first',
    'cls',
  ]);
  const curve = points
    .map((_, t) => ({
      answered:
        heldOut.rows.filter((row, i) => row.answerable && !heldOut.abstain[t]![i]).length / answerable,
      abstained:
        heldOut.rows.filter((row, i) => !row.answerable && heldOut.abstain[t]![i]).length /
        Math.max(1, unanswerable),
    }))
    .sort((a, b) => a.answered - b.answered);
  let shippedWeight = 0;
  for (let v = 1; v < byWeight.length; v++)
    if (hits(byWeight[v]!) > hits(byWeight[shippedWeight]!)) shippedWeight = v;
  const on = byWeight[shippedWeight]!;
  const calibrated = fitCalibrated(on, [input.operating]);
  const shipped = { ...calibrated.model, threshold: calibrated.thresholds[0]! };
  // For looking into the signals after a run (not read by the report).
  const rowsOut = process.env.ARTICLEQA_BENCH_READER_ROWS;
  if (rowsOut)
    writeFileSync(
      rowsOut,
      byWeight
        .flatMap((rows, v) =>
          rows.map((row) => JSON.stringify({ ...row, cls: undefined, ...CHOICE_WEIGHTS[v] })),
        )
        .join('\n'),
    );

  // Off-topic questions with the shipped calibration.
  const shippedQa = await openArticleQA({
    dir: input.indexDir,
    embedder,
    reader,
    create: false,
    readerAnswerer: { abstention: shipped, ...CHOICE_WEIGHTS[shippedWeight]! },
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
  await Promise.all([previous.close(), shippedQa.close(), ...open.map((qa) => qa.close())]);
  await reader.close();
  await embedder.close();
  return {
    answerable,
    unanswerable,
    articles: new Set(input.questions.map((question) => question.article)).size,
    previous: previousRates,
    reader: rates(heldOut.rows, heldOut.abstain[0]!, heldOut.confidence, answerable, unanswerable),
    readerAtAnswered: rates(heldOut.rows, heldOut.abstain[1]!, heldOut.confidence, answerable, unanswerable),
    readerAlone: rates(alone.rows, alone.abstain[0]!, alone.confidence, answerable, unanswerable),
    readerFirstSignals: rates(
      firstSignals.rows,
      firstSignals.abstain[0]!,
      firstSignals.confidence,
      answerable,
      unanswerable,
    ),
    featureSets: { chosenByFold: heldOut.sets, shipped: calibrated.set },
    unabstained: byWeight.map((rows, v) => ({
      ...CHOICE_WEIGHTS[v]!,
      answerHit: hits(rows) / answerable,
      shortF1: rows.filter((row) => row.answerable).reduce((sum, row) => sum + row.f1, 0) / answerable,
    })),
    choiceWeights: {
      tried: CHOICE_WEIGHTS,
      chosenByFold: heldOut.chosen.map((v) => CHOICE_WEIGHTS[v]!),
      shipped: CHOICE_WEIGHTS[shippedWeight]!,
    },
    recall: {
      fusedAt1: recall.fusedAt1 / answerable,
      rerankedAt1: promote.heldOut.at1,
      fusedBudget: recall.fusedBudget / answerable,
      rerankedBudget: promote.heldOut.budget,
      runAt1: recall.rerankedAt1 / answerable,
      runBudget: recall.rerankedBudget / answerable,
    },
    rerank: {
      tried: RERANK_CANDIDATES,
      chosenByFold: promote.chosenByFold,
      shipped: promote.shipped,
      curve: promote.curve,
    },
    curve,
    shipped,
    folds: heldOut.fits,
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

/**
 * Choice weights tried: sentence weights alone (the first, both 0, is the reader alone), then the middle
 * sentence weights with the chunk's retrieval score added at three weights.
 */
const CHOICE_WEIGHTS: ChoiceWeights[] = [
  ...[0, 4, 8, 16, 32, 100].map((sentenceWeight) => ({ sentenceWeight, retrievalWeight: 0 })),
  ...[8, 16, 32].flatMap((sentenceWeight) =>
    [10, 20, 40].map((retrievalWeight) => ({ sentenceWeight, retrievalWeight })),
  ),
];

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
