import { describe, expect, it } from 'vitest';
import { parseHtml } from './parse-html.js';

/**
 * A small fixture set of news pages in the shapes sites use, each with its prose, and the promotions,
 * credits and bylines that sit inside the article element. The cleaning rules are generic
 * (boilerplate-rules.ts): this set measures them, every page at once, rather than tuning one page.
 */
interface NewsPage {
  name: string;
  html: string;
  prose: string[];
  junk: string[];
  byline?: string;
}

const prose = (topic: string, index: number) =>
  `${topic} sentence ${index}: the council met on Tuesday and agreed the plan after a long debate about the budget, the schools and the harbour.`;

function page(name: string, meta: string, body: string): string {
  return `<!doctype html><html><head><title>${name} | News</title>${meta}</head><body><main><article><h1>${name}</h1>${body}</article></main></body></html>`;
}

const PAGES: NewsPage[] = (() => {
  const pages: NewsPage[] = [];
  {
    const p = [prose('Harbour', 1), prose('Harbour', 2), prose('Harbour', 3)];
    pages.push({
      name: 'harbour',
      html: page(
        'Harbour plan approved',
        '<meta name="author" content="Jane Doe">',
        `<p>By Jane Doe</p><p>${p[0]}</p><p>Advertisement: Refinance your home with Bluewater Bank</p><p>${p[1]}</p>
         <p>Enjoying The Northern Chronicle? Support independent journalism: donate from £1</p><p>${p[2]}</p>
         <p>Related: Ferry fares to rise in spring</p>`,
      ),
      prose: p,
      junk: ['Refinance your home', 'Support independent journalism', 'By Jane Doe', 'Ferry fares to rise'],
      byline: 'Jane Doe',
    });
  }
  {
    const p = [
      prose('Ferry', 1),
      prose('Ferry', 2),
      'By Tuesday, the river had risen two metres and the ferry stopped.',
    ];
    pages.push({
      name: 'ferry',
      html: page(
        'Ferry stops for the winter',
        '<meta name="author" content="Tom Ng">',
        `<figure><img src="f.jpg" alt=""><figcaption>Photo: Reuters</figcaption></figure><p>${p[0]}</p>
         <p>Advertisement - Story continues below</p><p>${p[1]}</p><p>Sign up for our newsletter</p><p>${p[2]}</p>
         <p>Share on Facebook | Share on Twitter</p>`,
      ),
      prose: p,
      junk: ['Photo: Reuters', 'Story continues below', 'Sign up for our newsletter', 'Share on Facebook'],
      byline: 'Tom Ng',
    });
  }
  {
    const p = [
      prose('Market', 1),
      prose('Market', 2),
      'Photos by local residents showed the damage to the stalls.',
    ];
    pages.push({
      name: 'market',
      html: page(
        'Market hall reopens',
        '',
        `<p>BY ANN LEE | Staff Reporter</p><p>${p[0]}</p><p>(Photo by Ann Lee/Getty Images)</p><p>${p[1]}</p>
         <p>Read more: Market traders count the cost</p><p>${p[2]}</p><p>Become a member today</p>`,
      ),
      prose: p,
      junk: ['BY ANN LEE', 'Getty Images', 'Read more: Market traders', 'Become a member'],
    });
  }
  {
    const p = [
      prose('Library', 1),
      'Advertisement spending by the town fell for the third year running, the treasurer said.',
      prose('Library', 2),
    ];
    pages.push({
      name: 'library',
      html: page(
        'Library budget cut',
        '<meta name="author" content="Seán O\'Brien">',
        `<p>${p[0]}</p><p>Sponsored: The best travel cards of 2024</p><p>${p[1]}</p><p>Image credit: Jane Doe/AFP</p><p>${p[2]}</p>
         <p>Like this article? Please support our newsroom.</p>`,
      ),
      prose: p,
      junk: ['best travel cards', 'Image credit', 'Please support our newsroom'],
      byline: "Seán O'Brien",
    });
  }
  return pages;
})();

describe('cleaning news pages (fixture set)', () => {
  it('drops every promotion, credit and byline line on every page and keeps every sentence of prose', () => {
    let junkLeft = 0;
    let proseLost = 0;
    for (const fixture of PAGES) {
      const parsed = parseHtml({ content: fixture.html, source: `https://news.example/${fixture.name}` });
      for (const junk of fixture.junk) if (parsed.text.includes(junk)) junkLeft += 1;
      for (const sentence of fixture.prose) if (!parsed.text.includes(sentence)) proseLost += 1;
      if (fixture.byline) expect(parsed.metadata.byline, fixture.name).toBe(fixture.byline);
    }
    const junk = PAGES.reduce((sum, fixture) => sum + fixture.junk.length, 0);
    const sentences = PAGES.reduce((sum, fixture) => sum + fixture.prose.length, 0);
    expect({ junkLeft, proseLost }, `${junk} junk lines, ${sentences} sentences`).toEqual({
      junkLeft: 0,
      proseLost: 0,
    });
  });
});
