import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ArticleQA,
  bundledAbstention,
  createLocalEmbedder,
  createLocalReader,
  evaluate,
  loadDocument,
  openArticleQA,
  retrievalScore,
} from '../../src/index.js';

// The reader shipped in packages/core/models/reader, the real embedder, the real seed article.
const here = dirname(fileURLToPath(import.meta.url));
const repository = join(here, '..', '..', '..', '..');
const seed = join(repository, 'corpus', '2015-08-05-china-police-internet-companies.md');
const cacheDir = join(tmpdir(), 'articleqa-test-cache');
const embedder = createLocalEmbedder({ cacheDir });
const reader = createLocalReader({ cacheDir });
let dir: string;
let qa: ArticleQA;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'articleqa-reader-'));
  await copyFile(seed, join(dir, 'story.md'));
  qa = await openArticleQA({ dir: join(dir, 'index'), embedder, reader });
  await qa.ingest([join(dir, 'story.md')]);
});
afterAll(async () => {
  await qa.close();
  await reader.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the shipped reader on the seed article', () => {
  it('gives a short answer and quotes the sentence that holds it at exact offsets', async () => {
    const { text } = await loadDocument(join(dir, 'story.md'));
    for (const [question, expected] of [
      ["Who is Human Rights Watch's China director?", /Sophie Richardson/],
      ['Which professor told the FT that the goal is an intimidating atmosphere?', /Qiao Mu/],
      [
        'Which deputy minister of public security was quoted about the network security offices?',
        /Chen Zhimin/,
      ],
    ] as const) {
      const result = await qa.ask(question);
      expect(result.abstained, question).toBe(false);
      expect(result.shortAnswer, question).toMatch(expected);
      // Short: a name, not a sentence.
      expect(result.shortAnswer.length, question).toBeLessThan(60);
      expect(result.citations, question).toHaveLength(1);
      const [citation] = result.citations;
      expect(citation!.quote).toContain(result.shortAnswer);
      expect(text.slice(citation!.start, citation!.end)).toBe(citation!.quote);
      expect(result.answer).toBe(`${citation!.quote} [1]`);
    }
  });

  it('abstains on questions the article does not answer', async () => {
    for (const question of [
      'What is the capital of Peru?',
      'How fast can a cheetah run?',
      'Who won the 2014 football World Cup?',
    ]) {
      const result = await qa.ask(question);
      expect(result.abstained, question).toBe(true);
      expect(result.shortAnswer).toBe('');
      expect(result.citations).toEqual([]);
    }
  });

  it('answers questions about the article itself from its metadata, citing the document', async () => {
    const published = await qa.ask('When was this article published?');
    expect(published.abstained).toBe(false);
    expect(published.shortAnswer).toBe('2015-08-05');
    expect(published.citations).toHaveLength(1);
    expect(published.citations[0]).toMatchObject({
      title: 'China wants police installed in every internet company',
      quote: '',
      metadata: { field: 'publishedAt', value: expect.stringMatching(/^2015-08-05/) },
    });
    const source = await qa.ask('Which publication ran this story?');
    expect(source.shortAnswer).toBe('Wired UK');
  });

  it('reranks retrieved chunks by reading them, and can be switched off', async () => {
    const question = 'Which agencies would the Ministry of Public Security step up co-operation with?';
    const plain = await qa.ask(question, { rerank: false });
    const reranked = await qa.ask(question);
    expect(plain.retrieved.every((chunk) => chunk.scores.rerank === undefined)).toBe(true);
    expect(plain.timings.rerankMs).toBe(0);
    // Chunks the reader answers from (margin above the threshold fitted for it) lead, best first by
    // margin plus the fitted weight x fused score; the rest keep the fused order.
    const { promoteAbove = 0, rerankRetrievalWeight = 0 } = bundledAbstention();
    const read = reranked.retrieved.filter((chunk) => chunk.scores.rerank !== undefined);
    const promoted = read.filter((chunk) => chunk.scores.rerank! > promoteAbove);
    expect(promoted.length).toBeGreaterThan(0);
    expect(read.slice(0, promoted.length)).toEqual(promoted);
    const order = promoted.map(
      (chunk) => chunk.scores.rerank! + rerankRetrievalWeight * retrievalScore(chunk),
    );
    expect(order).toEqual([...order].sort((a, b) => b - a));
    const fusedOrder = plain.retrieved.map((chunk) => chunk.chunkId);
    const rest = read.slice(promoted.length).map((chunk) => fusedOrder.indexOf(chunk.chunkId));
    expect(rest).toEqual([...rest].sort((a, b) => a - b));
    expect(reranked.retrieved.map((chunk) => chunk.chunkId).sort()).toEqual(
      plain.retrieved.map((chunk) => chunk.chunkId).sort(),
    );
    expect(reranked.retrieved[0]!.text).toContain('Cyberspace Administration of China');
    // The answer comes from the sentence naming both agencies, with a short answer inside it.
    expect(reranked.citations[0]!.quote).toContain('Cyberspace Administration of China');
    expect(reranked.shortAnswer.length).toBeGreaterThan(0);
    expect(reranked.citations[0]!.quote).toContain(reranked.shortAnswer);
  });

  it('reports what the answer passage lacks of the question among its signals', async () => {
    const fits = await qa.ask("Who is Human Rights Watch's China director?");
    expect(fits.signals).toMatchObject({ unmatchedNumber: 0, sourceUnmatchedName: 0, negation: 0 });
    expect(fits.signals!.windowCoverage).toBeGreaterThan(0.5);
    // The article gives no year 2019 and never says who did not comment.
    const year = await qa.ask('What did the Ministry of Public Security announce in 2019?');
    expect(year.signals!.unmatchedNumber).toBe(1);
    const negated = await qa.ask('Which company did not comment on the police offices?');
    expect(negated.signals!.negation).toBe(1);
  });

  it('records the short answer in every eval record', async () => {
    const { records, metrics } = await evaluate(qa, [
      {
        id: 'a',
        question: "Who is Human Rights Watch's China director?",
        answers: ['Sophie Richardson'],
        answerable: true,
      },
      { id: 'b', question: 'What is the capital of Peru?', answers: [], answerable: false },
    ]);
    expect(records.find((record) => record.id === 'a')!.shortAnswer).toContain('Sophie Richardson');
    expect(records.find((record) => record.id === 'b')!.shortAnswer).toBe('');
    expect(metrics.shortAnswerF1).toBe(1);
  });
});

