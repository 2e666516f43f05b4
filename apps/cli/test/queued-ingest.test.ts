import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, TEST_PASSWORD, type TestServer } from '@articleqa/store-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type RunningCli, runCli, startCli } from './support/run-cli.js';

const ARTICLES = 24;
const towns = ['Alder', 'Birch', 'Cedar', 'Dunmore', 'Elmstead', 'Fernhill'];
const subjects = ['bridge', 'library', 'ferry', 'market'];

/** 24 small Markdown articles, each about its own town and subject, with its own figures. */
function writeQueuedArticles(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let index = 0; index < ARTICLES; index += 1) {
    const town = towns[index % towns.length];
    const subject = subjects[Math.floor(index / towns.length)];
    const number = String(index + 1).padStart(2, '0');
    writeFileSync(
      join(dir, `article-${number}.md`),
      `---
title: ${town} ${subject} report number ${number}
date: 2023-04-${number}
---

The council of ${town} voted on Tuesday to spend ${index + 3}.${index % 10} million euros on the ${subject}.

Mayor Ines Varga-${number} said work on the ${town} ${subject} would start in week ${index + 10} of the year.
`,
    );
  }
}

/**
 * Queued ingest on Postgres end to end: `ingest --queue` fills the queue, two `articleqa worker`
 * processes drain it into one collection, `stats` shows the queue, and SIGTERM stops each worker
 * cleanly. PGlite behind pglite-socket is the server (one backend session for every connection, so
 * a transaction on one connection holds up the others until it ends; see the store's README).
 */
async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('articleqa ingest --queue and articleqa worker', () => {
  const temp = makeTempDir('articleqa-cli-queue-');
  const cwd = temp.dir;
  let server: TestServer;
  const env = () => ({ ARTICLEQA_STORE: server.connectionString });
  const workers: RunningCli[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    writeQueuedArticles(join(cwd, 'articles'));
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.exited));
    await server.stop();
    temp.cleanup();
  });

  it('without a Postgres store, --queue and worker are usage errors (exit 2, one line)', async () => {
    for (const args of [['ingest', '--queue', 'articles/'], ['worker']]) {
      const result = await runCli(args, { cwd });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim().split('\n')[0]).toMatch(/needs a Postgres store: set ARTICLEQA_STORE/);
      expect(result.stdout).toBe('');
    }
  });

  it('queues 24 articles, two workers ingest each once, stats shows the queue, SIGTERM exits 0', async () => {
    const queued = await runCli(['ingest', '--queue', 'articles/', '--json'], { cwd, env: env() });
    expect(queued.code, queued.stderr).toBe(0);
    expect(JSON.parse(queued.stdout)).toEqual({
      queued: ARTICLES,
      alreadyWaiting: 0,
      failed: [],
      skipped: 0,
    });

    // Queued again while still waiting: no second job for any of them.
    const again = await runCli(['ingest', '--queue', 'articles', '--json'], { cwd, env: env() });
    expect(JSON.parse(again.stdout)).toMatchObject({ queued: 0, alreadyWaiting: ARTICLES });

    const started = Date.now();
    workers.push(startCli(['worker'], { cwd, env: env() }), startCli(['worker'], { cwd, env: env() }));
    // Ready once the collection is open (created by the first of them): `stats` needs it.
    await until(
      () => workers.every((worker) => worker.output().stderr.includes('worker: taking jobs')),
      120_000,
    );

    let queue: Record<string, number> = {};
    for (;;) {
      const stats = await runCli(['stats', '--json'], { cwd, env: env() });
      expect(stats.code, stats.stderr).toBe(0);
      queue = JSON.parse(stats.stdout).queue;
      if (queue.waiting === 0 && queue.active === 0) break;
      for (const worker of workers)
        expect(worker.child.exitCode, `a worker exited early:\n${worker.output().stderr}`).toBeNull();
      if (Date.now() - started > 180_000)
        throw new Error(`The queue did not drain: ${JSON.stringify(queue)}\n${workers[0]?.output().stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const drainedAfter = Date.now() - started;
    expect(queue).toEqual({ waiting: 0, active: 0, completed: ARTICLES, failed: 0, deadLettered: 0 });

    const list = await runCli(['list', '--json'], { cwd, env: env() });
    const documents = JSON.parse(list.stdout) as { id: string; source: string }[];
    expect(documents).toHaveLength(ARTICLES);
    expect(new Set(documents.map((document) => document.source)).size).toBe(ARTICLES);
    expect(new Set(documents.map((document) => document.id)).size).toBe(ARTICLES);

    // One line per job, 24 in all, each source once; both workers took part.
    const logged = workers.map((worker) =>
      worker
        .output()
        .stderr.split('\n')
        .filter((line) => line.startsWith('ingested ')),
    );
    const all = logged.flat();
    expect(all).toHaveLength(ARTICLES);
    for (const line of all) expect(line).toMatch(/^ingested \/.+\/articles\/article-\d\d\.md: added$/);
    expect(new Set(all).size).toBe(ARTICLES);
    for (const lines of logged) expect(lines.length).toBeGreaterThan(0);

    // A source that cannot be loaded (an empty file passes the queue, fails the load) fails its job,
    // which waits for a retry; a path that does not exist is refused when queueing.
    writeFileSync(join(cwd, 'empty.md'), '');
    const bad = await runCli(['ingest', '--queue', 'empty.md', 'missing.md', '--json'], { cwd, env: env() });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      queued: 1,
      failed: [{ source: 'missing.md', reason: expect.stringMatching(/No such file/) }],
    });
    const failedLine = /^failed \/.+\/empty\.md: .+$/m;
    await until(() => workers.some((worker) => failedLine.test(worker.output().stderr)));
    const afterFailure = await runCli(['stats', '--json'], { cwd, env: env() });
    expect(JSON.parse(afterFailure.stdout).queue).toEqual({
      waiting: 1,
      active: 0,
      completed: ARTICLES,
      failed: 0,
      deadLettered: 0,
    });

    const stopping = Date.now();
    for (const worker of workers) worker.child.kill('SIGTERM');
    const exits = await Promise.all(
      workers.map(async (worker) => {
        const result = await worker.exited;
        return { ...result, seconds: (Date.now() - stopping) / 1000 };
      }),
    );
    for (const exit of exits) {
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.seconds).toBeLessThan(15);
      expect(`${exit.stdout}${exit.stderr}`).not.toContain(TEST_PASSWORD);
    }
    console.info(
      `queued ingest: drained in ${(drainedAfter / 1000).toFixed(1)} s; jobs per worker ${logged.map((lines) => lines.length).join(' + ')}; exits after SIGTERM in ${exits.map((exit) => exit.seconds.toFixed(1)).join(' s, ')} s`,
    );

    const text = await runCli(['stats'], { cwd, env: env() });
    expect(text.stdout).toMatch(/^queue\s+1 waiting, 0 active, 0 failed, 0 dead-lettered \(24 completed\)$/m);
  }, 300_000);
});
