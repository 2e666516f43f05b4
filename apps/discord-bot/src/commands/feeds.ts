import { type AutocompleteInteraction, MessageFlags } from 'discord.js';
import { adminCommandBuilder, urlSubcommand } from '../admin/admin-command.js';
import { adminRefusal } from '../admin/admin-gate.js';
import { runAdminTask } from '../admin/admin-task.js';
import { NO_MENTIONS } from '../bot-context.js';
import { feedList, ingestReport } from '../format/admin-replies.js';
import type { Command } from './command.js';

/** `/feeds add|list|remove`, gated like `/articles`. */
export const data = adminCommandBuilder('feeds', 'Follow feeds whose new entries are added as articles')
  .addSubcommand(
    urlSubcommand(
      'add',
      'Follow a feed (RSS, Atom, JSON Feed or sitemap) and add its entries now',
      'https://… of the feed',
    ),
  )
  .addSubcommand((sub) => sub.setName('list').setDescription('The followed feeds'))
  .addSubcommand((sub) =>
    sub
      .setName('remove')
      .setDescription('Stop following a feed (its articles stay)')
      .addStringOption((option) =>
        option.setName('url').setDescription('The feed').setRequired(true).setAutocomplete(true),
      ),
  );

export const execute: Command['execute'] = async (interaction, context) => {
  const { feeds, qa } = context;
  const subcommand = interaction.options.getSubcommand();
  if (subcommand === 'add') {
    const url = interaction.options.getString('url', true).trim();
    await runAdminTask(
      interaction,
      context,
      async ({ fetch, waitForLock, signal }) => {
        const probed = await feeds.probe(url, { fetch });
        if (probed.isArticle)
          return `<${url}> is an article, not a feed: add it with \`/articles add url:${url}\`.`;
        const { subscription, added } = await feeds.add(probed.source);
        const summary = await qa.ingest([subscription.url], { fetch, waitForLock, signal, prune: false });
        const following = added
          ? `Following <${subscription.url}>`
          : `Already following <${subscription.url}>`;
        const later =
          context.config.collections === 'per-guild'
            ? 'New entries are added as the feed publishes them.'
            : 'New entries are added by `articleqa watch` (or the workers, on Postgres) running beside the bot.';
        return `${following} (${probed.entries} entries). ${later}\n${ingestReport(subscription.url, summary)}`.slice(
          0,
          2000,
        );
      },
      { url },
    );
  } else if (subcommand === 'remove') {
    const url = interaction.options.getString('url', true).trim();
    await runAdminTask(interaction, context, async () =>
      (await feeds.remove(url))
        ? `Stopped following <${url}>. Its articles stay: remove them with \`/articles remove\`.`
        : `<${url}> is not followed: see \`/feeds list\`.`,
    );
  } else {
    const refusal = adminRefusal(interaction, context.config);
    await interaction.reply({
      content: refusal ?? feedList(await feeds.list()),
      flags: MessageFlags.Ephemeral,
      allowedMentions: NO_MENTIONS,
    });
  }
};

/** The followed feeds whose URL holds what is typed. */
export async function autocomplete(
  interaction: AutocompleteInteraction,
  context: Parameters<Command['execute']>[1],
) {
  if (adminRefusal(interaction, context.config)) return void (await interaction.respond([]));
  const typed = interaction.options.getFocused().trim().toLowerCase();
  const matches = (await context.feeds.list())
    .filter((feed) => feed.url.toLowerCase().includes(typed))
    .slice(0, 25);
  await interaction.respond(matches.map((feed) => ({ name: feed.url.slice(0, 100), value: feed.url })));
}

/** The `/feeds` command. */
export const feedsCommand: Command = { data, execute, autocomplete };
