import { availableParallelism } from 'node:os';
import { createLocalEmbedder, openArticleQA, type TransformersEmbedder } from '@articleqa/core';
import { corpusTexts, sourceBytes } from '../corpus-texts.js';
import { cosine, cpuMsSince, shuffled } from '../statistics.js';
import { TimedEmbedder } from '../timed-embedder.js';
import { loadXenovaPipeline } from '../xenova-pipeline.js';

/** Builds an index from a corpus with `qa.ingest`, timing the whole pipeline. */
export interface IngestPipelineInput {
  /** Files or folders, passed to `qa.ingest` as they are. */
  inputs: string[];
  indexDir: string;
  cacheDir: string;
}

export interface IngestPipelineOutput {
  documents: number;
  failed: number;
  chunks: number;
  chunksEmbedded: number;
  sourceFiles: number;
  sourceBytes: number;
  /** Opening the index, which loads the model (not part of the ingest time). */
  modelLoadMs: number;
  /** `qa.ingest` wall time: load, clean, chunk, embed, store, index. */
  ingestMs: number;
  /** CPU time (all threads) of the process during `qa.ingest`: less sensitive to other load. */
  cpuMs: number;
  /** Of which inside `embedder.embed`. */
  embedMs: number;
  embedCalls: number;
  /** Of which in the tokenizer, outside `embed` (the chunker measures sentences with it). */
  tokenizeMs: number;
  bytesOnDisk: number;
  embedderId: string;
}

export async function runIngestPipeline(input: IngestPipelineInput): Promise<IngestPipelineOutput> {
  const embedder = new TimedEmbedder(createLocalEmbedder({ cacheDir: input.cacheDir }));
  const loadStarted = performance.now();
  const qa = await openArticleQA({ dir: input.indexDir, embedder });
  const modelLoadMs = performance.now() - loadStarted;
  const sources = await sourceBytes(input.inputs);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const summary = await qa.ingest(input.inputs);
  const ingestMs = performance.now() - started;
  const cpuMs = cpuMsSince(cpu);
  const stats = await qa.stats();
  await qa.close();
  await embedder.close();
  return {
    documents: summary.documents,
    failed: summary.failed,
    chunks: summary.chunks,
    chunksEmbedded: summary.chunksEmbedded,
    sourceFiles: sources.files,
    sourceBytes: sources.bytes,
    modelLoadMs,
    ingestMs,
    cpuMs,
    embedMs: embedder.embedMs,
    embedCalls: embedder.embedCalls,
    tokenizeMs: embedder.tokenizeMs,
    bytesOnDisk: stats.bytesOnDisk ?? 0,
    embedderId: embedder.id,
  };
}

/** Embeds the pipeline's own chunk texts with the bare embedder, in one call. */
export interface RawEmbedInput {
  inputs: string[];
  cacheDir: string;
}

export interface RawEmbedOutput {
  texts: number;
  chunks: number;
  sourceBytes: number;
  /** Tokens fed to the model, special tokens included, after truncation. */
  tokens: number;
  /** Tokens the model computes once batches are padded to their longest text. */
  paddedTokens: number;
  embedMs: number;
  /** CPU time (all threads) during the embed call. */
  cpuMs: number;
  modelLoadMs: number;
  batchSize: number;
}

export async function runRawEmbed(input: RawEmbedInput): Promise<RawEmbedOutput> {
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  const loadStarted = performance.now();
  await embedder.ready();
  const modelLoadMs = performance.now() - loadStarted;
  const corpus = await corpusTexts(input.inputs, embedder);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const vectors = await embedder.embed(corpus.embedTexts);
  const embedMs = performance.now() - started;
  const cpuMs = cpuMsSince(cpu);
  if (vectors.length !== corpus.embedTexts.length) throw new Error('The embedder lost texts.');
  const { tokens, paddedTokens } = tokenCounts(corpus.embedTexts, embedder, true);
  await embedder.close();
  return {
    texts: corpus.embedTexts.length,
    chunks: corpus.chunks,
    sourceBytes: corpus.sourceBytes,
    tokens,
    paddedTokens,
    embedMs,
    cpuMs,
    modelLoadMs,
    batchSize: embedder.maxBatchSize,
  };
}

