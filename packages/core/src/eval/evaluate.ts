import type { Citation } from '../answer/answerer.js';
import type { AskOptions, AskResult } from '../api-types.js';
import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';
import { ArticleQAError, throwIfAborted } from '../shared/errors.js';

/** One evaluation question, in the format of the SQuAD-derived sets. */
export interface EvalQuestion {
  id: string;
  question: string;
  /** Acceptable answer strings; empty for unanswerable questions. */
  answers: string[];
  /** Title of the article that answers it, when known. */
  article?: string;
  answerable: boolean;
}

/** One line of `--out`: what was asked, answered, cited and retrieved. */
export interface EvalRecord {
  id: string;
  question: string;
  answer: string;
  /** The short answer; `''` when abstaining or when the answerer gives none. */
  shortAnswer: string;
  abstained: boolean;
  /** The answerer's confidence, when it reports one. */
  confidence?: number;
  /** What the confidence was computed from, when the answerer reports it. */
  signals?: AskResult['signals'];
  citations: Pick<Citation, 'title' | 'quote' | 'start' | 'end' | 'documentId'>[];
  /**
   * The chunks in their final order (`rank`, after reranking when a reranker ran); `score` is the fused
   * retrieval score, which the reranker's order need not follow.
   */
  retrieved: Pick<RetrievedChunk, 'rank' | 'title' | 'text' | 'score' | 'documentId' | 'start' | 'end'>[];
  latencyMs: number;
  /** 1-based rank of the first retrieved chunk holding a gold answer, if any. */
  firstHitRank?: number;
}

/** Aggregate metrics; rates are in [0, 1]. */
export interface EvalMetrics {
  questions: number;
  answerable: number;
  unanswerable: number;
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  /** Answer recall when chunks are taken in rank order up to `contextBudget` characters. */
  recallWithinBudget: number;
  contextBudget: number;
  mrrAt10: number;
  /** Answerable questions whose answer text contains a gold answer. */
  answerHitRate: number;
  /** Answered answerable questions with a citation quoting a gold answer. */
  citationAccuracy: number;
  /** Answerable questions with a citation quoting a gold answer (abstentions count as misses). */
  citedHitRate: number;
  /** SQuAD token F1 of the short answer against the best gold answer, over answerable questions (0 when abstained or none). */
  shortAnswerF1: number;
  /** SQuAD exact match of the short answer, over answerable questions. */
  shortAnswerExact: number;
  /** Answered questions that carry a short answer. */
  shortAnswerPresent: number;
  /** Unanswerable questions the system abstained on (higher is better). */
  abstentionOnUnanswerable: number;
  /** Answerable questions the system abstained on (lower is better). */
  abstentionOnAnswerable: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
}

/** Options for {@link evaluate}. */
export interface EvaluateOptions {
  /** Chunks retrieved per question. @defaultValue 10 */
  k?: number;
  /** Characters of context for the budgeted recall. @defaultValue 2500 */
  contextBudget?: number;
  answerer?: AskOptions['answerer'];
  signal?: AbortSignal;
  /** Called after each question, e.g. to write `--out` lines as they come. */
  onRecord?: (record: EvalRecord, done: number, total: number) => void;
}

/** What {@link evaluate} needs: anything that can ask. */
export interface Asker {
  ask(question: string, options?: AskOptions): Promise<AskResult>;
}

/**
 * Runs every question through `ask` and scores retrieval (answer recall@k as in the DPR paper: a hit
 * is a retrieved chunk from the question's article containing a gold answer, case- and
 * whitespace-insensitive), answers, citations, abstention and latency.
 */
