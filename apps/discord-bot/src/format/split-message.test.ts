import { describe, expect, it } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, splitMessage } from './split-message.js';

const markers = (text: string) => text.match(/\[\d+\]/g) ?? [];
const words = (text: string) => text.split(/\s+/).filter(Boolean);

/** A long answer: sentences of varying length with citation markers in every position Discord sees. */
function longAnswer(length: number, seed = 1): string {
  let state = seed;
  const random = () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const wordCount = 4 + Math.floor(random() * 30);
    const sentence = Array.from({ length: wordCount }, () =>
      'word'.repeat(1 + Math.floor(random() * 3)),
    ).join(' ');
    const marker = random() < 0.6 ? ` [${1 + Math.floor(random() * 12)}]` : '';
    const part = random() < 0.5 ? `${sentence}${marker}.` : `${sentence}.${marker}`;
    const separator = random() < 0.1 ? '\n\n' : ' ';
    parts.push(part, separator);
    size += part.length + separator.length;
  }
  return parts.join('').trim();
}

describe('splitMessage', () => {
  it('keeps a short answer whole', () => {
    expect(splitMessage('  One sentence [1].  ')).toEqual(['One sentence [1].']);
  });

  it('splits a 5,000-character answer into valid messages without cutting a marker', () => {
    const answer = longAnswer(5000);
    expect(answer.length).toBeGreaterThanOrEqual(5000);
    const parts = splitMessage(answer);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
      expect(part.length).toBeGreaterThan(DISCORD_MESSAGE_LIMIT / 2 - 1);
      // Each message ends at a sentence end (with its markers) or a paragraph.
      expect(part).toMatch(/[.!?](\s*\[\d+\])*$/);
    }
    expect(parts.flatMap(markers)).toEqual(markers(answer));
    expect(parts.flatMap(words)).toEqual(words(answer));
  });

  it('keeps markers intact for many random answers and limits', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const answer = longAnswer(3000 + seed * 97, seed);
      const limit = 150 + seed * 20;
      const parts = splitMessage(answer, limit);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(limit);
      expect(parts.flatMap(markers)).toEqual(markers(answer));
      expect(parts.flatMap(words)).toEqual(words(answer));
    }
  });

  it('prefers a paragraph break, then a sentence end', () => {
    const paragraph = `${'a'.repeat(70)}.\n\n${'b'.repeat(20)}. ${'c'.repeat(20)}.`;
    expect(splitMessage(paragraph, 100)).toEqual([
      `${'a'.repeat(70)}.`,
      `${'b'.repeat(20)}. ${'c'.repeat(20)}.`,
    ]);
    const sentences = `${'a '.repeat(30)}end [1]. ${'b '.repeat(30)}end. [2] tail`;
    const parts = splitMessage(sentences, 100);
    expect(parts[0]).toMatch(/end \[1\]\.$/);
    expect(parts[1]).toMatch(/^b /);
  });

  it('does not separate a marker from the word before it at a word boundary', () => {
    const text = `${'word '.repeat(18)}claim [12] ${'more '.repeat(10)}`;
    const parts = splitMessage(text, 100);
    for (const part of parts) expect(part.startsWith('[')).toBe(false);
    expect(parts.flatMap(markers)).toEqual(['[12]']);
  });

  it('cuts inside an unbroken run only when it must, and never inside a marker or an emoji', () => {
    const run = `${'x'.repeat(98)}[12]${'y'.repeat(50)}`;
    const parts = splitMessage(run, 100);
    expect(parts[0]).toBe('x'.repeat(98));
    expect(parts[1]?.startsWith('[12]')).toBe(true);
    const emoji = `${'x'.repeat(99)}😀${'y'.repeat(10)}`;
    const emojiParts = splitMessage(emoji, 100);
    expect(emojiParts.join('')).toBe(emoji);
    for (const part of emojiParts) expect(part.length).toBeLessThanOrEqual(100);
  });
});