describe('one citation per distinct quote', () => {
  let copies: string;
  let twice: ArticleQA;
  beforeAll(async () => {
    // The same story as Markdown and as plain text with a line of its own (so ingest does not take it
    // for a duplicate): every sentence of the story exists in two documents.
    copies = await mkdtemp(join(tmpdir(), 'articleqa-copies-'));
    await copyFile(seed, join(copies, 'story.md'));
    const body = (await readFile(seed, 'utf8')).replace(/^---[\s\S]*?---\s*/, '');
    await writeFile(
      join(copies, 'story.txt'),
      `China wants police installed in every internet company\n\n${body}\n\nReprinted with permission.\n`,
    );
    twice = await openArticleQA({ dir: join(copies, 'index'), embedder, reader });
    await twice.ingest([copies]);
  });
  afterAll(async () => {
    await twice.close();
    await rm(copies, { recursive: true, force: true });
  });

  it('cites a sentence found in both copies once', async () => {
    const result = await twice.ask("Who is Human Rights Watch's China director?");
    expect(result.abstained).toBe(false);
    const quotes = result.citations.map((citation) => citation.quote);
    expect(new Set(quotes).size).toBe(quotes.length);
    expect(result.citations).toHaveLength(1);
    // Both copies were retrieved: the merge, not retrieval, made the single citation.
    expect(new Set(result.retrieved.map((chunk) => chunk.documentId)).size).toBe(2);
  });
});
