import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guildShard, SimulatedGateway } from './gateway.js';
import {
  channelPayload,
  type Json,
  messagePayload,
  type SimulatedChannel,
  type SimulatedGuild,
  type SimulatedUser,
  snowflake,
  userPayload,
  validateMessageBody,
} from './payloads.js';
import { createRouter, type Reply } from './rest-routes.js';

/** Options of {@link startDiscordSimulator}. */
export interface DiscordSimulatorOptions {
  /** The bot token the simulator accepts; any other gets 401 on REST and close code 4004 on the gateway. */
  token: string;
  applicationId: string;
  /** The bot's own user, sent in READY. */
  botUser: SimulatedUser;
  guilds?: SimulatedGuild[];
  /** Shards recommended by `GET /gateway/bot`. @defaultValue 1 */
  shards?: number;
  /** @defaultValue 41250 (Discord's usual value) */
  heartbeatIntervalMs?: number;
  /** How long an interaction may wait for its first callback before its token dies. @defaultValue 3000 */
  interactionAckTimeoutMs?: number;
}

/** One REST call as the simulator received it. */
export interface RecordedDiscordRequest {
  method: string;
  /** Decoded path after `/api/v10` (`/webhooks/1/tok/messages/@original`). */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined. */
  body: unknown;
  /** Status the simulator answered with. */
  status: number;
  /** `Date.now()` when the request arrived. */
  at: number;
}

/** Options of {@link DiscordSimulator.waitForRequest}. */
export interface WaitForRequestOptions {
  /** @defaultValue 5000 */
  timeoutMs?: number;
  /** Index in `requests` to start from: requests recorded before it are not considered. @defaultValue 0 */
  since?: number;
}

/** A slash command option value; the option type follows from the JS type. */
export type InteractionOptionValue = string | number | boolean;

/** Who sends an interaction, and where. */
export interface InteractionInput {
  user: SimulatedUser;
  channelId: string;
  guildId?: string;
  /** The bot's permissions in the channel, as a bitfield string. @defaultValue '8' (Administrator) */
  appPermissions?: string;
  /** The user's permissions in the channel, as a bitfield string. @defaultValue '0' */
  memberPermissions?: string;
}

/** A slash command use: its name, options, and the subcommand (and group) they belong to. */
export interface CommandInteractionInput extends InteractionInput {
  name: string;
  subcommandGroup?: string;
  subcommand?: string;
  options?: Record<string, InteractionOptionValue>;
}

/** State of one interaction, for assertions. */
export interface SimulatedInteraction {
  id: string;
  token: string;
  channelId: string;
  guildId: string | undefined;
  createdAt: number;
  /** 4 replied, 5 deferred, 6/7 a component's message deferred/updated, 8 autocomplete answered; undefined while unacknowledged. */
  callbackType: number | undefined;
  ephemeral: boolean;
  original: Json | undefined;
  followUps: Json[];
  /** The choices an autocomplete answer (callback type 8) offered. */
  choices: Json[] | undefined;
}

/** One successful IDENTIFY on the gateway, for assertions about sharding. */
export interface RecordedIdentify {
  /** `[shard_id, num_shards]` as the client sent it (`[0, 1]` when it sent none). */
  shard: [id: number, count: number];
  /** `Date.now()` when READY was sent. */
  at: number;
}

