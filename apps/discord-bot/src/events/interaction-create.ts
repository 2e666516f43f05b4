import { type ChatInputCommandInteraction, Events, type Interaction, MessageFlags } from 'discord.js';
import { type BotContext, forGuild, NO_MENTIONS } from '../bot-context.js';
import { commandsByName } from '../commands/index.js';
import * as answerButtons from '../components/answer-buttons.js';
import { APOLOGY, CANCELLED_BY_SHUTDOWN, UNKNOWN_COMMAND } from '../format/notices.js';
import { ShutdownError } from '../limits/question-gate.js';

/** The event this handler listens to. */
export const name = Events.InteractionCreate;

/**
 * Runs the slash command, with a child logger carrying the interaction id as request id. Nothing thrown
 * by a command escapes: the cause is logged and the user gets a short notice.
 */
export async function execute(context: BotContext, interaction: Interaction): Promise<void> {
  if (interaction.isButton() && answerButtons.isAnswerButton(interaction)) {
    const logger = context.logger.child({ requestId: interaction.id, button: interaction.customId });
    try {
      await answerButtons.execute(interaction, { ...forGuild(context, interaction.guildId), logger });
    } catch (error) {
      logger.error({ err: error }, 'button failed');
      await interaction
        .reply({ content: APOLOGY, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS })
        .catch((sendError: unknown) =>
          logger.warn({ err: sendError }, 'could not tell the user about the failure'),
        );
    }
    return;
  }
  if (interaction.isAutocomplete()) {
    const command = commandsByName.get(interaction.commandName);
    await command
      ?.autocomplete?.(interaction, forGuild(context, interaction.guildId))
      .catch((error: unknown) => {
        context.logger.warn({ err: error, command: interaction.commandName }, 'autocomplete failed');
        return interaction.respond([]).catch(() => {});
      });
    return;
  }
  if (!interaction.isChatInputCommand()) return;
  const logger = context.logger.child({
    requestId: interaction.id,
    command: interaction.commandName,
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    userId: interaction.user.id,
  });
  const command = commandsByName.get(interaction.commandName);
  if (!command) {
    logger.warn('unknown command (stale registration? run the register script)');
    // A command this version does not know still gets an answer, not "The application did not respond".
    await interaction
      .reply({ content: UNKNOWN_COMMAND, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not answer the unknown command'));
    return;
  }
  try {
    await command.execute(interaction, { ...forGuild(context, interaction.guildId), logger });
  } catch (error) {
    const cancelled = error instanceof ShutdownError;
    context.metrics.failures.inc();
    if (cancelled) logger.warn({ err: error }, 'answer cancelled by shutdown');
    else logger.error({ err: error }, 'command failed');
    await tellUser(interaction, cancelled ? CANCELLED_BY_SHUTDOWN : APOLOGY).catch((sendError: unknown) =>
      logger.warn({ err: sendError }, 'could not tell the user about the failure'),
    );
  }
}

/**
 * A failure notice in whatever state the interaction is in. Not yet acknowledged: an ephemeral reply.
 * Deferred publicly: the "thinking…" placeholder is edited into the notice, since a deferred reply's
 * visibility cannot change any more. Already answered in part: an ephemeral follow-up.
 */
async function tellUser(interaction: ChatInputCommandInteraction, content: string): Promise<void> {
  if (interaction.deferred && !interaction.replied) {
    await interaction.editReply({ content, embeds: [], allowedMentions: NO_MENTIONS });
  } else if (interaction.replied) {
    await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  } else {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  }
}
