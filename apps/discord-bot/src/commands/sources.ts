import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { NO_MENTIONS } from '../bot-context.js';
import { documentListPage } from '../format/document-list.js';
import type { Command } from './command.js';

/**
 * `/sources page:` — a page option rather than buttons: it needs no component state to survive
 * restarts or shards, and every page is one stateless command.
 */
export const data = new SlashCommandBuilder()
  .setName('sources')
  .setDescription('List the articles the bot can answer from')
  // Nothing here is meant for DMs: a server's articles are listed in the server.
  .setContexts(InteractionContextType.Guild)
  .addIntegerOption((option) => option.setName('page').setDescription('Page number').setMinValue(1));

/** Replies (ephemerally: the list is for whoever asked) with one page of the indexed articles. */
export const execute: Command['execute'] = async (interaction, context) => {
  const page = interaction.options.getInteger('page') ?? 1;
  // With a collection per server, its admins fill it: say how.
  const emptyHint =
    context.config.collections === 'per-guild'
      ? 'Members with Manage Server add them with `/articles add url:` or follow a feed with `/feeds add url:`.'
      : undefined;
  const { embed } = documentListPage(await context.qa.listDocuments(), page, emptyHint ? { emptyHint } : {});
  await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
};

/** The `/sources` command. */
export const sources: Command = { data, execute };
