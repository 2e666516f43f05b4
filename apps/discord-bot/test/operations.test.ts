import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DIRECT_MESSAGE_POINTER } from '../src/format/notices.js';
import { type OperationsServer, startOperationsServer } from '../src/operations/operations-server.js';
import { askResult, body, channelId, harnessPerTest, postedTo, until, user } from './harness.js';

const start = harnessPerTest();
let server: OperationsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The value of one sample in Prometheus text, or undefined when absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

const isSend = (request: { method: string; path: string }) =>
  request.method === 'POST' && request.path === `/channels/${channelId}/messages`;

describe('operations', () => {
  it('serves /healthz and Prometheus /metrics over HTTP, counting questions, answers, refusals and latency', async () => {
    const harness = await start({ config: { cooldownSeconds: 600 } });
    const { simulator, bot, qa, mention } = harness;
    server = await startOperationsServer({
      host: '127.0.0.1',
      port: 0,
      registry: bot.metrics.registry,
      health: () => bot.health(),
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', guilds: 1, answering: 0, waiting: 0 });

    qa.respond = () => askResult({ answerer: 'extractive', fallbackReason: 'The LLM failed with 500.' });
    mention('When did Cassini reach Saturn?');
    await simulator.waitForRequest(postedTo(channelId));
    // The same user again, within the cooldown: refused.
    const since = simulator.requests.length;
    mention('And when did it end?');
    await simulator.waitForRequest(postedTo(channelId), { since });
    const asked = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'Who built Cassini?' },
      user: user(2),
      channelId,
    });
    await until(() =>
      String(simulator.interaction(asked.token)?.original?.content).startsWith(askResult().answer),
    );
    await until(() => (harness.logs.filter((line) => line.msg === 'answered').length ?? 0) === 2);

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'articleqa_questions_total{source="mention"}')).toBe(2);
    expect(sample(text, 'articleqa_questions_total{source="slash"}')).toBe(1);
    expect(sample(text, 'articleqa_questions_refused_total{reason="cooldown"}')).toBe(1);
    expect(sample(text, 'articleqa_answers_total{answerer="extractive",outcome="answered"}')).toBe(2);
    expect(sample(text, 'articleqa_llm_fallbacks_total')).toBe(2);
    expect(sample(text, 'articleqa_acknowledgement_seconds_count')).toBe(1);
    expect(sample(text, 'articleqa_answer_seconds_count{source="mention"}')).toBe(1);
    expect(sample(text, 'articleqa_ask_seconds_count{answerer="extractive"}')).toBe(2);
    expect(sample(text, 'articleqa_queue_depth')).toBe(0);
    expect(sample(text, 'articleqa_questions_answering')).toBe(0);
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);

    await bot.stop({ timeoutMs: 100 });
    const stopping = await fetch(`${server.url}/healthz`);
    expect(stopping.status).toBe(503);
    expect(await stopping.json()).toMatchObject({ status: 'stopping' });
  });

  it('counts the queue depth while questions wait', async () => {
    const harness = await start({ config: { guildConcurrency: 1 } });
    const { simulator, bot, qa, mention } = harness;
    qa.hold();
    mention('first?', { author: user(1) });
    mention('second?', { author: user(2) });
    await until(() => bot.gate.inFlight === 2);
    const text = await bot.metrics.registry.metrics();
    expect(sample(text, 'articleqa_questions_answering')).toBe(1);
    expect(sample(text, 'articleqa_queue_depth')).toBe(1);
    qa.release();
    await until(() => simulator.requests.filter(postedTo(channelId)).length === 2);
  });

  it("logs discord.js's own rate-limit waits at debug and a real 429 at warn", async () => {
    const harness = await start();
    const { simulator, mention, logs, bot } = harness;
    simulator.exhaustBucketNext(isSend, { resetAfter: 0.1 });
    mention('first?', { author: user(1) });
    mention('second?', { author: user(2) });
    await until(() => simulator.requests.filter(postedTo(channelId)).length === 2);
    expect(logs.filter((line) => line.msg === 'waiting for a Discord rate-limit bucket')).not.toHaveLength(0);
    expect(logs.filter((line) => line.msg === 'waiting for a Discord rate-limit bucket')[0]?.level).toBe(20);
    expect(logs.filter((line) => Number(line.level) >= 40)).toEqual([]);

    simulator.rateLimitNext(isSend, { retryAfter: 0.05 });
    mention('third?', { author: user(3) });
    await until(() => simulator.requests.filter(postedTo(channelId)).length === 3);
    const warnings = logs.filter((line) => Number(line.level) === 40);
    expect(warnings.map((line) => line.msg)).toEqual(['Discord answered 429 Too Many Requests']);
    expect(warnings[0]).toMatchObject({ method: 'POST', retryAfterSeconds: 0.05, global: false });
    const text = await bot.metrics.registry.metrics();
    expect(sample(text, 'articleqa_discord_rate_limited_total{global="false"}')).toBe(1);
  });

  it('answers a DM with a one-line pointer to a server', async () => {
    const harness = await start();
    const { simulator, qa } = harness;
    const sent = simulator.sendDirectMessage({ content: 'When did Cassini reach Saturn?', author: user(1) });
    const dm = sent.channel_id as string;
    const reply = await simulator.waitForRequest(postedTo(dm));
    expect(body(reply).content).toBe(DIRECT_MESSAGE_POINTER);
    expect(qa.calls).toHaveLength(0);
  });

  it('tells the asker ephemerally, once per channel, which permissions the bot lacks there', async () => {
    const harness = await start();
    const { simulator, logs } = harness;
    const lacking = String(
      PermissionFlagsBits.ViewChannel |
        PermissionFlagsBits.SendMessages |
        PermissionFlagsBits.UseApplicationCommands,
    );
    const ask = (question: string, asker: number) =>
      simulator.sendInteraction({
        name: 'ask',
        options: { question },
        user: user(asker),
        channelId,
        appPermissions: lacking,
      });
    const first = ask('When did Cassini reach Saturn?', 1);
    await until(() => (simulator.interaction(first.token)?.followUps.length ?? 0) === 1);
    const interaction = simulator.interaction(first.token);
    expect(interaction?.original?.content).toBe(askResult().answer);
    const notice = interaction?.followUps[0];
    expect(notice?.flags).toBe(64);
    expect(notice?.content).toContain('I lack Embed Links, Read Message History');
    expect(logs.filter((line) => line.msg === 'the bot lacks permissions in this channel')).toHaveLength(1);

    const second = ask('And when did it end?', 2);
    await until(() => simulator.interaction(second.token)?.original?.content === askResult().answer);
    const help = simulator.sendInteraction({
      name: 'help',
      user: user(3),
      channelId,
      appPermissions: lacking,
    });
    const helpReply = await simulator.waitForRequest((request) =>
      request.path.startsWith(`/interactions/${help.id}/`),
    );
    expect((body(helpReply).data as { content: string }).content).toContain('I lack Embed Links');
    expect(simulator.interaction(second.token)?.followUps).toHaveLength(0);
  });
});
