import {
  createLocalEmbedder,
  type EvalMetrics,
  type EvalQuestion,
  evaluate,
  openArticleQA,
} from '@articleqa/core';
import { type LatencySummary, summarize } from '../statistics.js';

/** Warm query latency on a prebuilt index. */
export interface LatencyInput {
  indexDir: string;
  cacheDir: string;
  questions: string[];
  warmup: number;
}

export interface LatencyOutput {
  questions: number;
  /** `qa.search` (default k), model warm. */
  search: LatencySummary;
  /** `qa.ask` with the extractive answerer (default k). */
  ask: LatencySummary;
  /** `ask`'s own split: retrieval and answering. */
  askRetrieve: LatencySummary;
  askAnswer: LatencySummary;
  /** Embedding one query alone: the model's share of `search`. */
  embedQuery: LatencySummary;
  abstained: number;
}

export async function runLatency(input: LatencyInput): Promise<LatencyOutput> {
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  const qa = await openArticleQA({ dir: input.indexDir, embedder, create: false });
  for (const question of input.questions.slice(0, input.warmup)) {
    await qa.ask(question, { answerer: 'extractive' });
  }
  const search: number[] = [];
  const embed: number[] = [];
  for (const question of input.questions) {
    let started = performance.now();
    await embedder.embed([question]);
    embed.push(performance.now() - started);
    started = performance.now();
    await qa.search(question);
    search.push(performance.now() - started);
  }
  const ask: number[] = [];
  const retrieve: number[] = [];
  const answer: number[] = [];
  let abstained = 0;
  for (const question of input.questions) {
    const started = performance.now();
    const result = await qa.ask(question, { answerer: 'extractive' });
    ask.push(performance.now() - started);
    retrieve.push(result.timings.retrieveMs);
    answer.push(result.timings.answerMs);
    if (result.abstained) abstained += 1;
  }
  await qa.close();
  await embedder.close();
  return {
    questions: input.questions.length,
    search: summarize(search),
    ask: summarize(ask),
    askRetrieve: summarize(retrieve),
    askAnswer: summarize(answer),
    embedQuery: summarize(embed),
    abstained,
  };
}

/** `evaluate()` with the offline defaults on one or two question sets. */
export interface QualityInput {
  indexDir: string;
  cacheDir: string;
  /** Question sets, each evaluated on its own. */
  sets: { name: string; questions: EvalQuestion[] }[];
  k: number;
}

export interface QualityOutput {
  sets: { name: string; metrics: EvalMetrics; seconds: number }[];
}

export async function runQuality(input: QualityInput): Promise<QualityOutput> {
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  const qa = await openArticleQA({ dir: input.indexDir, embedder, create: false });
  const sets: QualityOutput['sets'] = [];
  for (const set of input.sets) {
    const started = performance.now();
    const { metrics } = await evaluate(qa, set.questions, { k: input.k, answerer: 'extractive' });
    sets.push({ name: set.name, metrics, seconds: (performance.now() - started) / 1000 });
  }
  await qa.close();
  await embedder.close();
  return { sets };
}
