import { describe, expect, it } from 'vitest';
import { abstentionConfidence, balanceQuotes, unmatchedNumber } from './reader-answerer.js';

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
