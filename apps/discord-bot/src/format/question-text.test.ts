import { describe, expect, it } from 'vitest';
import { isAcknowledgement, plainText, questionFromMention, threadName } from './question-text.js';

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

describe('plainText and thread names', () => {
  it('turns mentions, emoji and Markdown into plain text', () => {
    expect(
      plainText('Did <@123456789012345678> ask <#223456789012345678> about **bridges** <:wave:1234567890> ?'),
    ).toBe('Did @someone ask #channel about bridges :wave: ?');
    expect(threadName('<@&323456789012345678> `code` and ~~strike~~')).toBe('@role code and strike');
  });
});

describe('isAcknowledgement', () => {
  it('recognises thanks, ok and emoji, and leaves questions alone', () => {
    for (const text of [
      'thanks!',
      'Thank you so much 🙏',
      'ok',
      'OK 👍',
      'got it, thanks',
      '👍',
      '<:party:1234567890>',
      'cheers bot',
    ])
      expect(isAcknowledgement(text), text).toBe(true);
    for (const text of [
      'thanks, and when did it end?',
      'ok but who paid for it?',
      'Why?',
      'What about the ferry',
    ])
      expect(isAcknowledgement(text), text).toBe(false);
  });
});