/** A running simulator of the Discord REST API and gateway on 127.0.0.1. */
export interface DiscordSimulator {
  /** Pass as `rest: { api }` to discord.js (`http://127.0.0.1:PORT/api`). */
  readonly apiUrl: string;
  /** Every REST call, in order of arrival. */
  readonly requests: RecordedDiscordRequest[];
  /** Open gateway WebSocket connections. */
  readonly gatewayConnections: number;
  /** Every accepted IDENTIFY, in order: which shards connected. */
  readonly identifies: RecordedIdentify[];
  /** Messages stored in a channel, oldest first. */
  channelMessages(channelId: string): Json[];
  interaction(token: string): SimulatedInteraction | undefined;
  /** A user posts a message: MESSAGE_CREATE. `mentions` is what Discord parses from `<@id>` in the text. */
  sendMessage(input: {
    channelId: string;
    content: string;
    author: SimulatedUser;
    mentions?: SimulatedUser[];
    guildId?: string;
    webhookId?: string;
  }): Json;
  /**
   * A user writes to the bot in a DM: MESSAGE_CREATE without a guild, in a DM channel made for that user
   * on first use (the bot needs the DirectMessages intent and the Channel partial to see it). Returns the
   * message; its `channel_id` is the DM channel, for `channelMessages`.
   */
  sendDirectMessage(input: { content: string; author: SimulatedUser }): Json;
  /** A thread appears: THREAD_CREATE. Without it discord.js drops messages sent in the thread. */
  createThread(input: { parentId: string; name?: string; ownerId?: string; id?: string }): Json;
  /** A user runs a slash command: INTERACTION_CREATE type 2. */
  sendInteraction(input: CommandInteractionInput): { id: string; token: string };
  /**
   * A user types in a command option that has autocomplete: INTERACTION_CREATE type 4, with `focused` on
   * that option. The bot's choices are kept on the interaction (`choices`).
   */
  sendAutocomplete(input: CommandInteractionInput & { focused: string }): { id: string; token: string };
  /**
   * A user clicks a button (or uses another component) of `message`, a message as the simulator stored it
   * (from `channelMessages` or an interaction's `original`/`followUps`): INTERACTION_CREATE type 3.
   */
  sendComponentInteraction(
    input: Omit<InteractionInput, 'channelId'> & { message: Json; customId: string; componentType?: number },
  ): { id: string; token: string };
  /** Resolves with the first matching request (already recorded or still to come), or rejects after the timeout. */
  waitForRequest(
    predicate: (request: RecordedDiscordRequest) => boolean,
    options?: number | WaitForRequestOptions,
  ): Promise<RecordedDiscordRequest>;
  /** Answers the next matching request with a 429 and rate-limit headers, once. */
  rateLimitNext(
    predicate: (request: RecordedDiscordRequest) => boolean,
    options?: { retryAfter?: number; global?: boolean },
  ): void;
  /**
   * Answers the next matching request with an error status, once or `times` times in a row (a Discord
   * blip: 503s that outlast discord.js's own immediate retries).
   */
  failNext(
    predicate: (request: RecordedDiscordRequest) => boolean,
    options?: { status?: number; code?: number; message?: string; times?: number },
  ): void;
  /**
   * Answers the next matching request normally but with rate-limit headers saying its bucket is spent
   * for `resetAfter` seconds: discord.js then holds the next request of that bucket by itself (its
   * `rateLimited` event) without any 429, as with Discord's normal per-route limits.
   */
  exhaustBucketNext(
    predicate: (request: RecordedDiscordRequest) => boolean,
    options?: { resetAfter?: number },
  ): void;
  /**
   * Closes the connection of the next matching request (`times` of them) without answering, as a dropped
   * keep-alive connection does: the client sees a socket error, not a status. The request is recorded
   * with status 0 and not carried out, unless `afterHandling` is set: then it is carried out and only the
   * response is lost (the client cannot tell which happened).
   */
  dropNext(
    predicate: (request: RecordedDiscordRequest) => boolean,
    options?: { times?: number; afterHandling?: boolean },
  ): void;
  close(): Promise<void>;
}

interface ChannelRecord {
  channel: SimulatedChannel;
  guildId: string;
}

