import type { SourcePage, StoredSource } from './article-store.js';

/**
 * The order {@link ArticleStore.listSources} pages in: by source, then id, each compared as UTF-8
 * bytes (SQLite's BINARY collation, Postgres' "C"), so every store and a union of them agree on where
 * a page ends.
 */
export function compareSources(a: StoredSource, b: { source: string; id: string }): number {
  return (
    Buffer.compare(Buffer.from(a.source), Buffer.from(b.source)) ||
    Buffer.compare(Buffer.from(a.id), Buffer.from(b.id))
  );
}

/** One page out of sources held in memory (the memory store's, and the union's merge of pages). */
export function pageOf(sources: Iterable<StoredSource>, page: SourcePage): StoredSource[] {
  const matching: StoredSource[] = [];
  for (const entry of sources) {
    if (!entry.source.startsWith(page.prefix)) continue;
    if (page.after && compareSources(entry, page.after) <= 0) continue;
    matching.push(entry);
  }
  return matching.sort(compareSources).slice(0, Math.max(0, page.limit));
}
