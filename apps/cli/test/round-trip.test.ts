import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bakery, bakeryBody, glacier, lighthouse, testArticles, writeArticles } from './support/articles.js';
import { type CliResult, lines, makeTempDir, runCli } from './support/run-cli.js';

interface IngestSummaryJson {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  failed: number;
  chunksEmbedded: number;
  chunks: number;
  documents: number;
  seconds: number;
  items: { source: string; status: string; documentId?: string; title?: string; chunks?: number }[];
}

interface CitationJson {
  n: number;
  documentId: string;
  title: string;
  byline?: string;
  publishedAt?: string;
  quote: string;
  start: number;
  end: number;
}

interface RetrievedJson {
  rank: number;
  documentId: string;
  title: string;
  text: string;
  start: number;
  end: number;
  score: number;
}

interface AskJson {
  question: string;
  answer: string;
  abstained: boolean;
  answerer: string;
  citations: CitationJson[];
  retrieved: RetrievedJson[];
}

interface DocumentJson {
  id: string;
  title: string;
  source: string;
  chunks: number;
}

function json<T>(result: CliResult): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** Every citation quotes exactly the text at its offsets in a retrieved chunk of the same document. */
function expectCitationsMatchChunks(result: AskJson): void {
  for (const citation of result.citations) {
    const chunk = result.retrieved.find(
      (item) =>
        item.documentId === citation.documentId && item.start <= citation.start && citation.end <= item.end,
    );
    expect(chunk, `no retrieved chunk holds citation [${citation.n}]`).toBeDefined();
    expect(chunk!.text.slice(citation.start - chunk!.start, citation.end - chunk!.start)).toBe(
      citation.quote,
    );
  }
}

