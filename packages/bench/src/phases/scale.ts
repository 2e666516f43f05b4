import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  createLocalEmbedder,
  DefaultHnswOptions,
  discoverSources,
  HnswVectorStore,
  loadDocument,
  SegmentedVectorStore,
  splitSentences,
  type VectorStore,
} from '@articleqa/core';
import { gaussian, type LatencySummary, sample, seededRandom, summarize } from '../statistics.js';

/** Real sentence embeddings that the synthetic vectors cluster around. */
export interface ScaleCentresInput {
  inputs: string[];
  cacheDir: string;
  count: number;
}

export interface ScaleCentresOutput {
  dimensions: number;
  centres: Float32Array;
  count: number;
}

export async function runScaleCentres(input: ScaleCentresInput): Promise<ScaleCentresOutput> {
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  await embedder.ready();
  const { sources } = await discoverSources(input.inputs, { cwd: process.cwd() });
  const sentences: string[] = [];
  for (const source of sources) {
    const document = await loadDocument(source);
    for (const span of splitSentences(document.text)) {
      const sentence = document.text.slice(span.start, span.end).trim();
      if (sentence.split(/\s+/).length >= 6) sentences.push(sentence);
    }
  }
  const chosen = sample(sentences, input.count, 384);
  const vectors = await embedder.embed(chosen);
  await embedder.close();
  const dimensions = vectors[0]?.length ?? 0;
  const centres = new Float32Array(vectors.length * dimensions);
  for (const [index, vector] of vectors.entries()) centres.set(vector, index * dimensions);
  return { dimensions, centres, count: vectors.length };
}

/** Builds and queries an HnswVectorStore of `size` clustered vectors. */
export interface ScaleInput {
  size: number;
  dimensions: number;
  centres: Float32Array;
  /** Standard deviation of the gaussian noise added to each coordinate of a centre. */
  sigma: number;
  queries: number;
  efs: number[];
  dir: string;
}

export interface ScaleRow {
  ef: number;
  recallAt10: number;
  latency: LatencySummary;
}

export interface ScaleOutput {
  size: number;
  /** The ef the store picks by itself at this size (HnswVectorStore.efFor); absent in older results. */
  defaultEf?: number;
  dimensions: number;
  centres: number;
  sigma: number;
  /** Mean cosine of a generated vector to its centre. */
  meanCosineToCentre: number;
  buildMs: number;
  saveMs: number;
  /** Growth of the process RSS while building, per vector. */
  memoryBytesPerVector: number;
  diskBytesPerVector: number;
  /** Exact brute-force search over the same vectors (the recall reference), per query. */
  exact: LatencySummary;
  rows: ScaleRow[];
  queries: number;
  /**
   * The same vectors in the local store's {@link SegmentedVectorStore} (default segment size), queried at
   * its own default breadth: what `articleqa` searches. Absent in older results.
   */
  segmented?: {
    segments: number;
    buildMs: number;
    recallAt10: number;
    latency: LatencySummary;
  };
}

const K = 10;

