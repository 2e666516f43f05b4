import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalEmbedder, DefaultHnswOptions, openArticleQA } from '@articleqa/core';

/** Ingest of a large generated collection, with resident memory sampled as it goes. */
export interface BulkIngestInput {
  /** Article files the documents are generated from (the SQuAD half's). */
  files: string[];
  documents: number;
  /** Scratch folder: the generated documents and the index go here and are removed after. */
  dir: string;
  cacheDir: string;
}

export interface RssSample {
  seconds: number;
  /** Sources finished (stored, unchanged or failed). */
  done: number;
  chunksEmbedded: number;
  rssBytes: number;
}

export interface BulkIngestOutput {
  documents: number;
  chunks: number;
  chunksEmbedded: number;
  failed: number;
  ingestMs: number;
  samples: RssSample[];
  /**
   * The same ingest again: everything unchanged (how a stopped ingest resumes: it skips what is stored).
   * With `rerunByStamp`, files whose size and modification time are stored are skipped unread; before
   * that (absent), every file was read and hashed.
   */
  rerunMs: number;
  rerunByStamp?: boolean;
  rerunUnchanged: number;
  /** Highest RSS sampled during the re-run (every 250 ms); absent in older results. */
  rerunPeakRssBytes?: number;
  /** The local store's HNSW segment size; absent in runs from before segments (one graph in memory). */
  segmentSize?: number;
}

/**
 * Writes `count` distinct documents: document `j` joins two paragraphs of the source articles chosen by
 * `j` (distinct pairs, so no two documents or chunk texts repeat), under a title of its own, in folders
 * of 1,000 files.
 */
async function generate(files: string[], count: number, dir: string): Promise<void> {
  const paragraphs: string[] = [];
  for (const file of files) {
    for (const block of (await readFile(file, 'utf8')).split(/\n\s*\n/)) {
      const text = block.trim();
      if (text.length > 200 && !text.startsWith('#')) paragraphs.push(text);
    }
  }
  const p = paragraphs.length;
  if (p * (p - 1) < count) throw new Error(`Only ${p} paragraphs: too few for ${count} documents.`);
  for (let j = 0; j < count; j++) {
    const first = j % p;
    const second = (first + 1 + Math.floor(j / p)) % p;
    const folder = join(dir, `part-${String(Math.floor(j / 1000)).padStart(3, '0')}`);
    if (j % 1000 === 0) await mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, `doc-${String(j).padStart(6, '0')}.md`),
      `# Report ${j}\n\n${paragraphs[first]}\n\n${paragraphs[second]}\n`,
    );
  }
}

export async function runBulkIngest(input: BulkIngestInput): Promise<BulkIngestOutput> {
  const corpus = join(input.dir, 'corpus');
  const indexDir = join(input.dir, 'index');
  await rm(input.dir, { recursive: true, force: true });
  await generate(input.files, input.documents, corpus);
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  const qa = await openArticleQA({ dir: indexDir, embedder });
  try {
    const samples: RssSample[] = [];
    let done = 0;
    let chunksEmbedded = 0;
    const started = performance.now();
    const sample = () =>
      samples.push({
        seconds: (performance.now() - started) / 1000,
        done,
        chunksEmbedded,
        rssBytes: process.memoryUsage.rss(),
      });
    const timer = setInterval(sample, 1000);
    let summary: Awaited<ReturnType<typeof qa.ingest>>;
    try {
      summary = await qa.ingest([corpus], {
        onProgress: (event) => {
          if (event.type === 'source') done = event.done;
          if (event.type === 'embedded') chunksEmbedded = event.totalEmbedded;
        },
      });
    } finally {
      clearInterval(timer);
    }
    sample();
    const ingestMs = performance.now() - started;
    // The peak RSS comes after the sampled ingest: sample the re-run too, to tell whether it is there.
    let rerunPeakRssBytes = process.memoryUsage.rss();
    const rerunTimer = setInterval(() => {
      rerunPeakRssBytes = Math.max(rerunPeakRssBytes, process.memoryUsage.rss());
    }, 250);
    const rerunStarted = performance.now();
    let rerun: Awaited<ReturnType<typeof qa.ingest>>;
    try {
      rerun = await qa.ingest([corpus]);
    } finally {
      clearInterval(rerunTimer);
    }
    return {
      documents: summary.documents,
      chunks: summary.chunks,
      chunksEmbedded: summary.chunksEmbedded,
      failed: summary.failed,
      ingestMs,
      samples,
      rerunMs: performance.now() - rerunStarted,
      rerunUnchanged: rerun.unchanged,
      rerunPeakRssBytes,
      rerunByStamp: true,
      segmentSize: DefaultHnswOptions.segmentSize,
    };
  } finally {
    await qa.close();
    await embedder.close();
    await rm(input.dir, { recursive: true, force: true });
  }
}
