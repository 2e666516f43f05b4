import { readFile } from 'node:fs/promises';
import type { EvalQuestion } from '@articleqa/core';
import { HuggingFaceTransformersEmbeddings } from '@langchain/community/embeddings/huggingface_transformers';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { Document } from '@langchain/core/documents';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { answerRecall, type RecallSummary } from '../dataset.js';
import { cpuMsSince, type LatencySummary, summarize } from '../statistics.js';
import { loadXenovaPipeline } from '../xenova-pipeline.js';

/**
 * LangChain.js's HuggingFaceTransformersEmbeddings with only its model loading replaced.
 *
 * The class imports `@huggingface/transformers` (v3) on first use; this subclass fills the class's own
 * `pipelinePromise` slot with an @xenova/transformers (v2) pipeline on the very model folder
 * articleqa uses (int8 all-MiniLM-L6-v2 built from the npm weights), so both sides run the same model
 * through the same runtime. Everything else — newline stripping, `batchSize` 512, `Promise.all` over
 * the batches, mean pooling and normalisation, `tolist()` — is LangChain's own code.
 */
class LocalMiniLMTransformersEmbeddings extends HuggingFaceTransformersEmbeddings {
  embedMs = 0;
  readonly loaded: Promise<unknown>;

  constructor(cacheDir: string) {
    super({ model: 'all-MiniLM-L6-v2' });
    // `pipelinePromise` is private in LangChain's typings but a plain field at run time: the one seam
    // through which the model can be swapped without copying the class's embedding code.
    this.loaded = loadXenovaPipeline(cacheDir, { everyCore: true });
    (this as unknown as { pipelinePromise: Promise<unknown> }).pipelinePromise = this.loaded;
  }

  override async embedDocuments(texts: string[]): Promise<number[][]> {
    const started = performance.now();
    try {
      return await super.embedDocuments(texts);
    } finally {
      this.embedMs += performance.now() - started;
    }
  }
}

export interface PeerInput {
  /** The article files, as articleqa ingests them. */
  files: string[];
  cacheDir: string;
  questions: EvalQuestion[];
  /**
   * LangChain's shipped `batchSize` (512: its constructor ignores the option) or 1, set on the
   * instance: the workaround a user who hits the memory blow-up would apply.
   */
  batchSize: 'default' | 1;
  budget: number;
  /** Latency percentiles cover the first this many questions, the ones articleqa is timed on. */
  latencyQuestions: number;
}

export interface PeerOutput {
  batchSize: number;
  documents: number;
  chunks: number;
  sourceBytes: number;
  modelLoadMs: number;
  /** Read files, split, embed and build the HNSWLib index. */
  ingestMs: number;
  /** CPU time (all threads) during the ingest. */
  cpuMs: number;
  embedMs: number;
  /** Model tokens of the chunks (special tokens included, before truncation), measured after timing. */
  tokens: number;
  /** Chunks longer than the model's 256-token input: their ends are silently cut off. */
  truncatedChunks: number;
  recall: RecallSummary;
  /** `similaritySearch(question, 10)`, model warm, over the first `latencyQuestions` questions. */
  search: LatencySummary;
}

export async function runPeer(input: PeerInput): Promise<PeerOutput> {
  const embeddings = new LocalMiniLMTransformersEmbeddings(input.cacheDir);
  if (input.batchSize === 1) embeddings.batchSize = 1;
  const loadStarted = performance.now();
  await embeddings.embedQuery('warm up');
  const modelLoadMs = performance.now() - loadStarted;

  const cpu = process.cpuUsage();
  const started = performance.now();
  // What LangChain's TextLoader does: the file's text as page content, its path as `source`.
  const documents: Document[] = [];
  let sourceBytes = 0;
  for (const source of input.files) {
    const text = await readFile(source, 'utf8');
    sourceBytes += Buffer.byteLength(text);
    documents.push(new Document({ pageContent: text, metadata: { source } }));
  }
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 1000, chunkOverlap: 200 });
  const chunks = await splitter.splitDocuments(documents);
  const store = await HNSWLib.fromDocuments(chunks, embeddings);
  const ingestMs = performance.now() - started;
  const cpuMs = cpuMsSince(cpu);

  const { tokens, truncatedChunks } = await measureTokens(
    embeddings.loaded,
    chunks.map((chunk) => chunk.pageContent.replace(/\n/g, ' ')),
  );
  const titles = new Map(
    documents.map((document) => [document.metadata.source as string, titleOf(document)]),
  );
  const ranked: { title: string; text: string }[][] = [];
  const latencies: number[] = [];
  for (const question of input.questions) {
    const queryStarted = performance.now();
    const results = await store.similaritySearch(question.question, 10);
    latencies.push(performance.now() - queryStarted);
    ranked.push(
      results.map((result) => ({
        title: titles.get(result.metadata.source as string) ?? '',
        text: result.pageContent,
      })),
    );
  }
  return {
    batchSize: embeddings.batchSize,
    documents: documents.length,
    chunks: chunks.length,
    sourceBytes,
    modelLoadMs,
    ingestMs,
    cpuMs,
    embedMs: embeddings.embedMs,
    tokens,
    truncatedChunks,
    recall: answerRecall(input.questions, ranked, input.budget),
    search: summarize(latencies.slice(0, input.latencyQuestions)),
  };
}

async function measureTokens(
  loaded: Promise<unknown>,
  texts: string[],
): Promise<{ tokens: number; truncatedChunks: number }> {
  const pipe = (await loaded) as {
    tokenizer: { encode(text: string): number[]; model_max_length: number };
  };
  const limit = pipe.tokenizer.model_max_length;
  let tokens = 0;
  let truncatedChunks = 0;
  for (const text of texts) {
    const length = pipe.tokenizer.encode(text).length;
    tokens += length;
    if (length > limit) truncatedChunks += 1;
  }
  return { tokens, truncatedChunks };
}

/** The article title: its `# ` heading (how the SQuAD half is laid out), else the file name. */
function titleOf(document: Document): string {
  const heading = /^#\s+(.+)$/m.exec(document.pageContent)?.[1];
  return heading?.trim() ?? String(document.metadata.source);
}
