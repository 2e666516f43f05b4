import type { OpenStoreOptions } from '@articleqa/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresFeedList, PostgresStore } from '../src/index.js';
import { startTestServer, type TestServer } from '../src/testing/pglite-server.js';

const OPEN: OpenStoreOptions = { embedderId: 'test:hashing', dimensions: 16, chunker: {} };

let server: TestServer;
let store: PostgresStore;
const lists: PostgresFeedList[] = [];
const list = () => {
  const feeds = new PostgresFeedList({ connectionString: server.connectionString, schema: 'feeds_test' });
  lists.push(feeds);
  return feeds;
};

beforeAll(async () => {
  server = await startTestServer();
  // The table comes with the collection's migrations.
  store = new PostgresStore({ connectionString: server.connectionString, schema: 'feeds_test' });
  await store.open(OPEN);
});
afterAll(async () => {
  for (const feeds of lists) await feeds.close();
  await store.close();
  await server.stop();
});

describe('PostgresFeedList', () => {
  it('adds once (normalised), lists, records polls and removes', async () => {
    const feeds = list();
    const now = new Date('2026-01-01T10:00:00Z');
    const first = await feeds.add('https://News.example/feed.xml#top', now);
    expect(first).toMatchObject({ added: true, subscription: { url: 'https://news.example/feed.xml' } });
    expect((await feeds.add('https://news.example/feed.xml')).added).toBe(false);
    await feeds.update({
      ...first.subscription,
      lastPolledAt: '2026-01-01T10:00:05.000Z',
      refreshSeconds: 1800,
      nextPollAt: '2026-01-01T10:30:05.000Z',
      lastError: 'HTTP 503',
      etag: '"v7"',
      lastModified: 'Thu, 01 Jan 2026 09:00:00 GMT',
    });
    expect(await list().list()).toEqual([
      {
        url: 'https://news.example/feed.xml',
        addedAt: '2026-01-01T10:00:00.000Z',
        lastPolledAt: '2026-01-01T10:00:05.000Z',
        refreshSeconds: 1800,
        nextPollAt: '2026-01-01T10:30:05.000Z',
        lastError: 'HTTP 503',
        etag: '"v7"',
        lastModified: 'Thu, 01 Jan 2026 09:00:00 GMT',
      },
    ]);
    expect(await feeds.remove('https://news.example/feed.xml')).toBe(true);
    expect(await feeds.remove('https://news.example/feed.xml')).toBe(false);
    expect(await feeds.list()).toEqual([]);
  });

  it('hands each due feed to one of the workers claiming at once, and moves it ahead', async () => {
    const feeds = list();
    const now = new Date('2026-01-02T00:00:00Z');
    for (let index = 0; index < 6; index += 1) await feeds.add(`https://news.example/${index}.xml`, now);
    await feeds.add('https://news.example/later.xml', new Date('2026-01-03T00:00:00Z'));
    const claims = await Promise.all([list(), list(), list()].map((worker) => worker.claimDue(now, 600)));
    const claimed = claims
      .flat()
      .map((feed) => feed.url)
      .sort();
    expect(claimed).toEqual([0, 1, 2, 3, 4, 5].map((index) => `https://news.example/${index}.xml`));
    expect(await feeds.claimDue(now, 600)).toEqual([]);
    const later = await feeds.claimDue(new Date('2026-01-02T00:10:00Z'), 600);
    expect(later).toHaveLength(6);
    expect(later[0]!.nextPollAt).toBe('2026-01-02T00:20:00.000Z');
  });
});
