import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { NO_MENTIONS } from '../bot-context.js';
import { helpText } from '../format/notices.js';
import type { Command } from './command.js';

/** `/help` */
export const data = new SlashCommandBuilder()
  .setName('help')
  .setDescription('How to ask the articles')
  .setContexts(InteractionContextType.Guild);

/** Replies ephemerally with the usage text, true to the running configuration. */
export const execute: Command['execute'] = async (interaction, context) => {
  await interaction.reply({
    content: helpText(context.config),
    flags: MessageFlags.Ephemeral,
    allowedMentions: NO_MENTIONS,
  });
};

/** The `/help` command. */
export const help: Command = { data, execute };
