/**
 * Builders for the Discord API objects the simulator sends and returns. Field names follow the Discord
 * API v10 (snake_case) because discord.js parses them as-is; fields discord.js reads without a guard are
 * always present, or it drops the event silently.
 */

/** A Discord user as the simulator knows it. */
export interface SimulatedUser {
  id: string;
  username: string;
  /** True for bot accounts (the bot itself, other bots). @defaultValue false */
  bot?: boolean;
  globalName?: string;
}

/** A guild text channel (type 0), thread (type 11 public, 12 private) or DM channel (type 1). */
export interface SimulatedChannel {
  id: string;
  name?: string;
  /** @defaultValue 0 (guild text) */
  type?: number;
  /** The other user of a DM channel. */
  recipient?: SimulatedUser;
  /** Parent text channel, for threads. */
  parentId?: string;
  /** Creator of a thread. */
  ownerId?: string;
}

/** A guild the bot is in, sent in GUILD_CREATE after READY. */
export interface SimulatedGuild {
  id: string;
  name?: string;
  channels: SimulatedChannel[];
}

/** A JSON object as it travels over the wire. */
export type Json = Record<string, unknown>;

/** Discord's epoch (2015-01-01), the zero of snowflake timestamps. */
const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/**
 * A fresh snowflake with the current time: discord.js derives `createdTimestamp` from ids and sorts
 * fetched messages by them, so ids must be real snowflakes, not counters.
 */
export function snowflake(now = Date.now()): string {
  increment = (increment + 1n) % 4096n;
  return (((BigInt(now) - DISCORD_EPOCH) << 22n) | increment).toString();
}

/** The API user object. */
export function userPayload(user: SimulatedUser): Json {
  return {
    id: user.id,
    username: user.username,
    global_name: user.globalName ?? null,
    discriminator: '0',
    avatar: null,
    bot: user.bot ?? false,
  };
}

/** The API channel object; threads get the metadata discord.js reads. */
export function channelPayload(channel: SimulatedChannel, guildId: string): Json {
  const type = channel.type ?? 0;
  if (type === 1) {
    return {
      id: channel.id,
      type,
      last_message_id: null,
      recipients: channel.recipient ? [userPayload(channel.recipient)] : [],
    };
  }
  const base: Json = {
    id: channel.id,
    type,
    guild_id: guildId,
    name: channel.name ?? `channel-${channel.id.slice(-4)}`,
    position: 0,
    permission_overwrites: [],
    nsfw: false,
    last_message_id: null,
  };
  if (type === 11 || type === 12) {
    return {
      ...base,
      parent_id: channel.parentId ?? null,
      owner_id: channel.ownerId ?? null,
      message_count: 0,
      member_count: 1,
      rate_limit_per_user: 0,
      thread_metadata: {
        archived: false,
        auto_archive_duration: 1440,
        archive_timestamp: new Date().toISOString(),
        locked: false,
      },
    };
  }
  return { ...base, topic: null, rate_limit_per_user: 0, parent_id: null };
}

/** What a stored message is built from. */
export interface MessageInit {
  channelId: string;
  guildId: string | undefined;
  author: SimulatedUser;
  content: string;
  mentions?: readonly SimulatedUser[];
  embeds?: unknown[];
  components?: unknown[];
  /** Message this one replies to. */
  referenceId?: string;
  webhookId?: string;
  /** 0 default, 19 reply, 20 slash command response. */
  type?: number;
  flags?: number;
}

/** The API message object. */
export function messagePayload(init: MessageInit): Json {
  const message: Json = {
    id: snowflake(),
    type: init.type ?? (init.referenceId === undefined ? 0 : 19),
    channel_id: init.channelId,
    author: userPayload(init.author),
    content: init.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: (init.mentions ?? []).map(userPayload),
    mention_roles: [],
    attachments: [],
    embeds: init.embeds ?? [],
    components: init.components ?? [],
    pinned: false,
    flags: init.flags ?? 0,
  };
  if (init.guildId !== undefined) message.guild_id = init.guildId;
  if (init.webhookId !== undefined) message.webhook_id = init.webhookId;
  if (init.referenceId !== undefined) {
    message.message_reference = {
      type: 0,
      message_id: init.referenceId,
      channel_id: init.channelId,
      guild_id: init.guildId,
    };
  }
  return message;
}

