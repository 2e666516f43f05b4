import { type DocumentFilter, isEmptyFilter } from '@articleqa/core';
import type { SqlParameters } from './sql-parameters.js';

/**
 * SQL conditions on the documents table (aliased `d`) for a filter; an empty list when it restricts
 * nothing. Semantics match every store: `source` is a case-insensitive substring, `publishedAfter`
 * compares as text, and `publishedBefore` compares the date part so that the whole day counts.
 */
export function filterConditions(filter: DocumentFilter | undefined, parameters: SqlParameters): string[] {
  if (!filter || isEmptyFilter(filter)) return [];
  const conditions: string[] = [];
  if (filter.documentIds) conditions.push(`d.id = ANY(${parameters.add([...filter.documentIds])}::text[])`);
  // strpos, not LIKE: a source holding % or _ matches literally.
  if (filter.source !== undefined)
    conditions.push(`strpos(lower(d.source), lower(${parameters.add(filter.source)}::text)) > 0`);
  if (filter.publishedAfter !== undefined)
    conditions.push(`d.published_at >= ${parameters.add(filter.publishedAfter)}::text`);
  if (filter.publishedBefore !== undefined)
    conditions.push(`substr(d.published_at, 1, 10) <= ${parameters.add(filter.publishedBefore)}::text`);
  return conditions;
}

/** True when the filter can let nothing through without asking the database (no document ids). */
export function excludesEverything(filter: DocumentFilter | undefined): boolean {
  return filter?.documentIds !== undefined && filter.documentIds.length === 0;
}