export async function runScale(input: ScaleInput): Promise<ScaleOutput> {
  const { size, dimensions, sigma } = input;
  const centreCount = input.centres.length / dimensions;
  const random = seededRandom(size);
  const normal = gaussian(random);
  const generate = (count: number): { vectors: Float32Array; cosineSum: number } => {
    const vectors = new Float32Array(count * dimensions);
    let cosineSum = 0;
    for (let index = 0; index < count; index += 1) {
      const centre = Math.floor(random() * centreCount) * dimensions;
      const offset = index * dimensions;
      let norm = 0;
      let along = 0;
      for (let d = 0; d < dimensions; d += 1) {
        const value = input.centres[centre + d]! + sigma * normal();
        vectors[offset + d] = value;
        norm += value * value;
        along += value * input.centres[centre + d]!;
      }
      const scale = 1 / Math.sqrt(norm);
      for (let d = 0; d < dimensions; d += 1) vectors[offset + d]! *= scale;
      cosineSum += along * scale;
    }
    return { vectors, cosineSum };
  };
  const generated = generate(size);
  const data = generated.vectors;
  const queries = generate(input.queries).vectors;

  const rssBefore = process.memoryUsage().rss;
  const path = join(input.dir, `scale-${size}.hnsw`);
  const store = HnswVectorStore.create(path, dimensions, { initialCapacity: size });
  const buildStarted = performance.now();
  // Vector `id` is row `id` of `data`, added in batches of 1,000.
  const addAll = async (target: VectorStore) => {
    for (let first = 0; first < size; first += 1000) {
      const entries = [];
      for (let id = first; id < Math.min(size, first + 1000); id += 1) {
        entries.push({ id, vector: data.subarray(id * dimensions, (id + 1) * dimensions) });
      }
      await target.add(entries);
    }
  };
  await addAll(store);
  const buildMs = performance.now() - buildStarted;
  const memoryBytesPerVector = (process.memoryUsage().rss - rssBefore) / size;
  const saveStarted = performance.now();
  await store.save();
  const saveMs = performance.now() - saveStarted;
  const diskBytesPerVector = statSync(path).size / size;

  const exactTimes: number[] = [];
  const truth: Set<number>[] = [];
  for (let q = 0; q < input.queries; q += 1) {
    const query = queries.subarray(q * dimensions, (q + 1) * dimensions);
    const started = performance.now();
    truth.push(exactTopK(query, data, size, dimensions, K));
    exactTimes.push(performance.now() - started);
  }

  const defaultEf = store.efFor(size);
  const rows: ScaleRow[] = [];
  for (const ef of [...new Set([...input.efs, defaultEf])].sort((a, b) => a - b)) {
    const latencies: number[] = [];
    let found = 0;
    for (let q = 0; q < input.queries; q += 1) {
      const vector = queries.subarray(q * dimensions, (q + 1) * dimensions);
      const started = performance.now();
      const matches = await store.query({ vector, k: K, ef });
      latencies.push(performance.now() - started);
      for (const match of matches) if (truth[q]!.has(match.id)) found += 1;
    }
    rows.push({ ef, recallAt10: found / (K * input.queries), latency: summarize(latencies) });
  }
  await store.close();

  const segmented = SegmentedVectorStore.create(join(input.dir, `scale-${size}-segments`), dimensions);
  const segmentedStarted = performance.now();
  await addAll(segmented);
  await segmented.save();
  const segmentedBuildMs = performance.now() - segmentedStarted;
  const segmentedLatencies: number[] = [];
  let segmentedFound = 0;
  for (let q = 0; q < input.queries; q += 1) {
    const vector = queries.subarray(q * dimensions, (q + 1) * dimensions);
    // The first query loads the segments from disk: not a search's cost.
    if (q === 0) await segmented.query({ vector, k: K });
    const started = performance.now();
    const matches = await segmented.query({ vector, k: K });
    segmentedLatencies.push(performance.now() - started);
    for (const match of matches) if (truth[q]!.has(match.id)) segmentedFound += 1;
  }
  const segments = Math.ceil(size / DefaultHnswOptions.segmentSize);
  await segmented.close();
  return {
    size,
    defaultEf,
    dimensions,
    centres: centreCount,
    sigma,
    meanCosineToCentre: generated.cosineSum / size,
    buildMs,
    saveMs,
    memoryBytesPerVector,
    diskBytesPerVector,
    exact: summarize(exactTimes),
    rows,
    queries: input.queries,
    segmented: {
      segments,
      buildMs: segmentedBuildMs,
      recallAt10: segmentedFound / (K * input.queries),
      latency: summarize(segmentedLatencies),
    },
  };
}

/** Ids of the `k` vectors with the highest dot product (cosine: all vectors are unit length). */
function exactTopK(
  query: Float32Array,
  data: Float32Array,
  size: number,
  dimensions: number,
  k: number,
): Set<number> {
  const bestIds: number[] = [];
  const bestScores: number[] = [];
  for (let id = 0; id < size; id += 1) {
    const offset = id * dimensions;
    let score = 0;
    for (let d = 0; d < dimensions; d += 1) score += query[d]! * data[offset + d]!;
    if (bestScores.length === k && score <= bestScores[k - 1]!) continue;
    let position = bestScores.length;
    while (position > 0 && bestScores[position - 1]! < score) position -= 1;
    bestScores.splice(position, 0, score);
    bestIds.splice(position, 0, id);
    if (bestScores.length > k) {
      bestScores.pop();
      bestIds.pop();
    }
  }
  return new Set(bestIds);
}

/** The row measured at the ef the store uses by default for this size. */
export function defaultRow(output: ScaleOutput, fallbackEf: number): ScaleRow | undefined {
  const ef = output.defaultEf ?? fallbackEf;
  return output.rows.find((row) => row.ef === ef);
}
