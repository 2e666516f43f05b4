import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { registerCommands } from '../src/commands/index.js';
import { APOLOGY, FALLBACK_NOTE } from '../src/format/notices.js';
import {
  applicationId,
  askResult,
  body,
  botUser,
  channelId,
  guildId,
  type Harness,
  otherChannelId,
  postedTo,
  startHarness,
  token,
  until,
  user,
} from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  harness = await startHarness(options);
  return harness;
}

const isCallback = (interactionId: string) => (request: { method: string; path: string }) =>
  request.method === 'POST' && request.path.startsWith(`/interactions/${interactionId}/`);
const isEditOriginal = (interactionToken: string) => (request: { method: string; path: string }) =>
  request.method === 'PATCH' &&
  request.path === `/webhooks/${applicationId}/${interactionToken}/messages/@original`;
const isFollowUp = (interactionToken: string) => (request: { method: string; path: string }) =>
  request.method === 'POST' && request.path === `/webhooks/${applicationId}/${interactionToken}`;

describe('the bot against the Discord simulator', () => {
  it('logs in and registers its slash commands in the dev guild', async () => {
    const { simulator, bot } = await start({ config: { registerOnStart: true, guildId } });
    expect(bot.client.isReady()).toBe(true);
    const put = await simulator.waitForRequest((request) => request.method === 'PUT');
    expect(put.path).toBe(`/applications/${applicationId}/guilds/${guildId}/commands`);
    const commands = put.body as Array<{
      name: string;
      contexts?: number[];
      options?: Array<{ name: string; required?: boolean; max_length?: number }>;
    }>;
    expect(commands.map((command) => command.name)).toEqual(['ask', 'sources', 'help', 'articles', 'feeds']);
    // Registered with the limit the bot checks (ARTICLEQA_MAX_QUESTION_LENGTH, 500 by default), so Discord
    // refuses a longer question itself; every command is for servers only (context 0), none for DMs.
    expect(commands[0]?.options?.[0]).toMatchObject({ name: 'question', required: true, max_length: 500 });
    for (const command of commands) expect(command.contexts).toEqual([0]);
    expect(put.status).toBe(200);
  });

  it('registers global commands with the register function', async () => {
    const { simulator } = await start();
    const rest = new REST({
      version: '10',
      api: simulator.apiUrl,
      hashSweepInterval: 0,
      handlerSweepInterval: 0,
    }).setToken(token);
    expect(await registerCommands(rest, { applicationId })).toBe(5);
    expect(simulator.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: `/applications/${applicationId}/commands`,
      status: 200,
    });
  });

  it('answers a mention with a reply, the sources embed and a typing indicator', async () => {
    const { simulator, qa, mention } = await start();
    const question = mention('When did Cassini reach Saturn?');
    const reply = await simulator.waitForRequest(postedTo(channelId));
    expect(qa.calls.map((call) => call.question)).toEqual(['When did Cassini reach Saturn?']);
    expect(body(reply)).toMatchObject({
      content: 'Cassini entered orbit around Saturn on 1 July 2004 [1].',
      message_reference: { message_id: question.id },
      allowed_mentions: { parse: [], replied_user: false },
    });
    const embed = body(reply).embeds?.[0];
    expect(embed?.title).toBe('Sources');
    expect(embed?.description).toBe(
      '**[1]** [Cassini reaches Saturn](https://example.com/cassini)\n> Cassini entered orbit around Saturn on 1 July 2004.',
    );
    const typing = simulator.requests.findIndex(
      (request) => request.path === `/channels/${channelId}/typing`,
    );
    expect(typing).toBeGreaterThanOrEqual(0);
    expect(typing).toBeLessThan(simulator.requests.indexOf(reply));
  });

  it('defers /ask at once, then edits the reply with the answer and sources', async () => {
    const { simulator, qa } = await start();
    // Slower than Discord's 3 s window would allow without the deferral; the simulator enforces it.
    qa.respond = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return askResult();
    };
    const { id, token: interactionToken } = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'When did Cassini reach Saturn?' },
      user: user(1),
      channelId,
    });
    const edit = await simulator.waitForRequest(isEditOriginal(interactionToken));
    const callback = simulator.requests.find(isCallback(id));
    expect(callback).toMatchObject({ status: 204, body: { type: 5 } });
    expect(edit.at - (callback?.at ?? 0)).toBeGreaterThanOrEqual(250);
    expect(body(edit)).toMatchObject({
      content: askResult().answer,
      allowed_mentions: { parse: [], replied_user: false },
    });
    expect(body(edit).embeds?.[0]?.title).toBe('Sources');
    expect(simulator.interaction(interactionToken)?.original?.content).toBe(askResult().answer);
  });

  it('splits a 5,000-character answer into valid messages without cutting a citation', async () => {
    const { simulator, qa } = await start();
    const sentences = Array.from(
      { length: 80 },
      (_, index) =>
        `Sentence ${index} explains one more detail of the mission in plain words [${(index % 9) + 1}].`,
    );
    const answer = sentences.join(' ');
    expect(answer.length).toBeGreaterThan(5000);
    qa.respond = () => askResult({ answer });
    const { token: interactionToken } = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'Tell me everything' },
      user: user(1),
      channelId,
    });
    const edit = await simulator.waitForRequest(isEditOriginal(interactionToken));
    await until(() => {
      const parts = simulator.requests.filter(isFollowUp(interactionToken));
      return parts.some((request) => (body(request).embeds?.length ?? 0) > 0);
    });
    const parts = [edit, ...simulator.requests.filter(isFollowUp(interactionToken))];
    expect(parts.length).toBe(3);
    for (const part of parts) {
      expect(part.status).toBe(200);
      expect(body(part).content?.length).toBeLessThanOrEqual(2000);
      expect(body(part).allowed_mentions?.parse).toEqual([]);
    }
    const contents = parts.map((part) => body(part).content ?? '');
    expect(contents.join(' ')).toBe(answer);
    expect(contents.flatMap((content) => content.match(/\[\d+\]/g) ?? [])).toEqual(answer.match(/\[\d+\]/g));
    // The sources follow the last part of the answer.
    expect(parts.map((part) => body(part).embeds?.length ?? 0)).toEqual([0, 0, 1]);
  });

  it('does not ping anyone, whatever the question or the article text contains', async () => {
    const { simulator, qa, mention } = await start();
    qa.respond = () =>
      askResult({
        answer:
          'The memo said @everyone and @here and <@&1400000000000000001> and <@1300000000000000009> [1].',
      });
    mention('@everyone what did the memo say?');
    const reply = await simulator.waitForRequest(postedTo(channelId));
    expect(body(reply).content).toContain('@everyone');
    expect(body(reply).allowed_mentions).toEqual({ parse: [], replied_user: false });
    const { token: interactionToken } = simulator.sendInteraction({
      name: 'ask',
      options: { question: '@here memo?' },
      user: user(2),
      channelId,
    });
    const edit = await simulator.waitForRequest(isEditOriginal(interactionToken));
    expect(body(edit).allowed_mentions).toEqual({ parse: [], replied_user: false });
  });

  it('delivers a fallback answer with a note saying the language model was unavailable', async () => {
    const { simulator, qa, mention, logs } = await start();
    qa.respond = () =>
      askResult({ answerer: 'extractive', fallbackReason: 'LLM request failed: 500 Internal Server Error' });
    mention('When did Cassini reach Saturn?');
    const reply = await simulator.waitForRequest(postedTo(channelId));
    expect(body(reply).content).toBe(`${askResult().answer}\n\n-# ${FALLBACK_NOTE}`);
    expect(body(reply).content).not.toContain('500');
    expect(logs.some((line) => line.fallbackReason === 'LLM request failed: 500 Internal Server Error')).toBe(
      true,
    );
  });

  it('ignores other channels, bots, webhooks and @everyone, and refuses /ask elsewhere with a notice', async () => {
    const { simulator, qa, mention } = await start();
    mention('wrong channel?', { channelId: otherChannelId });
    simulator.sendMessage({
      channelId,
      content: `<@${botUser.id}> from a bot`,
      author: { id: '1500000000000000001', username: 'otherbot', bot: true },
      mentions: [botUser],
    });
    simulator.sendMessage({
      channelId,
      content: `<@${botUser.id}> from a webhook`,
      author: user(3),
      mentions: [botUser],
      webhookId: '1500000000000000002',
    });
    simulator.sendMessage({ channelId, content: '@everyone is this for the bot?', author: user(4) });
    const { token: interactionToken } = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'here?' },
      user: user(1),
      channelId: otherChannelId,
    });
    const notice = await simulator.waitForRequest((request) => request.path.includes(interactionToken));
    expect(body(notice)).toMatchObject({
      type: 4,
      data: { content: `I only answer questions in <#${channelId}>.`, flags: 64 },
    });
    // A question that is answered proves the earlier events were processed (and ignored) before it.
    mention('now?');
    await simulator.waitForRequest(postedTo(channelId));
    expect(qa.calls.map((call) => call.question)).toEqual(['now?']);
    expect(
      simulator.requests.filter(
        (request) => request.method === 'POST' && request.path.startsWith('/channels/'),
      ),
    ).toHaveLength(2);
  });

  it('answers an empty mention with the help text and /help and /sources ephemerally', async () => {
    const { simulator, qa, mention } = await start();
    qa.documents = Array.from({ length: 12 }, (_, index) => ({
      id: `d${index}`,
      title: `Article ${String(index).padStart(2, '0')}`,
      source: `/a/${index}.md`,
      chunks: 1,
      characters: 10,
      contentHash: 'h',
      ingestedAt: '2024-01-01T00:00:00Z',
    }));
    mention('');
    const help = await simulator.waitForRequest(postedTo(channelId));
    expect(body(help).content).toMatch(/^\*\*Ask the articles/);
    const helpCommand = simulator.sendInteraction({ name: 'help', user: user(1), channelId });
    const helpReply = await simulator.waitForRequest(isCallback(helpCommand.id));
    expect(body(helpReply)).toMatchObject({ type: 4, data: { flags: 64 } });
    const sources = simulator.sendInteraction({
      name: 'sources',
      options: { page: 2 },
      user: user(1),
      channelId,
    });
    const page = await simulator.waitForRequest(isCallback(sources.id));
    const embed = (body(page).data as { embeds: Array<{ description: string; footer: { text: string } }> })
      .embeds[0];
    expect(embed?.description.split('\n')).toEqual(['**11.** **Article 10**', '**12.** **Article 11**']);
    expect(embed?.footer.text).toBe('Page 2 of 2 · 12 articles');
    expect(qa.calls).toHaveLength(0);
  });

  it('apologises when answering fails, logs the cause, and keeps serving', async () => {
    const { simulator, qa, mention, logs } = await start();
    qa.respond = () => {
      throw new Error('index exploded');
    };
    mention('first?');
    const apology = await simulator.waitForRequest(postedTo(channelId));
    expect(body(apology).content).toBe(APOLOGY);
    const { token: interactionToken } = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'second?' },
      user: user(2),
      channelId,
    });
    const edited = await simulator.waitForRequest(isEditOriginal(interactionToken));
    expect(body(edited).content).toBe(APOLOGY);
    expect(
      logs.filter((line) => (line.err as { message?: string } | undefined)?.message === 'index exploded'),
    ).toHaveLength(2);
    qa.respond = () => askResult();
    const since = simulator.requests.length;
    mention('third?');
    const answer = await simulator.waitForRequest(postedTo(channelId), { since });
    expect(body(answer).content).toBe(askResult().answer);
  });

  it('refuses a question over the length limit with a short notice', async () => {
    const { simulator, qa, mention } = await start({ config: { maxQuestionLength: 20 } });
    mention('x'.repeat(21));
    const notice = await simulator.waitForRequest(postedTo(channelId));
    expect(body(notice).content).toBe('That question is too long: please keep it under 20 characters.');
    expect(qa.calls).toHaveLength(0);
  });

  it('still delivers the answer when Discord answers 429 and discord.js retries', async () => {
    const { simulator, mention, logs } = await start();
    simulator.rateLimitNext(
      (request) => request.method === 'POST' && request.path === `/channels/${channelId}/messages`,
      { retryAfter: 0.1 },
    );
    mention('When did Cassini reach Saturn?');
    await until(() => simulator.requests.some(postedTo(channelId)));
    const attempts = simulator.requests.filter(
      (request) => request.method === 'POST' && request.path === `/channels/${channelId}/messages`,
    );
    expect(attempts.map((request) => request.status)).toEqual([429, 200]);
    expect(body(attempts[1]!).content).toBe(askResult().answer);
    expect(logs.some((line) => line.msg === 'Discord answered 429 Too Many Requests')).toBe(true);
  });

  it('delivers a finished /ask answer through 503s that outlast discord.js and a dropped connection', async () => {
    const { simulator, qa, logs } = await start();
    const long = Array.from({ length: 60 }, (_, index) => `Sentence ${index} about Cassini [1].`).join(' ');
    qa.respond = () => askResult({ answer: `${long} ${long}` });
    const isEdit = (request: { method: string; path: string }) =>
      request.method === 'PATCH' && request.path.endsWith('/messages/@original');
    const isAnyFollowUp = (request: { method: string; path: string }) =>
      request.method === 'POST' && request.path.startsWith(`/webhooks/${applicationId}/`);
    // Five 503s: discord.js's own four requests of the first try, then one more.
    simulator.failNext(isEdit, { status: 503, message: 'Service Unavailable', times: 5 });
    simulator.dropNext(isAnyFollowUp);
    const { token: interactionToken } = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'When did Cassini reach Saturn?' },
      user: user(1),
      channelId,
    });
    await until(() => (simulator.interaction(interactionToken)?.followUps.length ?? 0) > 0);
    const interaction = simulator.interaction(interactionToken);
    const delivered = [
      interaction?.original?.content,
      ...(interaction?.followUps ?? []).map((m) => m.content),
    ];
    expect(delivered.join(' ')).toContain('Sentence 59 about Cassini [1].');
    expect(delivered.join(' ')).not.toContain(APOLOGY);
    expect(simulator.requests.filter(isEdit).map((request) => request.status)).toEqual([
      503, 503, 503, 503, 503, 200,
    ]);
    expect(simulator.requests.filter(isAnyFollowUp).map((request) => request.status)).toEqual([0, 200]);
    const retries = logs.filter((line) => line.msg === 'Discord did not take the message; trying again');
    expect(retries.map((line) => line.what)).toEqual(['answer', 'answer part 2']);
  });

  it('sends a mention answer once when the response to its first send was lost', async () => {
    const { simulator, mention } = await start();
    const isSend = (request: { method: string; path: string }) =>
      request.method === 'POST' && request.path === `/channels/${channelId}/messages`;
    simulator.dropNext(isSend, { afterHandling: true });
    const question = mention('When did Cassini reach Saturn?');
    await until(() => simulator.requests.filter(postedTo(channelId)).length > 0);
    const sends = simulator.requests.filter(isSend);
    expect(sends.map((request) => request.status)).toEqual([0, 200]);
    expect(body(sends[1]!)).toMatchObject({ nonce: `${question.id as string}-0`, enforce_nonce: true });
    const answers = simulator
      .channelMessages(channelId)
      .filter((message) => (message.author as { id: string }).id === botUser.id);
    expect(answers.map((message) => message.content)).toEqual([askResult().answer]);
  });

  it('apologises once delivery retries run out, without retrying what Discord refused outright', async () => {
    const { simulator, mention, logs } = await start();
    const isSend = (request: { method: string; path: string }) =>
      request.method === 'POST' && request.path === `/channels/${channelId}/messages`;
    simulator.failNext(isSend, { status: 503, times: 16 });
    mention('When did Cassini reach Saturn?');
    const apology = await simulator.waitForRequest(postedTo(channelId));
    expect(body(apology).content).toBe(APOLOGY);
    expect(simulator.requests.filter(isSend).map((request) => request.status)).toEqual([
      ...Array<number>(16).fill(503),
      200,
    ]);
    const failure = logs.find((line) => line.msg === 'mention handler failed');
    expect((failure?.err as { message?: string } | undefined)?.message).toContain(
      'Could not deliver the answer after 4 tries.',
    );

    const since = simulator.requests.length;
    simulator.failNext(isSend, { status: 403, code: 50013, message: 'Missing Permissions' });
    mention('And when did it end?');
    await simulator.waitForRequest(postedTo(channelId), { since });
    // A 403 is refused at once: one failed send, then the apology attempt.
    expect(
      simulator.requests
        .slice(since)
        .filter(isSend)
        .map((request) => request.status),
    ).toEqual([403, 200]);
  });

  it('opens a thread for the answer and answers follow-ups there with the thread history', async () => {
    const { simulator, qa, mention } = await start({ config: { threadMode: true } });
    qa.respond = (question, options) => {
      const earlier = options.history?.map((turn) => turn.content).join(' ') ?? '';
      if (question === 'And when did it end?' && earlier.includes('Cassini')) {
        return askResult({ answer: 'The Cassini mission ended on 15 September 2017 [1].' });
      }
      return askResult();
    };
    const question = mention('When did Cassini reach Saturn?');
    const threadId = question.id as string;
    const opened = await simulator.waitForRequest(
      (request) => request.path === `/channels/${channelId}/messages/${threadId}/threads`,
    );
    expect(body(opened)).toMatchObject({ name: 'When did Cassini reach Saturn?' });
    const firstAnswer = await simulator.waitForRequest(postedTo(threadId));
    expect(body(firstAnswer).content).toBe(askResult().answer);

    const since = simulator.requests.length;
    // A follow-up in the thread needs no mention.
    simulator.sendMessage({ channelId: threadId, content: 'And when did it end?', author: user(1) });
    const followUp = await simulator.waitForRequest(postedTo(threadId), { since });
    expect(body(followUp).content).toBe('The Cassini mission ended on 15 September 2017 [1].');
    expect(qa.calls[1]?.history).toEqual([
      { role: 'user', content: 'When did Cassini reach Saturn?' },
      { role: 'assistant', content: askResult().answer },
    ]);
  });

  it('in its thread: follow-ups skip the cooldown, "thanks" gets no answer, and the thread name is plain text', async () => {
    const { simulator, qa, mention } = await start({ config: { threadMode: true, cooldownSeconds: 600 } });
    const question = mention(`When did <#${channelId}> **Cassini** reach Saturn? <:rocket:1234567890123456>`);
    const threadId = question.id as string;
    const opened = await simulator.waitForRequest(
      (request) => request.path === `/channels/${channelId}/messages/${threadId}/threads`,
    );
    expect(body(opened).name).not.toMatch(/[<>*]/);
    expect(body(opened).name).toContain('Cassini reach Saturn?');
    await simulator.waitForRequest(postedTo(threadId));

    const since = simulator.requests.length;
    simulator.sendMessage({ channelId: threadId, content: 'thanks! 👍', author: user(1) });
    // Within the 600 s cooldown, a real follow-up is still answered.
    simulator.sendMessage({ channelId: threadId, content: 'And when did it end?', author: user(1) });
    const followUp = await simulator.waitForRequest(postedTo(threadId), { since });
    expect(body(followUp).content).toBe(askResult().answer);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const posted = simulator.requests.slice(since).filter(postedTo(threadId));
    expect(posted).toHaveLength(1);
    expect(qa.calls.map((call) => call.question)).toEqual([
      expect.stringContaining('reach Saturn?'),
      'And when did it end?',
    ]);
  });

  it('answers a command it does not know (a stale registration) ephemerally instead of leaving it unanswered', async () => {
    const { simulator } = await start();
    const interaction = simulator.sendInteraction({ name: 'summarise', user: user(1), channelId });
    const reply = await simulator.waitForRequest((request) =>
      request.path.startsWith(`/interactions/${interaction.id}/`),
    );
    const data = body(reply).data as { content: string; flags: number };
    expect(data.content).toContain('not known to this version of the bot');
    expect(data.flags).toBe(64);
  });
});
