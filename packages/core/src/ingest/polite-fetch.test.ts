import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../test/support/hashing-embedder.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { DefaultChunkOptions } from './chunk-document.js';
import { ingestSources } from './ingest-sources.js';
import { createPoliteFetch, retryAfterMs } from './polite-fetch.js';

const ARTICLE = (title: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><article><h1>${title}</h1><p>${'The harbour ferry leaves at seven every morning in winter. '.repeat(6)}</p></article></body></html>`;

let server: Server;
let base: string;
const seen: { path: string; at: number; userAgent: string | undefined }[] = [];
const attempts = new Map<string, number>();

beforeAll(async () => {
  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
    '/robots.txt': (_request, response) =>
      response
        .writeHead(200, { 'content-type': 'text/plain' })
        .end('User-agent: *\nDisallow: /private\nCrawl-delay: 0.3\n'),
    '/private/page': (_request, response) =>
      response.writeHead(200, { 'content-type': 'text/html' }).end(ARTICLE('Private page')),
    '/busy': (request, response) => {
      const count = (attempts.get(request.url!) ?? 0) + 1;
      attempts.set(request.url!, count);
      if (count === 1) response.writeHead(429, { 'retry-after': '1' }).end();
      else response.writeHead(200, { 'content-type': 'text/html' }).end(ARTICLE('Busy page'));
    },
    '/flaky': (request, response) => {
      const count = (attempts.get(request.url!) ?? 0) + 1;
      attempts.set(request.url!, count);
      if (count <= 2) response.writeHead(503).end();
      else response.writeHead(200, { 'content-type': 'text/html' }).end(ARTICLE('Flaky page'));
    },
    '/down': (_request, response) => response.writeHead(503, { 'retry-after': '3600' }).end(),
    '/a': (_request, response) =>
      response.writeHead(200, { 'content-type': 'text/html' }).end(ARTICLE('Page A')),
    '/b': (_request, response) =>
      response.writeHead(200, { 'content-type': 'text/html' }).end(ARTICLE('Page B')),
    '/compressed': (request, response) => {
      const accepted = String(request.headers['accept-encoding'] ?? '');
      if (!accepted.includes('br') || !accepted.includes('gzip')) {
        response.writeHead(406).end();
        return;
      }
      response
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br' })
        .end(brotliCompressSync(ARTICLE('Compressed page')));
    },
  };
  server = createServer((request, response) => {
    seen.push({ path: request.url ?? '', at: Date.now(), userAgent: request.headers['user-agent'] });
    const route = routes[request.url ?? ''];
    if (route) route(request, response);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  attempts.clear();
});

async function ingest(urls: string[], politeness = {}) {
  const store = new MemoryStore();
  const embedder = new HashingEmbedder(32);
  await store.open({ embedderId: embedder.id, dimensions: 32, chunker: DefaultChunkOptions });
  return ingestSources(urls, { store, embedder, chunkOptions: { targetTokens: 60 } }, { politeness });
}

describe('the polite fetcher', () => {
  it('names articleqa, reads robots.txt once per host, obeys it, and spaces requests by its Crawl-delay', async () => {
    const summary = await ingest([`${base}/a`, `${base}/private/page`, `${base}/b`]);
    expect(summary).toMatchObject({ added: 2, failed: 1 });
    const refused = summary.items.find((item) => item.status === 'failed')!;
    expect(refused.source).toBe(`${base}/private/page`);
    expect(refused.reason).toContain('robots.txt disallows');
    expect(seen.filter((request) => request.path === '/robots.txt')).toHaveLength(1);
    expect(seen.some((request) => request.path === '/private/page')).toBe(false);
    for (const request of seen) expect(request.userAgent).toMatch(/^articleqa\//);
    const pages = seen.filter((request) => request.path === '/a' || request.path === '/b');
    expect(pages[1]!.at - pages[0]!.at).toBeGreaterThanOrEqual(290);
  });

  it('asks for gzip and brotli and reads a compressed page', async () => {
    const summary = await ingest([`${base}/compressed`], { hostDelayMs: 0 });
    expect(summary.items[0]?.reason).toBeUndefined();
    expect(summary).toMatchObject({ added: 1, failed: 0 });
    expect(summary.items[0]!.title).toBe('Compressed page');
  });

  it('reads a disallowed page when told to ignore robots.txt', async () => {
    const summary = await ingest([`${base}/private/page`], { respectRobots: false, hostDelayMs: 0 });
    expect(summary).toMatchObject({ added: 1, failed: 0 });
    expect(seen.some((request) => request.path === '/robots.txt')).toBe(false);
  });

  it('waits out a 429 Retry-After and retries 503s with a growing delay, then succeeds', async () => {
    const started = Date.now();
    const summary = await ingest([`${base}/busy`, `${base}/flaky`], { backoffMs: 50, hostDelayMs: 0 });
    expect(summary).toMatchObject({ added: 2, failed: 0 });
    expect(attempts.get('/busy')).toBe(2);
    expect(attempts.get('/flaky')).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('fails at once, in one line, when the server asks for a wait longer than it will give', async () => {
    const started = Date.now();
    const summary = await ingest([`${base}/down`], { hostDelayMs: 0 });
    expect(summary.failed).toBe(1);
    expect(summary.items[0]!.reason).toContain('asks to retry after 3600 s');
    expect(seen.filter((request) => request.path === '/down')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('stops waiting when the request is aborted', async () => {
    const polite = createPoliteFetch(globalThis.fetch, { respectRobots: false, backoffMs: 60_000 });
    const controller = new AbortController();
    const pending = polite(`${base}/flaky`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 100);
    await expect(pending).rejects.toThrow('stop');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(retryAfterMs(inAMinute)).toBeGreaterThan(55_000);
  });
});
