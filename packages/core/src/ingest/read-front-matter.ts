import matter from 'gray-matter';
import type { DocumentMetadata } from '../shared/document.js';
import { InputError } from '../shared/errors.js';
import { normalizeDate } from './normalize-date.js';
import { isHttpUrl } from './source-location.js';

/** Front matter split from a Markdown body and mapped onto document metadata. */
export interface FrontMatter {
  /** The Markdown after the front matter block. */
  body: string;
  /** The `title` field, when it is a non-empty string or number. */
  title?: string;
  /** Known fields under their metadata names; every other field as given (dates as ISO strings). */
  metadata: DocumentMetadata;
}

/**
 * Front matter names accepted for each metadata field, first match wins. A value that does not fit
 * (a `date` that is not a date, a `url` that is not http(s)) is kept under its own name instead.
 */
export const FRONT_MATTER_FIELDS = {
  siteName: ['siteName', 'site_name', 'site', 'source', 'publication', 'publisher'],
  publishedAt: ['publishedAt', 'published_at', 'published', 'date', 'pubDate'],
  url: ['url', 'canonical', 'canonical_url', 'link'],
  byline: ['byline', 'author', 'authors'],
} as const satisfies Record<string, readonly string[]>;

function refuseScript(): never {
  throw new Error('JavaScript front matter is not allowed');
}

/**
 * Reads YAML (or JSON) front matter with gray-matter.
 *
 * gray-matter evaluates `---js` front matter with `eval`; an article must never run code, so that
 * engine is replaced by one that refuses.
 *
 * @param content - The whole Markdown file.
 * @param source - Names the file in errors.
 * @throws {@link InputError} `E_INPUT` when the front matter cannot be parsed.
 */
export function readFrontMatter(content: string, source: string): FrontMatter {
  let parsed: { data: Record<string, unknown>; content: string };
  try {
    // Passing options also turns off gray-matter's global cache, which would keep every file in memory.
    parsed = matter(content, { engines: { javascript: refuseScript, js: refuseScript } });
  } catch (error) {
    throw new InputError('E_INPUT', source, `Invalid front matter in ${source}`, {
      cause: error,
      hint: 'Fix the YAML between the --- lines at the top of the file.',
    });
  }

  const remaining = new Map(Object.entries(parsed.data ?? {}));
  const result: FrontMatter = { body: parsed.content, metadata: {} };

  const title = remaining.get('title');
  if ((typeof title === 'string' || typeof title === 'number') && String(title).trim() !== '') {
    result.title = String(title).replace(/\s+/g, ' ').trim();
    remaining.delete('title');
  }

  const take = (names: readonly string[], convert: (value: unknown) => string | undefined) => {
    for (const name of names) {
      if (!remaining.has(name)) continue;
      const converted = convert(remaining.get(name));
      if (converted !== undefined) {
        remaining.delete(name);
        return converted;
      }
    }
    return undefined;
  };
  const siteName = take(FRONT_MATTER_FIELDS.siteName, nonEmptyString);
  const publishedAt = take(FRONT_MATTER_FIELDS.publishedAt, normalizeDate);
  const url = take(FRONT_MATTER_FIELDS.url, (value) =>
    typeof value === 'string' && isHttpUrl(value.trim()) ? value.trim() : undefined,
  );
  const byline = take(FRONT_MATTER_FIELDS.byline, (value) =>
    Array.isArray(value)
      ? nonEmptyString(value.filter((name) => typeof name === 'string').join(', '))
      : nonEmptyString(value),
  );

  for (const [name, value] of remaining) {
    // Dates become strings so metadata stays plain JSON wherever it is stored.
    result.metadata[name] = value instanceof Date ? (normalizeDate(value) ?? String(value)) : value;
  }
  if (siteName !== undefined) result.metadata.siteName = siteName;
  if (publishedAt !== undefined) result.metadata.publishedAt = publishedAt;
  if (url !== undefined) result.metadata.url = url;
  if (byline !== undefined) result.metadata.byline = byline;
  return result;
}

function nonEmptyString(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text;
}
