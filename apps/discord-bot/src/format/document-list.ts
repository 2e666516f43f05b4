import type { APIEmbed } from 'discord.js';
import type { DocumentInfo } from '../qa-service.js';
import { EMBED_COLOR, titleLink } from './sources-embed.js';

/** Articles per `/sources` page: ten one-line entries stay well inside an embed's 4096 characters. */
export const DOCUMENTS_PER_PAGE = 10;

/** One page of the article list. */
export interface DocumentPage {
  embed: APIEmbed;
  /** The page shown, 1-based (clamped to the last page). */
  page: number;
  pageCount: number;
}

/** Options of {@link documentListPage}. */
export interface DocumentListOptions {
  /** @defaultValue {@link DOCUMENTS_PER_PAGE} */
  perPage?: number;
  /** The command that shows another page, named in the footer. @defaultValue '/sources' */
  command?: string;
  /** Add each article's source and id, and its ingest date when it has no publication date (for admins). */
  details?: boolean;
  /** Said after "No articles are indexed yet." when the list is empty (how to add some). */
  emptyHint?: string;
  /** Ids of the articles every server shares (the operator's), marked as such in the list. */
  shared?: ReadonlySet<string> | undefined;
}

/** Renders page `page` (1-based) of the indexed articles, sorted by title. */
export function documentListPage(
  documents: readonly DocumentInfo[],
  page: number,
  options: DocumentListOptions = {},
): DocumentPage {
  const { perPage = DOCUMENTS_PER_PAGE, command = '/sources', details = false, emptyHint, shared } = options;
  if (documents.length === 0) {
    const description = `No articles are indexed yet.${emptyHint ? ` ${emptyHint}` : ''}`;
    return {
      embed: { title: 'Indexed articles', description, color: EMBED_COLOR },
      page: 1,
      pageCount: 1,
    };
  }
  const sorted = [...documents].sort((a, b) => a.title.localeCompare(b.title));
  const pageCount = Math.ceil(sorted.length / perPage);
  const shown = Math.min(Math.max(1, Math.trunc(page)), pageCount);
  const first = (shown - 1) * perPage;
  const lines = sorted.slice(first, first + perPage).map((document, index) => {
    const published = document.publishedAt?.slice(0, 10);
    const date = published
      ? ` · ${published}`
      : details
        ? ` · added ${document.ingestedAt.slice(0, 10)}`
        : '';
    const mark = shared?.has(document.id) ? ' · shared' : '';
    const entry = `**${first + index + 1}.** ${titleLink(document.title, document.url, 150)}${date}${mark}`;
    if (!details) return entry;
    // Sources are shown as code: a path or URL, not a link to follow; the id is what `remove` takes.
    return `${entry}\n-# \`${document.source.slice(0, 150).replace(/`/g, "'")}\` · id \`${document.id.slice(0, 12)}\``;
  });
  return {
    embed: {
      title: 'Indexed articles',
      description: lines.join('\n'),
      color: EMBED_COLOR,
      footer: {
        text: `Page ${shown} of ${pageCount} · ${sorted.length} articles${shown < pageCount ? ` · ${command} page:${shown + 1} for more` : ''}`,
      },
    },
    page: shown,
    pageCount,
  };
}