/** int8 vs fp32, batch size and length bucketing, on a sample of the same chunk texts. */
export interface EmbedVariantsInput {
  inputs: string[];
  cacheDir: string;
  sampleSize: number;
  batchSizes: number[];
  /** Alternating repetitions; the fastest run of each variant is kept. */
  repetitions: number;
}

export interface BatchingRow {
  batchSize: number;
  /** The embedder's own path: every text in one call, sorted by token length into batches. */
  sortedMs: number;
  /** The same texts in shuffled fixed batches of `batchSize`, one call each: no bucketing. */
  shuffledMs: number;
  sortedPaddedTokens: number;
  shuffledPaddedTokens: number;
}

export interface EmbedVariantsOutput {
  texts: number;
  tokens: number;
  repetitions: number;
  int8Ms: number;
  fp32Ms: number;
  int8BatchSize: number;
  /** Cosine between the int8 and fp32 vector of each text. */
  cosineMean: number;
  cosineMin: number;
  batching: BatchingRow[];
  /** The same int8 model and texts through each runtime setting; the first row is the runtime before. */
  runtimes: RuntimeRow[];
}

export interface RuntimeRow {
  label: string;
  ms: number;
  /** Cosine of each text's vector to the first row's (the previous runtime's). */
  cosineMean: number;
  cosineMin: number;
}

/**
 * The runtime articleqa used before: a transformers.js 2.17 feature-extraction pipeline (onnxruntime-node
 * 1.14, which it runs with the binding's default of one thread; its session options cannot be set) on
 * the same model folder, fed the same length-sorted batches.
 */
async function previousRuntime(cacheDir: string, batchSize: number) {
  const extractor = await loadXenovaPipeline(cacheDir, { everyCore: false });
  return {
    async embed(texts: readonly string[], order: readonly number[]): Promise<Float32Array[]> {
      const vectors = new Array<Float32Array>(texts.length);
      for (let first = 0; first < order.length; first += batchSize) {
        const batch = order.slice(first, first + batchSize);
        const output = await extractor(
          batch.map((index) => texts[index]!),
          { pooling: 'mean', normalize: true },
        );
        const width = output.dims[1]!;
        for (const [row, index] of batch.entries()) {
          vectors[index] = Float32Array.from(
            (output.data as Float32Array).subarray(row * width, (row + 1) * width),
          );
        }
      }
      return vectors;
    },
    close: () => extractor.dispose(),
  };
}

const SAMPLE_SEED = 20240601;

