import { afterEach, describe, expect, it } from 'vitest';
import { askResult, body, channelId, type Harness, startHarness, until, user } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ANSWER = askResult().answer;
const COOLDOWN = /^Please wait \d+ s before asking another question\.$/;
const BUSY = /^I am answering too many questions in this server right now/;

describe('cooldown and per-guild concurrency under a burst', () => {
  it('answers what fits, gives everyone else a notice, and never runs more than the limit at once', async () => {
    harness = await startHarness({ config: { cooldownSeconds: 60, guildConcurrency: 2, queueSize: 5 } });
    const { simulator, qa, mention } = harness;
    qa.hold();
    // 50 questions at once: 25 people asking twice in a row.
    for (let index = 0; index < 25; index++) {
      mention(`question ${index}a`, { author: user(index) });
      mention(`question ${index}b`, { author: user(index) });
    }
    const replies = () =>
      simulator.requests
        .filter(
          (request) =>
            request.method === 'POST' &&
            request.path === `/channels/${channelId}/messages` &&
            request.status === 200,
        )
        .map((request) => body(request).content ?? '');
    // Everyone refused hears so straight away, while the admitted questions are still being answered.
    await until(() => replies().length === 43);
    expect(qa.inFlight).toBe(2);
    qa.release();
    await until(() => replies().length === 50);

    const all = replies();
    const answered = all.filter((content) => content === ANSWER).length;
    const cooldowns = all.filter((content) => COOLDOWN.test(content)).length;
    const busy = all.filter((content) => BUSY.test(content)).length;
    // 2 running + 5 queued admitted; each admitted asker's second question meets the cooldown; the rest
    // find the guild full (and are not charged a cooldown, so their second question is "busy" too).
    expect({ answered, cooldowns, busy }).toEqual({ answered: 7, cooldowns: 7, busy: 36 });
    expect(answered + cooldowns + busy).toBe(50);
    expect(qa.calls).toHaveLength(7);
    expect(qa.maxInFlight).toBe(2);
    // The last reply is recorded a moment before its handler frees its slot.
    await until(() => harness?.bot.gate.inFlight === 0);
  });

  it('gives /ask an ephemeral cooldown notice instead of silence', async () => {
    harness = await startHarness({ config: { cooldownSeconds: 60 } });
    const { simulator } = harness;
    const first = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'one?' },
      user: user(1),
      channelId,
    });
    await simulator.waitForRequest(
      (request) => request.path.includes(first.token) && request.method === 'PATCH',
    );
    const second = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'two?' },
      user: user(1),
      channelId,
    });
    const notice = await simulator.waitForRequest((request) => request.path.includes(second.token));
    expect(body(notice)).toMatchObject({ type: 4, data: { flags: 64, allowed_mentions: { parse: [] } } });
    expect((body(notice).data as { content: string }).content).toMatch(COOLDOWN);
  });
});
