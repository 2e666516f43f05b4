import { describe, expect, it } from 'vitest';
import { Cooldowns } from './cooldown.js';
import { GuildLimiter } from './guild-limiter.js';
import { type Admission, QuestionGate } from './question-gate.js';

describe('Cooldowns', () => {
  it('counts down from the start of the cooldown', () => {
    let now = 1000;
    const cooldowns = new Cooldowns({ seconds: 10, now: () => now });
    expect(cooldowns.remainingMs('u')).toBe(0);
    cooldowns.start('u');
    now += 4000;
    expect(cooldowns.remainingMs('u')).toBe(6000);
    now += 6000;
    expect(cooldowns.remainingMs('u')).toBe(0);
  });

  it('is off at 0 seconds', () => {
    const cooldowns = new Cooldowns({ seconds: 0 });
    cooldowns.start('u');
    expect(cooldowns.remainingMs('u')).toBe(0);
  });
});

describe('GuildLimiter', () => {
  it('admits up to the limit, queues in order, refuses beyond the queue, and hands slots over', async () => {
    const limiter = new GuildLimiter({ concurrency: 2, queueSize: 2 });
    const tickets = Array.from({ length: 5 }, () => limiter.tryEnter('g'));
    expect(tickets.map((ticket) => ticket !== undefined)).toEqual([true, true, true, true, false]);
    expect(limiter.running('g')).toBe(2);
    expect(limiter.tryEnter('other')).toBeDefined();
    const order: number[] = [];
    void tickets[2]?.turn().then(() => order.push(2));
    void tickets[3]?.turn().then(() => order.push(3));
    tickets[0]?.release();
    tickets[0]?.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([2]);
    expect(limiter.running('g')).toBe(2);
    tickets[1]?.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([2, 3]);
  });

  it('frees a queue place when a waiting ticket is released or aborted', async () => {
    const limiter = new GuildLimiter({ concurrency: 1, queueSize: 1 });
    const running = limiter.tryEnter('g');
    const waiting = limiter.tryEnter('g');
    expect(limiter.tryEnter('g')).toBeUndefined();
    const controller = new AbortController();
    const turn = waiting?.turn(controller.signal);
    controller.abort(new Error('stop'));
    await expect(turn).rejects.toThrow('stop');
    waiting?.release();
    expect(limiter.tryEnter('g')).toBeDefined();
    running?.release();
  });
});

describe('QuestionGate', () => {
  const options = { cooldownSeconds: 60, guildConcurrency: 1, queueSize: 0, maxQuestionLength: 20 };

  it('bounds the whole process across guilds: maxAnswers run, globalQueueSize wait, the rest are busy', async () => {
    const gate = new QuestionGate({ ...options, cooldownSeconds: 0, maxAnswers: 2, globalQueueSize: 1 });
    const admitted = ['g1', 'g2', 'g3', 'g4'].map((guildId, index) =>
      gate.admit({ userId: `u${index}`, guildId, question: 'q' }),
    );
    expect(admitted.map((admission) => admission.ok)).toEqual([true, true, true, false]);
    expect(admitted[3]).toEqual({ ok: false, reason: 'busy' });
    const [first, second, third] = admitted as Admission[];
    await first!.turn();
    await second!.turn();
    let thirdRunning = false;
    const thirdTurn = third!.turn().then(() => {
      thirdRunning = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(thirdRunning).toBe(false);
    first!.done();
    await thirdTurn;
    expect(thirdRunning).toBe(true);
    // A refused question gave its guild slot back: its guild can ask again.
    expect(gate.admit({ userId: 'u9', guildId: 'g4', question: 'q' }).ok).toBe(true);
    second!.done();
    third!.done();
  });

  it('refuses long questions, cooling-down users and full guilds, each with its reason', () => {
    const gate = new QuestionGate(options);
    expect(gate.admit({ userId: 'a', guildId: 'g', question: 'x'.repeat(21) })).toEqual({
      ok: false,
      reason: 'too-long',
      maxLength: 20,
    });
    const first = gate.admit({ userId: 'a', guildId: 'g', question: 'q' });
    expect(first.ok).toBe(true);
    expect(gate.admit({ userId: 'a', guildId: 'g', question: 'q' })).toEqual({
      ok: false,
      reason: 'cooldown',
      retryAfterSeconds: 60,
    });
    // Refused as busy: no cooldown is charged, so b can ask as soon as there is room.
    expect(gate.admit({ userId: 'b', guildId: 'g', question: 'q' })).toEqual({ ok: false, reason: 'busy' });
    if (first.ok) first.done();
    expect(gate.admit({ userId: 'b', guildId: 'g', question: 'q' }).ok).toBe(true);
  });

  it('drains in-flight questions at close, then cancels what is left at the deadline', async () => {
    const gate = new QuestionGate({ ...options, cooldownSeconds: 0, guildConcurrency: 2 });
    const quick = gate.admit({ userId: 'a', guildId: 'g', question: 'q' });
    const slow = gate.admit({ userId: 'b', guildId: 'g', question: 'q' });
    if (!quick.ok || !slow.ok) throw new Error('not admitted');
    setTimeout(() => quick.done(), 10);
    slow.signal.addEventListener('abort', () => setTimeout(() => slow.done(), 5));
    const summary = await gate.close({ timeoutMs: 50 });
    expect(summary).toEqual({ finished: 1, cancelled: 1 });
    expect(slow.signal.reason).toMatchObject({ name: 'ShutdownError' });
    expect(gate.admit({ userId: 'c', guildId: 'g', question: 'q' })).toEqual({
      ok: false,
      reason: 'closing',
    });
  });
});
