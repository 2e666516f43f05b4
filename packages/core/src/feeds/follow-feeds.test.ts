import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../test/support/hashing-embedder.js';
import { openArticleQA } from '../article-qa.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { createFeedFile } from './feed-list.js';
import { nextPollAt, pollDueFeeds } from './follow-feeds.js';

let server: Server;
let base: string;
let dir: string;
const requests: { path: string; conditional: boolean }[] = [];
const entries = ['a', 'b'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'articleqa-follow-'));
  server = createServer((request, response) => {
    const path = request.url ?? '';
    const conditional = request.headers['if-none-match'] !== undefined;
    requests.push({ path, conditional });
    if (path === '/feed.xml') {
      const etag = `"${entries.join('')}"`;
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304).end();
        return;
      }
      const items = entries
        .map((name) => `<item><title>${name}</title><link>${base}/${name}</link></item>`)
        .join('');
      response
        .writeHead(200, { 'content-type': 'application/rss+xml', etag })
        .end(`<rss version="2.0"><channel><title>N</title><ttl>30</ttl>${items}</channel></rss>`);
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        `<html><head><title>Story ${path}</title></head><body><article><h1>Story ${path}</h1><p>${'The quay was rebuilt with stone from the old fort. '.repeat(5)}</p></article></body></html>`,
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('pollDueFeeds', () => {
  it('ingests a due feed, schedules it by its ttl, and asks "changed since?" the next time', async () => {
    const embedder = new HashingEmbedder(32);
    const qa = await openArticleQA({ store: new MemoryStore(), embedder });
    const feeds = createFeedFile(join(dir, 'feeds.json'));
    const start = new Date('2026-01-01T00:00:00Z');
    await feeds.add(`${base}/feed.xml`, start);
    const options = { ingest: { politeness: { hostDelayMs: 0 } } };

    const [first] = await pollDueFeeds(qa, feeds, { ...options, now: start });
    expect(first!.changes.map((change) => [change.status, change.title])).toEqual([
      ['added', 'Story /a'],
      ['added', 'Story /b'],
    ]);
    // ttl 30 minutes: due again half an hour after the poll.
    expect(first!.nextPollAt.toISOString()).toBe('2026-01-01T00:30:00.000Z');
    expect(await nextPollAt(feeds)).toEqual(first!.nextPollAt);
    const [stored] = await feeds.list();
    expect(stored).toMatchObject({ etag: '"ab"', refreshSeconds: 1800, lastPolledAt: start.toISOString() });

    // Not due yet: nothing happens.
    expect(await pollDueFeeds(qa, feeds, { ...options, now: new Date('2026-01-01T00:10:00Z') })).toEqual([]);

    // Due, unchanged: a 304, no entry fetched, the validators kept.
    requests.length = 0;
    const later = new Date('2026-01-01T00:31:00Z');
    const [unchanged] = await pollDueFeeds(qa, feeds, { ...options, now: later });
    expect(unchanged!.changes).toEqual([]);
    expect(requests.filter((request) => request.path !== '/robots.txt')).toEqual([
      { path: '/feed.xml', conditional: true },
    ]);
    expect((await feeds.list())[0]).toMatchObject({ etag: '"ab"', refreshSeconds: 1800 });

    // A new entry changes the feed: it is downloaded, and only the new page is added.
    entries.push('c');
    const [changed] = await pollDueFeeds(qa, feeds, { ...options, now: new Date('2026-01-01T01:02:00Z') });
    expect(changed!.changes.map((change) => [change.status, change.title])).toEqual([['added', 'Story /c']]);
    expect((await feeds.list())[0]!.etag).toBe('"abc"');
    await qa.close();
  });
});
