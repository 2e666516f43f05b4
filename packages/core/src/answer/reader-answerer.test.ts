import { describe, expect, it } from 'vitest';
import type { PassageReading, Reader } from '../read/reader.js';
import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';
import {
  abstentionConfidence,
  balanceQuotes,
  createReaderAnswerer,
  DefaultAbstention,
  supported,
  unmatchedNumber,
} from './reader-answerer.js';
import { retrievedSource } from './sources.fixture.js';

describe('balanceQuotes', () => {
  it('closes a quote the span opens, and leaves balanced spans alone', () => {
    const text = 'in order to crack down on ‘cyber crime’. Tencent (China) said so.';
    const open = text.indexOf('to crack');
    expect(balanceQuotes(text, open, text.indexOf('’'))).toBe('to crack down on ‘cyber crime’');
    expect(balanceQuotes(text, text.indexOf('China'), text.indexOf(')'))).toBe('(China)'.slice(1, -1));
    expect(balanceQuotes(text, text.indexOf('Tencent'), text.indexOf(' said'))).toBe('Tencent (China)');
    expect(balanceQuotes(text, text.indexOf('China'), text.indexOf(')') + 1)).toBe('(China)');
  });
});

describe('unmatchedNumber', () => {
  it('is true only when a number of the question is missing from the text', () => {
    const text = 'The Ministry said in 2015 that 50 offices would open, costing 1,200 yuan each.';
    expect(unmatchedNumber('What happened in 2015?', text)).toBe(false);
    expect(unmatchedNumber('What happened in 2016?', text)).toBe(true);
    expect(unmatchedNumber('Did 50 offices cost 1,200 yuan?', text)).toBe(false);
    expect(unmatchedNumber('Did 50 offices cost 1,300 yuan?', text)).toBe(true);
    expect(unmatchedNumber('Who spoke for the Ministry?', text)).toBe(false);
  });
});

describe('abstentionConfidence', () => {
  const base = { bias: 0, margin: 0, dense: 0, coverage: 0, unmatchedName: 0, sentence: 0, threshold: 0.5 };
  it('weighs the later signals when the calibration has them, and ignores them when it does not', () => {
    const signals = { readerMargin: 0, windowCoverage: 1, negation: 1, unmatchedNumber: 1 };
    expect(abstentionConfidence(signals, base)).toBeCloseTo(0.5);
    const fitted = { ...base, windowCoverage: 2, negation: -1, unmatchedNumber: -1 };
    expect(abstentionConfidence(signals, fitted)).toBeCloseTo(0.5);
    expect(abstentionConfidence({ ...signals, negation: 0 }, fitted)).toBeCloseTo(1 / (1 + Math.exp(-1)));
  });

  it('clamps the margin, counts a missing reading as -20, and adds the [CLS] probe only at its width', () => {
    const margin = { ...base, margin: 1 };
    expect(abstentionConfidence({ readerMargin: 500 }, margin)).toBeCloseTo(1 / (1 + Math.exp(-20)));
    expect(abstentionConfidence({}, margin)).toBeCloseTo(1 / (1 + Math.exp(20)));
    const probe = { ...base, cls: [1, -1] };
    expect(abstentionConfidence({}, probe, [2, 1])).toBeCloseTo(1 / (1 + Math.exp(-1)));
    expect(abstentionConfidence({}, probe, [2, 1, 0])).toBeCloseTo(0.5);
  });
});

/**
 * A reader that finds `answers[i]` in passage i (a margin of `margins[i]`, 10 when not given) and nothing
 * where it is absent.
 */
function scriptedReader(answers: readonly (string | undefined)[], margins: readonly number[] = []): Reader {
  return {
    id: 'scripted',
    async read(_question, passages) {
      return passages.map((text, passage): PassageReading => {
        const words = [...text.matchAll(/\S+/g)];
        const answer = answers[passage];
        const from = answer ? text.indexOf(answer) : -1;
        const first = words.findIndex((word) => word.index === from);
        const last = words.findIndex((word) => word.index + word[0].length === from + (answer?.length ?? 0));
        const start = new Float32Array(words.length).fill(-5);
        const end = new Float32Array(words.length).fill(-5);
        const margin = margins[passage] ?? 10;
        if (first >= 0 && last >= 0) {
          start[first] = margin / 2;
          end[last] = margin / 2;
        }
        const found = first >= 0 && last >= 0;
        return {
          passage,
          start: found ? from : 0,
          end: found ? from + answer!.length : 0,
          text: found ? answer! : '',
          spanScore: found ? margin : -10,
          nullScore: 0,
          margin: found ? margin : -10,
          tokens: {
            starts: words.map((word) => word.index),
            ends: words.map((word) => word.index + word[0].length),
            start,
            end,
          },
        };
      });
    },
  };
}

