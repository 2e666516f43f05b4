import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, TEST_PASSWORD } from '@articleqa/store-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, startCli } from './support/run-cli.js';

const page = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><article><h1>${title}</h1><p>${`${body} `.repeat(5)}</p></article></body></html>`;

/** Waits until `condition` holds, or fails after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('following feeds: feeds add, watch, feeds list, feeds remove', () => {
  const temp = makeTempDir('articleqa-cli-feeds-');
  const cwd = temp.dir;
  let server: Server;
  let base: string;
  const entries = ['one', 'two'];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '';
      if (path === '/feed.xml') {
        const items = entries
          .map((name) => `<item><title>Harbour ${name}</title><link>${base}/story/${name}</link></item>`)
          .join('');
        response
          .writeHead(200, { 'content-type': 'application/rss+xml' })
          .end(`<rss version="2.0"><channel><title>Harbour News</title>${items}</channel></rss>`);
      } else if (path.startsWith('/story/')) {
        const name = path.slice('/story/'.length);
        response
          .writeHead(200, { 'content-type': 'text/html', etag: `"${name}"` })
          .end(page(`Harbour ${name}`, `The harbour council met about matter number ${name} on Tuesday.`));
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    temp.cleanup();
  });

  it('follows a feed in two commands, picks up an entry added while watching, and stops cleanly', async () => {
    const article = await runCli(['feeds', 'add', `${base}/story/one`], { cwd });
    expect(article.code).toBe(2);
    expect(article.stderr).toContain('is an article, not a feed');

    const add = await runCli(['feeds', 'add', `${base}/feed.xml`], { cwd });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toContain(`following ${base}/feed.xml (2 entries)`);
    const again = await runCli(['feeds', 'add', `${base}/feed.xml`], { cwd });
    expect(again.stderr).toContain('already following');

    const watch = startCli(['watch', '--every', '1'], { cwd });
    try {
      await until(() => watch.output().stderr.includes('added Harbour two'), 'the first entries');
      expect(watch.output().stderr).toContain('added Harbour one');
      entries.push('three');
      await until(() => watch.output().stderr.includes('added Harbour three'), 'the new entry');
      watch.child.kill('SIGTERM');
      const stopped = await watch.exited;
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stderr).toContain('stopped watching');
      // Each entry once: later polls found them unchanged (their pages answer 304 or hash the same).
      expect(stopped.stderr.match(/added Harbour one/g)).toHaveLength(1);
    } finally {
      if (watch.child.exitCode === null) watch.child.kill('SIGKILL');
    }

    const list = JSON.parse((await runCli(['list', '--json'], { cwd })).stdout) as { title: string }[];
    expect(list.map((document) => document.title).sort()).toEqual([
      'Harbour one',
      'Harbour three',
      'Harbour two',
    ]);
    const feeds = JSON.parse((await runCli(['feeds', 'list', '--json'], { cwd })).stdout) as {
      url: string;
      lastPolledAt?: string;
    }[];
    expect(feeds).toHaveLength(1);
    expect(feeds[0]).toMatchObject({ url: `${base}/feed.xml` });
    expect(feeds[0]!.lastPolledAt).toBeDefined();

    const removed = await runCli(['feeds', 'remove', `${base}/feed.xml`], { cwd });
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse((await runCli(['feeds', 'list', '--json'], { cwd })).stdout)).toEqual([]);
    const nothing = await runCli(['watch'], { cwd });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('No feeds followed');
  });

  it('on Postgres the list lives in the collection and the workers poll each due feed once', async () => {
    const pg = await startTestServer();
    const env = { ARTICLEQA_STORE: pg.connectionString };
    const worker = startCli(['worker'], { cwd, env });
    try {
      const add = await runCli(['feeds', 'add', `${base}/feed.xml`], { cwd, env });
      expect(add.code, add.stderr).toBe(0);
      const documents = async () =>
        (JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as { title: string }[]).length;
      // The worker looks for due feeds every 15 s; the new feed is due at once.
      const deadline = Date.now() + 60_000;
      while ((await documents()) < entries.length) {
        if (Date.now() > deadline)
          throw new Error(`The worker did not ingest the feed:\n${worker.output().stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const feeds = JSON.parse((await runCli(['feeds', 'list', '--json'], { cwd, env })).stdout) as {
        lastPolledAt?: string;
        nextPollAt: string;
      }[];
      expect(feeds).toHaveLength(1);
      expect(feeds[0]!.lastPolledAt).toBeDefined();
      expect(new Date(feeds[0]!.nextPollAt).getTime()).toBeGreaterThan(Date.now());
      const watch = await runCli(['watch'], { cwd, env });
      expect(watch.code).toBe(2);
      expect(watch.stderr).toContain('run `articleqa worker`');
      expect(`${add.stderr}${watch.stderr}`).not.toContain(TEST_PASSWORD);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await pg.stop();
    }
  });
});
