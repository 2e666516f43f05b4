import { describe, expect, it } from 'vitest';
import type { Citation, DocumentInfo } from '../qa-service.js';
import { documentListPage } from './document-list.js';
import { EmbedLimits, shorten, sourcesEmbed } from './sources-embed.js';

const citation = (n: number, overrides: Partial<Citation> = {}): Citation => ({
  n,
  documentId: `doc-${n}`,
  title: `Article ${n}`,
  quote: `Quoted span number ${n}.`,
  start: 0,
  end: 10,
  ...overrides,
});

describe('sourcesEmbed', () => {
  it('numbers titles, links known http(s) URLs and quotes short spans', () => {
    const embed = sourcesEmbed([
      citation(2, { url: 'https://example.com/a_(b)' }),
      citation(1, { url: 'javascript:alert(1)', title: 'Uses *stars* and [brackets]' }),
      citation(2),
    ]);
    expect(embed?.title).toBe('Sources');
    expect(embed?.description).toBe(
      [
        '**[1]** **Uses \\*stars\\* and \\[brackets\\]**',
        '> Quoted span number 1.',
        '**[2]** [Article 2](https://example.com/a_%28b%29)',
        '> Quoted span number 2.',
      ].join('\n'),
    );
  });

  it("shows each article's author and date after its title, when known", () => {
    const embed = sourcesEmbed([
      citation(1, { byline: 'Jane *Doe*', publishedAt: '2015-08-05T15:24:00.000Z' }),
      citation(2, { publishedAt: '2019-01-10' }),
    ]);
    expect(embed?.description?.split('\n')).toEqual([
      '**[1]** **Article 1** · by Jane \\*Doe\\*, 2015-08-05',
      '> Quoted span number 1.',
      '**[2]** **Article 2** · 2019-01-10',
      '> Quoted span number 2.',
    ]);
  });

  it('shortens long quotes at a word boundary', () => {
    const quote = 'lorem ipsum '.repeat(100);
    const line = sourcesEmbed([citation(1, { quote })])?.description?.split('\n')[1] ?? '';
    expect(line.length).toBeLessThanOrEqual(2 + 180);
    expect(line.endsWith('…')).toBe(true);
  });

  it('stays within Discord embed limits with many long citations and says how many are left out', () => {
    const many = Array.from({ length: 60 }, (_, index) =>
      citation(index + 1, {
        title: 'T'.repeat(300),
        quote: 'q '.repeat(400),
        url: `https://example.com/${'p'.repeat(200)}`,
      }),
    );
    const embed = sourcesEmbed(many);
    const description = embed?.description ?? '';
    expect(description.length).toBeLessThanOrEqual(EmbedLimits.description);
    expect((embed?.title?.length ?? 0) + description.length).toBeLessThanOrEqual(EmbedLimits.total);
    expect(description).toMatch(/…and \d+ more$/);
  });

  it('returns nothing without citations', () => {
    expect(sourcesEmbed([])).toBeUndefined();
  });

  it('shorten collapses whitespace', () => {
    expect(shorten(' a \n b ', 10)).toBe('a b');
  });
});

describe('documentListPage', () => {
  const documents: DocumentInfo[] = Array.from({ length: 23 }, (_, index) => ({
    id: `d${index}`,
    title: `Title ${String(index).padStart(2, '0')}`,
    source: `/articles/${index}.md`,
    ...(index % 2 === 0 ? { url: `https://example.com/${index}` } : {}),
    publishedAt: '2015-08-05T10:00:00Z',
    chunks: 3,
    characters: 1000,
    contentHash: 'hash',
    ingestedAt: '2024-01-01T00:00:00Z',
  }));

  it('shows ten articles a page, numbered across pages, with a footer that points to the next page', () => {
    const second = documentListPage(documents, 2);
    expect(second.pageCount).toBe(3);
    const lines = second.embed.description?.split('\n') ?? [];
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('**11.** [Title 10](https://example.com/10) · 2015-08-05');
    expect(lines[1]).toBe('**12.** **Title 11** · 2015-08-05');
    expect(second.embed.footer?.text).toBe('Page 2 of 3 · 23 articles · /sources page:3 for more');
  });

  it('clamps the page and handles an empty index', () => {
    expect(documentListPage(documents, 99).page).toBe(3);
    expect(documentListPage([], 1).embed.description).toMatch(/No articles/);
  });
});
