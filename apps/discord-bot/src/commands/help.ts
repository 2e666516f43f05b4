import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { NO_MENTIONS } from '../bot-context.js';
import { helpText, missingPermissionsNotice } from '../format/notices.js';
import { missingPermissions } from '../permissions/channel-permissions.js';
import type { Command } from './command.js';

/** `/help` */
export const data = new SlashCommandBuilder()
  .setName('help')
  .setDescription('How to ask the articles')
  .setContexts(InteractionContextType.Guild);

/**
 * Replies ephemerally with the usage text, true to the running configuration, and what the bot lacks in
 * this channel, if anything.
 */
export const execute: Command['execute'] = async (interaction, context) => {
  const missing = missingPermissions(interaction.appPermissions, {
    threadMode: context.config.threadMode,
    inThread: interaction.channel?.isThread() ?? false,
  });
  const text = helpText(context.config);
  await interaction.reply({
    content: missing.length > 0 ? `${text}\n${missingPermissionsNotice(missing)}` : text,
    flags: MessageFlags.Ephemeral,
    allowedMentions: NO_MENTIONS,
  });
};

/** The `/help` command. */
export const help: Command = { data, execute };
