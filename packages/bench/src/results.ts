import { existsSync, readFileSync } from 'node:fs';
import type { BulkIngestOutput } from './phases/bulk.js';
import type { DiscordLoadOutput } from './phases/discord-load.js';
import type {
  EmbedVariantsOutput,
  IngestPipelineOutput,
  InterleavedOutput,
  RawEmbedOutput,
} from './phases/ingest.js';
import type { PeerOutput } from './phases/peer.js';
import type { PostgresOutput } from './phases/postgres.js';
import type { LatencyOutput, QualityOutput } from './phases/query.js';
import type { ReaderOutput } from './phases/reader.js';
import type { ScaleOutput } from './phases/scale.js';
import type { LatencySummary } from './statistics.js';
import type { MachineDescription } from './workspace.js';

/** When, where and how a section was measured. */
export interface RunMeta {
  date: string;
  mode: 'quick' | 'full';
  commit: string;
  machine: MachineDescription;
  /** The dataset folder, or null when it was absent. */
  dataset: string | null;
}

export interface Measured<T> {
  output: T;
  peakRssBytes: number;
}

export interface IngestCorpusResult {
  corpus: string;
  /** The fastest of the rounds; peak RSS is the highest of all rounds. */
  pipeline: Measured<IngestPipelineOutput>;
  raw: Measured<RawEmbedOutput>;
  /** Every round, in order: wall and CPU milliseconds of each side. */
  rounds: { pipelineMs: number; rawMs: number; pipelineCpuMs: number; rawCpuMs: number }[];
  /** Pipeline and raw embedder interleaved file by file in one process: the headline ratio. */
  interleaved: InterleavedOutput;
}

export interface IngestSection {
  meta: RunMeta;
  corpora: IngestCorpusResult[];
  variants?: { corpus: string; output: EmbedVariantsOutput };
  /** Model facts used by the analysis, read from the model folder's config.json. */
  model?: ModelFacts;
}

export interface ModelFacts {
  hiddenSize: number;
  layers: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositions: number;
}

export interface PeerSection {
  meta: RunMeta;
  questions: number;
  /** articleqa on the same questions, same run: evaluate() recall and qa.search latency. */
  articleqa: {
    ingestMs: number;
    cpuMs: number;
    /** Model tokens embedded (from the raw run on the same texts), when the ingest section ran. */
    tokens?: number;
    /** Pipeline runs the fastest was taken from. */
    runs: number;
    peakRssBytes: number;
    chunks: number;
    recall: QualitySetSummary;
    search: LatencySummary;
  };
  /** Fastest of `rounds` runs; peak RSS the highest. */
  peers: (Measured<PeerOutput> & { rounds: number })[];
}

export interface QualitySetSummary {
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  recallWithinBudget: number;
  mrrAt10: number;
}

export interface LatencySection {
  meta: RunMeta;
  corpus: string;
  warm: LatencyOutput;
  cold: { runs: number[]; median: number; nodeStartupMedian: number; question: string };
}

export interface ScaleSection {
  /** By vector count; each size keeps the run it came from (1M is measured less often). */
  sizes: Record<string, { meta: RunMeta; output: Measured<ScaleOutput> }>;
  defaultEf: number;
}

export interface QualitySection {
  meta: RunMeta;
  runs: { corpus: string; output: QualityOutput }[];
  notes: string[];
}

export interface ReaderSection {
  meta: RunMeta;
  corpus: string;
  output: ReaderOutput;
  peakRssBytes: number;
}

export interface PostgresSection {
  meta: RunMeta;
  corpus: string;
  output: PostgresOutput;
  peakRssBytes: number;
}

/** Ingests of generated collections, by document count; each keeps the run it came from. */
export interface CollectionSection {
  sizes: Record<string, { meta: RunMeta; output: Measured<BulkIngestOutput> }>;
}

/**
 * The Discord bot's load check, by who embedded the questions and the servers in each burst
 * (`local-200`); each keeps the run it came from.
 */
export interface DiscordLoadSection {
  runs: Record<string, { meta: RunMeta; output: DiscordLoadOutput }>;
}

/** Everything the report is rendered from; persisted beside it so partial runs keep other sections. */
export interface Results {
  version: 1;
  ingest?: IngestSection;
  peer?: PeerSection;
  latency?: LatencySection;
  scale?: ScaleSection;
  quality?: QualitySection;
  reader?: ReaderSection;
  postgres?: PostgresSection;
  collection?: CollectionSection;
  discordLoad?: DiscordLoadSection;
  /** Sections skipped in the latest run, and why. */
  skipped?: Record<string, string>;
}

export function loadResults(path: string): Results {
  if (!existsSync(path)) return { version: 1 };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Results;
    return parsed.version === 1 ? parsed : { version: 1 };
  } catch {
    return { version: 1 };
  }
}