export async function runEmbedVariants(input: EmbedVariantsInput): Promise<EmbedVariantsOutput> {
  const int8 = createLocalEmbedder({ cacheDir: input.cacheDir, quantized: true });
  await int8.ready();
  const corpus = await corpusTexts(input.inputs, int8);
  const texts = shuffled(corpus.embedTexts, SAMPLE_SEED).slice(0, input.sampleSize);
  const { tokens } = tokenCounts(texts, int8, true);
  const int8BatchSize = int8.maxBatchSize;
  const fp32 = createLocalEmbedder({ cacheDir: input.cacheDir, quantized: false });
  const byBatchSize = new Map(
    input.batchSizes.map((batchSize) => [
      batchSize,
      createLocalEmbedder({ cacheDir: input.cacheDir, batchSize }),
    ]),
  );
  const cores = availableParallelism();
  const runtimeEmbedders = new Map([
    [
      'onnxruntime-node 1.14 direct, 1 thread, in process',
      createLocalEmbedder({ cacheDir: input.cacheDir, threads: 1, worker: false }),
    ],
    [
      `onnxruntime-node 1.14 direct, ${cores} threads, in process`,
      createLocalEmbedder({ cacheDir: input.cacheDir, worker: false }),
    ],
    [`onnxruntime-node 1.14 direct, ${cores} threads, worker thread (the default)`, int8],
  ]);
  const previous = await previousRuntime(input.cacheDir, int8BatchSize);
  const lengths = modelLengths(texts, int8);
  const sortedOrder = texts.map((_, index) => index).sort((a, b) => lengths[a]! - lengths[b]!);
  const previousLabel = 'transformers.js 2.17 pipeline (onnxruntime-node 1.14, 1 thread): before';
  // Warm every session so first-call costs land in no timing.
  for (const embedder of [int8, fp32, ...byBatchSize.values(), ...runtimeEmbedders.values()]) {
    await embedder.embed(texts.slice(0, 2));
  }
  await previous.embed(texts.slice(0, 2), [0, 1]);
  const previousVectors = await previous.embed(texts, sortedOrder);
  const runtimeCosines = new Map<string, number[]>([[previousLabel, previousVectors.map(() => 1)]]);
  for (const [label, embedder] of runtimeEmbedders) {
    const vectors = await embedder.embed(texts);
    runtimeCosines.set(
      label,
      vectors.map((vector, index) => cosine(vector, previousVectors[index]!)),
    );
  }

  const int8Vectors = await int8.embed(texts);
  const fp32Vectors = await fp32.embed(texts);
  const cosines = int8Vectors.map((vector, index) => cosine(vector, fp32Vectors[index]!));

  // Every variant runs once per repetition, in alternating order, and the fastest run of each counts:
  // load from other processes then cannot favour whichever variant happened to run in a quiet moment.
  const variants = new Map<string, () => Promise<unknown>>([
    ['int8', () => int8.embed(texts)],
    ['fp32', () => fp32.embed(texts)],
    [previousLabel, () => previous.embed(texts, sortedOrder)],
  ]);
  for (const [label, embedder] of runtimeEmbedders)
    if (embedder !== int8) variants.set(label, () => embedder.embed(texts));
  for (const [batchSize, embedder] of byBatchSize) {
    if (batchSize !== int8BatchSize) variants.set(`sorted-${batchSize}`, () => embedder.embed(texts));
    // One call per batch: the embedder's sort then only reorders within a batch, which pads the same.
    // With one text per batch there is nothing to sort: shuffled and sorted are the same run.
    if (batchSize > 1) {
      variants.set(`shuffled-${batchSize}`, async () => {
        for (let first = 0; first < texts.length; first += batchSize) {
          await embedder.embed(texts.slice(first, first + batchSize));
        }
      });
    }
  }
  const fastest = new Map<string, number>();
  for (let repetition = 0; repetition < input.repetitions; repetition += 1) {
    const order = [...variants.keys()];
    if (repetition % 2 === 1) order.reverse();
    for (const name of order) {
      const started = performance.now();
      await variants.get(name)!();
      const elapsed = performance.now() - started;
      fastest.set(name, Math.min(fastest.get(name) ?? Number.POSITIVE_INFINITY, elapsed));
    }
  }
  const int8Ms = fastest.get('int8')!;
  const batching: BatchingRow[] = input.batchSizes.map((batchSize) => {
    const sortedMs = batchSize === int8BatchSize ? int8Ms : fastest.get(`sorted-${batchSize}`)!;
    return {
      batchSize,
      sortedMs,
      shuffledMs: batchSize > 1 ? fastest.get(`shuffled-${batchSize}`)! : sortedMs,
      sortedPaddedTokens: paddedTokenCount(texts, int8, batchSize, true),
      shuffledPaddedTokens: paddedTokenCount(texts, int8, batchSize, false),
    };
  });
  const runtimes: RuntimeRow[] = [...runtimeCosines].map(([label, cosines]) => ({
    label,
    ms: runtimeEmbedders.get(label) === int8 ? int8Ms : fastest.get(label)!,
    cosineMean: cosines.reduce((sum, value) => sum + value, 0) / Math.max(1, cosines.length),
    cosineMin: Math.min(...cosines),
  }));
  for (const embedder of [int8, fp32, ...byBatchSize.values(), ...runtimeEmbedders.values()]) {
    await embedder.close();
  }
  await previous.close();
  return {
    texts: texts.length,
    tokens,
    repetitions: input.repetitions,
    int8Ms,
    fp32Ms: fastest.get('fp32')!,
    int8BatchSize,
    cosineMean: cosines.reduce((sum, value) => sum + value, 0) / Math.max(1, cosines.length),
    cosineMin: Math.min(...cosines),
    batching,
    runtimes,
  };
}

