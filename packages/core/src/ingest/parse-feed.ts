import { InputError } from '../shared/errors.js';
import { normalizeDate } from './normalize-date.js';
import type { LinkedSource, ParsedDocument, ParseInput } from './parsed-document.js';
import { isHttpUrl, normalizeSource } from './source-location.js';

/** What a feed entry or sitemap URL says about the article it links to. */
interface Entry {
  link: string | undefined;
  title?: string | undefined;
  date?: string | undefined;
  author?: string | undefined;
  guid?: string | undefined;
}

/**
 * Reads a feed (RSS 2.0, RSS 1.0/RDF, Atom, JSON Feed) or a sitemap (`urlset`, `sitemapindex`,
 * Google News) by its content, whatever the file is called: every entry's link becomes a source to
 * load as an article of its own, with the entry's title, date, author and GUID to fill what the page
 * leaves out. A sitemap index links to further sitemaps. Entries without a usable http(s) link are
 * skipped; relative links resolve against the feed's own URL.
 * @throws InputError `E_UNSUPPORTED` for XML or JSON that is neither a feed nor a sitemap, or is malformed.
 */
export async function parseFeedOrSitemap(
  input: ParseInput,
): Promise<{ documents: ParsedDocument[]; links: LinkedSource[]; refreshSeconds?: number }> {
  const content = input.content.trimStart();
  const base = input.url ?? (isHttpUrl(input.source) ? input.source : undefined);
  const { entries, refreshSeconds } = content.startsWith('{')
    ? { entries: await jsonFeedEntries(content, input.source), refreshSeconds: undefined }
    : await xmlEntries(content, input.source);
  const links: LinkedSource[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const source = resolveLink(entry.link, base);
    if (!source || seen.has(source)) continue;
    seen.add(source);
    const metadata = {
      ...(entry.date ? { publishedAt: normalizeDate(entry.date) } : {}),
      ...(entry.author ? { byline: entry.author } : {}),
      ...(entry.guid ? { guid: entry.guid } : {}),
    };
    links.push({
      source,
      ...(entry.title ? { title: entry.title } : {}),
      metadata: Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined)),
    });
  }
  return { documents: [], links, ...(refreshSeconds ? { refreshSeconds } : {}) };
}

function resolveLink(link: string | undefined, base: string | undefined): string | undefined {
  const text = link?.trim();
  if (!text) return undefined;
  const absolute = URL.canParse(text)
    ? text
    : base && URL.canParse(text, base)
      ? new URL(text, base).href
      : undefined;
  return absolute && isHttpUrl(absolute) ? normalizeSource(absolute) : undefined;
}

function unsupported(source: string, why: string, cause?: unknown): InputError {
  return new InputError('E_UNSUPPORTED', source, `${source} is not a feed or sitemap this reads: ${why}`, {
    hint: 'Feeds (RSS, Atom, RDF, JSON Feed) and sitemaps are read by content; other XML and JSON are not articles.',
    ...(cause === undefined ? {} : { cause }),
  });
}

async function jsonFeedEntries(content: string, source: string): Promise<Entry[]> {
  const { parseFeed } = await import('feedsmith');
  let parsed: ReturnType<typeof parseFeed>;
  try {
    parsed = parseFeed(content);
  } catch (error) {
    throw unsupported(source, 'JSON that is not a JSON Feed', error);
  }
  if (parsed.format !== 'json') throw unsupported(source, `unexpected ${parsed.format} content`);
  return (parsed.feed.items ?? []).map((item) => ({
    link: item.url ?? item.external_url,
    title: item.title,
    date: dateText(item.date_published ?? item.date_modified),
    author: item.authors?.map((author) => author.name).find(Boolean),
    guid: item.id,
  }));
}

