import { describe, expect, it } from 'vitest';
import {
  BOILERPLATE_MAX_LINE_LENGTH,
  BOILERPLATE_RULES,
  isInTail,
  matchBoilerplate,
} from './boilerplate-rules.js';
import { cleanText, normalizeText, normalizeTitle } from './clean-text.js';

const PROSE =
  'The ministry said the new offices would open within weeks, according to reports in the state press, and that companies had been told to prepare desks for the officers.';

describe('normalizeText', () => {
  it('normalises Unicode to NFC and removes invisible and control characters', () => {
    const decomposed = 'cafe\u0301';
    expect(normalizeText(`${decomposed} co\u00ADoperation\u200B x\u0007y\u2060z\uFEFF`)).toBe(
      'café cooperation xyz',
    );
  });

  it('keeps tabs, ZWJ emoji sequences and ZWNJ', () => {
    expect(normalizeText('a\tb 👩\u200D💻 \u0645\u200C\u06CC')).toBe('a\tb 👩\u200D💻 \u0645\u200C\u06CC');
  });

  it('turns no-break spaces into spaces and collapses runs of spaces', () => {
    expect(normalizeText('is\u00A0 reported   as\u202Fsaid')).toBe('is reported as said');
  });

  it('converts CRLF and CR, trims lines and keeps at most one blank line', () => {
    expect(normalizeText('\r\n  First line  \r\nsecond\r\r\r\n\n  \n\nThird  \n\n')).toBe(
      'First line\nsecond\n\nThird',
    );
  });

  it('normalizeTitle makes one line', () => {
    expect(normalizeTitle('  Big\n news\u00A0today ')).toBe('Big news today');
  });
});

