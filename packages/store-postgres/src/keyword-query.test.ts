import { describe, expect, it } from 'vitest';
import { toTsQuery } from './keyword-query.js';

describe('toTsQuery', () => {
  it('ORs the quoted content terms of the question', () => {
    expect(toTsQuery('Who announced the network plan?')).toBe("'announced' | 'network' | 'plan'");
  });

  it('turns tsquery syntax into plain words', () => {
    expect(toTsQuery("police & !(firms | 'x') <-> net:* o'brien")).toBe(
      "'police' | 'firms' | 'net' | 'brien'",
    );
  });

  it('gives nothing for text without content terms', () => {
    expect(toTsQuery('the of and ?!')).toBeUndefined();
  });

  it('keeps at most maxTerms distinct terms', () => {
    expect(toTsQuery('alpha beta alpha gamma', 2)).toBe("'alpha' | 'beta'");
  });
});
