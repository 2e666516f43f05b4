import { describe, expect, it } from 'vitest';
import { questionFromMention, threadName } from './question-text.js';

describe('questionFromMention', () => {
  it('removes the bot mention in both forms and keeps other mentions', () => {
    expect(questionFromMention('<@123>  what is  <@!123> this <@456>?', '123')).toBe('what is this <@456>?');
    expect(questionFromMention('<@123>', '123')).toBe('');
  });
});

describe('threadName', () => {
  it('fits Discord thread names', () => {
    expect(threadName('short?')).toBe('short?');
    const name = threadName('word '.repeat(50));
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name.endsWith('…')).toBe(true);
  });
});
