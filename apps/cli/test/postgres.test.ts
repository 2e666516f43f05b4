import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, TEST_PASSWORD, type TestServer } from '@articleqa/store-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lighthouse, testArticles, writeArticles } from './support/articles.js';
import { makeTempDir, runCli } from './support/run-cli.js';

/**
 * The CLI on Postgres: a real server protocol (PGlite with pgvector behind pglite-socket on loopback),
 * selected by ARTICLEQA_STORE or --store, with no index directory anywhere.
 */
describe('ARTICLEQA_STORE=postgres://...', () => {
  const temp = makeTempDir('articleqa-cli-pg-');
  const cwd = temp.dir;
  let server: TestServer;
  const env = () => ({ ARTICLEQA_STORE: server.connectionString });

  beforeAll(async () => {
    server = await startTestServer();
    writeArticles(join(cwd, 'articles'));
  });
  afterAll(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('ingests, lists, asks and evaluates against Postgres, and never prints the password', async () => {
    const ingest = await runCli(['ingest', 'articles', '--json'], { cwd, env: env() });
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ added: testArticles.length, failed: 0 });
    expect(existsSync(join(cwd, '.articleqa'))).toBe(false);

    const list = await runCli(['list', '--json'], { cwd, env: env() });
    expect(JSON.parse(list.stdout).map((document: { title: string }) => document.title)).toContain(
      lighthouse.title,
    );

    const ask = await runCli(['ask', 'How much did the lighthouse restoration cost?', '--json'], {
      cwd,
      env: env(),
    });
    expect(ask.code, ask.stderr).toBe(0);
    const answer = JSON.parse(ask.stdout);
    expect(answer.abstained).toBe(false);
    expect(answer.citations[0].quote).toContain('2.4 million euros');

    writeFileSync(
      join(cwd, 'questions.jsonl'),
      `${JSON.stringify({ question: 'Who is the harbour master?', answers: ['Ingrid Solberg'] })}\n`,
    );
    const evaluation = await runCli(['eval', 'questions.jsonl', '--json'], { cwd, env: env() });
    expect(evaluation.code, evaluation.stderr).toBe(0);
    expect(JSON.parse(evaluation.stdout)).toMatchObject({ questions: 1, recallAt5: 1 });

    const stats = await runCli(['stats', '--json'], { cwd, env: env() });
    expect(JSON.parse(stats.stdout)).toMatchObject({ documents: testArticles.length });
    const config = await runCli(['config'], { cwd, env: env() });
    for (const result of [ingest, list, ask, evaluation, stats, config])
      expect(`${result.stdout}${result.stderr}`).not.toContain(TEST_PASSWORD);
    expect(config.stdout).toContain(`postgres://postgres:***@${server.host}:${server.port}/postgres`);
  });

  it('--store selects it too', async () => {
    const list = await runCli(['list', '--json', '--store', server.connectionString], { cwd });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveLength(testArticles.length);
  });

  it('an unreachable server: exit 1, one line naming host and port, no password, no stack', async () => {
    const url = `postgres://postgres:${TEST_PASSWORD}@127.0.0.1:1/postgres`;
    const result = await runCli(['ask', 'Who is the harbour master?', '--store', url], { cwd });
    expect(result.code).toBe(1);
    const stderr = result.stderr.trim().split('\n');
    expect(stderr[0]).toMatch(/127\.0\.0\.1:1/);
    expect(result.stderr).not.toContain(TEST_PASSWORD);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('articleqa migrate', () => {
  const temp = makeTempDir('articleqa-cli-migrate-');
  const cwd = temp.dir;
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    writeArticles(join(cwd, 'articles'));
  });
  afterAll(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('copies a local index into Postgres and back without embedding, verified, resumable', async () => {
    const url = server.connectionString;
    const ingest = await runCli(['ingest', 'articles', '--index', 'local', '--json'], { cwd });
    expect(ingest.code, ingest.stderr).toBe(0);

    const to = await runCli(['migrate', '--to', url, '--index', 'local', '--json'], { cwd });
    expect(to.code, to.stderr).toBe(0);
    const summary = JSON.parse(to.stdout);
    expect(summary).toMatchObject({
      documents: testArticles.length,
      copied: testArticles.length,
      unchanged: 0,
    });
    expect(summary.verification.problems).toEqual([]);
    expect(summary.verification.sampled).toBe(testArticles.length);
    expect(summary.vectorsWritten).toBeGreaterThan(0);

    const ask = await runCli(
      ['ask', 'How much did the lighthouse restoration cost?', '--json', '--store', url],
      {
        cwd,
      },
    );
    expect(ask.code, ask.stderr).toBe(0);
    expect(JSON.parse(ask.stdout).citations[0].quote).toContain('2.4 million euros');

    const again = await runCli(['migrate', '--to', url, '--index', 'local'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`Copied 0 documents`);
    expect(again.stderr).toContain(`${testArticles.length} already there`);
    expect(again.stderr).toContain('Verified');

    const back = await runCli(['migrate', '--from', url, '--index', 'back', '--json'], { cwd });
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ copied: testArticles.length });
    const [original, copy] = await Promise.all([
      runCli(['list', '--json', '--index', 'local'], { cwd }),
      runCli(['list', '--json', '--index', 'back'], { cwd }),
    ]);
    expect(JSON.parse(copy.stdout)).toEqual(JSON.parse(original.stdout));
    for (const result of [to, again, back])
      expect(`${result.stdout}${result.stderr}`).not.toContain(TEST_PASSWORD);
  });

  it('refuses a missing or doubled direction, and a copy onto itself, as usage errors', async () => {
    const neither = await runCli(['migrate', '--index', 'local'], { cwd });
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('--to');
    const both = await runCli(['migrate', '--to', 'a', '--from', 'b'], { cwd });
    expect(both.code).toBe(2);
    const itself = await runCli(['migrate', '--to', 'local', '--index', 'local'], { cwd });
    expect(itself.code).toBe(2);
    expect(itself.stderr).toContain('is the collection itself');
    const badUrl = await runCli(['migrate', '--to', 'postgres://', '--index', 'local'], { cwd });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--to=');
  });
});
