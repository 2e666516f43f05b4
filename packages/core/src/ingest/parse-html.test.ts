import { describe, expect, it } from 'vitest';
import { parseHtml } from './parse-html.js';

const PARAGRAPH_ONE =
  'China wants to install police officers inside the country’s internet companies in order to crack down on cyber crime, the ministry said on Tuesday in a statement to state media.';
const PARAGRAPH_TWO =
  'The move is in line with China’s practice of dealing with cyber crime and censorship with the same tactics, and critics say it will chill online expression &amp; debate.';

function articlePage(head: string, extraBody = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${head}</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/tech">Technology</a></nav></header>
<main><article>
  <h1>Police to be installed in internet firms</h1>
  <p class="byline">By Jane Doe</p>
  <p>${PARAGRAPH_ONE}</p>
  <p>${PARAGRAPH_TWO}<br>A second line in the same paragraph.</p>
  <ul><li>First point</li><li>Second point</li></ul>
  <div class="share"><button>Share on Facebook</button><a href="#">Tweet</a></div>
  ${extraBody}
</article></main>
<aside><h2>Most read</h2><ul><li><a href="/a">Another story</a></li></ul></aside>
<footer><p>© 2015 Example Times. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>`;
}

describe('parseHtml', () => {
  it('extracts the article with paragraphs, byline, date, canonical URL and site name', () => {
    const html = articlePage(`<title>Police to be installed in internet firms | Example Times</title>
      <meta name="author" content="Jane Doe">
      <meta property="og:site_name" content="Example Times">
      <meta property="article:published_time" content="2015-08-05T15:24:00Z">
      <link rel="canonical" href="/news/police-internet-firms">`);
    const parsed = parseHtml({
      content: html,
      source: 'https://example.com/x?utm=1',
      url: 'https://example.com/x?utm=1',
    });
    expect(parsed.title).toBe('Police to be installed in internet firms');
    expect(parsed.metadata).toEqual({
      url: 'https://example.com/news/police-internet-firms',
      byline: 'Jane Doe',
      publishedAt: '2015-08-05T15:24:00.000Z',
      siteName: 'Example Times',
    });
    expect(parsed.text).toBe(
      [
        PARAGRAPH_ONE,
        `${PARAGRAPH_TWO.replace('&amp;', '&')}\nA second line in the same paragraph.`,
        'First point\nSecond point',
      ].join('\n\n'),
    );
    for (const chrome of ['Home', 'Most read', 'All rights reserved', 'Share on Facebook', 'By Jane Doe']) {
      expect(parsed.text).not.toContain(chrome);
    }
  });

  it('reads the date from JSON-LD, og:url as URL, and no URL for a local file without one', () => {
    const jsonLd = `<script type="application/ld+json">${JSON.stringify({
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      headline: 'Police to be installed in internet firms',
      datePublished: '2015-08-05',
    })}</script>`;
    const withOg = parseHtml({
      content: articlePage(`${jsonLd}<meta property="og:url" content="https://example.com/og">`),
      source: '/tmp/page.html',
    });
    expect(withOg.metadata.publishedAt).toBe('2015-08-05');
    expect(withOg.metadata.url).toBe('https://example.com/og');
    expect(parseHtml({ content: articlePage(''), source: '/tmp/page.html' }).metadata.url).toBeUndefined();
  });

  it('falls back to time[datetime] and to the fetch URL', () => {
    const parsed = parseHtml({
      content: articlePage(
        '<title>Police</title>',
        '<p><time datetime="2015-08-05">5 August 2015</time></p>',
      ),
      source: 'https://example.com/story',
      url: 'https://example.com/story',
    });
    expect(parsed.metadata.publishedAt).toBe('2015-08-05');
    expect(parsed.metadata.url).toBe('https://example.com/story');
  });

  it('reads a bare fragment without html and body elements', () => {
    const parsed = parseHtml({
      content: '<p>First paragraph.</p><p>Second paragraph.</p>',
      source: '/tmp/notes.html',
    });
    expect(parsed).toEqual({ title: 'Notes', text: 'First paragraph.\n\nSecond paragraph.', metadata: {} });
  });

  it('rejects a page without article text with E_NO_CONTENT', () => {
    const pages = [
      '<html><head><title>Empty</title></head><body></body></html>',
      '<html><body><nav><a href="/">Home</a> <a href="/about">About</a></nav><footer>© 2015</footer></body></html>',
      '<html><body><script>document.write("app")</script><div id="root"></div></body></html>',
    ];
    for (const content of pages) {
      expect(() => parseHtml({ content, source: '/tmp/app.html' })).toThrow(
        expect.objectContaining({ code: 'E_NO_CONTENT', source: '/tmp/app.html' }),
      );
    }
  });
});
