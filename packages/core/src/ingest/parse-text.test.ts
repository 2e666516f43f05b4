import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDocument } from './load-document.js';
import { parseText, splitPublication } from './parse-text.js';

const source = '/articles/police-report.txt';

// shared/ sits beside the repository: /work/shared locally, a copy beside the clone in CI.
const seedPath = fileURLToPath(
  new URL('../../../../../shared/corpus-seed/000_5c347fc9f1f1ea44.txt', import.meta.url),
);

describe('parseText', () => {
  it('takes a short first line followed by a blank line as the headline', () => {
    const parsed = parseText({ content: 'Police move into tech firms\n\nBody one.\n\nBody two.', source });
    expect(parsed).toEqual({
      title: 'Police move into tech firms',
      text: 'Body one.\n\nBody two.',
      metadata: {},
    });
  });

  it('takes a headline ending in a question mark', () => {
    expect(parseText({ content: 'Is China watching?\n\nBody.', source }).title).toBe('Is China watching?');
  });

  it('takes a headline directly followed by a new sentence', () => {
    const parsed = parseText({ content: 'Police move into tech firms\nThe ministry said so.', source });
    expect(parsed.title).toBe('Police move into tech firms');
    expect(parsed.text).toBe('The ministry said so.');
  });

  it('does not take a hard-wrapped first line of prose as the headline', () => {
    const content =
      'The ministry said that police officers would be\nplaced inside the largest internet companies.';
    const parsed = parseText({ content, source });
    expect(parsed.title).toBe('Police report');
    expect(parsed.text).toBe(content);
  });

  it('does not take a sentence or an over-long line as the headline', () => {
    expect(parseText({ content: 'This is a sentence.\n\nBody.', source }).title).toBe('Police report');
    const long = 'A'.repeat(201);
    expect(parseText({ content: `${long}\n\nBody.`, source }).title).toBe('Police report');
  });

  it('keeps a lone line as text and titles the document from the file name', () => {
    expect(parseText({ content: 'Only one line', source })).toEqual({
      title: 'Police report',
      text: 'Only one line',
      metadata: {},
    });
  });

  it('turns a trailing (Publication) into siteName', () => {
    const parsed = parseText({ content: 'China wants police (Wired UK)\n\nBody.', source });
    expect(parsed.title).toBe('China wants police');
    expect(parsed.metadata).toEqual({ siteName: 'Wired UK' });
  });

  it('rejects an empty or boilerplate-only file with E_EMPTY', () => {
    expect(() => parseText({ content: ' \n\u200B\n', source })).toThrow(
      expect.objectContaining({ code: 'E_EMPTY' }),
    );
    expect(() => parseText({ content: 'Leave a Reply\n\nShare this', source })).toThrow(
      expect.objectContaining({ code: 'E_EMPTY' }),
    );
  });
});

describe('splitPublication', () => {
  it('splits names, not story labels or clauses', () => {
    expect(splitPublication('Big news (The Guardian)')).toEqual({
      headline: 'Big news',
      publication: 'The Guardian',
    });
    expect(splitPublication('Big news (BBC News)')).toEqual({
      headline: 'Big news',
      publication: 'BBC News',
    });
    expect(splitPublication('Apple unveils phone (Update)')).toEqual({
      headline: 'Apple unveils phone (Update)',
    });
    expect(splitPublication('Apple unveils phone (VIDEO)')).toEqual({
      headline: 'Apple unveils phone (VIDEO)',
    });
    expect(splitPublication('Growth slows (as expected)')).toEqual({
      headline: 'Growth slows (as expected)',
    });
    expect(splitPublication('Growth slows (2015)')).toEqual({ headline: 'Growth slows (2015)' });
  });
});

describe.skipIf(!existsSync(seedPath))('the seed article as plain text', () => {
  it('gets the headline as title, Wired UK as site and loses the web-page leftovers', async () => {
    const document = await loadDocument(seedPath);
    expect(document.format).toBe('text');
    expect(document.title).toBe('China wants police installed in every internet company');
    expect(document.metadata).toEqual({ siteName: 'Wired UK' });
    expect(
      document.text.startsWith(
        'China wants to install police officers inside the country’s internet companies',
      ),
    ).toBe(true);
    expect(document.text.endsWith('fits neatly in with this world-view.')).toBe(true);
    for (const leftover of ['If the article suppose', 'Source:', 'Leave a Reply', 'Your email address']) {
      expect(document.text).not.toContain(leftover);
    }
    // No-break spaces from the page are plain spaces, and doubled spaces are gone.
    expect(document.text).toContain('is reported as saying');
    expect(document.text).not.toMatch(/\u00A0| {2}/);
  });
});
