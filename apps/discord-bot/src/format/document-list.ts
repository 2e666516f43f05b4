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

/** Renders page `page` (1-based) of the indexed articles, sorted by title. */
export function documentListPage(
  documents: readonly DocumentInfo[],
  page: number,
  perPage = DOCUMENTS_PER_PAGE,
): DocumentPage {
  if (documents.length === 0) {
    return {
      embed: { title: 'Indexed articles', description: 'No articles are indexed yet.', color: EMBED_COLOR },
      page: 1,
      pageCount: 1,
    };
  }
  const sorted = [...documents].sort((a, b) => a.title.localeCompare(b.title));
  const pageCount = Math.ceil(sorted.length / perPage);
  const shown = Math.min(Math.max(1, Math.trunc(page)), pageCount);
  const first = (shown - 1) * perPage;
  const lines = sorted.slice(first, first + perPage).map((document, index) => {
    const date = document.publishedAt ? ` · ${document.publishedAt.slice(0, 10)}` : '';
    return `**${first + index + 1}.** ${titleLink(document.title, document.url, 150)}${date}`;
  });
  return {
    embed: {
      title: 'Indexed articles',
      description: lines.join('\n'),
      color: EMBED_COLOR,
      footer: {
        text: `Page ${shown} of ${pageCount} · ${sorted.length} articles${shown < pageCount ? ` · /sources page:${shown + 1} for more` : ''}`,
      },
    },
    page: shown,
    pageCount,
  };
}
