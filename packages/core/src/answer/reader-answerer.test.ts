import { describe, expect, it } from 'vitest';
import { balanceQuotes } from './reader-answerer.js';

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
