import { describe, expect, it } from 'vitest';
import { chunkDocument } from './chunk-document.js';

// One token per word or punctuation mark: close to WordPiece for plain English and easy to reason about.
const tokenizer = {
  maxTokens: 64,
  countTokens: (text: string) => text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0,
};

const sentence = (index: number) => `Sentence number ${index} says something about topic ${index}.`;
const article = Array.from({ length: 40 }, (_, index) => sentence(index)).join(' ');

describe('chunkDocument', () => {
  it('records offsets such that text.slice(start, end) is the chunk', () => {
    const chunks = chunkDocument({ title: 'Title', text: article }, tokenizer, { targetTokens: 30 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(article.slice(chunk.start, chunk.end)).toBe(chunk.text);
  });

  it('packs whole sentences up to the target and never over the model limit with the title', () => {
    const chunks = chunkDocument({ title: 'A fairly long title for context', text: article }, tokenizer, {
      targetTokens: 500,
    });
    for (const chunk of chunks) {
      expect(tokenizer.countTokens(chunk.embedText) + 2).toBeLessThanOrEqual(tokenizer.maxTokens);
      expect(chunk.text.endsWith('.')).toBe(true);
      expect(/^Sentence/.test(chunk.text)).toBe(true);
    }
  });

  it('repeats the last sentence of a chunk at the start of the next (overlap)', () => {
    const chunks = chunkDocument({ title: '', text: article }, tokenizer, {
      targetTokens: 30,
      overlapSentences: 1,
    });
    for (let index = 1; index < chunks.length; index += 1) {
      const previous = chunks[index - 1]!;
      const current = chunks[index]!;
      expect(current.start).toBeLessThan(previous.end);
      expect(previous.text.endsWith(current.text.slice(0, current.text.indexOf('.') + 1))).toBe(true);
    }
  });

  it('counts the repeated sentences and gives the text to embed without them', () => {
    const chunks = chunkDocument({ title: 'Topic', text: article }, tokenizer, {
      targetTokens: 30,
      overlapSentences: 1,
    });
    expect(chunks[0]!.overlap).toBe(0);
    expect(chunks[0]!.freshEmbedText).toBe(chunks[0]!.embedText);
    for (const chunk of chunks.slice(1)) {
      expect(chunk.overlap).toBe(1);
      const own = article.slice(chunk.sentences[1]!.start, chunk.end);
      expect(chunk.freshEmbedText).toBe(`Topic\n${own}`);
      expect(chunk.text.endsWith(own)).toBe(true);
    }
    // Every sentence of the article is in exactly one fresh text.
    const fresh = chunks.map((chunk) => chunk.freshEmbedText.slice('Topic\n'.length)).join(' ');
    expect(fresh).toBe(article);
  });

  it('reads a chunk that holds only its overlap whole', () => {
    // Two 8-token sentences, then one of 40: the overlap and the long one exceed the budget of 40.
    const words = (name: string, count: number) =>
      `${Array.from({ length: count - 1 }, (_, index) => `${name}${index}`).join(' ')}.`;
    const text = [words('First', 8), words('Second', 8), words('Long', 40)].join(' ');
    const chunks = chunkDocument({ title: '', text }, tokenizer, { targetTokens: 40, overlapSentences: 1 });
    expect(chunks.map((chunk) => chunk.sentences.length)).toEqual([2, 1, 1]);
    expect(chunks[1]!.text).toBe(words('Second', 8));
    expect(chunks[1]!.overlap).toBe(0);
    expect(chunks[1]!.freshEmbedText).toBe(chunks[1]!.embedText);
    expect(chunks[2]!.overlap).toBe(0);
  });

  it('covers every sentence of the document', () => {
    const chunks = chunkDocument({ title: 'T', text: article }, tokenizer, {
      targetTokens: 25,
      overlapSentences: 0,
    });
    const joined = chunks.map((chunk) => chunk.text).join(' ');
    expect(joined).toBe(article);
  });

  it('carries the title as embedding context but not in the chunk text', () => {
    const [chunk] = chunkDocument({ title: 'China and the police', text: 'One sentence.' }, tokenizer);
    expect(chunk?.text).toBe('One sentence.');
    expect(chunk?.embedText).toBe('China and the police\nOne sentence.');
  });

  it('cuts a sentence longer than the budget at word boundaries', () => {
    const long = `${Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ')}.`;
    const chunks = chunkDocument({ title: '', text: long }, tokenizer, { targetTokens: 40 });
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(40);
      expect(long.slice(chunk.start, chunk.end)).toBe(chunk.text);
    }
  });

  it('cuts a single enormous word by characters', () => {
    const blob = 'x'.repeat(5000);
    const pieces = chunkDocument(
      { title: '', text: blob },
      { maxTokens: 64, countTokens: (text) => Math.ceil(text.length / 10) },
      { targetTokens: 40, overlapSentences: 0 },
    );
    expect(pieces.map((piece) => piece.text).join('')).toBe(blob);
    for (const piece of pieces) expect(piece.tokens).toBeLessThanOrEqual(40);
  });

  it('never exceeds the model limit when the tokenizer is not additive across sentences', () => {
    // Counts grow faster than the sum of the parts for long texts, as merges across pieces can.
    const merging = {
      maxTokens: 64,
      countTokens: (text: string) => tokenizer.countTokens(text) + (text.length > 150 ? 12 : 0),
    };
    const chunks = chunkDocument({ title: '', text: article }, merging, { targetTokens: 500 });
    for (const chunk of chunks) expect(merging.countTokens(chunk.text) + 2).toBeLessThanOrEqual(64);
    expect(chunks.map((chunk) => chunk.text).join(' ')).toContain(sentence(39));
  });

  it('returns no chunks for an empty document', () => {
    expect(chunkDocument({ title: 'T', text: '' }, tokenizer)).toEqual([]);
  });
});
