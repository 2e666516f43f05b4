import { describe, expect, it } from 'vitest';
import { rewriteFollowUp } from './follow-up.js';

const history = [
  { role: 'user' as const, content: 'What will China set up inside internet firms?' },
  { role: 'assistant' as const, content: 'Network security offices [1].' },
];

describe('rewriteFollowUp', () => {
  it('appends the previous question to a follow-up that refers back ("it", "they", "that")', () => {
    expect(rewriteFollowUp('and who announced it?', history)).toBe(
      'and who announced it? What will China set up inside internet firms?',
    );
    expect(rewriteFollowUp('Why do they want that?', history)).toContain('internet firms');
  });

  it('appends it to a short continuation without a referring word', () => {
    expect(rewriteFollowUp('what about Tencent?', history)).toContain('What will China set up');
  });

  it('leaves a self-contained question alone', () => {
    const question = 'Which professor at Beijing Foreign Studies University spoke to the FT?';
    expect(rewriteFollowUp(question, history)).toBe(question);
  });

  it('leaves the question alone without history', () => {
    expect(rewriteFollowUp('and who announced it?', [])).toBe('and who announced it?');
  });

  it('uses the latest user turn', () => {
    const longer = [...history, { role: 'user' as const, content: 'Which law was announced in July?' }];
    expect(rewriteFollowUp('who criticised it?', longer)).toContain('announced in July');
  });
});
