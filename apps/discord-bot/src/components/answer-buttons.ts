import { type ButtonInteraction, MessageFlags } from 'discord.js';
import type { Logger } from 'pino';
import { type BotContext, NO_MENTIONS } from '../bot-context.js';
import { type StoredAnswer, storedAnswer } from '../feedback/answer-store.js';
import { feedbackRecord } from '../feedback/feedback-log.js';
import { answerButtons, fullSources, parseAnswerButton } from '../format/answer-buttons.js';
import type { ReplyMessage } from '../format/answer-reply.js';
import { ANSWER_EXPIRED, FEEDBACK_THANKS } from '../format/notices.js';
import type { AskResult } from '../qa-service.js';

/**
 * Keeps the answer for its buttons and puts them under its last message. When the answer cannot be kept
 * (a full disk), it is delivered without buttons rather than not at all.
 */
export async function attachAnswerButtons(
  context: Pick<BotContext, 'answers'>,
  logger: Logger,
  messages: ReplyMessage[],
  result: AskResult,
  where: Parameters<typeof storedAnswer>[1],
): Promise<ReplyMessage[]> {
  const last = messages.at(-1);
  if (!last) return messages;
  try {
    await context.answers.save(storedAnswer(result, where));
  } catch (error) {
    logger.warn({ err: error }, 'could not keep the answer for its buttons; sending it without them');
    return messages;
  }
  const sources = !result.abstained && result.citations.length > 0;
  return [...messages.slice(0, -1), { ...last, components: [answerButtons(where.id, { sources })] }];
}

/** True for a click this module handles. */
export function isAnswerButton(interaction: ButtonInteraction): boolean {
  return parseAnswerButton(interaction.customId) !== undefined;
}

/**
 * A click on an answer's button, answered ephemerally: "Sources" with the full quotes, "Helpful" / "Not
 * helpful" by appending the vote, with the question, answer and citations, to `feedback.jsonl`.
 */
export async function execute(interaction: ButtonInteraction, context: BotContext): Promise<void> {
  const parsed = parseAnswerButton(interaction.customId);
  if (!parsed) return;
  const ephemeral = { flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS } as const;
  const answer: StoredAnswer | undefined = await context.answers.load(parsed.answerId);
  if (!answer) return void (await interaction.reply({ content: ANSWER_EXPIRED, ...ephemeral }));
  if (parsed.action === 'sources') {
    const [first, ...rest] = fullSources(answer.citations);
    await interaction.reply({ content: first ?? 'This answer cites no sources.', ...ephemeral });
    for (const content of rest) await interaction.followUp({ content, ...ephemeral });
    return;
  }
  const rating = parsed.action === 'helpful' ? 'helpful' : 'not_helpful';
  await context.feedback.append(feedbackRecord(answer, rating, interaction.user.id));
  context.metrics.feedback.inc({ rating });
  context.logger.info({ answerId: answer.id, rating }, 'feedback');
  await interaction.reply({ content: FEEDBACK_THANKS, ...ephemeral });
}