interface Waiter {
  predicate: (request: RecordedDiscordRequest) => boolean;
  since: number;
  resolve: (request: RecordedDiscordRequest) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Maps JS values to Discord option types: string 3, integer 4, boolean 5, number 10. */
function optionType(value: InteractionOptionValue): number {
  if (typeof value === 'string') return 3;
  if (typeof value === 'boolean') return 5;
  return Number.isInteger(value) ? 4 : 10;
}

/**
 * Starts a Discord simulator on an ephemeral port of 127.0.0.1: HTTP API under `/api/v10` and the gateway
 * WebSocket at `/gateway`, on one port. A real discord.js `Client` connects to it when created with
 * `rest: { api: simulator.apiUrl }` and `waitGuildTimeout: 0`.
 *
 * @example
 * const simulator = await startDiscordSimulator({ token, applicationId, botUser, guilds });
 * const client = new Client({ intents, rest: { api: simulator.apiUrl }, waitGuildTimeout: 0 });
 */
export async function startDiscordSimulator(options: DiscordSimulatorOptions): Promise<DiscordSimulator> {
  const guilds = options.guilds ?? [];
  const channels = new Map<string, ChannelRecord>();
  const messages = new Map<string, Json[]>();
  const interactions = new Map<string, SimulatedInteraction>();
  const requests: RecordedDiscordRequest[] = [];
  const identifies: RecordedIdentify[] = [];
  const waiters = new Set<Waiter>();
  /**
   * Answers forced by `failNext`, `rateLimitNext`, `exhaustBucketNext` and `dropNext`: `'drop'` closes the
   * connection unanswered, `'drop-after'` carries the request out first, `{ addHeaders }` carries it out
   * and adds headers to the answer.
   */
  const forced: Array<{
    predicate: (request: RecordedDiscordRequest) => boolean;
    reply: () => Reply | 'drop' | 'drop-after' | { addHeaders: Record<string, string> };
  }> = [];
  for (const guild of guilds) {
    for (const channel of guild.channels) channels.set(channel.id, { channel, guildId: guild.id });
  }

  let port = 0;
  const gateway = new SimulatedGateway({
    token: options.token,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    onIdentify: (shardId, shardCount, sessionId) => {
      identifies.push({ shard: [shardId, shardCount], at: Date.now() });
      const own = guilds.filter((guild) => guildShard(guild.id, shardCount) === shardId);
      const ready: Json = {
        v: 10,
        user: {
          ...userPayload({ ...options.botUser, bot: true }),
          verified: true,
          mfa_enabled: false,
          flags: 0,
        },
        guilds: own.map((guild) => ({ id: guild.id, unavailable: true })),
        session_id: sessionId,
        resume_gateway_url: `ws://127.0.0.1:${port}/gateway`,
        shard: [shardId, shardCount],
        application: { id: options.applicationId, flags: 0 },
      };
      return [
        { event: 'READY', data: ready },
        ...own.map((guild) => ({ event: 'GUILD_CREATE', data: guildPayload(guild) })),
      ];
    },
  });

  function guildPayload(guild: SimulatedGuild): Json {
    const inGuild = [...channels.values()].filter((record) => record.guildId === guild.id);
    const isThread = (record: ChannelRecord) => record.channel.type === 11 || record.channel.type === 12;
    return {
      id: guild.id,
      name: guild.name ?? `guild-${guild.id.slice(-4)}`,
      icon: null,
      owner_id: options.botUser.id,
      unavailable: false,
      large: false,
      joined_at: new Date().toISOString(),
      member_count: 1,
      features: [],
      emojis: [],
      stickers: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      // An @everyone role with Administrator, so permission checks in the bot pass as on a well-set-up server.
      roles: [
        {
          id: guild.id,
          name: '@everyone',
          permissions: '8',
          position: 0,
          color: 0,
          hoist: false,
          managed: false,
          mentionable: false,
          flags: 0,
        },
      ],
      members: [
        {
          user: userPayload({ ...options.botUser, bot: true }),
          roles: [],
          joined_at: new Date().toISOString(),
          deaf: false,
          mute: false,
          flags: 0,
        },
      ],
      channels: inGuild
        .filter((record) => !isThread(record))
        .map((record) => channelPayload(record.channel, guild.id)),
      threads: inGuild.filter(isThread).map((record) => channelPayload(record.channel, guild.id)),
    };
  }

  function storeMessage(message: Json, guildId: string | undefined): Json {
    const channelId = message.channel_id as string;
    const list = messages.get(channelId) ?? [];
    list.push(message);
    messages.set(channelId, list);
    gateway.dispatch('MESSAGE_CREATE', message, guildId);
    return message;
  }

  function addThread(thread: SimulatedChannel, guildId: string): Json {
    channels.set(thread.id, { channel: thread, guildId });
    const payload = { ...channelPayload(thread, guildId), newly_created: true };
    gateway.dispatch('THREAD_CREATE', payload, guildId);
    return payload;
  }

  const botUser: SimulatedUser = { ...options.botUser, bot: true };
  const route = createRouter({
    token: options.token,
    applicationId: options.applicationId,
    botUser,
    gatewayUrl: () => `ws://127.0.0.1:${port}/gateway`,
    shards: options.shards ?? 1,
    interactionAckTimeoutMs: options.interactionAckTimeoutMs ?? 3000,
    channels,
    messages,
    interactions,
    storeMessage,
    addThread,
    validate: validateMessageBody,
  });

  function record(request: RecordedDiscordRequest): void {
    requests.push(request);
    const index = requests.length - 1;
    for (const waiter of waiters) {
      if (index >= waiter.since && waiter.predicate(request)) {
        clearTimeout(waiter.timer);
        waiters.delete(waiter);
        waiter.resolve(request);
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body =
        text.length > 0 && String(req.headers['content-type']).includes('json')
          ? JSON.parse(text)
          : undefined;
    } catch {
      body = undefined;
    }
    const apiPath = /^\/api(?:\/v\d+)?(\/.*)$/.exec(url.pathname)?.[1] ?? url.pathname;
    let path: string;
    try {
      path = apiPath.split('/').map(decodeURIComponent).join('/');
    } catch {
      path = apiPath;
    }
    const request: RecordedDiscordRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      status: 0,
      at: Date.now(),
    };
    const forcedIndex = forced.findIndex((rule) => rule.predicate(request));
    const forcedReply = forcedIndex >= 0 ? forced[forcedIndex]!.reply() : undefined;
    if (forcedIndex >= 0) forced.splice(forcedIndex, 1);
    const routed = () =>
      route({ method: request.method, path, query: request.query, headers: req.headers, body });
    if (forcedReply === 'drop' || forcedReply === 'drop-after') {
      if (forcedReply === 'drop-after') routed();
      record(request);
      res.socket?.destroy();
      return;
    }
    let reply: Reply;
    if (forcedReply === undefined) reply = routed();
    else if ('addHeaders' in forcedReply) {
      const answer = routed();
      reply = { ...answer, headers: { ...answer.headers, ...forcedReply.addHeaders } };
    } else reply = forcedReply;
    request.status = reply.status;
    record(request);
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== undefined) headers['content-type'] = 'application/json';
    res.writeHead(reply.status, headers);
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `simulator error: ${String(error)}`, code: 0 }));
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname === '/gateway')
      gateway.upgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  function channelGuild(channelId: string, guildId: string | undefined): string | undefined {
    return guildId ?? (channels.get(channelId)?.guildId || undefined);
  }

  /** The `data` of a slash command interaction; `focused` marks the option being typed (autocomplete). */
  function commandData(input: CommandInteractionInput, focused?: string): Json {
    const guildId = channelGuild(input.channelId, input.guildId);
    return {
      id: route.commandId(input.name, guildId),
      name: input.name,
      type: 1,
      options: commandOptions(input, focused),
    };
  }

  /** A slash command's options as Discord sends them: under its subcommand (and group) when it has one. */
  function commandOptions(input: CommandInteractionInput, focused?: string): Json[] {
    let options: Json[] = Object.entries(input.options ?? {}).map(([name, value]) => ({
      name,
      type: optionType(value),
      value,
      ...(name === focused ? { focused: true } : {}),
    }));
    if (input.subcommand) options = [{ name: input.subcommand, type: 1, options }];
    if (input.subcommandGroup) options = [{ name: input.subcommandGroup, type: 2, options }];
    return options;
  }

  /** Records an interaction and sends INTERACTION_CREATE: `type` 2 command, 3 component, 4 autocomplete. */
  function dispatchInteraction(input: InteractionInput, type: number, data: Json, extra: Json = {}) {
    const guildId = channelGuild(input.channelId, input.guildId);
    const channel = channels.get(input.channelId)?.channel;
    const id = snowflake();
    const token = `interaction-token-${id}`;
    interactions.set(token, {
      id,
      token,
      channelId: input.channelId,
      guildId,
      createdAt: Date.now(),
      callbackType: undefined,
      ephemeral: false,
      original: undefined,
      followUps: [],
      choices: undefined,
    });
    const user = userPayload(input.user);
    const payload: Json = {
      id,
      application_id: options.applicationId,
      type,
      token,
      version: 1,
      data,
      channel_id: input.channelId,
      channel: channel ? channelPayload(channel, guildId ?? '') : { id: input.channelId, type: 0 },
      app_permissions: input.appPermissions ?? '8',
      locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: guildId ? { '0': guildId } : { '1': input.user.id },
      context: guildId ? 0 : 1,
      attachment_size_limit: 10_485_760,
      ...extra,
    };
    if (guildId !== undefined) {
      payload.guild_id = guildId;
      payload.guild_locale = 'en-US';
      payload.member = {
        user,
        roles: [],
        permissions: input.memberPermissions ?? '0',
        joined_at: new Date().toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      };
    } else {
      payload.user = user;
    }
    gateway.dispatch('INTERACTION_CREATE', payload, guildId);
    return { id, token };
  }

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    requests,
    identifies,
    get gatewayConnections() {
      return gateway.connections;
    },
    channelMessages: (channelId) => [...(messages.get(channelId) ?? [])],
    interaction: (token) => interactions.get(token),
    sendMessage(input) {
      const guildId = channelGuild(input.channelId, input.guildId);
      const init = { channelId: input.channelId, guildId, author: input.author, content: input.content };
      const message = messagePayload({
        ...init,
        ...(input.mentions ? { mentions: input.mentions } : {}),
        ...(input.webhookId ? { webhookId: input.webhookId } : {}),
      });
      if (guildId !== undefined && !input.webhookId) {
        message.member = {
          roles: [],
          joined_at: new Date().toISOString(),
          deaf: false,
          mute: false,
          flags: 0,
        };
      }
      return storeMessage(message, guildId);
    },
    sendDirectMessage(input) {
      let dm = [...channels.values()].find(
        (record) => record.channel.type === 1 && record.channel.recipient?.id === input.author.id,
      );
      if (!dm) {
        dm = { channel: { id: snowflake(), type: 1, recipient: input.author }, guildId: '' };
        channels.set(dm.channel.id, dm);
      }
      const message = messagePayload({
        channelId: dm.channel.id,
        guildId: undefined,
        author: input.author,
        content: input.content,
      });
      // Discord names the channel type on DM messages: discord.js needs it to build the uncached channel.
      message.channel_type = 1;
      return storeMessage(message, undefined);
    },
    createThread(input) {
      const guildId = channels.get(input.parentId)?.guildId;
      if (guildId === undefined) throw new Error(`createThread: unknown parent channel ${input.parentId}`);
      const thread: SimulatedChannel = {
        id: input.id ?? snowflake(),
        type: 11,
        parentId: input.parentId,
        name: input.name ?? 'thread',
        ownerId: input.ownerId ?? options.botUser.id,
      };
      return addThread(thread, guildId);
    },
    sendInteraction(input) {
      return dispatchInteraction(input, 2, commandData(input));
    },
    sendAutocomplete(input) {
      return dispatchInteraction(input, 4, commandData(input, input.focused));
    },
    sendComponentInteraction(input) {
      return dispatchInteraction(
        { ...input, channelId: input.message.channel_id as string },
        3,
        { custom_id: input.customId, component_type: input.componentType ?? 2 },
        { message: input.message },
      );
    },
    waitForRequest(predicate, waitOptions) {
      const { timeoutMs = 5000, since = 0 } =
        typeof waitOptions === 'number' ? { timeoutMs: waitOptions } : (waitOptions ?? {});
      const found = requests.slice(since).find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          since,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            const seen = requests
              .map((request) => `${request.method} ${request.path} ${request.status}`)
              .join('\n  ');
            reject(new Error(`waitForRequest: no matching request within ${timeoutMs} ms; seen:\n  ${seen}`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    rateLimitNext(predicate, { retryAfter = 0.05, global = false } = {}) {
      forced.push({
        predicate,
        reply: () => ({
          status: 429,
          // Discord sends whole seconds in Retry-After and the exact value in the body; the simulator sends
          // the exact value in both so tests wait milliseconds, and discord.js reads either.
          headers: {
            'retry-after': String(retryAfter),
            'x-ratelimit-limit': '5',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Date.now() / 1000 + retryAfter),
            'x-ratelimit-reset-after': String(retryAfter),
            'x-ratelimit-bucket': 'simulated-bucket',
            'x-ratelimit-scope': global ? 'global' : 'user',
            ...(global ? { 'x-ratelimit-global': 'true' } : {}),
          },
          body: { message: 'You are being rate limited.', retry_after: retryAfter, global },
        }),
      });
    },
    failNext(predicate, { status = 500, code = 0, message = 'Internal Server Error', times = 1 } = {}) {
      for (let index = 0; index < times; index += 1)
        forced.push({ predicate, reply: () => ({ status, body: { message, code } }) });
    },
    exhaustBucketNext(predicate, { resetAfter = 0.1 } = {}) {
      const addHeaders = {
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Date.now() / 1000 + resetAfter),
        'x-ratelimit-reset-after': String(resetAfter),
        // No bucket id: discord.js would move the route to a new handler for it, one that knows no limit.
      };
      forced.push({ predicate, reply: () => ({ addHeaders }) });
    },
    dropNext(predicate, { times = 1, afterHandling = false } = {}) {
      const reply = afterHandling ? ('drop-after' as const) : ('drop' as const);
      for (let index = 0; index < times; index += 1) forced.push({ predicate, reply: () => reply });
    },
    async close() {
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error('waitForRequest: simulator closed'));
      }
      waiters.clear();
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