/** Discord's length limits on one message (https://discord.com/developers/docs/resources/message). */
const MESSAGE_LIMITS = {
  content: 2000,
  embeds: 10,
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  authorName: 256,
} as const;

/**
 * Checks a message body against Discord's limits and returns the `errors` tree of a 50035 "Invalid Form
 * Body" answer, or undefined when the body is valid. discord.js does not check these itself.
 */
export function validateMessageBody(body: Json): Json | undefined {
  const errors: Json = {};
  const tooLong = (max: number) => ({
    _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` }],
  });
  if (typeof body.content === 'string' && body.content.length > MESSAGE_LIMITS.content) {
    errors.content = tooLong(MESSAGE_LIMITS.content);
  }
  const embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
  if (embeds.length > MESSAGE_LIMITS.embeds) errors.embeds = tooLong(MESSAGE_LIMITS.embeds);
  let total = 0;
  const embedErrors: Json = {};
  embeds.forEach((embed, index) => {
    const problems: Json = {};
    const check = (name: string, value: unknown, max: number, into: Json = problems) => {
      if (typeof value !== 'string') return;
      total += value.length;
      if (value.length > max) into[name] = tooLong(max);
    };
    check('title', embed.title, MESSAGE_LIMITS.title);
    check('description', embed.description, MESSAGE_LIMITS.description);
    check('footer', (embed.footer as Json | undefined)?.text, MESSAGE_LIMITS.footer);
    check('author', (embed.author as Json | undefined)?.name, MESSAGE_LIMITS.authorName);
    const fields = Array.isArray(embed.fields) ? (embed.fields as Json[]) : [];
    if (fields.length > MESSAGE_LIMITS.fields) problems.fields = tooLong(MESSAGE_LIMITS.fields);
    fields.forEach((field, fieldIndex) => {
      const fieldProblems: Json = {};
      check('name', field.name, MESSAGE_LIMITS.fieldName, fieldProblems);
      check('value', field.value, MESSAGE_LIMITS.fieldValue, fieldProblems);
      if (field.value === '' || field.name === '') {
        fieldProblems.value = {
          _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }],
        };
      }
      if (Object.keys(fieldProblems).length > 0) problems[`fields.${fieldIndex}`] = fieldProblems;
    });
    if (Object.keys(problems).length > 0) embedErrors[String(index)] = problems;
  });
  const rows = Array.isArray(body.components) ? (body.components as Json[]) : [];
  const componentErrors: Json = {};
  if (rows.length > 5) errors.components = tooLong(5);
  rows.forEach((row, rowIndex) => {
    const children = Array.isArray(row.components) ? (row.components as Json[]) : [];
    if (row.type !== 1 || children.length === 0 || children.length > 5) {
      componentErrors[String(rowIndex)] = {
        _errors: [
          { code: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', message: 'An action row holds 1 to 5 components.' },
        ],
      };
      return;
    }
    children.forEach((child, childIndex) => {
      const problems: Json = {};
      if (typeof child.custom_id === 'string' && child.custom_id.length > 100)
        problems.custom_id = tooLong(100);
      if (typeof child.label === 'string' && child.label.length > 80) problems.label = tooLong(80);
      if (child.type === 2 && child.style !== 5 && typeof child.custom_id !== 'string')
        problems.custom_id = { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] };
      if (Object.keys(problems).length > 0)
        componentErrors[`${rowIndex}.components.${childIndex}`] = problems;
    });
  });
  if (Object.keys(componentErrors).length > 0 && errors.components === undefined)
    errors.components = componentErrors;
  if (total > MESSAGE_LIMITS.embedTotal) {
    errors.embeds = {
      _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }],
    };
  } else if (Object.keys(embedErrors).length > 0) {
    errors.embeds = embedErrors;
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}
