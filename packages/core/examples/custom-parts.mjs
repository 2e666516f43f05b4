// Plugs a store, a loader and a reranker of your own into articleqa. Run from packages/core after
// `pnpm build`: node examples/custom-parts.mjs
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createLocalEmbedder, MemoryStore, openArticleQA } from '@articleqa/core';

// A loader: one article per `.csv` file, a row per paragraph ("headline" column first).
const csvLoader = {
  format: 'csv',
  extensions: ['.csv'],
  mediaTypes: ['text/csv'],
  async parse({ content, source }) {
    const [, ...rows] = content.trim().split('\n');
    const [headline, ...paragraphs] = rows.map((row) => row.replace(/^"|"$/g, ''));
    return {
      documents: [{ title: headline ?? basename(source), text: paragraphs.join('\n\n'), metadata: {} }],
    };
  },
};

// A reranker: chunks that name a number move ahead (a stand-in for a cross-encoder or an API).
const numbersFirst = {
  id: 'example:numbers-first',
  async rerank(_query, chunks) {
    const score = (chunk) => (/\d/.test(chunk.text) ? 1 : 0);
    return [...chunks]
      .map((chunk) => ({ ...chunk, scores: { ...chunk.scores, rerank: score(chunk) } }))
      .sort((a, b) => b.scores.rerank - a.scores.rerank || a.rank - b.rank)
      .map((chunk, index) => ({ ...chunk, rank: index + 1 }));
  },
};

const work = await mkdtemp(join(tmpdir(), 'articleqa-example-'));
await writeFile(
  join(work, 'harbour.csv'),
  'text\n"Harbour reopens after storm"\n"The harbour reopened on Monday after the storm."\n"Repairs to the sea wall cost 3.2 million euros."\n',
);

const embedder = createLocalEmbedder({
  cacheDir: process.env.ARTICLEQA_CACHE_DIR ?? join(tmpdir(), 'articleqa-cache'),
});
// The store: in memory here; any ArticleStore (a Postgres one) plugs in the same way.
const qa = await openArticleQA({
  store: new MemoryStore(),
  embedder,
  loaders: [csvLoader],
  reranker: numbersFirst,
});
const summary = await qa.ingest([work]);
console.log(`ingested ${summary.added} article(s)`);
const result = await qa.ask('How much did the sea wall repairs cost?');
console.log(result.answer);
console.log(
  result.citations.map((citation) => `[${citation.n}] ${citation.title}: ${citation.quote}`).join('\n'),
);

await qa.close();
await embedder.close();
await rm(work, { recursive: true, force: true });
