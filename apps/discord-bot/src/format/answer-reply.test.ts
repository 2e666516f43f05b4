import { describe, expect, it } from 'vitest';
import type { AskResult } from '../qa-service.js';
import { formatAnswer } from './answer-reply.js';

const result = (overrides: Partial<AskResult> = {}): AskResult => ({
  question: "Who is Human Rights Watch's China director?",
  standaloneQuestion: "Who is Human Rights Watch's China director?",
  answer: '“It is chilling,” said Sophie Richardson, China director at Human Rights Watch. [1]',
  shortAnswer: 'Sophie Richardson',
  abstained: false,
  citations: [
    {
      n: 1,
      documentId: 'd1',
      title: 'China wants police installed in every internet company',
      quote: '“It is chilling,” said Sophie Richardson, China director at Human Rights Watch.',
      start: 10,
      end: 88,
    },
  ],
  retrieved: [],
  answerer: 'extractive',
  timings: { retrieveMs: 1, rerankMs: 1, answerMs: 1, totalMs: 3 },
  ...overrides,
});

describe('formatAnswer', () => {
  it('leads with the short answer in bold, then the cited sentence, then the sources embed', () => {
    const [message, ...rest] = formatAnswer(result());
    expect(rest).toEqual([]);
    expect(message!.content).toBe(
      '**Sophie Richardson**\n“It is chilling,” said Sophie Richardson, China director at Human Rights Watch. [1]',
    );
    expect(message!.embeds[0]!.description).toContain('> “It is chilling,”');
  });

  it('escapes markdown in the short answer and shows no short answer for an LLM answer or an abstention', () => {
    expect(formatAnswer(result({ shortAnswer: '*NSYNC' }))[0]!.content).toMatch(/^\*\*\\\*NSYNC\*\*\n/);
    expect(formatAnswer(result({ shortAnswer: '', answerer: 'llm' }))[0]!.content).toMatch(
      /^“It is chilling/,
    );
    const abstained = formatAnswer(
      result({ abstained: true, shortAnswer: '', answer: "The articles don't say.", citations: [] }),
    );
    expect(abstained[0]!.content).toBe("The articles don't say.");
    expect(abstained[0]!.embeds).toEqual([]);
  });

  it('shows a metadata citation as the document fact it cites', () => {
    const [message] = formatAnswer(
      result({
        answer: "Published 2015-08-05, according to the article's details. [1]",
        shortAnswer: '2015-08-05',
        citations: [
          {
            n: 1,
            documentId: 'd1',
            title: 'China wants police installed in every internet company',
            quote: '',
            start: 0,
            end: 0,
            metadata: { field: 'publishedAt', value: '2015-08-05' },
          },
        ],
      }),
    );
    expect(message!.embeds[0]!.description).toContain('> Published: 2015-08-05');
  });
});
