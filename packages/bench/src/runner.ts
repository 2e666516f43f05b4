import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DefaultHnswOptions,
  type EvalQuestion,
  ensureMiniLMModelFolder,
  parseQuestions,
} from '@articleqa/core';
import { type Dataset, findDataset, listArticles, readQuestionSample } from './dataset.js';
import { format } from './format.js';
import type { BenchOptions } from './options.js';
import type { PhaseRun } from './phase-runner.js';
import { runPhase } from './phase-runner.js';
import type { IngestPipelineOutput } from './phases/ingest.js';
import type { LatencyOutput, QualityOutput } from './phases/query.js';
import type { ModelFacts, RunMeta } from './results.js';
import { median } from './statistics.js';
import { cliMain, describeMachine, findSeedQuestions, repoRoot, seedCorpusDir } from './workspace.js';

const MINUTE = 60_000;

/** A corpus the benchmarks ingest. */
export interface Corpus {
  name: 'seed' | 'squad';
  label: string;
  /** Files or folders passed to `qa.ingest` (the dataset is read in place, never copied). */
  inputs: string[];
  /** Article titles, when the corpus is a subset of the dataset. */
  titles?: string[];
  files?: string[];
}

/**
 * State shared by the sections of one run: the temp folder, the prebuilt indexes and the question
 * samples. Work that two sections need (an index, an evaluation) is done once and reused, so both
 * report numbers from the same measurement.
 */
export class BenchRun {
  readonly options: BenchOptions;
  readonly cacheDir: string;
  readonly dataset: Dataset | undefined;
  readonly tempDir: string;
  readonly meta: RunMeta;
  readonly #pipelines = new Map<string, Promise<PhaseRun<IngestPipelineOutput> & { indexDir: string }>>();
  readonly #extraRounds = new Map<string, PhaseRun<IngestPipelineOutput>[]>();
  #quality: Promise<QualityOutput> | undefined;
  #latency: Promise<LatencyOutput> | undefined;
  #answerable: Promise<EvalQuestion[]> | undefined;
  #squad: Corpus | undefined;

  constructor(options: BenchOptions, cacheDir: string) {
    this.options = options;
    this.cacheDir = cacheDir;
    this.dataset = findDataset(options.datasetDir);
    this.tempDir = mkdtempSync(join(tmpdir(), 'articleqa-bench-'));
    this.meta = {
      date: new Date().toISOString(),
      mode: options.workload.mode,
      commit: gitCommit(),
      machine: describeMachine(),
      dataset: this.dataset ? this.dataset.dir : null,
    };
  }

