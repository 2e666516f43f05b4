import type { BulkIngestInput, BulkIngestResult, BulkRerunInput, BulkRerunOutput } from './bulk.js';
import type {
  EmbedVariantsInput,
  EmbedVariantsOutput,
  IngestPipelineInput,
  IngestPipelineOutput,
  InterleavedInput,
  InterleavedOutput,
  RawEmbedInput,
  RawEmbedOutput,
} from './ingest.js';
import type { PeerInput, PeerOutput } from './peer.js';
import type { PostgresInput, PostgresOutput } from './postgres.js';
import type { LatencyInput, LatencyOutput, QualityInput, QualityOutput } from './query.js';
import type { ReaderInput, ReaderOutput } from './reader.js';
import type { ScaleCentresInput, ScaleCentresOutput, ScaleInput, ScaleOutput } from './scale.js';

/** Every phase a child process can run: its input and output. */
interface PhaseTable {
  'ingest-pipeline': [IngestPipelineInput, IngestPipelineOutput];
  'raw-embed': [RawEmbedInput, RawEmbedOutput];
  interleaved: [InterleavedInput, InterleavedOutput];
  'embed-variants': [EmbedVariantsInput, EmbedVariantsOutput];
  peer: [PeerInput, PeerOutput];
  latency: [LatencyInput, LatencyOutput];
  quality: [QualityInput, QualityOutput];
  reader: [ReaderInput, ReaderOutput];
  postgres: [PostgresInput, PostgresOutput];
  'scale-centres': [ScaleCentresInput, ScaleCentresOutput];
  scale: [ScaleInput, ScaleOutput];
  'bulk-ingest': [BulkIngestInput, BulkIngestResult];
  'bulk-rerun': [BulkRerunInput, BulkRerunOutput];
}

export type PhaseName = keyof PhaseTable;
export type PhaseInput<Name extends PhaseName> = PhaseTable[Name][0];
export type PhaseOutput<Name extends PhaseName> = PhaseTable[Name][1];
type Phase<Name extends PhaseName> = (input: PhaseInput<Name>) => Promise<PhaseOutput<Name>>;

// Loaded on demand: only the peer phase imports LangChain, only model phases load the model.
const loaders: { [Name in PhaseName]: () => Promise<Phase<Name>> } = {
  'ingest-pipeline': () => import('./ingest.js').then((module) => module.runIngestPipeline),
  'raw-embed': () => import('./ingest.js').then((module) => module.runRawEmbed),
  interleaved: () => import('./ingest.js').then((module) => module.runInterleaved),
  'embed-variants': () => import('./ingest.js').then((module) => module.runEmbedVariants),
  peer: () => import('./peer.js').then((module) => module.runPeer),
  latency: () => import('./query.js').then((module) => module.runLatency),
  quality: () => import('./query.js').then((module) => module.runQuality),
  reader: () => import('./reader.js').then((module) => module.runReader),
  postgres: () => import('./postgres.js').then((module) => module.runPostgres),
  'scale-centres': () => import('./scale.js').then((module) => module.runScaleCentres),
  scale: () => import('./scale.js').then((module) => module.runScale),
  'bulk-ingest': () => import('./bulk.js').then((module) => module.runBulkIngest),
  'bulk-rerun': () => import('./bulk.js').then((module) => module.runBulkRerun),
};

export function isPhaseName(name: unknown): name is PhaseName {
  return typeof name === 'string' && Object.hasOwn(loaders, name);
}

export function loadPhase<Name extends PhaseName>(name: Name): Promise<Phase<Name>> {
  return loaders[name]();
}
