import { chunkDocument, WordPieceTokenizer } from '@articleqa/core';
import { describe, expect, it } from 'vitest';
import {
  answerTokens,
  buildExamples,
  locateAnswer,
  paragraphOffsets,
  perturbQuestion,
  rankChunks,
  seededRandom,
} from './examples.js';

// A word encoder with a fixed vocabulary: one id per distinct lower-cased word, two pieces for long
// words, like WordPiece splitting a rare word.
function fakeEncoder(): (word: string) => number[] {
  const vocabulary = new Map<string, number>();
  return (word) => {
    const id = (piece: string) => {
      if (!vocabulary.has(piece)) vocabulary.set(piece, 1000 + vocabulary.size);
      return vocabulary.get(piece)!;
    };
    const lower = word.toLowerCase();
    return lower.length > 9 ? [id(lower.slice(0, 5)), id(`##${lower.slice(5)}`)] : [id(lower)];
  };
}

const markdown = `# Denver Broncos

The Denver Broncos defeated the Carolina Panthers 24–10 to win Super Bowl 50. The game was played in Santa Clara.

Peyton Manning was the quarterback of the Broncos. Von Miller was named the most valuable player of the game.

Levi's Stadium hosted the game on February 7, 2016. Tickets were expensive.
`;
const paragraphs = markdown
  .split(/\n\s*\n/)
  .slice(1)
  .map((p) => p.trim());
const text = paragraphs.join('\n\n');
const counter = { countTokens: (t: string) => t.split(/\s+/).filter(Boolean).length, maxTokens: 64 };

describe('reader data preparation', () => {
  it('finds each paragraph of the article in the parsed text', () => {
    const offsets = paragraphOffsets(markdown, text);
    expect(offsets).toHaveLength(3);
    for (const [index, span] of offsets.entries())
      expect(text.slice(span![0], span![1])).toBe(paragraphs[index]);
  });

  it('maps an answer to the tokens that cover it, including a word split into pieces', () => {
    const tokenizer = new WordPieceTokenizer(fakeEncoder());
    const tokens = tokenizer.tokenize('Levi’s Stadium hosted Superbowlfifty, in 2016.');
    const at = locateAnswer('Levi’s Stadium hosted Superbowlfifty, in 2016.', 0, 46, 'Superbowlfifty')!;
    const [s, e] = answerTokens(tokens.starts, tokens.ends, at.start, at.end)!;
    // Levi ’ s Stadium hosted Super ##bowlfifty , in 2016 .
    expect([s, e]).toEqual([5, 6]);
    expect(tokens.starts[s]).toBe(at.start);
    expect(tokens.ends[e]).toBe(at.end);
    expect(locateAnswer(text, 0, 10, 'Manning')).toBeUndefined();
  });

  it('ranks the chunk sharing the question words first', () => {
    const chunks = chunkDocument({ title: '', text }, counter, { targetTokens: 20, overlapSentences: 0 });
    const order = rankChunks('Who was the quarterback of the Broncos?', chunks);
    expect(chunks[order[0]!]!.text).toContain('quarterback');
  });

  it('builds a span target, a hard negative without the answer and an answer-removed passage', () => {
    const tokenizer = new WordPieceTokenizer(fakeEncoder());
    const chunks = chunkDocument({ title: '', text }, counter, { targetTokens: 20, overlapSentences: 0 });
    const { examples, skipped } = buildExamples(
      { text },
      chunks,
      paragraphOffsets(markdown, text),
      [
        {
          id: 'q1',
          question: 'Who was named the most valuable player of the game?',
          answers: ['Von Miller'],
          paragraph_index: 1,
        },
        { id: 'q2', question: 'Who won?', answers: ['not in the text'], paragraph_index: 0 },
      ],
      tokenizer,
      seededRandom(1),
      { maxTokens: 256, maxQuestionTokens: 64, hardNegativeRate: 1, answerRemovedRate: 1 },
    );
    expect(skipped).toBe(1);
    const positive = examples.find((example) => example.kind === 'positive')!;
    const passage = chunks.find((chunk) => text.slice(chunk.start, chunk.end).includes('Von Miller'))!;
    const tokens = tokenizer.tokenize(text, passage.start, passage.end);
    expect(positive.p).toEqual(tokens.ids);
    expect(text.slice(tokens.starts[positive.s], tokens.ends[positive.e])).toBe('Von Miller');
    const kinds = examples.map((example) => example.kind).sort();
    expect(kinds).toEqual(['answer-removed', 'hard-negative', 'positive']);
    for (const example of examples.filter((e) => e.kind !== 'positive')) {
      expect([example.s, example.e]).toEqual([-1, -1]);
      // Neither negative holds the answer's tokens.
      const von = tokenizer.tokenize('Von').ids[0]!;
      expect(example.p).not.toContain(von);
    }
  });

  it('swaps a number or a name of the question for one of the article that the passage never mentions', () => {
    const passage = paragraphs[2]!; // Levi's Stadium hosted the game on February 7, 2016. ...
    for (let seed = 1; seed <= 20; seed++) {
      const changed = perturbQuestion(
        'Which stadium hosted the game in 2016?',
        passage,
        text,
        seededRandom(seed),
      )!;
      expect(changed).toMatch(/^Which stadium hosted the game in \d+\?$/);
      const year = /\d+/.exec(changed)![0];
      expect(year).not.toBe('2016');
      expect(passage).not.toMatch(new RegExp(`\\b${year}\\b`));
    }
    for (let seed = 1; seed <= 20; seed++) {
      const changed = perturbQuestion(
        'Who was the quarterback of the Broncos?',
        paragraphs[1]!,
        text,
        seededRandom(seed),
      )!;
      const name = /of the (\S+)\?$/.exec(changed)![1]!;
      // Another name of the article, absent from the Manning paragraph (Denver, Carolina, Panthers...).
      expect(name).not.toBe('Broncos');
      expect(text).toContain(name);
      expect(paragraphs[1]).not.toContain(name);
    }
    expect(perturbQuestion('who won?', passage, text, seededRandom(1))).toBeUndefined();
  });

  it('adds the perturbed question against its gold chunk as "no answer" when asked to', () => {
    const tokenizer = new WordPieceTokenizer(fakeEncoder());
    const chunks = chunkDocument({ title: '', text }, counter, { targetTokens: 20, overlapSentences: 0 });
    const question = {
      id: 'q3',
      question: 'When did Levi’s Stadium host the game in 2016?',
      answers: ['February 7, 2016'],
      paragraph_index: 2,
    };
    const options = { maxTokens: 256, maxQuestionTokens: 64, hardNegativeRate: 0, answerRemovedRate: 0 };
    const build = (perturbedRate: number) =>
      buildExamples(
        { text },
        chunks,
        paragraphOffsets(markdown, text),
        [question],
        tokenizer,
        seededRandom(3),
        { ...options, perturbedRate },
      );
    expect(build(0).examples.map((example) => example.kind)).toEqual(['positive']);
    const on = build(1);
    const [positive, perturbed] = on.examples;
    expect(perturbed).toMatchObject({ kind: 'perturbed', s: -1, e: -1, id: 'q3' });
    expect(perturbed!.p).toEqual(positive!.p);
    expect(perturbed!.q).not.toEqual(positive!.q);
  });

  it('is reproducible for a seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});
