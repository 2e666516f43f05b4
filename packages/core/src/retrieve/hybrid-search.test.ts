import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../test/support/hashing-embedder.js';
import { hashText } from '../ingest/ingest-sources.js';
import type { SourceDocument } from '../shared/document.js';
import { LocalStore } from '../store/local/local-store.js';
import { hybridSearch } from './hybrid-search.js';

const embedder = new HashingEmbedder(64);
let dir: string;
let index: LocalStore;

const articles: { id: string; title: string; publishedAt: string; source: string; chunks: string[] }[] = [
  {
    id: 'police',
    title: 'China wants police in internet companies',
    publishedAt: '2015-08-05',
    source: '/corpus/police.md',
    chunks: [
      'The Ministry of Public Security will set up network security offices inside internet firms.',
      'Deputy minister Chen Zhimin announced the plan to catch criminal behaviour online early.',
    ],
  },
  {
    id: 'weather',
    title: 'Storms across the coast',
    publishedAt: '2019-01-10',
    source: '/corpus/weather.md',
    chunks: [
      'Heavy rain and strong wind hit the coast on Monday.',
      'Forecasters expect sunshine by Friday afternoon.',
    ],
  },
  {
    id: 'football',
    title: 'Cup final report',
    publishedAt: '2021-05-22',
    source: 'https://sport.example/cup',
    chunks: [
      'The home side won the cup final with a late goal.',
      'Fans celebrated in the city centre until midnight.',
    ],
  },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'articleqa-search-'));
  index = new LocalStore({ dir });
  await index.open({ embedderId: embedder.id, dimensions: 64, chunker: {} });
  await index.lock();
  const texts = articles.flatMap((article) => article.chunks);
  const vectors = await embedder.embed(texts);
  const byHash = new Map(texts.map((text, i) => [hashText(text), { vector: vectors[i]!, sentences: [] }]));
  await index.writeDocuments(
    articles.map((article) => {
      const text = article.chunks.join('\n\n');
      let offset = 0;
      const chunks = article.chunks.map((chunk, position) => {
        const start = offset;
        offset += chunk.length + 2;
        return {
          position,
          start,
          end: start + chunk.length,
          tokens: 10,
          text: chunk,
          vectorHash: hashText(chunk),
        };
      });
      const document: SourceDocument = {
        id: article.id,
        source: article.source,
        title: article.title,
        text,
        contentHash: hashText(text),
        format: 'markdown',
        metadata: { publishedAt: article.publishedAt },
      };
      return { document, chunks };
    }),
    byHash,
  );
  await index.unlock();
});
afterAll(async () => {
  await index.close();
  await rm(dir, { recursive: true, force: true });
});

const search = (query: string, options = {}) =>
  hybridSearch(query, { store: index, embedder }, options).then((outcome) => outcome.results);

describe('hybridSearch', () => {
  it('ranks the chunk that matches best first, with both retrievers scored', async () => {
    const [top] = await search('Who announced the network security offices plan?');
    expect(top?.documentId).toBe('police');
    expect(top?.scores.dense).toBeTypeOf('number');
    expect(top?.scores.lexical).toBeGreaterThan(0);
    expect(top?.rank).toBe(1);
  });

  it('returns offsets into the document and k results at most', async () => {
    const results = await search('coast rain wind', { k: 3 });
    expect(results.length).toBeLessThanOrEqual(3);
    for (const result of results) {
      expect((await index.documentText(result.documentId))!.slice(result.start, result.end)).toBe(
        result.text,
      );
    }
  });

  it('fuses: a chunk found only lexically still gets a dense score, and vice versa', async () => {
    const results = await search('Zhimin', { k: 6 });
    for (const result of results) {
      expect(result.scores.dense).toBeTypeOf('number');
      expect(result.scores.lexical).toBeTypeOf('number');
    }
    expect(results[0]?.text).toContain('Zhimin');
  });

  it('filters by document id, source and date range', async () => {
    expect(
      (await search('cup final goal', { filter: { documentIds: ['weather'] } })).every(
        (r) => r.documentId === 'weather',
      ),
    ).toBe(true);
    expect(
      (await search('cup final goal', { filter: { source: 'sport.example' } })).every(
        (r) => r.documentId === 'football',
      ),
    ).toBe(true);
    const dated = await search('police rain cup', {
      filter: { publishedAfter: '2018-01-01', publishedBefore: '2020-01-01' },
    });
    expect(dated.length).toBeGreaterThan(0);
    expect(dated.every((result) => result.documentId === 'weather')).toBe(true);
    expect(await search('police', { filter: { documentIds: ['nothing'] } })).toEqual([]);
  });

  it('diversifies with MMR and expands to neighbouring chunks when asked', async () => {
    const expanded = await search('Chen Zhimin announced', { k: 1, expandNeighbours: 1 });
    expect(expanded[0]?.text).toContain('Ministry of Public Security');
    expect(expanded[0]?.text).toContain('Chen Zhimin');
    const diverse = await search('police security offices internet', { k: 3, mmrLambda: 0.3 });
    expect(new Set(diverse.map((result) => result.chunkId)).size).toBe(diverse.length);
  });

  it.each([
    '"unbalanced quote',
    'police AND OR NOT',
    'NEAR(police firms, 2)',
    'police* -firms ^start',
    'title:police',
    '((((',
    '🚓🚨 police',
    '中国 警察 互联网',
    'Полиция в интернет-компаниях',
    "it's the Ministry's plan",
    '***',
    '"',
  ])('never throws on FTS5-hostile input %j', async (query) => {
    await expect(search(query)).resolves.toBeInstanceOf(Array);
  });
});

