import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { isAllowedChannel, NO_MENTIONS, recordAnswer, recordDelivered } from '../bot-context.js';
import { attachAnswerButtons } from '../components/answer-buttons.js';
import { QUESTION_LENGTH_CEILING } from '../config.js';
import { deliver } from '../delivery/deliver.js';
import { formatAnswer } from '../format/answer-reply.js';
import {
  channelNotAllowedNotice,
  GUILD_ONLY,
  helpText,
  missingPermissionsNotice,
  rejectionNotice,
} from '../format/notices.js';
import { ShutdownError } from '../limits/question-gate.js';
import { missingPermissions } from '../permissions/channel-permissions.js';
import type { Command } from './command.js';

/** `/ask question:` */
export const data = new SlashCommandBuilder()
  .setName('ask')
  .setDescription('Ask a question about the indexed articles')
  .setContexts(InteractionContextType.Guild)
  .addStringOption((option) =>
    option
      .setName('question')
      .setDescription('Your question')
      .setRequired(true)
      .setMaxLength(QUESTION_LENGTH_CEILING),
  );

/**
 * Defers at once (Discord allows 3 s for the first response, and a queued question can wait longer),
 * then edits the deferred reply with the first part of the answer and sends the rest as follow-ups.
 * Refusals are ephemeral and sent before deferring, so they never leave a public "thinking…" behind.
 */
export const execute: Command['execute'] = async (interaction, context) => {
  const { config, gate, qa, logger, metrics } = context;
  const acknowledged = () =>
    metrics.acknowledgementSeconds.observe((Date.now() - interaction.createdTimestamp) / 1000);
  const ephemeral = async (content: string) => {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    acknowledged();
  };
  if (!interaction.inGuild()) return void (await ephemeral(GUILD_ONLY));
  const channel = interaction.channel;
  const parentId = channel?.isThread() ? channel.parentId : null;
  if (!isAllowedChannel(config, interaction.channelId, parentId) && config.allowedChannels) {
    return void (await ephemeral(channelNotAllowedNotice(config.allowedChannels)));
  }
  const question = interaction.options.getString('question', true).trim();
  if (question === '') return void (await ephemeral(helpText(config)));

  metrics.questions.inc({ source: 'slash' });
  const admission = gate.admit({ userId: interaction.user.id, guildId: interaction.guildId, question });
  if (!admission.ok) {
    logger.info({ reason: admission.reason }, 'question refused');
    metrics.refusals.inc({ reason: admission.reason });
    return void (await ephemeral(rejectionNotice(admission)));
  }
  try {
    await interaction.deferReply();
    acknowledged();
    await admission.turn();
    const result = await qa.ask(question, { signal: admission.signal });
    recordAnswer(context, logger, result);
    const [first, ...rest] = await attachAnswerButtons(context, logger, formatAnswer(result), result, {
      id: interaction.id,
      question,
      guildId: interaction.guildId,
      channelId: interaction.channelId,
    });
    if (!first) throw new Error('formatAnswer returned no message');
    // A finished answer is not lost to a Discord blip: each part is tried again before any apology.
    const retry = {
      logger,
      retry: context.deliveryRetry,
      signal: admission.signal,
      onRetry: () => metrics.deliveryRetries.inc(),
    };
    await deliver(() => interaction.editReply({ ...first, allowedMentions: NO_MENTIONS }), {
      ...retry,
      what: 'answer',
    });
    for (const [index, message] of rest.entries()) {
      await deliver(() => interaction.followUp({ ...message, allowedMentions: NO_MENTIONS }), {
        ...retry,
        what: `answer part ${index + 2}`,
      });
    }
    recordDelivered(context, 'slash', interaction.createdTimestamp);
  } catch (error) {
    throw admission.signal.aborted ? new ShutdownError({ cause: error }) : error;
  } finally {
    admission.done();
  }
  await pointOutMissingPermissions(interaction, context);
};

/**
 * `/ask` works in any channel (interaction replies need no channel permissions), but mentions and
 * threads there do not when the bot lacks permissions: the asker is told, ephemerally, once an hour per
 * channel, and so is the log.
 */
async function pointOutMissingPermissions(
  interaction: Parameters<Command['execute']>[0],
  context: Parameters<Command['execute']>[1],
): Promise<void> {
  const channel = interaction.channel;
  const missing = missingPermissions(interaction.appPermissions, {
    threadMode: context.config.threadMode,
    inThread: channel?.isThread() ?? false,
  });
  if (missing.length === 0 || !context.permissionReminders.due(interaction.channelId)) return;
  context.logger.warn({ missing }, 'the bot lacks permissions in this channel');
  await interaction
    .followUp({
      content: missingPermissionsNotice(missing),
      flags: MessageFlags.Ephemeral,
      allowedMentions: NO_MENTIONS,
    })
    .catch((error: unknown) =>
      context.logger.warn({ err: error }, 'could not point out missing permissions'),
    );
}

/** The `/ask` command. */
export const ask: Command = { data, execute };
