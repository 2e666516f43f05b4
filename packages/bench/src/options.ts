import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDatasetDir, repoRoot } from './workspace.js';

export const SECTIONS = [
  'ingest',
  'peer',
  'latency',
  'scale',
  'quality',
  'reader',
  'postgres',
  'collection',
  'discord-load',
] as const;
export type Section = (typeof SECTIONS)[number];

/** How much work each section does. */
export interface Workload {
  mode: 'quick' | 'full';
  /** SQuAD articles ingested (undefined: all 24); questions are those about these articles. */
  squadArticles: number | undefined;
  /** Answerable SQuAD questions evaluated (undefined: all). */
  answerable: number | undefined;
  /** Unanswerable SQuAD questions evaluated (undefined: all). */
  unanswerable: number | undefined;
  /** Questions timed for warm latency. */
  latencyQuestions: number;
  coldRuns: number;
  /**
   * Timed runs of the pipeline and the raw embedder (alternating), and of the lighter peer variant;
   * the fastest of each is reported, the usual defence against other load on a shared machine.
   */
  rounds: number;
  /** Chunk texts in the int8/fp32 and batching comparison. */
  variantTexts: number;
  batchSizes: number[];
  /** Alternating repetitions of each embedding variant. */
  variantRepetitions: number;
  /** Peer runs: LangChain's shipped batchSize, and the one-text-per-call workaround. */
  peerBatchSizes: ('default' | 1)[];
  /** Vector counts always built. */
  scaleSizes: number[];
  /** Built only when the previous size's build rate says it will take under `optionalScaleBudgetMs`. */
  optionalScaleSizes: number[];
  optionalScaleBudgetMs: number;
  scaleQueries: number;
  /** Vectors in the Postgres HNSW build timing. */
  postgresHnswVectors: number;
  /** Answerable questions evaluated on both stores (undefined: all). */
  postgresQuestions: number | undefined;
  /** Documents in each generated-collection ingest (the collection section). */
  collectionSizes: number[];
  /** Servers in each of the Discord load check's two bursts of `/ask` (the discord-load section). */
  loadGuilds: number;
}

export interface BenchOptions {
  workload: Workload;
  sections: Section[];
  datasetDir: string;
  outPath: string;
  help: boolean;
}

export const USAGE = `Usage: node packages/bench/dist/main.js [options]   (or: pnpm bench [options])

  --full                 more of everything: all SQuAD questions, 100k vectors, more texts,
                         2 x 200 /ask in the Discord load check (40 without)
  --scale quick|full     full adds the 1M-vector index (long: tens of minutes)
  --dataset <dir>        the SQuAD half (default: ../shared/datasets/squad-v1.1-dev-half, or $ARTICLEQA_DATASET)
  --only <list>          comma-separated sections: ${SECTIONS.join(',')}
  --documents <list>     the collection section's sizes (default 1000; 1000,10000,100000 with --full)
  --render-only          measure nothing: rewrite the report from the saved JSON
  --out <file>           report path (default: docs/benchmarks.md); the chart and raw JSON go beside it
  -h, --help             this text`;

export function parseOptions(argv: readonly string[], environment: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      full: { type: 'boolean', default: false },
      scale: { type: 'string', default: 'quick' },
      dataset: { type: 'string' },
      only: { type: 'string' },
      documents: { type: 'string' },
      out: { type: 'string' },
      'render-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.scale !== 'quick' && values.scale !== 'full') {
    throw new Error(`--scale must be quick or full, not ${values.scale}.`);
  }
  const sections = values['render-only']
    ? []
    : values.only
      ? values.only.split(',').map((name) => name.trim())
      : [...SECTIONS];
  for (const name of sections) {
    if (!(SECTIONS as readonly string[]).includes(name)) {
      throw new Error(`Unknown section ${name} in --only; choose from ${SECTIONS.join(', ')}.`);
    }
  }
  const full = values.full;
  const documents = values.documents?.split(',').map((size) => Number(size.trim()));
  if (documents?.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error(`--documents takes positive whole numbers, not ${values.documents}.`);
  }
  const scaleSizes = full || values.scale === 'full' ? [10_000, 100_000] : [10_000];
  if (values.scale === 'full') scaleSizes.push(1_000_000);
  const workload: Workload = {
    mode: full ? 'full' : 'quick',
    squadArticles: full ? undefined : 6,
    answerable: full ? undefined : 300,
    unanswerable: full ? undefined : 150,
    latencyQuestions: full ? 1000 : 200,
    coldRuns: 5,
    rounds: full ? 2 : 1,
    variantTexts: full ? 256 : 64,
    batchSizes: full ? [1, 4, 8, 16, 32, 64] : [1, 8, 32],
    variantRepetitions: 3,
    peerBatchSizes: ['default', 1],
    scaleSizes,
    optionalScaleSizes: full || values.scale === 'full' ? [] : [100_000],
    optionalScaleBudgetMs: 150_000,
    scaleQueries: 200,
    postgresHnswVectors: full ? 20_000 : 5_000,
    postgresQuestions: full ? undefined : 300,
    collectionSizes: documents ?? (full ? [1_000, 10_000, 100_000] : [1_000]),
    // 200 is the check; 40 is what CI runs.
    loadGuilds: full ? 200 : 40,
  };
  return {
    workload,
    sections: sections as Section[],
    datasetDir: resolve(values.dataset ?? environment.ARTICLEQA_DATASET ?? defaultDatasetDir),
    outPath: resolve(values.out ?? resolve(repoRoot, 'docs', 'benchmarks.md')),
    help: values.help,
  };
}
