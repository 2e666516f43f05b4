import { describe, expect, it } from 'vitest';
import { CANCELLED_BY_SHUTDOWN } from '../src/format/notices.js';
import { askResult, body, channelId, FakeQA, openHandles, startHarness, until } from './harness.js';

const replies = (harness: Awaited<ReturnType<typeof startHarness>>) =>
  harness.simulator.requests
    .filter(
      (request) =>
        request.method === 'POST' &&
        request.path === `/channels/${channelId}/messages` &&
        request.status === 200,
    )
    .map((request) => body(request).content ?? '');

describe('graceful shutdown', () => {
  it('stops taking questions, finishes the one in flight, and leaves no open handles', async () => {
    // Let sockets of earlier test files close before taking the baseline.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = openHandles();
    const harness = await startHarness();
    harness.qa.hold();
    harness.mention('in flight?');
    await until(() => harness.qa.inFlight === 1);

    const stopping = harness.bot.stop({ timeoutMs: 5000 });
    harness.mention('too late?');
    await until(() => replies(harness).length === 1);
    expect(replies(harness)).toEqual([
      'I am restarting and not taking questions right now. Please ask again in a minute.',
    ]);
    harness.qa.release();
    expect(await stopping).toEqual({ finished: 1, cancelled: 0 });
    expect(replies(harness)).toContain(askResult().answer);
    expect(harness.simulator.gatewayConnections).toBe(0);

    await harness.simulator.close();
    const deadline = Date.now() + 3000;
    while (openHandles() > before && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(openHandles()).toBeLessThanOrEqual(before);
  });

  it('cancels an answer that outlives the deadline and tells the user', async () => {
    const qa = new FakeQA();
    // Like the core, the fake gives up when its signal aborts.
    qa.respond = (_question, options) =>
      new Promise((_resolve, reject) =>
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
      );
    const harness = await startHarness({ qa });
    harness.mention('slow?');
    await until(() => qa.inFlight === 1);
    expect(await harness.bot.stop({ timeoutMs: 100 })).toEqual({ finished: 0, cancelled: 1 });
    expect(replies(harness)).toEqual([CANCELLED_BY_SHUTDOWN]);
    expect(qa.calls[0]?.signal?.aborted).toBe(true);
    await harness.close();
  });
});
