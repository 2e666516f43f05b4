import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { DocumentMetadata } from '../shared/document.js';
import { InputError } from '../shared/errors.js';
import { cleanText, normalizeTitle } from './clean-text.js';
import { type DomNode, htmlToText } from './html-to-text.js';
import { normalizeDate } from './normalize-date.js';
import type { ParsedDocument, ParseInput } from './parsed-document.js';
import { titleFromSource } from './title-from-source.js';

interface DomElement extends DomNode {
  getAttribute(name: string): string | null;
}

interface DomDocument extends DomNode {
  readonly title: string;
  querySelector(selectors: string): DomElement | null;
}

/**
 * Parses an HTML page: Mozilla Readability (on a linkedom DOM) picks the main content, and
 * {@link htmlToText} turns it into paragraphs separated by blank lines.
 *
 * Metadata: `byline` and `siteName` from Readability (meta tags, JSON-LD, byline elements);
 * `publishedAt` from `article:published_time` and similar meta tags, JSON-LD `datePublished`, else the
 * first `time[datetime]`; `url` from `link[rel=canonical]`, else `og:url`, else the URL the page was
 * fetched from (relative links resolved against it). Leading paragraphs that repeat the title or the
 * byline are dropped, since they are already in the metadata. A site name around the title
 * ("Story | Example Times") is removed.
 *
 * @throws {@link InputError} `E_NO_CONTENT` when the page has no article text.
 */
export function parseHtml(input: ParseInput): ParsedDocument {
  // linkedom makes a bare fragment's first element the document element, which leaves Readability
  // nothing to read; give fragments the html/body they imply.
  const html = /<(?:html|body)[\s>]/i.test(input.content)
    ? input.content
    : `<!doctype html><html><head></head><body>${input.content}</body></html>`;
  const { document: parsedDocument } = parseHTML(html);
  const document = parsedDocument as unknown as DomDocument;

  // Read before Readability runs: it rewrites the document and drops what it does not keep.
  const canonical =
    resolveHttpUrl(document.querySelector('link[rel~="canonical"]')?.getAttribute('href'), input.url) ??
    resolveHttpUrl(metaContent(document, 'og:url'), input.url) ??
    input.url;
  const metaPublished =
    metaContent(document, 'article:published_time') ??
    metaContent(document, 'og:published_time') ??
    metaContent(document, 'datePublished') ??
    metaContent(document, 'date');
  const timeElement = document.querySelector('time[datetime]')?.getAttribute('datetime') ?? undefined;
  const documentTitle = document.title;

  const article = new Readability(parsedDocument, {
    serializer: (node) => node as unknown as DomNode,
  }).parse();
  const siteName = article?.siteName ? normalizeTitle(article.siteName) : '';
  const title =
    withoutSiteName(normalizeTitle(article?.title ?? '') || normalizeTitle(documentTitle), siteName) ||
    titleFromSource(input.source);
  const byline = article?.byline
    ? normalizeTitle(article.byline).replace(/^by\s+/i, '') || undefined
    : undefined;

  const paragraphs = article?.content ? cleanText(htmlToText(article.content)).split('\n\n') : [];
  // Drop leading repeats of the headline and the author line ("By Jane Doe").
  while (paragraphs.length > 0 && isRepeat(paragraphs[0] ?? '', title, byline)) paragraphs.shift();
  const text = paragraphs.join('\n\n').trim();
  if (text === '') {
    throw new InputError('E_NO_CONTENT', input.source, `No article text found in ${input.source}`, {
      hint: 'The page may need JavaScript to show its content, or it is not an article.',
    });
  }

  const metadata: DocumentMetadata = {};
  if (canonical !== undefined) metadata.url = canonical;
  if (byline !== undefined) metadata.byline = byline;
  const publishedAt =
    normalizeDate(metaPublished) ??
    normalizeDate(article?.publishedTime ?? undefined) ??
    normalizeDate(timeElement);
  if (publishedAt !== undefined) metadata.publishedAt = publishedAt;
  if (siteName !== '') metadata.siteName = siteName;
  return { title, text, metadata };
}

function metaContent(document: DomDocument, name: string): string | undefined {
  const element =
    document.querySelector(`meta[property="${name}"]`) ?? document.querySelector(`meta[name="${name}"]`);
  const content = element?.getAttribute('content')?.trim();
  return content === undefined || content === '' ? undefined : content;
}

function resolveHttpUrl(href: string | null | undefined, base: string | undefined): string | undefined {
  if (href === null || href === undefined || href.trim() === '') return undefined;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    // A relative link in a local file has no base; it names no usable URL.
    return undefined;
  }
}

/**
 * Removes the site name from a `<title>` like "Story | Example Times" or "Example Times: Story".
 * Readability strips such suffixes only from titles longer than four words.
 */
function withoutSiteName(title: string, siteName: string): string {
  if (siteName === '') return title;
  const site = siteName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const separator = String.raw`\s*[|\-–—:·•»]\s*`;
  const pattern = new RegExp(`^(?:${site}${separator})?(.+?)(?:${separator}${site})?$`, 'iu');
  return title.replace(pattern, '$1');
}

function isRepeat(paragraph: string, title: string, byline: string | undefined): boolean {
  const line = paragraph.toLowerCase();
  if (line === title.toLowerCase()) return true;
  if (byline === undefined) return false;
  const author = byline.toLowerCase();
  return line === author || line === `by ${author}`;
}
