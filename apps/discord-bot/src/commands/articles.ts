import { type AutocompleteInteraction, MessageFlags } from 'discord.js';
import { adminCommandBuilder, urlSubcommand } from '../admin/admin-command.js';
import { adminRefusal } from '../admin/admin-gate.js';
import { runAdminTask } from '../admin/admin-task.js';
import { NO_MENTIONS } from '../bot-context.js';
import { ingestReport, removeReport } from '../format/admin-replies.js';
import { documentListPage } from '../format/document-list.js';
import type { DocumentInfo, QAService } from '../qa-service.js';
import type { Command } from './command.js';

/**
 * `/articles add|remove|list`, for members with Manage Server (`default_member_permissions`, checked
 * again when run) in a guild the operator allows (ARTICLEQA_ADMIN_GUILDS).
 */
export const data = adminCommandBuilder('articles', 'Manage the articles the bot answers from')
  .addSubcommand(
    urlSubcommand(
      'add',
      'Add an article page, or every entry of a feed, by URL',
      'https://… of the article or feed',
    ),
  )
  .addSubcommand((sub) =>
    sub
      .setName('remove')
      .setDescription('Remove an article')
      .addStringOption((option) =>
        option
          .setName('article')
          .setDescription('Start typing its title')
          .setRequired(true)
          .setAutocomplete(true),
      ),
  )
  .addSubcommand((sub) =>
    sub
      .setName('list')
      .setDescription('The articles, with dates, sources and ids')
      .addIntegerOption((option) => option.setName('page').setDescription('Page number').setMinValue(1)),
  );

export const execute: Command['execute'] = async (interaction, context) => {
  const subcommand = interaction.options.getSubcommand();
  if (subcommand === 'add') {
    const url = interaction.options.getString('url', true).trim();
    await runAdminTask(
      interaction,
      context,
      async ({ fetch, waitForLock, signal }) =>
        ingestReport(url, await context.qa.ingest([url], { fetch, waitForLock, signal, prune: false })),
      { url },
    );
  } else if (subcommand === 'remove') {
    const reference = interaction.options.getString('article', true).trim();
    await runAdminTask(interaction, context, async ({ waitForLock, signal }) => {
      const summary = await context.qa.remove([reference], { waitForLock, signal });
      const shared = summary.notFound.length > 0 ? await sharedMatch(context.qa, reference) : undefined;
      return removeReport(reference, summary, shared);
    });
  } else {
    const refusal = adminRefusal(interaction, context.config);
    const page = interaction.options.getInteger('page') ?? 1;
    const listing = async () => {
      const { documents, shared } = await listArticles(context.qa);
      const options = { command: '/articles list', details: true, shared };
      return { embeds: [documentListPage(documents, page, options).embed] };
    };
    await interaction.reply({
      ...(refusal ? { content: refusal } : await listing()),
      flags: MessageFlags.Ephemeral,
      allowedMentions: NO_MENTIONS,
    });
  }
};

/** Choice names are at most 100 characters. */
function choiceName(document: DocumentInfo): string {
  const date = document.publishedAt?.slice(0, 10) ?? document.ingestedAt.slice(0, 10);
  const title = document.title.replace(/\s+/g, ' ');
  return `${title.length > 85 ? `${title.slice(0, 84)}…` : title} · ${date}`;
}

/**
 * The articles whose title holds what is typed (the 25 Discord shows, best first: titles that start with
 * it), each offered by title and date and chosen by id. Members who may not remove articles get none.
 */
export async function autocomplete(
  interaction: AutocompleteInteraction,
  context: Parameters<Command['execute']>[1],
) {
  if (adminRefusal(interaction, context.config)) return void (await interaction.respond([]));
  const typed = interaction.options.getFocused().trim().toLowerCase();
  // Only what this server can remove: not the articles every server shares.
  const { documents, shared } = await listArticles(context.qa);
  const matches = documents
    .filter((document) => !shared.has(document.id))
    .map((document) => ({ document, at: document.title.toLowerCase().indexOf(typed) }))
    .filter((match) => match.at >= 0)
    .sort(
      (a, b) => Number(a.at !== 0) - Number(b.at !== 0) || a.document.title.localeCompare(b.document.title),
    )
    .slice(0, 25);
  await interaction.respond(
    matches.map(({ document }) => ({ name: choiceName(document), value: document.id })),
  );
}

/**
 * The articles of the collection, and the ids of those that are the operator's shared ones (listed
 * beside the server's own, which the server cannot change): empty when it reads no shared collection.
 */
async function listArticles(
  qa: QAService,
): Promise<{ documents: DocumentInfo[]; shared: ReadonlySet<string> }> {
  const [documents, own] = await Promise.all([qa.listDocuments(), qa.ownDocumentIds?.()]);
  const shared = new Set(own ? documents.map((document) => document.id).filter((id) => !own.has(id)) : []);
  return { documents, shared };
}

/** The shared article `reference` names (its id, an id prefix, or its source), if it names one. */
async function sharedMatch(qa: QAService, reference: string): Promise<DocumentInfo | undefined> {
  const { documents, shared } = await listArticles(qa);
  return documents.find(
    (document) =>
      shared.has(document.id) &&
      (document.id.startsWith(reference) || document.source === reference || document.url === reference),
  );
}

/** The `/articles` command. */
export const articles: Command = { data, execute, autocomplete };