type Tokenizer = Pick<TransformersEmbedder, 'countTokens' | 'maxTokens' | 'maxBatchSize'>;

/** Tokens per text as the model sees them: special tokens added, truncated at the model limit. */
function modelLengths(texts: readonly string[], tokenizer: Tokenizer): number[] {
  return texts.map((text) => Math.min(tokenizer.countTokens(text) + 2, tokenizer.maxTokens));
}

function tokenCounts(texts: readonly string[], tokenizer: Tokenizer, sorted: boolean) {
  const lengths = modelLengths(texts, tokenizer);
  return {
    tokens: lengths.reduce((sum, length) => sum + length, 0),
    paddedTokens: paddedTokenCount(texts, tokenizer, tokenizer.maxBatchSize, sorted),
  };
}

/** Tokens computed when `texts` go through in batches of `batchSize`, each padded to its longest. */
function paddedTokenCount(
  texts: readonly string[],
  tokenizer: Tokenizer,
  batchSize: number,
  sorted: boolean,
): number {
  const lengths = modelLengths(texts, tokenizer);
  if (sorted) lengths.sort((a, b) => a - b);
  let total = 0;
  for (let first = 0; first < lengths.length; first += batchSize) {
    const batch = lengths.slice(first, first + batchSize);
    total += Math.max(...batch) * batch.length;
  }
  return total;
}

/**
 * The pipeline/raw ratio with the two interleaved file by file in one process: each file is ingested
 * with `qa.ingest([file])` and its new chunk texts are embedded raw by the same embedder, alternating
 * which goes first. Load from other processes then hits both sides alike, which separate runs minutes
 * apart cannot promise on a shared machine.
 */
export interface InterleavedInput {
  files: string[];
  indexDir: string;
  cacheDir: string;
}

export interface InterleavedOutput {
  files: number;
  texts: number;
  pipelineMs: number;
  rawMs: number;
  pipelineCpuMs: number;
  rawCpuMs: number;
  chunksEmbedded: number;
  /** Model tokens of the raw texts, and as padded in the embedder's batches (per file call). */
  tokens: number;
  paddedTokens: number;
}

export async function runInterleaved(input: InterleavedInput): Promise<InterleavedOutput> {
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  const qa = await openArticleQA({ dir: input.indexDir, embedder });
  await embedder.embed(['warm up']);
  const seen = new Set<string>();
  const totals = {
    pipelineMs: 0,
    rawMs: 0,
    pipelineCpuMs: 0,
    rawCpuMs: 0,
    texts: 0,
    chunksEmbedded: 0,
    tokens: 0,
    paddedTokens: 0,
  };
  for (const [position, file] of input.files.entries()) {
    const corpus = await corpusTexts([file], embedder);
    const texts = corpus.embedTexts.filter((text) => !seen.has(text));
    for (const text of texts) seen.add(text);
    const counts = tokenCounts(texts, embedder, true);
    totals.tokens += counts.tokens;
    totals.paddedTokens += counts.paddedTokens;
    const pipeline = async () => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const summary = await qa.ingest([file], { prune: false });
      totals.pipelineMs += performance.now() - started;
      totals.pipelineCpuMs += cpuMsSince(cpu);
      totals.chunksEmbedded += summary.chunksEmbedded;
    };
    const raw = async () => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await embedder.embed(texts);
      totals.rawMs += performance.now() - started;
      totals.rawCpuMs += cpuMsSince(cpu);
      totals.texts += texts.length;
    };
    if (position % 2 === 0) {
      await pipeline();
      await raw();
    } else {
      await raw();
      await pipeline();
    }
  }
  await qa.close();
  await embedder.close();
  return { files: input.files.length, ...totals };
}
