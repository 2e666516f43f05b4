import { parseHTML } from 'linkedom';
import { Marked } from 'marked';
import { InputError } from '../shared/errors.js';
import { cleanText, normalizeTitle } from './clean-text.js';
import { type DomNode, htmlToText } from './html-to-text.js';
import type { ParsedDocument, ParseInput } from './parsed-document.js';
import { readFrontMatter } from './read-front-matter.js';
import { titleFromSource } from './title-from-source.js';

interface DomElement extends DomNode {
  readonly firstElementChild: DomElement | null;
  querySelector(selectors: string): DomElement | null;
  remove(): void;
}

/**
 * Parses a Markdown article into a title, readable text and metadata.
 *
 * The Markdown is rendered to HTML by `marked` (CommonMark + GFM) and read back as text with
 * {@link htmlToText}, so the text is prose: no emphasis markers, heading hashes or list markers; links
 * become their text, images disappear, inline HTML tags go and their text stays, code blocks keep their
 * content, entities are decoded. Paragraphs are separated by one blank line.
 *
 * Title: front matter `title`, else the first level-1 heading, else the humanised file name.
 * The title is not repeated in the text: when the document opens with a level-1 heading that is the
 * title, that heading is left out, so the text starts with the first body paragraph (as for plain text
 * and HTML). Later headings stay as their own paragraphs.
 *
 * Metadata comes from the front matter (see {@link readFrontMatter}).
 *
 * @throws {@link InputError} `E_EMPTY` when no text is left; `E_INPUT` for unreadable front matter.
 */
export function parseMarkdown(input: ParseInput): ParsedDocument {
  const frontMatter = readFrontMatter(input.content, input.source);
  const html = new Marked({ gfm: true }).parse(frontMatter.body, { async: false });
  const { document } = parseHTML(`<!doctype html><html><head></head><body>${html}</body></html>`);
  const body = document.body as unknown as DomElement;

  let title = frontMatter.title === undefined ? undefined : normalizeTitle(frontMatter.title) || undefined;
  const firstHeading = body.querySelector('h1');
  if (firstHeading !== null) {
    const headingText = normalizeTitle(htmlToText(firstHeading));
    title ??= headingText || undefined;
    if (body.firstElementChild === firstHeading && sameTitle(headingText, title)) firstHeading.remove();
  }

  const text = cleanText(htmlToText(body));
  if (text === '') {
    throw new InputError('E_EMPTY', input.source, `No text in ${input.source}`, {
      hint: 'The file has no prose once Markdown syntax and boilerplate are removed.',
    });
  }
  return { title: title ?? titleFromSource(input.source), text, metadata: frontMatter.metadata };
}

function sameTitle(a: string, b: string | undefined): boolean {
  return b !== undefined && a.toLowerCase() === b.toLowerCase();
}
