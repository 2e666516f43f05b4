import {
  InteractionContextType,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';

/**
 * A slash command that changes the collection: for servers only, and shown by Discord only to members
 * with Manage Server (`default_member_permissions`; the bot checks again when it runs).
 */
export function adminCommandBuilder(name: string, description: string): SlashCommandBuilder {
  return new SlashCommandBuilder()
    .setName(name)
    .setDescription(description)
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild);
}

/** A subcommand taking one required `url:` option. */
export function urlSubcommand(name: string, description: string, urlDescription: string) {
  return (sub: SlashCommandSubcommandBuilder) =>
    sub
      .setName(name)
      .setDescription(description)
      .addStringOption((option) =>
        option.setName('url').setDescription(urlDescription).setRequired(true).setMaxLength(2000),
      );
}
