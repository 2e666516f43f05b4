import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../test/support/hashing-embedder.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { DefaultChunkOptions } from './chunk-document.js';
import { ingestSources } from './ingest-sources.js';

const page = (title: string, head: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title>${head}</head><body><article><h1>${title}</h1>
<p>${`${body} `.repeat(6)}</p></article></body></html>`;

let server: Server;
let base: string;
const requests: string[] = [];
const notModified: string[] = [];
/** The ETag /rotating serves now: a test changes it while the page's text stays the same. */
let rotatingEtag = '"r1"';

beforeAll(async () => {
  const routes: Record<string, [string, string]> = {
    '/feed.rss': [
      'application/rss+xml',
      `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Harbour News</title><ttl>20</ttl>
<item><title>Lighthouse restored</title><link>/a</link><pubDate>Mon, 01 Jan 2018 08:00:00 GMT</pubDate><dc:creator>Feed Author</dc:creator></item>
<item><title>Ferry timetable</title><link>/b</link><guid isPermaLink="false">ferry-1</guid><pubDate>Tue, 02 Jan 2018 09:30:00 GMT</pubDate><dc:creator>Ingrid Solberg</dc:creator></item>
<item><title>Gone</title><link>/c</link></item>
<item><title>No link</title></item>
</channel></rss>`,
    ],
    '/sitemap-index.xml': [
      'application/xml',
      `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/sitemap-index.xml</loc></sitemap><sitemap><loc>/sitemap.xml</loc></sitemap></sitemapindex>`,
    ],
    '/sitemap.xml': [
      'text/xml',
      `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/a</loc></url><url><loc>/d</loc></url></urlset>`,
    ],
    '/a': [
      'text/html',
      page(
        'Lighthouse restored',
        '<meta name="author" content="Page Author"><meta property="article:published_time" content="2017-12-31T10:00:00Z">',
        'The Gull Island lighthouse was restored for 2.4 million euros.',
      ),
    ],
    '/b': [
      'text/html',
      page('Ferry timetable', '', 'The winter ferry leaves the harbour at seven every morning.'),
    ],
    '/d': ['text/html', page('Market day', '', 'The fish market opens on Saturdays at dawn by the quay.')],
    '/atom.xml': [
      'application/atom+xml',
      `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Island Post</title>
<entry><title>Bridge vote</title><link href="/news/bridge"/><id>urn:bridge</id><published>2018-02-01T07:00:00Z</published><author><name>Ann Lee</name></author></entry></feed>`,
    ],
    '/feed.json': [
      'application/feed+json',
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'Island Post',
        items: [
          {
            id: 'school',
            url: '/news/school',
            title: 'School reopens',
            date_published: '2018-02-02',
            authors: [{ name: 'Tom Ng' }],
          },
        ],
      }),
    ],
    '/news/bridge': [
      'text/html',
      `<!doctype html><html><head><title>Bridge vote | Island Post</title><script>var tracking = "Advertisement";</script></head><body>
<article><h1>Bridge vote</h1><p>By Ann Lee</p><p>${'The council voted to rebuild the old bridge across the estuary next spring. '.repeat(4)}</p>
<p>Advertisement: Refinance your home with Bluewater Bank</p><p>${'Work on the bridge will close the coast road for six weeks. '.repeat(4)}</p>
<p>Enjoying the Island Post? Support independent journalism: donate from £1</p>
<section class="comments"><h3>12 comments</h3><p>Leave a comment</p></section></article></body></html>`,
    ],
    '/news/school': [
      'text/html',
      page(
        'School reopens',
        '',
        'The island school reopened after the storm repairs were finished in January.',
      ),
    ],
    '/broken.xml': ['application/rss+xml', '<rss><channel><item><title>Broken</item></rss>'],
  };
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (request.url === '/loop') {
      response.writeHead(302, { location: '/loop' }).end();
      return;
    }
    if (request.url === '/cached' || request.url === '/dated' || request.url === '/rotating') {
      const etag =
        request.url === '/cached' ? '"v1"' : request.url === '/rotating' ? rotatingEtag : undefined;
      const lastModified = request.url === '/dated' ? 'Mon, 01 Jan 2018 08:00:00 GMT' : undefined;
      if (
        (etag && request.headers['if-none-match'] === etag) ||
        (lastModified && request.headers['if-modified-since'] === lastModified)
      ) {
        notModified.push(request.url);
        response.writeHead(304).end();
        return;
      }
      response
        .writeHead(200, {
          'content-type': 'text/html',
          ...(etag ? { etag } : {}),
          ...(lastModified ? { 'last-modified': lastModified } : {}),
        })
        .end(
          page(`Page ${request.url}`, '', 'The lighthouse keeper logs every ship that passes the island.'),
        );
      return;
    }
    const route = routes[request.url ?? ''];
    if (!route) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
      return;
    }
    // Relative links in the fixtures resolve against the feed's URL.
    response
      .writeHead(200, {
        'content-type': route[0],
        ...(request.url === '/sitemap.xml' ? { 'cache-control': 'public, max-age=600' } : {}),
      })
      .end(route[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('ingesting feeds and sitemaps', () => {
  it('loads every entry as its own document, once, with the entry filling what the page leaves out', async () => {
    const store = new MemoryStore();
    const embedder = new HashingEmbedder(32);
    await store.open({ embedderId: embedder.id, dimensions: 32, chunker: DefaultChunkOptions });
    const summary = await ingestSources([`${base}/feed.rss`, `${base}/sitemap-index.xml`], {
      store,
      embedder,
      chunkOptions: { targetTokens: 60 },
    });
    const bySource = new Map(summary.items.map((item) => [item.source, item]));
    // How often each says it changes: the feed's ttl (minutes), the sitemap's Cache-Control max-age.
    expect(bySource.get(`${base}/feed.rss`)).toMatchObject({
      status: 'expanded',
      links: 3,
      refreshSeconds: 1200,
    });
    expect(bySource.get(`${base}/sitemap.xml`)).toMatchObject({ status: 'expanded', refreshSeconds: 600 });
    expect(bySource.get(`${base}/sitemap-index.xml`)).toMatchObject({ status: 'expanded', links: 1 });
    expect(bySource.get(`${base}/c`)).toMatchObject({ status: 'failed', code: 'E_FETCH' });
    expect(summary).toMatchObject({ added: 3, failed: 1, documents: 3 });
    // The index that lists itself is read once; every page is fetched once.
    expect(requests.filter((url) => url === '/sitemap-index.xml')).toHaveLength(1);
    expect(requests.filter((url) => url === '/a')).toHaveLength(1);

    const documents = new Map((await store.listDocuments()).map((document) => [document.source, document]));
    // The page's own author and date win over the feed's.
    expect(documents.get(`${base}/a`)).toMatchObject({
      byline: 'Page Author',
      publishedAt: '2017-12-31T10:00:00.000Z',
    });
    // A page without them takes the feed entry's.
    expect(documents.get(`${base}/b`)).toMatchObject({
      title: 'Ferry timetable',
      byline: 'Ingrid Solberg',
      publishedAt: '2018-01-02T09:30:00.000Z',
    });
    const ferry = (await store.readDocument(documents.get(`${base}/b`)!.id))!;
    expect(ferry.document.metadata.guid).toBe('ferry-1');
    expect(documents.get(`${base}/d`)?.title).toBe('Market day');
  });

  it('asks again with the stored ETag or Last-Modified: a 304 is "unchanged" with nothing downloaded', async () => {
    const store = new MemoryStore();
    const embedder = new HashingEmbedder(32);
    await store.open({ embedderId: embedder.id, dimensions: 32, chunker: DefaultChunkOptions });
    const run = () =>
      ingestSources([`${base}/cached`, `${base}/dated`], {
        store,
        embedder,
        chunkOptions: { targetTokens: 60 },
      });
    expect(await run()).toMatchObject({ added: 2 });
    expect(notModified).toEqual([]);
    const second = await run();
    expect(second).toMatchObject({ added: 0, unchanged: 2, chunksEmbedded: 0 });
    expect(notModified.sort()).toEqual(['/cached', '/dated']);
    expect(second.items.map((item) => item.title).sort()).toEqual(['Page /cached', 'Page /dated']);
  });

  it('records a new ETag served with the same text, so the next request is conditional on it', async () => {
    const store = new MemoryStore();
    const embedder = new HashingEmbedder(32);
    await store.open({ embedderId: embedder.id, dimensions: 32, chunker: DefaultChunkOptions });
    const run = () =>
      ingestSources([`${base}/rotating`], { store, embedder, chunkOptions: { targetTokens: 60 } });
    const [document] = (await run()).items;
    expect(document).toMatchObject({ status: 'added' });
    // The page is rebuilt (new ETag) with the same article text: unchanged, and the new ETag recorded.
    rotatingEtag = '"r2"';
    const before = notModified.length;
    expect(await run()).toMatchObject({ unchanged: 1, updated: 0, chunksEmbedded: 0 });
    expect(notModified.length).toBe(before);
    expect((await store.sourceState(document!.documentId!))?.etag).toBe('"r2"');
    expect(await run()).toMatchObject({ unchanged: 1 });
    expect(notModified.slice(before)).toEqual(['/rotating']);
  });

  it('reads Atom and JSON Feed entries into clean documents with author and date; a malformed feed and a redirect loop are one line each', async () => {
    const store = new MemoryStore();
    const embedder = new HashingEmbedder(32);
    await store.open({ embedderId: embedder.id, dimensions: 32, chunker: DefaultChunkOptions });
    const started = Date.now();
    const summary = await ingestSources(
      [`${base}/atom.xml`, `${base}/feed.json`, `${base}/broken.xml`, `${base}/loop`],
      { store, embedder, chunkOptions: { targetTokens: 60 } },
      { politeness: { hostDelayMs: 0 } },
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(summary).toMatchObject({ added: 2, failed: 2 });
    const failures = summary.items.filter((item) => item.status === 'failed');
    expect(failures.find((item) => item.source === `${base}/broken.xml`)).toMatchObject({
      code: 'E_UNSUPPORTED',
    });
    expect(failures.find((item) => item.source === `${base}/loop`)).toMatchObject({ code: 'E_FETCH' });
    const documents = new Map((await store.listDocuments()).map((document) => [document.source, document]));
    expect(documents.get(`${base}/news/bridge`)).toMatchObject({
      byline: 'Ann Lee',
      publishedAt: '2018-02-01T07:00:00.000Z',
    });
    expect(documents.get(`${base}/news/school`)).toMatchObject({
      title: 'School reopens',
      byline: 'Tom Ng',
      publishedAt: '2018-02-02',
    });
    const bridge = (await store.documentText(documents.get(`${base}/news/bridge`)!.id))!;
    expect(bridge).toContain('rebuild the old bridge');
    expect(bridge).toContain('close the coast road');
    for (const junk of ['By Ann Lee', 'Refinance', 'Support independent journalism', 'comment', 'tracking'])
      expect(bridge, junk).not.toContain(junk);
  });
});
