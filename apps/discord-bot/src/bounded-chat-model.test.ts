import { type ChatModel, isArticleQAError } from '@articleqa/core';
import { describe, expect, it } from 'vitest';
import { boundedChatModel } from './bounded-chat-model.js';

/** A model whose calls take `ms` (or never end), counting how many run at once. */
function slowModel(ms: number | 'hang') {
  const seen = { running: 0, most: 0, aborted: 0 };
  const model: ChatModel = {
    id: 'test:slow',
    async generate(_messages, options) {
      seen.running += 1;
      seen.most = Math.max(seen.most, seen.running);
      try {
        await new Promise<void>((resolve, reject) => {
          if (options?.signal?.aborted) {
            seen.aborted += 1;
            reject(options.signal.reason);
            return;
          }
          const timer = ms === 'hang' ? undefined : setTimeout(resolve, ms);
          options?.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            seen.aborted += 1;
            reject(options.signal?.reason);
          });
        });
        return { text: 'An answer [1].', model: 'slow' };
      } finally {
        seen.running -= 1;
      }
    },
    async *stream(messages, options) {
      yield { type: 'finish', result: await model.generate(messages, options) };
    },
  };
  return { model, seen };
}

describe('boundedChatModel', () => {
  it('lets at most maxConcurrent calls run at once and queues the rest', async () => {
    const { model, seen } = slowModel(30);
    const bounded = boundedChatModel(model, { maxConcurrent: 3, deadlineMs: 10_000 });
    const results = await Promise.all(Array.from({ length: 12 }, () => bounded.generate([])));
    expect(results).toHaveLength(12);
    expect(seen.most).toBe(3);
    expect(bounded.inFlight).toBe(0);
  });

  it('ends a hanging call at the deadline with an LLMError (so the answer falls back) and frees its slot', async () => {
    const { model, seen } = slowModel('hang');
    const bounded = boundedChatModel(model, { maxConcurrent: 1, deadlineMs: 200 });
    const started = Date.now();
    const error = await bounded.generate([]).catch((caught: unknown) => caught);
    expect(isArticleQAError(error, 'E_LLM')).toBe(true);
    expect((error as Error).message).toContain('did not answer within');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen.aborted).toBe(1);
    expect(bounded.inFlight).toBe(0);
    // A call still waiting for a slot when its deadline passes fails the same way.
    const queued = await Promise.all(
      [bounded.generate([]), bounded.generate([])].map((call) => call.catch((caught: unknown) => caught)),
    );
    for (const outcome of queued) expect(isArticleQAError(outcome, 'E_LLM')).toBe(true);
  });

  it("passes the caller's own cancellation through as it is", async () => {
    const { model } = slowModel('hang');
    const bounded = boundedChatModel(model, { maxConcurrent: 1, deadlineMs: 10_000 });
    const controller = new AbortController();
    const call = bounded.generate([], { signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(call).rejects.toThrow('user left');
  });
});