describe('hybridSearch with sentence vectors', () => {
  const spanEmbedder = new HashingEmbedder(64, 'test:spans');
  const documents = [
    {
      id: 'diluted',
      text: 'Chen Zhimin announced the plan. Markets were calm, rain fell, traffic moved slowly, shops opened late and the football season began with a draw in the northern league.',
    },
    { id: 'partial', text: 'Chen spoke about many plans for the year ahead.' },
  ];
  let sentenceDir: string;
  let sentenceIndex: LocalStore;

  beforeAll(async () => {
    sentenceDir = await mkdtemp(join(tmpdir(), 'articleqa-sentences-'));
    sentenceIndex = new LocalStore({ dir: sentenceDir });
    await sentenceIndex.open({ embedderId: spanEmbedder.id, dimensions: 64, chunker: {} });
    await sentenceIndex.lock();
    const inputs = documents.map(({ text }) => ({
      text,
      spans: [...text.matchAll(/[^.]+\./g)].map((match) => {
        const start = match.index + (match[0].length - match[0].trimStart().length);
        return { start, end: match.index + match[0].length };
      }),
    }));
    const embedded = await spanEmbedder.embedWithSpans(inputs);
    await sentenceIndex.writeDocuments(
      documents.map(({ id, text }) => ({
        document: {
          id,
          source: `/corpus/${id}.md`,
          title: id,
          text,
          contentHash: hashText(text),
          format: 'markdown' as const,
          metadata: {},
        },
        chunks: [{ position: 0, start: 0, end: text.length, tokens: 30, text, vectorHash: hashText(text) }],
      })),
      new Map(
        documents.map(({ text }, i) => [
          hashText(text),
          {
            vector: embedded[i]!.vector,
            sentences: inputs[i]!.spans.map((span, j) => ({ ...span, vector: embedded[i]!.spans[j]! })),
          },
        ]),
      ),
    );
    await sentenceIndex.unlock();
  });
  afterAll(async () => {
    await sentenceIndex.close();
    await rm(sentenceDir, { recursive: true, force: true });
  });

  const context = () => ({ store: sentenceIndex, embedder: spanEmbedder });

  it('lifts the chunk whose one sentence matches, by the sentence weight', async () => {
    const query = 'Chen Zhimin announced the plan';
    const gap = async (sentenceWeight: number) => {
      const { results } = await hybridSearch(query, context(), { sentenceWeight });
      const score = (id: string) => results.find((result) => result.documentId === id)!.score;
      return score('diluted') - score('partial');
    };
    const [none, half, full] = [await gap(0), await gap(0.5), await gap(1)];
    expect(half).toBeGreaterThan(none);
    expect(full).toBeGreaterThan(half);
    // Only its sentence counts at weight 1: the best sentence normalises to 1, the worst to 0.
    expect(full).toBe(1);
  });

  it('returns each result sentence with document offsets and its similarity', async () => {
    const { results, sentences } = await hybridSearch('Chen Zhimin announced the plan', context(), {});
    const top = results[0]!;
    const matches = sentences.get(top.chunkId)!;
    expect(matches).toHaveLength(2);
    const text = documents.find((document) => document.id === top.documentId)!.text;
    expect(text.slice(matches[0]!.start, matches[0]!.end)).toBe('Chen Zhimin announced the plan.');
    expect(matches[0]!.similarity).toBeGreaterThan(0.9);
    expect(matches[0]!.similarity).toBeGreaterThan(matches[1]!.similarity);
  });

  it('ranks an index without sentence vectors exactly as with the sentence weight off', async () => {
    const plainContext = { store: index, embedder };
    const query = 'police security offices plan';
    const [defaults, off] = await Promise.all([
      hybridSearch(query, plainContext, {}),
      hybridSearch(query, plainContext, { sentenceWeight: 0 }),
    ]);
    expect(defaults.sentences.size).toBe(0);
    expect(defaults.results.map((result) => [result.chunkId, result.score])).toEqual(
      off.results.map((result) => [result.chunkId, result.score]),
    );
  });
});
