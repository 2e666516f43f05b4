import { describe, expect, it } from 'vitest';
import { isArticleQAError } from '../shared/errors.js';
import { parseFeedOrSitemap } from './parse-feed.js';

const read = (content: string, url = 'https://news.example/feed') =>
  parseFeedOrSitemap({ content, source: url, url });

describe('parseFeedOrSitemap', () => {
  it('reads RSS 2.0 entries: link (or permalink GUID), title, date, author, GUID; skips entries without a link', async () => {
    const { documents, links } = await read(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>News</title>
<item><title>Police &amp; firms</title><link>https://news.example/a#comments</link><guid isPermaLink="false">id-a</guid>
<pubDate>Wed, 05 Aug 2015 15:24:00 GMT</pubDate><dc:creator>Jane Doe</dc:creator></item>
<item><title>Only a GUID</title><guid>https://news.example/b</guid></item>
<item><title>Relative</title><link>/c</link></item>
<item><title>No link at all</title><description>Nothing to fetch.</description></item>
<item><title>Again</title><link>https://news.example/a</link></item>
</channel></rss>`);
    expect(documents).toEqual([]);
    expect(links).toEqual([
      {
        source: 'https://news.example/a',
        title: 'Police & firms',
        metadata: { publishedAt: '2015-08-05T15:24:00.000Z', byline: 'Jane Doe', guid: 'id-a' },
      },
      {
        source: 'https://news.example/b',
        title: 'Only a GUID',
        metadata: { guid: 'https://news.example/b' },
      },
      { source: 'https://news.example/c', title: 'Relative', metadata: {} },
    ]);
  });

  it('reads RSS 1.0 (RDF), Atom and JSON Feed alike', async () => {
    const rdf = await read(`<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example/"><title>N</title><link>https://news.example/</link></channel>
<item rdf:about="https://news.example/r"><title>R</title><link>https://news.example/r</link><dc:date>2015-08-05</dc:date><dc:creator>Bob</dc:creator></item>
</rdf:RDF>`);
    expect(rdf.links).toEqual([
      {
        source: 'https://news.example/r',
        title: 'R',
        metadata: { publishedAt: '2015-08-05', byline: 'Bob', guid: 'https://news.example/r' },
      },
    ]);
    const atom = await read(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>N</title>
<entry><title>E</title><link rel="replies" href="https://news.example/e/comments"/><link rel="alternate" href="https://news.example/e"/>
<id>urn:e</id><updated>2015-08-06T00:00:00Z</updated><published>2015-08-05T10:00:00Z</published><author><name>Ann</name></author></entry></feed>`);
    expect(atom.links).toEqual([
      {
        source: 'https://news.example/e',
        title: 'E',
        metadata: { publishedAt: '2015-08-05T10:00:00.000Z', byline: 'Ann', guid: 'urn:e' },
      },
    ]);
    const json = await read(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'N',
        items: [
          {
            id: 'j',
            url: 'https://news.example/j',
            title: 'J',
            date_published: '2015-08-05T00:00:00Z',
            authors: [{ name: 'Cy' }],
          },
        ],
      }),
    );
    expect(json.links).toEqual([
      {
        source: 'https://news.example/j',
        title: 'J',
        metadata: { publishedAt: '2015-08-05T00:00:00.000Z', byline: 'Cy', guid: 'j' },
      },
    ]);
  });

  it('reads sitemaps: urlset with Google News titles and dates, and sitemap indexes', async () => {
    const urlset = await read(
      `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/s1</loc><lastmod>2015-08-04</lastmod></url>
<url><loc>https://news.example/s2</loc><news:news><news:publication_date>2015-08-05T09:00:00Z</news:publication_date><news:title>S2 title</news:title></news:news></url>
</urlset>`,
      'https://news.example/sitemap.xml',
    );
    expect(urlset.links).toEqual([
      { source: 'https://news.example/s1', metadata: { publishedAt: '2015-08-04' } },
      {
        source: 'https://news.example/s2',
        title: 'S2 title',
        metadata: { publishedAt: '2015-08-05T09:00:00.000Z' },
      },
    ]);
    const index = await read(
      `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://news.example/sitemap.xml</loc></sitemap><sitemap><loc>https://news.example/sitemap-2.xml</loc></sitemap></sitemapindex>`,
    );
    expect(index.links.map((link) => link.source)).toEqual([
      'https://news.example/sitemap.xml',
      'https://news.example/sitemap-2.xml',
    ]);
  });

  it('refuses malformed XML, other XML and other JSON with E_UNSUPPORTED, naming the source', async () => {
    for (const content of [
      '<rss><channel><item><title>x</item></rss>',
      '<urlset><url><loc>https://a.example/</loc></urlset>',
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
      '{"name": "package.json, not a feed"}',
      'plain text',
    ]) {
      const error = await read(content).catch((caught: unknown) => caught);
      expect(isArticleQAError(error, 'E_UNSUPPORTED'), content).toBe(true);
      expect((error as Error).message).toContain('https://news.example/feed is not a feed or sitemap');
    }
  });

  it('says how often a feed changes: RSS ttl (minutes), or its syndication period', async () => {
    const ttl = await read('<rss version="2.0"><channel><title>N</title><ttl>30</ttl></channel></rss>');
    expect(ttl.refreshSeconds).toBe(1800);
    const sy =
      await read(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel rdf:about="https://news.example/"><title>N</title><link>https://news.example/</link><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel></rdf:RDF>`);
    expect(sy.refreshSeconds).toBe(1800);
    expect(
      (await read('<rss version="2.0"><channel><title>N</title></channel></rss>')).refreshSeconds,
    ).toBeUndefined();
  });

  it('reads a feed of 10,000 entries in one go', async () => {
    const items = Array.from(
      { length: 10_000 },
      (_, index) => `<item><title>T${index}</title><link>https://news.example/${index}</link></item>`,
    ).join('');
    const { links } = await read(`<rss version="2.0"><channel><title>Big</title>${items}</channel></rss>`);
    expect(links).toHaveLength(10_000);
  });
});
