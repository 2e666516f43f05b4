import { describe, expect, it } from 'vitest';
import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';
import {
  mergeDuplicateCitations,
  parseCitationMarkers,
  resolveCitations,
  stripCitationMarkers,
} from './citations.js';
import { bestSupportingSentence } from './citations-quote.js';

/** Builds a chunk of `documentText` at `[start, start + text.length)`, as retrieval would. */
function chunkOf(documentText: string, text: string, documentId: string, rank: number): RetrievedChunk {
  const start = documentText.indexOf(text);
  if (start < 0) throw new Error('chunk text must come from the document');
  return {
    rank,
    chunkId: rank,
    documentId,
    title: `Title ${documentId}`,
    source: `${documentId}.md`,
    text,
    start,
    end: start + text.length,
    score: 1 / rank,
    scores: {},
  };
}

const solarDoc =
  '# Solar\n\nIntro text here. Solar panel prices fell by 90% between 2010 and 2020. ' +
  'Installers now offer leases. Storage batteries remain expensive.';
const windDoc = 'Wind farms grew. Offshore wind capacity doubled in Europe during 2022. Turbines are taller.';
const transitDoc = 'The tram line opened in 2019. Ridership rose steadily.';
const documents: Record<string, string> = { solar: solarDoc, wind: windDoc, transit: transitDoc };
const sources = [
  chunkOf(solarDoc, solarDoc.slice(solarDoc.indexOf('Intro')), 'solar', 1),
  chunkOf(windDoc, windDoc, 'wind', 2),
  { ...chunkOf(transitDoc, transitDoc, 'transit', 3), url: 'https://example.org/tram' },
];

describe('parseCitationMarkers', () => {
  it('reads single, listed, adjacent and ranged markers with their offsets', () => {
    const text = 'A [1]. B [2, 3]. C [1][3]. D [2-4]. E [2020-1990].';
    expect(parseCitationMarkers(text).map((marker) => marker.numbers)).toEqual([
      [1],
      [2, 3],
      [1],
      [3],
      [2, 3, 4],
      [2020, 1990],
    ]);
    const [first] = parseCitationMarkers(text);
    expect(text.slice(first!.start, first!.end)).toBe('[1]');
  });

  it('ignores markdown links and bracketed words', () => {
    expect(parseCitationMarkers('See [1](https://x.org) and [note] and [a1].')).toEqual([]);
  });
});

describe('stripCitationMarkers', () => {
  it('removes markers and the spaces before them', () => {
    expect(stripCitationMarkers('Prices fell [1][2]. Yes [3, 4].')).toBe('Prices fell. Yes.');
  });
});