async function xmlEntries(
  content: string,
  source: string,
): Promise<{ entries: Entry[]; refreshSeconds: number | undefined }> {
  const root = rootElement(content);
  if (root === 'urlset' || root === 'sitemapindex')
    return { entries: await sitemapEntries(content, source, root), refreshSeconds: undefined };
  const { parseFeed } = await import('feedsmith');
  let parsed: ReturnType<typeof parseFeed>;
  try {
    parsed = parseFeed(content);
  } catch (error) {
    throw unsupported(
      source,
      root ? `<${root}> is not a feed root, or the XML is malformed` : 'not XML',
      error,
    );
  }
  switch (parsed.format) {
    case 'rss':
      return {
        refreshSeconds:
          parsed.feed.ttl !== undefined && parsed.feed.ttl > 0
            ? parsed.feed.ttl * 60
            : syndicationSeconds(parsed.feed.sy),
        entries: (parsed.feed.items ?? []).map((item) => ({
          link: item.link ?? (item.guid?.isPermaLink !== false ? item.guid?.value : undefined),
          title: item.title,
          date: dateText(item.pubDate ?? item.dc?.dates?.[0]),
          author: item.dc?.creators?.[0] ?? authorText(item.authors?.[0]),
          guid: item.guid?.value,
        })),
      };
    case 'rdf':
      return {
        refreshSeconds: syndicationSeconds(parsed.feed.sy),
        entries: (parsed.feed.items ?? []).map((item) => ({
          link: item.link ?? item.rdf?.about,
          title: item.title,
          date: dateText(item.dc?.dates?.[0]),
          author: item.dc?.creators?.[0],
          guid: item.rdf?.about,
        })),
      };
    case 'atom':
      return {
        refreshSeconds: undefined,
        entries: (parsed.feed.entries ?? []).map((entry) => ({
          link: (entry.links?.find((link) => !link.rel || link.rel === 'alternate') ?? entry.links?.[0])
            ?.href,
          title: textValue(entry.title),
          date: dateText(entry.published ?? entry.updated),
          author: entry.authors?.map((author) => author.name).find(Boolean),
          guid: entry.id,
        })),
      };
    default:
      throw unsupported(source, `unexpected ${parsed.format} content`);
  }
}

/** The name of the document element, without a namespace prefix; undefined when there is none. */
function rootElement(content: string): string | undefined {
  // Skip the XML declaration, processing instructions, comments and the doctype before the root.
  const withoutProlog = content.replace(/^(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)*/i, '');
  const name = /^<([A-Za-z_][\w.:-]*)/.exec(withoutProlog)?.[1];
  return name?.split(':').pop();
}

async function sitemapEntries(
  content: string,
  source: string,
  root: 'urlset' | 'sitemapindex',
): Promise<Entry[]> {
  const { XMLParser, XMLValidator } = await import('fast-xml-parser');
  const valid = XMLValidator.validate(content);
  if (valid !== true) throw unsupported(source, `malformed XML (${valid.err.msg}, line ${valid.err.line})`);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    isArray: (name) => name === 'url' || name === 'sitemap',
  });
  const document = parser.parse(content) as Record<string, Record<string, unknown> | undefined>;
  const items = (document[root]?.[root === 'urlset' ? 'url' : 'sitemap'] ?? []) as Record<string, unknown>[];
  return items.map((item) => {
    const news = item.news as Record<string, unknown> | undefined;
    return {
      link: scalar(item.loc),
      title: scalar(news?.title),
      date: scalar(news?.publication_date) ?? scalar(item.lastmod),
    };
  });
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function textValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'value' in value)
    return scalar((value as { value: unknown }).value);
  return undefined;
}

function authorText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'name' in value) return scalar((value as { name: unknown }).name);
  return undefined;
}

function dateText(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  return scalar(value);
}

const SYNDICATION_PERIODS: Record<string, number> = {
  hourly: 3600,
  daily: 86_400,
  weekly: 604_800,
  monthly: 2_592_000,
  yearly: 31_536_000,
};

/** `sy:updatePeriod` / `sy:updateFrequency` as seconds between updates (a day / 2 is 12 hours). */
function syndicationSeconds(
  sy: { updatePeriod?: string; updateFrequency?: number } | undefined,
): number | undefined {
  const period = sy?.updatePeriod ? SYNDICATION_PERIODS[sy.updatePeriod.trim().toLowerCase()] : undefined;
  if (period === undefined) return undefined;
  const frequency = sy?.updateFrequency && sy.updateFrequency > 0 ? sy.updateFrequency : 1;
  return Math.round(period / frequency);
}
