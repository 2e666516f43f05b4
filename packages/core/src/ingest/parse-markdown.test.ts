import { describe, expect, it } from 'vitest';
import { parseMarkdown } from './parse-markdown.js';

const source = '/articles/2015-08-05-china_police-report.md';

describe('parseMarkdown', () => {
  it('maps front matter onto metadata and keeps other fields', () => {
    const content = [
      '---',
      'title: "China wants police installed in every internet company"',
      'source: Wired UK',
      'published: 2015-08-05',
      'author: [Jane Doe, John Roe]',
      'url: https://www.wired.co.uk/article/china-police',
      'tags: [china, internet]',
      'updated: 2015-08-06T10:00:00Z',
      '---',
      '',
      'First paragraph.',
    ].join('\n');
    const parsed = parseMarkdown({ content, source });
    expect(parsed.title).toBe('China wants police installed in every internet company');
    expect(parsed.text).toBe('First paragraph.');
    expect(parsed.metadata).toEqual({
      siteName: 'Wired UK',
      publishedAt: '2015-08-05',
      byline: 'Jane Doe, John Roe',
      url: 'https://www.wired.co.uk/article/china-police',
      tags: ['china', 'internet'],
      updated: '2015-08-06T10:00:00.000Z',
    });
  });

  it('keeps a field that does not fit under its own name', () => {
    const parsed = parseMarkdown({ content: '---\ndate: soon\nurl: not a url\n---\nBody.', source });
    expect(parsed.metadata).toEqual({ date: 'soon', url: 'not a url' });
  });

  it('drops Markdown syntax and keeps paragraphs as blank-line separated prose', () => {
    const content = [
      '# A headline',
      '',
      'Some **bold**, _emphasised_ and `code` text with a [link](https://example.com "t"),',
      'an image ![a chart](chart.png) and <span class="x">inline HTML</span>; AT&amp;T &copy; 2015.',
      '',
      '## A subheading',
      '',
      '- first item',
      '- second *item*',
      '',
      '1. one',
      '2. two',
      '',
      '> A quoted line.',
      '',
      '```js',
      'const answer = 42;',
      '```',
      '',
      '<div><p>Block HTML</p></div>',
      '',
      '***',
      '',
      'Last line  ',
      'after a hard break.',
    ].join('\n');
    const parsed = parseMarkdown({ content, source });
    expect(parsed.title).toBe('A headline');
    expect(parsed.text).toBe(
      [
        'Some bold, emphasised and code text with a link, an image and inline HTML; AT&T © 2015.',
        'A subheading',
        'first item\nsecond item',
        'one\ntwo',
        'A quoted line.',
        'const answer = 42;',
        'Block HTML',
        'Last line\nafter a hard break.',
      ].join('\n\n'),
    );
  });

  it('takes the title from the first heading and does not repeat it in the text', () => {
    const parsed = parseMarkdown({ content: '# The title\n\nBody text.\n\n# Another part\n\nMore.', source });
    expect(parsed.title).toBe('The title');
    expect(parsed.text).toBe('Body text.\n\nAnother part\n\nMore.');
  });

  it('drops an opening heading equal to the front matter title, keeps one that differs', () => {
    const same = parseMarkdown({ content: '---\ntitle: The title\n---\n# The  Title\n\nBody.', source });
    expect(same.text).toBe('Body.');
    const different = parseMarkdown({ content: '---\ntitle: The title\n---\n# Part one\n\nBody.', source });
    expect(different.title).toBe('The title');
    expect(different.text).toBe('Part one\n\nBody.');
  });

  it('falls back to the humanised file name without front matter or heading', () => {
    const parsed = parseMarkdown({ content: 'Just a paragraph.\n\nAnd another.', source });
    expect(parsed.title).toBe('2015 08 05 china police report');
    expect(parsed.text).toBe('Just a paragraph.\n\nAnd another.');
    expect(parsed.metadata).toEqual({});
  });

  it('removes boilerplate lines', () => {
    const parsed = parseMarkdown({
      content: 'Body.\n\n[Share on Facebook](https://f.example)\n\nLeave a Reply',
      source,
    });
    expect(parsed.text).toBe('Body.');
  });

  it('refuses JavaScript front matter instead of running it', () => {
    const content = '---js\n{ title: (globalThis.__ranFrontMatter = true, "x") }\n---\nBody.';
    expect(() => parseMarkdown({ content, source })).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
    expect((globalThis as { __ranFrontMatter?: boolean }).__ranFrontMatter).toBeUndefined();
  });

  it('reports broken YAML as E_INPUT', () => {
    expect(() => parseMarkdown({ content: '---\ntitle: [unclosed\n---\nBody.', source })).toThrow(
      expect.objectContaining({ code: 'E_INPUT', source }),
    );
  });

  it('reports a document with only a title as E_EMPTY', () => {
    expect(() => parseMarkdown({ content: '---\ntitle: T\n---\n# T\n', source })).toThrow(
      expect.objectContaining({ code: 'E_EMPTY' }),
    );
  });
});
