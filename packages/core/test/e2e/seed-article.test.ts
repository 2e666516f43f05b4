import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type ArticleQA,
  createLocalEmbedder,
  evaluate,
  loadDocument,
  openArticleQA,
  parseQuestions,
} from '../../src/index.js';

// The real offline model, the real corpus article, a real index on disk.
const here = dirname(fileURLToPath(import.meta.url));
const repository = join(here, '..', '..', '..', '..');
const corpus = join(repository, 'corpus');
const cacheDir = join(tmpdir(), 'articleqa-test-cache');
const embedder = createLocalEmbedder({ cacheDir });
let dir: string;
let qa: ArticleQA;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'articleqa-e2e-'));
  qa = await openArticleQA({ dir: join(dir, 'index'), embedder });
  const summary = await qa.ingest([corpus]);
  expect(summary.added).toBeGreaterThanOrEqual(1);
});
afterAll(async () => {
  await qa.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the seed article, offline', () => {
  it('answers with a quote that is exactly the document text at its offsets', async () => {
    const result = await qa.ask('Who will set up network security offices inside internet firms?');
    expect(result.abstained).toBe(false);
    expect(result.answerer).toBe('extractive');
    expect(result.answer).toMatch(/\[1\]/);
    expect(result.answer).toContain('Chen Zhimin');
    const document = (await qa.listDocuments()).find((entry) => entry.id === result.citations[0]?.documentId);
    expect(document?.title).toBe('China wants police installed in every internet company');
    // Reload the article independently: the citation must quote its cleaned text at exactly [start, end).
    const { text } = await loadDocument(document!.source);
    for (const citation of result.citations) {
      expect(citation.quote.length).toBeGreaterThan(20);
      expect(text.slice(citation.start, citation.end)).toBe(citation.quote);
    }
    for (const chunk of result.retrieved) expect(chunk.text.length).toBe(chunk.end - chunk.start);
  });

  it('answers from the sentence vectors stored at ingest: the question is the only text embedded', async () => {
    const spy = vi.spyOn(embedder, 'embed');
    try {
      const result = await qa.ask('Which professor told the FT that the goal is an intimidating atmosphere?');
      expect(result.abstained).toBe(false);
      expect(result.answer).toContain('Qiao Mu');
      expect(spy.mock.calls.map(([texts]) => texts.length)).toEqual([1]);
    } finally {
      spy.mockRestore();
    }
  });

  it('abstains when a quantity question finds the topic but no number', async () => {
    const result = await qa.ask('How many police officers will be placed in each company?');
    expect(result.abstained).toBe(true);
  });

  it('abstains on questions far off the topic of the articles', async () => {
    for (const question of [
      'How do I bake sourdough bread?',
      'Who won the 1998 football World Cup?',
      'What is the speed of light?',
    ]) {
      const result = await qa.ask(question);
      expect(result.abstained, question).toBe(true);
      expect(result.answer).toMatch(/articles don't say/);
      expect(result.citations).toEqual([]);
    }
  });

  it('rewrites a follow-up with the conversation before retrieving', async () => {
    const first = 'What will be set up inside important website and internet firms?';
    const result = await qa.ask('and who announced it?', {
      history: [
        { role: 'user', content: first },
        { role: 'assistant', content: 'Network security offices [1].' },
      ],
    });
    expect(result.standaloneQuestion).toContain(first);
    expect(result.abstained).toBe(false);
    expect(result.answer).toContain('Chen Zhimin');
  });

  it('meets its quality bar on the hand-written seed question set', async () => {
    const questions = parseQuestions(
      await readFile(join(here, '..', 'fixtures', 'seed-questions.jsonl'), 'utf8'),
    );
    expect(questions.filter((question) => question.answerable).length).toBeGreaterThanOrEqual(20);
    expect(questions.filter((question) => !question.answerable).length).toBeGreaterThanOrEqual(5);
    const { metrics, records } = await evaluate(qa, questions, { k: 10 });
    expect(metrics.recallAt5).toBeGreaterThanOrEqual(0.95);
    expect(metrics.recallAt1).toBeGreaterThanOrEqual(0.85);
    expect(metrics.abstentionOnUnanswerable).toBe(1);
    expect(metrics.abstentionOnAnswerable).toBeLessThanOrEqual(0.15);
    expect(metrics.answerHitRate).toBeGreaterThanOrEqual(0.75);
    expect(metrics.citationAccuracy).toBeGreaterThanOrEqual(0.8);
    for (const record of records)
      expect(record.retrieved.map((chunk) => chunk.rank)).toEqual(record.retrieved.map((_, i) => i + 1));
  });

  it('re-ingesting the unchanged corpus embeds nothing', async () => {
    const summary = await qa.ingest([corpus]);
    expect(summary.chunksEmbedded).toBe(0);
    expect(summary.added + summary.updated).toBe(0);
  });
});

describe('a crash mid-ingest', () => {
  it('leaves an index that opens and answers, keeping what was committed', async () => {
    const work = await mkdtemp(join(tmpdir(), 'articleqa-crash-'));
    const articles = join(work, 'articles');
    await mkdir(articles);
    for (let i = 0; i < 40; i += 1) {
      const body = Array.from(
        { length: 12 },
        (_, j) => `Report ${i} notes that fact ${j} concerns harbour number ${i * 100 + j}.`,
      ).join(' ');
      await writeFile(
        join(articles, `report-${String(i).padStart(2, '0')}.md`),
        `# Harbour report ${i}\n\n${body}\n`,
      );
    }
    await writeFile(
      join(articles, 'zz-police.md'),
      await readFile(join(corpus, '2015-08-05-china-police-internet-companies.md'), 'utf8'),
    );
    const index = join(work, 'index');
    const script = `
      import { createLocalEmbedder, openArticleQA } from ${JSON.stringify(pathToFileURL(join(repository, 'packages/core/dist/index.js')).href)};
      const qa = await openArticleQA({ dir: ${JSON.stringify(index)}, embedder: createLocalEmbedder({ cacheDir: ${JSON.stringify(cacheDir)} }) });
      await qa.ingest([${JSON.stringify(articles)}], { batchChunks: 4, onProgress: (event) => { if (event.type === 'source') process.stdout.write('committed\\n'); } });
      process.stdout.write('finished\\n');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let committed = 0;
    let finished = false;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (data: Buffer) => {
        committed += data.toString().split('committed').length - 1;
        if (data.toString().includes('finished')) finished = true;
        // Kill it hard once a few batches are in, in the middle of the next one.
        if (committed >= 6 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    expect(finished).toBe(false);

    const reopened = await openArticleQA({ dir: index, embedder });
    try {
      const stats = await reopened.stats();
      expect(stats.documents).toBeGreaterThanOrEqual(6);
      expect(stats.documents).toBeLessThan(41);
      const results = await reopened.search('harbour number 203', { k: 3 });
      expect(results.length).toBeGreaterThan(0);
      const counts = (await reopened.listDocuments()).reduce((sum, document) => sum + document.chunks, 0);
      expect(counts).toBe(stats.chunks);
    } finally {
      await reopened.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
