import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  Partials,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DiscordSimulator,
  type DiscordSimulatorOptions,
  startDiscordSimulator,
} from './discord-simulator.js';

const token = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.simulated.token';
const botUser = { id: '1100000000000000001', username: 'articleqa' };
const alice = { id: '1100000000000000002', username: 'alice' };
const guildId = '1200000000000000001';
const channelId = '1200000000000000002';
const options: DiscordSimulatorOptions = {
  token,
  applicationId: '1100000000000000009',
  botUser,
  guilds: [{ id: guildId, name: 'Test guild', channels: [{ id: channelId, name: 'general' }] }],
};

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(overrides: Partial<DiscordSimulatorOptions> = {}): Promise<DiscordSimulator> {
  const simulator = await startDiscordSimulator({ ...options, ...overrides });
  cleanups.push(() => simulator.close());
  return simulator;
}

function newClient(simulator: DiscordSimulator): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: { api: simulator.apiUrl },
    waitGuildTimeout: 0,
  });
  cleanups.push(() => client.destroy());
  return client;
}

async function loggedIn(simulator: DiscordSimulator): Promise<Client<true>> {
  const client = newClient(simulator);
  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(token);
  return ready;
}

/** POST of a message to the test channel. */
const isSend = (request: { method: string; path: string }) =>
  request.method === 'POST' && request.path === `/channels/${channelId}/messages`;

/** A logged-in client's view of the test channel. */
async function sendableChannel(simulator: DiscordSimulator) {
  const channel = (await loggedIn(simulator)).channels.cache.get(channelId);
  if (!channel?.isSendable()) throw new Error('channel not sendable');
  return channel;
}

/** Handles that stay after a test are sockets, servers and timers; vitest's own are in the baseline. */
function openHandles(): string[] {
  return process.getActiveResourcesInfo().filter((name) => /TCP|Timeout|Immediate/.test(name));
}

