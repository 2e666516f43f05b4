import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';

/** Where the bot would answer: a thread, or a channel (where thread mode opens threads). */
export interface ChannelUse {
  threadMode: boolean;
  inThread: boolean;
}

/**
 * The permissions the bot needs in a channel, with the names Discord's settings show. Without View
 * Channel and Send Messages a mention cannot be answered at all; without Embed Links the sources are
 * missing; without Read Message History replies and thread follow-ups fail; thread mode needs the two
 * thread permissions.
 */
export function requiredPermissions(use: ChannelUse): ReadonlyArray<readonly [bigint, string]> {
  const needed: Array<readonly [bigint, string]> = [
    [PermissionFlagsBits.ViewChannel, 'View Channel'],
    use.inThread
      ? [PermissionFlagsBits.SendMessagesInThreads, 'Send Messages in Threads']
      : [PermissionFlagsBits.SendMessages, 'Send Messages'],
    [PermissionFlagsBits.EmbedLinks, 'Embed Links'],
    [PermissionFlagsBits.ReadMessageHistory, 'Read Message History'],
  ];
  if (use.threadMode && !use.inThread) {
    needed.push(
      [PermissionFlagsBits.CreatePublicThreads, 'Create Public Threads'],
      [PermissionFlagsBits.SendMessagesInThreads, 'Send Messages in Threads'],
    );
  }
  return needed;
}

/** The names of the permissions the bot lacks for `use`; empty when it has them all (or Administrator). */
export function missingPermissions(permissions: Readonly<PermissionsBitField>, use: ChannelUse): string[] {
  return requiredPermissions(use)
    .filter(([flag]) => !permissions.has(flag))
    .map(([, name]) => name);
}

/** True when the bot cannot post in the channel at all: nothing it says there would arrive. */
export function cannotPost(missing: readonly string[]): boolean {
  return missing.some((name) => name === 'View Channel' || name.startsWith('Send Messages'));
}

/**
 * Remembers when each channel's missing permissions were last pointed out, so users and logs hear it
 * once an hour per channel, not with every question. Bounded: the oldest entries go first.
 */
export class PermissionReminders {
  readonly #told = new Map<string, number>();
  readonly #intervalMs: number;
  readonly #now: () => number;

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.#intervalMs = options.intervalMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
  }

  /** True when the channel's problem should be pointed out now (and records that it was). */
  due(channelId: string): boolean {
    const now = this.#now();
    const last = this.#told.get(channelId);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    this.#told.delete(channelId);
    this.#told.set(channelId, now);
    if (this.#told.size > 10_000) this.#told.delete(this.#told.keys().next().value as string);
    return true;
  }
}
