import { stat } from 'node:fs/promises';
import {
  type ChunkOptions,
  chunkDocument,
  DefaultChunkOptions,
  discoverSources,
  type Embedder,
  loadDocument,
} from '@articleqa/core';

/** The texts the pipeline embeds for a corpus, reproduced through the core's public exports. */
export interface CorpusTexts {
  /**
   * What the model reads for each distinct chunk (by `embedText`), in document order: the title line and
   * the chunk without the sentences it repeats from the chunk before (`freshEmbedText`), as the pipeline
   * embeds a document's chunks together and each sentence once.
   */
  embedTexts: string[];
  /** Chunks before de-duplication. */
  chunks: number;
  documents: number;
  sourceBytes: number;
}

/**
 * Loads and chunks every source in `inputs` (files or folders) exactly as `qa.ingest` does (same loader, same
 * chunker, the index's chunk options, the embedder's tokenizer) and keeps each distinct embed text
 * once, as the pipeline embeds identical chunk texts once. The caller checks the count against the
 * pipeline's `chunksEmbedded`.
 */
export async function corpusTexts(
  inputs: readonly string[],
  tokenizer: Pick<Embedder, 'countTokens' | 'maxTokens'>,
  chunkOptions: ChunkOptions = DefaultChunkOptions,
): Promise<CorpusTexts> {
  const { sources } = await discoverSources(inputs, { cwd: process.cwd() });
  const seen = new Set<string>();
  const embedTexts: string[] = [];
  let chunks = 0;
  let sourceBytes = 0;
  for (const source of sources) {
    sourceBytes += (await stat(source)).size;
    const document = await loadDocument(source);
    for (const chunk of chunkDocument(document, tokenizer, chunkOptions)) {
      chunks += 1;
      if (seen.has(chunk.embedText)) continue;
      seen.add(chunk.embedText);
      embedTexts.push(chunk.freshEmbedText);
    }
  }
  return { embedTexts, chunks, documents: sources.length, sourceBytes };
}

/** Bytes of the files `discoverSources` finds in `inputs`. */
export async function sourceBytes(inputs: readonly string[]): Promise<{ files: number; bytes: number }> {
  const { sources } = await discoverSources(inputs, { cwd: process.cwd() });
  let bytes = 0;
  for (const source of sources) bytes += (await stat(source)).size;
  return { files: sources.length, bytes };
}
