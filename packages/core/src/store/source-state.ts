import type { StoredSourceState } from './article-store.js';

/**
 * A document's {@link StoredSourceState} from its stored columns and the metadata values a store read
 * for it (`fileStamp`, `etag`, `lastModified`): only non-empty strings are kept, whatever else a
 * hand-edited or older collection holds there.
 */
export function storedSourceState(
  contentHash: string,
  title: string,
  metadata: { fileStamp?: unknown; etag?: unknown; lastModified?: unknown },
): StoredSourceState {
  const state: StoredSourceState = { contentHash, title };
  for (const key of ['fileStamp', 'etag', 'lastModified'] as const) {
    const value = metadata[key];
    if (typeof value === 'string' && value.length > 0) state[key] = value;
  }
  return state;
}
