import { describe, expect, it } from 'vitest';
import { splitSentences } from './sentences.js';

const slices = (text: string) => splitSentences(text).map((span) => text.slice(span.start, span.end));

describe('splitSentences', () => {
  it('splits on sentence ends and keeps exact offsets without surrounding whitespace', () => {
    const text = '  First one.  Second one!\nThird?  ';
    expect(slices(text)).toEqual(['First one.', 'Second one!', 'Third?']);
  });

  it('does not split after common abbreviations and initials', () => {
    const text = 'Mr. Smith met Dr. Jones in the U.S. on Monday. John F. Kennedy was there.';
    expect(slices(text)).toEqual([
      'Mr. Smith met Dr. Jones in the U.S. on Monday.',
      'John F. Kennedy was there.',
    ]);
  });

  it('treats a line break as a sentence end, so headings stand alone', () => {
    expect(slices('A Heading\n\nBody text here. More.')).toEqual(['A Heading', 'Body text here.', 'More.']);
  });

  it('keeps quotes with their sentence', () => {
    expect(slices('He said “we will act.” Then he left.')).toEqual([
      'He said “we will act.”',
      'Then he left.',
    ]);
  });

  it('works on a sub-range of the text with offsets into the whole text', () => {
    const text = 'Skip this. Take this. And this.';
    const spans = splitSentences(text, 11);
    expect(spans.map((span) => text.slice(span.start, span.end))).toEqual(['Take this.', 'And this.']);
  });
});

describe('splitSentences inside dates and citations', () => {
  it('does not cut at O.S./N.S. dates, circa or et al.', () => {
    const text =
      'Nikola Tesla was born on 10 July [O.S. 28 June] 1856 in Smiljan. It was built c. 1900 by Smith et al. in London. He died in 1943.';
    expect(splitSentences(text).map((span) => text.slice(span.start, span.end))).toEqual([
      'Nikola Tesla was born on 10 July [O.S. 28 June] 1856 in Smiljan.',
      'It was built c. 1900 by Smith et al. in London.',
      'He died in 1943.',
    ]);
  });
});
