import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalEmbedder, DefaultHnswOptions, openArticleQA } from '@articleqa/core';

/** Ingest of a large generated collection, with resident memory sampled as it goes. */
export interface BulkIngestInput {
  /** Article files the documents are generated from (the SQuAD half's). */
  files: string[];
  documents: number;
  /**
   * Scratch folder: the generated documents and the index go here. The caller removes it after the
   * re-run ({@link runBulkRerun}), which reads the same folder in a process of its own.
   */
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
   * that (absent), every file was read and hashed. Since `rerunProcessPeakRssBytes`, the re-run is a
   * process of its own, as a second `articleqa ingest` is; before, it followed the ingest in its process.
   */
  rerunMs: number;
  rerunByStamp?: boolean;
  rerunUnchanged: number;
  /** Highest RSS sampled during the re-run (every 250 ms); absent in older results. */
  rerunPeakRssBytes?: number;
  /** The re-run's process peak (maxRSS), when it ran in a process of its own. */
  rerunProcessPeakRssBytes?: number;
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

/** The ingest, in this process; the re-run is {@link runBulkRerun}'s, in a fresh one. */
export async function runBulkIngest(input: BulkIngestInput): Promise<BulkIngestResult> {
  const corpus = join(input.dir, 'corpus');
  await rm(input.dir, { recursive: true, force: true });
  await generate(input.files, input.documents, corpus);
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  const qa = await openArticleQA({ dir: join(input.dir, 'index'), embedder });
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
    return {
      documents: summary.documents,
      chunks: summary.chunks,
      chunksEmbedded: summary.chunksEmbedded,
      failed: summary.failed,
      ingestMs: performance.now() - started,
      samples,
      segmentSize: DefaultHnswOptions.segmentSize,
    };
  } finally {
    await qa.close();
    await embedder.close();
  }
}

/** What {@link runBulkIngest} measures: the output less the re-run's fields. */
export type BulkIngestResult = Omit<
  BulkIngestOutput,
  'rerunMs' | 'rerunByStamp' | 'rerunUnchanged' | 'rerunPeakRssBytes' | 'rerunProcessPeakRssBytes'
>;

export interface BulkRerunInput {
  /** The folder {@link runBulkIngest} filled. */
  dir: string;
  cacheDir: string;
}

export interface BulkRerunOutput {
  rerunMs: number;
  rerunUnchanged: number;
  /** Highest RSS sampled every 250 ms. */
  rerunPeakRssBytes: number;
}

/** The same ingest again, in a fresh process as a second `articleqa ingest` would be. */
export async function runBulkRerun(input: BulkRerunInput): Promise<BulkRerunOutput> {
  const embedder = createLocalEmbedder({ cacheDir: input.cacheDir });
  const qa = await openArticleQA({ dir: join(input.dir, 'index'), embedder, create: false });
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 250);
  try {
    const started = performance.now();
    const rerun = await qa.ingest([join(input.dir, 'corpus')]);
    return {
      rerunMs: performance.now() - started,
      rerunUnchanged: rerun.unchanged,
      rerunPeakRssBytes: Math.max(peak, process.memoryUsage.rss()),
    };
  } finally {
    clearInterval(timer);
    await qa.close();
    await embedder.close();
  }
}
