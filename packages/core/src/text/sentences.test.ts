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

  it('splits a range of the text, starting and ending inside lines, at the offsets of the whole text', () => {
    const text = 'Intro. First sentence here. Second one!\n\nMr. Jones said so. Last words. Tail.';
    const from = text.indexOf('First');
    const to = text.indexOf(' Tail.');
    const spans = splitSentences(text, from, to);
    expect(spans.map((span) => text.slice(span.start, span.end))).toEqual([
      'First sentence here.',
      'Second one!',
      'Mr. Jones said so.',
      'Last words.',
    ]);
  });

  it('splits a long multi-paragraph text the same way paragraph by paragraph', () => {
    const paragraph = (n: number) =>
      `Paragraph ${n} starts. Dr. Who visits St. Ives on Jan. 5. It ends here.`;
    const text = Array.from({ length: 400 }, (_, n) => paragraph(n)).join('\n\n');
    const spans = splitSentences(text);
    expect(spans).toHaveLength(1200);
    expect(text.slice(spans[1200 - 2]!.start, spans[1200 - 2]!.end)).toBe(
      'Dr. Who visits St. Ives on Jan. 5.',
    );
    expect(splitSentences(paragraph(399)).map((span) => span.end - span.start)).toEqual(
      spans.slice(-3).map((span) => span.end - span.start),
    );
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