export async function evaluate(
  qa: Asker,
  questions: readonly EvalQuestion[],
  options: EvaluateOptions = {},
): Promise<{ metrics: EvalMetrics; records: EvalRecord[] }> {
  const k = options.k ?? 10;
  const budget = options.contextBudget ?? 2500;
  const records: EvalRecord[] = [];
  const tallies = {
    r1: 0,
    r5: 0,
    r10: 0,
    budget: 0,
    mrr: 0,
    answerHit: 0,
    cited: 0,
    f1: 0,
    exact: 0,
    shortPresent: 0,
    answeredAll: 0,
    answered: 0,
    abstainAnswerable: 0,
    abstainUnanswerable: 0,
  };
  for (const question of questions) {
    throwIfAborted(options.signal);
    const started = performance.now();
    const result = await qa.ask(question.question, {
      k,
      ...(options.answerer ? { answerer: options.answerer } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const latencyMs = performance.now() - started;
    const gold = question.answers.map(normalize).filter((answer) => answer.length > 0);
    const isHit = (chunk: RetrievedChunk) =>
      (question.article === undefined || sameTitle(chunk.title, question.article)) &&
      gold.some((answer) => normalize(chunk.text).includes(answer));
    const firstHit = result.retrieved.findIndex(isHit);
    const record: EvalRecord = {
      id: question.id,
      question: question.question,
      answer: result.answer,
      shortAnswer: result.abstained ? '' : (result.shortAnswer ?? ''),
      abstained: result.abstained,
      ...(result.confidence !== undefined ? { confidence: result.confidence } : {}),
      ...(result.signals ? { signals: result.signals } : {}),
      citations: result.citations.map(({ title, quote, start, end, documentId }) => ({
        title,
        quote,
        start,
        end,
        documentId,
      })),
      retrieved: result.retrieved.map(({ rank, title, text, score, documentId, start, end }) => ({
        rank,
        title,
        text,
        score,
        documentId,
        start,
        end,
      })),
      latencyMs,
      ...(firstHit >= 0 ? { firstHitRank: firstHit + 1 } : {}),
    };
    records.push(record);
    if (!result.abstained) {
      tallies.answeredAll += 1;
      if (record.shortAnswer) tallies.shortPresent += 1;
    }
    if (question.answerable) {
      const rank = firstHit + 1;
      if (firstHit >= 0) {
        if (rank <= 1) tallies.r1 += 1;
        if (rank <= 5) tallies.r5 += 1;
        if (rank <= 10) tallies.r10 += 1;
        if (rank <= 10) tallies.mrr += 1 / rank;
      }
      if (withinBudget(result.retrieved, budget).some(isHit)) tallies.budget += 1;
      if (result.abstained) tallies.abstainAnswerable += 1;
      else {
        tallies.answered += 1;
        if (gold.some((answer) => normalize(result.answer).includes(answer))) tallies.answerHit += 1;
        if (
          result.citations.some((citation) =>
            gold.some((answer) => normalize(citation.quote).includes(answer)),
          )
        )
          tallies.cited += 1;
        if (record.shortAnswer) {
          tallies.f1 += Math.max(0, ...question.answers.map((answer) => tokenF1(record.shortAnswer, answer)));
          if (
            question.answers.some((answer) => squadNormalize(answer) === squadNormalize(record.shortAnswer))
          )
            tallies.exact += 1;
        }
      }
    } else if (result.abstained) tallies.abstainUnanswerable += 1;
    options.onRecord?.(record, records.length, questions.length);
  }
  const answerable = questions.filter((question) => question.answerable).length;
  const unanswerable = questions.length - answerable;
  const rate = (count: number, total: number) => (total > 0 ? count / total : 0);
  const latencies = records.map((record) => record.latencyMs).sort((a, b) => a - b);
  return {
    records,
    metrics: {
      questions: questions.length,
      answerable,
      unanswerable,
      recallAt1: rate(tallies.r1, answerable),
      recallAt5: rate(tallies.r5, answerable),
      recallAt10: rate(tallies.r10, answerable),
      recallWithinBudget: rate(tallies.budget, answerable),
      contextBudget: budget,
      mrrAt10: rate(tallies.mrr, answerable),
      answerHitRate: rate(tallies.answerHit, answerable),
      citationAccuracy: rate(tallies.cited, tallies.answered),
      citedHitRate: rate(tallies.cited, answerable),
      shortAnswerF1: rate(tallies.f1, answerable),
      shortAnswerExact: rate(tallies.exact, answerable),
      shortAnswerPresent: rate(tallies.shortPresent, tallies.answeredAll),
      abstentionOnUnanswerable: rate(tallies.abstainUnanswerable, unanswerable),
      abstentionOnAnswerable: rate(tallies.abstainAnswerable, answerable),
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP95Ms: percentile(latencies, 0.95),
    },
  };
}

/**
 * Parses JSON Lines of {@link EvalQuestion}s.
 * @throws ArticleQAError `E_INPUT` naming the first bad line.
 */
export function parseQuestions(text: string, source = 'questions'): EvalQuestion[] {
  const questions: EvalQuestion[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim().length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new ArticleQAError('E_INPUT', `${source}:${index + 1} is not valid JSON.`, { cause: error });
    }
    const record = value as Partial<EvalQuestion>;
    if (typeof record.question !== 'string' || !Array.isArray(record.answers)) {
      throw new ArticleQAError(
        'E_INPUT',
        `${source}:${index + 1} needs "question" (string) and "answers" (array).`,
      );
    }
    questions.push({
      id: typeof record.id === 'string' ? record.id : String(index + 1),
      question: record.question,
      answers: record.answers.filter((answer): answer is string => typeof answer === 'string'),
      ...(typeof record.article === 'string' ? { article: record.article } : {}),
      answerable: typeof record.answerable === 'boolean' ? record.answerable : record.answers.length > 0,
    });
  }
  if (questions.length === 0) throw new ArticleQAError('E_INPUT', `${source} holds no questions.`);
  return questions;
}

/**
 * Lower-cased, curly quotes and apostrophes folded to straight ones, whitespace collapsed: the
 * comparison the metrics use (SQuAD's answers are typed with straight quotes, articles often curly).
 */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[‘’‚‛′`]/g, "'")
    .replace(/[“”„‟″]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

/** SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces. */
export function squadNormalize(text: string): string {
  return normalize(text)
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** SQuAD's token F1 between a predicted and a gold answer. */
export function tokenF1(prediction: string, gold: string): number {
  const predicted = squadNormalize(prediction).split(' ').filter(Boolean);
  const expected = squadNormalize(gold).split(' ').filter(Boolean);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const token of expected) counts.set(token, (counts.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      common += 1;
      counts.set(token, left - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / predicted.length;
  const recall = common / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

function sameTitle(a: string, b: string): boolean {
  const clean = (text: string) => normalize(text.replaceAll('_', ' '));
  return clean(a) === clean(b);
}

/** The chunks taken in rank order until `budget` characters: what a context budget would hold. */
export function withinBudget(chunks: readonly RetrievedChunk[], budget: number): RetrievedChunk[] {
  const taken: RetrievedChunk[] = [];
  let used = 0;
  for (const chunk of chunks) {
    if (used + chunk.text.length > budget) break;
    taken.push(chunk);
    used += chunk.text.length;
  }
  return taken;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}