  /** Lists the dataset's articles (a seeded subset in quick mode). Call once before the sections. */
  async prepare(): Promise<void> {
    if (!this.dataset) return;
    const all = await listArticles(this.dataset, undefined);
    const chosen = await listArticles(this.dataset, this.options.workload.squadArticles);
    const bytes = chosen.reduce((sum, article) => sum + article.bytes, 0);
    const subset = chosen.length < all.length;
    this.#squad = {
      name: 'squad',
      label: subset
        ? `SQuAD half, ${chosen.length} of ${all.length} articles (${format.count(bytes / 1024)} KB)`
        : `SQuAD half, all ${all.length} articles (${format.count(bytes / 1024)} KB)`,
      inputs: chosen.map((article) => article.path),
      files: chosen.map((article) => article.path),
      titles: chosen.map((article) => article.title),
    };
  }

  get seed(): Corpus {
    return { name: 'seed', label: 'seed corpus (corpus/, 1 article)', inputs: [seedCorpusDir] };
  }

  get squad(): Corpus | undefined {
    return this.#squad;
  }

  /** The corpus that latency and scale use: SQuAD when present, else the seed corpus. */
  get mainCorpus(): Corpus {
    return this.squad ?? this.seed;
  }

  /** Builds (once) the index of `corpus` with `qa.ingest`, measuring it. */
  pipeline(corpus: Corpus) {
    let run = this.#pipelines.get(corpus.name);
    if (!run) {
      const indexDir = join(this.tempDir, `index-${corpus.name}`);
      run = runPhase(
        'ingest-pipeline',
        { inputs: corpus.inputs, indexDir, cacheDir: this.cacheDir },
        { timeoutMs: 20 * MINUTE },
      ).then((measured) => ({ ...measured, indexDir }));
      this.#pipelines.set(corpus.name, run);
    }
    return run;
  }

  /** Another timed pipeline run of `corpus` into a throw-away index (for best-of-n timing). */
  async pipelineRound(corpus: Corpus, round: number): Promise<PhaseRun<IngestPipelineOutput>> {
    if (round === 0) return this.pipeline(corpus);
    const indexDir = join(this.tempDir, `index-${corpus.name}-round-${round}`);
    const measured = await runPhase(
      'ingest-pipeline',
      { inputs: corpus.inputs, indexDir, cacheDir: this.cacheDir },
      { timeoutMs: 20 * MINUTE },
    );
    rmSync(indexDir, { recursive: true, force: true });
    const rounds = this.#extraRounds.get(corpus.name) ?? [];
    rounds.push(measured);
    this.#extraRounds.set(corpus.name, rounds);
    return measured;
  }

  /** The fastest pipeline run of `corpus` so far, with the highest peak RSS of all its runs. */
  async bestPipeline(
    corpus: Corpus,
  ): Promise<{ output: IngestPipelineOutput; peakRssBytes: number; runs: number }> {
    const runs = [await this.pipeline(corpus), ...(this.#extraRounds.get(corpus.name) ?? [])];
    const best = runs.reduce((a, b) => (b.result.ingestMs < a.result.ingestMs ? b : a));
    return {
      output: best.result,
      peakRssBytes: Math.max(...runs.map((run) => run.peakRssBytes)),
      runs: runs.length,
    };
  }

  /** The answerable SQuAD questions of this run (a seeded sample in quick mode). */
  answerable(): Promise<EvalQuestion[]> {
    if (!this.dataset || !this.#squad) return Promise.resolve([]);
    this.#answerable ??= readQuestionSample(
      this.dataset.questionsPath,
      this.options.workload.answerable,
      this.#squad.titles,
    );
    return this.#answerable;
  }

  /** evaluate() on the SQuAD index: answerable and unanswerable sets, once per run. */
  squadQuality(): Promise<QualityOutput> {
    const dataset = this.dataset;
    const squad = this.squad;
    if (!dataset || !squad) return Promise.reject(new Error('The SQuAD half is absent.'));
    this.#quality ??= (async () => {
      const { indexDir } = await this.pipeline(squad);
      const answerable = await this.answerable();
      const unanswerable = await readQuestionSample(
        dataset.unanswerablePath,
        this.options.workload.unanswerable,
        squad.titles,
      );
      const run = await runPhase(
        'quality',
        {
          indexDir,
          cacheDir: this.cacheDir,
          k: 10,
          sets: [
            { name: 'answerable', questions: answerable },
            { name: 'unanswerable', questions: unanswerable },
          ],
        },
        { timeoutMs: 60 * MINUTE },
      );
      return run.result;
    })();
    return this.#quality;
  }

  /** The questions timed for latency: SQuAD questions, or the seed set when SQuAD is absent. */
  async latencyQuestions(): Promise<string[]> {
    const count = this.options.workload.latencyQuestions;
    if (this.dataset) return (await this.answerable()).slice(0, count).map((question) => question.question);
    const seedPath = findSeedQuestions();
    const seed = seedPath ? parseQuestions(readFileSync(seedPath, 'utf8'), seedPath) : [];
    const questions = seed.map((question) => question.question);
    if (questions.length === 0) questions.push('Who will set up network security offices?');
    // Repeat the small seed set to get stable percentiles.
    return Array.from({ length: count }, (_, index) => questions[index % questions.length]!);
  }

  /** Warm latency on the main corpus's index, once per run. */
  warmLatency(): Promise<LatencyOutput> {
    this.#latency ??= (async () => {
      const { indexDir } = await this.pipeline(this.mainCorpus);
      const questions = await this.latencyQuestions();
      const run = await runPhase(
        'latency',
        { indexDir, cacheDir: this.cacheDir, questions, warmup: 10 },
        { timeoutMs: 30 * MINUTE },
      );
      return run.result;
    })();
    return this.#latency;
  }

  /** `articleqa ask` in a fresh process on the main index: wall time of each run, model load included. */
  async coldAsk(question: string): Promise<{ runs: number[]; median: number; nodeStartupMedian: number }> {
    const { indexDir } = await this.pipeline(this.mainCorpus);
    const environment: NodeJS.ProcessEnv = { ...process.env, ARTICLEQA_CACHE_DIR: this.cacheDir };
    for (const name of Object.keys(environment)) {
      if (name.startsWith('OPENAI_') || name === 'ARTICLEQA_CHAT_MODEL' || name === 'ARTICLEQA_INDEX') {
        delete environment[name];
      }
    }
    const runs: number[] = [];
    const startup: number[] = [];
    for (let run = 0; run < this.options.workload.coldRuns; run += 1) {
      startup.push(await timeProcess(process.execPath, ['-e', ''], environment));
      runs.push(
        await timeProcess(
          process.execPath,
          [cliMain, '--index', indexDir, '--quiet', 'ask', question, '--no-llm'],
          environment,
        ),
      );
    }
    return { runs, median: median(runs), nodeStartupMedian: median(startup) };
  }

  /** Architecture numbers of the model, for the FLOPs estimate. */
  async modelFacts(): Promise<ModelFacts> {
    const folder = await ensureMiniLMModelFolder({ cacheDir: this.cacheDir });
    const config = JSON.parse(readFileSync(join(folder.modelDir, 'config.json'), 'utf8')) as Record<
      string,
      number
    >;
    return {
      hiddenSize: config.hidden_size ?? 0,
      layers: config.num_hidden_layers ?? 0,
      intermediateSize: config.intermediate_size ?? 0,
      vocabSize: config.vocab_size ?? 0,
      maxPositions: config.max_position_embeddings ?? 0,
    };
  }

  /** The configured HNSW ef, the floor of the store's size-dependent default. */
  get defaultEf(): number {
    return DefaultHnswOptions.ef;
  }

  cleanup(): void {
    rmSync(this.tempDir, { recursive: true, force: true });
  }
}

/** Wall time of a process from spawn to exit; rejects on a non-zero exit. */
function timeProcess(command: string, args: string[], environment: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, rejectPromise) => {
    const started = performance.now();
    const child = spawn(command, args, {
      env: environment,
      cwd: tmpdir(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), MINUTE);
    child.on('error', rejectPromise);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const elapsed = performance.now() - started;
      if (code === 0) resolvePromise(elapsed);
      else rejectPromise(new Error(`${args.join(' ')} exited with ${code}: ${stderr.trim().slice(0, 500)}`));
    });
  });
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'packages', 'apps'], { cwd: repoRoot })
        .toString()
        .trim().length > 0;
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}