describe('resolveCitations', () => {
  it('drops an unknown [7] with 3 sources from the text and reports it', () => {
    const result = resolveCitations('Panel prices fell by 90% [1][7]. Leases exist [7].', sources);
    expect(result.text).toBe('Panel prices fell by 90% [1]. Leases exist.');
    expect(result.dropped).toEqual([7]);
    expect(result.citations.map((citation) => citation.n)).toEqual([1]);
  });

  it('drops zero and keeps known numbers of a list', () => {
    const result = resolveCitations('[0] Offshore wind doubled [2, 9].', sources);
    expect(result.text).toBe('Offshore wind doubled [1].');
    expect(result.dropped).toEqual([0, 9]);
  });

  it('renumbers in order of first appearance and quotes exact document spans', () => {
    const result = resolveCitations(
      'The tram opened in 2019 [3]. Offshore wind capacity doubled in 2022 [2]. Trams are popular [3].',
      sources,
    );
    expect(result.text).toBe(
      'The tram opened in 2019 [1]. Offshore wind capacity doubled in 2022 [2]. Trams are popular [1].',
    );
    expect(result.citations).toEqual([
      {
        n: 1,
        documentId: 'transit',
        title: 'Title transit',
        url: 'https://example.org/tram',
        quote: 'The tram line opened in 2019.',
        start: 0,
        end: 29,
      },
      expect.objectContaining({
        n: 2,
        documentId: 'wind',
        quote: 'Offshore wind capacity doubled in Europe during 2022.',
      }),
    ]);
    for (const citation of result.citations) {
      expect(documents[citation.documentId]!.slice(citation.start, citation.end)).toBe(citation.quote);
    }
  });

  it('offsets quotes by the chunk start in document coordinates', () => {
    const result = resolveCitations('Solar panel prices fell 90% from 2010 to 2020 [1].', sources);
    const [citation] = result.citations;
    expect(citation?.quote).toBe('Solar panel prices fell by 90% between 2010 and 2020.');
    expect(citation!.start).toBe(solarDoc.indexOf('Solar panel prices'));
    expect(solarDoc.slice(citation!.start, citation!.end)).toBe(citation!.quote);
  });

  it('gives a marker that opens a sentence to the sentence before it', () => {
    const result = resolveCitations(
      'Storage batteries are still expensive. [1] Offshore wind doubled [2].',
      sources,
    );
    expect(result.citations[0]?.quote).toBe('Storage batteries remain expensive.');
  });

  it('keeps source numbers when renumbering is off', () => {
    const result = resolveCitations('Offshore wind doubled [2].', sources, { renumber: false });
    expect(result.text).toBe('Offshore wind doubled [2].');
    expect(result.citations[0]?.n).toBe(2);
  });

  it('returns the text unchanged without markers', () => {
    expect(resolveCitations("The articles don't say.", sources)).toEqual({
      text: "The articles don't say.",
      citations: [],
      dropped: [],
    });
  });
});

describe('bestSupportingSentence', () => {
  it('prefers the sentence sharing most content words, not the longest', () => {
    const text =
      'Cats sleep. The long report covers budgets, schools, roads, parks and many other things. Dogs bark.';
    const span = bestSupportingSentence(text, 'Do dogs bark loudly?');
    expect(text.slice(span.start, span.end)).toBe('Dogs bark.');
  });

  it('falls back to the first sentence when nothing overlaps', () => {
    const text = '  First one. Second one.';
    const span = bestSupportingSentence(text, 'unrelated');
    expect(text.slice(span.start, span.end)).toBe('First one.');
  });
});

describe('mergeDuplicateCitations', () => {
  const citation = (n: number, documentId: string, quote: string, start = 0) => ({
    n,
    documentId,
    title: 'China wants police installed in every internet company',
    quote,
    start,
    end: start + quote.length,
  });

  it('cites the same sentence from two copies of an article once and drops the repeated part', () => {
    const quote = 'The Ministry will cooperate with the Cyberspace Administration.';
    const merged = mergeDuplicateCitations(`${quote} [1] ${quote} [2]`, [
      citation(1, 'md-copy', quote, 120),
      citation(2, 'txt-copy', `${quote}`, 118),
    ]);
    expect(merged.citations).toHaveLength(1);
    expect(merged.citations[0]).toMatchObject({ n: 1, documentId: 'md-copy', start: 120 });
    expect(merged.answer).toBe(`${quote} [1]`);
  });

  it('renumbers the remaining citations and collapses [1][1]', () => {
    const merged = mergeDuplicateCitations('Police go in [1][2]. Firms comply [3].', [
      citation(1, 'a', 'Police will be posted.'),
      citation(2, 'b', 'Police  will be posted.'),
      citation(3, 'a', 'Firms must comply.', 40),
    ]);
    expect(merged.answer).toBe('Police go in [1]. Firms comply [2].');
    expect(merged.citations.map((c) => [c.n, c.quote])).toEqual([
      [1, 'Police will be posted.'],
      [2, 'Firms must comply.'],
    ]);
  });

  it('leaves distinct citations alone', () => {
    const citations = [citation(1, 'a', 'One.'), citation(2, 'a', 'Two.', 10)];
    expect(mergeDuplicateCitations('One [1]. Two [2].', citations)).toEqual({
      answer: 'One [1]. Two [2].',
      citations,
    });
  });
});