function passage(n: number, text: string): RetrievedChunk {
  return retrievedSource(n, text, { scores: { dense: 0.5 } });
}

describe('ReaderAnswerer signals', () => {
  const question = 'How many offices did the Ministry open in 2015?';
  const sources = [
    passage(1, 'The Ministry opened 50 offices in 2015 across the country.'),
    passage(2, 'Officials said that 50 offices were opened that year.'),
  ];
  const ask = async (answers: (string | undefined)[]) => {
    const answerer = createReaderAnswerer(scriptedReader(answers), {
      sentenceWeight: 0,
      abstention: { ...DefaultAbstention, threshold: 0 },
    });
    const output = await answerer.answer({ question, standaloneQuestion: question, history: [], sources });
    return { shortAnswer: output.shortAnswer, signals: output.signals };
  };

  it('marks a short answer that another passage also gives, and one of the type the question asks for', async () => {
    const { shortAnswer, signals } = await ask(['50', '50']);
    expect(shortAnswer).toBe('50');
    expect(signals).toMatchObject({ support: 1, typeMismatch: 0, answerInQuestion: 0, chosenMargin: 10 });
  });

  it('marks a short answer with no number for a "How many" question, alone, made of the question\'s words', async () => {
    const { shortAnswer, signals } = await ask(['The Ministry', undefined]);
    expect(shortAnswer).toBe('The Ministry');
    expect(signals).toMatchObject({ support: 0, typeMismatch: 1, answerInQuestion: 1 });
  });
});

describe('ReaderAnswerer retrievalWeight', () => {
  const question = 'Who chairs the committee?';
  // The reader slightly prefers the second chunk; retrieval strongly prefers the first.
  const sources = [
    retrievedSource(1, 'The committee is chaired by Ana Lima since March.', { score: 1 }),
    retrievedSource(2, 'A former committee was led by Rui Costa in 2019.', { score: 0.2 }),
  ];
  const shortAnswer = async (retrievalWeight: number) => {
    const answerer = createReaderAnswerer(scriptedReader(['Ana Lima', 'Rui Costa'], [9, 10]), {
      sentenceWeight: 0,
      retrievalWeight,
      abstention: { ...DefaultAbstention, threshold: 0 },
    });
    const output = await answerer.answer({ question, standaloneQuestion: question, history: [], sources });
    return { short: output.shortAnswer, cited: output.citations[0]?.documentId };
  };

  it('leaves the choice to the reader at 0, and lets the chunk retrieval ranks far higher win above it', async () => {
    expect(await shortAnswer(0)).toEqual({ short: 'Rui Costa', cited: 'doc-2' });
    expect(await shortAnswer(2)).toEqual({ short: 'Ana Lima', cited: 'doc-1' });
  });

  it('keeps a retrieval score outside [0, 1] from outweighing the reader', async () => {
    const skewed = [sources[0]!, { ...sources[1]!, score: 50 }];
    const answerer = createReaderAnswerer(scriptedReader(['Ana Lima', 'Rui Costa'], [10, 1]), {
      sentenceWeight: 0,
      retrievalWeight: 2,
      abstention: { ...DefaultAbstention, threshold: 0 },
    });
    const output = await answerer.answer({
      question,
      standaloneQuestion: question,
      history: [],
      sources: skewed,
    });
    // Clamped to 1: 1 + 2 for the second chunk against 10 + 2 for the first (unclamped, 1 + 100 won).
    expect(output.shortAnswer).toBe('Ana Lima');
  });
});

describe('supported', () => {
  const reading = (passage: number, text: string, margin = 3) =>
    ({ passage, text, margin }) as PassageReading;
  it('counts other passages whose confident reading holds the answer or lies inside it', () => {
    expect(supported('50 offices', 0, [reading(0, '50 offices'), reading(1, '50')])).toBe(true);
    expect(supported('50', 0, [reading(0, '50'), reading(1, 'about 50 offices')])).toBe(true);
    expect(supported('50', 0, [reading(0, '50'), reading(1, '50', -1)])).toBe(false);
    expect(supported('50', 0, [reading(0, '50'), reading(1, '60')])).toBe(false);
    expect(supported('5', 0, [reading(0, '5'), reading(1, '50 offices')])).toBe(false);
    expect(supported('', 0, [reading(1, '')])).toBe(false);
  });
});
