import { type APIEmbed, escapeMarkdown } from 'discord.js';
import type { Citation } from '../qa-service.js';

/** Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const EmbedLimits = {
  title: 256,
  description: 4096,
  total: 6000,
} as const;

/** Options of {@link sourcesEmbed}. */
export interface SourcesEmbedOptions {
  /** Characters of each quoted span shown. @defaultValue 180 */
  quoteLength?: number;
  /** Characters of each title shown. @defaultValue 120 */
  titleLength?: number;
}

const METADATA_LABELS = {
  publishedAt: 'Published',
  byline: 'By',
  siteName: 'Source',
  title: 'Title',
} as const;

/** Brand colour of the bot's embeds. */
export const EMBED_COLOR = 0x5865f2;

/**
 * The "Sources" embed of an answer: one entry per citation number, the article title (linked when its URL
 * is known) and a short quote of the cited span. Entries that do not fit Discord's limits are counted in
 * a last line instead of being cut mid-way. Returns undefined when there is nothing to cite.
 */
export function sourcesEmbed(
  citations: readonly Citation[],
  options: SourcesEmbedOptions = {},
): APIEmbed | undefined {
  const quoteLength = options.quoteLength ?? 180;
  const titleLength = options.titleLength ?? 120;
  const byNumber = new Map<number, Citation>();
  for (const citation of citations) if (!byNumber.has(citation.n)) byNumber.set(citation.n, citation);
  const ordered = [...byNumber.values()].sort((a, b) => a.n - b.n);
  if (ordered.length === 0) return undefined;

  // Room is kept for the "and N more" line.
  const budget = EmbedLimits.description - 40;
  const entries: string[] = [];
  let used = 0;
  for (const citation of ordered) {
    // A citation of the document's details (its date, author...) has no quote: show the fact it cites.
    const quote = citation.metadata
      ? `${METADATA_LABELS[citation.metadata.field]}: ${shorten(citation.metadata.value, quoteLength)}`
      : shorten(citation.quote, quoteLength);
    // Who wrote it and when, where the article says (`by Jane Doe, 2015-08-05`).
    const about = [
      citation.byline ? `by ${shorten(citation.byline, 60)}` : '',
      citation.publishedAt?.slice(0, 10) ?? '',
    ]
      .filter(Boolean)
      .join(', ');
    const entry = `**[${citation.n}]** ${titleLink(citation.title, citation.url, titleLength)}${about ? ` · ${escapeMarkdown(about)}` : ''}${quote ? `\n> ${escapeMarkdown(quote)}` : ''}`;
    if (used + entry.length + 1 > budget) break;
    entries.push(entry);
    used += entry.length + 1;
  }
  const omitted = ordered.length - entries.length;
  if (omitted > 0) entries.push(`…and ${omitted} more`);
  return { title: 'Sources', description: entries.join('\n'), color: EMBED_COLOR };
}

/** A title as Markdown, linked when the URL is http(s); markup in the title is escaped. */
export function titleLink(title: string, url: string | undefined, maxLength: number): string {
  const text = escapeMarkdown(shorten(title, maxLength) || 'Untitled').replace(/[[\]]/g, '\\$&');
  if (url === undefined || !/^https?:\/\/\S+$/i.test(url)) return `**${text}**`;
  // Parentheses and spaces would end the Markdown link early.
  // (encodeURIComponent leaves parentheses alone, hence the explicit percent-encoding.)
  const safeUrl = url.replace(
    /[()\s]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return `[${text}](${safeUrl})`;
}

/** Collapses whitespace and shortens at a word boundary, marking the cut with an ellipsis. */
export function shorten(text: string, maxLength: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxLength) return flat;
  const head = flat.slice(0, maxLength - 1);
  const space = head.lastIndexOf(' ');
  return `${(space > maxLength / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}
