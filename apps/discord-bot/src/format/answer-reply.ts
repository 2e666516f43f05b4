import {
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  escapeMarkdown,
} from 'discord.js';
import type { AskResult } from '../qa-service.js';
import { FALLBACK_NOTE, NO_ANSWER } from './notices.js';
import { sourcesEmbed } from './sources-embed.js';
import { splitMessage } from './split-message.js';

/** One Discord message of an answer. */
export interface ReplyMessage {
  content: string;
  embeds: APIEmbed[];
  /** The answer's buttons, on its last message. */
  components?: APIActionRowComponent<APIButtonComponent>[];
}

/**
 * Turns an answer into the messages to send: the text split into valid messages, a note when the offline
 * answerer stood in for a failed LLM, and the sources embed on the last message (so it follows the text
 * that cites it). Pure: delivery is the caller's business.
 */
export function formatAnswer(result: AskResult): ReplyMessage[] {
  const sentence = result.answer.trim() || NO_ANSWER;
  // The short answer leads in bold; the sentence it was read from follows as the cited evidence.
  const short = result.shortAnswer?.trim();
  const answer = short && !result.abstained ? `**${escapeMarkdown(short)}**\n${sentence}` : sentence;
  const fellBack = result.answerer === 'extractive' && result.fallbackReason !== undefined;
  // `-# ` renders as Discord's small grey subtext: visible, but clearly not part of the answer.
  const text = fellBack ? `${answer}\n\n-# ${FALLBACK_NOTE}` : answer;
  const messages: ReplyMessage[] = splitMessage(text).map((content) => ({ content, embeds: [] }));
  const embed = result.abstained ? undefined : sourcesEmbed(result.citations);
  const last = messages.at(-1);
  if (embed && last) last.embeds.push(embed);
  return messages;
}
