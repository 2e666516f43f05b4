import { describe, expect, it } from 'vitest';
import { toFtsQuery } from './fts-query.js';

describe('toFtsQuery', () => {
  it('treats operator words as plain words, not operators', () => {
    expect(toFtsQuery('police NOT firms')).toBe('"police" OR "firms"');
    expect(toFtsQuery('NEAR police')).toBe('"near" OR "police"');
    expect(toFtsQuery('"quoted" -minus col:umn')).toBe('"quoted" OR "minus" OR "col" OR "umn"');
    expect(toFtsQuery('the of and')).toBeUndefined();
  });
});
