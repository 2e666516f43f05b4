import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer } from './word-pieces.js';

describe('WordPieceTokenizer', () => {
  it('gives every token the character span of its word, punctuation standing alone', () => {
    const calls: string[] = [];
    const tokenizer = new WordPieceTokenizer((word) => {
      calls.push(word);
      return word.length > 6 ? [1, 2] : [3];
    });
    const text = 'Who won “Super Bowl 50”? The Broncos, 24–10.';
    const { ids, starts, ends } = tokenizer.tokenize(text);
    const words = starts.map((start, index) => text.slice(start, ends[index]));
    expect(words).toEqual([
      'Who',
      'won',
      '“',
      'Super',
      'Bowl',
      '50',
      '”',
      '?',
      'The',
      'Broncos',
      'Broncos',
      ',',
      '24',
      '–',
      '10',
      '.',
    ]);
    expect(ids).toHaveLength(16);
    // Each distinct word is tokenized once.
    tokenizer.tokenize(text);
    expect(calls.filter((word) => word === 'Broncos')).toHaveLength(1);
  });

  it('reports offsets in the whole text when given a range', () => {
    const tokenizer = new WordPieceTokenizer(() => [7]);
    const text = 'skip this. read this';
    const { starts, ends } = tokenizer.tokenize(text, 11);
    expect(starts.map((start, index) => text.slice(start, ends[index]))).toEqual(['read', 'this']);
  });
});
