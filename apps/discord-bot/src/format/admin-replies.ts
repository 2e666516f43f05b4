import { escapeMarkdown } from 'discord.js';
import type { FeedSubscription, IngestSummary, RemoveSummary } from '../qa-service.js';
import { DISCORD_MESSAGE_LIMIT } from './split-message.js';

/** At most this many titles are named in a report; the rest are counted. */
const TITLES_SHOWN = 10;

/** Cuts `text` to Discord's message limit at a line end, saying how much was left out. */
function fitMessage(lines: readonly string[]): string {
  const kept: string[] = [];
  let used = 0;
  for (const [index, line] of lines.entries()) {
    const more = `… and ${lines.length - index} more lines`;
    if (used + line.length + 1 + more.length > DISCORD_MESSAGE_LIMIT) {
      kept.push(more);
      break;
    }
    kept.push(line);
    used += line.length + 1;
  }
  return kept.join('\n');
}

const plain = (text: string) => escapeMarkdown(text.replace(/\s+/g, ' ').slice(0, 150));

/** What an ingest of `url` did, for the admin who asked: counts, the titles added, why sources failed. */
export function ingestReport(url: string, summary: IngestSummary): string {
  const stored = summary.items.filter((item) => item.status === 'added' || item.status === 'updated');
  const failed = summary.items.filter((item) => item.status === 'failed');
  const counts = [
    `${summary.added} added`,
    `${summary.updated} updated`,
    `${summary.unchanged} unchanged`,
    ...(summary.duplicates > 0 ? [`${summary.duplicates} duplicates`] : []),
    `${summary.failed} failed`,
  ].join(', ');
  const lines = [`**Done: <${url}>** — ${counts} (${summary.seconds.toFixed(1)} s).`];
  for (const item of stored.slice(0, TITLES_SHOWN)) lines.push(`• ${plain(item.title ?? item.source)}`);
  if (stored.length > TITLES_SHOWN) lines.push(`• … and ${stored.length - TITLES_SHOWN} more`);
  for (const item of failed.slice(0, TITLES_SHOWN))
    lines.push(`✗ <${item.source}>: ${plain(item.reason ?? 'failed')}`);
  if (summary.added + summary.updated === 0 && summary.unchanged > 0)
    lines.push('Nothing new: the articles were already there, unchanged.');
  return fitMessage(lines);
}

/**
 * What `/articles remove` did. `shared`: the article the reference named, when it is one of the
 * operator's, which every server reads and none can remove.
 */
export function removeReport(reference: string, summary: RemoveSummary, shared?: { title: string }): string {
  const [removed] = summary.removed;
  if (removed)
    return `Removed **${plain(removed.title)}** (<${removed.source}>). It is no longer used in answers.`;
  const [ambiguous] = summary.ambiguous;
  if (ambiguous)
    return `\`${plain(reference)}\` names ${ambiguous.matches.length} articles: pick one from the list as you type, or use its id from \`/articles list\`.`;
  if (shared)
    return `**${plain(shared.title)}** is one of the articles every server shares: the bot's operator manages those, so it cannot be removed here.`;
  return `No article matches \`${plain(reference)}\`: pick one from the list as you type, or see \`/articles list\`.`;
}

/** The followed feeds, for `/feeds list`. */
export function feedList(subscriptions: readonly FeedSubscription[]): string {
  if (subscriptions.length === 0) return 'No feeds are followed. Follow one with `/feeds add url:`.';
  const lines = [`**Followed feeds (${subscriptions.length})**`];
  for (const feed of subscriptions) {
    const polled = feed.lastPolledAt
      ? `last checked ${feed.lastPolledAt.slice(0, 16).replace('T', ' ')}`
      : 'not checked yet';
    lines.push(
      `• <${feed.url}> — ${polled}${feed.lastError ? ` — last check failed: ${plain(feed.lastError)}` : ''}`,
    );
  }
  return fitMessage(lines);
}
