import type { ArticleQA, DocumentFilter } from '@articleqa/core';
import { UsageError } from '../errors.js';

/**
 * Parses repeated `--filter key=value` flags: `doc=<id>` (repeatable), `source=<text>`,
 * `after=<YYYY-MM-DD>`, `before=<YYYY-MM-DD>`.
 */
export function parseFilter(values: readonly string[] | undefined): DocumentFilter | undefined {
  if (!values || values.length === 0) return undefined;
  const filter: {
    documentIds?: string[];
    source?: string;
    publishedAfter?: string;
    publishedBefore?: string;
  } = {};
  for (const value of values) {
    const separator = value.indexOf('=');
    const key = separator > 0 ? value.slice(0, separator).trim() : '';
    const argument = separator > 0 ? value.slice(separator + 1).trim() : '';
    if (!key || !argument)
      throw new UsageError(
        `--filter ${value} must look like key=value.`,
        'Keys: doc, source, after, before.',
      );
    switch (key) {
      case 'doc':
        filter.documentIds = [...(filter.documentIds ?? []), argument];
        break;
      case 'source':
        filter.source = argument;
        break;
      case 'after':
      case 'before':
        if (!/^\d{4}-\d{2}-\d{2}$/.test(argument))
          throw new UsageError(`--filter ${key}= needs a date like 2015-08-05, not ${argument}.`);
        if (key === 'after') filter.publishedAfter = argument;
        else filter.publishedBefore = argument;
        break;
      default:
        throw new UsageError(`Unknown filter key "${key}".`, 'Keys: doc, source, after, before.');
    }
  }
  return filter;
}

/**
 * Turns each `doc=` value (an id, a unique id prefix, a path or a URL, as `remove` takes) into the
 * document's full id, so that a prefix filters as it removes instead of silently matching nothing.
 * @throws UsageError naming the value when no document or several match.
 */
export async function resolveFilter(
  qa: Pick<ArticleQA, 'findDocuments'>,
  filter: DocumentFilter | undefined,
): Promise<DocumentFilter | undefined> {
  if (!filter?.documentIds) return filter;
  const documentIds: string[] = [];
  for (const reference of filter.documentIds) {
    const matches = await qa.findDocuments(reference);
    if (matches.length === 0)
      throw new UsageError(
        `--filter doc=${reference} matches no indexed document.`,
        'See `articleqa list` for ids.',
      );
    if (matches.length > 1) {
      const shown = matches.slice(0, 5).map((document) => `${document.id} (${document.title})`);
      throw new UsageError(
        `--filter doc=${reference} is ambiguous: it matches ${shown.join(', ')}${matches.length > 5 ? ', …' : ''}.`,
        'Give more of the id.',
      );
    }
    documentIds.push(matches[0]!.id);
  }
  return { ...filter, documentIds };
}
