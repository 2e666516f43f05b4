import type { AnyThreadChannel, Message } from 'discord.js';
import { questionFromMention } from '../format/question-text.js';
import type { ChatMessage } from '../qa-service.js';

/** Options of {@link threadHistory}. */
export interface ThreadHistoryOptions {
  /** The bot's user id: its messages are the assistant's turns. */
  botId: string;
  /** History ends before this message (the follow-up being answered). */
  before: string;
  /** Messages fetched from the thread. @defaultValue 30 */
  fetchLimit?: number;
  /** Turns kept, newest last. @defaultValue 10 */
  maxTurns?: number;
}

/**
 * The conversation of a bot-owned thread, oldest first, read back from Discord: the question that opened
 * the thread (its starter message), then the thread's messages. Reading it from Discord rather than
 * keeping it in memory means follow-ups work after a restart and in every shard, and costs one or two
 * REST calls per follow-up. An answer the bot split over several messages becomes one assistant turn;
 * notes (`-# ` lines), embeds-only messages and other bots are left out.
 */
export async function threadHistory(
  thread: AnyThreadChannel,
  options: ThreadHistoryOptions,
): Promise<ChatMessage[]> {
  const fetched = await thread.messages.fetch({ limit: options.fetchLimit ?? 30, before: options.before });
  // A thread started from a message has that message's id; a missing starter (deleted) is not an error.
  const starter = await thread.fetchStarterMessage().catch(() => null);
  const ordered = [...fetched.values()].sort(
    (a, b) => a.createdTimestamp - b.createdTimestamp || a.id.localeCompare(b.id),
  );
  const turns: ChatMessage[] = [];
  for (const message of starter ? [starter, ...ordered] : ordered) {
    const turn = toTurn(message, options.botId);
    if (!turn) continue;
    const previous = turns.at(-1);
    if (previous?.role === turn.role) previous.content = `${previous.content}\n\n${turn.content}`;
    else turns.push(turn);
  }
  return turns.slice(-(options.maxTurns ?? 10));
}

function toTurn(message: Message, botId: string): ChatMessage | undefined {
  if (message.author.id === botId) {
    const content = message.content
      .split('\n')
      .filter((line) => !line.startsWith('-# '))
      .join('\n')
      .trim();
    return content ? { role: 'assistant', content } : undefined;
  }
  if (message.author.bot || message.webhookId) return undefined;
  const content = questionFromMention(message.content, botId);
  return content ? { role: 'user', content } : undefined;
}
