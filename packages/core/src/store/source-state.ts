import type { SourceStamps, StoredSourceState } from './article-store.js';

/** The metadata keys of {@link SourceStamps}: how a source was read (a file's stamp, a page's validators). */
export const SOURCE_STAMP_KEYS = [
  'fileStamp',
  'etag',
  'lastModified',
] as const satisfies readonly (keyof SourceStamps)[];

/**
 * A document's {@link StoredSourceState} from its stored columns and the metadata values a store read
 * for it (`fileStamp`, `etag`, `lastModified`): only non-empty strings are kept, whatever else a
 * hand-edited or older collection holds there.
 */
export function storedSourceState(
  contentHash: string,
  title: string,
  metadata: { readonly [key in keyof SourceStamps]?: unknown },
): StoredSourceState {
  const state: StoredSourceState = { contentHash, title };
  for (const key of SOURCE_STAMP_KEYS) {
    const value = metadata[key];
    if (typeof value === 'string' && value.length > 0) state[key] = value;
  }
  return state;
}