describe('Discord simulator with a real discord.js Client', () => {
  it('logs in to ready with guilds and channels cached', async () => {
    const simulator = await start();
    const client = await loggedIn(simulator);
    expect(client.user.id).toBe(botUser.id);
    expect(client.application.id).toBe(options.applicationId);
    expect(client.channels.cache.get(channelId)?.isTextBased()).toBe(true);
    expect(
      simulator.requests.some((request) => request.path === '/gateway/bot' && request.status === 200),
    ).toBe(true);
  });

  it('delivers a message and records the reply', async () => {
    const simulator = await start();
    const client = await loggedIn(simulator);
    client.on(Events.MessageCreate, (message: Message) => {
      if (message.author.id === alice.id)
        void message.reply({ content: 'pong', allowedMentions: { parse: [], repliedUser: false } });
    });
    const sent = simulator.sendMessage({
      channelId,
      content: '<@1100000000000000001> ping',
      author: alice,
      mentions: [botUser],
    });
    const reply = await simulator.waitForRequest(
      (request) => request.method === 'POST' && request.path === `/channels/${channelId}/messages`,
    );
    expect(reply.status).toBe(200);
    expect(reply.headers.authorization).toBe(`Bot ${token}`);
    expect(reply.body).toMatchObject({
      content: 'pong',
      message_reference: { message_id: sent.id },
      allowed_mentions: { parse: [] },
    });
    expect(simulator.channelMessages(channelId).map((message) => message.content)).toEqual([
      '<@1100000000000000001> ping',
      'pong',
    ]);
  });

  it('serves two shards: recommends them, records each IDENTIFY and routes guild events by shard', async () => {
    // (guild_id >> 22) % 2: this guild lives on shard 0, the default one on shard 1.
    const otherGuildId = '1200000000004194305';
    const otherChannelId = '1200000000004194306';
    const simulator = await start({
      shards: 2,
      guilds: [
        ...(options.guilds ?? []),
        { id: otherGuildId, channels: [{ id: otherChannelId, name: 'general' }] },
      ],
    });
    const gatewayBot = await fetch(`${simulator.apiUrl}/v10/gateway/bot`, {
      headers: { authorization: `Bot ${token}` },
    });
    expect(((await gatewayBot.json()) as { shards: number }).shards).toBe(2);

    const clients = await Promise.all(
      [0, 1].map(async (shard) => {
        const client = new Client({
          intents: [GatewayIntentBits.Guilds],
          rest: { api: simulator.apiUrl },
          waitGuildTimeout: 0,
          shards: shard,
          shardCount: 2,
        });
        cleanups.push(() => client.destroy());
        const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
        await client.login(token);
        return ready;
      }),
    );
    expect(simulator.identifies.map((identify) => identify.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect([...(clients[0]?.guilds.cache.keys() ?? [])]).toEqual([otherGuildId]);
    expect([...(clients[1]?.guilds.cache.keys() ?? [])]).toEqual([guildId]);
  });

  it('takes a deferred interaction, then the edit and a follow-up', async () => {
    const simulator = await start();
    const client = await loggedIn(simulator);
    let seenQuestion: string | null = null;
    client.on(Events.InteractionCreate, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      seenQuestion = interaction.options.getString('question');
      await interaction.deferReply();
      await interaction.editReply('the answer');
      await interaction.followUp('more');
    });
    const { token: interactionToken } = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'why?' },
      user: alice,
      channelId,
    });
    await simulator.waitForRequest(
      (request) => request.method === 'POST' && request.path.startsWith('/webhooks/'),
    );
    const state = simulator.interaction(interactionToken);
    expect(seenQuestion).toBe('why?');
    expect(state?.callbackType).toBe(5);
    expect(state?.original?.content).toBe('the answer');
    expect(state?.followUps.map((message) => message.content)).toEqual(['more']);
    const edit = simulator.requests.find((request) => request.method === 'PATCH');
    expect(edit?.path).toBe(`/webhooks/${options.applicationId}/${interactionToken}/messages/@original`);
    expect(edit?.headers.authorization).toBeUndefined();
  });

  it('starts a thread from a message and delivers messages posted in it', async () => {
    const simulator = await start();
    const client = await loggedIn(simulator);
    const inThread = new Promise<Message>((resolve) => {
      client.on(Events.MessageCreate, async (message) => {
        if (message.author.bot) return;
        if (message.channel.isThread()) return resolve(message);
        const thread = await message.startThread({ name: 'question' });
        await thread.send('first answer');
      });
    });
    const question = simulator.sendMessage({ channelId, content: 'question', author: alice });
    await simulator.waitForRequest(
      (request) => request.method === 'POST' && request.path === `/channels/${question.id}/messages`,
    );
    simulator.sendMessage({ channelId: question.id as string, content: 'follow-up', author: alice });
    const followUp = await inThread;
    expect(followUp.channel.isThread() && followUp.channel.ownerId).toBe(botUser.id);
    const history = await followUp.channel.messages.fetch({ limit: 10 });
    expect([...history.values()].map((message) => message.content)).toEqual(['follow-up', 'first answer']);
  });

  it('rejects an acknowledgement after the interaction window', async () => {
    const simulator = await start({ interactionAckTimeoutMs: 20 });
    const client = await loggedIn(simulator);
    const outcome = new Promise<unknown>((resolve) => {
      client.on(Events.InteractionCreate, async (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        await new Promise((wait) => setTimeout(wait, 60));
        interaction.deferReply().then(resolve, resolve);
      });
    });
    simulator.sendInteraction({ name: 'ask', user: alice, channelId });
    expect(await outcome).toMatchObject({ code: 10062 });
  });

  it('answers a 429 once and discord.js retries the request', async () => {
    const simulator = await start();
    const channel = await sendableChannel(simulator);
    simulator.rateLimitNext(isSend, { retryAfter: 0.05 });
    const message = await channel.send('after the limit');
    expect(message.content).toBe('after the limit');
    expect(simulator.requests.filter(isSend).map((request) => request.status)).toEqual([429, 200]);
  });

  it('spends a bucket without a 429, so discord.js waits by itself before the next request', async () => {
    const simulator = await start();
    const channel = await sendableChannel(simulator);
    const waits: number[] = [];
    channel.client.rest.on('rateLimited', (info) => waits.push(info.timeToReset));
    simulator.exhaustBucketNext(isSend, { resetAfter: 0.1 });
    await channel.send('spends the bucket');
    await channel.send('waits for the reset');
    expect(simulator.requests.filter(isSend).map((request) => request.status)).toEqual([200, 200]);
    expect(waits).toHaveLength(1);
  });

  it('fails the next matching request once with the given status', async () => {
    const simulator = await start();
    const channel = await sendableChannel(simulator);
    simulator.failNext(isSend, { status: 403, code: 50013, message: 'Missing Permissions' });
    await expect(channel.send('forbidden')).rejects.toMatchObject({ status: 403, code: 50013 });
    // discord.js retries a 5xx by itself; the second attempt succeeds.
    simulator.failNext(isSend, { status: 502 });
    await expect(channel.send('after a 502')).resolves.toMatchObject({ content: 'after a 502' });
    expect(simulator.requests.filter(isSend).map((request) => request.status)).toEqual([403, 502, 200]);
  });

  it('fails several requests in a row, and drops a connection without an answer', async () => {
    const simulator = await start();
    const channel = await sendableChannel(simulator);
    // discord.js tries a request four times (three immediate retries) before giving up on a 5xx.
    simulator.failNext(isSend, { status: 503, times: 4 });
    await expect(channel.send('during the blip')).rejects.toMatchObject({ name: 'HTTPError', status: 503 });
    simulator.dropNext(isSend);
    const dropped = await channel.send('on a dropped connection').catch((caught: unknown) => caught);
    expect(dropped).toBeInstanceOf(Error);
    expect(simulator.requests.filter(isSend).map((request) => request.status)).toEqual([
      503, 503, 503, 503, 0,
    ]);
    expect(simulator.channelMessages(channelId)).toHaveLength(0);
  });

  it('returns the message already made for a repeated nonce when enforce_nonce is set', async () => {
    const simulator = await start();
    const channel = await sendableChannel(simulator);
    const first = await channel.send({ content: 'once', nonce: 'answer-1', enforceNonce: true });
    const again = await channel.send({ content: 'once', nonce: 'answer-1', enforceNonce: true });
    expect(again.id).toBe(first.id);
    // The response to a create is lost after Discord made the message: the repeat gets that message back.
    simulator.dropNext((request) => request.method === 'POST', { afterHandling: true });
    await expect(channel.send({ content: 'lost', nonce: 'answer-2', enforceNonce: true })).rejects.toThrow();
    const repeated = await channel.send({ content: 'lost', nonce: 'answer-2', enforceNonce: true });
    expect(repeated.content).toBe('lost');
    await channel.send({ content: 'twice', nonce: 'answer-1' });
    expect(simulator.channelMessages(channelId).map((message) => message.content)).toEqual([
      'once',
      'lost',
      'twice',
    ]);
  });

  it('delivers a DM to a client with the DirectMessages intent and takes its reply', async () => {
    const simulator = await start();
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
      partials: [Partials.Channel],
      rest: { api: simulator.apiUrl },
      waitGuildTimeout: 0,
    });
    cleanups.push(() => client.destroy());
    const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
    await client.login(token);
    await ready;
    const received = new Promise<Message>((resolve) => client.once(Events.MessageCreate, resolve));
    const sent = simulator.sendDirectMessage({ content: 'hello bot', author: alice });
    const message = await received;
    expect(message.inGuild()).toBe(false);
    expect(message.content).toBe('hello bot');
    await message.reply('hello alice');
    expect(simulator.channelMessages(sent.channel_id as string).map((stored) => stored.content)).toEqual([
      'hello bot',
      'hello alice',
    ]);
  });

  it('dispatches a button click on a message, and an autocomplete with its focused option', async () => {
    const simulator = await start();
    const client = await loggedIn(simulator);
    const channel = client.channels.cache.get(channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    await channel.send({
      content: 'with a button',
      components: [
        { type: 1, components: [{ type: 2, style: 2, label: 'Sources', custom_id: 'sources:1' }] },
      ],
    });
    const [stored] = simulator.channelMessages(channelId);
    const clicked = new Promise<Interaction>((resolve) => client.once(Events.InteractionCreate, resolve));
    const click = simulator.sendComponentInteraction({
      message: stored!,
      customId: 'sources:1',
      user: alice,
    });
    const interaction = await clicked;
    if (!interaction.isButton()) throw new Error('not a button interaction');
    expect(interaction.customId).toBe('sources:1');
    expect(interaction.message.content).toBe('with a button');
    await interaction.reply({ content: 'the sources', flags: 64 });
    expect(simulator.interaction(click.token)).toMatchObject({ callbackType: 4, ephemeral: true });

    const typed = new Promise<Interaction>((resolve) => client.once(Events.InteractionCreate, resolve));
    const autocomplete = simulator.sendAutocomplete({
      name: 'articles',
      subcommand: 'remove',
      options: { article: 'Cass' },
      focused: 'article',
      user: alice,
      channelId,
    });
    const typing = await typed;
    if (!typing.isAutocomplete()) throw new Error('not an autocomplete interaction');
    expect(typing.options.getSubcommand()).toBe('remove');
    expect(typing.options.getFocused(true)).toMatchObject({ name: 'article', value: 'Cass' });
    await typing.respond([{ name: 'Cassini reaches Saturn', value: 'doc-1' }]);
    expect(simulator.interaction(autocomplete.token)?.choices).toEqual([
      { name: 'Cassini reaches Saturn', value: 'doc-1' },
    ]);
  });

  it('refuses a message over 2000 characters like Discord does', async () => {
    const simulator = await start();
    const client = await loggedIn(simulator);
    const channel = client.channels.cache.get(channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const error = await channel.send('x'.repeat(2001)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 50035, status: 400 });
    const button = { type: 2, style: 2, label: 'Sources', custom_id: 'x'.repeat(101) };
    const badButton = await channel
      .send({ content: 'with a long custom id', components: [{ type: 1, components: [button] }] })
      .catch((caught: unknown) => caught);
    expect(badButton).toMatchObject({ code: 50035, status: 400 });
  });

  it('rejects login with a wrong token', async () => {
    const simulator = await start();
    const client = newClient(simulator);
    await expect(client.login('wrong.token.value')).rejects.toMatchObject({ code: 'TokenInvalid' });
    expect(simulator.requests.find((request) => request.path === '/gateway/bot')?.status).toBe(401);
  });

  it('leaves no open handles after destroy and close', async () => {
    // Sockets of the earlier tests close asynchronously: let them go before taking the baseline.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = openHandles().length;
    const simulator = await startDiscordSimulator(options);
    const client = newClient(simulator);
    await new Promise<void>((resolve, reject) => {
      client.once(Events.ClientReady, () => resolve());
      client.login(token).catch(reject);
    });
    expect(simulator.gatewayConnections).toBe(1);
    await client.destroy();
    await simulator.close();
    const deadline = Date.now() + 2000;
    while (openHandles().length > before && Date.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    expect(openHandles()).toHaveLength(before);
  });
});
