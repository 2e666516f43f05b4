import {
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  PermissionFlagsBits,
} from 'discord.js';
import type { BotConfig } from '../config.js';

/** Said to someone without Manage Server (a server whose admins gave the command to more people). */
export const NEEDS_MANAGE_SERVER =
  'Only members with the Manage Server permission can change the articles I answer from.';

/** Said in a server the operator has not allowed to change the collection. */
export const ADMIN_OFF =
  "Changing the articles from Discord is not turned on for this server: the bot's operator has every server share one collection (ARTICLEQA_COLLECTIONS=shared), and allows changing it server by server (ARTICLEQA_ADMIN_GUILDS).";

/**
 * Why `interaction` may not change the collection, or undefined when it may. Discord hides the command
 * from members without Manage Server (`default_member_permissions`), but a server can grant it to
 * anyone in its integration settings, so the permission is checked again here; and, when every guild
 * shares one collection, the operator must have listed the guild in ARTICLEQA_ADMIN_GUILDS.
 */
export function adminRefusal(
  interaction: ChatInputCommandInteraction | AutocompleteInteraction,
  config: Pick<BotConfig, 'adminGuilds' | 'collections'>,
): string | undefined {
  if (!interaction.inGuild()) return ADMIN_OFF;
  // With a collection per guild, a server's admins change only their own: no operator list needed.
  if (config.collections === 'shared' && !config.adminGuilds?.has(interaction.guildId)) return ADMIN_OFF;
  if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return NEEDS_MANAGE_SERVER;
  return undefined;
}