describe('ingest, ask, search, list, remove, stats round trip', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  const articles = join(cwd, 'articles');
  const index = join(cwd, 'index');
  const cli = (args: string[]) => runCli([...args, '--index', index], { cwd });
  let first: IngestSummaryJson;

  beforeAll(async () => {
    writeArticles(articles);
    first = json<IngestSummaryJson>(await cli(['ingest', articles, '--json']));
  });
  afterAll(() => temp.cleanup());

  it('ingest --json reports every article added, with consistent counts', () => {
    expect(first).toMatchObject({ added: 3, updated: 0, unchanged: 0, removed: 0, failed: 0, documents: 3 });
    expect(first.chunks).toBeGreaterThanOrEqual(3);
    // Each small article is one chunk; identical texts would share a vector, these do not.
    expect(first.chunksEmbedded).toBe(first.chunks);
    expect(first.chunks).toBe(first.items.reduce((sum, item) => sum + (item.chunks ?? 0), 0));
    expect(typeof first.seconds).toBe('number');
    expect(first.seconds).toBeGreaterThan(0);
    expect(first.items.map((item) => [item.status, item.title]).sort()).toEqual(
      testArticles.map((article) => ['added', article.title]).sort(),
    );
  });

  it('ask --json answers with citations that quote the articles exactly', async () => {
    const result = json<AskJson>(
      await cli(['ask', 'How much did the lighthouse restoration cost?', '--json']),
    );
    expect(result.abstained).toBe(false);
    expect(result.answerer).toBe('extractive');
    expect(result.answer).toContain('2.4 million euros');
    expect(result.citations.length).toBeGreaterThan(0);
    const citation = result.citations[0]!;
    expect(citation.n).toBe(1);
    expect(citation.title).toBe(lighthouse.title);
    // The cited article's date (and author, when it has one) travel with the citation.
    expect(citation.publishedAt).toBe('2021-05-12');
    expect(citation.quote).toContain('2.4 million euros');
    expect(lighthouse.content).toContain(citation.quote);
    expect(result.answer).toContain('[1]');
    expect(result.retrieved.length).toBeGreaterThan(0);
    expect(result.retrieved[0]!.title).toBe(lighthouse.title);
    expect(result.retrieved.map((item) => item.rank)).toEqual(
      result.retrieved.map((_, position) => position + 1),
    );
    expectCitationsMatchChunks(result);
  });

  it('ask shows the short answer on its own line first, then the cited sentence and its source', async () => {
    const result = await cli(['ask', 'How much did the lighthouse restoration cost?']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('2.4 million euros');
    expect(lines[1]).toBe(`${lighthouse.keySentence} [1]`);
    expect(result.stdout).toContain(`[1] ${lighthouse.title}`);
    const json = JSON.parse(
      (await cli(['ask', 'How much did the lighthouse restoration cost?', '--json'])).stdout,
    ) as {
      shortAnswer: string;
    };
    expect(json.shortAnswer).toBe('2.4 million euros');
  });

  it('citation offsets index the plain-text article body exactly', async () => {
    // (The reader abstains on "Who is the chair of the bakers association?" in this three-article index:
    // its SQuAD-calibrated confidence leans on dense similarity, low for short articles. Known, reported.)
    const result = json<AskJson>(
      await cli(['ask', 'Who said small bakeries would raise the price of rye bread?', '--json']),
    );
    expect(result.abstained).toBe(false);
    const citation = result.citations.find((item) => item.title === bakery.title);
    expect(citation, JSON.stringify(result.citations)).toBeDefined();
    expect(citation!.quote).toContain('Tomas Lindqvist');
    expect(bakeryBody.slice(citation!.start, citation!.end)).toBe(citation!.quote);
    expectCitationsMatchChunks(result);
  });

  it('search --json returns ranked chunks with titles, offsets and scores', async () => {
    const results = json<RetrievedJson[]>(await cli(['search', 'glacier ice drones', '--json', '--k', '2']));
    expect(results).toHaveLength(2);
    expect(results.map((item) => item.rank)).toEqual([1, 2]);
    const top = results[0]!;
    expect(top.title).toBe(glacier.title);
    expect(top.text).toContain('Hintereis glacier');
    expect(top.end - top.start).toBe(top.text.length);
    expect(results[0]!.score).toBeGreaterThanOrEqual(results[1]!.score);
  });

  it('regression: search --filter doc= takes an id prefix or a path, as remove does, and refuses what matches none', async () => {
    const documents = json<DocumentJson[]>(await cli(['list', '--json']));
    const glacierDoc = documents.find((document) => document.title === glacier.title)!;
    for (const reference of [glacierDoc.id.slice(0, 6), join(articles, glacier.file)]) {
      const results = json<RetrievedJson[]>(
        await cli(['search', 'restoration harbour flour ice', '--json', '--filter', `doc=${reference}`]),
      );
      expect(results.length).toBeGreaterThan(0);
      expect(new Set(results.map((result) => result.documentId))).toEqual(new Set([glacierDoc.id]));
    }
    const unknown = await cli(['search', 'ice', '--filter', 'doc=zzzz-no-such-id']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/doc=zzzz-no-such-id matches no indexed document/);
  });

  it('list --json, then remove by id: the document is gone from list and search', async () => {
    const before = json<DocumentJson[]>(await cli(['list', '--json']));
    expect(before.map((document) => document.title).sort()).toEqual(
      testArticles.map((article) => article.title).sort(),
    );
    const target = before.find((document) => document.title === glacier.title)!;
    expect(target.source).toBe(join(articles, glacier.file));
    expect(target.chunks).toBeGreaterThan(0);

    const removed = await cli(['remove', target.id]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toContain(`removed ${target.id}`);

    const after = json<DocumentJson[]>(await cli(['list', '--json']));
    expect(after.map((document) => document.id)).not.toContain(target.id);
    expect(after).toHaveLength(2);
    const search = json<RetrievedJson[]>(await cli(['search', 'glacier ice drones', '--json']));
    expect(search.map((item) => item.documentId)).not.toContain(target.id);
  });

  it('search, list and remove print for people too; removing an unknown id fails with exit 1', async () => {
    const search = await cli(['search', 'glacier ice drones', '--k', '1']);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toMatch(
      new RegExp(`^1\\. ${lighthouse.title}|^1\\. ${bakery.title}|^1\\. ${glacier.title}`),
    );
    expect(search.stdout).toMatch(/^1\. .* \[\d+, \d+\) · score \d\.\d{3}/);
    const list = await cli(['list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(lighthouse.title);
    expect(list.stdout).toMatch(/^ {4}\d+ chunks · \/.*gull-island-lighthouse\.md$/m);
    const missing = await cli(['remove', 'no-such-document']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('not found: no-such-document (see `articleqa list` for ids)\n');
  });

  it('stats --json counts what is indexed', async () => {
    const stats = json<{
      documents: number;
      chunks: number;
      vectors: number;
      vectorsWithSentences: number;
      bytesOnDisk: number;
      embedder: string;
      dimensions: number;
      lastIngestAt: string | null;
    }>(await cli(['stats', '--json']));
    const documents = json<DocumentJson[]>(await cli(['list', '--json']));
    expect(stats.documents).toBe(documents.length);
    expect(stats.chunks).toBe(documents.reduce((sum, document) => sum + document.chunks, 0));
    expect(stats.bytesOnDisk).toBeGreaterThan(0);
    // The local embedder keeps a vector per sentence with every chunk vector.
    expect(stats.vectorsWithSentences).toBe(stats.vectors);
    expect(stats.embedder).toMatch(/MiniLM/);
    expect(stats.dimensions).toBe(384);
    expect(stats.lastIngestAt).not.toBeNull();
  });

  it('re-ingesting the folder embeds nothing new and restores the removed article', async () => {
    const again = json<IngestSummaryJson>(await cli(['ingest', articles, '--json']));
    // The removed article comes back; the two others are unchanged and not embedded again.
    expect(again).toMatchObject({ added: 1, updated: 0, unchanged: 2, removed: 0, failed: 0, documents: 3 });
    const unchanged = json<IngestSummaryJson>(await cli(['ingest', articles, '--json']));
    expect(unchanged).toMatchObject({
      added: 0,
      updated: 0,
      unchanged: 3,
      removed: 0,
      failed: 0,
      chunksEmbedded: 0,
      documents: 3,
      chunks: first.chunks,
    });
  });

  it('skips a file whose size and modification time are unchanged unread; --reread reads it', async () => {
    // An edit that keeps the size, with the old modification time put back (as `cp -p` or tar do).
    const file = join(articles, bakery.file);
    const time = new Date('2026-01-01T00:00:00Z');
    utimesSync(file, time, time);
    // Touched, same content: the new time is recorded.
    expect(json<IngestSummaryJson>(await cli(['ingest', articles, '--json']))).toMatchObject({
      unchanged: 3,
    });
    const content = readFileSync(file, 'utf8');
    const edited = content.replace('harvest', 'HARVEST');
    expect(edited).not.toBe(content);
    writeFileSync(file, edited);
    utimesSync(file, time, time);
    expect(statSync(file).mtime).toEqual(time);
    const trusted = json<IngestSummaryJson>(await cli(['ingest', articles, '--json']));
    expect(trusted).toMatchObject({ added: 0, updated: 0, unchanged: 3, chunksEmbedded: 0 });
    const reread = json<IngestSummaryJson>(await cli(['ingest', articles, '--reread', '--json']));
    expect(reread).toMatchObject({ added: 0, updated: 1, unchanged: 2, failed: 0 });
    expect(reread.items.find((item) => item.status === 'updated')?.title).toBe(bakery.title);
  });

  it('re-ingest after an edit updates one article and removes a deleted one', async () => {
    writeFileSync(
      join(articles, bakery.file),
      `${bakery.content}\nThe ministry said it would decide within two weeks.\n`,
    );
    rmSync(join(articles, glacier.file));
    const summary = json<IngestSummaryJson>(await cli(['ingest', articles, '--json']));
    expect(summary).toMatchObject({
      added: 0,
      updated: 1,
      unchanged: 1,
      removed: 1,
      failed: 0,
      documents: 2,
    });
    expect(summary.chunksEmbedded).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(articles, bakery.file), 'utf8')).toContain('two weeks');
  });
});

describe('eval', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  afterAll(() => temp.cleanup());

  const questions = [
    {
      id: 'lighthouse-cost',
      question: 'How much did the restoration of the Gull Island lighthouse cost?',
      answers: ['2.4 million euros'],
      article: lighthouse.title,
      answerable: true,
    },
    {
      id: 'bakers-chair',
      question: 'Who is the chair of the bakers association?',
      answers: ['Tomas Lindqvist'],
      article: bakery.title,
      answerable: true,
    },
    {
      id: 'off-topic',
      question: 'Which team won the 1998 football world cup final?',
      answers: [],
      answerable: false,
    },
  ];

  it('ingests --corpus, prints metrics as JSON and writes one result line per question', async () => {
    writeArticles(join(cwd, 'articles'));
    writeFileSync(
      join(cwd, 'questions.jsonl'),
      `${questions.map((question) => JSON.stringify(question)).join('\n')}\n`,
    );
    const result = await runCli(
      [
        'eval',
        'questions.jsonl',
        '--corpus',
        'articles',
        '--k',
        '5',
        '--out',
        'results.jsonl',
        '--json',
        '--index',
        'index',
      ],
      { cwd },
    );
    const metrics = json<Record<string, number>>(result);
    expect(Object.keys(metrics).sort()).toEqual(
      [
        'questions',
        'answerable',
        'unanswerable',
        'recallAt1',
        'recallAt5',
        'recallAt10',
        'recallWithinBudget',
        'contextBudget',
        'mrrAt10',
        'answerHitRate',
        'citationAccuracy',
        'citedHitRate',
        'shortAnswerF1',
        'shortAnswerExact',
        'shortAnswerPresent',
        'abstentionOnUnanswerable',
        'abstentionOnAnswerable',
        'latencyP50Ms',
        'latencyP95Ms',
      ].sort(),
    );
    expect(metrics).toMatchObject({ questions: 3, answerable: 2, unanswerable: 1, contextBudget: 2500 });
    // Three one-chunk articles: each answer is in the retrieved set, and the off-topic one abstains.
    expect(metrics.recallAt5).toBe(1);
    expect(metrics.recallWithinBudget).toBe(1);
    expect(metrics.abstentionOnUnanswerable).toBe(1);
    for (const name of [
      'recallAt1',
      'recallAt10',
      'mrrAt10',
      'answerHitRate',
      'citationAccuracy',
      'abstentionOnAnswerable',
    ]) {
      expect(metrics[name], name).toBeGreaterThanOrEqual(0);
      expect(metrics[name], name).toBeLessThanOrEqual(1);
    }
    expect(metrics.latencyP95Ms).toBeGreaterThanOrEqual(metrics.latencyP50Ms!);

    const records = readFileSync(join(cwd, 'results.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            id: string;
            question: string;
            answer: string;
            shortAnswer: string;
            abstained: boolean;
            citations: Record<string, unknown>[];
            retrieved: Record<string, unknown>[];
            latencyMs: number;
          },
      );
    expect(records.map((record) => record.id).sort()).toEqual(
      questions.map((question) => question.id).sort(),
    );
    for (const record of records) {
      const question = questions.find((item) => item.id === record.id)!;
      expect(record.question).toBe(question.question);
      expect(typeof record.answer).toBe('string');
      expect(typeof record.abstained).toBe('boolean');
      // Every record carries the short answer field; abstentions carry an empty one.
      expect(typeof record.shortAnswer).toBe('string');
      if (record.abstained) expect(record.shortAnswer).toBe('');
      expect(record.latencyMs).toBeGreaterThan(0);
      for (const citation of record.citations) {
        expect(Object.keys(citation).sort()).toEqual(['documentId', 'end', 'quote', 'start', 'title']);
      }
      // The index holds three chunks, fewer than k = 5: all of them, in the reranked order (the reader
      // orders what it reads by its margin, so the fused `score` beside each need not decrease).
      expect(record.retrieved).toHaveLength(3);
      expect(record.retrieved.map((item) => item.rank)).toEqual([1, 2, 3]);
      expect(record.retrieved.every((item) => typeof item.score === 'number')).toBe(true);
      for (const item of record.retrieved) {
        expect(Object.keys(item).sort()).toEqual([
          'documentId',
          'end',
          'rank',
          'score',
          'start',
          'text',
          'title',
        ]);
      }
    }
    const cost = records.find((record) => record.id === 'lighthouse-cost')!;
    expect(cost.abstained).toBe(false);
    expect(cost.retrieved[0]!.title).toBe(lighthouse.title);
    expect(cost.citations[0]).toMatchObject({ title: lighthouse.title });
    expect(records.find((record) => record.id === 'off-topic')!.abstained).toBe(true);
  });

  it('prints metrics for people; a rate over no questions of its kind is n/a, not 0%', async () => {
    writeFileSync(join(cwd, 'answerable.jsonl'), `${JSON.stringify(questions[0])}\n`);
    const result = await runCli(['eval', 'answerable.jsonl', '--index', 'index'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const row = (label: string) => lines(result.stdout).find((line) => line.startsWith(label));
    expect(row('questions')).toMatch(/1 \(1 answerable, 0 unanswerable\)$/);
    expect(row('abstained, unanswerable')).toMatch(/n\/a \(none in the set\)$/);
    expect(row('answer recall@5')).toMatch(/100\.0%$/);
  });
});
