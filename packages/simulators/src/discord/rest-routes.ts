import type { IncomingHttpHeaders } from 'node:http';
import type { SimulatedInteraction } from './discord-simulator.js';
import {
  channelPayload,
  type Json,
  messagePayload,
  type SimulatedChannel,
  type SimulatedUser,
  snowflake,
  userPayload,
} from './payloads.js';

/** A REST request after decoding, as routes see it. */
export interface RouteContext {
  method: string;
  /** Decoded path after `/api/v10`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** What a route answers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Simulator state the routes read and change. */
export interface RouterState {
  token: string;
  applicationId: string;
  botUser: SimulatedUser;
  gatewayUrl: () => string;
  shards: number;
  interactionAckTimeoutMs: number;
  /** Channels by id with their guild; a DM channel's guild is `''`. */
  channels: Map<string, { channel: SimulatedChannel; guildId: string }>;
  messages: Map<string, Json[]>;
  interactions: Map<string, SimulatedInteraction>;
  storeMessage(message: Json, guildId: string | undefined): Json;
  addThread(thread: SimulatedChannel, guildId: string): Json;
  validate(body: Json): Json | undefined;
}

type Params = Record<string, string>;
type Handler = (params: Params, context: RouteContext) => Reply;

/** Discord's JSON error body (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json). */
const error = (status: number, code: number, message: string, errors?: Json): Reply => ({
  status,
  body: errors ? { code, message, errors } : { code, message },
});
const ok = (body: unknown): Reply => ({ status: 200, body });
const noContent: Reply = { status: 204 };
const EPHEMERAL = 64;
const LOADING = 128;

/** The router: REST routes a bot uses, plus `commandId` for interactions of registered commands. */
export interface Router {
  (context: RouteContext): Reply;
  commandId(name: string, guildId: string | undefined): string;
}

/** Builds the REST routes over the simulator state. */
export function createRouter(state: RouterState): Router {
  /** Registered commands by scope ('global' or guild id), each keeping its id across re-registration. */
  const commands = new Map<string, Json[]>();
  const authorized = (context: RouteContext) => context.headers.authorization === `Bot ${state.token}`;

  function putCommands(scope: string, guildId: string | undefined, body: unknown): Reply {
    if (!Array.isArray(body)) return error(400, 50035, 'Invalid Form Body');
    const previous = commands.get(scope) ?? [];
    const stored: Json[] = [];
    for (const [index, command] of (body as Json[]).entries()) {
      const name = String(command.name ?? '');
      if (!/^[-_\p{Ll}\p{N}]{1,32}$/u.test(name) || String(command.description ?? 'x').length > 100) {
        return error(400, 50035, 'Invalid Form Body', {
          [index]: {
            name: {
              _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' }],
            },
          },
        });
      }
      const id = (previous.find((old) => old.name === name)?.id as string | undefined) ?? snowflake();
      stored.push({
        ...command,
        id,
        application_id: state.applicationId,
        version: snowflake(),
        type: command.type ?? 1,
        ...(guildId ? { guild_id: guildId } : {}),
      });
    }
    commands.set(scope, stored);
    return ok(stored);
  }

  function invalidBody(body: Json, creating: boolean): Reply | undefined {
    const errors = state.validate(body);
    if (errors) return error(400, 50035, 'Invalid Form Body', errors);
    const empty =
      !body.content &&
      !(Array.isArray(body.embeds) && body.embeds.length > 0) &&
      !(Array.isArray(body.components) && body.components.length > 0);
    return creating && empty ? error(400, 50006, 'Cannot send an empty message') : undefined;
  }

  /** The interaction behind a webhook route, once acknowledged; Discord rejects follow-ups before that. */
  function webhookInteraction(params: Params, requireAck: boolean): SimulatedInteraction | Reply {
    const interaction = state.interactions.get(params.token ?? '');
    if (
      params.app !== state.applicationId ||
      !interaction ||
      (requireAck && interaction.callbackType === undefined)
    ) {
      return error(404, 10015, 'Unknown Webhook');
    }
    return interaction;
  }

  function editMessage(message: Json, body: Json): Json {
    for (const key of ['content', 'embeds', 'components'] as const) if (key in body) message[key] = body[key];
    message.flags = Number(message.flags ?? 0) & ~LOADING;
    message.edited_timestamp = new Date().toISOString();
    return message;
  }

  const routes: Array<[string, string, Handler]> = [
    ['GET', '/gateway', () => ok({ url: state.gatewayUrl() })],
    [
      'GET',
      '/gateway/bot',
      () =>
        ok({
          url: state.gatewayUrl(),
          shards: state.shards,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
        }),
    ],
    ['GET', '/users/@me', () => ok(userPayload(state.botUser))],
    [
      'GET',
      '/applications/@me',
      () => ok({ id: state.applicationId, name: state.botUser.username, bot_public: true, flags: 0 }),
    ],
    [
      'PUT',
      '/applications/:app/commands',
      (_params, context) => putCommands('global', undefined, context.body),
    ],
    [
      'PUT',
      '/applications/:app/guilds/:guild/commands',
      (params, context) => putCommands(params.guild!, params.guild, context.body),
    ],
    ['GET', '/applications/:app/commands', () => ok(commands.get('global') ?? [])],
    ['GET', '/applications/:app/guilds/:guild/commands', (params) => ok(commands.get(params.guild!) ?? [])],
    [
      'GET',
      '/channels/:channel',
      (params) => {
        const record = state.channels.get(params.channel!);
        return record
          ? ok(channelPayload(record.channel, record.guildId))
          : error(404, 10003, 'Unknown Channel');
      },
    ],
    [
      'POST',
      '/channels/:channel/typing',
      (params) => (state.channels.has(params.channel!) ? noContent : error(404, 10003, 'Unknown Channel')),
    ],
    [
      'POST',
      '/channels/:channel/messages',
      (params, context) => {
        const record = state.channels.get(params.channel!);
        if (!record) return error(404, 10003, 'Unknown Channel');
        const body = (context.body ?? {}) as Json;
        const invalid = invalidBody(body, true);
        if (invalid) return invalid;
        // `enforce_nonce`: a second create with the same nonce (a retry of a request that did arrive)
        // returns the message already made instead of posting it twice.
        const nonce =
          typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : undefined;
        if (body.enforce_nonce === true && nonce !== undefined) {
          const earlier = state.messages
            .get(params.channel!)
            ?.find((message) => message.nonce === nonce && (message.author as Json).id === state.botUser.id);
          if (earlier) return ok(earlier);
        }
        const referenceId = (body.message_reference as Json | undefined)?.message_id as string | undefined;
        const guildId = record.guildId || undefined;
        const message = messagePayload({
          channelId: params.channel!,
          guildId,
          author: state.botUser,
          content: String(body.content ?? ''),
          embeds: (body.embeds as unknown[] | undefined) ?? [],
          components: (body.components as unknown[] | undefined) ?? [],
          ...(referenceId ? { referenceId } : {}),
        });
        // Kept for assertions: what the bot asked Discord to ping.
        message.allowed_mentions = body.allowed_mentions;
        if (nonce !== undefined) message.nonce = nonce;
        return ok(state.storeMessage(message, guildId));
      },
    ],
    [
      'GET',
      '/channels/:channel/messages',
      (params, context) => {
        if (!state.channels.has(params.channel!)) return error(404, 10003, 'Unknown Channel');
        const limit = Math.min(Number(context.query.limit ?? 50), 100);
        const before = context.query.before === undefined ? undefined : BigInt(context.query.before);
        const list = (state.messages.get(params.channel!) ?? []).filter(
          (message) => before === undefined || BigInt(message.id as string) < before,
        );
        return ok(list.slice(-limit).reverse());
      },
    ],
    [
      'GET',
      '/channels/:channel/messages/:message',
      (params) => {
        const message = state.messages
          .get(params.channel!)
          ?.find((candidate) => candidate.id === params.message);
        return message ? ok(message) : error(404, 10008, 'Unknown Message');
      },
    ],
    [
      'POST',
      '/channels/:channel/messages/:message/threads',
      (params, context) => {
        const record = state.channels.get(params.channel!);
        if (!record) return error(404, 10003, 'Unknown Channel');
        if (!state.messages.get(params.channel!)?.some((message) => message.id === params.message))
          return error(404, 10008, 'Unknown Message');
        // Discord gives a thread started from a message the message's id.
        if (state.channels.has(params.message!))
          return error(400, 160004, 'A thread has already been created for this message');
        const body = (context.body ?? {}) as Json;
        return ok(
          state.addThread(
            {
              id: params.message!,
              type: 11,
              parentId: params.channel!,
              name: String(body.name ?? 'thread'),
              ownerId: state.botUser.id,
            },
            record.guildId,
          ),
        );
      },
    ],
    [
      'POST',
      '/interactions/:id/:token/callback',
      (params, context) => {
        const interaction = state.interactions.get(params.token!);
        if (!interaction || interaction.id !== params.id) return error(404, 10062, 'Unknown interaction');
        if (interaction.callbackType !== undefined)
          return error(400, 40060, 'Interaction has already been acknowledged.');
        if (Date.now() - interaction.createdAt > state.interactionAckTimeoutMs)
          return error(404, 10062, 'Unknown interaction');
        const body = (context.body ?? {}) as Json;
        const data = (body.data ?? {}) as Json;
        const type = Number(body.type);
        if (type === 4) {
          const invalid = invalidBody(data, true);
          if (invalid) return invalid;
        } else if (type === 8) {
          const choices = Array.isArray(data.choices) ? (data.choices as Json[]) : [];
          // Discord's limits on autocomplete answers: 25 choices, names of 1-100 characters.
          const badName = choices.some((choice) => String(choice.name ?? '').length > 100 || !choice.name);
          if (choices.length > 25 || badName)
            return error(400, 50035, 'Invalid Form Body', {
              choices: {
                _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }],
              },
            });
          interaction.choices = choices;
        } else if (type !== 5 && type !== 6 && type !== 7) {
          return error(400, 50035, 'Invalid Form Body', {
            type: {
              _errors: [{ code: 'BASE_TYPE_CHOICES', message: 'Value must be one of (4, 5, 6, 7, 8).' }],
            },
          });
        }
        interaction.callbackType = type;
        interaction.ephemeral = (Number(data.flags ?? 0) & EPHEMERAL) !== 0;
        if (type === 4 || type === 5) {
          const original = messagePayload({
            channelId: interaction.channelId,
            guildId: interaction.guildId,
            author: state.botUser,
            content: type === 4 ? String(data.content ?? '') : '',
            embeds: type === 4 ? ((data.embeds as unknown[] | undefined) ?? []) : [],
            components: type === 4 ? ((data.components as unknown[] | undefined) ?? []) : [],
            webhookId: state.applicationId,
            type: 20,
            flags: (interaction.ephemeral ? EPHEMERAL : 0) | (type === 5 ? LOADING : 0),
          });
          original.allowed_mentions = data.allowed_mentions;
          interaction.original = interaction.ephemeral
            ? original
            : state.storeMessage(original, interaction.guildId);
        }
        if (context.query.with_response !== 'true') return noContent;
        return ok({
          interaction: {
            id: interaction.id,
            type: 2,
            response_message_id: interaction.original?.id,
            response_message_loading: type === 5,
            response_message_ephemeral: interaction.ephemeral,
          },
          resource: { type, ...(interaction.original ? { message: interaction.original } : {}) },
        });
      },
    ],
    [
      'GET',
      '/webhooks/:app/:token/messages/:message',
      (params) => {
        const found = webhookInteraction(params, true);
        if ('status' in found) return found;
        const message =
          params.message === '@original'
            ? found.original
            : found.followUps.find((candidate) => candidate.id === params.message);
        return message ? ok(message) : error(404, 10008, 'Unknown Message');
      },
    ],
    [
      'PATCH',
      '/webhooks/:app/:token/messages/:message',
      (params, context) => {
        const found = webhookInteraction(params, true);
        if ('status' in found) return found;
        const message =
          params.message === '@original'
            ? found.original
            : found.followUps.find((candidate) => candidate.id === params.message);
        if (!message) return error(404, 10008, 'Unknown Message');
        const body = (context.body ?? {}) as Json;
        const invalid = invalidBody(body, false);
        if (invalid) return invalid;
        message.allowed_mentions = body.allowed_mentions;
        return ok(editMessage(message, body));
      },
    ],
    [
      'DELETE',
      '/webhooks/:app/:token/messages/:message',
      (params) => {
        const found = webhookInteraction(params, true);
        if ('status' in found) return found;
        if (params.message === '@original') found.original = undefined;
        else found.followUps = found.followUps.filter((candidate) => candidate.id !== params.message);
        return noContent;
      },
    ],
    [
      'POST',
      '/webhooks/:app/:token',
      (params, context) => {
        const found = webhookInteraction(params, true);
        if ('status' in found) return found;
        const body = (context.body ?? {}) as Json;
        const invalid = invalidBody(body, true);
        if (invalid) return invalid;
        const ephemeral = (Number(body.flags ?? 0) & EPHEMERAL) !== 0;
        const message = messagePayload({
          channelId: found.channelId,
          guildId: found.guildId,
          author: state.botUser,
          content: String(body.content ?? ''),
          embeds: (body.embeds as unknown[] | undefined) ?? [],
          components: (body.components as unknown[] | undefined) ?? [],
          webhookId: state.applicationId,
          flags: ephemeral ? EPHEMERAL : 0,
        });
        message.allowed_mentions = body.allowed_mentions;
        found.followUps.push(ephemeral ? message : state.storeMessage(message, found.guildId));
        return context.query.wait === 'true' ? ok(message) : noContent;
      },
    ],
  ];

  const compiled = routes.map(([method, pattern, handler]) => ({
    method,
    segments: pattern.split('/'),
    handler,
  }));

  const router = ((context: RouteContext): Reply => {
    const segments = context.path.split('/');
    for (const route of compiled) {
      if (route.method !== context.method || route.segments.length !== segments.length) continue;
      const params: Params = {};
      const matches = route.segments.every((segment, index) => {
        const actual = segments[index] ?? '';
        if (segment.startsWith(':')) params[segment.slice(1)] = actual;
        return segment.startsWith(':') ? actual.length > 0 : segment === actual;
      });
      if (!matches) continue;
      // Interaction and webhook routes are authorized by their token in the path, not the bot token.
      const tokenRoute = context.path.startsWith('/interactions/') || context.path.startsWith('/webhooks/');
      if (!tokenRoute && !authorized(context)) return error(401, 0, '401: Unauthorized');
      return route.handler(params, context);
    }
    return error(404, 0, '404: Not Found');
  }) as Router;
  router.commandId = (name, guildId) =>
    ((guildId ? commands.get(guildId) : undefined)?.find((command) => command.name === name)?.id as
      | string
      | undefined) ??
    (commands.get('global')?.find((command) => command.name === name)?.id as string | undefined) ??
    snowflake();
  return router;
}
