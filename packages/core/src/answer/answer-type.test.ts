import { describe, expect, it } from 'vitest';
import { asksForQuantity, statesQuantity } from './answer-type.js';

describe('quantity questions', () => {
  it.each([
    'How many police officers will be placed in each company?',
    'how much did the commercial cost?',
    'In what year did the law pass?',
    'What percentage of users were affected?',
    'What is the population of Beijing?',
    'How long did the crackdown last?',
  ])('recognises %j as asking for a quantity', (question) => {
    expect(asksForQuantity(question)).toBe(true);
  });

  it.each([
    'Who announced the plan?',
    'When did the ministry act?',
    'What did Alibaba say?',
    'Which companies were named?',
    'How did users react?',
  ])('does not treat %j as one', (question) => {
    expect(asksForQuantity(question)).toBe(false);
  });

  it('finds quantities in digits and in words, but not vague amounts', () => {
    expect(statesQuantity('Officers arrived on 4 August.')).toBe(true);
    expect(statesQuantity('Two hundred officers arrived.')).toBe(true);
    expect(statesQuantity('The plan took three years.')).toBe(true);
    expect(statesQuantity('Many officers arrived in several cities.')).toBe(false);
    expect(statesQuantity('Police will be stationed in internet firms.')).toBe(false);
  });
});