describe('BOILERPLATE_RULES', () => {
  const examples: Record<string, string[]> = {
    'share-buttons': [
      'Share this',
      'Tweet',
      'Share on Facebook',
      'Share on Facebook | Share on Twitter',
      'Follow us on X',
    ],
    'comment-prompts': [
      'Leave a Reply',
      'Leave a comment',
      'You must be logged in to post a comment.',
      '12 comments',
      'Comments (3)',
      'Your email address will not be published.',
      'Your email address will not be published. Required fields are marked *',
    ],
    'calls-to-action': [
      'Click here to read the full report',
      'Read more',
      'Read more: Inside China’s great firewall',
      'Subscribe',
      'Sign up for our newsletter',
      'Subscribe to our daily newsletter!',
    ],
    'cookie-notices': [
      'We use cookies to improve your experience.',
      'This site uses cookies. Accept all cookies',
    ],
    advertisement: [
      'Advertisement',
      'ADVERTISEMENT',
      'Story continues below advertisement',
      'Advertisement: Refinance your home with Bluewater Bank',
      'Advertisement - Story continues below',
      'Sponsored: The best travel cards of 2024',
    ],
    'inline-links': [
      'Related: Ferry fares to rise in spring',
      'More on this story: Harbour plan approved',
      'See also: Our guide to the island',
    ],
    'support-appeals': [
      'Enjoying The Northern Chronicle? Support independent journalism: donate from £1',
      'Like this article? Please support our newsroom.',
      'Support independent journalism',
      'Become a member today',
      'Donate now',
    ],
    'figure-credits': [
      'Photo: Reuters',
      'Image credit: Jane Doe/AFP',
      '(Photo by Ann Lee/Getty Images)',
      'Photograph: Tom Ng for The Guardian',
      'Credit: Getty Images',
    ],
    byline: [
      'By Jane Doe',
      'By Jane Doe and Tom Ng, Reuters',
      'BY JANE DOE | Staff Reporter',
      "By Seán O'Brien",
    ],
    'source-stamp': ['5 August 2015 | 3:24 pm – Source:', 'Source: Reuters, 5 Aug 2015'],
    'scraper-notice': [
      'If the article suppose to have a video or a photo gallery and it does not appear on your screen, please Click Here',
    ],
    'lone-timestamp': [
      '5 August 2015 | 3:24 pm',
      'Updated 12:05 GMT',
      'Wednesday, August 5th, 2015',
      '2015-08-05',
    ],
    tags: ['Tags: China, internet, surveillance'],
    'related-links': ['Related articles', 'You may also like', 'More from Wired UK'],
    copyright: ['© 2015 Condé Nast UK. All rights reserved.'],
  };

  it('documents every rule with a name, a description and an example here', () => {
    expect(Object.keys(examples).sort()).toEqual(BOILERPLATE_RULES.map((rule) => rule.name).sort());
    for (const rule of BOILERPLATE_RULES) expect(rule.description.length).toBeGreaterThan(10);
  });

  for (const [name, lines] of Object.entries(examples)) {
    it(`${name} matches its examples`, () => {
      for (const line of lines) expect(matchBoilerplate(line, true)?.name, line).toBe(name);
    });
  }

  it('leaves real sentences alone', () => {
    const sentences = [
      'The company said it would subscribe to the new rules.',
      'Advertisement revenue fell by a third in 2015, the company said.',
      'Readers who click here and there on the site are tracked by cookies, the report found.',
      'Source code for the tool was published on 5 August 2015.',
      'China wants police installed in every internet company',
      'Share prices fell on Tuesday.',
      'May',
      '2015',
      'By Tuesday, the river had risen two metres.',
      'By then the ferry had already left.',
      'Photos of the flooded quay spread quickly on social media that evening.',
      'Readers who enjoyed the series asked for more, and the paper obliged.',
      'The charity asked people to donate blood at the town hall on Friday.',
      'Advertisement spending rose for the third year running.',
      'Photos by local residents showed the damage.',
      'Related costs rose by a tenth, the report said.',
      'Video footage shows the ferry leaving the harbour at dawn.',
    ];
    for (const sentence of sentences) expect(matchBoilerplate(sentence, true), sentence).toBeUndefined();
  });

  it('never matches lines of BOILERPLATE_MAX_LINE_LENGTH characters or more', () => {
    const long = `Click here ${'x'.repeat(BOILERPLATE_MAX_LINE_LENGTH)}`;
    expect(matchBoilerplate(long, true)).toBeUndefined();
  });

  it('applies tail rules only in the tail', () => {
    expect(matchBoilerplate('Tags: China', false)).toBeUndefined();
    expect(matchBoilerplate('Tags: China', true)?.name).toBe('tags');
    expect(isInTail(0, 20)).toBe(false);
    expect(isInTail(16, 20)).toBe(true);
    expect(isInTail(0, 4)).toBe(true);
  });

  it('does not backtrack for long on near-miss lines', () => {
    const started = performance.now();
    matchBoilerplate(`${'email '.repeat(25)}now`, true);
    matchBoilerplate(`${'3 pm on '.repeat(19)}x`, true);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('cleanText', () => {
  it('drops boilerplate paragraphs and keeps the article', () => {
    const raw = [
      'Share this',
      'Tweet',
      '',
      PROSE,
      '',
      'Advertisement',
      '',
      PROSE,
      '',
      'Leave a Reply',
      '',
      'Your email address will not be published.',
    ].join('\n');
    expect(cleanText(raw)).toBe(`${PROSE}\n\n${PROSE}`);
  });

  it('keeps a real sentence containing "click here" inside a long paragraph', () => {
    const paragraph = `${PROSE} Users who click here, the ministry said, will be shown a warning before they reach foreign sites that are blocked in China.`;
    expect(cleanText(`${PROSE}\n\n${paragraph}\n\n${PROSE}`)).toContain(paragraph);
  });

  it('keeps a paragraph that mixes prose with a line that looks like a button', () => {
    const wrapped =
      'Officials said readers should\nclick here for the full text\nof the draft law, which runs to 68 articles.';
    expect(cleanText(wrapped)).toBe(wrapped);
  });

  it('drops "Tags:" near the end but not at the start of a long document', () => {
    const body = Array.from({ length: 12 }, () => PROSE);
    const text = ['Tags: a, b', ...body, 'Tags: China, internet'].join('\n\n');
    const cleaned = cleanText(text);
    expect(cleaned.startsWith('Tags: a, b')).toBe(true);
    expect(cleaned.endsWith(PROSE)).toBe(true);
  });

  it('only normalises when given no rules', () => {
    expect(cleanText('Body.\n\nShare this', { rules: [] })).toBe('Body.\n\nShare this');
  });

  it('returns an empty string when only boilerplate is left', () => {
    expect(cleanText('Share this\n\nLeave a Reply\n\n')).toBe('');
  });
});
